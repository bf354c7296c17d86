// SPDX-License-Identifier: GPL-2.0-only
/*
 * scenario_code.c - the code entries of a scenario (code:): inline asm,
 * source files (.c, .S, .s) and objects, their addresses and placed
 * sections, and what is given to the toolchain: the macro library, the
 * symbols as assembler constants (inline asm), every name as an absolute
 * link-time symbol (all code). sim/link.c builds and links; this file turns
 * its answer into the scenario's terms: bytes per region, the code's global
 * symbols as names, and every line the tools printed at the scenario line
 * (inline asm) or in the source file's own terms, under a located first line.
 *
 * The code is linked once, at load: the bytes are the same at every level.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "scenario_priv.h"


/* --- reading code entries ---------------------------------------------------------- */

/* @file relative to the scenario's directory (as given when absolute). */
static char *scenario_relative(const Scenario *s, const char *file)
{
	const char *slash = strrchr(s->path, '/');
	if (file[0] == '/' || !slash)
		return scn_xstrdup(file);
	size_t dl = (size_t)(slash - s->path);
	char *p = scn_xcalloc(dl + strlen(file) + 2, 1);
	memcpy(p, s->path, dl);
	p[dl] = '/';
	strcpy(p + dl + 1, file);
	return p;
}

static void flag_add(CodeBlock *c, char *f)
{
	c->flags = realloc(c->flags, (c->nflags + 1) * sizeof(*c->flags));
	if (!c->flags)
		abort();
	c->flags[c->nflags++] = f;
}

/*
 * cflags: compiler options after the defaults. Include directories and
 * included files (-I, -iquote, -isystem, -idirafter, -include, -imacros;
 * joined or as the next item) are relative to the scenario. Options that
 * would change what bbmsim asks the compiler for are refused.
 */
static bool load_cflags(Ld *l, yaml_node_t *n, CodeBlock *c)
{
	static const char *const path_opts[] = { "-I", "-iquote", "-isystem", "-idirafter", "-include", "-imacros", NULL };
	/* Exactly these, or any option starting with these: the output, the language, dependency files, other tools. */
	static const char *const refused_exact[] = { "-c", "-S", "-E", "-pipe", "-###", NULL };
	static const char *const refused_prefix[] = {
		"-o", "--output", "-x", "-M", "-save-temps", "-wrapper", "-fplugin", "-specs", "-B", NULL,
	};
	bool next_is_path = false;

	if (!scn_need_type(l, n, YAML_SEQUENCE_NODE, "code.cflags"))
		return false;
	for (size_t i = 0; i < scn_seq_len(n); i++) {
		yaml_node_t *it = scn_seq_at(l, n, i);
		const char *f = scn_scalar(it);
		if (!f || !*f)
			return scn_fail_at(l, it, "each of code.cflags must be a compiler option, not %s",
					   f ? "empty" : scn_type_text(it));
		if (next_is_path) {
			flag_add(c, scenario_relative(l->s, f));
			next_is_path = false;
			continue;
		}
		if (f[0] != '-')
			return scn_fail_at(l, it, "'%s' in code.cflags is not a compiler option (they start with '-'; "
					   "give an include directory as -Idir)", f);
		bool refuse = false;
		for (int r = 0; refused_exact[r]; r++)
			refuse |= !strcmp(f, refused_exact[r]);
		for (int r = 0; refused_prefix[r]; r++)
			refuse |= !strncmp(f, refused_prefix[r], strlen(refused_prefix[r]));
		if (refuse)
			return scn_fail_at(l, it, "'%s' is not allowed in code.cflags: bbmsim chooses the "
					   "compiler's output, language and tools", f);
		bool done = false;
		for (int p = 0; path_opts[p] && !done; p++) {
			size_t pl = strlen(path_opts[p]);
			if (strncmp(f, path_opts[p], pl))
				continue;
			if (!f[pl]) {
				next_is_path = true;
				flag_add(c, scn_xstrdup(f));
			} else {
				char *rel = scenario_relative(l->s, f + pl);
				char *joined = scn_xcalloc(pl + strlen(rel) + 1, 1);
				memcpy(joined, f, pl);
				strcpy(joined + pl, rel);
				free(rel);
				flag_add(c, joined);
			}
			done = true;
		}
		if (!done)
			flag_add(c, scn_xstrdup(f));
	}
	if (next_is_path)
		return scn_fail_at(l, n, "code.cflags ends with '%s', which needs a path after it", c->flags[c->nflags - 1]);
	return true;
}

