// SPDX-License-Identifier: GPL-2.0-only
/*
 * rules.c - the architecture rules that both the machine and the analysis
 * apply: what a DSB publishes and completes, when a contiguous group is
 * misprogrammed, and when an access used a stale translation.
 */
#include <stdio.h>
#include "bbmsim/rules.h"

DsbOp rules_dsb_decode(unsigned crm)
{
	unsigned types = crm & 3;
	/* Types 0b00 with a domain are other encodings (SSBB, PSSBB): no effect here. */
	return (DsbOp){ .domain = (Domain)((crm >> 2) & 3), .loads = types == 1 || types == 3,
			.stores = types == 2 || types == 3 };
}

const char *rules_dsb_name(const DsbOp *d, char *buf, size_t len)
{
	static const char *const dom[] = { "osh", "nsh", "ish", "sy" };
	const char *t = d->loads && d->stores ? "" : d->stores ? "st" : d->loads ? "ld" : "?";
	if (d->domain == DOMAIN_SY)
		snprintf(buf, len, "%s", *t ? t : "sy");
	else
		snprintf(buf, len, "%s%s", dom[d->domain], t);
	return buf;
}

bool rules_dsb_publishes_to(const DsbOp *d, int storer, int walker)
{
	/*
	 * RSPVBD: a table store is visible to a walker once a DSB that waits
	 * for stores completes, to the extent its domain requires. Every PE
	 * here is in one Inner Shareable domain (and so one Outer Shareable
	 * domain); NSH reaches only the issuing PE's own walker.
	 */
	if (!d->stores)
		return false;
	return d->domain != DOMAIN_NSH || storer == walker;
}

bool rules_dsb_completes(const DsbOp *d, const TlbiOp *op)
{
	/* RPSMWS: the DSB must wait for loads and stores (not DSB ISHST). */
	if (!d->loads || !d->stores)
		return false;
	/* RYNJCP: NSH suffices for a local TLBI, a broadcast needs its domain. */
	return op->scope == TLBI_LOCAL || d->domain != DOMAIN_NSH;
}

/* The bits RJQQTC compares across a contiguous group, besides the output address. */
#define CONT_ATTRS ((7ull << 2) | DESC_NS | (3ull << 8) | DESC_AP1 | DESC_AP2 | DESC_NG | DESC_PXN | DESC_UXN)

bool rules_cont_misprogrammed(const uint64_t group[16], int level, char *why, size_t len)
{
	uint64_t gran = desc_level_size(level);
	int first = -1;

	for (int i = 0; i < 16; i++) {
		DescKind k = desc_kind(group[i], level);
		if ((k != DESC_KIND_PAGE && k != DESC_KIND_BLOCK) || !(group[i] & DESC_CONT))
			continue;
		if (first < 0) {
			first = i;
			continue;
		}
		uint64_t a = group[first], b = group[i];
		uint64_t oa_a = (a & DESC_OA_MASK & ~(gran - 1)) + (uint64_t)(i - first) * gran;
		uint64_t oa_b = b & DESC_OA_MASK & ~(gran - 1);
		uint64_t diff = (a ^ b) & CONT_ATTRS;
		/* ICQTNL: hardware dirty state (DBM with AP[2]) may differ per entry. */
		if ((a & DESC_DBM) && (b & DESC_DBM))
			diff &= ~DESC_AP2;
		if (oa_a == oa_b && !diff)
			continue;
		if (why)
			snprintf(why, len, "entries %d and %d disagree on %s", first, i,
				 oa_a != oa_b ? "the output address" :
				 diff & (DESC_AP1 | DESC_AP2 | DESC_PXN | DESC_UXN) ? "permissions" :
				 diff & DESC_NG ? "nG" : "memory type or shareability");
		return true;
	}
	return false;
}

bool rules_stale_use(uint64_t pa_used, const WalkResult *now, AccessType a, int el)
{
	if (now->fault != FAULT_NONE)
		return true;
	if ((now->pa & ~(uint64_t)(PAGE_SIZE - 1)) != (pa_used & ~(uint64_t)(PAGE_SIZE - 1)))
		return true;
	return walk_check_access(&now->leaf, a, el) != FAULT_NONE;
}
