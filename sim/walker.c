// SPDX-License-Identifier: GPL-2.0-only
/*
 * walker.c - how the machine's translation table walker reads a descriptor.
 *
 * A walk is a separate observer of memory (RTGRMW): it reads physical
 * memory as the pending module says this PE's walker sees it (a table
 * store not yet published to it by a DSB reads as the value before,
 * RSPVBD), and reports each descriptor read as EV_WALK_DESC unless quiet.
 * The lowest room of the machine: everything that walks (the TLB fills,
 * the mirror checking a page, AT, the speculative fills) reads through it.
 */
#include <string.h>
#include "walker.h"

/*
 * A walker's read of a descriptor (RTGRMW: a separate observer). Under
 * WALK_VIS_AT_DSB a store not yet made visible to this walker by a DSB of
 * its PE is not seen: the walk reads the value from before the oldest such
 * store (pending_walk_read; pending_walk_values lists every value RSPVBD
 * allows).
 */
uint64_t walk_read(void *ctx, uint64_t pa, int level)
{
	WalkCtx *w = ctx;
	Machine *m = w->m;
	uint64_t v = 0;

	if (pa + 8 > m->mem_size)
		return 0;
	memcpy(&v, m->phys + pa, 8);
	if (m->pend.nstores)
		v = pending_walk_read(&m->pend, w->pe->id, pa, v);
	if (!w->quiet)
		EMIT(m, .type = EV_WALK_DESC, .pe = w->pe->id, .pa = pa, .val = v, .level = level);
	return v;
}
