// SPDX-License-Identifier: GPL-2.0-only
/*
 * litmus_run.c - run a herd7 litmus test on the machine, over every
 * interleaving and TLB policy, and judge the set of final states.
 *
 * The mapping (docs/litmus.md): one PE per thread at EL1 (EL0 with EL0=Pn),
 * each variable its own 4 KiB page in one real 4-level table, the table
 * pages themselves mapped at POOL_VA so that PTE(x) is a VA through which
 * x's last-level descriptor can be written. Descriptor values are encoded
 * from their fields with herd's bit positions (AArch64PteVal: valid bit 0,
 * el0 = AP[1], db = !AP[2], af bit 10, dbm bit 51, x = !UXN).
 *
 * Exploration is a stateless depth-first search over schedules with replay:
 * a thread's register-only instructions run at once after its shared one
 * (loads, stores, TLBI, DSB, AT, MSR to translation registers, SEV/WFE), so
 * choices happen only before shared instructions; sleep sets, with each
 * step's footprint (physical words read and written; TLBI, DSB and table
 * stores are global), prune schedules that only swap independent steps
 * (models/por.c, shared with `bbmsim explore`).
 * Each schedule runs on a reset machine (machine_reset) with its memory
 * image restored, under each TLB policy. Under the policy fill+evict,
 * "PE i caches the translation of x now" and "PE i drops its stale entry
 * for x" are actions of the search too (ARM-TLBALLOC), for each variable
 * whose descriptor the test writes; their footprints name PE i's TLB entry
 * for x's page (FOOTPRINT_TLB_WORD), so they commute with every step that does not
 * touch that page on PE i. Under the policy walk (walk_visibility at-dsb),
 * "PE i's walker sees the pending stores to x's descriptor, and PE i
 * steps" is an action (RSPVBD); its footprint writes PE i's view of that
 * word (FOOTPRINT_VIEW_WORD), which only PE i's walks of it read. When a
 * thread has a store-exclusive, "PE i steps and its store-exclusive fails"
 * is an action in every policy.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include "bbmsim/analysis.h"
#include "bbmsim/asm.h"
#include "bbmsim/link.h"
#include "bbmsim/litmus.h"
#include "bbmsim/machine.h"
#include "bbmsim/por.h"
#include "bbmsim/ptbuild.h"
#include "bbmsim/sysinsn.h"

/* --- the layout ------------------------------------------------------------ */

#define LIT_MEM       (32ull << 20)
#define POOL_PA       0x100000ull      /* translation tables */
#define POOL_SIZE     0x10000ull       /* 16 pages: a test needs at most 9 (root, 2 L1, 3 L2, 3 L3) */
#define POOL_VA       0x30000000ull    /* the tables, as data: PTE(x) lives here */
#define CODE_PA       0x200000ull
#define CODE_VA_BASE  0x100000000ull   /* + 1 MiB per test: see machine_reset */
#define CODE_VA_SLOTS 4096
#define BLOCK         0x4000ull        /* per thread: code, vectors, handler */
#define VEC_A         0x2000ull        /* the vector table in use */
#define VEC_B         0x2800ull        /* inside a handler: a fault ends the thread */
#define ENTRY         0x3000ull        /* the handler (wrapper) */
#define DATA_PA       0x400000ull
#define DATA_VA       0x20000000ull

#define ATTR_ISH      (3ull << 8)
#define ATTR_CODE     (DESC_AF | ATTR_ISH | DESC_AP2 | DESC_AP1)
#define ATTR_POOL     (DESC_AF | ATTR_ISH | DESC_UXN | DESC_PXN)
#define LIT_TCR       (16ull | (16ull << 16) | (2ull << 30))
/* MAIR: 0 Normal WB, 1 Device-GRE, 2 Normal NC, 3 Device-nGnRE, 4/5 Device-nGnRnE. */
#define LIT_MAIR      (0xffull | (0x0cull << 8) | (0x44ull << 16) | (0x04ull << 24))

#define MAX_STEPS     512              /* shared steps per execution */
#define LOCAL_BOUND   4096             /* register-only instructions in a row */
#define LOOP_BOUND    3                /* a shared instruction runs at most this often (herd -unroll) */

/* --- the policies that matter --------------------------------------------------- */

typedef struct Policy {
	const char *name;
	SpecFill spec;
	bool prefill;
	WalkVisibility vis;
	bool tlb_choices;       /* fills and evictions are choice points of the search */
	bool walk_choices;      /* walk values are choice points (needs WALK_VIS_AT_DSB) */
} Policy;

static const Policy policies[] = {
	{ "miss", SPEC_FILL_NONE, false, WALK_VIS_IMMEDIATE, false, false },
	{ "spec", SPEC_FILL_ADVERSARIAL, false, WALK_VIS_IMMEDIATE, false, false },
	{ "prefill", SPEC_FILL_NONE, true, WALK_VIS_IMMEDIATE, false, false },
	{ "prefill+spec", SPEC_FILL_ADVERSARIAL, true, WALK_VIS_IMMEDIATE, false, false },
	/*
	 * ARM-TLBALLOC: a PE may cache a valid translation it can reach at any
	 * time, not only on a miss or at the store that makes it valid, and may
	 * drop an entry without a TLBI (eviction): both become actions the
	 * search chooses between the threads' steps.
	 */
	{ "fill+evict", SPEC_FILL_NONE, true, WALK_VIS_IMMEDIATE, true, false },
	/*
	 * RSPVBD: a table store is visible to a walker at the latest when a DSB
	 * of its storer completes, and may be earlier. Walks read the value
	 * from before a store still pending for them (walk_visibility at-dsb);
	 * "PE i's walker sees the stores to x's descriptor now" is an action
	 * of the search, enabled only while such a store is pending for PE i.
	 */
	{ "walk", SPEC_FILL_NONE, false, WALK_VIS_AT_DSB, false, true },
};
#define NPOLICIES (sizeof(policies) / sizeof(policies[0]))

/* --- one test on the machine ------------------------------------------------------ */

/*
 * The actions of a node: 0..nthreads-1 step that thread; then, under a
 * policy with TLB choices, for each thread and each variable whose
 * descriptor the test writes, "cache its translation now" and "evict it";
 * under a policy with walk choices, for each thread and such variable,
 * "the thread's walker sees the pending stores to its descriptor, and it steps";
 * then, when some thread has a store-exclusive, for each thread "step,
 * and a store-exclusive fails" (enabled when its next instruction is one).
 */
#define MAX_ACTIONS   32
#define TLB_ACT_BOUND 1                /* each fill or eviction at most this often per execution */
/*
 * A pseudo word for "PE i's TLB entries for the page of va" in footprints:
 * fills, evictions and TLBI completions on PE i write it, PE i's accesses
 * to the page read it. Walk-cache entries are left out: the tests write
 * last-level descriptors only (checked in tlb_actions_setup), so a table
 * descriptor is the same whoever caches it and whenever.
 */
#define TLB_WORD(i, va) FOOTPRINT_TLB_WORD((i), (va), 12)

typedef PorSet ActSet;

typedef struct Outcome {
	uint64_t *v;
	char policy[16];
	char sched[96];
} Outcome;

typedef struct LitOpts {
	bool verbose;
	bool ets2;
	bool broken_tlbi;
	uint64_t max_execs;
	const LitmusKinds *kinds;
} LitOpts;

typedef struct Owed {
	int pe;                         /* -1: every walker */
	uint64_t pa;
} Owed;

typedef struct Run {
	const LitmusTest *t;
	const LitOpts *o;
	unsigned npes;
	uint64_t var_va[LITMUS_MAX_VARS], var_pa[LITMUS_MAX_VARS];
	uint64_t pte_va[LITMUS_MAX_VARS], pte_pa[LITMUS_MAX_VARS];
	uint64_t root;
	uint64_t code_va;               /* this test's code: a fresh VA for Unicorn's translated code */
	char sym[16];                   /* its labels' symbol prefix: unique within a batch */
	uint8_t *code;                  /* the assembled image at CODE_VA */
	size_t code_len;
	/* Labels: per thread, the main code's labels (name, address). */
	struct { char name[LITMUS_NAME_MAX]; uint64_t addr; int thread; } *labels;
	size_t nlabels;
	/* Memory image: table pool, data pages. */
	uint8_t *pool, *data;
	size_t data_len;
	PeInit init[LITMUS_MAX_THREADS];
	Machine *m;
	/* The execution in progress. */
	Footprint *cur_fp;
	bool spec;                      /* the policy fills speculatively */
	bool walk_vis_dsb;              /* the policy's walks see stores at their storer's DSB */
	struct { uint64_t pc; unsigned n; } loop[LITMUS_MAX_THREADS][16];
	/* TLB actions (policy tlb_choices): the variables they apply to, and uses per execution. */
	int tvar[LITMUS_MAX_VARS];
	uint64_t view[LITMUS_MAX_VARS];   /* their descriptors' words (FOOTPRINT_VIEW_WORD) */
	/* Publications the last action owes (applied after it: walk_vis_dsb). */
	Owed owe[64];
	unsigned nowe;
	int walk_pe;                    /* a walk choice in progress: its thread (-1: none), word, walked? */
	uint64_t walk_pa;
	bool walked;
	unsigned ntvar, nact;
	unsigned walk0, stx0;           /* the first walk action and the first store-exclusive failure */
	bool has_stx;                   /* some thread's code has a store-exclusive */
	uint64_t uses_var[LITMUS_MAX_THREADS];   /* per thread, the variables whose VA a register holds */
	/* Per thread, the descriptor words it stored to in this execution (walk_vis_dsb). */
	uint64_t stored[LITMUS_MAX_THREADS][FOOTPRINT_MAX];
	unsigned nstored[LITMUS_MAX_THREADS];
	uint8_t tlb_uses[MAX_ACTIONS];
	Analysis *an;
	bool want_analysis;
	uint64_t desc_writes;           /* table stores, over every execution so far */
	/* Results. */
	Outcome *out;
	size_t nout;
	uint64_t execs, discarded, pruned, errors;
	uint64_t pol_execs[8];          /* executions per policy */
	bool bound_hit;
	bool bbm_violation;
	char bbm_rule[32];
	char error[160];
} Run;

