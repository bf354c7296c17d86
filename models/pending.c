// SPDX-License-Identifier: GPL-2.0-only
/*
 * pending.c - table stores and TLBIs in flight until a DSB.
 *
 * Architecture (D8.17.5, reference/bbm-architecture.md):
 *  - RSPVBD: a store to a translation table is guaranteed visible to the
 *    translation table walks of a PE only after a DSB by the storing PE
 *    whose domain covers that PE (rules_dsb_publishes_to). Until then a
 *    walk may read the old value or the new one. The walker of the storing
 *    PE is a separate observer (RTGRMW): its own walks wait for the DSB too.
 *  - RYNJCP: a TLBI is guaranteed complete on its targets only after a DSB
 *    by the issuer that waits for loads and stores, in a shareable domain
 *    for a broadcast TLBI (rules_dsb_completes). It may take effect earlier.
 *
 * The knobs pick one end of each freedom: a store visible at once or only
 * at the DSB (walk_visibility), a TLBI complete at issue or only at the DSB
 * (tlbi_completion). pending_walk_values lists the whole freedom for a
 * caller that wants to choose among them.
 *
 * Simplifications: one Inner Shareable domain holds every PE, so IS and OS
 * TLBIs reach all of them; DMB orders nothing for walkers (only a DSB
 * publishes); a store is either pending for a walker or visible, there is
 * no partial (torn) visibility of a descriptor.
 */
#include <stdlib.h>
#include <string.h>
#include "bbmsim/pending.h"
#include "grow.h"

static uint64_t all_pes(unsigned npes)
{
	return npes >= 64 ? ~0ull : (1ull << npes) - 1;
}

void pending_init(Pending *p, unsigned npes, bool walk_at_dsb, bool tlbi_at_issue)
{
	memset(p, 0, sizeof(*p));
	pending_reset(p, npes, walk_at_dsb, tlbi_at_issue);
}

void pending_reset(Pending *p, unsigned npes, bool walk_at_dsb, bool tlbi_at_issue)
{
	p->npes = npes > PENDING_MAX_PES ? PENDING_MAX_PES : npes;
	p->walk_at_dsb = walk_at_dsb;
	p->tlbi_at_issue = tlbi_at_issue;
	p->nstores = 0;
	for (unsigned i = 0; i < PENDING_MAX_PES; i++) {
		p->st[i].n = 0;
		p->tl[i].n = 0;
	}
}

void pending_fini(Pending *p)
{
	for (unsigned i = 0; i < PENDING_MAX_PES; i++) {
		free(p->st[i].s);
		free(p->tl[i].t);
	}
	memset(p, 0, sizeof(*p));
}

bool pending_store(Pending *p, int storer, uint64_t pa, uint64_t old, uint64_t val, uint64_t tick)
{
	PendingStores *l = &p->st[storer];

	if (!p->walk_at_dsb)
		return false;
	GROW(l->s, l->n, l->cap);
	l->s[l->n++] = (PendingStore){ .pa = pa, .old = old, .val = val, .tick = tick };
	p->nstores++;
	return true;
}

/*
 * The pending stores to @pa in coherence order (by tick; at most @max, the
 * oldest), into @chain; returns how many. In @from: the index of the first
 * one @walker may still miss: after the newest one it already sees (a walk
 * never reads a value older than one it is guaranteed to see).
 */
static size_t chain_of(const Pending *p, int walker, uint64_t pa, const PendingStore **chain, size_t max,
		       size_t *from)
{
	size_t n = 0;

	*from = 0;
	for (unsigned i = 0; p->nstores && i < p->npes; i++)
		for (size_t j = 0; j < p->st[i].n; j++) {
			const PendingStore *s = &p->st[i].s[j];
			if (s->pa != pa)
				continue;
			size_t k = n < max ? n++ : max;
			if (k == max && chain[max - 1]->tick <= s->tick)
				continue;
			if (k == max)
				k = max - 1;
			/* Insertion by tick; an equal tick keeps the lower storer first. */
			while (k > 0 && chain[k - 1]->tick > s->tick) {
				chain[k] = chain[k - 1];
				k--;
			}
			chain[k] = s;
		}
	for (size_t k = 0; k < n; k++)
		if (chain[k]->seen >> walker & 1)
			*from = k + 1;
	return n;
}

#define CHAIN_MAX 64

uint64_t pending_walk_read(const Pending *p, int walker, uint64_t pa, uint64_t mem)
{
	const PendingStore *chain[CHAIN_MAX];
	size_t from, n;

	if (!p->nstores)
		return mem;
	n = chain_of(p, walker, pa, chain, CHAIN_MAX, &from);
	/* The latest visibility: the value before the oldest store it may miss. */
	return from < n ? chain[from]->old : mem;
}

size_t pending_walk_values(const Pending *p, int walker, uint64_t pa, uint64_t mem,
			   uint64_t *out, size_t max)
{
	const PendingStore *chain[CHAIN_MAX];
	size_t from, n, k = 0;

	if (!max)
		return 0;
	n = chain_of(p, walker, pa, chain, CHAIN_MAX, &from);
	if (from < n)
		out[k++] = chain[from]->old;
	for (size_t i = from; i < n && k < max; i++)
		if (out[k - 1] != chain[i]->val)
			out[k++] = chain[i]->val;
	if ((!k || out[k - 1] != mem) && k < max)
		out[k++] = mem;
	return k;
}

