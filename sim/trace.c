// SPDX-License-Identifier: GPL-2.0-only
/*
 * trace.c - trace sinks for the event stream and the analysis' windows.
 *
 * Three writers share one filter and one set of field formatters:
 *  - text: "TICK PEn EVENT details", the form to read and to diff;
 *  - jsonl: the same events with every field named, for scripts;
 *  - perfetto: Chrome trace-event JSON. Each PE is a thread track;
 *    consecutive instructions fold into one "insns" slice (memory accesses
 *    and TLB hits/misses are counted in it, not drawn), every other event is
 *    an instant on the PE's track, and windows are complete slices on
 *    per-PE "windows" tracks. Overlapping windows of one PE go to separate
 *    lanes (tracks), so slices on a track never overlap: Chrome and
 *    Perfetto require properly nested slices per thread.
 * The output depends only on the events: no pointers, no wall-clock time.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <capstone/capstone.h>
#include "bbmsim/machine.h"
#include "bbmsim/ptdump.h"
#include "bbmsim/sysinsn.h"
#include "bbmsim/trace.h"

#define TRACE_MAX_PES MACHINE_MAX_PES
#define TRACE_MAX_LANES 900          /* window lanes per PE in Perfetto */
#define TRACE_LANE_TID(pe, lane) (10000 + (pe) * 1000 + (lane))

typedef struct TracePe {
	bool walk_va_valid;          /* the VA of the walk under way (after a miss) */
	uint64_t walk_va;
	/* Perfetto: the instruction run being folded. */
	bool run;
	uint64_t run_start, run_last, run_n, run_mem;
	uint64_t run_pc0, run_pc1;
	uint32_t run_insn0;
	unsigned lanes;              /* window lanes named so far */
} TracePe;

typedef struct OpenWindow {
	Window w;
	unsigned lane;
} OpenWindow;

struct Trace {
	FILE *out;
	bool own;
	TraceFormat fmt;
	TraceFilter f;
	unsigned npes;
	csh cs;
	cs_insn *ci;
	uint64_t last_tick;
	bool first;                  /* Perfetto: no event written yet */
	TracePe pe[TRACE_MAX_PES];
	OpenWindow *win;
	size_t nwin, capwin;
	uint64_t flow_id;            /* Perfetto: flow events from a descriptor write to its windows */
	char incomplete[64];         /* trace_set_incomplete; "" when complete */
};

/* --- formats and filters ------------------------------------------------ */

bool trace_format_parse(const char *s, TraceFormat *out)
{
	static const char *const names[] = { "text", "jsonl", "perfetto" };

	for (unsigned i = 0; i < 3; i++)
		if (!strcmp(s, names[i])) {
			*out = (TraceFormat)i;
			return true;
		}
	return false;
}

const char *trace_format_name(TraceFormat f)
{
	return f == TRACE_TEXT ? "text" : f == TRACE_JSONL ? "jsonl" : "perfetto";
}

void trace_filter_default(TraceFilter *f)
{
	memset(f, 0, sizeof(*f));
	f->pe_mask = ~0ull;
	f->event_mask = ~0ull;
	f->va_hi = ~0ull;
	f->tick_hi = ~0ull;
}

/* Decimal or 0x-prefixed hex at *@p; advances *@p. */
static bool parse_u64(const char **p, uint64_t *v)
{
	const char *s = *p;
	unsigned base = 10;
	uint64_t x = 0;
	bool any = false;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else if (base == 16 && *s == '_')
			continue;
		else
			break;
		if (x > (~0ull - d) / base)
			return false;
		x = x * base + d;
		any = true;
	}
	if (!any)
		return false;
	/* A size suffix, as scenario files take them: K, M, G, T (powers of 1024). */
	const char *suf = strchr("KMGT", *s);
	if (*s && suf) {
		unsigned sh = 10 * (unsigned)(suf - "KMGT" + 1);
		if (x > (~0ull >> sh))
			return false;
		x <<= sh;
		s++;
	}
	*p = s;
	*v = x;
	return true;
}

static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return false;
}

bool trace_filter_parse_pes(TraceFilter *f, const char *s, char *err, size_t errlen)
{
	const char *p = s;
	uint64_t mask = 0;

	for (;;) {
		uint64_t lo, hi;
		if (!parse_u64(&p, &lo))
			return fail(err, errlen, "bad PE list '%s': expected a PE number at '%s'", s, p);
		hi = lo;
		if (*p == '-') {
			p++;
			if (!parse_u64(&p, &hi))
				return fail(err, errlen, "bad PE list '%s': expected a PE number at '%s'", s, p);
		}
		if (hi < lo)
			return fail(err, errlen, "bad PE list '%s': range %llu-%llu is empty", s,
				    (unsigned long long)lo, (unsigned long long)hi);
		if (hi >= TRACE_MAX_PES)
			return fail(err, errlen, "bad PE list '%s': PE %llu out of range (0-%d)", s,
				    (unsigned long long)hi, TRACE_MAX_PES - 1);
		for (uint64_t i = lo; i <= hi; i++)
			mask |= 1ull << i;
		if (!*p)
			break;
		if (*p != ',')
			return fail(err, errlen, "bad PE list '%s': unexpected '%c'", s, *p);
		p++;
	}
	f->pe_mask = mask;
	return true;
}

