// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_pending.c - table stores and TLBIs in flight until a DSB
 * (models/pending.c), one test per rule, on plain values.
 */
#include <string.h>
#include "bbmsim/pending.h"
#include "check.h"

/* DSB CRm: domain in [3:2] (OSH 0, NSH 1, ISH 2, SY 3), types in [1:0] (LD 1, ST 2, all 3). */
#define CRM(dom, types) (((dom) << 2) | (types))

#define PA 0x1000
#define OLD 0x40000703ull
#define NEW 0x80000703ull

/* RSPVBD: a pending store is not read by any walker, its own included (RTGRMW). */
static void test_store_hidden_until_dsb(void)
{
	CHECK_CASE("store hidden until dsb");
	Pending p;

	pending_init(&p, 3, true, false);
	CHECK(pending_store(&p, 0, PA, OLD, NEW, 10));
	for (int w = 0; w < 3; w++) {
		CHECK_EQ_U64(pending_walk_read(&p, w, PA, NEW), OLD);
		CHECK(pending_store_hidden(&p, 0, PA, 10, w));
	}
	/* Other descriptors are not affected. */
	CHECK_EQ_U64(pending_walk_read(&p, 1, PA + 8, 5), 5);
	pending_fini(&p);
}

/* walk_visibility immediate: nothing is pending. */
static void test_store_immediate(void)
{
	CHECK_CASE("store immediate");
	Pending p;

	pending_init(&p, 2, false, false);
	CHECK(!pending_store(&p, 0, PA, OLD, NEW, 10));
	CHECK_EQ_U64(p.nstores, 0);
	CHECK_EQ_U64(pending_walk_read(&p, 1, PA, NEW), NEW);
	pending_fini(&p);
}

static int nheard;
static uint64_t heard_mask;

static void heard(void *ctx, int storer, const PendingStore *s, uint64_t newly)
{
	(void)ctx;
	(void)storer;
	(void)s;
	nheard++;
	heard_mask |= newly;
}

/* RSPVBD: DSB NSHST publishes to the storer's walker only, DSB ISH to all; LD waits for no store. */
static void test_dsb_domains(void)
{
	CHECK_CASE("dsb domains");
	Pending p;
	DsbOp nshst = rules_dsb_decode(CRM(1, 2)), ish = rules_dsb_decode(CRM(2, 3));
	DsbOp ishld = rules_dsb_decode(CRM(2, 1));

	pending_init(&p, 3, true, false);
	pending_store(&p, 1, PA, OLD, NEW, 10);
	CHECK_EQ_U64(pending_dsb_stores(&p, 1, &ishld, heard, NULL), 0);
	CHECK_EQ_U64(pending_walk_read(&p, 1, PA, NEW), OLD);
	/* Another PE's DSB publishes nothing of PE1's. */
	nheard = 0, heard_mask = 0;
	CHECK_EQ_U64(pending_dsb_stores(&p, 0, &ish, heard, NULL), 7);
	CHECK_EQ_U64(nheard, 0);
	CHECK_EQ_U64(pending_walk_read(&p, 1, PA, NEW), OLD);

	CHECK_EQ_U64(pending_dsb_stores(&p, 1, &nshst, heard, NULL), 2);
	CHECK_EQ_U64(nheard, 1);
	CHECK_EQ_U64(heard_mask, 2);
	CHECK_EQ_U64(pending_walk_read(&p, 1, PA, NEW), NEW);
	CHECK_EQ_U64(pending_walk_read(&p, 0, PA, NEW), OLD);
	CHECK(!pending_store_hidden(&p, 1, PA, 10, 1));
	CHECK(pending_store_hidden(&p, 1, PA, 10, 2));
	CHECK_EQ_U64(p.nstores, 1);

	nheard = 0, heard_mask = 0;
	CHECK_EQ_U64(pending_dsb_stores(&p, 1, &ish, heard, NULL), 7);
	CHECK_EQ_U64(heard_mask, 5);   /* PE1 saw it already */
	CHECK_EQ_U64(pending_walk_read(&p, 0, PA, NEW), NEW);
	/* Visible to every walker: no longer pending. */
	CHECK_EQ_U64(p.nstores, 0);
	CHECK_EQ_U64(p.st[1].n, 0);
	pending_fini(&p);
}

