// SPDX-License-Identifier: GPL-2.0-only
/*
 * explore_min.c - counterexamples: replay a schedule and judge one target,
 * minimize the schedule that first bit it, check the result on a freshly
 * built machine (what `bbmsim run --schedule` does) and find the access
 * that bit.
 *
 * Minimization is delta debugging (Zeller and Hildebrandt, 2002) over the
 * action list, preceded by cheap passes that usually remove most of it and
 * followed by passes over the steps themselves. A candidate is kept when
 * replaying it still bites the target and it is cheaper: fewer context
 * switches plus choices (TLB actions, walk values, store-exclusive
 * failures), then fewer instructions stepped. Replays are
 * deterministic, so a kept candidate always bites. The passes:
 *   1. the shortest prefix that still bites (binary search: the run after
 *      the prefix is the scenario's own schedule);
 *   2. sequential: between consecutive choices, each PE runs its steps
 *      in one piece, PE after PE (many interleavings only keep the readers
 *      busy);
 *   3. every step of one PE dropped (it then runs only after the prefix);
 *   4. ddmin: drop chunks of actions, halving the chunk size;
 *   5. each step count shortened (binary search);
 *   6. two steps of a PE merged into one (fewer context switches);
 * 4 to 6 are repeated while they help and the replay budget lasts. The
 * result is 1-minimal for the passes that ran to the end, which the report
 * says with the replays used.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "explore_priv.h"

/* --- replay -------------------------------------------------------------------------- */

/*
 * Minimization replays stop as soon as the target window bites (faults
 * and stale uses only grow, so the verdict at the end would be the same):
 * a bite often leaves the other PEs spinning to the instruction limit.
 */
static void early_event(Ex *ex, const Event *ev)
{
	const ExploreTarget *t = ex->early;

	if ((ev->type != EV_MEM && ev->type != EV_FAULT) || ev->pe != t->win.pe || ev->va < t->win.va ||
	    ev->va - t->win.va >= t->win.size)
		return;
	const Window *w;
	size_t nw = analysis_windows(ex->an, &w);
	if (ex->early_win < 0) {
		/* Find it by key: the same store, PE and range, the same occurrence. */
		unsigned occ = 0;
		char key[200];
		for (size_t i = 0; i < nw && ex->early_win < 0; i++) {
			if (w[i].pe != t->win.pe || w[i].kind != t->win.kind || w[i].va != t->win.va ||
			    w[i].size != t->win.size || w[i].cause.pc != t->win.cause.pc ||
			    w[i].cause.desc_pa != t->win.cause.desc_pa || w[i].cause.level != t->win.cause.level)
				continue;
			ex_window_key(&w[i], occ++, key, sizeof(key));
			if (!strcmp(key, t->key))
				ex->early_win = (long)i;
		}
		if (ex->early_win < 0)
			return;
	}
	if (w[ex->early_win].faults || w[ex->early_win].stale_uses)
		ex->early_stop = 1;
}

void ex_detail_event(Ex *ex, const Event *ev)
{
	ExDetail *d = ex->detail;

	if (ex->early) {
		early_event(ex, ev);
		if (!d)
			return;
	}
	if (ev->pe >= 0 && ev->pe < MACHINE_MAX_PES && ev->type == EV_INSN)
		d->last_pc[ev->pe] = ev->pc;
	if (d->bit || d->win < 0 || (ev->type != EV_MEM && ev->type != EV_FAULT))
		return;
	const Window *w;
	size_t nw = analysis_windows(ex->an, &w);
	if ((size_t)d->win >= nw)
		return;
	const Window *x = &w[d->win];
	if (ev->pe != x->pe || (!x->faults && !x->stale_uses))
		return;
	ExploreBite *b = &d->bite;
	d->bit = true;
	b->has_access = true;
	b->tick = ev->tick;
	b->pe = ev->pe;
	b->pc = ev->type == EV_FAULT && ev->pc ? ev->pc : d->last_pc[ev->pe];
	b->va = ev->va;
	b->pa = ev->type == EV_MEM ? ev->pa : 0;
	b->access = ev->access;
	if (ev->type == EV_FAULT && ev->fault == FAULT_TLB_CONFLICT)
		snprintf(b->what, sizeof(b->what), "TLB conflict abort");
	else if (ev->type == EV_FAULT)
		snprintf(b->what, sizeof(b->what), "%s fault", fault_kind_name(ev->fault));
	else
		snprintf(b->what, sizeof(b->what), "stale use");
}