bool trace_filter_parse_va(TraceFilter *f, const char *s, char *err, size_t errlen)
{
	const char *p = s;
	uint64_t lo, hi;

	if (!parse_u64(&p, &lo))
		return fail(err, errlen, "bad VA range '%s': expected 0xLO-0xHI, 0xLO+SIZE or 0xVA", s);
	hi = lo;
	if (*p == '-') {
		p++;
		if (!parse_u64(&p, &hi))
			return fail(err, errlen, "bad VA range '%s': expected an address after '-'", s);
		if (hi < lo)
			return fail(err, errlen, "bad VA range '%s': end below start", s);
	} else if (*p == '+') {
		uint64_t size;
		p++;
		if (!parse_u64(&p, &size) || !size)
			return fail(err, errlen, "bad VA range '%s': expected a non-zero size after '+'", s);
		if (lo + (size - 1) < lo)
			return fail(err, errlen, "bad VA range '%s': wraps past the top of the address space", s);
		hi = lo + (size - 1);
	}
	if (*p)
		return fail(err, errlen, "bad VA range '%s': trailing '%s'", s, p);
	f->has_va = true;
	f->va_lo = lo;
	f->va_hi = hi;
	return true;
}

bool trace_filter_parse_events(TraceFilter *f, const char *s, char *err, size_t errlen)
{
	uint64_t mask = s[0] == '-' ? ~0ull : 0;
	const char *p = s;

	for (;;) {
		bool remove = *p == '-';
		const char *e = remove ? ++p : p;
		size_t n = strcspn(e, ",");
		uint64_t bit = 0;

		if (!n)
			return fail(err, errlen, "bad event list '%s': empty name", s);
		if (n == 6 && !strncmp(e, "window", 6))
			bit = 0;     /* windows are always kept; accepted for symmetry */
		else if (n == 3 && !strncmp(e, "all", 3))
			bit = ~0ull;
		else {
			int t;
			for (t = 0; t < EV_COUNT; t++) {
				const char *name = event_type_name((EventType)t);
				if (strlen(name) == n && !strncmp(e, name, n))
					break;
			}
			if (t == EV_COUNT) {
				char known[400];
				size_t k = 0;
				for (int i = 0; i < EV_COUNT && k < sizeof(known); i++)
					k += (size_t)snprintf(known + k, sizeof(known) - k, "%s, ",
							      event_type_name((EventType)i));
				return fail(err, errlen, "bad event list '%s': unknown event '%.*s' (known: %swindow, all)",
					    s, (int)n, e, known);
			}
			bit = 1ull << t;
		}
		mask = remove ? mask & ~bit : mask | bit;
		p = e + n;
		if (!*p)
			break;
		p++;
	}
	f->event_mask = mask;
	return true;
}

bool trace_filter_parse_ticks(TraceFilter *f, const char *s, char *err, size_t errlen)
{
	const char *p = s;
	uint64_t lo, hi;

	if (!parse_u64(&p, &lo))
		return fail(err, errlen, "bad tick range '%s': expected A-B, A- or A", s);
	hi = lo;
	if (*p == '-') {
		p++;
		if (!*p)
			hi = ~0ull;
		else if (!parse_u64(&p, &hi))
			return fail(err, errlen, "bad tick range '%s': expected a tick after '-'", s);
		else if (hi < lo)
			return fail(err, errlen, "bad tick range '%s': end below start", s);
	}
	if (*p)
		return fail(err, errlen, "bad tick range '%s': trailing '%s'", s, p);
	f->has_ticks = true;
	f->tick_lo = lo;
	f->tick_hi = hi;
	return true;
}

static bool pe_passes(const Trace *t, int pe)
{
	if (pe < 0 || pe >= TRACE_MAX_PES)
		return t->f.pe_mask == ~0ull;
	return (t->f.pe_mask >> pe) & 1;
}

static bool tick_passes(const Trace *t, uint64_t tick)
{
	return !t->f.has_ticks || (tick >= t->f.tick_lo && tick <= t->f.tick_hi);
}

/* Does [va, va + size) meet the filter's VA range? */
static bool va_passes(const Trace *t, uint64_t va, uint64_t size)
{
	uint64_t end = size ? va + (size - 1) : va;

	if (!t->f.has_va)
		return true;
	if (end < va)
		end = ~0ull;
	return va <= t->f.va_hi && end >= t->f.va_lo;
}

static TracePe *trace_pe(Trace *t, int pe)
{
	return pe >= 0 && pe < TRACE_MAX_PES ? &t->pe[pe] : NULL;
}

static bool esr_is_abort(uint64_t esr)
{
	unsigned ec = (unsigned)(esr >> 26) & 0x3f;
	return ec == 0x20 || ec == 0x21 || ec == 0x24 || ec == 0x25;
}

/* The VA range an event is about; false when it has none (it passes a VA filter). */
static bool event_va(Trace *t, const Event *ev, uint64_t *va, uint64_t *size)
{
	TracePe *p = trace_pe(t, ev->pe);

	*size = 1;
	switch (ev->type) {
	case EV_INSN:
		*va = ev->pc;
		*size = 4;
		return true;
	case EV_MEM:
		*va = ev->va;
		*size = ev->size > 0 ? (uint64_t)ev->size : 1;
		return true;
	case EV_TLB_HIT:
	case EV_TLB_MISS:
	case EV_TLB_MULTIHIT:
	case EV_FAULT:
		*va = ev->va;
		return true;
	case EV_WALK_DESC:
		if (!p || !p->walk_va_valid)
			return false;
		*va = p->walk_va;
		return true;
	case EV_TLB_FILL:
	case EV_TLB_EVICT:
	case EV_TLB_INVAL:
		if (!ev->entry)
			return false;
		*va = ev->entry->va;
		*size = 1ull << ev->entry->size_log2;
		return true;
	case EV_TLBI_ISSUE:
	case EV_TLBI_COMPLETE:
		if (ev->tlbi.kind == TLBI_VMALL || ev->tlbi.kind == TLBI_ASID)
			return false;
		*va = ev->tlbi.va;
		*size = ev->tlbi.size ? ev->tlbi.size : PAGE_SIZE;
		return true;
	case EV_DESC_WRITE:
		if (ev->level < 0 || ev->level > 3)
			return false;
		*va = ev->va;
		*size = desc_level_size(ev->level);
		return true;
	case EV_EXC_ENTRY:
		if (!esr_is_abort(ev->val))
			return false;
		*va = ev->va;
		return true;
	default:
		return false;
	}
}

