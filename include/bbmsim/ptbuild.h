/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ptbuild.h - build translation tables at load time (4 KiB granule) in a
 * pool of physical pages, through read/write callbacks. Used by the scenario
 * loader and the tests; the simulated code then changes them live.
 */
#ifndef BBMSIM_PTBUILD_H
#define BBMSIM_PTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t (*PtReadFn)(void *ctx, uint64_t pa);
typedef void (*PtWriteFn)(void *ctx, uint64_t pa, uint64_t val);

typedef struct PtBuilder {
	PtReadFn read;
	PtWriteFn write;
	void *ctx;
	uint64_t pool_base, pool_end, pool_next;   /* page allocator for tables */
} PtBuilder;

void pt_init(PtBuilder *b, PtReadFn rd, PtWriteFn wr, void *ctx, uint64_t pool_base, uint64_t pool_size);

/* Allocate a zeroed table page from the pool; false when the pool is full. */
bool pt_alloc_table(PtBuilder *b, uint64_t *pa);

/*
 * Map [va, va+size) -> pa in the tree rooted at @root (start level
 * @start_level) with descriptors at @level (1 = 1 GiB blocks, 2 = 2 MiB
 * blocks, 3 = 4 KiB pages). @attrs are the descriptor's attribute bits
 * (AttrIndx, AP, SH, AF, nG, UXN, PXN, CONT); the valid/type bits and the
 * OA are added here. Returns NULL or an error message (static string).
 */
const char *pt_map(PtBuilder *b, uint64_t root, int start_level, uint64_t va, uint64_t pa,
		   uint64_t size, int level, uint64_t attrs);

/*
 * PA of the descriptor that translates @va at @level, or ~0 when a table on
 * the way is missing.
 */
uint64_t pt_desc_addr(PtBuilder *b, uint64_t root, int start_level, uint64_t va, int level);

#endif
