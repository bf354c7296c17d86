// SPDX-License-Identifier: GPL-2.0-only
/*
 * scenario.c - the YAML scenario loader (docs/scenario-format.md).
 *
 * The file is loaded with libyaml's document API, so every node keeps its
 * start mark and every error can name its place. The loader is driven by
 * the format, never by the document's shape: it looks only at the keys it
 * knows, rejects the others, and so never recurses further than the format
 * nests (an alias cycle cannot make it loop).
 *
 * All names (trees, spare tables, descriptors, data words, symbols, code
 * blocks) are collected first, then given values in a fixed order, whatever
 * their order in the file: symbols, data, code link addresses, tables
 * (trees, spares, descs, the kit's table pages), then the code is linked
 * with every name as an absolute symbol (the kit's code with it), then the
 * data words' values (which may name the code's symbols), the PEs (the
 * shared 'reserved' table is allocated on first use) and the expectations. A name used before it has a value is reported as
 * such, not as undefined.
 *
 * This file reads the document and the parts of the format that are plain
 * settings (machine, symbols, data, PEs) and calls the other parts in that
 * order: scenario_tables.c, scenario_code.c, scenario_expect.c
 * (scenario_priv.h lists them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "bbmsim/desc.h"
#include "scenario_priv.h"

/* --- machine --------------------------------------------------------------------- */

static bool load_schedule(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = { "policy", "quantum", "seed", "steps", NULL };
	static const char *const policies[] = { "round-robin", "random", "list", NULL };
	MachineConfig *c = &l->s->cfg;
	yaml_node_t *v;
	int policy;
	uint64_t x;

	if (!scn_map_keys(l, n, "machine.schedule", keys))
		return false;
	if ((v = scn_map_get(l, n, "policy"))) {
		if (!scn_get_enum(l, v, "schedule.policy", policies, &policy))
			return false;
		c->sched = (SchedPolicy)policy;
	}
	if ((v = scn_map_get(l, n, "quantum"))) {
		if (!scn_get_u64(l, v, "schedule.quantum", 1, 1000000, &x))
			return false;
		c->quantum = (unsigned)x;
	}
	if ((v = scn_map_get(l, n, "seed")) && !scn_get_u64(l, v, "schedule.seed", 0, UINT64_MAX, &c->seed))
		return false;
	if ((v = scn_map_get(l, n, "steps"))) {
		if (!scn_need_type(l, v, YAML_SEQUENCE_NODE, "schedule.steps"))
			return false;
		size_t ns = scn_seq_len(v);
		if (!ns)
			return scn_fail_at(l, v, "schedule.steps must not be empty");
		l->s->steps = scn_xcalloc(ns, sizeof(*l->s->steps));
		for (size_t i = 0; i < ns; i++) {
			yaml_node_t *st = scn_seq_at(l, v, i);
			if (!st || st->type != YAML_SEQUENCE_NODE || scn_seq_len(st) != 2)
				return scn_fail_at(l, st, "each schedule step must be a pair [pe, count]");
			int pe;
			if (!scn_get_int(l, scn_seq_at(l, st, 0), "the step's PE", 0, (int)c->npes - 1, &pe) ||
			    !scn_get_u64(l, scn_seq_at(l, st, 1), "the step's count", 1, UINT64_MAX, &x))
				return false;
			l->s->steps[i].pe = pe;
			l->s->steps[i].count = x;
		}
		c->nsteps = ns;
	}
	if (c->sched == SCHED_LIST && !c->nsteps)
		return scn_fail_at(l, n, "missing key 'steps' in machine.schedule (policy: list needs it)");
	return true;
}