/* --- field formatters ----------------------------------------------------- */

typedef struct Buf {
	char *p;
	size_t len, n;
} Buf;

static void bput(Buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->n >= b->len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->p + b->n, b->len - b->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		b->n = b->n + (size_t)k < b->len ? b->n + (size_t)k : b->len - 1;
}

static const char *disasm(Trace *t, uint64_t pc, uint32_t insn, char *buf, size_t len)
{
	uint8_t code[4] = { insn & 0xff, (insn >> 8) & 0xff, (insn >> 16) & 0xff, insn >> 24 };
	const uint8_t *c = code;
	size_t n = sizeof(code);
	uint64_t addr = pc;

	/* bbmsim's names: capstone prints range TLBIs as "sys #0, c8, ...". */
	if (sysinsn_name(insn, buf, (unsigned)len))
		return buf;
	if (t->ci && cs_disasm_iter(t->cs, &c, &n, &addr, t->ci)) {
		if (t->ci->op_str[0])
			snprintf(buf, len, "%s %s", t->ci->mnemonic, t->ci->op_str);
		else
			snprintf(buf, len, "%s", t->ci->mnemonic);
	} else {
		/* Capstone 4 does not know LSE atomics and newer encodings. */
		snprintf(buf, len, ".inst 0x%08x", insn);
	}
	return buf;
}

static const char *sysreg_name(unsigned key, char *buf, size_t len)
{
	static const struct {
		unsigned key;
		const char *name;
	} regs[] = {
		{ SYSREG_SCTLR_EL1, "sctlr_el1" }, { SYSREG_TTBR0_EL1, "ttbr0_el1" },
		{ SYSREG_TTBR1_EL1, "ttbr1_el1" }, { SYSREG_TCR_EL1, "tcr_el1" },
		{ SYSREG_MAIR_EL1, "mair_el1" },   { SYSREG_VBAR_EL1, "vbar_el1" },
		{ SYSREG_MIDR_EL1, "midr_el1" },   { SYSREG_MPIDR_EL1, "mpidr_el1" },
	};

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (regs[i].key == key)
			return regs[i].name;
	snprintf(buf, len, "s%u_%u_c%u_c%u_%u", key >> 14 & 3, key >> 11 & 7, key >> 7 & 15,
		 key >> 3 & 15, key & 7);
	return buf;
}

static const char *desc_text(uint64_t desc, int level, char *buf, size_t len)
{
	if (level < 0 || level > 3)
		return desc ? "level unknown" : "INVALID";
	return desc_format(desc, level, buf, len);
}

/* TLBI operand fields that the operation uses. */
static void tlbi_operands(Buf *b, const TlbiOp *op)
{
	bool by_va = op->kind != TLBI_VMALL && op->kind != TLBI_ASID;
	bool by_asid = op->kind == TLBI_VA || op->kind == TLBI_ASID || op->kind == TLBI_VAL ||
		       op->kind == TLBI_RVA || op->kind == TLBI_RVAL;
	char sz[24];

	if (by_va)
		bput(b, " va=0x%llx", (unsigned long long)op->va);
	if (op->kind >= TLBI_RVA)
		bput(b, " size=%s", ptdump_size_format(op->size, sz, sizeof(sz)));
	if (by_asid)
		bput(b, " asid=%u", op->asid);
	if (op->ttl_level >= 0)
		bput(b, " ttl=L%d", op->ttl_level);
}