/* The walk reads the value before the oldest store it may miss; walk_values lists every choice. */
static void test_walk_values(void)
{
	CHECK_CASE("walk values");
	Pending p;
	DsbOp nshst = rules_dsb_decode(CRM(1, 2));
	uint64_t v[8];
	size_t n;

	pending_init(&p, 2, true, false);
	n = pending_walk_values(&p, 0, PA, OLD, v, 8);
	CHECK_EQ_U64(n, 1);
	CHECK_EQ_U64(v[0], OLD);

	/* PE0: OLD -> 0 (break) -> NEW (make), no DSB yet: three values for every walker. */
	pending_store(&p, 0, PA, OLD, 0, 10);
	pending_store(&p, 0, PA, 0, NEW, 11);
	n = pending_walk_values(&p, 1, PA, NEW, v, 8);
	CHECK_EQ_U64(n, 3);
	CHECK_EQ_U64(v[0], OLD);
	CHECK_EQ_U64(v[1], 0);
	CHECK_EQ_U64(v[2], NEW);
	CHECK_EQ_U64(v[0], pending_walk_read(&p, 1, PA, NEW));
	/* @max bounds the output, oldest first. */
	CHECK_EQ_U64(pending_walk_values(&p, 1, PA, NEW, v, 2), 2);
	CHECK_EQ_U64(v[1], 0);

	/* Published to PE0's walker only: PE0 reads NEW, PE1 still any of three. */
	pending_dsb_stores(&p, 0, &nshst, NULL, NULL);
	n = pending_walk_values(&p, 0, PA, NEW, v, 8);
	CHECK_EQ_U64(n, 1);
	CHECK_EQ_U64(v[0], NEW);
	CHECK_EQ_U64(pending_walk_values(&p, 1, PA, NEW, v, 8), 3);

	/*
	 * A newer store published to the walker bounds it from below: PE1
	 * stores X and publishes it to itself; PE1's walker no longer reads
	 * anything older than X.
	 */
	pending_store(&p, 1, PA, NEW, 0x1234, 12);
	pending_dsb_stores(&p, 1, &nshst, NULL, NULL);
	n = pending_walk_values(&p, 1, PA, 0x1234, v, 8);
	CHECK_EQ_U64(n, 1);
	CHECK_EQ_U64(v[0], 0x1234);
	CHECK_EQ_U64(pending_walk_read(&p, 1, PA, 0x1234), 0x1234);
	/* PE0 sees up to NEW, may miss X. */
	CHECK_EQ_U64(pending_walk_read(&p, 0, PA, 0x1234), NEW);
	pending_fini(&p);
}

static int ndone;
static int done_target[8];
static uint64_t done_tick[8];

static void done(void *ctx, int target, const PendingTlbi *t)
{
	(void)ctx;
	if (ndone < 8) {
		done_target[ndone] = target;
		done_tick[ndone] = t->tick;
	}
	ndone++;
}

/* A broadcast TLBI targets every PE, a local one its issuer. */
static void test_tlbi_targets(void)
{
	CHECK_CASE("tlbi targets");
	Pending p;
	TlbiOp local = { .kind = TLBI_VA, .scope = TLBI_LOCAL }, is = { .kind = TLBI_VA, .scope = TLBI_IS };
	TlbiOp os = { .kind = TLBI_VMALL, .scope = TLBI_OS };

	pending_init(&p, 4, true, false);
	CHECK_EQ_U64(pending_tlbi_targets(&p, &local, 2), 4);
	CHECK_EQ_U64(pending_tlbi_targets(&p, &is, 2), 15);
	CHECK_EQ_U64(pending_tlbi_targets(&p, &os, 0), 15);
	pending_fini(&p);
}

