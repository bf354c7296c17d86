// SPDX-License-Identifier: GPL-2.0-only
/*
 * explore.c - `bbmsim explore`: run a scenario under many schedules and
 * TLB choices and find the ones in which a window of the default run
 * bites (docs/explore.md).
 *
 * The default run (the scenario's own schedule, exactly `bbmsim run`)
 * names the targets: its windows and the expectations of the level. Then
 * each explored execution starts from the scenario's initial state
 * (scenario_reset, reusing the Unicorn engines) and, at every choice
 * point, takes one enabled action:
 *   - step PE i: its next instruction, which touches shared state, then
 *     every register-only instruction after it (they commute with every
 *     other PE's actions, so choosing between them adds nothing);
 *   - fill PE i VA: PE i caches the translation of VA now (ARM-TLBALLOC),
 *     when that changes its TLB;
 *   - evict PE i VA: PE i drops its entry for VA, when it holds one whose
 *     descriptor has changed (dropping a current entry only makes a later
 *     access refill the same one);
 *   - walk PE i VA (walk_visibility at-dsb): PE i's walker sees now the
 *     table stores on its walk of VA still pending for it (RSPVBD: any
 *     time before the storer's DSB), recorded as "walk PE PA" lines;
 *   - stxr-fail PE i: PE i's next instruction, a store-exclusive, fails
 *     spuriously, then its register-only instructions run.
 * The VAs are pages of the default run's windows the window's PE accessed
 * (or the window's first page). Three strategies choose: uniformly at
 * random; PCT (Burckhardt et al., ASPLOS 2010: random priorities, d - 1
 * change points); and a depth-first search with sleep sets over the
 * footprints of the actions (models/por.c), branching in the first
 * max_depth choice points, which does not explore a state again
 * (explore_hash.c); a fourth, bounded preemption, is explore_preempt.c.
 * Every execution is recorded as a schedule
 * (schedule.h) that replays it exactly; the first one that bites a target
 * is minimized afterwards (explore_min.c).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bbmsim/sysinsn.h"
#include "explore_priv.h"

const char *explore_strategy_name(ExploreStrategy s)
{
	static const char *const names[] = { "random", "pct", "exhaustive", "preempt" };
	return (unsigned)s < 4 ? names[s] : "?";
}

bool explore_strategy_parse(const char *s, ExploreStrategy *out)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, explore_strategy_name((ExploreStrategy)i))) {
			*out = (ExploreStrategy)i;
			return true;
		}
	return false;
}

const char *target_kind_name(TargetKind k)
{
	static const char *const names[] = { "window", "expectation", "other" };
	return (unsigned)k < 3 ? names[k] : "?";
}

void explore_options_default(ExploreOptions *o)
{
	memset(o, 0, sizeof(*o));
	o->strategy = EXPLORE_RANDOM;
	o->seed = 1;
	o->budget = 200;
	o->pct_depth = 3;
	o->max_depth = 512;
	o->preemptions = 2;
	o->state_hash = true;
	o->nshards = 1;
	o->min_replays = 400;
}

/* --- keys ------------------------------------------------------------------------------ */

uint64_t ex_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h ? h : 1;
}

static void keymap_grow(KeyMap *k)
{
	KeyMap n = { .cap = k->cap ? k->cap * 2 : 64 };
	n.h = calloc(n.cap, sizeof(*n.h));
	n.v = calloc(n.cap, sizeof(*n.v));
	for (size_t i = 0; i < k->cap; i++)
		if (k->h[i]) {
			size_t j = k->h[i] & (n.cap - 1);
			while (n.h[j])
				j = (j + 1) & (n.cap - 1);
			n.h[j] = k->h[i];
			n.v[j] = k->v[i];
		}
	n.n = k->n;
	free(k->h);
	free(k->v);
	*k = n;
}

/*
 * Keys are long and distinct in practice; a collision of their 64-bit
 * hashes would merge two targets (the second is then never recorded).
 */
void keymap_put(KeyMap *k, const char *key, size_t idx)
{
	if (2 * (k->n + 1) > k->cap)
		keymap_grow(k);
	uint64_t h = ex_hash(key);
	size_t j = h & (k->cap - 1);
	while (k->h[j] && k->h[j] != h)
		j = (j + 1) & (k->cap - 1);
	if (!k->h[j])
		k->n++;
	k->h[j] = h;
	k->v[j] = (uint32_t)idx + 1;
}

long keymap_get(const KeyMap *k, const char *key)
{
	if (!k->cap)
		return -1;
	uint64_t h = ex_hash(key);
	for (size_t j = h & (k->cap - 1); k->h[j]; j = (j + 1) & (k->cap - 1))
		if (k->h[j] == h)
			return (long)k->v[j] - 1;
	return -1;
}