static bool load_tlb(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = { "capacity", "replacement", "walk_cache", "speculative", "prefetch", NULL };
	static const char *const repl[] = { "lru", "random", NULL };
	static const char *const spec[] = { "none", "adversarial", NULL };
	MachineConfig *c = &l->s->cfg;
	yaml_node_t *v;
	uint64_t x;
	int e;

	if (!scn_map_keys(l, n, "machine.tlb", keys))
		return false;
	if ((v = scn_map_get(l, n, "capacity"))) {
		if (!scn_get_u64(l, v, "tlb.capacity", 0, 1u << 24, &x))
			return false;
		c->tlb.capacity = (size_t)x;
	}
	if ((v = scn_map_get(l, n, "replacement"))) {
		if (!scn_get_enum(l, v, "tlb.replacement", repl, &e))
			return false;
		c->tlb.replace = (TlbReplace)e;
	}
	if ((v = scn_map_get(l, n, "walk_cache")) && !scn_get_bool(l, v, "tlb.walk_cache", &c->tlb.walk_cache))
		return false;
	if ((v = scn_map_get(l, n, "prefetch"))) {
		if (!scn_get_u64(l, v, "tlb.prefetch", 1, 512, &x))
			return false;
		if (x & (x - 1))
			return scn_fail_at(l, v, "tlb.prefetch must be a power of two (1..512), not %llu",
				       (unsigned long long)x);
		c->tlb_prefetch = (unsigned)x;
	}
	if ((v = scn_map_get(l, n, "speculative"))) {
		if (!scn_get_enum(l, v, "tlb.speculative", spec, &e))
			return false;
		c->spec_fill = (SpecFill)e;
	}
	return true;
}

static bool load_levels(Ld *l, yaml_node_t *n)
{
	BbmLevel lv;
	memset(l->s->run_level, 0, sizeof(l->s->run_level));
	if (n->type == YAML_SCALAR_NODE) {
		if (!scn_get_level(l, n, "machine.levels", &lv))
			return false;
		l->s->run_level[lv] = true;
		return true;
	}
	if (!scn_need_type(l, n, YAML_SEQUENCE_NODE, "machine.levels"))
		return false;
	if (!scn_seq_len(n))
		return scn_fail_at(l, n, "machine.levels must name at least one level");
	for (size_t i = 0; i < scn_seq_len(n); i++) {
		if (!scn_get_level(l, scn_seq_at(l, n, i), "machine.levels", &lv))
			return false;
		l->s->run_level[lv] = true;
	}
	return true;
}

static bool load_machine(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = {
		"pes", "memory", "levels", "midr", "tlb", "walk_visibility", "tlbi_completion", "ttl",
		"multihit", "l2_size_hit", "nt", "schedule", "max_insns", NULL,
	};
	static const char *const vis[] = { "immediate", "at-dsb", NULL };
	static const char *const tlbic[] = { "at-dsb", "at-issue", NULL };
	static const char *const ttl[] = { "strict", "lenient", NULL };
	static const char *const mh[] = { "abort", "use-oldest", "use-newest", NULL };
	static const char *const l2[] = { "abort", "use-newest", NULL };
	static const char *const nt[] = { "fault", "uncached", NULL };
	MachineConfig *c = &l->s->cfg;
	yaml_node_t *v;
	uint64_t x;
	int e;

	if (!scn_map_keys(l, n, "machine", keys))
		return false;
	l->s->machine_at = scn_loc_of(n);
	if (!(v = scn_map_need(l, n, "pes", "machine")) || !scn_get_u64(l, v, "machine.pes", 1, MACHINE_MAX_PES, &x))
		return false;
	c->npes = (unsigned)x;
	if ((v = scn_map_get(l, n, "memory"))) {
		const char *t = scn_scalar(v);
		if (!t || !scn_parse_num(t, &x))
			return scn_fail_at(l, v, "machine.memory must be a size (a number with an optional "
				       "K, M, G or T suffix), not %s%s%s", t ? "'" : "", t ? t : scn_type_text(v),
				       t ? "'" : "");
		if (x < (1ull << 20) || x > (1ull << 40))
			return scn_fail_at(l, v, "machine.memory must be between 1M and 1T, got %s", t);
		if (x & (PAGE_SIZE - 1))
			return scn_fail_at(l, v, "machine.memory must be a multiple of 4K, got %s", t);
		c->mem_size = x;
	}
	if ((v = scn_map_get(l, n, "levels")) && !load_levels(l, v))
		return false;
	if ((v = scn_map_get(l, n, "midr")) && !scn_get_u64(l, v, "machine.midr", 0, UINT32_MAX, &c->midr))
		return false;
	if ((v = scn_map_get(l, n, "tlb")) && !load_tlb(l, v))
		return false;
	if ((v = scn_map_get(l, n, "walk_visibility"))) {
		if (!scn_get_enum(l, v, "machine.walk_visibility", vis, &e))
			return false;
		c->walk_vis = (WalkVisibility)e;
	}
	if ((v = scn_map_get(l, n, "tlbi_completion"))) {
		if (!scn_get_enum(l, v, "machine.tlbi_completion", tlbic, &e))
			return false;
		c->tlbi_completion = (TlbiCompletion)e;
	}
	if ((v = scn_map_get(l, n, "ttl"))) {
		if (!scn_get_enum(l, v, "machine.ttl", ttl, &e))
			return false;
		c->ttl_strict = e == 0;
	}
	if ((v = scn_map_get(l, n, "multihit"))) {
		if (!scn_get_enum(l, v, "machine.multihit", mh, &e))
			return false;
		c->knobs.multihit = (BbmMultiHit)e;
	}
	if ((v = scn_map_get(l, n, "l2_size_hit"))) {
		if (!scn_get_enum(l, v, "machine.l2_size_hit", l2, &e))
			return false;
		c->knobs.l2_size = (BbmL2SizeHit)e;
	}
	if ((v = scn_map_get(l, n, "nt"))) {
		if (!scn_get_enum(l, v, "machine.nt", nt, &e))
			return false;
		c->knobs.nt = (BbmNtPolicy)e;
	}
	if ((v = scn_map_get(l, n, "schedule")) && !load_schedule(l, v))
		return false;
	if ((v = scn_map_get(l, n, "max_insns")) &&
	    !scn_get_u64(l, v, "machine.max_insns", 1, UINT64_MAX, &c->max_insns))
		return false;
	return true;
}