/* code[].sections: [{name, pa, va}] */
static bool load_sections(Ld *l, yaml_node_t *n, CodeBlock *c, const char *w)
{
	static const char *const keys[] = { "name", "pa", "va", NULL };
	char sw[96];

	if (!scn_need_type(l, n, YAML_SEQUENCE_NODE, "code.sections"))
		return false;
	c->sect = scn_xcalloc(scn_seq_len(n), sizeof(*c->sect));
	for (size_t i = 0; i < scn_seq_len(n); i++) {
		yaml_node_t *it = scn_seq_at(l, n, i), *v;
		CodeSection *cs = &c->sect[i];
		snprintf(sw, sizeof(sw), "%s.sections[%zu]", w, i);
		if (!scn_map_keys(l, it, sw, keys) || !(v = scn_map_need(l, it, "name", sw)))
			return false;
		const char *nm = scn_scalar(v);
		if (!nm || !*nm)
			return scn_fail_at(l, v, "a section name must be text such as .idmap.text");
		for (size_t k = 0; k < i; k++)
			if (!strcmp(c->sect[k].name, nm))
				return scn_fail_at(l, v, "section '%s' is already placed at line %d:%d", nm,
						   c->sect[k].at.line, c->sect[k].at.col);
		if (!(v = scn_map_need(l, it, "pa", sw)) || !scn_get_value(l, v, "sections.pa", &cs->pa))
			return false;
		cs->va = cs->pa;
		if ((v = scn_map_get(l, it, "va")) && !scn_get_value(l, v, "sections.va", &cs->va))
			return false;
		cs->name = scn_xstrdup(nm);
		cs->at = scn_loc_of(it);
		c->nsect++;
	}
	return true;
}

bool scn_load_code(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = {
		"name", "pa", "va", "asm", "source", "object", "cpp", "cflags", "sections", NULL,
	};
	static const char *const what[] = { "asm", "source", "object" };
	Scenario *s = l->s;
	char w[64];

	if (!n)
		return true;
	s->code = scn_xcalloc(scn_seq_len(n), sizeof(*s->code));
	l->code_node = scn_xcalloc(scn_seq_len(n), sizeof(*l->code_node));
	for (size_t i = 0; i < scn_seq_len(n); i++) {
		yaml_node_t *it = scn_seq_at(l, n, i), *v, *body = NULL;
		CodeBlock *c = &s->code[i];
		int kind = -1;
		snprintf(w, sizeof(w), "code[%zu]", i);
		if (!scn_map_keys(l, it, w, keys))
			return false;
		c->name = scn_xstrdup(scn_scalar(scn_map_get(l, it, "name")));
		c->at = scn_loc_of(it);
		s->ncode++;
		if (!(v = scn_map_need(l, it, "pa", w)) || !scn_get_value(l, v, "code.pa", &c->pa))
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
		for (int k = 0; k < 3; k++) {
			if (!(v = scn_map_get(l, it, what[k])))
				continue;
			if (body)
				return scn_fail_at(l, v, "code '%s' has both %s and %s: give one", c->name, what[kind],
						   what[k]);
			body = v;
			kind = k;
		}
		if (!body)
			return scn_fail_at(l, it, "missing key 'asm', 'source' or 'object' in %s", w);
		if (!scn_scalar(body) || (kind && !*scn_scalar(body)))
			return scn_fail_at(l, body, "code.%s must be %s, not %s", what[kind],
					   kind ? "a file name" : "text", scn_scalar(body) ? "empty" : scn_type_text(body));
		l->code_node[i] = body;
		bool cpp = false;
		if ((v = scn_map_get(l, it, "cpp"))) {
			if (kind != 0)
				return scn_fail_at(l, v, "code.cpp applies to inline asm (a .S file is always preprocessed)");
			if (!scn_get_bool(l, v, "code.cpp", &cpp))
				return false;
		}
		if (kind == 0) {
			c->kind = cpp ? LINK_ASM_CPP : LINK_ASM;
			if (cpp) {
				/* #include "x.h" in inline asm: relative to the scenario, as a file's would be. */
				char *dir = scenario_relative(s, ".");
				char *inc = scn_xcalloc(strlen(dir) + 3, 1);
				sprintf(inc, "-I%s", dir);
				free(dir);
				flag_add(c, inc);
			}
		} else {
			const char *file = scn_scalar(body), *ext = strrchr(file, '.');
			c->kind = kind == 1 ? LINK_SOURCE : LINK_OBJECT;
			if (kind == 1 && (!ext || (strcmp(ext, ".c") && strcmp(ext, ".S") && strcmp(ext, ".s"))))
				return scn_fail_at(l, body, "code.source must name a .c, .S or .s file, not '%s'", file);
			c->path = scenario_relative(s, file);
			struct stat st;
			if (stat(c->path, &st))
				return scn_fail_at(l, body, "code '%s': cannot read %s: %s", c->name,
						   link_display_path(c->path), strerror(errno));
			if (!S_ISREG(st.st_mode))
				return scn_fail_at(l, body, "code '%s': %s is not a regular file", c->name,
						   link_display_path(c->path));
		}
		if ((v = scn_map_get(l, it, "cflags"))) {
			if (c->kind == LINK_ASM || c->kind == LINK_OBJECT)
				return scn_fail_at(l, v, "code.cflags applies to source files and to asm with cpp: true");
			if (!load_cflags(l, v, c))
				return false;
		}
		if ((v = scn_map_get(l, it, "sections")) && !load_sections(l, v, c, w))
			return false;
		scn_name_set(s, c->name, c->va);
	}
	return true;
}