/* The details column of the text format (also Perfetto's args.detail). */
static void event_details(Trace *t, const Event *ev, Buf *b)
{
	char d1[256], d2[256], nm[32];

	switch (ev->type) {
	case EV_INSN:
		bput(b, "0x%llx: %08x  %s", (unsigned long long)ev->pc, ev->insn,
		     disasm(t, ev->pc, ev->insn, d1, sizeof(d1)));
		break;
	case EV_MEM:
		bput(b, "%-5s va=0x%llx pa=0x%llx size=%d", access_type_name(ev->access),
		     (unsigned long long)ev->va, (unsigned long long)ev->pa, ev->size);
		if (ev->access == ACCESS_WRITE)
			bput(b, " val=0x%llx", (unsigned long long)ev->val);
		break;
	case EV_TLB_HIT:
		bput(b, "%s va=0x%llx", access_type_name(ev->access), (unsigned long long)ev->va);
		if (ev->entry)
			bput(b, " -> %s", ptdump_entry_format(ev->entry, d1, sizeof(d1)));
		break;
	case EV_TLB_MISS:
		bput(b, "%s va=0x%llx", access_type_name(ev->access), (unsigned long long)ev->va);
		break;
	case EV_TLB_MULTIHIT:
		bput(b, "%s va=0x%llx matches=%d", access_type_name(ev->access),
		     (unsigned long long)ev->va, ev->count);
		break;
	case EV_WALK_DESC:
		bput(b, "L%d pa=0x%llx desc=0x%016llx (%s)", ev->level, (unsigned long long)ev->pa,
		     (unsigned long long)ev->val, desc_text(ev->val, ev->level, d1, sizeof(d1)));
		break;
	case EV_TLB_FILL:
	case EV_TLB_EVICT:
	case EV_TLB_INVAL:
		if (ev->entry) {
			char e[320];
			bput(b, "%s", ptdump_entry_format(ev->entry, e, sizeof(e)));
		} else {
			bput(b, "va=0x%llx", (unsigned long long)ev->va);
		}
		if (ev->type == EV_TLB_INVAL)
			bput(b, " by tlbi %s from PE%d", tlbi_name(&ev->tlbi, nm, sizeof(nm)), ev->other_pe);
		break;
	case EV_TLBI_ISSUE:
		bput(b, "pc=0x%llx %s", (unsigned long long)ev->pc, tlbi_name(&ev->tlbi, nm, sizeof(nm)));
		tlbi_operands(b, &ev->tlbi);
		bput(b, " targets=%d", ev->count);
		break;
	case EV_TLBI_COMPLETE:
		bput(b, "%s", tlbi_name(&ev->tlbi, nm, sizeof(nm)));
		tlbi_operands(b, &ev->tlbi);
		bput(b, " from PE%d issued=%llu removed=%d", ev->other_pe, (unsigned long long)ev->old,
		     ev->count);
		break;
	case EV_DSB:
	case EV_ISB:
		bput(b, "pc=0x%llx %s", (unsigned long long)ev->pc,
		     disasm(t, ev->pc, ev->insn, d1, sizeof(d1)));
		break;
	case EV_DESC_WRITE:
		if (ev->level >= 0)
			bput(b, "pc=0x%llx L%d pa=0x%llx va=0x%llx", (unsigned long long)ev->pc, ev->level,
			     (unsigned long long)ev->pa, (unsigned long long)ev->va);
		else
			bput(b, "pc=0x%llx L? pa=0x%llx", (unsigned long long)ev->pc,
			     (unsigned long long)ev->pa);
		bput(b, " 0x%016llx (%s) -> 0x%016llx (%s)", (unsigned long long)ev->old,
		     desc_text(ev->old, ev->level, d1, sizeof(d1)), (unsigned long long)ev->val,
		     desc_text(ev->val, ev->level, d2, sizeof(d2)));
		break;
	case EV_EXC_ENTRY:
		bput(b, "pc=0x%llx esr=0x%llx ec=0x%02x far=0x%llx", (unsigned long long)ev->pc,
		     (unsigned long long)ev->val, (unsigned)(ev->val >> 26) & 0x3f,
		     (unsigned long long)ev->va);
		break;
	case EV_FAULT:
		bput(b, "%s L%d %s va=0x%llx pc=0x%llx esr=0x%llx", fault_kind_name(ev->fault), ev->level,
		     access_type_name(ev->access), (unsigned long long)ev->va,
		     (unsigned long long)ev->pc, (unsigned long long)ev->val);
		break;
	case EV_WAKE:
		bput(b, "by PE%d", ev->other_pe);
		break;
	case EV_HALT:
		bput(b, "pc=0x%llx", (unsigned long long)ev->pc);
		if (ev->val)
			bput(b, " esr=0x%llx", (unsigned long long)ev->val);
		break;
	case EV_SYSREG:
		bput(b, "pc=0x%llx %s=0x%llx", (unsigned long long)ev->pc,
		     sysreg_name((unsigned)ev->count, nm, sizeof(nm)), (unsigned long long)ev->val);
		break;
	case EV_EXC_RETURN:
	case EV_WFE_SLEEP:
	default:
		bput(b, "pc=0x%llx", (unsigned long long)ev->pc);
		break;
	}
}

static void window_details(const Window *w, bool closed, Buf *b)
{
	char sz[24];

	bput(b, "%s %s va=0x%llx-0x%llx (%s)", window_kind_name(w->kind), severity_name(w->severity),
	     (unsigned long long)w->va, (unsigned long long)(w->va + w->size),
	     ptdump_size_format(w->size, sz, sizeof(sz)));
	if (!closed) {
		bput(b, " why=\"%s\" cause=PE%d tick=%llu pc=0x%llx", w->why, w->cause.pe,
		     (unsigned long long)w->cause.tick, (unsigned long long)w->cause.pc);
		if (w->cause.level >= 0)
			bput(b, " L%d", w->cause.level);
		bput(b, " desc@0x%llx 0x%016llx -> 0x%016llx", (unsigned long long)w->cause.desc_pa,
		     (unsigned long long)w->cause.old, (unsigned long long)w->cause.val);
	} else {
		bput(b, " opened=%llu closed_by=\"%s\" accesses=%llu faults=%llu",
		     (unsigned long long)w->open_tick, w->closed_by, (unsigned long long)w->accesses,
		     (unsigned long long)w->faults);
	}
}

/* --- JSON ------------------------------------------------------------------ */

typedef struct Jw {
	FILE *f;
	bool first;
} Jw;

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void jkey(Jw *j, const char *k)
{
	if (!j->first)
		fputc(',', j->f);
	j->first = false;
	fprintf(j->f, "\"%s\":", k);
}

static void jbegin(Jw *j, const char *k)
{
	if (k)
		jkey(j, k);
	fputc('{', j->f);
	j->first = true;
}

static void jend(Jw *j)
{
	fputc('}', j->f);
	j->first = false;
}

static void jint(Jw *j, const char *k, long long v)
{
	jkey(j, k);
	fprintf(j->f, "%lld", v);
}