/* --- names ----------------------------------------------------------------------- */

/* Each item of sequence @seq (if any) is a mapping whose 'name' is registered. */
static bool collect_item_names(Ld *l, yaml_node_t *seq, const char *what, NameKind kind)
{
	char w[64];
	if (!seq)
		return true;
	if (!scn_need_type(l, seq, YAML_SEQUENCE_NODE, what))
		return false;
	for (size_t i = 0; i < scn_seq_len(seq); i++) {
		yaml_node_t *it = scn_seq_at(l, seq, i), *nm;
		snprintf(w, sizeof(w), "%s[%zu]", what, i);
		if (!scn_need_type(l, it, YAML_MAPPING_NODE, w) || !(nm = scn_map_need(l, it, "name", w)) ||
		    !scn_name_add(l, nm, kind, w))
			return false;
	}
	return true;
}

static bool collect_names(Ld *l, yaml_node_t *root)
{
	yaml_node_t *v, *tables = scn_map_get(l, root, "tables");

	if ((v = scn_map_get(l, root, "symbols"))) {
		if (!scn_map_keys(l, v, "symbols", NULL))
			return false;
		for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++)
			if (!scn_name_add(l, scn_node(l, p->key), NAME_SYMBOL, "a symbol"))
				return false;
	}
	if (!collect_item_names(l, scn_map_get(l, root, "data"), "data", NAME_DATA) ||
	    !collect_item_names(l, scn_map_get(l, root, "code"), "code", NAME_CODE))
		return false;
	if (!tables)
		return true;
	static const char *const tkeys[] = { "pool", "trees", "spare", "descs", NULL };
	if (!scn_map_keys(l, tables, "tables", tkeys))
		return false;
	if (!collect_item_names(l, scn_map_get(l, tables, "trees"), "tables.trees", NAME_TREE))
		return false;
	if ((v = scn_map_get(l, tables, "spare"))) {
		if (!scn_need_type(l, v, YAML_SEQUENCE_NODE, "tables.spare"))
			return false;
		for (size_t i = 0; i < scn_seq_len(v); i++)
			if (!scn_name_add(l, scn_seq_at(l, v, i), NAME_SPARE, "a spare table"))
				return false;
	}
	return collect_item_names(l, scn_map_get(l, tables, "descs"), "tables.descs", NAME_DESC);
}

