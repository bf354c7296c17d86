// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptdump.c - translation table and TLB dumps.
 *
 * The table dump follows Linux's arch/arm64/mm/ptdump.c: a depth-first walk
 * that feeds every leaf descriptor to a "note" step which extends the
 * current run while the level and attributes stay the same, and prints the
 * run when they change. Attributes are decoded from a table (pte_bits[]),
 * not from if chains. Two differences from Linux, both for BBM debugging:
 *  - a run also needs contiguous output addresses, so each line can show
 *    the PA it maps to (a remap to another PA is visible in the dump);
 *  - MAIR is not known here, so the memory type is shown as its AttrIndx.
 * Invalid descriptors are not printed; a broken entry shows as a hole.
 */
#include <stdlib.h>
#include <string.h>
#include "bbmsim/desc.h"
#include "bbmsim/ptdump.h"

typedef uint64_t (*PtdumpReadFn)(void *ctx, uint64_t pa);

/* One column per entry: @set when (desc & mask) == val, else @clear. */
static const struct {
	uint64_t mask, val;
	const char *set, *clear;
} pte_bits[] = {
	{ DESC_AP1, DESC_AP1, "USR", "   " },
	{ DESC_AP2, DESC_AP2, "ro", "RW" },
	{ DESC_PXN, DESC_PXN, "NX", "x " },
	{ 3ull << 8, 3ull << 8, "SHD", NULL },     /* Inner Shareable */
	{ 3ull << 8, 2ull << 8, "OSH", NULL },     /* Outer Shareable */
	{ 3ull << 8, 1ull << 8, "SH?", NULL },     /* reserved encoding */
	{ 3ull << 8, 0, "   ", NULL },             /* Non-shareable */
	{ DESC_AF, DESC_AF, "AF", "  " },
	{ DESC_NG, DESC_NG, "NG", "  " },
	{ DESC_CONT, DESC_CONT, "CON", "   " },
	{ DESC_NT, DESC_NT, "nT", "  " },
	{ DESC_TABLE, 0, "BLK", "   " },           /* levels 0-2; bit 1 is set in pages */
	{ DESC_UXN, DESC_UXN, "UXN", "   " },
	{ DESC_DBM, DESC_DBM, "DBM", "   " },
};

/* The output address bits of a leaf at @level; below them a block has attributes (nT) or RES0. */
static uint64_t leaf_oa_mask(int level)
{
	return DESC_OA_MASK & ~(desc_level_size(level) - 1);
}

const char *ptdump_level_name(int level)
{
	static const char *const names[] = { "PGD", "PUD", "PMD", "PTE" };
	return level >= 0 && level <= 3 ? names[level] : "L?";
}

char *ptdump_size_format(uint64_t size, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (u < 5 && size && (size & 1023) == 0) {
		size >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%lluB", (unsigned long long)size);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)size, units[u]);
	return buf;
}

static char *attrs_format(uint64_t desc, int level, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(pte_bits) / sizeof(pte_bits[0]); i++) {
		const char *s = (desc & pte_bits[i].mask) == pte_bits[i].val ? pte_bits[i].set
									      : pte_bits[i].clear;
		/* nT is a block attribute (IPJZBK); in a page, bit 16 is OA[16]. */
		if (pte_bits[i].mask == DESC_NT && level == 3)
			s = pte_bits[i].clear;
		if (!s || n >= len)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "", s);
	}
	if (n < len)
		snprintf(buf + n, len - n, " attr%u", DESC_ATTRIDX(desc));
	return buf;
}

typedef struct PtdumpState {
	FILE *out;
	PtdumpReadFn rd;
	void *ctx;
	bool active;
	int level;
	uint64_t start, end, pa, desc;
} PtdumpState;

static void range_print(FILE *out, uint64_t start, uint64_t end, int level)
{
	char sz[24];

	ptdump_size_format(end - start, sz, sizeof(sz));
	fprintf(out, "0x%016llx-0x%016llx %7s %s ", (unsigned long long)start,
		(unsigned long long)end, sz, ptdump_level_name(level));
}

static void flush(PtdumpState *s)
{
	char a[96];

	if (!s->active)
		return;
	range_print(s->out, s->start, s->end, s->level);
	fprintf(s->out, "  %s pa=0x%llx\n", attrs_format(s->desc, s->level, a, sizeof(a)),
		(unsigned long long)s->pa);
	s->active = false;
}

