// SPDX-License-Identifier: GPL-2.0-only
/*
 * scenario_kit.c - the kernel kit (kit:, docs/scenario-format.md "The
 * kernel kit"): what a function taken from a kernel tree expects to find
 * when it runs, so that it runs as it does in the kernel.
 *
 *  - a stack per PE, in memory the scenario maps (the linear map, say), so
 *    that every push and spill goes through the TLB model;
 *  - current: SP_EL0 points at the PE's own task area;
 *  - per-CPU offsets: TPIDR_EL1 = PE i's per-CPU area minus the per-CPU
 *    template, the .data..percpu section the scenario places (in the
 *    kernel image, say), so a per-CPU variable is found at &var +
 *    TPIDR_EL1; the template is copied into every PE's area, as
 *    setup_per_cpu_areas() does. Without a template the offset is from
 *    PE 0's area (i * size) and the areas start as data leaves them;
 *  - kit_pgtable_alloc(): a zeroed page of the table pool, by PA, or 0
 *    when the pages reserved for it are gone; it zeroes the page through
 *    its linear-map VA (kit.linear), as the kernel's allocator does;
 *  - a return address: a PE whose first function returns halts there
 *    (kit_return: hlt #0), with the function's result in x0;
 *  - kit.stop_machine: every PE starts in kit_stop_machine, which counts
 *    itself in and waits (sevl; wfe; ldxr) until every PE has, as
 *    stop_machine()'s multi_cpu_stop does before running the callback;
 *    then PE kit.stop_machine.cpu calls fn(arg) and every other PE
 *    wait(wait_arg).
 *
 * The kit's code is guest code: a code entry generated here for the
 * scenario and linked with the others, at kit.code (its writable words at
 * kit.data). So the machine needs nothing new but two registers set at
 * reset (SP_EL0, TPIDR_EL1); the allocator's stores, the rendezvous and
 * the return are ordinary instructions, seen by the TLB model and the
 * analysis like any other. The registers the start uses (x16, x17, x18,
 * x30) are the ones no function reads on entry (AAPCS64: IP0, IP1, the
 * platform register, LR).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bbmsim/desc.h"
#include "bbmsim/walk.h"
#include "scenario_priv.h"

#define KIT_DEFAULT_STACK   (16u << 10)     /* arm64 THREAD_SIZE */
#define KIT_DEFAULT_AREA    (4u << 10)

/* --- reading kit: ----------------------------------------------------------------- */

/* {pa, va}: va defaults to pa. */
static bool load_place(Ld *l, yaml_node_t *n, const char *what, uint64_t *va, uint64_t *pa)
{
	static const char *const keys[] = { "pa", "va", NULL };
	yaml_node_t *v;
	char w[64];

	snprintf(w, sizeof(w), "%s.pa", what);
	if (!scn_map_keys(l, n, what, keys) || !(v = scn_map_need(l, n, "pa", what)) || !scn_get_value(l, v, w, pa))
		return false;
	*va = *pa;
	snprintf(w, sizeof(w), "%s.va", what);
	if ((v = scn_map_get(l, n, "va")) && !scn_get_value(l, v, w, va))
		return false;
	if ((*pa | *va) & (PAGE_SIZE - 1))
		return scn_fail_at(l, n, "%s: pa and va must be multiples of 4K", what);
	return true;
}