/* --- symbols, data -------------------------------------------------------------- */

static bool load_symbols(Ld *l, yaml_node_t *n)
{
	if (!n)
		return true;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *k = scn_scalar(scn_node(l, p->key));
		uint64_t x;
		char w[160];
		snprintf(w, sizeof(w), "symbol '%s'", k);
		if (!scn_get_value(l, scn_node(l, p->value), w, &x))
			return false;
		scn_name_set(l->s, k, x);
	}
	return true;
}

bool scn_in_memory(const Scenario *s, uint64_t pa, uint64_t len)
{
	return pa <= s->cfg.mem_size && len <= s->cfg.mem_size - pa;
}

static bool load_data(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = { "name", "pa", "u64", NULL };
	Scenario *s = l->s;
	char w[64];

	for (size_t i = 0; n && i < scn_seq_len(n); i++) {
		yaml_node_t *it = scn_seq_at(l, n, i), *v, *words;
		uint64_t pa;
		snprintf(w, sizeof(w), "data[%zu]", i);
		if (!scn_map_keys(l, it, w, keys) || !(v = scn_map_need(l, it, "pa", w)) ||
		    !scn_get_value(l, v, "data.pa", &pa) || !(words = scn_map_need(l, it, "u64", w)))
			return false;
		if (pa & 7)
			return scn_fail_at(l, v, "data.pa must be 8-byte aligned, got 0x%llx", (unsigned long long)pa);
		size_t nw = words->type == YAML_SEQUENCE_NODE ? scn_seq_len(words) : 1;
		if (!nw)
			return scn_fail_at(l, words, "data.u64 must hold at least one word");
		if (!scn_in_memory(s, pa, nw * 8))
			return scn_fail_at(l, v, "data [0x%llx, +%zu words) is outside memory",
				       (unsigned long long)pa, nw);
		s->words = realloc(s->words, (s->nwords + nw) * sizeof(*s->words));
		l->word_node = realloc(l->word_node, (s->nwords + nw) * sizeof(*l->word_node));
		if (!s->words || !l->word_node)
			abort();
		for (size_t k = 0; k < nw; k++) {
			yaml_node_t *wn = words->type == YAML_SEQUENCE_NODE ? scn_seq_at(l, words, k) : words;
			s->words[s->nwords] = (Word){ .pa = pa + 8 * k };
			l->word_node[s->nwords++] = wn;
		}
		scn_name_set(s, scn_scalar(scn_map_get(l, it, "name")), pa);
	}
	return true;
}

/*
 * The words' values, after the link: a word may hold the address of any
 * name, code symbols (a C function, kit_pgtable_alloc), trees, spare tables
 * and descriptors included.
 */
static bool load_data_values(Ld *l)
{
	for (size_t k = 0; k < l->s->nwords; k++)
		if (!scn_get_value(l, l->word_node[k], "a data word", &l->s->words[k].val))
			return false;
	return true;
}

/* --- PEs ------------------------------------------------------------------------- */

static bool load_ttbr(Ld *l, yaml_node_t *v, const char *what, uint64_t *out)
{
	Scenario *s = l->s;
	const char *t = scn_scalar(v);
	if (t && !strcmp(t, "reserved"))
		return scn_ensure_reserved(l, v, out);
	if (t && scn_is_ident(t, strlen(t)) && !scn_name_find(s, t)) {
		char list[160] = "";
		size_t o = 0;
		for (size_t i = 0; i < s->nnames; i++)
			if (s->names[i].kind == NAME_TREE) {
				int w = snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "",
						 s->names[i].name);
				if (w > 0 && (size_t)w < sizeof(list) - o)
					o += (size_t)w;
			}
		return scn_fail_at(l, v, "unknown tree '%s' in %s (trees: %s)", t, what, o ? list : "none");
	}
	return scn_get_value(l, v, what, out);
}