static void juint(Jw *j, const char *k, uint64_t v)
{
	jkey(j, k);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

/* 64-bit addresses and values as "0x..." strings: JSON numbers are doubles. */
static void jhex(Jw *j, const char *k, uint64_t v)
{
	jkey(j, k);
	fprintf(j->f, "\"0x%llx\"", (unsigned long long)v);
}

static void jstr(Jw *j, const char *k, const char *s)
{
	jkey(j, k);
	json_string(j->f, s);
}

static void jbool(Jw *j, const char *k, bool v)
{
	jkey(j, k);
	fputs(v ? "true" : "false", j->f);
}

static void json_entry(Jw *j, const char *k, const TlbEntry *e)
{
	char d[160];

	jbegin(j, k);
	jhex(j, "va", e->va);
	jhex(j, "size", 1ull << e->size_log2);
	jint(j, "level", e->level);
	jbool(j, "leaf", e->leaf);
	jhex(j, "pa", e->pa);
	jbool(j, "global", e->global);
	jint(j, "asid", e->asid);
	jhex(j, "desc_pa", e->desc_pa);
	jhex(j, "desc", e->desc);
	jstr(j, "decoded", desc_format(e->desc, e->level, d, sizeof(d)));
	juint(j, "fill_tick", e->fill_tick);
	juint(j, "serial", e->serial);
	jbool(j, "speculative", e->speculative);
	jend(j);
}

static void json_tlbi(Jw *j, const TlbiOp *op)
{
	char nm[32];

	jstr(j, "tlbi", tlbi_name(op, nm, sizeof(nm)));
	if (op->kind != TLBI_VMALL && op->kind != TLBI_ASID)
		jhex(j, "va", op->va);
	if (op->kind >= TLBI_RVA)
		jhex(j, "size", op->size);
	jint(j, "asid", op->asid);
	jint(j, "ttl", op->ttl_level);
	jhex(j, "xt", op->xt);
}

static void json_event_fields(Trace *t, Jw *j, const Event *ev)
{
	char d1[256], d2[256], nm[32];

	switch (ev->type) {
	case EV_INSN:
		jhex(j, "pc", ev->pc);
		jkey(j, "insn");
		fprintf(j->f, "\"0x%08x\"", ev->insn);
		jstr(j, "disasm", disasm(t, ev->pc, ev->insn, d1, sizeof(d1)));
		break;
	case EV_MEM:
		jstr(j, "access", access_type_name(ev->access));
		jhex(j, "va", ev->va);
		jhex(j, "pa", ev->pa);
		jint(j, "size", ev->size);
		if (ev->access == ACCESS_WRITE)
			jhex(j, "val", ev->val);
		break;
	case EV_TLB_HIT:
	case EV_TLB_MISS:
	case EV_TLB_MULTIHIT:
		jstr(j, "access", access_type_name(ev->access));
		jhex(j, "va", ev->va);
		if (ev->type == EV_TLB_MULTIHIT)
			jint(j, "matches", ev->count);
		if (ev->type == EV_TLB_HIT && ev->entry)
			json_entry(j, "entry", ev->entry);
		break;
	case EV_WALK_DESC:
		jint(j, "level", ev->level);
		jhex(j, "pa", ev->pa);
		jhex(j, "desc", ev->val);
		jstr(j, "decoded", desc_text(ev->val, ev->level, d1, sizeof(d1)));
		break;
	case EV_TLB_FILL:
	case EV_TLB_EVICT:
	case EV_TLB_INVAL:
		if (ev->entry)
			json_entry(j, "entry", ev->entry);
		else
			jhex(j, "va", ev->va);
		if (ev->type == EV_TLB_INVAL) {
			jstr(j, "tlbi", tlbi_name(&ev->tlbi, nm, sizeof(nm)));
			jint(j, "issuer", ev->other_pe);
		}
		break;
	case EV_TLBI_ISSUE:
		jhex(j, "pc", ev->pc);
		json_tlbi(j, &ev->tlbi);
		jint(j, "targets", ev->count);
		break;
	case EV_TLBI_COMPLETE:
		json_tlbi(j, &ev->tlbi);
		jint(j, "issuer", ev->other_pe);
		juint(j, "issue_tick", ev->old);
		jint(j, "removed", ev->count);
		break;
	case EV_DSB:
	case EV_ISB:
		jhex(j, "pc", ev->pc);
		jstr(j, "insn", disasm(t, ev->pc, ev->insn, d1, sizeof(d1)));
		break;
	case EV_DESC_WRITE:
		jhex(j, "pc", ev->pc);
		jint(j, "level", ev->level);
		jhex(j, "pa", ev->pa);
		if (ev->level >= 0)
			jhex(j, "va", ev->va);
		jhex(j, "old", ev->old);
		jhex(j, "new", ev->val);
		jstr(j, "old_decoded", desc_text(ev->old, ev->level, d1, sizeof(d1)));
		jstr(j, "new_decoded", desc_text(ev->val, ev->level, d2, sizeof(d2)));
		break;
	case EV_EXC_ENTRY:
		jhex(j, "pc", ev->pc);
		jhex(j, "esr", ev->val);
		jkey(j, "ec");
		fprintf(j->f, "\"0x%02x\"", (unsigned)(ev->val >> 26) & 0x3f);
		jhex(j, "far", ev->va);
		break;
	case EV_FAULT:
		jstr(j, "fault", fault_kind_name(ev->fault));
		jint(j, "level", ev->level);
		jstr(j, "access", access_type_name(ev->access));
		jhex(j, "va", ev->va);
		jhex(j, "pc", ev->pc);
		jhex(j, "esr", ev->val);
		break;
	case EV_WAKE:
		jint(j, "by", ev->other_pe);
		break;
	case EV_HALT:
		jhex(j, "pc", ev->pc);
		if (ev->val)
			jhex(j, "esr", ev->val);
		break;
	case EV_SYSREG:
		jhex(j, "pc", ev->pc);
		jstr(j, "reg", sysreg_name((unsigned)ev->count, nm, sizeof(nm)));
		jhex(j, "val", ev->val);
		break;
	case EV_EXC_RETURN:
	case EV_WFE_SLEEP:
	default:
		jhex(j, "pc", ev->pc);
		break;
	}
}

static void json_window_fields(Jw *j, const Window *w)
{
	jstr(j, "kind", window_kind_name(w->kind));
	jstr(j, "severity", severity_name(w->severity));
	jhex(j, "va", w->va);
	jhex(j, "size", w->size);
	juint(j, "open_tick", w->open_tick);
	if (w->close_tick != ~0ull)
		juint(j, "close_tick", w->close_tick);
	jstr(j, "why", w->why);
	jstr(j, "closed_by", w->closed_by);
	juint(j, "accesses", w->accesses);
	juint(j, "faults", w->faults);
	jbegin(j, "cause");
	jint(j, "pe", w->cause.pe);
	jhex(j, "pc", w->cause.pc);
	juint(j, "tick", w->cause.tick);
	jkey(j, "insn");
	fprintf(j->f, "\"0x%08x\"", w->cause.insn);
	jhex(j, "desc_pa", w->cause.desc_pa);
	jhex(j, "old", w->cause.old);
	jhex(j, "new", w->cause.val);
	jint(j, "level", w->cause.level);
	jend(j);
}

/* --- Perfetto ---------------------------------------------------------------- */

/* Start one element of traceEvents: {"ph":..,"pid":1,"tid":..,"ts":..,"name":.. */
static void pf_begin(Trace *t, Jw *j, const char *ph, long long tid, uint64_t ts, const char *name)
{
	fputs(t->first ? "\n" : ",\n", t->out);
	t->first = false;
	j->f = t->out;
	jbegin(j, NULL);
	jstr(j, "ph", ph);
	jint(j, "pid", 1);
	jint(j, "tid", tid);
	juint(j, "ts", ts);
	jstr(j, "name", name);
}

static void pf_thread_meta(Trace *t, long long tid, const char *name, long long sort)
{
	Jw j;

	pf_begin(t, &j, "M", tid, 0, "thread_name");
	jbegin(&j, "args");
	jstr(&j, "name", name);
	jend(&j);
	jend(&j);
	pf_begin(t, &j, "M", tid, 0, "thread_sort_index");
	jbegin(&j, "args");
	jint(&j, "sort_index", sort);
	jend(&j);
	jend(&j);
}

static void pf_run_flush(Trace *t, int pe)
{
	TracePe *p = trace_pe(t, pe);
	char d[256];
	Jw j;

	if (!p || !p->run)
		return;
	p->run = false;
	pf_begin(t, &j, "X", pe, p->run_start, "insns");
	jstr(&j, "cat", "insn");
	juint(&j, "dur", p->run_last - p->run_start + 1);
	jbegin(&j, "args");
	juint(&j, "n", p->run_n);
	juint(&j, "mem", p->run_mem);
	jhex(&j, "first_pc", p->run_pc0);
	jhex(&j, "last_pc", p->run_pc1);
	jstr(&j, "first", disasm(t, p->run_pc0, p->run_insn0, d, sizeof(d)));
	jend(&j);
	jend(&j);
}

static const char *pf_category(EventType e)
{
	switch (e) {
	case EV_TLB_MULTIHIT: case EV_TLB_FILL: case EV_TLB_EVICT: case EV_TLB_INVAL:
		return "tlb";
	case EV_WALK_DESC:
		return "walk";
	case EV_TLBI_ISSUE: case EV_TLBI_COMPLETE: case EV_DSB: case EV_ISB:
		return "maintenance";
	case EV_DESC_WRITE:
		return "desc";
	case EV_EXC_ENTRY: case EV_EXC_RETURN: case EV_FAULT:
		return "exception";
	default:
		return "pe";
	}
}

/* An access inside an open window of its PE: an instant on that window's lane. */
static void pf_access_in_window(Trace *t, const Event *ev)
{
	for (size_t i = 0; i < t->nwin; i++) {
		const Window *w = &t->win[i].w;
		if (w->pe != ev->pe || ev->va - w->va >= w->size || ev->pe < 0 || ev->pe >= TRACE_MAX_PES)
			continue;
		Jw j;
		char d[96];
		snprintf(d, sizeof(d), "%s va=0x%llx pa=0x%llx", access_type_name(ev->access),
			 (unsigned long long)ev->va, (unsigned long long)ev->pa);
		pf_begin(t, &j, "i", (long long)TRACE_LANE_TID(ev->pe, t->win[i].lane), ev->tick, "access");
		jstr(&j, "s", "t");
		jstr(&j, "cat", "window");
		jbegin(&j, "args");
		jstr(&j, "detail", d);
		jend(&j);
		jend(&j);
		return;
	}
}

static void pf_event(Trace *t, const Event *ev)
{
	TracePe *p = trace_pe(t, ev->pe);
	char d[512];
	Buf b = { d, sizeof(d), 0 };
	Jw j;

	d[0] = 0;
	switch (ev->type) {
	case EV_INSN:
		/*
		 * A gap is a tick distance of more than one round-robin turn of
		 * the other PEs (quantum 1): the PE slept, was not scheduled, or
		 * the tick filter cut the run.
		 */
		if (p && p->run && ev->tick > p->run_last && ev->tick - p->run_last <= (t->npes ? t->npes : 1)) {
			p->run_last = ev->tick;
			p->run_n++;
			p->run_pc1 = ev->pc;
			return;
		}
		pf_run_flush(t, ev->pe);
		if (p)
			*p = (TracePe){ .walk_va_valid = p->walk_va_valid, .walk_va = p->walk_va,
					.lanes = p->lanes, .run = true, .run_start = ev->tick,
					.run_last = ev->tick, .run_n = 1, .run_pc0 = ev->pc,
					.run_pc1 = ev->pc, .run_insn0 = ev->insn };
		return;
	case EV_MEM:
		if (p && p->run)
			p->run_mem++;
		pf_access_in_window(t, ev);
		return;
	case EV_TLB_HIT:
	case EV_TLB_MISS:
		return;     /* too many to draw; the walk and fill that follow a miss are */
	default:
		break;
	}
	pf_run_flush(t, ev->pe);
	event_details(t, ev, &b);
	pf_begin(t, &j, "i", ev->pe, ev->tick, event_type_name(ev->type));
	jstr(&j, "s", "t");
	jstr(&j, "cat", pf_category(ev->type));
	jbegin(&j, "args");
	jstr(&j, "detail", d);
	jend(&j);
	jend(&j);
}

static void pf_lane_name(Trace *t, int pe, unsigned lane)
{
	TracePe *p = trace_pe(t, pe);
	char nm[48];

	if (!p || lane < p->lanes)
		return;
	for (; p->lanes <= lane; p->lanes++) {
		if (p->lanes)
			snprintf(nm, sizeof(nm), "PE%d windows #%u", pe, p->lanes + 1);
		else
			snprintf(nm, sizeof(nm), "PE%d windows", pe);
		pf_thread_meta(t, TRACE_LANE_TID(pe, p->lanes), nm, pe * 1000 + 1 + p->lanes);
	}
}

/* The lowest lane of PE @pe with no open window. */
static unsigned pf_free_lane(const Trace *t, int pe)
{
	for (unsigned lane = 0;; lane++) {
		bool busy = false;
		for (size_t i = 0; i < t->nwin && !busy; i++)
			busy = t->win[i].w.pe == pe && t->win[i].lane == lane;
		if (!busy || lane + 1 == TRACE_MAX_LANES)
			return lane;
	}
}

static void pf_window_slice(Trace *t, const Window *w, unsigned lane, uint64_t end, bool still_open)
{
	uint64_t ts = w->open_tick;
	char name[64];
	Jw j;

	if (t->f.has_ticks) {
		if (end < t->f.tick_lo || ts > t->f.tick_hi)
			return;
		ts = ts < t->f.tick_lo ? t->f.tick_lo : ts;
		end = end > t->f.tick_hi ? t->f.tick_hi : end;
	}
	if (end < ts)
		end = ts;
	pf_lane_name(t, w->pe, lane);
	snprintf(name, sizeof(name), "%s %s", window_kind_name(w->kind), severity_name(w->severity));
	long long tid = w->pe >= 0 && w->pe < TRACE_MAX_PES ? (long long)TRACE_LANE_TID(w->pe, lane) : -1;
	pf_begin(t, &j, "X", tid, ts, name);
	jstr(&j, "cat", "window");
	juint(&j, "dur", end - ts);
	jbegin(&j, "args");
	json_window_fields(&j, w);
	jbool(&j, "still_open", still_open);
	jend(&j);
	jend(&j);
	/*
	 * A flow from the descriptor write (on the storing PE's instruction
	 * slice at its tick) to the window it opened (its start on the exposed
	 * PE's window lane), when both ends are in the trace.
	 */
	if (ts != w->open_tick || (t->f.has_ticks && w->cause.tick < t->f.tick_lo))
		return;
	uint64_t id = ++t->flow_id;
	pf_begin(t, &j, "s", w->cause.pe, w->cause.tick, "opened");
	jstr(&j, "cat", "window");
	juint(&j, "id", id);
	jend(&j);
	pf_begin(t, &j, "f", tid, ts, "opened");
	jstr(&j, "cat", "window");
	jstr(&j, "bp", "e");
	juint(&j, "id", id);
	jend(&j);
}

static bool window_same(const Window *a, const Window *b)
{
	return a->kind == b->kind && a->pe == b->pe && a->va == b->va && a->size == b->size &&
	       a->open_tick == b->open_tick;
}

static void pf_window(Trace *t, const Window *w, bool closed)
{
	if (!closed) {
		if (t->nwin == t->capwin) {
			size_t cap = t->capwin ? t->capwin * 2 : 16;
			OpenWindow *n = realloc(t->win, cap * sizeof(*n));
			if (!n)
				return;
			t->win = n;
			t->capwin = cap;
		}
		t->win[t->nwin].lane = pf_free_lane(t, w->pe);
		t->win[t->nwin++].w = *w;
		return;
	}
	for (size_t i = 0; i < t->nwin; i++)
		if (window_same(&t->win[i].w, w)) {
			unsigned lane = t->win[i].lane;
			t->win[i] = t->win[--t->nwin];
			pf_window_slice(t, w, lane, w->close_tick, false);
			return;
		}
	/* Closed without an open we saw (the trace started late): a lane free now. */
	pf_window_slice(t, w, pf_free_lane(t, w->pe), w->close_tick, false);
}

static void pf_header(Trace *t, const char *header)
{
	Jw j = { t->out, true };
	char nm[16];

	fputs("{", t->out);
	jbegin(&j, "otherData");
	jstr(&j, "tool", "bbmsim");
	jstr(&j, "format", "bbmsim trace v1");
	jstr(&j, "header", header ? header : "");
	jstr(&j, "time_unit", "1 us = 1 tick");
	jend(&j);
	fputs(",\"traceEvents\":[", t->out);
	t->first = true;
	pf_begin(t, &j, "M", 0, 0, "process_name");
	jbegin(&j, "args");
	jstr(&j, "name", "bbmsim");
	jend(&j);
	jend(&j);
	for (unsigned i = 0; i < t->npes && i < TRACE_MAX_PES; i++) {
		snprintf(nm, sizeof(nm), "PE%u", i);
		pf_thread_meta(t, i, nm, (long long)i * 1000);
	}
}

/* --- the sink ------------------------------------------------------------------ */

Trace *trace_open(const char *path, TraceFormat fmt, const TraceFilter *f, unsigned npes,
		  const char *header, char *err, size_t errlen)
{
	Trace *t = calloc(1, sizeof(*t));

	if (!t) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	t->fmt = fmt;
	t->npes = npes;
	if (f)
		t->f = *f;
	else
		trace_filter_default(&t->f);
	if (cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &t->cs) != CS_ERR_OK) {
		fail(err, errlen, "capstone: cannot open an AArch64 disassembler");
		free(t);
		return NULL;
	}
	t->ci = cs_malloc(t->cs);
	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout")) {
		/* One FILE for stdout, so a trace and the report never write over each other. */
		t->out = stdout;
	} else {
		/* A device (/dev/stdout, /dev/fd/N) takes the levels one after another: never truncate it. */
		t->out = fopen(path, strncmp(path, "/dev/", 5) ? "w" : "a");
		t->own = true;
		if (!t->out) {
			fail(err, errlen, "%s: cannot create: %s", path, strerror(errno));
			goto fail;
		}
	}
	switch (fmt) {
	case TRACE_TEXT: {
		const char *h = header ? header : "";
		fprintf(t->out, "# bbmsim trace v1 text npes=%u\n", npes);
		while (*h) {
			size_t n = strcspn(h, "\n");
			fprintf(t->out, "# %.*s\n", (int)n, h);
			h += n + (h[n] == '\n');
		}
		break;
	}
	case TRACE_JSONL: {
		Jw j = { t->out, true };
		jbegin(&j, NULL);
		jstr(&j, "event", "header");
		jstr(&j, "format", "bbmsim trace v1");
		juint(&j, "npes", npes);
		jstr(&j, "header", header ? header : "");
		jend(&j);
		fputc('\n', t->out);
		break;
	}
	case TRACE_PERFETTO:
		pf_header(t, header);
		break;
	}
	return t;