void keymap_fini(KeyMap *k)
{
	free(k->h);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/*
 * A window is the same window in another run when the same store (PC,
 * descriptor) opened it for the same PE over the same VA range; @occ counts
 * the earlier windows of the run with those fields (a store in a loop).
 * Ticks and severity are left out: they follow the schedule.
 */
void ex_window_key(const Window *w, unsigned occ, char *buf, size_t len)
{
	snprintf(buf, len, "window %s PE%d va=0x%" PRIx64 " size=0x%" PRIx64 " by=0x%" PRIx64 " desc=0x%" PRIx64 " L%d #%u",
		 window_kind_name(w->kind), w->pe, w->va, w->size, w->cause.pc, w->cause.desc_pa, w->cause.level, occ);
}

void ex_window_keys(Ex *ex, const Window *w, size_t nw, char (*keys)[200])
{
	WinKeys *wk = &ex->wk;

	keymap_fini(&wk->base);
	if (nw > wk->cap) {
		wk->cap = nw;
		wk->occ = realloc(wk->occ, nw * sizeof(*wk->occ));
	}
	for (size_t i = 0; i < nw; i++) {
		char base[200];
		ex_window_key(&w[i], 0, base, sizeof(base));
		long j = keymap_get(&wk->base, base);
		unsigned occ = j < 0 ? 0 : wk->occ[j] + 1;
		if (j >= 0)
			wk->occ[j] = occ;
		else {
			keymap_put(&wk->base, base, i);
			wk->occ[i] = 0;
		}
		ex_window_key(&w[i], occ, keys[i], sizeof(keys[i]));
	}
}

void ex_fault_key(const FaultRecord *f, char *buf, size_t len)
{
	snprintf(buf, len, "fault %s PE%d pc=0x%" PRIx64 " va=0x%" PRIx64, fault_kind_name(f->kind), f->pe, f->pc,
		 f->va & ~(uint64_t)0xfff);
}

/* --- events and the TLB actions ------------------------------------------------------- */

static void seen_add(uint64_t **v, size_t *n, uint64_t page)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == page)
			return;
	if (*n == EX_SEEN_PAGES)
		return;
	if (!*v)
		*v = malloc(EX_SEEN_PAGES * sizeof(**v));
	(*v)[(*n)++] = page;
}

void ex_event(void *ctx, const Event *ev)
{
	Ex *ex = ctx;

	if (ex->cur_fp)
		footprint_event(ex->cur_fp, ev, &ex->rules);
	switch (ev->type) {
	case EV_DESC_WRITE: case EV_TLB_FILL: case EV_TLB_EVICT: case EV_TLB_INVAL: case EV_SYSREG:
	case EV_DSB: case EV_HALT: case EV_WFE_SLEEP: case EV_WAKE: case EV_EXC_ENTRY: case EV_EXC_RETURN:
		ex->gen++;
		break;
	default:
		break;
	}
	if (ex->observing && ev->pe >= 0 && ev->pe < MACHINE_MAX_PES) {
		if (ev->type == EV_MEM)
			seen_add(&ex->seen[ev->pe], &ex->nseen[ev->pe], ev->va & ~0xfffull);
		else if (ev->type == EV_INSN) {
			seen_add(&ex->fetched[ev->pe], &ex->nfetched[ev->pe], ev->pc & ~0xfffull);
			ex->shared_insns += sysinsn_is_shared(ev->insn);
			ex->saw_stx |= sysinsn_is_store_exclusive(ev->insn, NULL);
		}
	}
	if (ex->an)
		analysis_event(ex->an, ev);
	if (ex->hash)
		ex_hash_event(ex, ev);
	if (ex->detail || ex->early)
		ex_detail_event(ex, ev);
}

static bool pe_alive(const Ex *ex, unsigned pe)
{
	PeState st = machine_pe_state(ex->m, pe);
	return st == PE_RUNNING || st == PE_SLEEPING;
}

/* Is @pe's next instruction a store-exclusive? (The PC's page from the fetch cache when it holds.) */
static bool next_is_stxr(Ex *ex, unsigned pe)
{
	uint64_t pc = machine_pe_pc(ex->m, pe), pa;
	uint32_t insn;

	if (pc & 3)
		return false;
	if (ex->fc_gen[pe] == ex->gen && ex->fc_page[pe] == (pc & ~0xfffull))
		pa = ex->fc_pa[pe] + (pc & 0xfff);
	else if (!machine_pe_translate(ex->m, pe, pc, &pa))
		return false;
	return machine_phys_read(ex->m, pa, &insn, 4) && sysinsn_is_store_exclusive(insn, NULL);
}

static PorSet enabled_actions(Ex *ex)
{
	PorSet en = 0;

	if (ex->limit_hit)
		return 0;
	for (unsigned i = 0; i < ex->npes; i++)
		if (machine_pe_state(ex->m, i) == PE_RUNNING)
			en |= (PorSet)1 << i;
	PorSet running = en;
	for (unsigned a = ex->stx0; a < ex->nact; a++)
		if ((running >> (a - ex->stx0) & 1) && next_is_stxr(ex, a - ex->stx0))
			en |= (PorSet)1 << a;
	if (!running || ex->tlb_acts >= EX_TLB_ACTS_MAX || !ex->npairs)
		return en;
	if (ex->en_gen != ex->gen) {
		ex->en_tlb = 0;
		for (unsigned k = 0; k < ex->npairs; k++) {
			const ExPair *p = &ex->pair[k];
			if (!pe_alive(ex, p->pe))
				continue;
			if (machine_pe_fill(ex->m, p->pe, p->va, true))
				ex->en_tlb |= (PorSet)1 << (ex->npes + 2 * k);
			if (machine_pe_holds_stale(ex->m, p->pe, p->va))
				ex->en_tlb |= (PorSet)1 << (ex->npes + 2 * k + 1);
			if (ex->walk0 + k < ex->stx0 && machine_pe_see_walk(ex->m, p->pe, p->va, NULL, 0, true))
				ex->en_tlb |= (PorSet)1 << (ex->walk0 + k);
		}
		ex->en_gen = ex->gen;
	}
	return en | ex->en_tlb;
}

