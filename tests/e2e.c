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