bool pending_store_hidden(const Pending *p, int storer, uint64_t pa, uint64_t tick, int walker)
{
	const PendingStores *l = &p->st[storer];

	for (size_t j = 0; j < l->n; j++)
		if (l->s[j].pa == pa && l->s[j].tick == tick)
			return !(l->s[j].seen >> walker & 1);
	return false;
}

/*
 * Stores to one descriptor word are in coherence order (by tick), and a
 * walk never reads a value older than one it is guaranteed to see: a
 * walker that sees a store has seen the older ones' effect too. So the
 * walkers that see a store also see every older store to that word, by any
 * storer (seen(older) holds seen(newer)); without it, a store visible to
 * every walker would leave the list and its walkers fall back to the value
 * before an older one still pending.
 */
static void see(Pending *p, int storer, PendingStore *s, uint64_t walkers, PendingStoreFn fn, void *ctx)
{
	uint64_t newly = walkers & ~s->seen;

	if (!newly)
		return;
	s->seen |= newly;
	if (fn)
		fn(ctx, storer, s, newly);
	for (unsigned q = 0; q < p->npes; q++)
		for (size_t j = 0; j < p->st[q].n; j++) {
			PendingStore *o = &p->st[q].s[j];
			if ((o->pa & ~7ull) == (s->pa & ~7ull) && o->tick < s->tick)
				see(p, (int)q, o, s->seen, fn, ctx);
		}
}

/* Stores visible to every walker are no longer pending. */
static void sweep(Pending *p)
{
	uint64_t all = all_pes(p->npes);

	for (unsigned q = 0; q < p->npes; q++) {
		PendingStores *l = &p->st[q];
		size_t k = 0, n = l->n;
		for (size_t j = 0; j < n; j++)
			if (l->s[j].seen != all)
				l->s[k++] = l->s[j];
		l->n = k;
		p->nstores -= n - k;
	}
}

uint64_t pending_dsb_stores(Pending *p, int pe, const DsbOp *d, PendingStoreFn fn, void *ctx)
{
	PendingStores *l = &p->st[pe];
	uint64_t to = 0;

	/* RSPVBD: the walkers of the barrier's domain (none unless it waits for stores). */
	for (unsigned i = 0; i < p->npes; i++)
		if (rules_dsb_publishes_to(d, pe, (int)i))
			to |= 1ull << i;
	if (!to || !l->n)
		return to;
	/*
	 * The lists are swept at the end: a walk from @fn sees the stores
	 * published so far and the rest still pending.
	 */
	for (size_t j = 0; j < l->n; j++)
		see(p, pe, &l->s[j], to, fn, ctx);
	sweep(p);
	return to;
}

bool pending_reveal(Pending *p, int walker, uint64_t pa, bool dry_run)
{
	uint64_t bit = 1ull << walker;
	PendingStore *newest = NULL;
	int newest_q = 0;

	/* The newest store to the word: if the walker sees it, it sees the older ones (see()). */
	for (unsigned q = 0; q < p->npes; q++)
		for (size_t j = 0; j < p->st[q].n; j++) {
			PendingStore *s = &p->st[q].s[j];
			if ((s->pa & ~7ull) == (pa & ~7ull) && (!newest || s->tick > newest->tick)) {
				newest = s;
				newest_q = (int)q;
			}
		}
	if (!newest || (newest->seen & bit))
		return false;
	if (dry_run)
		return true;
	/* RSPVBD: a store not yet guaranteed visible to a walker may be seen by it at any time. */
	see(p, newest_q, newest, bit, NULL, NULL);
	sweep(p);
	return true;
}

uint64_t pending_tlbi_targets(const Pending *p, const TlbiOp *op, int issuer)
{
	/* IS and OS reach every PE here: one Inner Shareable domain. */
	return op->scope == TLBI_LOCAL ? 1ull << issuer : all_pes(p->npes);
}

void pending_tlbi_issue(Pending *p, const TlbiOp *op, int issuer, uint64_t tick, uint64_t pc,
			uint64_t targets, PendingTlbiFn fn, void *ctx)
{
	PendingTlbi t = { .op = *op, .issuer = issuer, .tick = tick, .pc = pc };

	for (unsigned i = 0; i < p->npes; i++) {
		if (!(targets >> i & 1))
			continue;
		if (p->tlbi_at_issue) {
			if (fn)
				fn(ctx, (int)i, &t);
			continue;
		}
		PendingTlbis *l = &p->tl[i];
		GROW(l->t, l->n, l->cap);
		l->t[l->n++] = t;
	}
}

void pending_dsb_tlbis(Pending *p, int pe, const DsbOp *d, PendingTlbiFn fn, void *ctx)
{
	for (unsigned i = 0; i < p->npes; i++) {
		PendingTlbis *l = &p->tl[i];
		size_t k = 0;
		for (size_t j = 0; j < l->n; j++) {
			PendingTlbi *t = &l->t[j];
			/* RYNJCP, RPSMWS: only the issuer's DSB, and only one that completes it. */
			if (t->issuer == pe && rules_dsb_completes(d, &t->op)) {
				if (fn)
					fn(ctx, (int)i, t);
			} else {
				l->t[k++] = *t;
			}
		}
		l->n = k;
	}
}

bool pending_tlbi_take(Pending *p, int target, int issuer, uint64_t tick, PendingTlbi *out)
{
	PendingTlbis *l = &p->tl[target];

	for (size_t j = 0; j < l->n; j++)
		if (l->t[j].issuer == issuer && l->t[j].tick == tick) {
			if (out)
				*out = l->t[j];
			memmove(&l->t[j], &l->t[j + 1], (l->n - j - 1) * sizeof(*l->t));
			l->n--;
			return true;
		}
	return false;
}