/* Is the instruction at @pe's PC a choice point: shared, or fetched from a watched page? */
static bool next_is_shared(Ex *ex, unsigned pe)
{
	uint64_t pc = machine_pe_pc(ex->m, pe), page = pc & ~0xfffull;
	uint32_t insn;

	/* The PC's page translation, kept while nothing that could change it happened (gen). */
	if (ex->fc_gen[pe] != ex->gen || ex->fc_page[pe] != page) {
		uint64_t pa;
		if (!machine_pe_translate(ex->m, pe, pc, &pa))
			return true;     /* the fetch faults: a translation event */
		ex->fc_page[pe] = page;
		ex->fc_pa[pe] = pa & ~0xfffull;
		ex->fc_gen[pe] = ex->gen;
		ex->fc_watched[pe] = false;
		for (size_t i = 0; i < ex->nwatch; i++)
			if (ex->watch[i].pe == pe && page >= ex->watch[i].lo && page < ex->watch[i].hi)
				ex->fc_watched[pe] = true;
	}
	if (ex->fc_watched[pe] || (pc & 3))
		return true;
	if (!machine_phys_read(ex->m, ex->fc_pa[pe] + (pc & 0xfff), &insn, 4))
		return true;
	return sysinsn_is_shared(insn);
}

/* Run @pe's register-only instructions up to its next choice point. Returns how many ran. */
static uint64_t settle(Ex *ex, unsigned pe)
{
	uint64_t n = 0;
	while (machine_pe_state(ex->m, pe) == PE_RUNNING && !next_is_shared(ex, pe)) {
		if (!machine_step(ex->m, pe)) {
			ex->limit_hit = true;
			break;
		}
		n++;
	}
	return n;
}

static void take_action(Ex *ex, unsigned a, Footprint *fp)
{
	ex->cur_fp = fp;
	if (a < ex->npes) {
		uint64_t n = 0;
		if (machine_step(ex->m, a))
			n = 1 + settle(ex, a);
		else
			ex->limit_hit = true;
		schedule_add(&ex->trace, SCHED_ACT_STEP, a, n);
	} else if (a >= ex->stx0) {
		/* What a failed store-exclusive changes (a register, the monitor) is in no event. */
		unsigned pe = a - ex->stx0;
		uint64_t n = 0;
		fp->global = true;
		if (machine_step_stxr_fail(ex->m, pe))
			n = settle(ex, pe);
		else
			ex->limit_hit = true;
		schedule_add(&ex->trace, SCHED_ACT_STXR_FAIL, pe, 1);
		schedule_add(&ex->trace, SCHED_ACT_STEP, pe, n);
	} else if (a >= ex->walk0) {
		/* What the walker reads there changes: writes of the words, and of the translation. */
		const ExPair *p = &ex->pair[a - ex->walk0];
		uint64_t pas[8];
		size_t n = machine_pe_see_walk(ex->m, p->pe, p->va, pas, 8, false);
		for (size_t k = 0; k < n && k < 8; k++) {
			footprint_add(fp, true, pas[k]);
			schedule_add(&ex->trace, SCHED_ACT_WALK, p->pe, pas[k]);
		}
		footprint_add(fp, true, FOOTPRINT_TLB_WORD(p->pe, p->va, ex->rules.tlb_shift));
		footprint_add(fp, true, FOOTPRINT_XLAT_WORD(p->va));
		ex->tlb_acts++;
		ex->gen++;
	} else {
		unsigned k = (a - ex->npes) / 2;
		bool evict = (a - ex->npes) % 2;
		const ExPair *p = &ex->pair[k];
		footprint_add(fp, true, FOOTPRINT_TLB_WORD(p->pe, p->va, ex->rules.tlb_shift));
		footprint_add(fp, false, FOOTPRINT_XLAT_WORD(p->va));
		if (evict) {
			machine_pe_evict(ex->m, p->pe, p->va, false);
			ex->r->evictions++;
		} else {
			machine_pe_fill(ex->m, p->pe, p->va, false);
			ex->r->fills++;
			if (ex->nfills == ex->cfills) {
				ex->cfills = ex->cfills ? ex->cfills * 2 : 32;
				ex->fills = realloc(ex->fills, ex->cfills * sizeof(*ex->fills));
			}
			ex->fills[ex->nfills++] = (ExFill){ p->pe, p->va, machine_tick(ex->m) };
		}
		ex->tlb_acts++;
		schedule_add(&ex->trace, evict ? SCHED_ACT_EVICT : SCHED_ACT_FILL, p->pe, p->va);
		ex->gen++;
	}
	ex->cur_fp = NULL;
}