static bool load_pes(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = {
		"entry", "regs", "sp", "el", "mmu", "ttbr0", "ttbr1", "asid", "vbar", "level", "midr",
		"tcr", "mair", NULL,
	};
	Scenario *s = l->s;
	char w[64], rw[96];

	if (!scn_need_type(l, n, YAML_SEQUENCE_NODE, "pes"))
		return false;
	if (scn_seq_len(n) != s->cfg.npes)
		return scn_fail_at(l, n, "pes has %zu entries but machine.pes is %u", scn_seq_len(n), s->cfg.npes);
	for (size_t i = 0; i < scn_seq_len(n); i++) {
		yaml_node_t *it = scn_seq_at(l, n, i), *v, *t0, *t1;
		PeInit *p = &s->pe[i];
		bool mmu = true;
		uint64_t asid = 0;

		snprintf(w, sizeof(w), "pes[%zu]", i);
		if (!scn_map_keys(l, it, w, keys))
			return false;
		s->pe_at[i] = scn_loc_of(it);
		p->el = 1;
		p->regs.tcr = SCN_TCR;
		p->regs.mair = SCN_MAIR;
		l->pe_node[i] = it;
		if (s->kit.stop_machine) {
			/* The kit starts every PE (kit.stop_machine): no entry of its own. */
			if ((v = scn_map_get(l, it, "entry")))
				return scn_fail_at(l, v, "%s.entry: with kit.stop_machine every PE starts there "
						   "(give this PE's function as kit.stop_machine.fn or .wait)", w);
		} else if (!(v = scn_map_need(l, it, "entry", w)) || !scn_get_value(l, v, "entry", &p->pc)) {
			return false;
		}
		if (v)
			l->pe_given[i] |= 1ull << 32;
		if ((v = scn_map_get(l, it, "regs"))) {
			static const char *const regs[] = {
				"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
				"x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22",
				"x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30", NULL,
			};
			snprintf(rw, sizeof(rw), "%s.regs", w);
			if (!scn_map_keys(l, v, rw, regs))
				return false;
			for (int r = 0; r < 31; r++) {
				yaml_node_t *x = scn_map_get(l, v, regs[r]);
				if (x && !scn_get_value(l, x, regs[r], &p->x[r]))
					return false;
				if (x)
					l->pe_given[i] |= 1ull << r;
			}
		}
		if (scn_map_get(l, it, "sp"))
			l->pe_given[i] |= 1ull << 31;
		if (((v = scn_map_get(l, it, "sp")) && !scn_get_value(l, v, "sp", &p->sp)) ||
		    ((v = scn_map_get(l, it, "el")) && !scn_get_int(l, v, "el", 0, 1, &p->el)) ||
		    ((v = scn_map_get(l, it, "mmu")) && !scn_get_bool(l, v, "mmu", &mmu)) ||
		    ((v = scn_map_get(l, it, "asid")) && !scn_get_u64(l, v, "asid", 0, 0xffff, &asid)) ||
		    ((v = scn_map_get(l, it, "vbar")) && !scn_get_value(l, v, "vbar", &p->vbar)) ||
		    ((v = scn_map_get(l, it, "tcr")) && !scn_get_u64(l, v, "tcr", 0, UINT64_MAX, &p->regs.tcr)) ||
		    ((v = scn_map_get(l, it, "mair")) && !scn_get_u64(l, v, "mair", 0, UINT64_MAX, &p->regs.mair)))
			return false;
		if ((v = scn_map_get(l, it, "level"))) {
			if (!scn_get_level(l, v, "the PE's level", &p->level))
				return false;
			p->has_level = true;
		}
		if ((v = scn_map_get(l, it, "midr"))) {
			if (!scn_get_u64(l, v, "midr", 0, UINT32_MAX, &p->midr))
				return false;
			p->has_midr = true;
		}
		if (p->vbar & 0x7ff)
			return scn_fail_at(l, scn_map_get(l, it, "vbar"), "vbar must be 2K-aligned (VBAR_EL1[10:0] are RES0)");
		t0 = scn_map_get(l, it, "ttbr0");
		t1 = scn_map_get(l, it, "ttbr1");
		if (mmu && !t0 && !t1)
			return scn_fail_at(l, it, "missing key 'ttbr0' or 'ttbr1' in %s (the MMU is on)", w);
		/* With the MMU on, an absent TTBR points at the empty reserved table. */
		yaml_node_t fake;
		memset(&fake, 0, sizeof(fake));
		fake.type = YAML_SCALAR_NODE;
		fake.data.scalar.value = (yaml_char_t *)"reserved";
		fake.data.scalar.length = 8;
		fake.start_mark = it->start_mark;
		if (t0 || mmu) {
			if (!load_ttbr(l, t0 ? t0 : &fake, "ttbr0", &p->regs.ttbr0))
				return false;
		}
		if (t1 || mmu) {
			if (!load_ttbr(l, t1 ? t1 : &fake, "ttbr1", &p->regs.ttbr1))
				return false;
		}
		p->regs.ttbr0 |= asid << 48;
		p->regs.ttbr1 |= asid << 48;
		p->regs.sctlr = mmu ? SCTLR_M : 0;
	}
	return true;
}

