// SPDX-License-Identifier: GPL-2.0-only
/*
 * explore_hash.c - state caching for the exhaustive strategy of `bbmsim
 * explore` (docs/explore.md, "State hashing").
 *
 * At each new choice point of the depth-first search the explorer hashes
 * the state that decides everything from there on: the machine
 * (machine_state_hash: registers, TLBs and walk caches, pending stores and
 * TLBIs, monitors, faults so far), physical memory, and the hazard
 * analysis (analysis_state_hash: stale entries, open windows, pending
 * TLBIs, and the windows, counts and violations so far, which the targets
 * and the expectations are judged on at the end). A state already explored
 * with at least as much left to explore is not explored again.
 *
 * Memory: only pages some execution wrote can differ from the initial
 * state, so the hash is the sum over those pages of H(page now) - H(page
 * initially): a page equal to its initial contents adds nothing, and the
 * hash does not depend on which pages were seen written so far. A page's
 * hash is recomputed only when it was written (EV_MEM writes and table
 * stores) since it was last hashed; its initial hash is taken at the next
 * reset (until then its term differs from every later one: a miss, never a
 * false match).
 *
 * Pruning rule: the state was stored at a visit with depth d', tick t',
 * TLB actions n' and sleep set Z'; a new visit with d, t, n, Z is pruned
 * when d' <= d (the earlier visit had as many branching choice points
 * left), t' <= t (as many instructions before the limit), n' <= n (as many
 * TLB actions) and Z' is a subset of Z (it explored every action the new
 * visit would). Otherwise the new visit is explored; it replaces the
 * stored one when it is at least as good in all four, and with equal
 * depth, tick and actions the stored sleep set becomes Z' & Z (the two
 * visits together explored every action outside both).
 */
#include <stdlib.h>
#include <string.h>
#include "explore_priv.h"

#define EX_PAGE 4096ull
#define EX_TICKS_MAX 4096

typedef struct ExPage {
	uint64_t pa;
	uint64_t init, cur;      /* H(page) initially, and when last hashed */
	bool has_init, dirty;
} ExPage;