static uint64_t an_read(void *ctx, uint64_t pa)
{
	return machine_phys_read64(ctx, pa);
}

void ex_exec_begin(Ex *ex)
{
	ex->an = analysis_new(ex->apes, ex->npes, &ex->knobs, an_read, ex->m);
	analysis_set_ttl_strict(ex->an, scenario_ttl_strict(ex->s));
	machine_set_event_fn(ex->m, ex_event, ex);
	schedule_clear(&ex->trace);
	ex->nfills = 0;
	ex->tlb_acts = 0;
	ex->limit_hit = false;
	ex->gen++;               /* >= 1: a zeroed cache entry never matches */
	ex->en_gen = 0;
	memset(ex->fc_gen, 0, sizeof(ex->fc_gen));
}

RunEnd ex_exec_end(Ex *ex)
{
	bool running = false, sleeping = false;

	for (unsigned i = 0; i < ex->npes; i++) {
		PeState st = machine_pe_state(ex->m, i);
		running |= st == PE_RUNNING;
		sleeping |= st == PE_SLEEPING;
	}
	analysis_finish(ex->an, machine_tick(ex->m));
	return running ? RUN_LIMIT : sleeping ? RUN_DEADLOCK : RUN_ALL_HALTED;
}

/* --- targets ------------------------------------------------------------------------------ */

static ExploreTarget *target_add(ExploreResult *r, KeyMap *map, TargetKind kind, const char *key)
{
	r->t = realloc(r->t, (r->nt + 1) * sizeof(*r->t));
	ExploreTarget *t = &r->t[r->nt];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	snprintf(t->key, sizeof(t->key), "%s", key);
	schedule_init(&t->witness);
	keymap_put(map, key, r->nt);
	r->nt++;
	return t;
}

static void window_label(const Window *w, char *buf, size_t len)
{
	snprintf(buf, len, "PE%d %s %s VA 0x%" PRIx64 "+0x%" PRIx64 " (%s; opened by PE%d at pc 0x%" PRIx64 ")", w->pe,
		 window_kind_name(w->kind), severity_name(w->severity), w->va, w->size, w->why, w->cause.pe,
		 w->cause.pc);
}

/* Is a fault of PE @pe at @va, @tick inside one of the run's windows of that PE? */
static bool fault_in_window(const Window *w, size_t nw, int pe, uint64_t va, uint64_t tick)
{
	for (size_t i = 0; i < nw; i++)
		if (w[i].pe == pe && va >= w[i].va && va - w[i].va < w[i].size && tick >= w[i].open_tick &&
		    tick <= w[i].close_tick)
			return true;
	return false;
}

static bool fault_counts(FaultKind k)
{
	return k == FAULT_TRANSLATION || k == FAULT_TLB_CONFLICT;
}

static bool end_judged(RunEnd end)
{
	return end == RUN_ALL_HALTED || end == RUN_DEADLOCK;
}

static void record_bite(Ex *ex, ExploreTarget *t, uint64_t exec)
{
	if (t->bitten)
		return;
	t->bitten = true;
	t->found_at = exec;
	t->found_shard = ex->o->shard;
	schedule_copy(&t->witness, &ex->trace);
	schedule_stats(&t->witness, &t->found);
	t->wstats = t->found;
}

/*
 * An execution (or the default run, @exec 0) ended with @end: count what
 * it covered (explored schedules only: every shard runs the default run)
 * and record what bit.
 */
static void evaluate(Ex *ex, RunEnd end, uint64_t exec)
{
	ExploreResult *r = ex->r;
	const Window *w;
	size_t nw = analysis_windows(ex->an, &w);
	char (*keys)[200] = malloc((nw ? nw : 1) * sizeof(*keys));
	uint64_t c = exec > 0;

	ex_window_keys(ex, w, nw, keys);
	for (size_t i = 0; i < nw; i++) {
		long j = keymap_get(&ex->tmap, keys[i]);
		bool bite = w[i].faults || w[i].stale_uses;
		if (j < 0 && !bite)
			continue;
		ExploreTarget *t;
		if (j < 0) {
			t = target_add(r, &ex->tmap, TARGET_OTHER, keys[i]);
			t->has_window = true;
			t->win = w[i];
			window_label(&w[i], t->label, sizeof(t->label));
		} else {
			t = &r->t[j];
		}
		t->seen += c;
		t->accessed += c && w[i].accesses > 0;
		for (size_t f = 0; f < ex->nfills; f++)
			if ((int)ex->fills[f].pe == w[i].pe && ex->fills[f].va >= w[i].va &&
			    ex->fills[f].va - w[i].va < w[i].size && ex->fills[f].tick >= w[i].open_tick &&
			    ex->fills[f].tick <= w[i].close_tick) {
				t->filled += c;
				break;
			}
		if (bite)
			record_bite(ex, t, exec);
	}
	const FaultRecord *f;
	size_t nf = machine_faults(ex->m, &f);
	for (size_t i = 0; i < nf; i++) {
		if (!fault_counts(f[i].kind) || fault_in_window(w, nw, f[i].pe, f[i].va, f[i].tick))
			continue;
		char key[200];
		ex_fault_key(&f[i], key, sizeof(key));
		long j = keymap_get(&ex->tmap, key);
		ExploreTarget *t = j >= 0 ? &r->t[j] : target_add(r, &ex->tmap, TARGET_OTHER, key);
		if (j < 0)
			snprintf(t->label, sizeof(t->label), "%s fault outside every window: PE%d pc 0x%" PRIx64 " VA 0x%" PRIx64,
				 fault_kind_name(f[i].kind), f[i].pe, f[i].pc, f[i].va);
		t->seen += c;
		record_bite(ex, t, exec);
	}
	if (end_judged(end)) {
		ExpectResult *er;
		size_t ne = scenario_check(ex->s, ex->level, ex->m, end, ex->an, &er);
		for (size_t i = 0; i < ne; i++) {
			char key[320];
			snprintf(key, sizeof(key), "expect %s", er[i].where);
			long j = keymap_get(&ex->tmap, key);
			if (j < 0)
				continue;
			r->t[j].seen += c;
			if (!er[i].ok)
				record_bite(ex, &r->t[j], exec);
		}
		free(er);
	}
	free(keys);
}

