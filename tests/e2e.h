/* SPDX-License-Identifier: GPL-2.0-only */
/* e2e.h - helpers for end-to-end tests on the engine. */
#ifndef BBMSIM_TESTS_E2E_H
#define BBMSIM_TESTS_E2E_H

#include <stdio.h>
#include "bbmsim/machine.h"
#include "bbmsim/ptbuild.h"
#include "bbmsim/asm.h"

extern int e2e_failures;

#define CHECK(c)                                                                   \
	do {                                                                       \
		if (!(c)) {                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
			e2e_failures++;                                            \
		}                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                             \
	do {                                                                       \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
		if (a_ != b_) {                                                    \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = 0x%llx, %s = 0x%llx\n", \
				__FILE__, __LINE__, #a, a_, #b, b_);               \
			e2e_failures++;                                            \
		}                                                                  \
	} while (0)

/* Normal memory, Inner Shareable, AF set, EL1 read-write. */
#define E2E_ATTR_RW   (DESC_AF | (3ull << 8) | DESC_UXN | DESC_PXN)
#define E2E_ATTR_CODE (DESC_AF | (3ull << 8) | DESC_UXN | DESC_AP2)
#define E2E_TCR       (16ull | (16ull << 16) | (2ull << 30))
#define E2E_MAIR      0xffull

void e2e_builder(Machine *m, PtBuilder *b, uint64_t pool_pa, uint64_t pool_size);
/* Assemble @src at @va and copy it to @pa; exits the test on failure. */
size_t e2e_load(Machine *m, const char *src, uint64_t va, uint64_t pa);
void e2e_map(PtBuilder *b, uint64_t root, uint64_t va, uint64_t pa, uint64_t size, int level, uint64_t attrs);
PeInit e2e_pe(uint64_t pc, uint64_t root);

/*
 * The two-PE remap used by several tests: PE0 runs @writer with x1 = the VA
 * (through the pool's alias) of DATA_VA's level 3 descriptor, x2 = the new
 * descriptor (NEW_PA), x3 = DATA_VA >> 12; PE1 runs @reader with x4 =
 * DATA_VA. OLD_PA holds 0x1111, NEW_PA 0x2222. Initialises both PEs and
 * returns their PeInit in @p0/@p1 (for the analysis).
 */
#define E2E_POOL_PA   0x100000ull
#define E2E_CODE0_PA  0x200000ull
#define E2E_CODE1_PA  0x210000ull
#define E2E_OLD_PA    0x300000ull
#define E2E_NEW_PA    0x301000ull
#define E2E_CODE_VA   0x40000000ull
#define E2E_DATA_VA   0x40100000ull
#define E2E_TABLE_VA  0x40200000ull   /* alias of the table pool */

void e2e_remap_build(Machine *m, const char *writer, const char *reader, PeInit *p0, PeInit *p1);

/* Event log kept in memory. */
typedef struct EventLog {
	Event *ev;
	size_t n, cap;
	uint64_t hash;
} EventLog;

void e2e_log_fn(void *ctx, const Event *ev);
void e2e_log_free(EventLog *l);

#endif