/* --- linking ----------------------------------------------------------------------- */

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

static bool is_inline(const CodeBlock *c)
{
	return c->kind == LINK_ASM || c->kind == LINK_ASM_CPP;
}

/*
 * The link failed: one located line saying what, then every line the tools
 * printed, each at the scenario line when it names a line of inline asm.
 */
static bool link_failed(Ld *l, yaml_node_t *code, const LinkResult *r)
{
	Scenario *s = l->s;
	Str m = { 0 };
	Loc at = scn_loc_of(code);

	if (r->fail_unit >= 0) {
		const CodeBlock *c = &s->code[r->fail_unit];
		yaml_node_t *body = l->code_node[r->fail_unit];
		if (c->text) {
			/* The kit's generated code: its own lines mean nothing to the reader. */
			at = c->at;
			scn_str_add(&m, "kit: %s", r->error);
		} else if (r->fail_place >= 0) {
			at = c->sect[r->fail_place].at;
			scn_str_add(&m, "code '%s' section '%s': %s", c->name, c->sect[r->fail_place].name, r->error);
		} else if (r->fail_line > 0 && is_inline(c)) {
			at = asm_line_loc(l, body, r->fail_line);
			scn_str_add(&m, "%s%s", r->error, strstr(r->error, "undefined reference") ?
				" (a label of another code entry links only if that entry makes it .global)" : "");
		} else {
			at = scn_loc_of(body);
			scn_str_add(&m, "code '%s': %s", c->name, r->error);
		}
	} else {
		scn_str_add(&m, "the code does not link: %s", r->error);
	}
	for (size_t i = 0; i < r->ndiag; i++) {
		const LinkDiag *d = &r->diag[i];
		if (d->unit >= 0 && d->line > 0 && is_inline(&s->code[d->unit]) && !s->code[d->unit].text) {
			Loc dl = asm_line_loc(l, l->code_node[d->unit], d->line);
			scn_str_add(&m, "\n  %s:%d:%d: %s", s->path, dl.line, dl.col, d->msg ? d->msg : d->text);
		} else {
			scn_str_add(&m, "\n  %s", d->text);
		}
	}
	/* Never cut a line silently: past the caller's buffer, say how many lines are left out. */
	size_t room = l->errlen > strlen(s->path) + 200 ? l->errlen - strlen(s->path) - 200 : 0;
	if (m.s && m.len > room) {
		char *cut = m.s + room;
		while (cut > m.s && *cut != '\n')
			cut--;
		size_t left = 0;
		for (const char *q = cut; *q; q++)
			left += *q == '\n';
		if (cut > m.s) {
			*cut = 0;
			m.len = (size_t)(cut - m.s);
			scn_str_add(&m, "\n  ... and %zu more lines (the message buffer is full)", left);
		}
	}
	scn_fail_loc(l, at, "%s", m.s ? m.s : "the link failed");
	free(m.s);
	return false;
}

