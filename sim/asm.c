// SPDX-License-Identifier: GPL-2.0-only
/*
 * asm.c - one block of GNU as source linked at one address: a single
 * LINK_ASM unit of link.c, so it places every section the way a scenario's
 * code is placed (text, read-only data, data, bss in that order from the
 * base, unwind tables and notes discarded, nothing dropped silently).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bbmsim/asm.h"
#include "bbmsim/link.h"

static void add_diag(AsmResult *r, int line, const char *msg)
{
	AsmDiag *d = realloc(r->diag, (r->ndiag + 1) * sizeof(*r->diag));
	if (!d)
		abort();
	r->diag = d;
	d = &r->diag[r->ndiag++];
	d->line = line;
	size_t n = strlen(msg);
	if (n >= sizeof(d->msg))
		n = sizeof(d->msg) - 1;
	memcpy(d->msg, msg, n);
	d->msg[n] = 0;
}

int asm_assemble(const char *src, uint64_t base, AsmResult *r)
{
	LinkUnit u = { .label = "source", .kind = LINK_ASM, .text = src, .va = base, .pa = base };
	LinkResult lr;

	memset(r, 0, sizeof(*r));
	int rc = link_run(&u, 1, NULL, 0, &lr);
	for (size_t i = 0; i < lr.ndiag; i++) {
		const LinkDiag *d = &lr.diag[i];
		if (strstr(d->text, "Assembler messages:"))
			continue;
		add_diag(r, d->line, d->msg ? d->msg : d->text);
	}
	if (rc) {
		snprintf(r->tool_error, sizeof(r->tool_error), "%.*s", (int)sizeof(r->tool_error) - 1, lr.error);
	} else {
		LinkRegion *g = &lr.region[0];
		r->bytes = g->bytes ? g->bytes : calloc(1, 1);
		r->len = g->len;
		g->bytes = NULL;
	}
	link_result_fini(&lr);
	return rc;
}

void asm_result_fini(AsmResult *r)
{
	free(r->bytes);
	free(r->diag);
	memset(r, 0, sizeof(*r));
}