/* A per-PE area: {pa and/or va, size}; the one left out comes from kit.linear (or equals the other). */
static bool load_area(Ld *l, yaml_node_t *n, const char *what, uint64_t def_size, KitArea *a)
{
	static const char *const keys[] = { "pa", "va", "size", NULL };
	Kit *k = &l->s->kit;
	yaml_node_t *vp, *vv, *vs;
	char w[64];

	if (!scn_map_keys(l, n, what, keys))
		return false;
	vp = scn_map_get(l, n, "pa");
	vv = scn_map_get(l, n, "va");
	if (!vp && !vv)
		return scn_fail_at(l, n, "missing key 'pa' or 'va' in %s", what);
	snprintf(w, sizeof(w), "%s.pa", what);
	if (vp && !scn_get_value(l, vp, w, &a->pa))
		return false;
	snprintf(w, sizeof(w), "%s.va", what);
	if (vv && !scn_get_value(l, vv, w, &a->va))
		return false;
	uint64_t off = k->has_linear ? k->linear_va - k->linear_pa : 0;
	if (!vv)
		a->va = a->pa + off;
	if (!vp)
		a->pa = a->va - off;
	a->size = def_size;
	snprintf(w, sizeof(w), "%s.size", what);
	if ((vs = scn_map_get(l, n, "size")) && !scn_get_u64(l, vs, w, PAGE_SIZE, 1ull << 30, &a->size))
		return false;
	if ((a->pa | a->va | a->size) & (PAGE_SIZE - 1))
		return scn_fail_at(l, n, "%s: pa, va and size must be multiples of 4K", what);
	uint64_t total = a->size * l->s->cfg.npes;
	if (!scn_in_memory(l->s, a->pa, total))
		return scn_fail_at(l, n, "%s: %u PEs x 0x%llx bytes from pa 0x%llx do not fit in memory", what,
				   l->s->cfg.npes, (unsigned long long)a->size, (unsigned long long)a->pa);
	a->on = true;
	a->at = scn_loc_of(n);
	return true;
}

bool scn_kit_load(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = {
		"code", "data", "linear", "stacks", "tasks", "percpu", "pgtables", "stop_machine", NULL,
	};
	static const char *const lin_keys[] = { "va", "pa", NULL };
	Kit *k = &l->s->kit;
	yaml_node_t *v, *x;

	if (!n)
		return true;
	if (!scn_map_keys(l, n, "kit", keys))
		return false;
	l->kit_node = n;
	k->on = true;
	k->at = scn_loc_of(n);
	if (!(v = scn_map_need(l, n, "code", "kit")) || !load_place(l, v, "kit.code", &k->code_va, &k->code_pa))
		return false;
	if ((v = scn_map_get(l, n, "data"))) {
		if (!load_place(l, v, "kit.data", &k->data_va, &k->data_pa))
			return false;
		k->has_data = true;
		k->data_at = scn_loc_of(v);
	}
	if ((v = scn_map_get(l, n, "linear"))) {
		if (!scn_map_keys(l, v, "kit.linear", lin_keys) || !(x = scn_map_need(l, v, "va", "kit.linear")) ||
		    !scn_get_value(l, x, "kit.linear.va", &k->linear_va) ||
		    !(x = scn_map_need(l, v, "pa", "kit.linear")) || !scn_get_value(l, x, "kit.linear.pa", &k->linear_pa))
			return false;
		if ((k->linear_va | k->linear_pa) & (PAGE_SIZE - 1))
			return scn_fail_at(l, v, "kit.linear: va and pa must be multiples of 4K");
		k->has_linear = true;
	}
	if (((v = scn_map_get(l, n, "stacks")) && !load_area(l, v, "kit.stacks", KIT_DEFAULT_STACK, &k->stacks)) ||
	    ((v = scn_map_get(l, n, "tasks")) && !load_area(l, v, "kit.tasks", KIT_DEFAULT_AREA, &k->tasks)) ||
	    ((v = scn_map_get(l, n, "percpu")) && !load_area(l, v, "kit.percpu", KIT_DEFAULT_AREA, &k->percpu)))
		return false;
	if ((v = scn_map_get(l, n, "pgtables"))) {
		if (!scn_get_u64(l, v, "kit.pgtables", 1, 1u << 24, &k->pt_pages))
			return false;
		k->pt_at = scn_loc_of(v);
	}
	if ((v = scn_map_get(l, n, "stop_machine"))) {
		static const char *const sm_keys[] = { "cpu", "fn", "arg", "wait", "wait_arg", NULL };
		if (!scn_map_keys(l, v, "kit.stop_machine", sm_keys) || !scn_map_need(l, v, "fn", "kit.stop_machine"))
			return false;
		if ((x = scn_map_get(l, v, "cpu")) &&
		    !scn_get_int(l, x, "kit.stop_machine.cpu", 0, (int)l->s->cfg.npes - 1, &k->stop_cpu))
			return false;
		k->stop_machine = true;
		k->stop_at = scn_loc_of(v);
	}
	if ((k->pt_pages || k->stop_machine) && !k->has_data)
		return scn_fail_at(l, n, "missing key 'data' in kit: %s keeps words there (give {pa, va})",
				   k->stop_machine ? "kit.stop_machine" : "kit.pgtables");
	return true;
}