/* The bbmsim macro library and the symbols as assembler constants: before each inline asm. */
static char *make_prelude(const Scenario *s)
{
	Str p = { 0 };
	scn_str_add(&p, "%s", scn_macros);
	for (size_t i = 0; i < s->nnames; i++)
		if (s->names[i].kind == NAME_SYMBOL && s->names[i].known)
			scn_str_add(&p, ".set %s, 0x%llx\n", s->names[i].name, (unsigned long long)s->names[i].val);
	return p.s;
}

bool scn_link_code(Ld *l, yaml_node_t *code)
{
	Scenario *s = l->s;
	LinkResult r;
	bool ok = true;

	if (!s->ncode)
		return true;
	char *prelude = make_prelude(s);
	LinkUnit *u = scn_xcalloc(s->ncode, sizeof(*u));
	LinkPlace **pl = scn_xcalloc(s->ncode, sizeof(*pl));
	char **label = scn_xcalloc(s->ncode, sizeof(*label));
	LinkName *nm = scn_xcalloc(s->nnames, sizeof(*nm));
	char **what = scn_xcalloc(s->nnames, sizeof(*what));
	size_t nn = 0;

	for (size_t i = 0; i < s->ncode; i++) {
		CodeBlock *c = &s->code[i];
		Str lb = { 0 };
		if (c->text)
			scn_str_add(&lb, "the kit's code");
		else
			scn_str_add(&lb, "code '%s'", c->name);
		if (c->kind == LINK_OBJECT)
			scn_str_add(&lb, " (%s)", link_display_path(c->path));
		label[i] = lb.s;
		pl[i] = scn_xcalloc(c->nsect, sizeof(**pl));
		for (size_t k = 0; k < c->nsect; k++)
			pl[i][k] = (LinkPlace){ .section = c->sect[k].name, .va = c->sect[k].va, .pa = c->sect[k].pa };
		u[i] = (LinkUnit){
			.label = label[i], .kind = c->kind, .prelude = is_inline(c) && !c->text ? prelude : NULL,
			.text = c->text ? c->text : is_inline(c) ? scn_scalar(l->code_node[i]) : NULL, .path = c->path,
			.flags = (const char *const *)c->flags, .nflags = c->nflags, .va = c->va, .pa = c->pa,
			.place = pl[i], .nplace = c->nsect,
		};
	}
	for (size_t i = 0; i < s->nnames; i++) {
		const Name *e = &s->names[i];
		Str wt = { 0 };
		if (!e->known)
			continue;
		scn_str_add(&wt, "%s at line %d:%d", scn_name_kind_text[e->kind], e->at.line, e->at.col);
		what[nn] = wt.s;
		nm[nn++] = (LinkName){ .name = e->name, .value = e->val, .what = wt.s };
		if (e->kind == NAME_RESERVED)
			nm[nn - 1].name = "__reserved";
	}
	if (link_run(u, s->ncode, nm, nn, &r)) {
		ok = link_failed(l, code, &r);
	} else {
		s->region = r.region;
		s->nregion = r.nregion;
		r.region = NULL;
		r.nregion = 0;
		s->csym = r.sym;
		s->ncsym = r.nsym;
		r.sym = NULL;
		r.nsym = 0;
		for (size_t i = 0; i < s->nregion; i++)
			s->code[s->region[i].unit].len += s->region[i].len;
		for (size_t i = 0; i < s->ncode && ok; i++)
			if (!s->code[i].len)
				ok = scn_fail_at(l, l->code_node[i], "code '%s' %s", s->code[i].name,
						 is_inline(&s->code[i]) ? "assembles to nothing" : "holds no code or data");
		/* The code's global symbols become names (pes[].entry: main). */
		for (size_t i = 0; i < s->ncsym && ok; i++) {
			const LinkSymbol *y = &s->csym[i];
			if (!y->global || !scn_is_ident(y->name, strlen(y->name)) || scn_is_register_name(y->name) ||
			    scn_name_find(s, y->name))
				continue;
			s->names = realloc(s->names, (s->nnames + 1) * sizeof(*s->names));
			if (!s->names)
				abort();
			s->names[s->nnames++] = (Name){ .name = scn_xstrdup(y->name), .kind = NAME_CODE_SYMBOL,
							.at = s->code[y->unit].at, .known = true, .val = y->value };
		}
	}
	link_result_fini(&r);
	for (size_t i = 0; i < s->ncode; i++) {
		free(label[i]);
		free(pl[i]);
	}
	for (size_t i = 0; i < nn; i++)
		free(what[i]);
	free(what);
	free(nm);
	free(label);
	free(pl);
	free(u);
	free(prelude);
	return ok;
}