/* --- load ------------------------------------------------------------------------ */

static char *read_all(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;

	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return NULL;
	}
	if ((uint64_t)st.st_size > SCN_MAX_FILE) {
		snprintf(err, errlen, "%s: file too large (over %u bytes)", path, SCN_MAX_FILE);
		fclose(f);
		return NULL;
	}
	buf = scn_xcalloc((size_t)st.st_size + 1, 1);
	*len = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	return buf;
}

/*
 * Is source line @line (1-based) just after an 'asm:' block scalar? A label
 * indented less than the block's first line ends the block, and libyaml then
 * reports a confusing "expected key" a little later: the hint says why.
 */
static bool in_asm_block(const Ld *l, int line)
{
	const char *p = l->src, *end = l->src + l->srclen;
	int n = 1, last_asm = -1;

	for (const char *q = p; q < end && n <= line; q++) {
		if (q == p || q[-1] == '\n') {
			const char *t = q;
			while (t < end && (*t == ' ' || *t == '-'))
				t++;
			if ((size_t)(end - t) >= 4 && !strncmp(t, "asm:", 4))
				last_asm = n;
			else if (t < end && *t != '\n' && *t != '#' && q == t && *t != ' ')
				last_asm = -1;   /* a top-level key: no block is open */
		}
		if (*q == '\n')
			n++;
	}
	return last_asm > 0 && line - last_asm < 400;
}