bool ex_target_bites(Ex *ex, const ExploreTarget *t, RunEnd end, long *win)
{
	if (win)
		*win = -1;
	if (t->kind == TARGET_EXPECTATION) {
		if (!end_judged(end))
			return false;
		ExpectResult *er;
		bool bit = false;
		size_t ne = scenario_check(ex->s, ex->level, ex->m, end, ex->an, &er);
		for (size_t i = 0; i < ne; i++) {
			char key[320];
			snprintf(key, sizeof(key), "expect %s", er[i].where);
			if (!strcmp(key, t->key))
				bit = !er[i].ok;
		}
		free(er);
		return bit;
	}
	const Window *w;
	size_t nw = analysis_windows(ex->an, &w);
	if (!strncmp(t->key, "fault ", 6)) {
		const FaultRecord *f;
		size_t nf = machine_faults(ex->m, &f);
		for (size_t i = 0; i < nf; i++) {
			char key[200];
			ex_fault_key(&f[i], key, sizeof(key));
			if (!strcmp(key, t->key) && !fault_in_window(w, nw, f[i].pe, f[i].va, f[i].tick))
				return true;
		}
		return false;
	}
	char (*keys)[200] = malloc((nw ? nw : 1) * sizeof(*keys));
	bool bit = false;
	ex_window_keys(ex, w, nw, keys);
	for (size_t i = 0; i < nw; i++)
		if (!strcmp(keys[i], t->key)) {
			bit = w[i].faults || w[i].stale_uses;
			if (win)
				*win = (long)i;
			break;
		}
	free(keys);
	return bit;
}

/* --- the default run: targets and the actions they call for ----------------------------- */

static bool default_run(Ex *ex, char *err, size_t errlen)
{
	ExploreResult *r = ex->r;

	ex->m = scenario_build(ex->s, ex->level, NULL, ex->apes, &ex->knobs, err, errlen);
	if (!ex->m)
		return false;
	ex->npes = machine_npes(ex->m);
	ex->observing = true;
	ex_exec_begin(ex);
	RunEnd end = machine_run(ex->m);
	ex->observing = false;
	analysis_finish(ex->an, machine_tick(ex->m));
	r->default_ticks = machine_tick(ex->m);

	/* Targets: every window, every expectation of the level. */
	const Window *w;
	size_t nw = analysis_windows(ex->an, &w);
	char (*keys)[200] = malloc((nw ? nw : 1) * sizeof(*keys));
	ex_window_keys(ex, w, nw, keys);
	for (size_t i = 0; i < nw; i++) {
		ExploreTarget *t = target_add(r, &ex->tmap, TARGET_WINDOW, keys[i]);
		t->has_window = true;
		t->win = w[i];
		window_label(&w[i], t->label, sizeof(t->label));
	}
	free(keys);
	ExpectResult *er;
	size_t ne = scenario_check(ex->s, ex->level, ex->m, end, ex->an, &er);
	for (size_t i = 0; i < ne; i++) {
		char key[320];
		snprintf(key, sizeof(key), "expect %s", er[i].where);
		if (keymap_get(&ex->tmap, key) >= 0)
			continue;
		ExploreTarget *t = target_add(r, &ex->tmap, TARGET_EXPECTATION, key);
		snprintf(t->label, sizeof(t->label), "%.150s: %.160s", er[i].where, er[i].text);
		/* The part before ": got" names the expectation; the default run's outcome follows. */
		char *got = strstr(t->label, ": got ");
		if (got && got > t->label + strlen(er[i].where) + 2)
			*got = 0;
	}
	free(er);

	/* TLB actions: pages of each window its PE accessed, or the window's first page. */
	unsigned maxpairs = (POR_MAX_ACTIONS - ex->npes) / 2;
	if (maxpairs > EX_PAIRS_MAX)
		maxpairs = EX_PAIRS_MAX;
	for (size_t i = 0; i < nw; i++) {
		unsigned pe = (unsigned)w[i].pe, got = 0;
		uint64_t cand[EX_PAGES_PER_WINDOW];
		for (size_t k = 0; pe < MACHINE_MAX_PES && k < ex->nseen[pe] && got < EX_PAGES_PER_WINDOW; k++) {
			uint64_t p = ex->seen[pe][k];
			if (p >= w[i].va && p - w[i].va < w[i].size)
				cand[got++] = p;
		}
		if (!got)
			cand[got++] = w[i].va;
		for (unsigned c = 0; c < got; c++) {
			bool dup = false;
			for (unsigned k = 0; k < ex->npairs && !dup; k++)
				dup = ex->pair[k].pe == pe && (ex->pair[k].va >> 12) == (cand[c] >> 12);
			if (dup)
				continue;
			r->tlb_candidates++;
			if (ex->npairs < maxpairs)
				ex->pair[ex->npairs++] = (ExPair){ pe, cand[c] };
		}
		/* Code the PE fetched inside its window: every instruction there is a choice point. */
		for (size_t k = 0; pe < MACHINE_MAX_PES && k < ex->nfetched[pe]; k++) {
			uint64_t p = ex->fetched[pe][k];
			if (p >= w[i].va && p - w[i].va < w[i].size) {
				ex->watch = realloc(ex->watch, (ex->nwatch + 1) * sizeof(*ex->watch));
				ex->watch[ex->nwatch++] = (ExRange){ pe, w[i].va, w[i].va + w[i].size };
				break;
			}
		}
	}
	r->tlb_pairs = ex->npairs;
	ex->nact = ex->npes + 2 * ex->npairs;
	r->pct_steps = ex->shared_insns ? ex->shared_insns : 1;

	/* The default run is schedule 0: what bites in it bites with the empty schedule. */
	evaluate(ex, end, 0);
	analysis_free(ex->an);
	ex->an = NULL;
	return true;
}