fail:
	if (t->ci)
		cs_free(t->ci, 1);
	cs_close(&t->cs);
	free(t);
	return NULL;
}

void trace_event(void *trace, const Event *ev)
{
	Trace *t = trace;
	TracePe *p = trace_pe(t, ev->pe);
	uint64_t va, size;
	bool keep;

	if (ev->tick > t->last_tick)
		t->last_tick = ev->tick;
	keep = tick_passes(t, ev->tick) && pe_passes(t, ev->pe) && ev->type < 64 &&
	       ((t->f.event_mask >> ev->type) & 1) &&
	       (!event_va(t, ev, &va, &size) || va_passes(t, va, size));
	/* Walk reads carry no VA: remember the one of the miss that starts the walk. */
	if (p) {
		if (ev->type == EV_TLB_MISS) {
			p->walk_va_valid = true;
			p->walk_va = ev->va;
		} else if (ev->type != EV_WALK_DESC && ev->type != EV_TLB_FILL && ev->type != EV_TLB_EVICT) {
			p->walk_va_valid = false;
		}
	}
	if (!keep)
		return;
	switch (t->fmt) {
	case TRACE_TEXT: {
		char d[768];
		Buf b = { d, sizeof(d), 0 };
		d[0] = 0;
		event_details(t, ev, &b);
		while (b.n && d[b.n - 1] == ' ')
			d[--b.n] = 0;
		fprintf(t->out, "%6llu PE%-2d %-13s %s\n", (unsigned long long)ev->tick, ev->pe,
			event_type_name(ev->type), d);
		break;
	}
	case TRACE_JSONL: {
		Jw j = { t->out, true };
		jbegin(&j, NULL);
		juint(&j, "tick", ev->tick);
		jint(&j, "pe", ev->pe);
		jstr(&j, "event", event_type_name(ev->type));
		json_event_fields(t, &j, ev);
		jend(&j);
		fputc('\n', t->out);
		break;
	}
	case TRACE_PERFETTO:
		pf_event(t, ev);
		break;
	}
}