struct ExHash {
	ExPage *pg;
	size_t npg, cpg;
	uint32_t *pmap;          /* page index + 1, open addressing by page number */
	size_t pcap;
	ExSeen *seen;
	size_t nseen, cseen;
	uint64_t *fin;           /* final states (open addressing; 0: free) */
	size_t nfin, cfin;
	uint64_t ticks[EX_TICKS_MAX];
	size_t nticks;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

void ex_hash_init(Ex *ex)
{
	ex->hash = calloc(1, sizeof(*ex->hash));
}

void ex_hash_fini(Ex *ex)
{
	if (!ex->hash)
		return;
	free(ex->hash->pg);
	free(ex->hash->pmap);
	free(ex->hash->seen);
	free(ex->hash->fin);
	free(ex->hash);
	ex->hash = NULL;
}

static size_t page_slot(const ExHash *x, uint64_t page)
{
	return (size_t)(mix(0, page) & (x->pcap - 1));
}

static void pmap_grow(ExHash *x)
{
	free(x->pmap);
	x->pcap = x->pcap ? x->pcap * 2 : 64;
	x->pmap = calloc(x->pcap, sizeof(*x->pmap));
	for (size_t i = 0; i < x->npg; i++) {
		size_t j = page_slot(x, x->pg[i].pa);
		while (x->pmap[j])
			j = (j + 1) & (x->pcap - 1);
		x->pmap[j] = (uint32_t)i + 1;
	}
}

static void page_written(ExHash *x, uint64_t pa)
{
	uint64_t page = pa & ~(EX_PAGE - 1);

	if (2 * (x->npg + 1) > x->pcap)
		pmap_grow(x);
	size_t j = page_slot(x, page);
	for (; x->pmap[j]; j = (j + 1) & (x->pcap - 1))
		if (x->pg[x->pmap[j] - 1].pa == page) {
			x->pg[x->pmap[j] - 1].dirty = true;
			return;
		}
	if (x->npg == x->cpg) {
		x->cpg = x->cpg ? x->cpg * 2 : 32;
		x->pg = realloc(x->pg, x->cpg * sizeof(*x->pg));
	}
	x->pg[x->npg] = (ExPage){ .pa = page, .dirty = true };
	x->pmap[j] = (uint32_t)++x->npg;
}

void ex_hash_event(Ex *ex, const Event *ev)
{
	if (ev->type == EV_MEM && ev->access == ACCESS_WRITE) {
		page_written(ex->hash, ev->pa);
		if (ev->size > 1)
			page_written(ex->hash, ev->pa + (uint64_t)ev->size - 1);
	} else if (ev->type == EV_DESC_WRITE) {
		page_written(ex->hash, ev->pa);
	}
}

static uint64_t page_hash(Ex *ex, uint64_t pa)
{
	uint64_t buf[EX_PAGE / 8], h = pa;

	if (!machine_phys_read(ex->m, pa, buf, sizeof(buf)))
		return mix(pa, 1);
	for (size_t i = 0; i < EX_PAGE / 8; i += 4) {
		/* Four lanes: the multiplications do not wait on each other. */
		uint64_t a = (buf[i] ^ 0x9e3779b97f4a7c15ull) * 0xff51afd7ed558ccdull;
		uint64_t b = (buf[i + 1] ^ 0xc2b2ae3d27d4eb4full) * 0xc4ceb9fe1a85ec53ull;
		uint64_t c = (buf[i + 2] ^ 0x165667b19e3779f9ull) * 0xff51afd7ed558ccdull;
		uint64_t d = (buf[i + 3] ^ 0x27d4eb2f165667c5ull) * 0xc4ceb9fe1a85ec53ull;
		h = (h ^ (a >> 29) ^ (b >> 31) ^ (c >> 27) ^ (d >> 33)) * 0x100000001b3ull + (a ^ b ^ c ^ d);
		h ^= h >> 32;
	}
	return mix(h, pa);
}

void ex_hash_exec_begin(Ex *ex)
{
	ExHash *x = ex->hash;

	/* The machine was just reset: every page is as it was initially. */
	for (size_t i = 0; i < x->npg; i++) {
		ExPage *p = &x->pg[i];
		if (!p->has_init) {
			p->init = page_hash(ex, p->pa);
			p->has_init = true;
		}
		p->cur = p->init;
		p->dirty = false;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t tick_rank(void *ctx, uint64_t tick)
{
	const ExHash *x = ctx;
	size_t lo = 0, hi = x->nticks;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x->ticks[mid] < tick)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t ex_state_hash(Ex *ex)
{
	ExHash *x = ex->hash;
	uint64_t mem = 0;

	for (size_t i = 0; i < x->npg; i++) {
		ExPage *p = &x->pg[i];
		if (p->dirty) {
			p->cur = page_hash(ex, p->pa);
			p->dirty = false;
		}
		mem += p->cur - (p->has_init ? p->init : 0x5bd1e9955bd1e995ull);
	}
	/* The ticks the future compares, by rank (machine_state_ticks). */
	size_t n = machine_state_ticks(ex->m, x->ticks, EX_TICKS_MAX);
	n += analysis_state_ticks(ex->an, x->ticks + n, EX_TICKS_MAX - n);
	qsort(x->ticks, n, sizeof(*x->ticks), cmp_u64);
	x->nticks = n;
	uint64_t h = mix(mem, machine_state_hash(ex->m, tick_rank, x));
	h = mix(h, analysis_state_hash(ex->an, tick_rank, x));
	return h ? h : 1;
}

static ExSeen *seen_slot(ExHash *x, uint64_t h)
{
	size_t j = (size_t)(h & (x->cseen - 1));
	while (x->seen[j].h && x->seen[j].h != h)
		j = (j + 1) & (x->cseen - 1);
	return &x->seen[j];
}

/*
 * A digest of what an execution ended with, from the public interfaces
 * only (not the state hash, which it checks): each PE's state, PC and
 * X0-X30, the pages written, the faults, and every window and violation
 * without ticks and texts.
 */
static uint64_t final_digest(Ex *ex)
{
	ExHash *x = ex->hash;
	uint64_t h = 0;

	for (unsigned i = 0; i < ex->npes; i++) {
		h = mix(mix(h, machine_pe_state(ex->m, i)), machine_pe_pc(ex->m, i));
		for (unsigned r = 0; r < 32; r++)     /* X0..X30 and SP (31), as expectations read them */
			h = mix(h, machine_pe_x(ex->m, i, r));
	}
	for (size_t i = 0; i < x->npg; i++)
		h = mix(h, page_hash(ex, x->pg[i].pa) - (x->pg[i].has_init ? x->pg[i].init : 0));
	const FaultRecord *f;
	size_t nf = machine_faults(ex->m, &f);
	for (size_t i = 0; i < nf; i++)
		h = mix(mix(mix(h, (uint64_t)f[i].kind << 8 | (uint64_t)(unsigned)f[i].pe), f[i].pc), f[i].va);
	const Window *w;
	size_t nw = analysis_windows(ex->an, &w);
	for (size_t i = 0; i < nw; i++) {
		h = mix(h, (uint64_t)w[i].kind | (uint64_t)w[i].severity << 8 | (uint64_t)(unsigned)w[i].pe << 16 |
				   (uint64_t)(w[i].close_tick == ~0ull) << 32);
		h = mix(mix(mix(mix(mix(h, w[i].va), w[i].size), w[i].accesses), w[i].stale_uses), w[i].faults);
		h = mix(mix(h, w[i].cause.pc), w[i].cause.desc_pa);
	}
	const Violation *v;
	size_t nv = analysis_violations(ex->an, &v);
	for (size_t i = 0; i < nv; i++)
		h = mix(mix(h, (uint64_t)(unsigned)v[i].pe), v[i].pc);
	return h ? h : 1;
}

void ex_hash_final(Ex *ex)
{
	ExHash *x = ex->hash;
	uint64_t h = final_digest(ex);

	if (2 * (x->nfin + 1) > x->cfin) {
		uint64_t *old = x->fin;
		size_t oc = x->cfin;
		x->cfin = oc ? oc * 2 : 256;
		x->fin = calloc(x->cfin, sizeof(*x->fin));
		for (size_t i = 0; i < oc; i++)
			if (old[i]) {
				size_t j = (size_t)(old[i] & (x->cfin - 1));
				while (x->fin[j])
					j = (j + 1) & (x->cfin - 1);
				x->fin[j] = old[i];
			}
		free(old);
	}
	size_t j = (size_t)(h & (x->cfin - 1));
	for (; x->fin[j]; j = (j + 1) & (x->cfin - 1))
		if (x->fin[j] == h)
			return;
	x->fin[j] = h;
	x->nfin++;
	ex->r->final_states++;
}

bool ex_hash_visit(Ex *ex, size_t depth, PorSet sleep)
{
	ExHash *x = ex->hash;
	ExSeen now = { .h = ex_state_hash(ex), .tick = machine_tick(ex->m), .depth = (uint32_t)depth,
		       .acts = ex->tlb_acts, .sleep = sleep };

	if (2 * (x->nseen + 1) > x->cseen) {
		ExSeen *old = x->seen;
		size_t oc = x->cseen;
		x->cseen = oc ? oc * 2 : 1024;
		x->seen = calloc(x->cseen, sizeof(*x->seen));
		for (size_t i = 0; i < oc; i++)
			if (old[i].h)
				*seen_slot(x, old[i].h) = old[i];
		free(old);
	}
	ExSeen *s = seen_slot(x, now.h);
	if (!s->h) {
		*s = now;
		x->nseen++;
		ex->r->states++;
		return false;
	}
	if (ex_seen_covers(s, &now))
		return true;
	ex_seen_update(s, &now);
	return false;
}

bool ex_seen_covers(const ExSeen *s, const ExSeen *now)
{
	return s->depth <= now->depth && s->tick <= now->tick && s->acts <= now->acts && !(s->sleep & ~now->sleep);
}

void ex_seen_update(ExSeen *s, const ExSeen *now)
{
	if (s->depth == now->depth && s->tick == now->tick && s->acts == now->acts)
		s->sleep &= now->sleep;
	else if (now->depth <= s->depth && now->tick <= s->tick && now->acts <= s->acts)
		*s = *now;
}