/* --- strategies ------------------------------------------------------------------------- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned nth_bit(PorSet s, unsigned n)
{
	for (;; n--) {
		unsigned b = (unsigned)__builtin_ctzll(s);
		if (!n)
			return b;
		s &= s - 1;
	}
}

typedef struct Pct {
	unsigned prio[POR_MAX_ACTIONS];
	uint64_t change[16];     /* change[i] = k_(i+1): the step at which the acting agent drops to priority i + 1 */
	unsigned nchange;
	uint64_t steps;
} Pct;

/*
 * PCT: the agents are the PEs and the TLB actions; each gets a distinct
 * random priority from d up, and d - 1 change points k_1..k_(d-1) are drawn
 * uniformly from the first k steps; at step k_i the agent that acts drops
 * to priority i, below every initial one. The highest-priority enabled
 * agent always acts. After k steps (k: the default run's choice points) the
 * tail is uniform, so a spinning PE with the top priority cannot starve
 * the PE it waits for until the instruction limit.
 */
static void pct_init(Pct *p, const Ex *ex, uint64_t *rng)
{
	unsigned d = ex->o->pct_depth ? ex->o->pct_depth : 1, n = ex->nact;
	uint64_t k = ex->r->pct_steps;

	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < n; i++)
		p->prio[i] = d + i;
	for (unsigned i = n; i > 1; i--) {
		unsigned j = (unsigned)(splitmix(rng) % i), t = p->prio[i - 1];
		p->prio[i - 1] = p->prio[j];
		p->prio[j] = t;
	}
	p->nchange = d - 1 < 16 ? d - 1 : 16;
	for (unsigned i = 0; i < p->nchange; i++)
		p->change[i] = 1 + splitmix(rng) % k;
}