bool scn_kit_reserve(Ld *l)
{
	Kit *k = &l->s->kit;
	if (!k->pt_pages)
		return true;
	if (!l->s->has_pool)
		return scn_fail_loc(l, k->pt_at, "kit.pgtables needs a table pool (tables.pool)");
	for (uint64_t i = 0; i < k->pt_pages; i++) {
		uint64_t pa;
		if (!pt_alloc_table(&l->pb, &pa))
			return scn_fail_loc(l, k->pt_at, "the table pool is full: %llu of the %llu pages of "
					    "kit.pgtables fit (tables.pool is 0x%llx bytes)", (unsigned long long)i,
					    (unsigned long long)k->pt_pages, (unsigned long long)l->s->pool_size);
		if (!i)
			k->pt_first = pa;
	}
	return true;
}

/* --- the kit's code ----------------------------------------------------------------- */

void scn_kit_unit(Ld *l)
{
	Scenario *s = l->s;
	Kit *k = &s->kit;
	Str t = { 0 };

	if (!k->on)
		return;
	scn_str_add(&t, "// The bbmsim kernel kit for this scenario (sim/scenario_kit.c).\n"
		"\t.text\n"
		"// A PE's first function returns here: the PE halts, its result in x0.\n"
		"\t.global kit_return\n\t.type kit_return, %%function\n"
		"kit_return:\n\thlt #0\n\t.size kit_return, . - kit_return\n");
	if (k->stop_machine)
		scn_str_add(&t, "\n// stop_machine(): count in, wait for every PE, then call x16 with x0..x7 as given.\n"
			"\t.global kit_stop_machine\n\t.type kit_stop_machine, %%function\n"
			"kit_stop_machine:\n"
			"\tadrp x17, kit_stop_count\n"
			"\tadd x17, x17, :lo12:kit_stop_count\n"
			"1:\tldxr x30, [x17]\n"
			"\tadd x30, x30, #1\n"
			"\tstxr w18, x30, [x17]\n"
			"\tcbnz w18, 1b\n"
			"\tsevl\n"
			"2:\twfe\n"
			"\tldxr x30, [x17]\n"
			"\tcmp x30, #%u\n"
			"\tb.ne 2b\n"
			"\tadr x30, kit_return\n"
			"\tbr x16\n"
			"\t.size kit_stop_machine, . - kit_stop_machine\n", s->cfg.npes);
	if (k->pt_pages) {
		uint64_t off = k->has_linear ? k->linear_va - k->linear_pa : 0;
		scn_str_add(&t, "\n// phys_addr_t kit_pgtable_alloc(void): a zeroed page of the table pool (zeroed\n"
			"// through its linear-map VA), or 0 when the %llu pages are gone.\n"
			"\t.global kit_pgtable_alloc\n\t.type kit_pgtable_alloc, %%function\n"
			"kit_pgtable_alloc:\n"
			"\tadrp x2, kit_pgtable_next\n"
			"\tadd x2, x2, :lo12:kit_pgtable_next\n"
			"\tldr x3, =0x%llx\n"
			"1:\tldxr x0, [x2]\n"
			"\tcmp x0, x3\n"
			"\tb.hs 3f\n"
			"\tadd x1, x0, #0x1000\n"
			"\tstxr w4, x1, [x2]\n"
			"\tcbnz w4, 1b\n"
			"\tldr x1, =0x%llx\n"
			"\tadd x1, x0, x1\n"
			"\tmov x3, #64\n"
			"2:\tstp xzr, xzr, [x1]\n"
			"\tstp xzr, xzr, [x1, #16]\n"
			"\tstp xzr, xzr, [x1, #32]\n"
			"\tstp xzr, xzr, [x1, #48]\n"
			"\tadd x1, x1, #64\n"
			"\tsubs x3, x3, #1\n"
			"\tb.ne 2b\n"
			"\tret\n"
			"3:\tclrex\n"
			"\tmov x0, #0\n"
			"\tret\n"
			"\t.size kit_pgtable_alloc, . - kit_pgtable_alloc\n"
			"\t.ltorg\n",
			(unsigned long long)k->pt_pages,
			(unsigned long long)(k->pt_first + k->pt_pages * PAGE_SIZE), (unsigned long long)off);
	}
	if (k->has_data) {
		scn_str_add(&t, "\n\t.data\n\t.balign 8\n");
		if (k->stop_machine)
			scn_str_add(&t, "\t.global kit_stop_count\nkit_stop_count:\t.quad 0\n");
		if (k->pt_pages)
			scn_str_add(&t, "\t.global kit_pgtable_next\nkit_pgtable_next:\t.quad 0x%llx\n",
			    (unsigned long long)k->pt_first);
		/* Words nobody reads still give .data a byte, so that the section kit.data places exists. */
		if (!k->stop_machine && !k->pt_pages)
			scn_str_add(&t, "\t.quad 0\n");
	}

	s->code = realloc(s->code, (s->ncode + 1) * sizeof(*s->code));
	l->code_node = realloc(l->code_node, (s->ncode + 1) * sizeof(*l->code_node));
	if (!s->code || !l->code_node)
		abort();
	CodeBlock *c = &s->code[s->ncode];
	memset(c, 0, sizeof(*c));
	c->name = scn_xstrdup("kit");
	c->at = k->at;
	c->pa = k->code_pa;
	c->va = k->code_va;
	c->kind = LINK_ASM;
	c->text = t.s;
	if (k->has_data) {
		c->sect = scn_xcalloc(1, sizeof(*c->sect));
		c->sect[0] = (CodeSection){ .name = scn_xstrdup(".data"), .at = k->data_at, .va = k->data_va,
					    .pa = k->data_pa };
		c->nsect = 1;
	}
	l->code_node[s->ncode] = l->kit_node;
	k->unit = s->ncode++;
}

