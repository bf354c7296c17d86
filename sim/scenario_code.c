// SPDX-License-Identifier: GPL-2.0-only
/*
 * scenario_code.c - the code entries of a scenario: their keys and link
 * addresses, the macro library and the names given to the assembler, and
 * where the bytes go (code must fit in memory and overlap nothing else).
 * The code is assembled once, at load: the bytes are the same at every level.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bbmsim/asm.h"
#include "scenario_priv.h"

bool scn_load_code_addrs(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = { "name", "pa", "va", "asm", NULL };
	Scenario *s = l->s;
	char w[64];

	if (!n)
		return true;
	s->code = scn_xcalloc(scn_seq_len(n), sizeof(*s->code));
	l->asm_node = scn_xcalloc(scn_seq_len(n), sizeof(*l->asm_node));
	for (size_t i = 0; i < scn_seq_len(n); i++) {
		yaml_node_t *it = scn_seq_at(l, n, i), *v;
		CodeBlock *c = &s->code[i];
		snprintf(w, sizeof(w), "code[%zu]", i);
		if (!scn_map_keys(l, it, w, keys) || !(v = scn_map_need(l, it, "pa", w)) ||
		    !scn_get_value(l, v, "code.pa", &c->pa))
			return false;
		if (c->pa & 3)
			return scn_fail_at(l, v, "code.pa must be 4-byte aligned");
		c->va = c->pa;
		if ((v = scn_map_get(l, it, "va"))) {
			if (!scn_get_value(l, v, "code.va", &c->va))
				return false;
			if (c->va & 3)
				return scn_fail_at(l, v, "code.va must be 4-byte aligned");
		}
		if (!(v = scn_map_need(l, it, "asm", w)))
			return false;
		if (!scn_scalar(v))
			return scn_fail_at(l, v, "code.asm must be text, not %s", scn_type_text(v));
		l->asm_node[i] = v;
		c->name = scn_xstrdup(scn_scalar(scn_map_get(l, it, "name")));
		c->at = scn_loc_of(it);
		s->ncode++;
		scn_name_set(s, c->name, c->va);
	}
	return true;
}

/* --- code ------------------------------------------------------------------------ */

/* The bbmsim macro library (docs/scenario-format.md), given to every block. */
static const char scn_macros[] =
	".macro bbm_exit\n"
	"\thlt #0\n"
	".endm\n"
	".macro dsb_isb\n"
	"\tdsb ish\n"
	"\tisb\n"
	".endm\n"
	".macro tlbi_va op, xva, xtmp\n"
	"\tubfx \\xtmp, \\xva, #12, #44\n"
	"\ttlbi \\op, \\xtmp\n"
	".endm\n"
	".macro bbm_replace xptr, xnew, xva, xtmp\n"
	"\tstr xzr, [\\xptr]\n"
	"\tdsb ish\n"
	"\ttlbi_va vaae1is, \\xva, \\xtmp\n"
	"\tdsb ish\n"
	"\tstr \\xnew, [\\xptr]\n"
	"\tdsb ish\n"
	"\tisb\n"
	".endm\n"
	".macro wait_flag_wfe xaddr, xval, xtmp\n"
	"\tsevl\n"
	".Lbbm_wait\\@:\n"
	"\twfe\n"
	"\tldxr \\xtmp, [\\xaddr]\n"
	"\tcmp \\xtmp, \\xval\n"
	"\tb.ne .Lbbm_wait\\@\n"
	".endm\n"
	".macro inc_flag xaddr, xtmp, wtmp\n"
	".Lbbm_inc\\@:\n"
	"\tldxr \\xtmp, [\\xaddr]\n"
	"\tadd \\xtmp, \\xtmp, #1\n"
	"\tstxr \\wtmp, \\xtmp, [\\xaddr]\n"
	"\tcbnz \\wtmp, .Lbbm_inc\\@\n"
	".endm\n";

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The scenario file line and column of line @k (1-based) of the text in @n. */
static Loc asm_line_loc(Ld *l, const yaml_node_t *n, int k)
{
	Loc at = scn_loc_of(n);
	yaml_scalar_style_t st = n->data.scalar.style;
	if (st == YAML_LITERAL_SCALAR_STYLE || st == YAML_FOLDED_SCALAR_STYLE)
		at.line += k;       /* the header ('|') line, then the content */
	else if (k > 1)
		at.line += k - 1;
	else
		return at;
	/* Column: the first non-blank of that line in the file. */
	const char *p = l->src, *end = l->src + l->srclen;
	for (int ln = 1; ln < at.line && p < end; p++)
		if (*p == '\n')
			ln++;
	at.col = 1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++, at.col++;
	return at;
}