/* --- placement --------------------------------------------------------------------- */

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static void region_text(const Scenario *s, const LinkRegion *g, char *buf, size_t len)
{
	const CodeBlock *c = &s->code[g->unit];
	if (c->text)
		snprintf(buf, len, "the kit's %s", g->place < 0 ? "code (kit.code)" : "data (kit.data)");
	else if (g->place < 0)
		snprintf(buf, len, "code '%s'", c->name);
	else
		snprintf(buf, len, "code '%s' section '%s'", c->name, c->sect[g->place].name);
}

static Loc region_loc(const Scenario *s, const LinkRegion *g)
{
	return g->place < 0 ? s->code[g->unit].at : s->code[g->unit].sect[g->place].at;
}

/* Code, data and the table pool may not overlap one another, and all must be in memory. */
bool scn_check_placement(Ld *l)
{
	Scenario *s = l->s;
	char a[160], b[160];

	for (size_t i = 0; i < s->nregion; i++) {
		const LinkRegion *g = &s->region[i];
		if (!g->len)
			continue;
		region_text(s, g, a, sizeof(a));
		Loc at = region_loc(s, g);
		if (!scn_in_memory(s, g->pa, g->len))
			return scn_fail_loc(l, at, "%s [0x%llx, +0x%zx) does not fit in memory", a,
					    (unsigned long long)g->pa, g->len);
		for (size_t k = 0; k < i; k++) {
			const LinkRegion *o = &s->region[k];
			if (!o->len)
				continue;
			bool pa = overlaps(g->pa, g->len, o->pa, o->len);
			/* Within one entry, VAs may not overlap either (its code would see one of them). */
			bool va = o->unit == g->unit && overlaps(g->va, g->len, o->va, o->len);
			if (!pa && !va)
				continue;
			region_text(s, o, b, sizeof(b));
			uint64_t x = pa ? g->pa : g->va, y = pa ? o->pa : o->va;
			return scn_fail_loc(l, at, "%s [0x%llx, 0x%llx) overlaps %s [0x%llx, 0x%llx)%s", a,
					    (unsigned long long)x, (unsigned long long)(x + g->len), b,
					    (unsigned long long)y, (unsigned long long)(y + o->len),
					    pa ? "" : " in VA");
		}
		if (s->has_pool && overlaps(g->pa, g->len, s->pool_pa, s->pool_size))
			return scn_fail_loc(l, at, "%s overlaps the table pool", a);
		for (size_t k = 0; k < s->nwords; k++)
			if (overlaps(g->pa, g->len, s->words[k].pa, 8))
				return scn_fail_loc(l, at, "%s overlaps the data word at 0x%llx", a,
						    (unsigned long long)s->words[k].pa);
	}
	for (size_t k = 0; k < s->nwords; k++)
		if (s->has_pool && overlaps(s->words[k].pa, 8, s->pool_pa, s->pool_size))
			return scn_fail_loc(l, s->machine_at, "the data word at 0x%llx is inside the table pool "
					    "(name it in tables.descs or tables.spare instead)",
					    (unsigned long long)s->words[k].pa);
	return true;
}

void scn_code_free(Scenario *s)
{
	for (size_t i = 0; i < s->ncode; i++) {
		CodeBlock *c = &s->code[i];
		free(c->name);
		free(c->path);
		free(c->text);
		for (size_t k = 0; k < c->nflags; k++)
			free(c->flags[k]);
		free(c->flags);
		for (size_t k = 0; k < c->nsect; k++)
			free(c->sect[k].name);
		free(c->sect);
	}
	free(s->code);
	for (size_t i = 0; i < s->nregion; i++)
		free(s->region[i].bytes);
	free(s->region);
	for (size_t i = 0; i < s->ncsym; i++)
		free(s->csym[i].name);
	free(s->csym);
}