/* --- the PEs ------------------------------------------------------------------------ */

static uint64_t img_read_walk(void *ctx, uint64_t pa, int level)
{
	const Scenario *s = ctx;
	(void)level;
	if (pa < s->pool_pa || (pa - s->pool_pa) / 8 >= s->img_len)
		return 0;
	return s->img[(pa - s->pool_pa) / 8];
}

/* Does PE @i's initial translation of [va, +len) give [pa, +len)? The walk runs on the table image. */
static bool pe_maps(const Scenario *s, unsigned i, uint64_t va, uint64_t pa, uint64_t len, uint64_t *got)
{
	for (uint64_t o = 0; o < len; o += PAGE_SIZE) {
		WalkResult w;
		walk_translate(&s->pe[i].regs, va + o, img_read_walk, (void *)s, NULL, &w);
		if (w.fault || w.pa != pa + o) {
			*got = w.fault ? ~0ull : w.pa;
			return false;
		}
	}
	return true;
}

static bool check_area(Ld *l, const KitArea *a, const char *what, unsigned i)
{
	uint64_t got;
	if (!a->on || pe_maps(l->s, i, a->va + i * a->size, a->pa + i * a->size, a->size, &got))
		return true;
	char g[64];
	if (got == ~0ull)
		snprintf(g, sizeof(g), "it does not translate (a fault)");
	else
		snprintf(g, sizeof(g), "it translates to 0x%llx", (unsigned long long)got);
	return scn_fail_loc(l, a->at, "%s: PE %u's [0x%llx, +0x%llx) is not mapped to pa 0x%llx by its tables "
			    "(its TTBRs at the start): %s", what, i, (unsigned long long)(a->va + i * a->size),
			    (unsigned long long)a->size, (unsigned long long)(a->pa + i * a->size), g);
}