/* The bite of a fault or expectation target, read after the run. */
static void describe_after(Ex *ex, const ExploreTarget *t, RunEnd end, ExDetail *d)
{
	ExploreBite *b = &d->bite;

	if (t->kind == TARGET_EXPECTATION) {
		ExpectResult *er;
		size_t ne = scenario_check(ex->s, ex->level, ex->m, end, ex->an, &er);
		for (size_t i = 0; i < ne; i++) {
			char key[320];
			snprintf(key, sizeof(key), "expect %s", er[i].where);
			if (!strcmp(key, t->key) && !er[i].ok) {
				d->bit = true;
				snprintf(b->what, sizeof(b->what), "expectation failed");
				snprintf(b->text, sizeof(b->text), "%s", er[i].text);
			}
		}
		free(er);
		return;
	}
	if (d->bit || strncmp(t->key, "fault ", 6))
		return;
	const FaultRecord *f;
	size_t nf = machine_faults(ex->m, &f);
	for (size_t i = 0; i < nf && !d->bit; i++) {
		char key[200];
		ex_fault_key(&f[i], key, sizeof(key));
		if (strcmp(key, t->key))
			continue;
		d->bit = true;
		b->has_access = true;
		b->tick = f[i].tick;
		b->pe = f[i].pe;
		b->pc = f[i].pc;
		b->va = f[i].va;
		b->access = f[i].access;
		snprintf(b->what, sizeof(b->what), "%s", f[i].kind == FAULT_TLB_CONFLICT ? "TLB conflict abort" : "translation fault");
	}
}

bool ex_replay_bites(Ex *ex, const ExploreTarget *t, const Schedule *sched, bool fresh, ExDetail *d, long *win)
{
	Machine *saved = ex->m, *fm = NULL;
	char err[1024];

	if (fresh) {
		AnalysisPe apes[MACHINE_MAX_PES];
		BbmKnobs knobs;
		fm = scenario_build(ex->s, ex->level, NULL, apes, &knobs, err, sizeof(err));
		if (!fm)
			return false;
		ex->m = fm;
	} else if (!scenario_reset(ex->s, ex->m, err, sizeof(err))) {
		return false;
	}
	ex_exec_begin(ex);
	ex->detail = d;
	RunEnd end;
	if (!fresh && !d && t->kind != TARGET_EXPECTATION && t->has_window) {
		/* Minimizing: the same replay, but it may stop once the window bit. */
		ex->early = t;
		ex->early_win = -1;
		ex->early_stop = 0;
		machine_set_stop_flag(ex->m, &ex->early_stop);
		for (size_t i = 0; i < sched->n && !ex->early_stop; i++)
			schedule_apply(ex->m, &sched->a[i]);
		end = ex->early_stop ? RUN_INTERRUPTED : machine_run(ex->m);
		machine_set_stop_flag(ex->m, NULL);
		ex->early = NULL;
	} else {
		end = schedule_replay(ex->m, sched);
	}
	analysis_finish(ex->an, machine_tick(ex->m));
	bool bit = ex_target_bites(ex, t, end, win);
	if (d)
		describe_after(ex, t, end, d);
	ex->detail = NULL;
	machine_set_event_fn(ex->m, NULL, NULL);
	analysis_free(ex->an);
	ex->an = NULL;
	if (fm) {
		machine_free(fm);
		ex->m = saved;
	}
	return bit;
}

/* --- minimization ---------------------------------------------------------------------------- */

typedef struct Min {
	Ex *ex;
	ExploreTarget *t;
	uint64_t left, used;
	Schedule best;
	ScheduleStats bs;
} Min;

/*
 * The order the minimizer reduces: switches and choices (fills, evictions,
 * walk values, store-exclusive failures), then instructions, then actions.
 */
static uint64_t choices(const ScheduleStats *s)
{
	return (uint64_t)s->switches + s->fills + s->evictions + s->walks + s->stxr_fails;
}

static int cost_cmp(const ScheduleStats *a, size_t an, const ScheduleStats *b, size_t bn)
{
	uint64_t ea = choices(a), eb = choices(b);
	if (ea != eb)
		return ea < eb ? -1 : 1;
	if (a->steps != b->steps)
		return a->steps < b->steps ? -1 : 1;
	return an < bn ? -1 : an > bn ? 1 : 0;
}