/* libyaml's own problem, at its mark. */
static void yaml_fail(Ld *l, yaml_parser_t *p)
{
	Loc at = { (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1 };
	if (p->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a mark. */
		at.line = at.col = 1;
		for (size_t i = 0; i < p->problem_offset && i < l->srclen; i++) {
			if (l->src[i] == '\n')
				at.line++, at.col = 1;
			else
				at.col++;
		}
	}
	const char *hint = in_asm_block(l, at.line) ?
		"; inside an 'asm: |' block every line, labels included, must be indented at least as far as its first line" : "";
	if (p->error == YAML_MEMORY_ERROR)
		scn_fail_loc(l, at, "out of memory while parsing");
	else if (p->context)
		scn_fail_loc(l, at, "%s %s (line %d:%d)%s", p->problem ? p->problem : "bad YAML", p->context,
			 (int)p->context_mark.line + 1, (int)p->context_mark.column + 1, hint);
	else
		scn_fail_loc(l, at, "%s%s", p->problem ? p->problem : "bad YAML", hint);
}

static char *default_name(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	char *n = scn_xstrdup(b);
	size_t len = strlen(n);
	if (len > 5 && !strcmp(n + len - 5, ".yaml"))
		n[len - 5] = 0;
	else if (len > 4 && !strcmp(n + len - 4, ".yml"))
		n[len - 4] = 0;
	return n;
}

static bool load_root(Ld *l, yaml_node_t *root)
{
	static const char *const keys[] = {
		"bbmsim", "name", "description", "machine", "tables", "symbols", "data", "code", "kit", "pes",
		"expect", NULL,
	};
	Scenario *s = l->s;
	yaml_node_t *v;
	uint64_t ver;

	if (!scn_map_keys(l, root, "the scenario", keys))
		return false;
	if (!(v = scn_map_need(l, root, "bbmsim", "the scenario")) || !scn_get_u64(l, v, "bbmsim", 0, UINT64_MAX, &ver))
		return false;
	if (ver != 1)
		return scn_fail_at(l, v, "unsupported format version %llu (this bbmsim reads version 1)",
			       (unsigned long long)ver);
	if ((v = scn_map_get(l, root, "name"))) {
		const char *t = scn_scalar(v);
		if (!t || !*t)
			return scn_fail_at(l, v, "name must be non-empty text");
		free(s->name);
		s->name = scn_xstrdup(t);
	}
	if ((v = scn_map_get(l, root, "description"))) {
		if (!scn_scalar(v))
			return scn_fail_at(l, v, "description must be text, not %s", scn_type_text(v));
		s->description = scn_xstrdup(scn_scalar(v));
	}
	if (!(v = scn_map_need(l, root, "machine", "the scenario")) || !load_machine(l, v))
		return false;
	if (!collect_names(l, root))
		return false;
	if (!load_symbols(l, scn_map_get(l, root, "symbols")) || !load_data(l, scn_map_get(l, root, "data")) ||
	    !scn_kit_load(l, scn_map_get(l, root, "kit")) || !scn_load_code(l, scn_map_get(l, root, "code")) ||
	    !scn_load_tables(l, scn_map_get(l, root, "tables")))
		return false;
	scn_kit_unit(l);
	/* Every name has its value now (but the code's own symbols): link, then data and PEs may use those too. */
	if (!scn_link_code(l, scn_map_get(l, root, "code")) || !load_data_values(l))
		return false;
	if (!(v = scn_map_need(l, root, "pes", "the scenario")) || !load_pes(l, v) || !scn_kit_pes(l))
		return false;
	if (!scn_check_placement(l) || !scn_kit_placement(l))
		return false;
	return scn_load_expect(l, scn_map_get(l, root, "expect"));
}

Scenario *scenario_load(const char *path, char *err, size_t errlen)
{
	Scenario *s = scn_xcalloc(1, sizeof(*s));
	Ld l;
	yaml_parser_t parser;
	bool have_doc = false, ok = false;

	memset(&l, 0, sizeof(l));
	l.s = s;
	l.err = err;
	l.errlen = errlen;
	if (errlen)
		err[0] = 0;
	s->path = scn_xstrdup(path);
	s->name = default_name(path);
	machine_config_default(&s->cfg);
	s->cfg.mem_size = SCN_DEFAULT_MEM;
	s->cfg.max_insns = SCN_DEFAULT_INSNS;
	s->cfg.knobs.nt = BBM_NT_UNCACHED;
	for (int i = 0; i < BBM_LEVEL_COUNT; i++)
		s->run_level[i] = true;

	if (!(l.src = read_all(path, &l.srclen, err, errlen)))
		goto fail;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: cannot initialise the YAML parser", path);
		goto fail;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)l.src, l.srclen);
	if (!yaml_parser_load(&parser, &l.doc)) {
		yaml_fail(&l, &parser);
		yaml_parser_delete(&parser);
		goto fail;
	}
	have_doc = true;
	yaml_node_t *root = yaml_document_get_root_node(&l.doc);
	if (!root) {
		snprintf(err, errlen, "%s:1:1: the file holds no scenario (it is empty)", path);
		yaml_parser_delete(&parser);
		goto fail;
	}
	yaml_document_t extra;
	if (!yaml_parser_load(&parser, &extra)) {
		yaml_fail(&l, &parser);
		yaml_parser_delete(&parser);
		goto fail;
	}
	yaml_node_t *x = yaml_document_get_root_node(&extra);
	if (x) {
		scn_fail_at(&l, x, "only one YAML document per scenario file");
		yaml_document_delete(&extra);
		yaml_parser_delete(&parser);
		goto fail;
	}
	yaml_document_delete(&extra);
	yaml_parser_delete(&parser);
	ok = load_root(&l, root);
fail:
	if (have_doc)
		yaml_document_delete(&l.doc);
	free(l.src);
	free(l.code_node);
	free(l.word_node);
	free(l.maps);
	if (!ok) {
		scenario_free(s);
		return NULL;
	}
	return s;
}

