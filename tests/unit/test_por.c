// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_por.c - footprints, independence and the sleep-set search
 * (models/por.c) on toy programs: threads of straight-line actions, each
 * writing or reading one word, replayed from the start for every execution
 * as the explorers do.
 */
#include <string.h>
#include "bbmsim/por.h"
#include "check.h"

static void test_independent(void)
{
	Footprint a = { 0 }, b = { 0 };

	footprint_add(&a, true, 0x1000);
	footprint_add(&b, false, 0x2000);
	CHECK(footprint_independent(&a, &b));
	footprint_add(&b, false, 0x1004);      /* the same 8-byte word */
	CHECK(!footprint_independent(&a, &b));
	CHECK(!footprint_independent(&b, &a));
	Footprint r1 = { 0 }, r2 = { 0 };
	footprint_add(&r1, false, 0x1000);
	footprint_add(&r2, false, 0x1000);
	CHECK(footprint_independent(&r1, &r2));   /* two reads commute */
	Footprint g = { .global = true };
	CHECK(!footprint_independent(&g, &r1));
	Footprint many = { 0 };
	for (int i = 0; i <= FOOTPRINT_MAX; i++)
		footprint_add(&many, true, 0x10000 + 8 * (uint64_t)i);
	CHECK(many.global);
}

static void test_events(void)
{
	FootprintRules lit = { .tlb_shift = 12 }, exp = { .tlb_shift = 30, .analysis = true };
	Event mem = { .type = EV_MEM, .pe = 1, .va = 0xffff800003000000ull, .pa = 0x3000000, .size = 8,
		      .access = ACCESS_READ };
	Event store = { .type = EV_DESC_WRITE, .pe = 0, .pa = 0x101000, .level = 1, .va = 0xffff800000000000ull };
	Event dsb = { .type = EV_DSB, .pe = 0 };
	Footprint a = { 0 }, b = { 0 };

	/* Litmus: an access through a TLB entry and a store to a descriptor commute. */
	footprint_event(&a, &mem, &lit);
	footprint_event(&b, &store, &lit);
	CHECK(footprint_independent(&a, &b));
	footprint_event(&b, &dsb, &lit);
	CHECK(!b.global);
	/* Explore: the analysis sees the access before or after the store: they do not. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	footprint_event(&a, &mem, &exp);
	footprint_event(&b, &store, &exp);
	CHECK(!footprint_independent(&a, &b));
	/* ... but an access in another 1 GiB region does. */
	Footprint c = { 0 };
	mem.va = 0xffff800040000000ull;
	footprint_event(&c, &mem, &exp);
	CHECK(footprint_independent(&c, &b));
	/* A DSB is global for the analysis (it closes windows). */
	Footprint d = { 0 };
	footprint_event(&d, &dsb, &exp);
	CHECK(d.global);
	/* A TLB fill writes the PE's TLB word of its region, read by the PE's accesses only. */
	TlbEntry e = { .va = 0xffff800000000000ull, .leaf = true };
	Event fill = { .type = EV_TLB_FILL, .pe = 1, .entry = &e };
	Footprint f = { 0 };
	footprint_event(&f, &fill, &exp);
	Footprint acc1 = { 0 }, acc2 = { 0 };
	mem.va = 0xffff800003000000ull;
	footprint_event(&acc1, &mem, &exp);
	mem.pe = 2;
	footprint_event(&acc2, &mem, &exp);
	CHECK(!footprint_independent(&f, &acc1));   /* a 1 GiB block and an access inside it */
	CHECK(footprint_independent(&f, &acc2));    /* another PE's TLB */
}

/*
 * Toy program: thread t runs prog[t][0..len) where each action writes
 * (w = 1) or reads word x. Executions are replayed; the search returns
 * how many complete executions it ran, and the distinct final "states"
 * (the sequence of values each read saw, hashed) it reached.
 */
typedef struct Act {
	bool w;
	unsigned x;
} Act;

typedef struct Toy {
	const Act (*prog)[4];
	unsigned nthreads, len;
	unsigned pc[4];
	uint64_t mem[4];
	uint64_t obs;
	uint64_t seen[256];
	unsigned nseen;
} Toy;

static uint64_t toy_search_split(Toy *t, unsigned shard, unsigned nshards, unsigned split, uint64_t *pruned)
{
	PorDfs d;
	uint64_t execs = 0;

	por_dfs_init(&d, t->nthreads, 64);
	por_dfs_set_shard(&d, shard, nshards, split);
	*pruned = 0;
	for (;;) {
		memset(t->pc, 0, sizeof(t->pc));
		memset(t->mem, 0, sizeof(t->mem));
		t->obs = 0;
		size_t depth = 0;
		int a = 0;
		for (;;) {
			PorSet en = 0;
			for (unsigned i = 0; i < t->nthreads; i++)
				if (t->pc[i] < t->len)
					en |= (PorSet)1 << i;
			if (!en)
				break;
			a = por_dfs_choose(&d, depth, en);
			if (a < 0)
				break;
			const Act *x = &t->prog[a][t->pc[a]++];
			Footprint fp = { 0 };
			footprint_add(&fp, x->w, 8 * x->x);
			if (x->w)
				t->mem[x->x] = (uint64_t)a + 1 + 16 * t->pc[a];
			else
				t->obs = t->obs * 131 + t->mem[x->x] + 1;
			por_dfs_taken(&d, depth, (unsigned)a, &fp);
			depth++;
		}
		if (a == POR_REDUNDANT) {
			(*pruned)++;
		} else if (a >= 0 && por_dfs_mine(&d, depth)) {
			execs++;
			uint64_t h = t->obs;
			for (unsigned i = 0; i < 4; i++)
				h = h * 31 + t->mem[i];
			bool dup = false;
			for (unsigned i = 0; i < t->nseen && !dup; i++)
				dup = t->seen[i] == h;
			if (!dup && t->nseen < 256)
				t->seen[t->nseen++] = h;
		}
		if (!por_dfs_backtrack(&d, depth))
			break;
	}
	por_dfs_fini(&d);
	return execs;
}