/* Keep @c (normalized here) when it is cheaper than the best and still bites. */
static bool try_cand(Min *mn, Schedule *c)
{
	ScheduleStats st;

	schedule_normalize(c);
	schedule_stats(c, &st);
	if (cost_cmp(&st, c->n, &mn->bs, mn->best.n) >= 0 || !mn->left)
		return false;
	mn->left--;
	mn->used++;
	if (!ex_replay_bites(mn->ex, mn->t, c, false, NULL, NULL))
		return false;
	schedule_copy(&mn->best, c);
	mn->bs = st;
	return true;
}

/* 1. The shortest prefix that bites (assuming that longer prefixes keep biting). */
static void pass_prefix(Min *mn)
{
	Schedule c;
	size_t lo = 0, hi = mn->best.n;

	schedule_init(&c);
	while (lo < hi && mn->left) {
		size_t mid = lo + (hi - lo) / 2;
		c.n = 0;
		for (size_t i = 0; i < mid; i++)
			schedule_add(&c, mn->best.a[i].kind, mn->best.a[i].pe, mn->best.a[i].arg);
		size_t before = mn->best.n;
		if (try_cand(mn, &c))
			hi = mid < mn->best.n ? mid : mn->best.n;
		else
			lo = mid + 1;
		if (mn->best.n != before && hi > mn->best.n)
			hi = mn->best.n;
	}
	schedule_fini(&c);
}

/* 2. Between TLB actions, each PE's steps in one piece, in PE order @order. */
static void pass_sequential(Min *mn, const unsigned *order, unsigned npes)
{
	uint64_t want[MACHINE_MAX_PES] = { 0 }, done[MACHINE_MAX_PES] = { 0 };
	Schedule c;

	schedule_init(&c);
	for (size_t i = 0; i <= mn->best.n; i++) {
		const SchedAct *a = i < mn->best.n ? &mn->best.a[i] : NULL;
		if (a && a->kind == SCHED_ACT_STEP) {
			want[a->pe] += a->arg;
			continue;
		}
		for (unsigned k = 0; k < npes; k++) {
			unsigned pe = order[k];
			schedule_add(&c, SCHED_ACT_STEP, pe, want[pe] - done[pe]);
			done[pe] = want[pe];
		}
		if (a)
			schedule_add(&c, a->kind, a->pe, a->arg);
	}
	try_cand(mn, &c);
	schedule_fini(&c);
}

/* 3. Drop every step of one PE. */
static void pass_drop_pe(Min *mn, unsigned npes)
{
	Schedule c;

	schedule_init(&c);
	for (unsigned pe = 0; pe < npes && mn->left; pe++) {
		c.n = 0;
		for (size_t i = 0; i < mn->best.n; i++)
			if (mn->best.a[i].kind != SCHED_ACT_STEP || mn->best.a[i].pe != pe)
				schedule_add(&c, mn->best.a[i].kind, mn->best.a[i].pe, mn->best.a[i].arg);
		try_cand(mn, &c);
	}
	schedule_fini(&c);
}

/* 4. ddmin: remove chunks of the action list (the complement of each chunk is tried). */
static bool pass_ddmin(Min *mn)
{
	Schedule c;
	bool any = false;
	size_t n = 2;

	schedule_init(&c);
	while (mn->best.n >= 1 && mn->left) {
		size_t len = mn->best.n, chunk = (len + n - 1) / n;
		bool removed = false;
		for (size_t start = 0; start < len && mn->left; start += chunk) {
			c.n = 0;
			for (size_t i = 0; i < len; i++)
				if (i < start || i >= start + chunk)
					schedule_add(&c, mn->best.a[i].kind, mn->best.a[i].pe, mn->best.a[i].arg);
			if (try_cand(mn, &c)) {
				removed = any = true;
				break;
			}
		}
		if (removed) {
			n = n > 2 ? n - 1 : 2;
			continue;
		}
		if (chunk <= 1)
			break;
		n = n * 2 < mn->best.n ? n * 2 : mn->best.n;
	}
	schedule_fini(&c);
	return any;
}

/* 5. Shorten each step (binary search on its count). */
static bool pass_counts(Min *mn)
{
	Schedule c;
	bool any = false;

	schedule_init(&c);
	for (size_t i = mn->best.n; i-- > 0 && mn->left;) {
		if (i >= mn->best.n || mn->best.a[i].kind != SCHED_ACT_STEP || mn->best.a[i].arg <= 1)
			continue;
		uint64_t lo = 1, hi = mn->best.a[i].arg;
		while (lo < hi && mn->left && i < mn->best.n) {
			uint64_t mid = lo + (hi - lo) / 2;
			schedule_copy(&c, &mn->best);
			c.a[i].arg = mid;
			size_t before = mn->best.n;
			if (try_cand(mn, &c)) {
				any = true;
				if (mn->best.n != before)
					break;       /* merged with a neighbour: the indices moved */
				hi = mid;
			} else {
				lo = mid + 1;
			}
		}
	}
	schedule_fini(&c);
	return any;
}