/* RYNJCP, RPSMWS: only the issuer's DSB that completes it, on each target; ST forms complete none. */
static void test_tlbi_completion(void)
{
	CHECK_CASE("tlbi completion");
	Pending p;
	TlbiOp is = { .kind = TLBI_VA, .scope = TLBI_IS, .va = 0x1000 };
	TlbiOp local = { .kind = TLBI_VA, .scope = TLBI_LOCAL, .va = 0x2000 };
	DsbOp ishst = rules_dsb_decode(CRM(2, 2)), nsh = rules_dsb_decode(CRM(1, 3));
	DsbOp ish = rules_dsb_decode(CRM(2, 3));

	pending_init(&p, 2, true, false);
	ndone = 0;
	pending_tlbi_issue(&p, &is, 0, 5, 0x400, pending_tlbi_targets(&p, &is, 0), done, NULL);
	pending_tlbi_issue(&p, &local, 0, 6, 0x404, pending_tlbi_targets(&p, &local, 0), done, NULL);
	CHECK_EQ_U64(ndone, 0);
	CHECK_EQ_U64(pending_tlbis(&p, 0), 2);
	CHECK_EQ_U64(pending_tlbis(&p, 1), 1);

	/* Another PE's DSB completes nothing of PE0's. */
	pending_dsb_tlbis(&p, 1, &ish, done, NULL);
	CHECK_EQ_U64(ndone, 0);
	pending_dsb_tlbis(&p, 0, &ishst, done, NULL);
	CHECK_EQ_U64(ndone, 0);
	/* DSB NSH completes the local one only. */
	pending_dsb_tlbis(&p, 0, &nsh, done, NULL);
	CHECK_EQ_U64(ndone, 1);
	CHECK_EQ_U64(done_target[0], 0);
	CHECK_EQ_U64(done_tick[0], 6);
	CHECK_EQ_U64(pending_tlbis(&p, 0), 1);
	/* DSB ISH completes the broadcast one on both, target by target. */
	pending_dsb_tlbis(&p, 0, &ish, done, NULL);
	CHECK_EQ_U64(ndone, 3);
	CHECK_EQ_U64(done_target[1], 0);
	CHECK_EQ_U64(done_target[2], 1);
	CHECK_EQ_U64(done_tick[2], 5);
	CHECK_EQ_U64(pending_tlbis(&p, 0), 0);
	CHECK_EQ_U64(pending_tlbis(&p, 1), 0);
	pending_fini(&p);
}

/* tlbi_completion at-issue: complete on every target at once, nothing pending. */
static void test_tlbi_at_issue(void)
{
	CHECK_CASE("tlbi at issue");
	Pending p;
	TlbiOp is = { .kind = TLBI_VA, .scope = TLBI_IS };

	pending_init(&p, 3, true, true);
	ndone = 0;
	pending_tlbi_issue(&p, &is, 1, 7, 0, 5, done, NULL);
	CHECK_EQ_U64(ndone, 2);
	CHECK_EQ_U64(done_target[0], 0);
	CHECK_EQ_U64(done_target[1], 2);
	CHECK_EQ_U64(pending_tlbis(&p, 0) + pending_tlbis(&p, 1) + pending_tlbis(&p, 2), 0);
	pending_fini(&p);
}

/* The analysis takes a TLBI off a target's list when the machine reports it complete there. */
static void test_tlbi_take(void)
{
	CHECK_CASE("tlbi take");
	Pending p;
	TlbiOp is = { .kind = TLBI_VA, .scope = TLBI_IS };
	PendingTlbi t;

	pending_init(&p, 2, true, false);
	pending_tlbi_issue(&p, &is, 0, 5, 0x400, 3, NULL, NULL);
	pending_tlbi_issue(&p, &is, 0, 9, 0x408, 3, NULL, NULL);
	CHECK(!pending_tlbi_take(&p, 1, 1, 5, &t));
	CHECK(pending_tlbi_take(&p, 1, 0, 9, &t));
	CHECK_EQ_U64(t.pc, 0x408);
	CHECK(!pending_tlbi_take(&p, 1, 0, 9, &t));
	CHECK_EQ_U64(pending_tlbis(&p, 1), 1);
	CHECK_EQ_U64(pending_tlbis(&p, 0), 2);
	pending_reset(&p, 2, true, false);
	CHECK_EQ_U64(pending_tlbis(&p, 0), 0);
	pending_fini(&p);
}