void trace_window(void *trace, const Window *w, bool closed)
{
	Trace *t = trace;
	uint64_t tick = closed ? w->close_tick : w->open_tick;

	if (tick != ~0ull && tick > t->last_tick)
		t->last_tick = tick;
	if (!pe_passes(t, w->pe) || !va_passes(t, w->va, w->size))
		return;
	if (t->fmt == TRACE_PERFETTO) {
		pf_window(t, w, closed);
		return;
	}
	if (!tick_passes(t, tick))
		return;
	if (t->fmt == TRACE_TEXT) {
		char d[768];
		Buf b = { d, sizeof(d), 0 };
		d[0] = 0;
		window_details(w, closed, &b);
		fprintf(t->out, "%6llu PE%-2d %-13s %s\n", (unsigned long long)tick, w->pe,
			closed ? "window-close" : "window-open", d);
	} else {
		Jw j = { t->out, true };
		jbegin(&j, NULL);
		juint(&j, "tick", tick);
		jint(&j, "pe", w->pe);
		jstr(&j, "event", closed ? "window-close" : "window-open");
		json_window_fields(&j, w);
		jend(&j);
		fputc('\n', t->out);
	}
}

void trace_set_incomplete(Trace *t, const char *why)
{
	snprintf(t->incomplete, sizeof(t->incomplete), "%s", why && *why ? why : "incomplete");
}