/* 6. Merge two steps of one PE: the later one's count into the earlier one, or the reverse. */
static bool pass_merge(Min *mn)
{
	Schedule c;
	bool any = false;

	schedule_init(&c);
	for (size_t i = 0; i < mn->best.n && mn->left; i++) {
		if (mn->best.a[i].kind != SCHED_ACT_STEP)
			continue;
		for (size_t j = i + 1; j < mn->best.n && mn->left; j++) {
			if (mn->best.a[j].kind != SCHED_ACT_STEP || mn->best.a[j].pe != mn->best.a[i].pe)
				continue;
			for (int dir = 0; dir < 2; dir++) {
				schedule_copy(&c, &mn->best);
				size_t keep = dir ? j : i, drop = dir ? i : j;
				c.a[keep].arg += c.a[drop].arg;
				c.a[drop].arg = 0;
				if (try_cand(mn, &c)) {
					any = true;
					break;
				}
			}
			break;
		}
	}
	schedule_fini(&c);
	return any;
}

static void minimize(Ex *ex, ExploreTarget *t)
{
	Min mn = { .ex = ex, .t = t, .left = ex->o->min_replays };
	unsigned npes = ex->npes, order[MACHINE_MAX_PES];

	schedule_init(&mn.best);
	schedule_copy(&mn.best, &t->witness);
	schedule_normalize(&mn.best);
	schedule_stats(&mn.best, &mn.bs);
	if (!mn.best.n || !mn.left) {
		schedule_fini(&mn.best);
		return;
	}
	/* The cost of the found schedule, so that any cheaper candidate is tried. */
	mn.bs.steps++;
	pass_prefix(&mn);
	for (unsigned i = 0; i < npes; i++)
		order[i] = i;
	pass_sequential(&mn, order, npes);
	for (unsigned i = 0; i < npes; i++)
		order[i] = npes - 1 - i;
	pass_sequential(&mn, order, npes);
	pass_drop_pe(&mn, npes);
	for (bool more = true; more && mn.left;) {
		more = pass_ddmin(&mn);
		more |= pass_counts(&mn);
		more |= pass_merge(&mn);
	}
	if (mn.used) {
		schedule_copy(&t->witness, &mn.best);
		schedule_stats(&t->witness, &t->wstats);
	}
	schedule_stats(&t->witness, &t->wstats);
	t->min_replays += mn.used;
	schedule_fini(&mn.best);
}

void ex_minimize_all(Ex *ex)
{
	ExploreResult *r = ex->r;

	for (size_t i = 0; i < r->nt; i++) {
		ExploreTarget *t = &r->t[i];
		if (!t->bitten)
			continue;
		/*
		 * One schedule often bites several targets (the window, and the
		 * expectations its abort fails): start from the witness already
		 * minimized for an earlier target the same schedule bit, if it bites
		 * this one too.
		 */
		for (size_t k = 0; k < i && t->witness.n; k++) {
			const ExploreTarget *u = &r->t[k];
			if (u->bitten && u->found_at == t->found_at && u->found_shard == t->found_shard &&
			    u->witness.n < t->witness.n && ex_replay_bites(ex, t, &u->witness, false, NULL, NULL)) {
				schedule_copy(&t->witness, &u->witness);
				t->min_replays++;
				break;
			}
		}
		/* The first pass must see the found schedule bite; if it does not, keep it as found. */
		if (t->witness.n && ex_replay_bites(ex, t, &t->witness, false, NULL, NULL))
			minimize(ex, t);
		ExDetail d = { .t = t, .win = -1 };
		long win = -1;
		t->verified = ex_replay_bites(ex, t, &t->witness, true, NULL, &win);
		d.win = win;
		ex_replay_bites(ex, t, &t->witness, true, &d, NULL);
		if (d.bit)
			t->bite = d.bite;
		else
			snprintf(t->bite.what, sizeof(t->bite.what), "%s", t->kind == TARGET_EXPECTATION ? "expectation failed" : "bite");
	}
}