static uint64_t desc_encode(const Run *r, const LitmusDesc *d, int own)
{
	int oa = d->oa_var >= 0 ? d->oa_var : own;
	uint64_t v = (oa >= 0 ? r->var_pa[oa] : 0) | DESC_TABLE | ATTR_ISH;
	v |= (uint64_t)(d->attr & 7) << 2;
	if (d->valid != 0)
		v |= DESC_VALID;
	if (d->af != 0)
		v |= DESC_AF;
	if (d->db == 0)
		v |= DESC_AP2;
	if (d->dbm == 1)
		v |= DESC_DBM;
	if (d->el0 != 0)
		v |= DESC_AP1;
	if (d->xn == 1)
		v |= DESC_UXN;
	return v;
}

static uint64_t val_encode(const Run *r, const LitmusVal *v)
{
	switch (v->kind) {
	case LIT_VAL_INT: return v->i;
	case LIT_VAL_VA: return r->var_va[v->var];
	case LIT_VAL_PA: return r->var_pa[v->var];
	case LIT_VAL_PTE: return r->pte_va[v->var];
	case LIT_VAL_DESC: return desc_encode(r, &v->d, v->var);
	case LIT_VAL_LABEL:
		for (size_t i = 0; i < r->nlabels; i++)
			if (r->labels[i].thread == v->thread && !strcmp(r->labels[i].name, v->label))
				return r->labels[i].addr;
		return 0;
	}
	return 0;
}

static void cond_encode(const Run *r, LitmusCond *c)
{
	if (!c)
		return;
	if (c->op == LIT_COND_EQ)
		c->enc = val_encode(r, &c->val);
	cond_encode(r, c->a);
	cond_encode(r, c->b);
}

/* --- building the image -------------------------------------------------------------- */

typedef struct Img {
	uint8_t *mem;     /* a private copy of [0, LIT_MEM) pages we touch */
} Img;

static uint64_t img_rd(void *ctx, uint64_t pa)
{
	Run *r = ctx;
	uint64_t v;
	memcpy(&v, r->pool + (pa - POOL_PA), 8);
	return v;
}

static void img_wr(void *ctx, uint64_t pa, uint64_t v)
{
	Run *r = ctx;
	memcpy(r->pool + (pa - POOL_PA), &v, 8);
}

typedef struct Buf {
	char *s;
	size_t n, cap;
	int lines;
	int *map_line, *map_col;     /* asm line -> litmus line/col */
} Buf;