/* The last record of an incomplete trace, at the last tick seen. */
static void trace_write_incomplete(Trace *t)
{
	Jw j = { t->out, true };

	switch (t->fmt) {
	case TRACE_TEXT:
		fprintf(t->out, "# incomplete: %s\n", t->incomplete);
		break;
	case TRACE_JSONL:
		jbegin(&j, NULL);
		juint(&j, "tick", t->last_tick);
		jint(&j, "pe", -1);
		jstr(&j, "event", "incomplete");
		jstr(&j, "why", t->incomplete);
		jend(&j);
		fputc('\n', t->out);
		break;
	case TRACE_PERFETTO:
		pf_begin(t, &j, "i", 0, t->last_tick, "incomplete");
		jstr(&j, "s", "g");
		jstr(&j, "cat", "run");
		jbegin(&j, "args");
		jstr(&j, "why", t->incomplete);
		jend(&j);
		jend(&j);
		break;
	}
}

int trace_close(Trace *t)
{
	int rc = 0;

	if (!t)
		return 0;
	if (t->fmt == TRACE_PERFETTO) {
		for (int i = 0; i < TRACE_MAX_PES; i++)
			pf_run_flush(t, i);
		/* Windows still open end at the last tick seen. */
		for (size_t i = 0; i < t->nwin; i++)
			pf_window_slice(t, &t->win[i].w, t->win[i].lane, t->last_tick, true);
	}
	if (t->incomplete[0])
		trace_write_incomplete(t);
	if (t->fmt == TRACE_PERFETTO)
		fputs("\n]}\n", t->out);
	if (fflush(t->out) || ferror(t->out))
		rc = -1;
	if (t->own && fclose(t->out))
		rc = -1;
	if (t->ci)
		cs_free(t->ci, 1);
	cs_close(&t->cs);
	free(t->win);
	free(t);
	return rc;
}