/* RSPVBD: a walker may see a pending store at any time (the `walk` choice), one walker at a time. */
static void test_reveal(void)
{
	CHECK_CASE("reveal");
	Pending p;

	pending_init(&p, 2, true, false);
	CHECK(!pending_reveal(&p, 1, PA, false));          /* nothing pending */
	CHECK(pending_store(&p, 0, PA, OLD, NEW, 10));
	CHECK(!pending_reveal(&p, 1, PA + 8, false));      /* another descriptor */
	CHECK(pending_reveal(&p, 1, PA, true));            /* dry run: nothing changes */
	CHECK_EQ_U64(pending_walk_read(&p, 1, PA, NEW), OLD);
	CHECK(pending_reveal(&p, 1, PA + 4, false));       /* any byte of the word */
	CHECK_EQ_U64(pending_walk_read(&p, 1, PA, NEW), NEW);
	CHECK_EQ_U64(pending_walk_read(&p, 0, PA, NEW), OLD);   /* the others still miss it */
	CHECK(!pending_reveal(&p, 1, PA, false));          /* already seen */
	CHECK_EQ_U64(p.nstores, 1);
	CHECK(pending_reveal(&p, 0, PA, false));
	CHECK_EQ_U64(p.nstores, 0);                         /* seen by every walker: no longer pending */
	pending_fini(&p);
}

/*
 * Coherence: stores to one descriptor by two PEs; once a walker is
 * guaranteed to see the newer one it never reads from before the older one,
 * also when the newer store leaves the list (seen by every walker) while
 * the older is still pending (a DSB of its storer never came).
 */
static void test_coherence(void)
{
	CHECK_CASE("coherence");
	Pending p;
	const uint64_t A = 0xa, B = 0xb, C = 0xc;
	uint64_t v[4];
	DsbOp ish = rules_dsb_decode(CRM(2, 3)), nsh = rules_dsb_decode(CRM(1, 3));

	pending_init(&p, 2, true, false);
	CHECK(pending_store(&p, 0, PA, A, B, 1));      /* PE0: A -> B, no DSB */
	CHECK(pending_store(&p, 1, PA, B, C, 2));      /* PE1: B -> C */
	pending_dsb_stores(&p, 1, &ish, NULL, NULL);
	for (int w = 0; w < 2; w++) {
		CHECK_EQ_U64(pending_walk_read(&p, w, PA, C), C);
		CHECK_EQ_U64(pending_walk_values(&p, w, PA, C, v, 4), 1);
	}
	CHECK_EQ_U64(p.nstores, 0);

	/* The same through a reveal: PE1's DSB NSH publishes to its own walker, PE0's walker is shown C. */
	pending_reset(&p, 2, true, false);
	CHECK(pending_store(&p, 0, PA, A, B, 1));
	CHECK(pending_store(&p, 1, PA, B, C, 2));
	pending_dsb_stores(&p, 1, &nsh, NULL, NULL);
	CHECK_EQ_U64(pending_walk_read(&p, 1, PA, C), C);
	CHECK(pending_reveal(&p, 0, PA, false));
	CHECK_EQ_U64(pending_walk_read(&p, 0, PA, C), C);
	CHECK_EQ_U64(pending_walk_read(&p, 1, PA, C), C);
	CHECK(!pending_reveal(&p, 1, PA, true));        /* nothing left it could miss */
	pending_fini(&p);
}

int main(void)
{
	test_store_hidden_until_dsb();
	test_store_immediate();
	test_dsb_domains();
	test_walk_values();
	test_tlbi_targets();
	test_tlbi_completion();
	test_tlbi_at_issue();
	test_tlbi_take();
	test_reveal();
	test_coherence();
	return check_report("pending");
}
