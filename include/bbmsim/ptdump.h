/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ptdump.h - human-readable dumps of translation tables and TLBs, for
 * debugging and for the `bbmsim ptdump` command. Output is deterministic
 * (no host pointers), one line per item, and stable enough to diff.
 */
#ifndef BBMSIM_PTDUMP_H
#define BBMSIM_PTDUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "bbmsim/tlb.h"

/*
 * Dump the tree rooted at @root (a table walked at @start_level, 0..3, whose
 * first entry translates @va_base) in the style of Linux's
 * kernel_page_tables: neighbouring leaf descriptors at the same level with
 * identical attributes and contiguous output addresses merge into one line
 *
 *   0xSTART-0xEND  SIZE LVL  USR AP NX UXN SH AF NG CON nT KIND DBM attrN pa=0xPA
 *
 * (END exclusive; see docs/trace-format.md for the columns). Invalid entries
 * are not printed (a hole shows as a gap in the ranges); reserved encodings
 * get a line of their own. @rd reads the 64-bit descriptor at physical
 * address @pa. Reads at most the tables reachable from @root.
 */
void ptdump_tree(uint64_t root, int start_level, uint64_t va_base,
		 uint64_t (*rd)(void *ctx, uint64_t pa), void *ctx, FILE *out);

/*
 * Dump every live entry of @t, one per line, leaf entries first, then
 * walk-cache entries, each group sorted by VA then size (then ASID, serial).
 * Each line is ptdump_entry_format() of the entry.
 */
void ptdump_tlb(const Tlb *t, FILE *out);

/*
 * Format one TLB entry: "0xVA-0xEND 4K L3 leaf pa=0x.. asid=N|global
 * desc@0xPA=0xVAL (decoded) fill=TICK", always NUL-terminated. Returns @buf.
 */
char *ptdump_entry_format(const TlbEntry *e, char *buf, size_t len);

/* "4K", "2M", "1G", "12K": @size in the largest unit that divides it. */
char *ptdump_size_format(uint64_t size, char *buf, size_t len);

/* "PGD", "PUD", "PMD", "PTE" for levels 0..3, "L?" otherwise. */
const char *ptdump_level_name(int level);

#endif
