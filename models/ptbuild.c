// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptbuild.c - load-time construction of VMSAv8-64 translation tables,
 * 4 KiB granule (Arm ARM D8.3). Tables are allocated from a pool and
 * zeroed; mappings may not overlap and must be aligned to their level.
 */
#include "bbmsim/ptbuild.h"
#include "bbmsim/desc.h"

void pt_init(PtBuilder *b, PtReadFn rd, PtWriteFn wr, void *ctx, uint64_t pool_base, uint64_t pool_size)
{
	b->read = rd;
	b->write = wr;
	b->ctx = ctx;
	b->pool_base = b->pool_next = pool_base;
	b->pool_end = pool_base + pool_size;
}

bool pt_alloc_table(PtBuilder *b, uint64_t *pa)
{
	if (b->pool_next + PAGE_SIZE > b->pool_end)
		return false;
	*pa = b->pool_next;
	b->pool_next += PAGE_SIZE;
	for (unsigned i = 0; i < 512; i++)
		b->write(b->ctx, *pa + i * 8, 0);
	return true;
}

static unsigned pt_index(uint64_t va, int level)
{
	return (unsigned)((va >> (12 + 9 * (3 - level))) & 511);
}

/* Descend to the table at @level for @va, creating tables if @create. */
static const char *pt_table_for(PtBuilder *b, uint64_t root, int start_level, uint64_t va,
				int level, bool create, uint64_t *table)
{
	uint64_t t = root;

	for (int l = start_level; l < level; l++) {
		uint64_t dpa = t + pt_index(va, l) * 8;
		uint64_t d = b->read(b->ctx, dpa);
		DescKind k = desc_kind(d, l);
		if (k == DESC_KIND_TABLE) {
			t = d & DESC_OA_MASK;
			continue;
		}
		if (k != DESC_KIND_INVALID)
			return "overlaps an existing larger mapping";
		if (!create)
			return "no table";
		uint64_t nt;
		if (!pt_alloc_table(b, &nt))
			return "the table pool is full";
		b->write(b->ctx, dpa, nt | DESC_VALID | DESC_TABLE);
		t = nt;
	}
	*table = t;
	return NULL;
}

const char *pt_map(PtBuilder *b, uint64_t root, int start_level, uint64_t va, uint64_t pa,
		   uint64_t size, int level, uint64_t attrs)
{
	if (level < 1 || level > 3 || level < start_level)
		return "mapping granularity must be 1 GiB, 2 MiB or 4 KiB and reachable from the start level";
	uint64_t gran = desc_level_size(level);
	if ((va | pa | size) & (gran - 1))
		return "address or size not aligned to the mapping granularity";
	if (!size)
		return "size is zero";
	if (pa & ~DESC_OA_MASK & ~(gran - 1))
		return "physical address beyond 48 bits";
	for (uint64_t off = 0; off < size; off += gran) {
		uint64_t table;
		const char *e = pt_table_for(b, root, start_level, va + off, level, true, &table);
		if (e)
			return e;
		uint64_t dpa = table + pt_index(va + off, level) * 8;
		if (b->read(b->ctx, dpa) & DESC_VALID)
			return "overlaps an existing mapping";
		uint64_t type = level == 3 ? (DESC_VALID | DESC_TABLE) : DESC_VALID;
		/* Attributes may not touch the OA field; in a block, bit 16 is nT (IPJZBK). */
		uint64_t oa_field = DESC_OA_MASK & ~(level < 3 ? DESC_NT : 0);
		b->write(b->ctx, dpa, ((pa + off) & DESC_OA_MASK) | (attrs & ~(oa_field | 3ull)) | type);
	}
	return NULL;
}

uint64_t pt_desc_addr(PtBuilder *b, uint64_t root, int start_level, uint64_t va, int level)
{
	uint64_t table;

	if (level < start_level || level > 3)
		return ~0ull;
	if (pt_table_for(b, root, start_level, va, level, false, &table))
		return ~0ull;
	return table + pt_index(va, level) * 8;
}