static void note_leaf(PtdumpState *s, uint64_t va, int level, uint64_t desc)
{
	uint64_t size = desc_level_size(level), pa = desc & leaf_oa_mask(level);

	if (s->active && s->level == level && s->end == va && s->end != 0 &&
	    (s->desc & ~leaf_oa_mask(level)) == (desc & ~leaf_oa_mask(level)) &&
	    s->pa + (s->end - s->start) == pa) {
		s->end = va + size;
		return;
	}
	flush(s);
	s->active = true;
	s->level = level;
	s->start = va;
	s->end = va + size;
	s->pa = pa;
	s->desc = desc;
}

static void walk_table(PtdumpState *s, uint64_t table, int level, uint64_t va_base)
{
	uint64_t size = desc_level_size(level);

	for (unsigned i = 0; i < 512; i++) {
		uint64_t va = va_base + i * size;
		uint64_t d = s->rd(s->ctx, table + i * 8);

		switch (desc_kind(d, level)) {
		case DESC_KIND_INVALID:
			flush(s);
			break;
		case DESC_KIND_TABLE:
			walk_table(s, d & DESC_OA_MASK, level + 1, va);
			break;
		case DESC_KIND_BLOCK:
		case DESC_KIND_PAGE:
			note_leaf(s, va, level, d);
			break;
		case DESC_KIND_RESERVED:
			flush(s);
			range_print(s->out, va, va + size, level);
			fprintf(s->out, "  RSVD raw=0x%016llx\n", (unsigned long long)d);
			break;
		}
	}
}

void ptdump_tree(uint64_t root, int start_level, uint64_t va_base,
		 uint64_t (*rd)(void *ctx, uint64_t pa), void *ctx, FILE *out)
{
	PtdumpState s = { .out = out, .rd = rd, .ctx = ctx };

	if (start_level < 0 || start_level > 3)
		return;
	walk_table(&s, root & DESC_OA_MASK, start_level, va_base);
	flush(&s);
}

char *ptdump_entry_format(const TlbEntry *e, char *buf, size_t len)
{
	char sz[24], d[160], asid[16];
	uint64_t size = 1ull << e->size_log2;

	if (e->global)
		snprintf(asid, sizeof(asid), "global");
	else
		snprintf(asid, sizeof(asid), "asid=%u", e->asid);
	snprintf(buf, len, "0x%016llx-0x%016llx %s L%d %s pa=0x%llx %s desc@0x%llx=0x%016llx (%s) fill=%llu%s",
		 (unsigned long long)e->va, (unsigned long long)(e->va + size),
		 ptdump_size_format(size, sz, sizeof(sz)), e->level, e->leaf ? "leaf" : "walk",
		 (unsigned long long)e->pa, asid, (unsigned long long)e->desc_pa,
		 (unsigned long long)e->desc, desc_format(e->desc, e->level, d, sizeof(d)),
		 (unsigned long long)e->fill_tick, e->speculative ? " spec" : "");
	return buf;
}

static int entry_cmp(const void *a, const void *b)
{
	const TlbEntry *x = *(const TlbEntry *const *)a, *y = *(const TlbEntry *const *)b;

	if (x->leaf != y->leaf)
		return x->leaf ? -1 : 1;
	if (x->va != y->va)
		return x->va < y->va ? -1 : 1;
	if (x->size_log2 != y->size_log2)
		return x->size_log2 < y->size_log2 ? -1 : 1;
	if (x->global != y->global)
		return x->global ? -1 : 1;
	if (x->asid != y->asid)
		return x->asid < y->asid ? -1 : 1;
	return x->serial < y->serial ? -1 : x->serial > y->serial;
}

void ptdump_tlb(const Tlb *t, FILE *out)
{
	const TlbEntry **v = malloc((t->used ? t->used : 1) * sizeof(*v));
	size_t n = 0;
	char buf[320];

	if (!v) {
		fprintf(out, "(out of memory)\n");
		return;
	}
	for (long i = tlb_next(t, 0); i >= 0 && n < t->used; i = tlb_next(t, i + 1))
		v[n++] = &t->e[i];
	qsort(v, n, sizeof(*v), entry_cmp);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s\n", ptdump_entry_format(v[i], buf, sizeof(buf)));
	free(v);
}
