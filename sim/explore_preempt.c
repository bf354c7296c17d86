// SPDX-License-Identifier: GPL-2.0-only
/*
 * explore_preempt.c - the bounded-preemption strategy of `bbmsim explore`
 * (`--strategy preempt --preemptions K`): every schedule with at most K
 * preemptions, those with fewer first (iterative context bounding, Musuvathi
 * and Qadeer, PLDI 2007, as in CHESS).
 *
 * The agents are the explorer's actions (explore.c): the PEs' steps and the
 * fill and evict actions of each (PE, VA) pair, as for PCT. At a choice
 * point the agent that acted last may go on; taking any other enabled
 * action while it is still enabled is a preemption. When it is not enabled
 * (its PE halted or sleeps in WFE, the fill was made, the stale entry
 * dropped, or at the start) every enabled action is free. A fill that
 * interrupts a running PE therefore costs one preemption, and the switch
 * after it is free: "PE0 runs, PE1 caches a translation, PE1 runs" costs
 * one.
 *
 * The search is a work list by preemption count. Level 0 is one item, the
 * empty prefix. An item is run as a depth-first search over its free
 * choices (re-running the machine from the initial state for each
 * execution and replaying the prefix); at each new choice point where the
 * last agent continues, every other enabled action is a prefix of the next
 * level (one preemption more), unless the bound is reached. So every
 * execution runs once, and every schedule of at most K preemptions is run
 * once, in order of preemption count. Deterministic: no randomness; the
 * order is that of the action numbers.
 *
 * Shards: every shard runs level 0 (shard 1 counts it); the items of level
 * 1 are numbered as they are found and shard I keeps those numbered I - 1
 * mod N, with everything that grows from them. The union of the shards is
 * the whole search when each completes. The budget is split evenly, as for
 * the exhaustive search; the work list holds at most as many items as
 * executions are left in the budget (without a budget, PR_QUEUE_MAX), and
 * a search that had to drop one is not complete.
 */
#include <stdlib.h>
#include <string.h>
#include "explore_priv.h"

#define PR_QUEUE_MAX 65536

typedef struct PrItem {
	uint8_t *path;           /* the choices (action numbers) from the initial state */
	size_t len;
} PrItem;

typedef struct PrQueue {
	PrItem *v;
	size_t n, cap;
} PrQueue;

typedef struct PrFrame {
	size_t depth;
	PorSet rest;             /* free choices at this depth not yet taken */
} PrFrame;

typedef struct Pr {
	Ex *ex;
	double t0;
	unsigned k, shard, nshards;
	uint64_t budget, execs, level1;
	PrQueue next;
	size_t left;             /* items of the current level not yet run */
	bool dropped, stopped;
	uint8_t *path;
	size_t len, cap;
	PrFrame *fr;
	size_t nfr, cfr;
} Pr;

static void path_set(Pr *p, size_t depth, uint8_t a)
{
	if (depth >= p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		while (p->cap <= depth)
			p->cap *= 2;
		p->path = realloc(p->path, p->cap);
	}
	p->path[depth] = a;
	p->len = depth + 1;
}

/* The prefix path[0..depth) + @a, one preemption more, if it is this shard's and fits. */
static void enqueue(Pr *p, size_t depth, unsigned a, unsigned level)
{
	if (level == 1 && p->nshards > 1 && p->level1++ % p->nshards != p->shard)
		return;
	size_t limit = p->budget ? p->budget : PR_QUEUE_MAX;
	if (p->execs + p->left + p->next.n >= limit) {
		p->dropped = true;
		return;
	}
	if (p->next.n == p->next.cap) {
		p->next.cap = p->next.cap ? p->next.cap * 2 : 64;
		p->next.v = realloc(p->next.v, p->next.cap * sizeof(*p->next.v));
	}
	PrItem *it = &p->next.v[p->next.n++];
	it->len = depth + 1;
	it->path = malloc(it->len);
	memcpy(it->path, p->path, depth);
	it->path[depth] = (uint8_t)a;
}