static uint64_t code_symbol(const Scenario *s, const char *name)
{
	for (size_t i = 0; i < s->ncsym; i++)
		if (s->csym[i].global && !strcmp(s->csym[i].name, name))
			return s->csym[i].value;
	return 0;
}

bool scn_kit_pes(Ld *l)
{
	Scenario *s = l->s;
	Kit *k = &s->kit;
	uint64_t fn = 0, arg = 0, wait = 0, wait_arg = 0;

	if (!k->on)
		return true;
	k->ret_va = code_symbol(s, "kit_return");
	k->pcpu_tmpl = -1;
	for (size_t r = 0; r < s->nregion && k->percpu.on; r++) {
		const LinkRegion *g = &s->region[r];
		if (g->place < 0 || strcmp(s->code[g->unit].sect[g->place].name, ".data..percpu"))
			continue;
		Loc at = s->code[g->unit].sect[g->place].at;
		if (k->pcpu_tmpl >= 0)
			return scn_fail_loc(l, at, "a second .data..percpu section: the kit's per-CPU template "
					    "is one section (put the per-CPU variables in one code entry)");
		if (g->len > k->percpu.size)
			return scn_fail_loc(l, at, "the per-CPU template .data..percpu (0x%zx bytes) is larger "
					    "than kit.percpu.size (0x%llx)", g->len, (unsigned long long)k->percpu.size);
		k->pcpu_tmpl = (long)r;
	}
	if (k->stop_machine) {
		yaml_node_t *sm = scn_map_get(l, l->kit_node, "stop_machine"), *v;
		if (!scn_get_value(l, scn_map_get(l, sm, "fn"), "kit.stop_machine.fn", &fn) ||
		    ((v = scn_map_get(l, sm, "arg")) && !scn_get_value(l, v, "kit.stop_machine.arg", &arg)))
			return false;
		wait = fn;
		wait_arg = arg;
		if (((v = scn_map_get(l, sm, "wait")) && !scn_get_value(l, v, "kit.stop_machine.wait", &wait)) ||
		    ((v = scn_map_get(l, sm, "wait_arg")) && !scn_get_value(l, v, "kit.stop_machine.wait_arg", &wait_arg)))
			return false;
	}
	for (unsigned i = 0; i < s->cfg.npes; i++) {
		PeInit *p = &s->pe[i];
		uint64_t given = l->pe_given[i];
		yaml_node_t *regs = scn_map_get(l, l->pe_node[i], "regs");

		if (p->el != 1)
			return scn_fail_loc(l, s->pe_at[i], "pes[%u]: the kit runs kernel code at EL1 (el: 1)", i);
		/* x30 is the return address; the start also uses x16, x17 and x18. */
		static const int used[] = { 30, 16, 17, 18 };
		for (int u = 0; u < (k->stop_machine ? 4 : 1); u++)
			if (given & (1ull << used[u])) {
				char r[8];
				snprintf(r, sizeof(r), "x%d", used[u]);
				return scn_fail_at(l, scn_map_get(l, regs, r), "pes[%u].regs.%s: the kit sets it (%s)", i, r,
						   used[u] == 30 ? "the return address kit_return" :
						   "kit_stop_machine uses x16, x17 and x18 before calling the function");
			}
		p->x[30] = k->ret_va;
		if (k->stop_machine) {
			bool cb = (int)i == k->stop_cpu;
			p->pc = code_symbol(s, "kit_stop_machine");
			p->x[16] = cb ? fn : wait;
			if (!(given & 1))
				p->x[0] = cb ? arg : wait_arg;
		}
		if (k->stacks.on && !(given & (1ull << 31)))
			p->sp = k->stacks.va + (i + 1) * k->stacks.size;
		if (k->tasks.on)
			p->sp_el0 = k->tasks.va + i * k->tasks.size;
		if (k->percpu.on)
			p->tpidr_el1 = k->percpu.va + i * k->percpu.size -
				       (k->pcpu_tmpl >= 0 ? s->region[k->pcpu_tmpl].va : k->percpu.va);
		if (!check_area(l, &k->stacks, "kit.stacks", i) || !check_area(l, &k->tasks, "kit.tasks", i) ||
		    !check_area(l, &k->percpu, "kit.percpu", i))
			return false;
	}
	return true;
}