bool scn_assemble_all(Ld *l)
{
	Scenario *s = l->s;
	size_t plen = strlen(scn_macros) + 1;
	char *prelude;

	for (size_t i = 0; i < s->nnames; i++)
		plen += strlen(s->names[i].name) + 48;
	prelude = scn_xcalloc(plen, 1);
	size_t o = (size_t)snprintf(prelude, plen, "%s", scn_macros);
	for (size_t i = 0; i < s->nnames; i++) {
		Name *e = &s->names[i];
		if (e->known)
			o += (size_t)snprintf(prelude + o, plen - o, ".set %s%s, 0x%llx\n",
					      e->kind == NAME_RESERVED ? "__" : "", e->name,
					      (unsigned long long)e->val);
	}
	int plines = count_lines(prelude);
	bool ok = true;

	for (size_t i = 0; i < s->ncode && ok; i++) {
		CodeBlock *c = &s->code[i];
		const char *text = scn_scalar(l->asm_node[i]);
		size_t sl = strlen(prelude) + strlen(text) + 2;
		char *src = scn_xcalloc(sl, 1);
		AsmResult r;
		snprintf(src, sl, "%s%s", prelude, text);
		if (asm_assemble(src, c->va, &r)) {
			/* The first error; inside a macro, the line that invoked it. */
			const AsmDiag *d = NULL;
			int line = 0;
			for (size_t k = 0; k < r.ndiag && !d; k++)
				if (strstr(r.diag[k].msg, "Error"))
					d = &r.diag[k];
			if (d && d->line > plines) {
				line = d->line - plines;
			} else if (d) {
				for (size_t k = (size_t)(d - r.diag) + 1; k < r.ndiag && !line; k++)
					if (r.diag[k].line > plines && strstr(r.diag[k].msg, "invoked from"))
						line = r.diag[k].line - plines;
			}
			if (!d && r.ndiag)
				d = &r.diag[0];
			const char *msg = d ? d->msg : r.tool_error[0] ? r.tool_error : "the assembler failed";
			if (!strncmp(msg, "Error: ", 7))
				msg += 7;
			/* ld names its temporary files: keep the message, not the paths. */
			const char *u = strstr(msg, "undefined reference to");
			if (u && line <= 0) {
				scn_fail_at(l, l->asm_node[i], "code '%s': %s (each code block is assembled alone: "
					"only the names of other blocks are visible)", c->name, u);
				ok = false;
				asm_result_fini(&r);
				free(src);
				break;
			}
			if (line > 0)
				scn_fail_loc(l, asm_line_loc(l, l->asm_node[i], line), "%s", msg);
			else
				scn_fail_at(l, l->asm_node[i], "code '%s': %s", c->name, msg);
			ok = false;
		} else if (!r.len) {
			ok = scn_fail_at(l, l->asm_node[i], "code '%s' assembles to nothing", c->name);
		} else if (!scn_in_memory(s, c->pa, r.len)) {
			ok = scn_fail_loc(l, c->at, "code '%s' [0x%llx, +0x%zx) does not fit in memory", c->name,
				      (unsigned long long)c->pa, r.len);
		} else {
			c->bytes = r.bytes;
			c->len = r.len;
			r.bytes = NULL;
		}
		asm_result_fini(&r);
		free(src);
	}
	free(prelude);
	return ok;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Code, data and the table pool may not overlap one another. */
bool scn_check_placement(Ld *l)
{
	Scenario *s = l->s;
	for (size_t i = 0; i < s->ncode; i++) {
		CodeBlock *c = &s->code[i];
		for (size_t k = 0; k < i; k++)
			if (overlaps(c->pa, c->len, s->code[k].pa, s->code[k].len))
				return scn_fail_loc(l, c->at, "code '%s' [0x%llx, 0x%llx) overlaps code '%s' "
						"[0x%llx, 0x%llx)", c->name, (unsigned long long)c->pa,
						(unsigned long long)(c->pa + c->len), s->code[k].name,
						(unsigned long long)s->code[k].pa,
						(unsigned long long)(s->code[k].pa + s->code[k].len));
		if (s->has_pool && overlaps(c->pa, c->len, s->pool_pa, s->pool_size))
			return scn_fail_loc(l, c->at, "code '%s' overlaps the table pool", c->name);
		for (size_t k = 0; k < s->nwords; k++)
			if (overlaps(c->pa, c->len, s->words[k].pa, 8))
				return scn_fail_loc(l, c->at, "code '%s' overlaps the data word at 0x%llx", c->name,
						(unsigned long long)s->words[k].pa);
	}
	for (size_t k = 0; k < s->nwords; k++)
		if (s->has_pool && overlaps(s->words[k].pa, 8, s->pool_pa, s->pool_size))
			return scn_fail_loc(l, s->machine_at, "the data word at 0x%llx is inside the table pool "
					"(name it in tables.descs or tables.spare instead)",
					(unsigned long long)s->words[k].pa);
	return true;
}