static unsigned pct_choose(Pct *p, const Ex *ex, PorSet en, uint64_t *rng)
{
	unsigned a;

	p->steps++;
	if (p->steps > ex->r->pct_steps) {
		a = nth_bit(en, (unsigned)(splitmix(rng) % (unsigned)__builtin_popcountll(en)));
	} else {
		unsigned best = 0;
		a = (unsigned)__builtin_ctzll(en);
		for (PorSet s = en; s; s &= s - 1) {
			unsigned b = (unsigned)__builtin_ctzll(s);
			if (p->prio[b] > best) {
				best = p->prio[b];
				a = b;
			}
		}
		for (unsigned i = 0; i < p->nchange; i++)
			if (p->change[i] == p->steps)
				p->prio[a] = i + 1;
	}
	return a;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool out_of_time(const Ex *ex, double t0)
{
	if (ex->o->stop && *ex->o->stop) {
		ex->r->interrupted = true;
		return true;
	}
	return ex->o->seconds > 0 && now_s() - t0 >= ex->o->seconds;
}

static bool reset_machine(Ex *ex)
{
	char err[256];
	return scenario_reset(ex->s, ex->m, err, sizeof(err));
}

/* Random and PCT: schedule j (1-based, over all shards) belongs to shard (j - 1) % nshards. */
static void search_random(Ex *ex, double t0)
{
	const ExploreOptions *o = ex->o;
	ExploreResult *r = ex->r;
	unsigned n = o->nshards ? o->nshards : 1;

	for (uint64_t j = 1 + o->shard; !o->budget || j <= o->budget; j += n) {
		if (out_of_time(ex, t0) || !reset_machine(ex))
			break;
		uint64_t rng = o->seed * 0x2545f4914f6cdd1dull ^ (j * 0x9e3779b97f4a7c15ull);
		Pct pct;
		if (o->strategy == EXPLORE_PCT)
			pct_init(&pct, ex, &rng);
		ex_exec_begin(ex);
		for (unsigned i = 0; i < ex->npes; i++)
			schedule_add(&ex->trace, SCHED_ACT_STEP, i, settle(ex, i));
		for (;;) {
			PorSet en = enabled_actions(ex);
			if (!en)
				break;
			unsigned a = o->strategy == EXPLORE_PCT
					     ? pct_choose(&pct, ex, en, &rng)
					     : nth_bit(en, (unsigned)(splitmix(&rng) % (unsigned)__builtin_popcountll(en)));
			Footprint fp = { 0 };
			take_action(ex, a, &fp);
			r->choice_points++;
		}
		RunEnd end = ex_exec_end(ex);
		r->schedules++;
		r->insns += machine_tick(ex->m);
		r->truncated += end == RUN_LIMIT;
		evaluate(ex, end, j);
		analysis_free(ex->an);
		ex->an = NULL;
	}
}

/* Exhaustive: depth-first with sleep sets; executions are numbered in search order, per shard. */
static void search_exhaustive(Ex *ex, double t0)
{
	const ExploreOptions *o = ex->o;
	ExploreResult *r = ex->r;
	unsigned n = o->nshards ? o->nshards : 1;
	uint64_t budget = o->budget ? (o->budget + n - 1) / n : 0, execs = 0;
	PorDfs dfs;

	por_dfs_init(&dfs, ex->nact, o->max_depth ? o->max_depth : 1);
	por_dfs_set_shard(&dfs, o->shard, n, 3);
	/* The hashes also count the distinct final states, with or without pruning. */
	ex_hash_init(ex);
	r->state_hash = o->state_hash;
	for (;;) {
		if ((budget && execs >= budget) || out_of_time(ex, t0) || !reset_machine(ex))
			break;
		ex_exec_begin(ex);
		if (ex->hash)
			ex_hash_exec_begin(ex);
		for (unsigned i = 0; i < ex->npes; i++)
			schedule_add(&ex->trace, SCHED_ACT_STEP, i, settle(ex, i));
		size_t depth = 0;
		int a = 0;
		for (;;) {
			PorSet en = enabled_actions(ex);
			if (!en)
				break;
			Footprint fp = { 0 };
			if (depth < dfs.max_depth) {
				/* A new node whose state was explored with as much left: a repeat (explore_hash.c). */
				if (o->state_hash && depth >= dfs.nframes &&
				    ex_hash_visit(ex, depth, depth < dfs.cap ? dfs.st[depth].sleep : 0)) {
					a = EX_STATE_SEEN;
					break;
				}
				a = por_dfs_choose(&dfs, depth, en);
				if (a < 0)
					break;
				take_action(ex, (unsigned)a, &fp);
				por_dfs_taken(&dfs, depth, (unsigned)a, &fp);
			} else {
				/* Past the bound the execution runs on without branching: the lowest enabled action. */
				take_action(ex, (unsigned)__builtin_ctzll(en), &fp);
			}
			depth++;
			r->choice_points++;
		}
		RunEnd end = ex_exec_end(ex);
		if (a == POR_REDUNDANT) {
			r->pruned++;
		} else if (a == EX_STATE_SEEN) {
			r->state_pruned++;
		} else if (a >= 0 && por_dfs_mine(&dfs, depth)) {
			if (end != RUN_LIMIT)
				ex_hash_final(ex);
			execs++;
			r->schedules++;
			r->insns += machine_tick(ex->m);
			r->truncated += end == RUN_LIMIT;
			evaluate(ex, end, execs);
		}
		analysis_free(ex->an);
		ex->an = NULL;
		if (!por_dfs_backtrack(&dfs, depth)) {
			r->complete = true;
			break;
		}
	}
	por_dfs_fini(&dfs);
	ex_hash_fini(ex);
}

/* --- for the strategies in other files (explore_preempt.c) --------------------------------- */

PorSet ex_enabled(Ex *ex)
{
	return enabled_actions(ex);
}

void ex_take(Ex *ex, unsigned a, Footprint *fp)
{
	take_action(ex, a, fp);
	ex->r->choice_points++;
}

bool ex_exec_start(Ex *ex)
{
	if (!reset_machine(ex))
		return false;
	ex_exec_begin(ex);
	for (unsigned i = 0; i < ex->npes; i++)
		schedule_add(&ex->trace, SCHED_ACT_STEP, i, settle(ex, i));
	return true;
}

void ex_exec_finish(Ex *ex, uint64_t exec)
{
	RunEnd end = ex_exec_end(ex);
	if (exec) {
		ex->r->schedules++;
		ex->r->insns += machine_tick(ex->m);
		ex->r->truncated += end == RUN_LIMIT;
		evaluate(ex, end, exec);
	}
	analysis_free(ex->an);
	ex->an = NULL;
}

bool ex_out_of_time(const Ex *ex, double t0)
{
	return out_of_time(ex, t0);
}

bool explore_level(const Scenario *s, BbmLevel level, const ExploreOptions *o, ExploreResult *r, char *err,
		   size_t errlen)
{
	Ex ex = { .s = s, .level = level, .o = o, .r = r };
	double t0 = now_s();

	memset(r, 0, sizeof(*r));
	r->level = level;
	r->strategy = o->strategy;
	r->seed = o->seed;
	r->budget = o->budget;
	r->pct_depth = o->pct_depth;
	r->max_depth = o->max_depth;
	r->preemptions = o->preemptions;
	r->shard = o->shard;
	r->nshards = o->nshards ? o->nshards : 1;
	schedule_init(&ex.trace);
	bool ok = default_run(&ex, err, errlen);
	if (ok) {
		ex.rules = (FootprintRules){ .tlb_shift = 30, .spec_fill = false, .analysis = true };
		/* Under speculative: adversarial a table store fills every PE's TLB: it is global. */
		char knobs[512];
		scenario_knobs_text(s, knobs, sizeof(knobs));
		ex.rules.spec_fill = strstr(knobs, "speculative=adversarial") != NULL;
		/*
		 * Walk values are choices only where stores stay pending (at-dsb);
		 * store-exclusive failures when the default run ran one; each
		 * when it fits.
		 */
		ex.walk0 = ex.stx0 = ex.nact;
		if (strstr(knobs, "walk_visibility=at-dsb") && ex.nact + ex.npairs <= POR_MAX_ACTIONS)
			ex.stx0 = ex.nact += ex.npairs;
		if (ex.saw_stx && ex.nact + ex.npes <= POR_MAX_ACTIONS)
			ex.nact += ex.npes;
		if (o->strategy == EXPLORE_EXHAUSTIVE)
			search_exhaustive(&ex, t0);
		else if (o->strategy == EXPLORE_PREEMPT)
			ex_search_preempt(&ex, t0);
		else
			search_random(&ex, t0);
		r->seconds = now_s() - t0;
		double t1 = now_s();
		ex_minimize_all(&ex);
		r->min_seconds = now_s() - t1;
	}
	machine_free(ex.m);
	analysis_free(ex.an);
	schedule_fini(&ex.trace);
	free(ex.fills);
	free(ex.watch);
	for (unsigned i = 0; i < MACHINE_MAX_PES; i++) {
		free(ex.seen[i]);
		free(ex.fetched[i]);
	}
	keymap_fini(&ex.tmap);
	keymap_fini(&ex.wk.base);
	free(ex.wk.occ);
	return ok;
}

void explore_result_fini(ExploreResult *r)
{
	for (size_t i = 0; i < r->nt; i++)
		schedule_fini(&r->t[i].witness);
	free(r->t);
	memset(r, 0, sizeof(*r));
}

size_t explore_count(const ExploreResult *r, int kind, bool bitten_only)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nt; i++)
		if ((kind < 0 || (int)r->t[i].kind == kind) && (!bitten_only || r->t[i].bitten))
			n++;
	return n;
}

