// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>
#include "e2e.h"

int e2e_failures;

static uint64_t rd(void *ctx, uint64_t pa) { return machine_phys_read64(ctx, pa); }
static void wr(void *ctx, uint64_t pa, uint64_t v) { machine_phys_write64(ctx, pa, v); }

void e2e_builder(Machine *m, PtBuilder *b, uint64_t pool_pa, uint64_t pool_size)
{
	pt_init(b, rd, wr, m, pool_pa, pool_size);
	machine_mark_table_pages(m, pool_pa, pool_size);
}

size_t e2e_load(Machine *m, const char *src, uint64_t va, uint64_t pa)
{
	AsmResult r;
	if (asm_assemble(src, va, &r)) {
		fprintf(stderr, "assembly failed: %s\n", r.tool_error);
		for (size_t i = 0; i < r.ndiag; i++)
			fprintf(stderr, "  line %d: %s\n", r.diag[i].line, r.diag[i].msg);
		exit(1);
	}
	machine_phys_write(m, pa, r.bytes, r.len);
	size_t n = r.len;
	asm_result_fini(&r);
	return n;
}

void e2e_map(PtBuilder *b, uint64_t root, uint64_t va, uint64_t pa, uint64_t size, int level, uint64_t attrs)
{
	const char *e = pt_map(b, root, 0, va, pa, size, level, attrs);
	if (e) {
		fprintf(stderr, "pt_map(0x%llx): %s\n", (unsigned long long)va, e);
		exit(1);
	}
}

PeInit e2e_pe(uint64_t pc, uint64_t root)
{
	PeInit p;
	memset(&p, 0, sizeof(p));
	p.pc = pc;
	p.el = 1;
	/* TTBR0 only: TTBR1 walks are disabled, so the tables have one VA each. */
	p.regs.ttbr0 = root;
	p.regs.tcr = E2E_TCR | TCR_EPD1;
	p.regs.mair = E2E_MAIR;
	p.regs.sctlr = SCTLR_M;
	return p;
}

void e2e_log_fn(void *ctx, const Event *ev)
{
	EventLog *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->ev = realloc(l->ev, l->cap * sizeof(*l->ev));
	}
	Event e = *ev;
	e.entry = NULL;
	l->ev[l->n++] = e;
	/* FNV-1a over the fields that must be deterministic. */
	uint64_t f[] = { ev->type, ev->tick, (uint64_t)ev->pe, ev->pc, ev->va, ev->pa, ev->val, ev->old };
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		l->hash ^= f[i];
		l->hash *= 0x100000001b3ull;
	}
}

void e2e_log_free(EventLog *l)
{
	free(l->ev);
	memset(l, 0, sizeof(*l));
}

void e2e_remap_build(Machine *m, const char *writer, const char *reader, PeInit *p0, PeInit *p1)
{
	char err[256];
	PtBuilder b;
	uint64_t root;

	e2e_builder(m, &b, E2E_POOL_PA, 0x40000);
	CHECK(pt_alloc_table(&b, &root));
	e2e_map(&b, root, E2E_CODE_VA, E2E_CODE0_PA, 0x20000, 3, E2E_ATTR_CODE);
	e2e_map(&b, root, E2E_DATA_VA, E2E_OLD_PA, 0x1000, 3, E2E_ATTR_RW);
	e2e_map(&b, root, E2E_TABLE_VA, E2E_POOL_PA, 0x40000, 3, E2E_ATTR_RW);
	uint64_t desc_pa = pt_desc_addr(&b, root, 0, E2E_DATA_VA, 3);
	CHECK(desc_pa != ~0ull);
	machine_phys_write64(m, E2E_OLD_PA, 0x1111);
	machine_phys_write64(m, E2E_NEW_PA, 0x2222);
	e2e_load(m, writer, E2E_CODE_VA, E2E_CODE0_PA);
	e2e_load(m, reader, E2E_CODE_VA + (E2E_CODE1_PA - E2E_CODE0_PA), E2E_CODE1_PA);

	*p0 = e2e_pe(E2E_CODE_VA, root);
	*p1 = e2e_pe(E2E_CODE_VA + (E2E_CODE1_PA - E2E_CODE0_PA), root);
	p0->x[1] = E2E_TABLE_VA + (desc_pa - E2E_POOL_PA);
	p0->x[2] = E2E_NEW_PA | E2E_ATTR_RW | DESC_VALID | DESC_TABLE;
	p0->x[3] = E2E_DATA_VA >> 12;
	p1->x[4] = E2E_DATA_VA;
	CHECK(machine_pe_init(m, 0, p0, err, sizeof(err)));
	CHECK(machine_pe_init(m, 1, p1, err, sizeof(err)));
}