static uint64_t toy_search(Toy *t, unsigned shard, unsigned nshards, uint64_t *pruned)
{
	return toy_search_split(t, shard, nshards, 2, pruned);
}

static void test_dfs(void)
{
	/* Independent threads (private words): one execution is enough. */
	static const Act priv[2][4] = { { { true, 0 }, { true, 0 } }, { { true, 1 }, { true, 1 } } };
	/* Two writers of one word and a reader: every order of the conflicting actions. */
	static const Act shared[3][4] = { { { true, 0 }, { true, 0 } }, { { true, 0 }, { true, 1 } },
					  { { false, 0 }, { false, 1 } } };
	uint64_t pruned;
	Toy t = { .prog = priv, .nthreads = 2, .len = 2 };

	CHECK_EQ_U64(toy_search(&t, 0, 1, &pruned), 1);
	CHECK_EQ_U64(t.nseen, 1);

	/* Without reduction 6!/(2!2!2!) = 90 interleavings; the distinct outcomes must all be reached. */
	Toy u = { .prog = shared, .nthreads = 3, .len = 2 };
	uint64_t all = toy_search(&u, 0, 1, &pruned);
	CHECK(all < 90);
	CHECK(all >= u.nseen);
	unsigned outcomes = u.nseen;
	/* Brute force: every interleaving, to count the distinct outcomes. */
	unsigned brute = 0;
	uint64_t seen[256];
	for (unsigned code = 0; code < 729; code++) {
		unsigned order[6], c = code, cnt[3] = { 0 };
		bool ok = true;
		for (int i = 0; i < 6; i++) {
			order[i] = c % 3;
			c /= 3;
		}
		for (int i = 0; i < 6; i++)
			ok &= ++cnt[order[i]] <= 2;
		if (!ok)
			continue;
		uint64_t mem[4] = { 0 }, obs = 0;
		unsigned pc[3] = { 0 };
		for (int i = 0; i < 6; i++) {
			unsigned a = order[i];
			const Act *x = &shared[a][pc[a]++];
			if (x->w)
				mem[x->x] = a + 1 + 16 * pc[a];
			else
				obs = obs * 131 + mem[x->x] + 1;
		}
		uint64_t h = obs;
		for (unsigned i = 0; i < 4; i++)
			h = h * 31 + mem[i];
		bool dup = false;
		for (unsigned i = 0; i < brute && !dup; i++)
			dup = seen[i] == h;
		if (!dup)
			seen[brute++] = h;
	}
	CHECK_EQ_U64(outcomes, brute);

	/* Shards: together they run exactly the executions of the whole search. */
	for (unsigned n = 2; n <= 4; n++) {
		uint64_t sum = 0, uni[256];
		unsigned reached = 0;
		for (unsigned i = 0; i < n; i++) {
			Toy s = { .prog = shared, .nthreads = 3, .len = 2 };
			sum += toy_search(&s, i, n, &pruned);
			for (unsigned k = 0; k < s.nseen; k++) {
				bool dup = false;
				for (unsigned j = 0; j < reached && !dup; j++)
					dup = uni[j] == s.seen[k];
				if (!dup)
					uni[reached++] = s.seen[k];
			}
		}
		CHECK_CASE("%u shards", n);
		CHECK_EQ_U64(sum, all);
		CHECK_EQ_U64(reached, outcomes);
	}
	CHECK_CASE_END();

	/*
	 * Executions that end at or above the split depth are run by every
	 * shard (nothing was split yet) and counted by shard 0 only: the shards
	 * together still count each execution once.
	 */
	for (unsigned n = 2; n <= 3; n++) {
		uint64_t sum = 0;
		for (unsigned i = 0; i < n; i++) {
			Toy s = { .prog = shared, .nthreads = 3, .len = 2 };
			uint64_t e = toy_search_split(&s, i, n, 6, &pruned);
			CHECK_CASE("%u shards, split at the end, shard %u", n, i);
			CHECK_EQ_U64(e, i == 0 ? all : 0);
			sum += e;
		}
		CHECK_EQ_U64(sum, all);
	}
	CHECK_CASE_END();
}

int main(void)
{
	test_independent();
	test_events();
	test_dfs();
	return check_report("test_por");
}
