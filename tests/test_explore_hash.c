// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_explore_hash.c - the pruning rule of the explorer's state hashing
 * (sim/explore_hash.c, docs/explore.md "State hashing"): a stored visit
 * covers a new visit of the same state only if it had no less left to
 * explore (depth, tick, TLB actions) and its sleep set is a subset of the
 * new one's (the sleep-set pitfall: a stored visit that slept on an action
 * the new visit would take did not explore it from here); and what is kept
 * after a visit that was not covered.
 */
#include "../sim/explore_priv.h"
#include "unit/check.h"

static const struct {
	const char *name;
	ExSeen s, now;
	bool covers;
} cover[] = {
	{ "identical", { 1, 100, 5, 2, 0x3 }, { 1, 100, 5, 2, 0x3 }, true },
	{ "stored shallower, earlier, fewer actions", { 1, 90, 4, 1, 0 }, { 1, 100, 5, 2, 0 }, true },
	{ "stored sleep a subset", { 1, 100, 5, 2, 0x1 }, { 1, 100, 5, 2, 0x3 }, true },
	{ "stored sleep not a subset (the pitfall)", { 1, 100, 5, 2, 0x4 }, { 1, 100, 5, 2, 0x3 }, false },
	{ "stored sleeps on an action the new one takes", { 1, 100, 5, 2, 0x3 }, { 1, 100, 5, 2, 0x1 }, false },
	{ "stored deeper: fewer branching points left", { 1, 100, 6, 2, 0 }, { 1, 100, 5, 2, 0 }, false },
	{ "stored later: fewer instructions before the limit", { 1, 101, 5, 2, 0 }, { 1, 100, 5, 2, 0 }, false },
	{ "stored with more TLB actions taken", { 1, 100, 5, 3, 0 }, { 1, 100, 5, 2, 0 }, false },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cover) / sizeof(cover[0]); i++) {
		CHECK_CASE("%s", cover[i].name);
		CHECK(ex_seen_covers(&cover[i].s, &cover[i].now) == cover[i].covers);
	}
	CHECK_CASE_END();

	/* Equal budgets: together the two visits explored every action outside both sleep sets. */
	ExSeen s = { 1, 100, 5, 2, 0x6 }, now = { 1, 100, 5, 2, 0x3 };
	ex_seen_update(&s, &now);
	CHECK_EQ_U64(s.sleep, 0x2);
	CHECK(ex_seen_covers(&s, &(ExSeen){ 1, 100, 5, 2, 0x2 }));
	CHECK(!ex_seen_covers(&s, &(ExSeen){ 1, 100, 5, 2, 0x4 }));
	/* A visit with more left replaces the stored one. */
	s = (ExSeen){ 1, 100, 5, 2, 0x1 };
	now = (ExSeen){ 1, 90, 3, 2, 0x6 };
	ex_seen_update(&s, &now);
	CHECK(s.depth == 3 && s.tick == 90 && s.sleep == 0x6);
	/* Neither better in all: the stored one stays. */
	s = (ExSeen){ 1, 100, 3, 2, 0x1 };
	now = (ExSeen){ 1, 90, 5, 2, 0 };
	ex_seen_update(&s, &now);
	CHECK(s.depth == 3 && s.tick == 100 && s.sleep == 0x1);
	return check_report("explore_hash");
}