static void buf_put(Buf *b, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void buf_put(Buf *b, int line, int col, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	if (b->n + (size_t)n + 2 > b->cap) {
		b->cap = (b->cap + (size_t)n + 2) * 2;
		b->s = realloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, tmp, (size_t)n);
	b->n += (size_t)n;
	b->s[b->n++] = '\n';
	b->s[b->n] = 0;
	b->map_line = realloc(b->map_line, (size_t)(b->lines + 1) * sizeof(int));
	b->map_col = realloc(b->map_col, (size_t)(b->lines + 1) * sizeof(int));
	b->map_line[b->lines] = line;
	b->map_col[b->lines] = col;
	b->lines++;
}

/* Rewrite identifiers that are labels into their assembler symbols. */
static void rename_labels(const char *sym, const LitmusThread *th, int ti, bool in_handler, const char *in, char *out,
			  size_t len)
{
	size_t o = 0;
	for (size_t i = 0; in[i] && o + 1 < len;) {
		if (isalpha((unsigned char)in[i]) || in[i] == '_') {
			size_t k = i;
			while (isalnum((unsigned char)in[k]) || in[k] == '_')
				k++;
			char word[64];
			size_t wl = k - i < sizeof(word) - 1 ? k - i : sizeof(word) - 1;
			memcpy(word, in + i, wl);
			word[wl] = 0;
			const char *prefix = NULL;
			bool before_dot = in[k] == '.';   /* "B.NE" */
			if (!before_dot && (i == 0 || in[i - 1] != '.')) {
				if (in_handler)
					for (size_t j = 0; j < th->nhandler && !prefix; j++)
						if (!strcmp(th->handler[j].label, word))
							prefix = "F";
				for (size_t j = 0; j < th->ncode && !prefix; j++)
					if (!strcmp(th->code[j].label, word))
						prefix = "";
			}
			int n = prefix ? snprintf(out + o, len - o, "%s_p%d%s_%s", sym, ti, prefix, word)
				       : snprintf(out + o, len - o, "%s", word);
			if (n < 0 || (size_t)n >= len - o)
				break;
			o += (size_t)n;
			i = k;
			continue;
		}
		out[o++] = in[i++];
	}
	out[o] = 0;
}

static bool is_eret(const char *s)
{
	char w[8] = { 0 };
	for (int i = 0; i < 7 && s[i] && !isspace((unsigned char)s[i]); i++)
		w[i] = (char)toupper((unsigned char)s[i]);
	return !strcmp(w, "ERET");
}

static void buf_fini(Buf *b)
{
	free(b->s);
	free(b->map_line);
	free(b->map_col);
	memset(b, 0, sizeof(*b));
}

/*
 * The test's code as GNU as source, appended to @b: per thread its code,
 * vector tables and handler at BLOCK offsets, then the label table (each
 * label's address as a .quad, read back by code_labels).
 */
static void code_source(const Run *r, Buf *bb)
{
	const LitmusTest *t = r->t;
	Buf b = *bb;
	char text[512];

	for (int i = 0; i < t->nthreads; i++) {
		const LitmusThread *th = &t->thread[i];
		uint64_t base = (uint64_t)i * BLOCK;
		buf_put(&b, 0, 0, ".org 0x%llx", (unsigned long long)base);
		for (size_t j = 0; j < th->ncode; j++) {
			const LitmusLine *l = &th->code[j];
			if (l->label[0])
				buf_put(&b, l->line, l->col, "%s_p%d_%s:", r->sym, i, l->label);
			if (l->text[0]) {
				rename_labels(r->sym, th, i, false, l->text, text, sizeof(text));
				buf_put(&b, l->line, l->col, "%s", text);
			}
		}
		buf_put(&b, 0, 0, "hlt #0");
		/* Vector tables: synchronous, current EL with SP_ELx (+0x200) and lower EL (+0x400). */
		buf_put(&b, 0, 0, ".org 0x%llx", (unsigned long long)(base + VEC_A));
		buf_put(&b, 0, 0, "%s_p%d_veca:", r->sym, i);
		buf_put(&b, 0, 0, ".org 0x%llx\n b %s_p%d_entry", (unsigned long long)(base + VEC_A + 0x200), r->sym, i);
		b.map_line = realloc(b.map_line, (size_t)(b.lines + 1) * sizeof(int));
		b.map_col = realloc(b.map_col, (size_t)(b.lines + 1) * sizeof(int));
		b.map_line[b.lines] = b.map_col[b.lines] = 0;
		b.lines++;
		buf_put(&b, 0, 0, ".org 0x%llx\n b %s_p%d_entry", (unsigned long long)(base + VEC_A + 0x400), r->sym, i);
		b.map_line = realloc(b.map_line, (size_t)(b.lines + 1) * sizeof(int));
		b.map_col = realloc(b.map_col, (size_t)(b.lines + 1) * sizeof(int));
		b.map_line[b.lines] = b.map_col[b.lines] = 0;
		b.lines++;
		buf_put(&b, 0, 0, ".org 0x%llx", (unsigned long long)(base + VEC_B));
		buf_put(&b, 0, 0, "%s_p%d_vecb:", r->sym, i);
		buf_put(&b, 0, 0, ".org 0x%llx", (unsigned long long)(base + VEC_B + 0x200));
		buf_put(&b, 0, 0, "hlt #0");
		buf_put(&b, 0, 0, ".org 0x%llx", (unsigned long long)(base + VEC_B + 0x400));
		buf_put(&b, 0, 0, "hlt #0");
		buf_put(&b, 0, 0, ".org 0x%llx", (unsigned long long)(base + ENTRY));
		buf_put(&b, 0, 0, "%s_p%d_entry:", r->sym, i);
		if (th->nhandler) {
			/* Inside the handler a fault ends the thread (herd: "fault inside a fault handler"). */
			buf_put(&b, 0, 0, "msr tpidr_el1, x0");
			buf_put(&b, 0, 0, "adr x0, %s_p%d_vecb", r->sym, i);
			buf_put(&b, 0, 0, "msr vbar_el1, x0");
			buf_put(&b, 0, 0, "mrs x0, tpidr_el1");
			for (size_t j = 0; j < th->nhandler; j++) {
				const LitmusLine *l = &th->handler[j];
				if (l->label[0])
					buf_put(&b, l->line, l->col, "%s_p%dF_%s:", r->sym, i, l->label);
				if (!l->text[0])
					continue;
				if (is_eret(l->text)) {
					buf_put(&b, l->line, l->col, "b %s_p%d_ret", r->sym, i);
					continue;
				}
				rename_labels(r->sym, th, i, true, l->text, text, sizeof(text));
				buf_put(&b, l->line, l->col, "%s", text);
			}
			buf_put(&b, 0, 0, "hlt #0");
			buf_put(&b, 0, 0, "%s_p%d_ret:", r->sym, i);
			buf_put(&b, 0, 0, "msr tpidr_el1, x0");
			buf_put(&b, 0, 0, "adr x0, %s_p%d_veca", r->sym, i);
			buf_put(&b, 0, 0, "msr vbar_el1, x0");
			buf_put(&b, 0, 0, "mrs x0, tpidr_el1");
			buf_put(&b, 0, 0, "eret");
		} else if (t->handling == LIT_FAULT_FATAL) {
			buf_put(&b, 0, 0, "hlt #0");
		} else if (t->handling == LIT_FAULT_HANDLED) {
			buf_put(&b, 0, 0, "eret");
		} else {
			/* Skip: ELR + 4 for an abort; an SVC's ELR is already the next instruction. */
			buf_put(&b, 0, 0, "msr tpidr_el1, x0");
			buf_put(&b, 0, 0, "mrs x0, esr_el1");
			buf_put(&b, 0, 0, "lsr x0, x0, #26");
			buf_put(&b, 0, 0, "cmp x0, #0x15");
			buf_put(&b, 0, 0, "b.eq 1f");
			buf_put(&b, 0, 0, "mrs x0, elr_el1");
			buf_put(&b, 0, 0, "add x0, x0, #4");
			buf_put(&b, 0, 0, "msr elr_el1, x0");
			buf_put(&b, 0, 0, "1: mrs x0, tpidr_el1");
			buf_put(&b, 0, 0, "eret");
		}
	}
	/* The label table: addresses read back from the image. */
	buf_put(&b, 0, 0, ".org 0x%llx", (unsigned long long)((uint64_t)t->nthreads * BLOCK));
	buf_put(&b, 0, 0, ".balign 8");
	for (int i = 0; i < t->nthreads; i++)
		for (size_t j = 0; j < t->thread[i].ncode; j++)
			if (t->thread[i].code[j].label[0])
				buf_put(&b, 0, 0, ".quad %s_p%d_%s", r->sym, i, t->thread[i].code[j].label);
	buf_put(&b, 0, 0, ".quad 0");
	*bb = b;
}

/* Each main-code label's address, from the label table at the end of the image. */
static void code_labels(Run *r)
{
	const LitmusTest *t = r->t;
	int nlab = 0;
	for (int i = 0; i < t->nthreads; i++)
		for (size_t j = 0; j < t->thread[i].ncode; j++)
			nlab += !!t->thread[i].code[j].label[0];
	uint64_t toff = (uint64_t)t->nthreads * BLOCK;
	r->labels = calloc((size_t)nlab + 1, sizeof(*r->labels));
	for (int i = 0; i < t->nthreads; i++)
		for (size_t j = 0; j < t->thread[i].ncode; j++)
			if (t->thread[i].code[j].label[0]) {
				uint64_t a = 0;
				if (toff + 8 <= r->code_len)
					memcpy(&a, r->code + toff, 8);
				toff += 8;
				snprintf(r->labels[r->nlabels].name, LITMUS_NAME_MAX, "%s", t->thread[i].code[j].label);
				r->labels[r->nlabels].addr = a;
				r->labels[r->nlabels].thread = i;
				r->nlabels++;
			}
}

/* Assemble the test alone (when it is not part of a batch, or its batch failed). */
static bool build_code(Run *r, char *why, size_t whylen)
{
	const LitmusTest *t = r->t;
	Buf b = { 0 };

	code_source(r, &b);
	AsmResult ar;
	int rc = asm_assemble(b.s, r->code_va, &ar);
	if (rc) {
		if (ar.ndiag) {
			int al = ar.diag[0].line;
			int ll = al >= 1 && al <= b.lines ? b.map_line[al - 1] : 0;
			int lc = al >= 1 && al <= b.lines ? b.map_col[al - 1] : 0;
			snprintf(why, whylen, "%.100s:%d:%d: assembler: %.100s", t->path, ll, lc, ar.diag[0].msg);
		} else {
			snprintf(why, whylen, "assembler: %.200s", ar.tool_error[0] ? ar.tool_error : "failed");
		}
		asm_result_fini(&ar);
		buf_fini(&b);
		return false;
	}
	r->code = ar.bytes;
	r->code_len = ar.len;
	ar.bytes = NULL;
	asm_result_fini(&ar);
	buf_fini(&b);
	code_labels(r);
	return true;
}

static bool build_image(Run *r, char *why, size_t whylen)
{
	const LitmusTest *t = r->t;
	PtBuilder b;

	for (int k = 0; k < t->nvars; k++) {
		r->var_va[k] = DATA_VA + (uint64_t)k * PAGE_SIZE;
		r->var_pa[k] = DATA_PA + (uint64_t)k * PAGE_SIZE;
	}
	r->pool = calloc(1, POOL_SIZE);
	r->data_len = (size_t)t->nvars * PAGE_SIZE;
	r->data = calloc(1, r->data_len);
	pt_init(&b, img_rd, img_wr, r, POOL_PA, POOL_SIZE);
	if (!pt_alloc_table(&b, &r->root)) {
		snprintf(why, whylen, "table pool exhausted");
		return false;
	}
	const char *e;
	uint64_t code_size = ((uint64_t)t->nthreads * BLOCK + PAGE_SIZE) & ~(PAGE_SIZE - 1);
	if ((e = pt_map(&b, r->root, 0, r->code_va, CODE_PA, code_size, 3, ATTR_CODE)) ||
	    (e = pt_map(&b, r->root, 0, POOL_VA, POOL_PA, POOL_SIZE, 3, ATTR_POOL))) {
		snprintf(why, whylen, "mapping: %s", e);
		return false;
	}
	for (int k = 0; k < t->nvars; k++) {
		if ((e = pt_map(&b, r->root, 0, r->var_va[k], r->var_pa[k], PAGE_SIZE, 3, DESC_AF | ATTR_ISH | DESC_AP1))) {
			snprintf(why, whylen, "mapping: %s", e);
			return false;
		}
		r->pte_pa[k] = pt_desc_addr(&b, r->root, 0, r->var_va[k], 3);
		r->pte_va[k] = POOL_VA + (r->pte_pa[k] - POOL_PA);
	}
	/* Initial memory and descriptors. */
	for (size_t i = 0; i < t->ninit; i++) {
		const LitmusInit *in = &t->init[i];
		uint64_t v = val_encode(r, &in->val);
		if (in->loc.kind == LIT_LOC_MEM)
			memcpy(r->data + (size_t)in->loc.var * PAGE_SIZE, &v, 8);
		else if (in->loc.kind == LIT_LOC_PTE)
			img_wr(r, r->pte_pa[in->loc.var], v);
	}
	/* PEs. */
	for (int i = 0; i < t->nthreads; i++) {
		PeInit *p = &r->init[i];
		memset(p, 0, sizeof(*p));
		p->pc = r->code_va + (uint64_t)i * BLOCK;
		p->el = t->thread[i].el0 ? 0 : 1;
		p->regs.ttbr0 = r->root;
		p->regs.ttbr1 = r->root;
		p->regs.tcr = LIT_TCR;
		p->regs.mair = LIT_MAIR;
		p->regs.sctlr = SCTLR_M;
		p->vbar = r->code_va + (uint64_t)i * BLOCK + VEC_A;
		for (size_t j = 0; j < t->ninit; j++) {
			const LitmusInit *in = &t->init[j];
			if (in->loc.kind == LIT_LOC_REG && in->loc.thread == i)
				p->x[in->loc.reg] = val_encode(r, &in->val);
		}
	}
	return true;
}

/* --- instruction classes ---------------------------------------------------------------- */

/* Does the instruction at @pc touch shared state (memory, TLBs, barriers that complete things)? */
static bool insn_is_shared(const Run *r, uint64_t pc)
{
	if (pc < r->code_va || pc - r->code_va + 4 > r->code_len)
		return true;
	uint32_t insn;
	memcpy(&insn, r->code + (pc - r->code_va), 4);
	return sysinsn_is_shared(insn);
}

/* --- events: footprints and the analysis ------------------------------------------------- */

/* A data read of a descriptor word with walk choices, under walk_vis_dsb. */
static bool is_view_read(const Run *r, const Event *ev)
{
	if (!r->walk_vis_dsb || ev->type != EV_MEM || ev->access != ACCESS_READ)
		return false;
	for (unsigned k = 0; k < r->ntvar; k++)
		if (r->view[k] == (ev->pa & ~7ull))
			return true;
	return false;
}

static void on_event(void *ctx, const Event *ev)
{
	Run *r = ctx;
	Footprint *f = r->cur_fp;

	if (ev->type == EV_WALK_DESC && ev->pe == r->walk_pe && (ev->pa & ~7ull) == r->walk_pa)
		r->walked = true;
	/*
	 * Walk visibility at-dsb is the latest RSPVBD allows only for stores
	 * nobody has ordered yet: a barrier of the storer (DMB or DSB: a store
	 * after it may be observed, and herd orders the walk after that
	 * observation) publishes its table stores to every walker, and a PE
	 * that reads a descriptor word has observed its value, so its walker
	 * (ordered after the read by a DSB, or by a dependency and an ISB)
	 * sees it too. Both make walks see new values earlier than at-dsb,
	 * never later: sound.
	 */
	if (r->walk_vis_dsb && ev->pe >= 0 && ev->pe < LITMUS_MAX_THREADS && r->nowe < 64) {
		SysInsn si;
		if (ev->type == EV_INSN && sysinsn_decode(ev->insn, &si) && (si.kind == SYS_DSB || si.kind == SYS_DMB)) {
			bool all = r->nstored[ev->pe] > FOOTPRINT_MAX;     /* too many to name: every word */
			for (unsigned k = 0; k < (all ? r->ntvar : r->nstored[ev->pe]) && r->nowe < 64; k++)
				r->owe[r->nowe++] = (Owed){ -1, all ? r->view[k] : r->stored[ev->pe][k] };
		} else if (ev->type == EV_MEM && ev->access == ACCESS_READ) {
			for (unsigned k = 0; k < r->ntvar; k++)
				if (r->view[k] == (ev->pa & ~7ull) && r->nowe < 64)
					r->owe[r->nowe++] = (Owed){ ev->pe, r->view[k] };
		}
	}
	if (ev->type == EV_DESC_WRITE)
		r->desc_writes++;
	/* What a PE stored to a descriptor, or read there (walk_vis_dsb): its barriers publish it. */
	if (ev->type == EV_DESC_WRITE || is_view_read(r, ev)) {
		if (ev->pe >= 0 && ev->pe < LITMUS_MAX_THREADS) {
			unsigned *n = &r->nstored[ev->pe], k = 0;
			while (k < *n && r->stored[ev->pe][k] != (ev->pa & ~7ull))
				k++;
			if (k == *n && *n < FOOTPRINT_MAX)
				r->stored[ev->pe][(*n)++] = ev->pa & ~7ull;
			else if (k == *n)
				*n = FOOTPRINT_MAX + 1;     /* too many: its DSBs are global */
		}
	}
	if (f) {
		FootprintRules rules = { .tlb_shift = 12, .spec_fill = r->spec };
		if (r->walk_vis_dsb) {
			rules.view = r->view;
			rules.nview = r->ntvar;
		}
		footprint_event(f, ev, &rules);
		/*
		 * Walk visibility at-dsb: a DSB or DMB of a PE makes its table
		 * stores visible to every walker (publish_owed), changing what
		 * walks read there: a write of every descriptor word that PE
		 * stored to (pending or not: an over-approximation). A data read
		 * of a descriptor word makes it visible to the reader's walker.
		 */
		SysInsn si;
		if (r->walk_vis_dsb && ev->type == EV_INSN && ev->pe >= 0 && ev->pe < LITMUS_MAX_THREADS &&
		    sysinsn_decode(ev->insn, &si) && (si.kind == SYS_DSB || si.kind == SYS_DMB)) {
			unsigned n = r->nstored[ev->pe];
			if (n > FOOTPRINT_MAX)
				f->global = true;
			for (unsigned k = 0; k < n && k < FOOTPRINT_MAX; k++)
				footprint_add(f, true, r->stored[ev->pe][k]);
		}
		if (r->walk_vis_dsb && ev->type == EV_MEM && ev->access == ACCESS_READ)
			for (unsigned k = 0; k < r->ntvar; k++)
				if (r->view[k] == (ev->pa & ~7ull))
					footprint_add(f, true, FOOTPRINT_VIEW_WORD(ev->pe, r->view[k]));
		switch (ev->type) {
		case EV_TLBI_COMPLETE:
			/*
			 * The target's TLB changes, nothing else: dependent with that
			 * PE's accesses to the pages the TLBI covers (whether it held an
			 * entry or not: a fill before it goes, one after it stays) and
			 * with fills and evictions of them. By VA only: any ASID. A
			 * TLBI's issue only queues it (completion comes with the DSB,
			 * at-dsb policy), and a DSB that completes nothing changes
			 * nothing another PE can see (walk visibility is immediate in
			 * every policy).
			 */
			for (int k = 0; k < r->t->nvars; k++) {
				TlbEntry e = { .va = r->var_va[k], .size_log2 = 12, .level = 3, .leaf = true,
					       .global = true };
				bool all = ev->tlbi.kind == TLBI_VMALL || ev->tlbi.kind == TLBI_ASID;
				if (all || tlbi_covers(&ev->tlbi, &e, false))
					footprint_add(f, true, TLB_WORD(ev->pe, r->var_va[k]));
			}
			break;
		default:
			break;
		}
	}
	if (r->an)
		analysis_event(r->an, ev);
}

static uint64_t an_read(void *ctx, uint64_t pa)
{
	return machine_phys_read64(ctx, pa);
}

/* --- one execution ----------------------------------------------------------------------- */

static void prefill_tlbs(Run *r)
{
	for (int i = 0; i < r->t->nthreads; i++) {
		Tlb *tlb = machine_pe_tlb(r->m, (unsigned)i);
		for (int k = 0; k < r->t->nvars; k++) {
			uint64_t d = machine_phys_read64(r->m, r->pte_pa[k]);
			if (desc_kind(d, 3) != DESC_KIND_PAGE || !(d & DESC_AF))
				continue;
			TlbEntry e = { .va = r->var_va[k], .pa = d & DESC_OA_MASK, .desc_pa = r->pte_pa[k],
				       .desc = d, .size_log2 = 12, .level = 3, .leaf = true, .global = !(d & DESC_NG) };
			tlb_insert(tlb, &e, NULL, NULL);
		}
	}
}

static bool machine_for(Run *r, const Policy *pol, char *err, size_t errlen)
{
	MachineConfig c;
	machine_config_default(&c);
	c.npes = (unsigned)r->t->nthreads;
	c.mem_size = LIT_MEM;
	c.level = BBM_L0;
	/* A CONSTRAINED UNPREDICTABLE choice herd does not model as an abort: use one entry. */
	c.knobs.multihit = BBM_MULTIHIT_USE_NEWEST;
	c.spec_fill = pol->spec;
	c.walk_vis = pol->vis;
	c.tlbi_completion = TLBI_COMPLETE_AT_DSB;
	c.max_insns = 200000;
	c.broken_tlbi_for_tests = r->o->broken_tlbi;
	if (r->m && machine_reset(r->m, &c))
		return true;
	machine_free(r->m);
	r->m = machine_new(&c, err, errlen);
	if (!r->m)
		return false;
	return machine_reset(r->m, &c);
}

static void exec_start(Run *r, const Policy *pol)
{
	Machine *m = r->m;
	char err[160];

	machine_reset(m, NULL);
	machine_phys_write(m, POOL_PA, r->pool, POOL_SIZE);
	machine_phys_write(m, DATA_PA, r->data, r->data_len);
	machine_phys_write(m, CODE_PA, r->code, r->code_len);
	machine_mark_table_pages(m, POOL_PA, POOL_SIZE);
	for (int i = 0; i < r->t->nthreads; i++)
		machine_pe_init(m, (unsigned)i, &r->init[i], err, sizeof(err));
	if (pol->prefill)
		prefill_tlbs(r);
	if (r->want_analysis) {
		AnalysisPe ap[LITMUS_MAX_THREADS];
		for (int i = 0; i < r->t->nthreads; i++)
			ap[i] = (AnalysisPe){ .regs = r->init[i].regs, .level = BBM_L0, .active = true };
		r->an = analysis_new(ap, (unsigned)r->t->nthreads, &bbm_knobs_default, an_read, m);
	}
	machine_set_event_fn(m, on_event, r);
}

typedef enum StepEnd {
	STEP_OK,
	STEP_DISCARD,    /* herd drops this execution (a second fault after "handled"), or a bound */
	STEP_ERROR,
	STEP_REDUNDANT,  /* a walk choice whose step did not walk there: another execution covers it */
} StepEnd;

static bool in_main_code(const Run *r, uint64_t pc, int th)
{
	uint64_t base = r->code_va + (uint64_t)th * BLOCK;
	return pc >= base && pc < base + VEC_A;
}

/* Run thread @i's register-only instructions until it reaches a shared one or stops. */
static StepEnd settle(Run *r, unsigned i)
{
	for (int n = 0; n < LOCAL_BOUND; n++) {
		PeState st = machine_pe_state(r->m, i);
		if (st == PE_ERROR) {
			snprintf(r->error, sizeof(r->error), "P%u: %.140s", i, machine_pe_error(r->m, i));
			return STEP_ERROR;
		}
		if (st != PE_RUNNING)
			return STEP_OK;
		if (insn_is_shared(r, machine_pe_pc(r->m, i)))
			return STEP_OK;
		if (!machine_step(r->m, i))
			return STEP_DISCARD;
	}
	return STEP_DISCARD;
}

static StepEnd check_faults(Run *r)
{
	if (r->t->handling != LIT_FAULT_HANDLED)
		return STEP_OK;
	const FaultRecord *f;
	size_t n = machine_faults(r->m, &f);
	unsigned count[LITMUS_MAX_THREADS] = { 0 };
	for (size_t i = 0; i < n; i++)
		if (f[i].pe < LITMUS_MAX_THREADS && !r->t->thread[f[i].pe].nhandler &&
		    ++count[f[i].pe] >= 2)
			return STEP_DISCARD;
	return STEP_OK;
}

static bool fault_matches(const Run *r, const LitmusObs *o, const FaultRecord *f)
{
	if (f->pe != o->thread || !in_main_code(r, f->pc, o->thread))
		return false;
	if (o->label[0]) {
		bool found = false;
		for (size_t i = 0; i < r->nlabels; i++)
			if (r->labels[i].thread == o->thread && !strcmp(r->labels[i].name, o->label)) {
				found = true;
				if (r->labels[i].addr != f->pc)
					return false;
			}
		if (!found)
			return false;
	}
	if (o->fault_var >= 0) {
		if (o->fault_on_pte) {
			uint64_t a = r->pte_va[o->fault_var];
			if (f->va < a || f->va >= a + 8)
				return false;
		} else if ((f->va & ~(PAGE_SIZE - 1)) != r->var_va[o->fault_var]) {
			return false;
		}
	}
	bool svc = f->what && !strcmp(f->what, "svc");
	bool undef = f->what && !strcmp(f->what, "undefined");
	switch (o->ftype) {
	case LIT_FT_ANY: return true;
	case LIT_FT_TRANSLATION: return f->kind == FAULT_TRANSLATION;
	case LIT_FT_ACCESS_FLAG: return f->kind == FAULT_ACCESS_FLAG;
	case LIT_FT_PERMISSION: return f->kind == FAULT_PERMISSION;
	case LIT_FT_UNDEFINED: return undef;
	case LIT_FT_SVC: return svc;
	}
	return false;
}

static void observe(Run *r, uint64_t *v)
{
	const LitmusTest *t = r->t;
	const FaultRecord *f;
	size_t nf = machine_faults(r->m, &f);

	for (size_t i = 0; i < t->nobs; i++) {
		const LitmusObs *o = &t->obs[i];
		if (o->is_fault) {
			v[i] = 0;
			for (size_t k = 0; k < nf && !v[i]; k++)
				v[i] = fault_matches(r, o, &f[k]);
			continue;
		}
		switch (o->loc.kind) {
		case LIT_LOC_REG:
			v[i] = o->loc.thread < t->nthreads ? machine_pe_x(r->m, (unsigned)o->loc.thread, (unsigned)o->loc.reg) : 0;
			break;
		case LIT_LOC_MEM:
			v[i] = machine_phys_read64(r->m, r->var_pa[o->loc.var]);
			break;
		case LIT_LOC_PTE:
			v[i] = machine_phys_read64(r->m, r->pte_pa[o->loc.var]);
			break;
		}
	}
}

static void record_outcome(Run *r, const uint64_t *v, const Policy *pol, const PorDfs *dfs, size_t depth)
{
	size_t bytes = r->t->nobs * sizeof(uint64_t);
	if (r->t->filter && !litmus_cond_eval(r->t->filter, v))
		return;
	for (size_t i = 0; i < r->nout; i++)
		if (!memcmp(r->out[i].v, v, bytes))
			return;
	r->out = realloc(r->out, (r->nout + 1) * sizeof(*r->out));
	Outcome *o = &r->out[r->nout++];
	o->v = malloc(bytes ? bytes : 1);
	memcpy(o->v, v, bytes);
	snprintf(o->policy, sizeof(o->policy), "%s", pol->name);
	size_t k = 0;
	for (size_t d = 0; d < depth && k + 2 < sizeof(o->sched); d++)
		o->sched[k++] = (char)('0' + dfs->st[d].chosen);
	o->sched[k] = 0;
}

static void analysis_collect(Run *r)
{
	if (!r->an)
		return;
	analysis_finish(r->an, machine_tick(r->m));
	const Violation *vs;
	size_t nv = analysis_violations(r->an, &vs);
	if (nv && !r->bbm_violation) {
		r->bbm_violation = true;
		snprintf(r->bbm_rule, sizeof(r->bbm_rule), "%s", vs[0].rule);
	}
	if (!r->bbm_violation && analysis_count(r->an, -1, SEV_VIOLATION, -1)) {
		r->bbm_violation = true;
		snprintf(r->bbm_rule, sizeof(r->bbm_rule), "window");
	}
	analysis_free(r->an);
	r->an = NULL;
}

/*
 * Bound loops like herd's unrolling: a thread that runs the same shared
 * instruction more than LOOP_BOUND times (a spin loop) ends the execution,
 * which is discarded. Sound for Forbidden and Required verdicts.
 */
static bool loop_ok(Run *r, unsigned th)
{
	uint64_t pc = machine_pe_pc(r->m, th);
	for (unsigned i = 0; i < 16; i++) {
		if (r->loop[th][i].pc == pc)
			return ++r->loop[th][i].n <= LOOP_BOUND;
		if (!r->loop[th][i].n) {
			r->loop[th][i].pc = pc;
			r->loop[th][i].n = 1;
			return true;
		}
	}
	return false;
}

/* Action @a beyond the threads' steps: its thread, variable and kind. */
static void tlb_action(const Run *r, unsigned a, unsigned *th, uint64_t *va, bool *evict)
{
	unsigned e = a - (unsigned)r->t->nthreads;
	*th = e / (2 * r->ntvar);
	*evict = (e / r->ntvar) % 2;
	*va = r->var_va[r->tvar[e % r->ntvar]];
}

/* Walk action @a: its thread and the descriptor's PA. */
static void walk_action(const Run *r, unsigned a, unsigned *th, uint64_t *pa)
{
	unsigned e = a - r->walk0;
	*th = e / r->ntvar;
	*pa = r->pte_pa[r->tvar[e % r->ntvar]];
}

/* Is thread @th's next instruction a store-exclusive? */
static bool at_store_exclusive(const Run *r, unsigned th)
{
	uint64_t pc = machine_pe_pc(r->m, th);
	uint32_t insn;
	if (pc < r->code_va || pc - r->code_va + 4 > r->code_len)
		return false;
	memcpy(&insn, r->code + (pc - r->code_va), 4);
	return sysinsn_is_store_exclusive(insn, NULL);
}

/*
 * The actions enabled now: running threads, fills or evictions that change
 * a TLB, walkers a store is pending for, store-exclusives that may fail.
 */
static ActSet enabled_actions(Run *r)
{
	ActSet en = 0;
	for (int i = 0; i < r->t->nthreads; i++)
		if (machine_pe_state(r->m, (unsigned)i) == PE_RUNNING)
			en |= (ActSet)1 << i;
	ActSet running = en;
	for (unsigned a = r->walk0; en && a < r->stx0; a++) {
		unsigned th;
		uint64_t pa;
		walk_action(r, a, &th, &pa);
		if ((running >> th & 1) && (r->uses_var[th] >> r->tvar[(a - r->walk0) % r->ntvar] & 1) &&
		    machine_pe_see_store(r->m, th, pa, true))
			en |= (ActSet)1 << a;
	}
	for (unsigned a = r->stx0; en && a < r->nact; a++)
		if ((running >> (a - r->stx0) & 1) && at_store_exclusive(r, a - r->stx0))
			en |= (ActSet)1 << a;
	for (unsigned a = (unsigned)r->t->nthreads; en && a < r->walk0; a++) {
		unsigned th;
		uint64_t va;
		bool ev;
		tlb_action(r, a, &th, &va, &ev);
		if (!(en >> th & 1) || r->tlb_uses[a] >= TLB_ACT_BOUND)
			continue;
		if (ev ? machine_pe_holds_stale(r->m, th, va) : machine_pe_fill(r->m, th, va, true))
			en |= (ActSet)1 << a;
	}
	return en;
}

/* Apply the publications the last action owes (-1: to every walker). */
static void publish_owed(Run *r)
{
	for (unsigned i = 0; i < r->nowe; i++)
		for (int pe = 0; pe < r->t->nthreads; pe++)
			if (r->owe[i].pe < 0 || r->owe[i].pe == pe)
				machine_pe_see_store(r->m, (unsigned)pe, r->owe[i].pa, false);
	r->nowe = 0;
}

/* Take action @a; false when the execution must be discarded. */
static StepEnd take_action_(Run *r, unsigned a, Footprint *fp);

static StepEnd take_action(Run *r, unsigned a, Footprint *fp)
{
	StepEnd end = take_action_(r, a, fp);
	if (r->nowe)
		publish_owed(r);
	return end;
}

static StepEnd take_action_(Run *r, unsigned a, Footprint *fp)
{
	if (a >= r->stx0) {
		/* A step of the thread whose store-exclusive fails: what it changes is not in the events. */
		unsigned th = a - r->stx0;
		fp->global = true;
		if (!loop_ok(r, th) || !machine_step_stxr_fail(r->m, th))
			return STEP_DISCARD;
		StepEnd end = settle(r, th);
		return end == STEP_OK ? check_faults(r) : end;
	}
	if (a >= r->walk0) {
		/*
		 * The thread's walker sees the pending stores to the descriptor,
		 * and the thread steps. What that walker reads there changes
		 * (enabled by a store there, disabled by a DSB that publishes it).
		 */
		unsigned th;
		uint64_t pa;
		walk_action(r, a, &th, &pa);
		footprint_add(fp, false, pa);
		footprint_add(fp, true, FOOTPRINT_VIEW_WORD(th, pa));
		machine_pe_see_store(r->m, th, pa, false);
		r->walk_pa = pa;
		r->walk_pe = (int)th;
		r->walked = false;
		StepEnd end = STEP_DISCARD;
		if (loop_ok(r, th) && machine_step(r->m, th)) {
			end = settle(r, th);
			if (end == STEP_OK)
				end = check_faults(r);
		}
		r->walk_pe = -1;
		/*
		 * The step did not walk the descriptor: showing it the stores
		 * now equals showing them at its next step that walks there
		 * (nothing else reads what this walker sees), an execution of
		 * its own.
		 */
		return end == STEP_OK && !r->walked ? STEP_REDUNDANT : end;
	}
	if (a >= (unsigned)r->t->nthreads) {
		unsigned th;
		uint64_t va;
		bool ev;
		tlb_action(r, a, &th, &va, &ev);
		r->tlb_uses[a]++;
		footprint_add(fp, true, TLB_WORD(th, va));
		if (!ev)
			footprint_add(fp, false, r->pte_pa[r->tvar[(a - (unsigned)r->t->nthreads) % r->ntvar]]);
		if (ev)
			machine_pe_evict(r->m, th, va, false);
		else
			machine_pe_fill(r->m, th, va, false);
		return STEP_OK;
	}
	if (!loop_ok(r, a))
		return STEP_DISCARD;
	if (!machine_step(r->m, a))
		return STEP_DISCARD;
	StepEnd end = settle(r, a);
	return end == STEP_OK ? check_faults(r) : end;
}

/*
 * Which actions exist for this test under @pol: r->walk0, r->stx0, r->nact.
 * Returns false when the policy's choices would exceed MAX_ACTIONS (or it
 * has none for this test): the policy is then skipped.
 */
static bool actions_setup(Run *r, const Policy *pol)
{
	const LitmusTest *t = r->t;
	unsigned nt = (unsigned)t->nthreads;

	r->ntvar = 0;
	/* Only variables whose descriptor some thread writes (through PTE(x)). */
	for (int k = 0; k < t->nvars; k++)
		for (size_t i = 0; i < t->ninit; i++)
			if (t->init[i].loc.kind == LIT_LOC_REG && t->init[i].val.kind == LIT_VAL_PTE &&
			    t->init[i].val.var == k) {
				r->view[r->ntvar] = r->pte_pa[k];
				r->tvar[r->ntvar++] = k;
				break;
			}
	unsigned tlb = pol->tlb_choices ? 2 * nt * r->ntvar : 0;
	unsigned walk = pol->walk_choices ? nt * r->ntvar : 0;
	unsigned stx = r->has_stx ? nt : 0;
	r->walk0 = nt + tlb;
	r->stx0 = r->walk0 + walk;
	r->nact = r->stx0 + stx;
	if ((pol->tlb_choices || pol->walk_choices) && !r->ntvar)
		return false;     /* no descriptor written: the other policies cover it */
	/*
	 * FEAT_ETS2 orders a translation fault after the PE's earlier stores
	 * (and what they observed): a walk reading a value older than an
	 * earlier store of its own PE would break that. Not modelled: no walk
	 * choices under --variant vmsa,ets2.
	 */
	if (pol->walk_choices && r->o->ets2)
		return false;
	return r->nact <= MAX_ACTIONS;
}

/* Explore every schedule under one policy. Returns false on an emulator error. */
static bool explore(Run *r, const Policy *pol, uint64_t budget)
{
	const LitmusTest *t = r->t;
	PorDfs dfs;
	uint64_t *v = calloc(t->nobs + 1, sizeof(*v));
	uint64_t execs = 0;
	bool ok = true;

	if (!actions_setup(r, pol)) {
		/* No descriptor written (or too many actions): the other policies cover it. */
		free(v);
		return true;
	}
	por_dfs_init(&dfs, r->nact, MAX_STEPS);
	for (;;) {
		if (execs >= budget) {
			r->bound_hit = true;
			break;
		}
		exec_start(r, pol);
		memset(r->loop, 0, sizeof(r->loop));
		memset(r->tlb_uses, 0, sizeof(r->tlb_uses));
		r->spec = pol->spec != SPEC_FILL_NONE;
		r->walk_vis_dsb = pol->vis == WALK_VIS_AT_DSB;
		memset(r->nstored, 0, sizeof(r->nstored));
		execs++;
		r->execs++;
		StepEnd end = STEP_OK;
		r->nowe = 0;
		for (int i = 0; i < t->nthreads && end == STEP_OK; i++)
			end = settle(r, (unsigned)i);
		size_t d = 0;
		bool redundant = false;
		while (end == STEP_OK) {
			ActSet enabled = enabled_actions(r);
			if (!enabled)
				break;
			if (d == MAX_STEPS) {
				end = STEP_DISCARD;
				break;
			}
			int a = por_dfs_choose(&dfs, d, enabled);
			if (a == POR_REDUNDANT) {
				redundant = true;
				break;
			}
			Footprint fp = { 0 };
			r->cur_fp = &fp;
			end = take_action(r, (unsigned)a, &fp);
			r->cur_fp = NULL;
			if (end == STEP_REDUNDANT) {
				por_dfs_taken(&dfs, d, (unsigned)a, &fp);
				redundant = true;
				d++;
				break;
			}
			por_dfs_taken(&dfs, d, (unsigned)a, &fp);
			d++;
		}
		if (end == STEP_ERROR) {
			r->errors++;
			ok = false;
			if (r->an) {
				analysis_free(r->an);
				r->an = NULL;
			}
			break;
		}
		if (redundant) {
			r->pruned++;
		} else if (end == STEP_DISCARD || machine_tick(r->m) >= 200000) {
			r->discarded++;
		} else {
			bool all_done = true;
			for (int i = 0; i < t->nthreads; i++) {
				PeState s = machine_pe_state(r->m, (unsigned)i);
				if (s == PE_RUNNING || s == PE_SLEEPING)
					all_done = false;
			}
			if (!all_done) {
				r->discarded++;     /* deadlock */
			} else {
				observe(r, v);
				record_outcome(r, v, pol, &dfs, d);
			}
		}
		analysis_collect(r);
		if (!por_dfs_backtrack(&dfs, d))
			break;
	}
	por_dfs_fini(&dfs);
	free(v);
	return ok;
}

/* --- verdicts ------------------------------------------------------------------------------ */

typedef enum Verdict {
	V_PASS,
	V_FAIL,
	V_UNREACHED,     /* Allowed, not reached */
	V_SKIP,
} Verdict;

typedef struct Totals {
	unsigned passed, failed, unreached, skipped, errors;
	struct { char why[160]; unsigned n; } reasons[64];
	unsigned nreasons;
	struct { char why[160]; unsigned n; } ureasons[16];
	unsigned nureasons;
	uint64_t execs;
} Totals;

static void count_reason(Totals *tot, bool unreached, const char *why)
{
	unsigned *n = unreached ? &tot->nureasons : &tot->nreasons;
	unsigned cap = unreached ? 16 : 64;
	for (unsigned i = 0; i < *n; i++) {
		char *w = unreached ? tot->ureasons[i].why : tot->reasons[i].why;
		if (!strcmp(w, why)) {
			if (unreached)
				tot->ureasons[i].n++;
			else
				tot->reasons[i].n++;
			return;
		}
	}
	if (*n == cap)
		return;
	if (unreached) {
		snprintf(tot->ureasons[*n].why, sizeof(tot->ureasons[0].why), "%s", why);
		tot->ureasons[*n].n = 1;
	} else {
		snprintf(tot->reasons[*n].why, sizeof(tot->reasons[0].why), "%s", why);
		tot->reasons[*n].n = 1;
	}
	(*n)++;
}

/* Why an Allowed condition was not reached: the best guess from the test's shape. */
static const char *unreached_reason(const LitmusTest *t, const Run *r)
{
	if (r->bound_hit)
		return "exploration bound hit";
	bool pte_write = false;
	for (size_t i = 0; i < t->ninit; i++)
		if (t->init[i].loc.kind == LIT_LOC_REG && t->init[i].val.kind == LIT_VAL_PTE)
			pte_write = true;
	if (!pte_write)
		return "needs relaxed memory ordering (bbmsim runs sequentially consistent interleavings)";
	return "needs relaxed ordering of translation-table walks or accesses (not modelled: SC interleavings, in-order walks)";
}

static void format_outcome(const Run *r, const uint64_t *v, char *buf, size_t len)
{
	const LitmusTest *t = r->t;
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < t->nobs && o + 40 < len; i++) {
		const LitmusObs *ob = &t->obs[i];
		int n;
		if (ob->is_fault)
			n = snprintf(buf + o, len - o, "%sfault(P%d%s%s)%s", v[i] ? "" : "~", ob->thread,
				     ob->label[0] ? ":" : "", ob->label, "; ");
		else if (ob->loc.kind == LIT_LOC_REG)
			n = snprintf(buf + o, len - o, "%d:X%d=0x%llx; ", ob->loc.thread, ob->loc.reg,
				     (unsigned long long)v[i]);
		else
			n = snprintf(buf + o, len - o, "[%s%s%s]=0x%llx; ", ob->loc.kind == LIT_LOC_PTE ? "PTE(" : "",
				     t->vars[ob->loc.var], ob->loc.kind == LIT_LOC_PTE ? ")" : "",
				     (unsigned long long)v[i]);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

/*
 * CPU time of this process and its waited-for children (as and ld when a
 * test is assembled alone), in ms: what a test costs, whatever else shares
 * the machine.
 */
static double cpu_ms(void)
{
	struct timespec ts;
	struct rusage c;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	getrusage(RUSAGE_CHILDREN, &c);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6 +
	       (double)(c.ru_utime.tv_sec + c.ru_stime.tv_sec) * 1e3 +
	       (double)(c.ru_utime.tv_usec + c.ru_stime.tv_usec) / 1e3;
}

/* Why the test does not run (false: it runs). */
static bool skip_reason(const LitmusTest *t, const LitOpts *o, char *why, size_t len)
{
	if (t->skip[0])
		snprintf(why, len, "%s", t->skip);
	else if (t->ets3)
		snprintf(why, len, "Variant=ets3 (FEAT_ETS3) is not modelled");
	else if (t->ets2 && !o->ets2)
		snprintf(why, len, "the test needs Variant=ets2: run with --variant vmsa,ets2");
	else
		return false;
	return true;
}

/* A test's code VA: a fresh one per test, for Unicorn's translated code (machine_reset). */
static uint64_t next_code_va(void)
{
	static unsigned slot;
	return CODE_VA_BASE + (uint64_t)(slot++ % CODE_VA_SLOTS) * 0x100000;
}

/* A test's code assembled in a batch (code NULL: assemble it alone). */
typedef struct Prebuilt {
	uint64_t code_va;
	uint8_t *code;
	size_t code_len;
} Prebuilt;

static Verdict run_test(LitmusTest *t, const LitOpts *o, Machine **mcache, Totals *tot, Prebuilt *pre)
{
	Run R = { .t = t, .o = o, .code_va = pre->code_va, .sym = "lit", .walk_pe = -1 };
	Run *r = &R;
	char why[256] = "";
	LitmusKind kind = litmus_kinds_find(o->kinds, t->name), ekind;
	bool bbm_flag = false, has_expected = litmus_expected_load(t->path, &ekind, &bbm_flag);
	const char *src = "kinds";
	Verdict verdict = V_SKIP;
	double t0 = cpu_ms();

	if (kind == LIT_KIND_NONE && has_expected && ekind != LIT_KIND_NONE) {
		kind = ekind;
		src = "expected";
	}
	if (kind == LIT_KIND_NONE) {
		kind = t->quant == LIT_EXISTS ? LIT_KIND_ALLOWED : t->quant == LIT_NOT_EXISTS ? LIT_KIND_FORBIDDEN
											: LIT_KIND_REQUIRED;
		src = "quantifier";
	}
	if (skip_reason(t, o, why, sizeof(why))) {
		printf("SKIP %s: %s\n", t->name, why);
		tot->skipped++;
		count_reason(tot, false, why);
		return V_SKIP;
	}
	r->want_analysis = bbm_flag;
	if (pre->code) {
		r->code = pre->code;
		r->code_len = pre->code_len;
		pre->code = NULL;
		code_labels(r);
	}
	if (!build_image(r, why, sizeof(why)) || (!r->code && !build_code(r, why, sizeof(why)))) {
		printf("SKIP %s: %s\n", t->name, why);
		tot->skipped++;
		count_reason(tot, false, strncmp(why, t->path, strlen(t->path)) ? why
						 : "an instruction GNU as does not accept");
		goto out;
	}
	cond_encode(r, t->cond);
	cond_encode(r, t->filter);
	/*
	 * Which variables each thread can access (a register holds the VA):
	 * only those threads' walkers are worth showing a pending store early.
	 */
	for (size_t i = 0; i < t->ninit; i++)
		if (t->init[i].loc.kind == LIT_LOC_REG && t->init[i].val.kind == LIT_VAL_VA &&
		    t->init[i].loc.thread < LITMUS_MAX_THREADS && t->init[i].val.var >= 0)
			r->uses_var[t->init[i].loc.thread] |= 1ull << t->init[i].val.var;
	/* A store-exclusive in some thread's main code: its spurious failure is a choice. */
	for (int i = 0; i < t->nthreads && !r->has_stx; i++)
		for (uint64_t o = (uint64_t)i * BLOCK; o < (uint64_t)i * BLOCK + VEC_A && o + 4 <= r->code_len; o += 4) {
			uint32_t insn;
			memcpy(&insn, r->code + o, 4);
			if (sysinsn_is_store_exclusive(insn, NULL))
				r->has_stx = true;
		}
	r->m = mcache[t->nthreads];
	uint64_t budget = o->max_execs / NPOLICIES;
	for (size_t p = 0; p < NPOLICIES; p++) {
		char err[160];
		if (!machine_for(r, &policies[p], err, sizeof(err))) {
			snprintf(r->error, sizeof(r->error), "%.150s", err);
			r->errors++;
			break;
		}
		uint64_t e0 = r->execs;
		bool ok = explore(r, &policies[p], budget);
		r->pol_execs[p] = r->execs - e0;
		if (!ok)
			break;
		/*
		 * No execution under the first policy (fills on a miss only)
		 * stored to a descriptor: then no execution under any policy
		 * does, a TLB only ever holds what a walk would read, and every
		 * policy reaches the same final states (a prefilled or
		 * speculatively filled entry equals the walk a miss would do;
		 * fills and evictions change nothing; the first difference
		 * between two policies' runs of one schedule would need a
		 * descriptor that changed). Skip the others, unless the BBM
		 * analysis wants their events.
		 */
		if (p == 0 && !r->desc_writes && !r->want_analysis && !r->bound_hit && !r->errors)
			break;
	}
	mcache[t->nthreads] = r->m;
	double ms = cpu_ms() - t0;
	tot->execs += r->execs;

	/* Judge. */
	size_t reached = 0, held_all = 1;
	const Outcome *witness = NULL, *counter = NULL;
	for (size_t i = 0; i < r->nout; i++) {
		if (litmus_cond_eval(t->cond, r->out[i].v)) {
			reached++;
			if (!witness)
				witness = &r->out[i];
		} else {
			held_all = 0;
			if (!counter)
				counter = &r->out[i];
		}
	}
	char detail[1024] = "";
	if (r->errors) {
		verdict = V_FAIL;
		snprintf(detail, sizeof(detail), "emulator error: %s", r->error);
	} else if (!r->nout) {
		verdict = V_FAIL;
		snprintf(detail, sizeof(detail), "no execution completed");
	} else if (kind == LIT_KIND_FORBIDDEN && reached) {
		char s[400];
		format_outcome(r, witness->v, s, sizeof(s));
		verdict = V_FAIL;
		snprintf(detail, sizeof(detail), "Forbidden reached (policy %.15s, schedule %.95s): %.400s", witness->policy,
			 witness->sched, s);
	} else if (kind == LIT_KIND_REQUIRED && !held_all) {
		char s[400];
		format_outcome(r, counter->v, s, sizeof(s));
		verdict = V_FAIL;
		snprintf(detail, sizeof(detail), "Required does not hold (policy %.15s, schedule %.95s): %.400s",
			 counter->policy, counter->sched, s);
	} else if (kind == LIT_KIND_ALLOWED && !reached) {
		verdict = V_UNREACHED;
	} else {
		verdict = V_PASS;
	}
	if (verdict != V_FAIL && bbm_flag && !r->bbm_violation) {
		verdict = V_FAIL;
		snprintf(detail, sizeof(detail), "herd flags Warning-BBM-expected, the analysis reported no BBM violation");
	}
	char bbm[64] = "";
	if (r->bbm_violation)
		snprintf(bbm, sizeof(bbm), ", bbm-violation %.31s", r->bbm_rule);
	const char *uwhy = verdict == V_UNREACHED ? unreached_reason(t, r) : "";
	switch (verdict) {
	case V_PASS:
		tot->passed++;
		printf("ok   %s: %s (%s) %s, %zu states, %llu executions%s%s, %.1f ms CPU\n", t->name,
		       litmus_kind_name(kind), src, reached ? "reached" : "not reached", r->nout,
		       (unsigned long long)r->execs, r->bound_hit ? " (bound hit)" : "", bbm, ms);
		break;
	case V_UNREACHED:
		tot->unreached++;
		count_reason(tot, true, uwhy);
		printf("ok   %s: Allowed (%s), unreached: %s; %zu states, %llu executions%s, %.1f ms CPU\n", t->name, src,
		       uwhy, r->nout, (unsigned long long)r->execs, bbm, ms);
		break;
	case V_FAIL:
		tot->failed++;
		printf("FAIL %s: %s (%s): %s [%s]\n", t->name, litmus_kind_name(kind), src, detail, t->path);
		break;
	case V_SKIP:
		break;
	}
	if (o->verbose) {
		for (size_t i = 0; i < r->nout; i++) {
			char s[400];
			format_outcome(r, r->out[i].v, s, sizeof(s));
			printf("     %c %s  [%s %s]\n", litmus_cond_eval(t->cond, r->out[i].v) ? '*' : ' ', s,
			       r->out[i].policy, r->out[i].sched);
		}
		printf("     %llu executions, %llu pruned (sleep sets, walk choices), %llu discarded; per policy:",
		       (unsigned long long)r->execs, (unsigned long long)r->pruned,
		       (unsigned long long)r->discarded);
		for (size_t p = 0; p < NPOLICIES; p++)
			printf(" %s %llu", policies[p].name, (unsigned long long)r->pol_execs[p]);
		printf("\n");
	}
out:
	for (size_t i = 0; i < r->nout; i++)
		free(r->out[i].v);
	free(r->out);
	free(r->code);
	free(r->labels);
	free(r->pool);
	free(r->data);
	return verdict;
}

/*
 * Assemble a batch of tests in one toolchain call (one as, one ld): each
 * test's source goes in its own section, linked at its own code VA, its
 * labels prefixed with its index in the batch ("l12_p0_L0"). Running as and
 * ld for each test alone was most of a median test's time
 * (docs/performance.md). A test the assembler complains about is left out
 * and the rest assembled again; it is then assembled alone in run_test,
 * which gives it its own located message. If the batch still does not
 * link, every test is assembled alone.
 */
#define LIT_BATCH 512

static bool try_batch(LitmusTest **t, size_t n, const LitOpts *o, Prebuilt *pre, bool *out)
{
	Buf b = { 0 };
	LinkPlace *place = calloc(n + 1, sizeof(*place));
	size_t *test_of = calloc(n + 1, sizeof(*test_of));
	int *first_line = calloc(n + 1, sizeof(*first_line));
	char (*name)[24] = calloc(n + 1, sizeof(*name));
	size_t np = 0;
	bool again = false;
	char why[256];

	if (!place || !test_of || !first_line || !name)
		abort();
	for (size_t j = 0; j < n; j++) {
		if (!t[j] || out[j] || skip_reason(t[j], o, why, sizeof(why)))
			continue;
		Run r = { .t = t[j], .o = o, .code_va = pre[j].code_va };
		/* (j < LIT_BATCH: an unsigned fits both buffers, as -Wformat-truncation can see) */
		snprintf(r.sym, sizeof(r.sym), "l%u", (unsigned)j);
		snprintf(name[np], sizeof(name[np]), ".lit.%u", (unsigned)j);
		first_line[np] = b.lines + 1;
		buf_put(&b, 0, 0, ".section %s, \"ax\", %%progbits", name[np]);
		code_source(&r, &b);
		place[np] = (LinkPlace){ .section = name[np], .va = pre[j].code_va, .pa = pre[j].code_va };
		test_of[np++] = j;
	}
	first_line[np] = b.lines + 1;
	if (np > 1) {
		uint64_t base = CODE_VA_BASE - 0x100000;   /* the unit's own pages: empty */
		LinkUnit u = { .label = "litmus batch", .kind = LINK_ASM, .text = b.s, .va = base, .pa = base,
			       .place = place, .nplace = np };
		LinkResult lr;
		if (!link_run(&u, 1, NULL, 0, &lr)) {
			for (size_t g = 0; g < lr.nregion; g++) {
				LinkRegion *reg = &lr.region[g];
				if (reg->place < 0 || (size_t)reg->place >= np || !reg->bytes)
					continue;
				Prebuilt *p = &pre[test_of[reg->place]];
				p->code = reg->bytes;
				p->code_len = reg->len;
				reg->bytes = NULL;
			}
		} else {
			/* Leave out the tests the messages name; try again if there were any. */
			for (size_t d = 0; d < lr.ndiag; d++)
				for (size_t k = 0; lr.diag[d].line > 0 && k < np; k++)
					if (lr.diag[d].line >= first_line[k] && lr.diag[d].line < first_line[k + 1] &&
					    !out[test_of[k]]) {
						out[test_of[k]] = true;
						again = true;
					}
		}
		link_result_fini(&lr);
	}
	buf_fini(&b);
	free(place);
	free(test_of);
	free(first_line);
	free(name);
	return again;
}

static void assemble_batch(LitmusTest **t, size_t n, const LitOpts *o, Prebuilt *pre)
{
	bool *out = calloc(n + 1, sizeof(*out));
	if (!out)
		abort();
	for (int tries = 0; tries < 3 && try_batch(t, n, o, pre, out); tries++)
		;
	free(out);
}

/* --- the command ----------------------------------------------------------------------------- */

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect(const char *path, char ***v, size_t *n)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		*v = realloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = strdup(path);    /* reported as unreadable later */
		return;
	}
	if (!S_ISDIR(sb.st_mode)) {
		*v = realloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = strdup(path);
		return;
	}
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	char **sub = NULL;
	size_t nsub = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p;
		if (asprintf(&p, "%s/%s", path, e->d_name) < 0)
			continue;
		struct stat s2;
		size_t l = strlen(e->d_name);
		if (stat(p, &s2) == 0 && (S_ISDIR(s2.st_mode) || (l > 7 && !strcmp(e->d_name + l - 7, ".litmus")))) {
			sub = realloc(sub, (nsub + 1) * sizeof(*sub));
			sub[nsub++] = p;
		} else {
			free(p);
		}
	}
	closedir(d);
	qsort(sub, nsub, sizeof(*sub), path_cmp);
	for (size_t i = 0; i < nsub; i++) {
		collect(sub[i], v, n);
		free(sub[i]);
	}
	free(sub);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bbmsim litmus [--kinds FILE] [--variant vmsa|vmsa,ets2] [--max-execs N] [-v] PATH...\n"
		"  Run herd7 AArch64 VMSA litmus tests (files or folders of .litmus) over every\n"
		"  interleaving and TLB policy (miss, spec, prefill, prefill+spec, fill+evict:\n"
		"  TLB fills and evictions at any point as choices of the search, and walk: the\n"
		"  value a walk reads for a table store not yet published by a DSB as a choice),\n"
		"  with spurious store-exclusive failures as choices too, and compare the final\n"
		"  states with the verdict: --kinds FILE, else a .expected file beside the test,\n"
		"  else the test's quantifier. A Forbidden condition reached or a Required one not\n"
		"  always holding is a FAIL. A run's tests are assembled in one toolchain call;\n"
		"  each line gives the test's CPU time.\n"
		"  --variant vmsa,ets2  the tests and verdicts assume FEAT_ETS2 (no walk policy)\n"
		"  --max-execs N        bound on executions per test (default 100000)\n"
		"  -v                   print every final state reached, and executions per policy\n"
		"Exit status: 0 all passed, 1 a FAIL, 2 bad flags or a malformed test.\n");
}