void scenario_free(Scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nnames; i++)
		free(s->names[i].name);
	scn_code_free(s);
	free(s->names);
	free(s->words);
	free(s->img);
	free(s->steps);
	free(s->exp);
	free(s->path);
	free(s->name);
	free(s->description);
	free(s);
}

const char *scenario_name(const Scenario *s)
{
	return s->name;
}

const char *scenario_path(const Scenario *s)
{
	return s->path;
}

unsigned scenario_pes(const Scenario *s)
{
	return s->cfg.npes;
}

size_t scenario_levels(const Scenario *s, BbmLevel out[BBM_LEVEL_COUNT])
{
	size_t n = 0;
	for (int i = 0; i < BBM_LEVEL_COUNT; i++)
		if (s->run_level[i])
			out[n++] = (BbmLevel)i;
	return n;
}

void scenario_knobs_text(const Scenario *s, char *buf, size_t len)
{
	const MachineConfig *c = &s->cfg;
	char k[128];
	snprintf(buf, len, "walk_visibility=%s tlbi_completion=%s speculative=%s prefetch=%u ttl=%s %s",
		 c->walk_vis == WALK_VIS_IMMEDIATE ? "immediate" : "at-dsb",
		 c->tlbi_completion == TLBI_COMPLETE_AT_DSB ? "at-dsb" : "at-issue",
		 c->spec_fill == SPEC_FILL_NONE ? "none" : "adversarial", c->tlb_prefetch > 1 ? c->tlb_prefetch : 1,
		 c->ttl_strict ? "strict" : "lenient", bbm_knobs_format(&c->knobs, k, sizeof(k)));
}

bool scenario_ttl_strict(const Scenario *s)
{
	return s->cfg.ttl_strict;
}

size_t scenario_trees(const Scenario *s, const char **names, uint64_t *roots, uint64_t *va_bases, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nnames; i++) {
		const Name *nm = &s->names[i];
		if (nm->kind != NAME_TREE && nm->kind != NAME_RESERVED)
			continue;
		if (n < max) {
			bool ttbr1 = false;
			for (unsigned p = 0; p < s->cfg.npes; p++)
				if ((s->pe[p].regs.ttbr1 & DESC_OA_MASK) == nm->val &&
				    (s->pe[p].regs.ttbr0 & DESC_OA_MASK) != nm->val)
					ttbr1 = true;
			names[n] = nm->name;
			roots[n] = nm->val;
			va_bases[n] = ttbr1 ? 0xffff000000000000ull : 0;
		}
		n++;
	}
	return n;
}

bool scenario_symbolize(const Scenario *s, uint64_t pc, char *buf, size_t len)
{
	const LinkRegion *g = NULL;
	const LinkSymbol *best = NULL;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < s->nregion && !g; i++)
		if (s->region[i].len && pc - s->region[i].va < s->region[i].len)
			g = &s->region[i];
	if (!g)
		return false;
	/*
	 * csym is sorted by address: the innermost function whose extent holds
	 * pc, else the nearest symbol at or below pc (a label of inline asm).
	 */
	const LinkSymbol *in_fn = NULL;
	for (size_t i = 0; i < s->ncsym && s->csym[i].value <= pc; i++) {
		const LinkSymbol *y = &s->csym[i];
		if (y->unit != g->unit || y->value < g->va)
			continue;
		if (y->func && y->size && pc - y->value < y->size)
			in_fn = y;
		best = y;
	}
	if (in_fn)
		best = in_fn;
	if (!best)
		return false;
	snprintf(buf, len, "%s+0x%llx", best->name, (unsigned long long)(pc - best->value));
	return true;
}

bool scenario_pe_returned(const Scenario *s, Machine *m, unsigned pe, uint64_t *x0)
{
	if (!s->kit.on || pe >= machine_npes(m) || machine_pe_state(m, pe) != PE_HALTED ||
	    machine_pe_pc(m, pe) != s->kit.ret_va)
		return false;
	*x0 = machine_pe_x(m, pe, 0);
	return true;
}