/* Run item @it (its prefix has @level preemptions): every execution its free choices lead to. */
static void run_item(Pr *p, const PrItem *it, unsigned level)
{
	Ex *ex = p->ex;

	p->len = 0;
	for (size_t d = 0; d < it->len; d++)
		path_set(p, d, it->path[d]);
	p->nfr = 0;
	for (;;) {
		if ((p->budget && p->execs >= p->budget) || ex_out_of_time(ex, p->t0) || !ex_exec_start(ex)) {
			p->stopped = true;
			return;
		}
		ExploreResult *r = ex->r;
		uint64_t cp = r->choice_points, fills = r->fills, evictions = r->evictions;
		size_t depth = 0;
		int last = -1;
		for (;; depth++) {
			PorSet en = ex_enabled(ex);
			unsigned a;
			if (!en)
				break;
			if (depth < p->len) {
				a = p->path[depth];
				if (!(en >> a & 1))
					break;   /* cannot happen: the machine is deterministic */
			} else if (last >= 0 && (en >> last & 1)) {
				a = (unsigned)last;
				if (level < p->k)
					for (PorSet o = en & ~((PorSet)1 << a); o; o &= o - 1)
						enqueue(p, depth, (unsigned)__builtin_ctzll(o), level + 1);
				path_set(p, depth, (uint8_t)a);
			} else {
				a = (unsigned)__builtin_ctzll(en);
				PorSet rest = en & ~((PorSet)1 << a);
				if (rest) {
					if (p->nfr == p->cfr) {
						p->cfr = p->cfr ? p->cfr * 2 : 16;
						p->fr = realloc(p->fr, p->cfr * sizeof(*p->fr));
					}
					p->fr[p->nfr++] = (PrFrame){ depth, rest };
				}
				path_set(p, depth, (uint8_t)a);
			}
			Footprint fp = { 0 };
			ex_take(ex, a, &fp);
			last = (int)a;
		}
		/* Level 0 runs in every shard; the first counts it. */
		bool mine = level > 0 || p->shard == 0;
		ex_exec_finish(ex, mine ? ++p->execs : 0);
		if (!mine) {
			/* Its counts are shard 1's, so that merged shards count as one search. */
			r->choice_points = cp;
			r->fills = fills;
			r->evictions = evictions;
		}
		/* The deepest free choice with an action left. */
		while (p->nfr && !p->fr[p->nfr - 1].rest)
			p->nfr--;
		if (!p->nfr)
			return;
		PrFrame *f = &p->fr[p->nfr - 1];
		unsigned a = (unsigned)__builtin_ctzll(f->rest);
		f->rest &= f->rest - 1;
		path_set(p, f->depth, (uint8_t)a);
	}
}

void ex_search_preempt(Ex *ex, double t0)
{
	const ExploreOptions *o = ex->o;
	unsigned n = o->nshards ? o->nshards : 1;
	Pr p = { .ex = ex, .t0 = t0, .k = o->preemptions, .shard = o->shard, .nshards = n };
	PrItem root = { NULL, 0 };
	PrQueue cur = { &root, 1, 1 };
	bool owned = false;      /* cur.v is ours to free (not the root) */

	p.budget = o->budget ? (o->budget + n - 1) / n : 0;
	for (unsigned level = 0; level <= p.k && cur.n && !p.stopped; level++) {
		for (size_t i = 0; i < cur.n && !p.stopped; i++) {
			p.left = cur.n - i - 1;
			run_item(&p, &cur.v[i], level);
		}
		if (owned) {
			for (size_t i = 0; i < cur.n; i++)
				free(cur.v[i].path);
			free(cur.v);
		}
		cur = p.next;
		owned = true;
		memset(&p.next, 0, sizeof(p.next));
	}
	/* Items left unrun (stopped): the search is not complete. */
	bool left = p.stopped || (owned && cur.n) || p.next.n;
	if (owned) {
		for (size_t i = 0; i < cur.n; i++)
			free(cur.v[i].path);
		free(cur.v);
	}
	for (size_t i = 0; i < p.next.n; i++)
		free(p.next.v[i].path);
	free(p.next.v);
	ex->r->complete = !left && !p.dropped;
	free(p.path);
	free(p.fr);
}