/* --- placement and build -------------------------------------------------------------- */

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

bool scn_kit_placement(Ld *l)
{
	Scenario *s = l->s;
	Kit *k = &s->kit;
	const KitArea *area[3] = { &k->stacks, &k->tasks, &k->percpu };
	static const char *const what[3] = { "kit.stacks", "kit.tasks", "kit.percpu" };

	if (!k->on)
		return true;
	for (int a = 0; a < 3; a++) {
		const KitArea *x = area[a];
		if (!x->on)
			continue;
		uint64_t len = x->size * s->cfg.npes;
		if (s->has_pool && overlaps(x->pa, len, s->pool_pa, s->pool_size))
			return scn_fail_loc(l, x->at, "%s [0x%llx, +0x%llx) overlaps the table pool", what[a],
					    (unsigned long long)x->pa, (unsigned long long)len);
		for (int b = 0; b < a; b++)
			if (area[b]->on && overlaps(x->pa, len, area[b]->pa, area[b]->size * s->cfg.npes))
				return scn_fail_loc(l, x->at, "%s overlaps %s", what[a], what[b]);
		/*
		 * Code and data may give task and per-CPU areas their first contents
		 * (a .data..percpu section placed in PE 0's area); a stack starts empty.
		 */
		for (size_t r = 0; r < s->nregion; r++) {
			const LinkRegion *g = &s->region[r];
			if (g->len && overlaps(x->pa, len, g->pa, g->len) && (x == &k->stacks || g->unit == k->unit))
				return scn_fail_loc(l, x->at, "%s [0x%llx, +0x%llx) overlaps %s [0x%llx, +0x%zx)", what[a],
						    (unsigned long long)x->pa, (unsigned long long)len,
						    g->unit == k->unit ? "the kit's code or data" : "code",
						    (unsigned long long)g->pa, g->len);
		}
		if (x == &k->stacks)
			for (size_t w = 0; w < s->nwords; w++)
				if (overlaps(x->pa, len, s->words[w].pa, 8))
					return scn_fail_loc(l, x->at, "kit.stacks overlaps the data word at 0x%llx",
							    (unsigned long long)s->words[w].pa);
	}
	return true;
}

void scn_kit_build(const Scenario *s, Machine *m)
{
	const KitArea *a = &s->kit.percpu;
	if (!s->kit.on || !a->on || s->kit.pcpu_tmpl < 0)
		return;
	const LinkRegion *g = &s->region[s->kit.pcpu_tmpl];
	for (unsigned i = 0; i < s->cfg.npes; i++)
		machine_phys_write(m, a->pa + i * a->size, g->bytes, g->len);
	/* A data word in a PE's area is that PE's own first value: it wins over the template. */
	for (size_t w = 0; w < s->nwords; w++)
		if (s->words[w].pa >= a->pa && s->words[w].pa < a->pa + a->size * s->cfg.npes)
			machine_phys_write64(m, s->words[w].pa, s->words[w].val);
}