/* Does @a's witness come before @b's (found first: lower schedule, then lower shard)? */
static bool found_first(const ExploreTarget *a, const ExploreTarget *b)
{
	return a->found_at != b->found_at ? a->found_at < b->found_at : a->found_shard < b->found_shard;
}

void explore_result_merge(ExploreResult *into, const ExploreResult *from)
{
	KeyMap map = { 0 };

	for (size_t i = 0; i < into->nt; i++)
		keymap_put(&map, into->t[i].key, i);
	into->schedules += from->schedules;
	into->truncated += from->truncated;
	into->pruned += from->pruned;
	into->states += from->states;
	into->state_pruned += from->state_pruned;
	into->final_states += from->final_states;
	into->complete = into->complete && from->complete;
	into->choice_points += from->choice_points;
	into->fills += from->fills;
	into->evictions += from->evictions;
	into->insns += from->insns;
	into->seconds = into->seconds > from->seconds ? into->seconds : from->seconds;
	into->min_seconds = into->min_seconds > from->min_seconds ? into->min_seconds : from->min_seconds;
	into->interrupted |= from->interrupted;
	for (size_t i = 0; i < from->nt; i++) {
		const ExploreTarget *f = &from->t[i];
		long j = keymap_get(&map, f->key);
		if (j < 0) {
			into->t = realloc(into->t, (into->nt + 1) * sizeof(*into->t));
			ExploreTarget *t = &into->t[into->nt];
			*t = *f;
			schedule_init(&t->witness);
			schedule_copy(&t->witness, &f->witness);
			keymap_put(&map, t->key, into->nt);
			into->nt++;
			continue;
		}
		ExploreTarget *t = &into->t[j];
		uint64_t seen = t->seen + f->seen, accessed = t->accessed + f->accessed, filled = t->filled + f->filled;
		if (f->bitten && (!t->bitten || found_first(f, t))) {
			Schedule w = t->witness;
			*t = *f;
			t->witness = w;
			schedule_copy(&t->witness, &f->witness);
		}
		t->seen = seen;
		t->accessed = accessed;
		t->filled = filled;
	}
	keymap_fini(&map);
}