int litmus_main(int argc, char **argv)
{
	LitOpts o = { .max_execs = 100000 };
	LitmusKinds kinds = { 0 };
	const char *kinds_path = NULL;
	char **paths = NULL;
	size_t npaths = 0;
	int rc = 0;

	if (getenv("BBMSIM_LITMUS_BROKEN_TLBI"))
		o.broken_tlbi = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--kinds") && i + 1 < argc) {
			kinds_path = argv[++i];
		} else if (!strcmp(a, "--variant") && i + 1 < argc) {
			const char *v = argv[++i];
			if (!strcmp(v, "vmsa"))
				o.ets2 = false;
			else if (!strcmp(v, "vmsa,ets2") || !strcmp(v, "ets2,vmsa"))
				o.ets2 = true;
			else {
				fprintf(stderr, "bbmsim litmus: unknown --variant '%s' (vmsa or vmsa,ets2)\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--max-execs") && i + 1 < argc) {
			o.max_execs = strtoull(argv[++i], NULL, 0);
			if (!o.max_execs)
				o.max_execs = 1;
		} else if (!strcmp(a, "--broken-tlbi-for-tests")) {
			o.broken_tlbi = true;
		} else if (!strcmp(a, "-v")) {
			o.verbose = true;
		} else if (a[0] == '-') {
			fprintf(stderr, "bbmsim litmus: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		} else {
			collect(a, &paths, &npaths);
		}
	}
	if (!npaths) {
		usage(stderr);
		return 2;
	}
	if (kinds_path) {
		char err[512];
		if (litmus_kinds_load(kinds_path, &kinds, err, sizeof(err)) != LITMUS_OK) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
		o.kinds = &kinds;
	}
	Totals *tot = calloc(1, sizeof(*tot));
	Machine *mcache[LITMUS_MAX_THREADS + 1] = { 0 };
	LitmusTest **batch = calloc(LIT_BATCH, sizeof(*batch));
	char (*berr)[512] = calloc(LIT_BATCH, sizeof(*berr));
	Prebuilt *pre = calloc(LIT_BATCH, sizeof(*pre));
	if (!batch || !berr || !pre)
		abort();
	for (size_t i0 = 0; i0 < npaths; i0 += LIT_BATCH) {
		size_t n = npaths - i0 < LIT_BATCH ? npaths - i0 : LIT_BATCH;
		for (size_t j = 0; j < n; j++) {
			if (litmus_load(paths[i0 + j], &batch[j], berr[j], sizeof(berr[j])) != LITMUS_OK)
				batch[j] = NULL;
			pre[j] = (Prebuilt){ .code_va = batch[j] ? next_code_va() : 0 };
		}
		assemble_batch(batch, n, &o, pre);
		for (size_t j = 0; j < n; j++) {
			if (!batch[j]) {
				fprintf(stderr, "%s\n", berr[j]);
				printf("ERROR %s: %s\n", paths[i0 + j], berr[j]);
				tot->errors++;
				rc = 2;
				continue;
			}
			run_test(batch[j], &o, mcache, tot, &pre[j]);
			fflush(stdout);
			free(pre[j].code);
			litmus_free(batch[j]);
		}
	}
	free(batch);
	free(berr);
	free(pre);
	for (size_t i = 0; i <= LITMUS_MAX_THREADS; i++)
		machine_free(mcache[i]);
	printf("%u passed, %u failed, %u skipped", tot->passed + tot->unreached, tot->failed, tot->skipped);
	if (tot->errors)
		printf(", %u malformed", tot->errors);
	printf(" (%u reached or held, %u allowed but unreached; %llu executions)\n", tot->passed, tot->unreached,
	       (unsigned long long)tot->execs);
	for (unsigned i = 0; i < tot->nureasons; i++)
		printf("  unreached %3u  %s\n", tot->ureasons[i].n, tot->ureasons[i].why);
	for (unsigned i = 0; i < tot->nreasons; i++)
		printf("  skipped   %3u  %s\n", tot->reasons[i].n, tot->reasons[i].why);
	if (tot->failed && rc == 0)
		rc = 1;
	free(tot);
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	litmus_kinds_fini(&kinds);
	return rc;
}
