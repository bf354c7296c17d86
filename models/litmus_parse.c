// SPDX-License-Identifier: GPL-2.0-only
/*
 * litmus_parse.c - herd7 AArch64 litmus files, verdict files and conditions.
 *
 * A litmus file is: "AArch64 NAME", header lines (Variant=, TTHM=, EL0=),
 * the init block "{ ... }" of ';'-separated assignments, a row of thread
 * names ("P0 | P1 | P1.F ;"), code rows with one cell per column, optional
 * "locations [...]" and "filter COND", and "exists|~exists|forall COND".
 * Both notations are read: PTE(x)/PA(x) and the older pte_x/phy_x.
 *
 * Descriptor values "(oa:PA(y), valid:0, af:0, db:0, dbm:1, el0:0, x:0,
 * attrs:(...))" keep their fields; omitted fields take herd's defaults
 * (valid, af, db, el0, x set; dbm clear; oa the page's own). The runner
 * encodes them (sim/litmus_run.c). Things bbmsim does not model are parsed
 * and recorded as a skip reason, never an error. Comments (* ... *) may
 * appear anywhere.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bbmsim/litmus.h"

const char *litmus_strerror(LitmusErr e)
{
	static const char *const s[] = { "ok", "cannot read the file", "syntax error" };
	return s[e];
}

const char *litmus_kind_name(LitmusKind k)
{
	static const char *const s[] = { "-", "Allowed", "Forbidden", "Required" };
	return s[k];
}

/* --- the parser state ---------------------------------------------------- */

typedef struct Parser {
	const char *path;
	char *src;              /* comments blanked */
	size_t len;
	size_t pos, end;        /* the range being tokenised */
	size_t *line_start;
	int nlines;
	LitmusTest *t;
	char *err;
	size_t errlen;
	bool failed;
	int depth;              /* nesting of the condition being parsed */
} Parser;

/* Deeper conditions are refused with a located message, not a stack overflow. */
#define COND_DEPTH_MAX 200

static void loc_of(const Parser *p, size_t off, int *line, int *col)
{
	int lo = 0, hi = p->nlines - 1;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (p->line_start[mid] <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	*line = lo + 1;
	*col = (int)(off - p->line_start[lo]) + 1;
}

static void fail_at(Parser *p, size_t off, const char *fmt, ...)
{
	int line, col;
	char msg[256];
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	loc_of(p, off, &line, &col);
	snprintf(p->err, p->errlen, "%s:%d:%d: %s", p->path, line, col, msg);
}

static void set_skip(LitmusTest *t, const char *fmt, ...)
{
	va_list ap;
	if (t->skip[0])
		return;
	va_start(ap, fmt);
	vsnprintf(t->skip, sizeof(t->skip), fmt, ap);
	va_end(ap);
}

/* --- tokens -------------------------------------------------------------- */

typedef enum Tok {
	T_END, T_IDENT, T_NUM, T_PUNCT, T_AND, T_OR,
} Tok;

typedef struct Token {
	Tok kind;
	char s[64];
	uint64_t num;
	size_t off;
} Token;

static bool ident_char(int c)
{
	return isalnum(c) || c == '_' || c == '.';
}

static void skip_space(Parser *p)
{
	while (p->pos < p->end && isspace((unsigned char)p->src[p->pos]))
		p->pos++;
}

static Token next_tok(Parser *p)
{
	Token tk = { .kind = T_END };
	skip_space(p);
	tk.off = p->pos;
	if (p->pos >= p->end)
		return tk;
	const char *s = p->src + p->pos;
	if (s[0] == '/' && p->pos + 1 < p->end && s[1] == '\\') {
		tk.kind = T_AND;
		strcpy(tk.s, "/\\");
		p->pos += 2;
		return tk;
	}
	if (s[0] == '\\' && p->pos + 1 < p->end && s[1] == '/') {
		tk.kind = T_OR;
		strcpy(tk.s, "\\/");
		p->pos += 2;
		return tk;
	}
	if (isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))) {
		char *e;
		errno = 0;
		if (s[0] == '-')
			tk.num = (uint64_t)strtoll(s, &e, 0);
		else
			tk.num = strtoull(s, &e, 0);
		/* "0:X1" starts with a number: it stops at ':' */
		tk.kind = T_NUM;
		size_t n = (size_t)(e - s);
		if (n >= sizeof(tk.s))
			n = sizeof(tk.s) - 1;
		memcpy(tk.s, s, n);
		p->pos += (size_t)(e - s);
		return tk;
	}
	if (ident_char((unsigned char)s[0])) {
		size_t n = 0;
		while (p->pos + n < p->end && ident_char((unsigned char)s[n]))
			n++;
		tk.kind = T_IDENT;
		memcpy(tk.s, s, n < sizeof(tk.s) - 1 ? n : sizeof(tk.s) - 1);
		p->pos += n;
		return tk;
	}
	tk.kind = T_PUNCT;
	tk.s[0] = s[0];
	p->pos++;
	return tk;
}

static Token peek_tok(Parser *p)
{
	size_t save = p->pos;
	Token tk = next_tok(p);
	p->pos = save;
	return tk;
}

static bool is_punct(const Token *tk, char c)
{
	return tk->kind == T_PUNCT && tk->s[0] == c;
}

static bool expect(Parser *p, char c)
{
	Token tk = next_tok(p);
	if (!is_punct(&tk, c)) {
		fail_at(p, tk.off, "expected '%c', found '%s'", c, tk.kind == T_END ? "end" : tk.s);
		return false;
	}
	return true;
}

/* --- variables and values ---------------------------------------------------- */

static int var_index(Parser *p, const char *name, size_t off)
{
	LitmusTest *t = p->t;
	for (int i = 0; i < t->nvars; i++)
		if (!strcmp(t->vars[i], name))
			return i;
	if (t->nvars == LITMUS_MAX_VARS) {
		fail_at(p, off, "more than %d variables", LITMUS_MAX_VARS);
		return 0;
	}
	if (strlen(name) >= LITMUS_NAME_MAX) {
		fail_at(p, off, "variable name too long: '%s'", name);
		return 0;
	}
	snprintf(t->vars[t->nvars], LITMUS_NAME_MAX, "%s", name);
	return t->nvars++;
}

/* Copy a token into a LITMUS_NAME_MAX buffer, truncating. */
static void copy_name(char *dst, const char *src)
{
	size_t n = strlen(src);
	if (n >= LITMUS_NAME_MAX)
		n = LITMUS_NAME_MAX - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static bool is_reg_name(const char *s, int *reg)
{
	if ((s[0] == 'X' || s[0] == 'W' || s[0] == 'x' || s[0] == 'w') && isdigit((unsigned char)s[1])) {
		char *e;
		long r = strtol(s + 1, &e, 10);
		if (!*e && r >= 0 && r <= 30) {
			*reg = (int)r;
			return true;
		}
	}
	return false;
}

static bool is_thread_name(const char *s, int *th)
{
	if (s[0] != 'P' || !isdigit((unsigned char)s[1]))
		return false;
	char *e;
	long n = strtol(s + 1, &e, 10);
	if (*e || n < 0 || n >= LITMUS_MAX_THREADS)
		return false;
	*th = (int)n;
	return true;
}

/* "PTE(x)", "TTD(x)", "PA(x)" after the keyword: the variable. */
static int paren_var(Parser *p)
{
	if (!expect(p, '('))
		return 0;
	Token v = next_tok(p);
	if (v.kind != T_IDENT) {
		fail_at(p, v.off, "expected a variable name");
		return 0;
	}
	int i = var_index(p, v.s, v.off);
	expect(p, ')');
	return i;
}

static void desc_default(LitmusDesc *d)
{
	d->oa_var = -1;
	d->valid = d->af = d->db = d->dbm = d->el0 = d->xn = -1;
	d->attr = 0;
}

static void parse_attrs(Parser *p, LitmusDesc *d)
{
	if (!expect(p, '('))
		return;
	size_t start = p->pos;
	while (p->pos < p->end && p->src[p->pos] != ')')
		p->pos++;
	if (p->pos >= p->end) {
		fail_at(p, start, "unterminated attrs:(...)");
		return;
	}
	char buf[128];
	size_t n = p->pos - start < sizeof(buf) - 1 ? p->pos - start : sizeof(buf) - 1;
	memcpy(buf, p->src + start, n);
	buf[n] = 0;
	p->pos++;
	if (strstr(buf, "Tagged"))
		set_skip(p->t, "MTE (tagged memory) is not modelled");
	else if (strstr(buf, "Device-GRE"))
		d->attr = 1;
	else if (strstr(buf, "Device-nGnRE"))
		d->attr = 3;
	else if (strstr(buf, "Device-nGnRnE"))
		d->attr = 4;
	else if (strstr(buf, "Device"))
		d->attr = 5;
	else if (strstr(buf, "iNC") && strstr(buf, "oNC"))
		d->attr = 2;
	else if (strstr(buf, "NC") || strstr(buf, "WT") || strstr(buf, "NSH") || strstr(buf, "OSH"))
		set_skip(p->t, "memory attributes '%s' are not mapped", buf);
}

static void parse_desc(Parser *p, LitmusDesc *d)
{
	desc_default(d);
	for (;;) {
		Token f = next_tok(p);
		if (f.kind != T_IDENT) {
			fail_at(p, f.off, "expected a descriptor field");
			return;
		}
		if (!expect(p, ':'))
			return;
		if (!strcmp(f.s, "oa")) {
			Token v = next_tok(p);
			if (v.kind == T_IDENT && (!strcmp(v.s, "PA") || !strcmp(v.s, "phy"))) {
				d->oa_var = paren_var(p);
			} else if (v.kind == T_IDENT && !strncmp(v.s, "phy_", 4)) {
				d->oa_var = var_index(p, v.s + 4, v.off);
			} else if (v.kind == T_IDENT && (!strcmp(v.s, "PTE") || !strncmp(v.s, "pte_", 4) ||
							 !strcmp(v.s, "TTD"))) {
				if (!strcmp(v.s, "PTE") || !strcmp(v.s, "TTD"))
					paren_var(p);
				set_skip(p->t, "a descriptor whose output is a translation table");
			} else {
				fail_at(p, v.off, "expected PA(x) or phy_x after oa:");
				return;
			}
		} else if (!strcmp(f.s, "attrs")) {
			parse_attrs(p, d);
		} else {
			Token v = next_tok(p);
			if (v.kind != T_NUM) {
				fail_at(p, v.off, "expected 0 or 1 for field '%s'", f.s);
				return;
			}
			int b = v.num != 0;
			if (!strcmp(f.s, "valid"))
				d->valid = b;
			else if (!strcmp(f.s, "af"))
				d->af = b;
			else if (!strcmp(f.s, "db"))
				d->db = b;
			else if (!strcmp(f.s, "dbm"))
				d->dbm = b;
			else if (!strcmp(f.s, "el0"))
				d->el0 = b;
			else if (!strcmp(f.s, "x"))
				d->xn = !b;
			else
				set_skip(p->t, "descriptor field '%s' is not modelled", f.s);
		}
		Token sep = next_tok(p);
		if (is_punct(&sep, ')'))
			return;
		if (!is_punct(&sep, ',')) {
			fail_at(p, sep.off, "expected ',' or ')' in a descriptor");
			return;
		}
	}
}

/* A value: 1, -1, 0x10, x, &x, PA(x), phy_x, PTE(x), pte_x, (fields), P0:L0. */
static void parse_value(Parser *p, LitmusVal *v, int own_var)
{
	memset(v, 0, sizeof(*v));
	Token tk = next_tok(p);
	if (tk.kind == T_NUM) {
		Token c = peek_tok(p);
		if (is_punct(&c, ':')) {
			fail_at(p, c.off, "unexpected ':' after a number");
			return;
		}
		v->kind = LIT_VAL_INT;
		v->i = tk.num;
		return;
	}
	if (is_punct(&tk, '(')) {
		v->kind = LIT_VAL_DESC;
		parse_desc(p, &v->d);
		v->var = own_var;
		if (v->d.oa_var < 0)
			v->d.oa_var = own_var;
		return;
	}
	if (is_punct(&tk, '&'))
		tk = next_tok(p);
	if (tk.kind != T_IDENT) {
		fail_at(p, tk.off, "expected a value, found '%s'", tk.kind == T_END ? "end" : tk.s);
		return;
	}
	int th;
	if (is_thread_name(tk.s, &th)) {
		Token c = peek_tok(p);
		if (is_punct(&c, ':')) {
			next_tok(p);
			Token l = next_tok(p);
			v->kind = LIT_VAL_LABEL;
			v->thread = th;
			copy_name(v->label, l.s);
			set_skip(p->t, "code labels as data (instruction fetch) are not modelled");
			return;
		}
	}
	if (!strcmp(tk.s, "PA")) {
		v->kind = LIT_VAL_PA;
		v->var = paren_var(p);
	} else if (!strcmp(tk.s, "PTE") || !strcmp(tk.s, "TTD")) {
		v->kind = LIT_VAL_PTE;
		v->var = paren_var(p);
	} else if (!strncmp(tk.s, "phy_", 4)) {
		v->kind = LIT_VAL_PA;
		v->var = var_index(p, tk.s + 4, tk.off);
	} else if (!strncmp(tk.s, "pte_", 4)) {
		v->kind = LIT_VAL_PTE;
		v->var = var_index(p, tk.s + 4, tk.off);
	} else if (!strcmp(tk.s, "true") || !strcmp(tk.s, "false")) {
		v->kind = LIT_VAL_INT;
		v->i = tk.s[0] == 't';
	} else {
		v->kind = LIT_VAL_VA;
		v->var = var_index(p, tk.s, tk.off);
	}
	Token c = peek_tok(p);
	if (is_punct(&c, ':') && v->kind != LIT_VAL_INT) {
		/* "x:red": an MTE tag */
		next_tok(p);
		next_tok(p);
		set_skip(p->t, "MTE (tagged addresses) is not modelled");
	}
}

/* A memory location: x, [x], PTE(x), [PTE(x)], pte_x, TTD(x). Returns false if none. */
static bool parse_memloc(Parser *p, LitmusLoc *loc)
{
	Token tk = peek_tok(p);
	bool bracket = is_punct(&tk, '[');
	if (bracket)
		next_tok(p);
	tk = next_tok(p);
	if (tk.kind != T_IDENT) {
		fail_at(p, tk.off, "expected a location");
		return false;
	}
	if (!strcmp(tk.s, "PTE") || !strcmp(tk.s, "TTD")) {
		loc->kind = LIT_LOC_PTE;
		loc->var = paren_var(p);
	} else if (!strncmp(tk.s, "pte_", 4)) {
		loc->kind = LIT_LOC_PTE;
		loc->var = var_index(p, tk.s + 4, tk.off);
	} else if (!strcmp(tk.s, "PA") || !strncmp(tk.s, "phy_", 4)) {
		/* Physical memory named directly: the variable's page. */
		loc->kind = LIT_LOC_MEM;
		loc->var = tk.s[1] == 'A' ? paren_var(p) : var_index(p, tk.s + 4, tk.off);
	} else {
		loc->kind = LIT_LOC_MEM;
		loc->var = var_index(p, tk.s, tk.off);
	}
	if (bracket)
		expect(p, ']');
	return !p->failed;
}

/* A location in init or a condition: N:Xr or a memory location. */
static bool parse_loc(Parser *p, LitmusLoc *loc)
{
	memset(loc, 0, sizeof(*loc));
	Token tk = peek_tok(p);
	int th;
	if (tk.kind == T_IDENT && is_thread_name(tk.s, &th)) {
		/* "P0:X7" is "0:X7" */
		size_t save = p->pos;
		next_tok(p);
		Token c = peek_tok(p);
		p->pos = save;
		if (is_punct(&c, ':')) {
			tk.kind = T_NUM;
			tk.num = (uint64_t)th;
		}
	}
	if (tk.kind == T_NUM) {
		next_tok(p);
		if (!expect(p, ':'))
			return false;
		Token r = next_tok(p);
		if (r.kind != T_IDENT || !is_reg_name(r.s, &loc->reg)) {
			fail_at(p, r.off, "expected a register name (X0..X30)");
			return false;
		}
		if (tk.num >= LITMUS_MAX_THREADS) {
			fail_at(p, tk.off, "thread %llu out of range", (unsigned long long)tk.num);
			return false;
		}
		loc->kind = LIT_LOC_REG;
		loc->thread = (int)tk.num;
		return true;
	}
	return parse_memloc(p, loc);
}

/* --- the init block ------------------------------------------------------------- */

static bool is_type_word(const char *s)
{
	static const char *const types[] = { "int", "pteval_t", "uint64_t", "int64_t", "uint32_t", "int32_t",
					     "intptr_t", "long", "char", "uint8_t", "uint16_t", "int8_t",
					     "int16_t", "unsigned", "signed", "short", NULL };
	for (int i = 0; types[i]; i++)
		if (!strcmp(s, types[i]))
			return true;
	return false;
}

static void add_init(Parser *p, const LitmusInit *in)
{
	LitmusTest *t = p->t;
	t->init = realloc(t->init, (t->ninit + 1) * sizeof(*t->init));
	t->init[t->ninit++] = *in;
}

static void parse_init(Parser *p, size_t from, size_t to)
{
	p->pos = from;
	p->end = to;
	for (;;) {
		Token tk = peek_tok(p);
		if (tk.kind == T_END || p->failed)
			break;
		if (is_punct(&tk, ';')) {
			next_tok(p);
			continue;
		}
		LitmusInit in = { 0 };
		loc_of(p, tk.off, &in.line, &in.col);
		/* Types: "int x=1", "pteval_t 0:X1=...", "int *p = &z". */
		while (tk.kind == T_IDENT && is_type_word(tk.s)) {
			next_tok(p);
			tk = peek_tok(p);
			if (is_punct(&tk, '*')) {
				next_tok(p);
				tk = peek_tok(p);
			}
		}
		if (!parse_loc(p, &in.loc))
			return;
		Token br = peek_tok(p);
		if (is_punct(&br, '[') && in.loc.kind == LIT_LOC_MEM) {
			/* "int x[3]={0,0,0}": arrays are parsed, not modelled. */
			set_skip(p->t, "arrays in the init block are not supported");
			while (p->pos < p->end && p->src[p->pos] != ';')
				p->pos++;
			continue;
		}
		Token eq = next_tok(p);
		if (!is_punct(&eq, '=')) {
			/* "int y;", "int64_t 1:X6;" declare a location with value 0. */
			if (is_punct(&eq, ';') || eq.kind == T_END)
				continue;
			fail_at(p, eq.off, "expected '=' in the init block");
			return;
		}
		parse_value(p, &in.val, in.loc.kind == LIT_LOC_REG ? -1 : in.loc.var);
		if (p->failed)
			return;
		if (in.val.kind == LIT_VAL_DESC && in.val.d.oa_var < 0) {
			fail_at(p, eq.off + 1, "a descriptor value in a register needs oa:");
			return;
		}
		if (in.loc.kind == LIT_LOC_PTE && in.val.kind != LIT_VAL_DESC) {
			fail_at(p, eq.off + 1, "a descriptor needs a value (oa:..., ...)");
			return;
		}
		add_init(p, &in);
		Token sep = next_tok(p);
		if (sep.kind == T_END)
			break;
		if (!is_punct(&sep, ';')) {
			fail_at(p, sep.off, "expected ';' in the init block, found '%s'", sep.s);
			return;
		}
	}
}

/* --- conditions ------------------------------------------------------------------- */

static int add_obs(Parser *p, const LitmusObs *o)
{
	LitmusTest *t = p->t;
	for (size_t i = 0; i < t->nobs; i++)
		if (!memcmp(&t->obs[i], o, sizeof(*o)))
			return (int)i;
	t->obs = realloc(t->obs, (t->nobs + 1) * sizeof(*t->obs));
	t->obs[t->nobs] = *o;
	return (int)t->nobs++;
}

static LitmusCond *new_cond(LitmusCondOp op, LitmusCond *a, LitmusCond *b)
{
	LitmusCond *c = calloc(1, sizeof(*c));
	c->op = op;
	c->a = a;
	c->b = b;
	return c;
}

static void cond_free(LitmusCond *c)
{
	if (!c)
		return;
	cond_free(c->a);
	cond_free(c->b);
	free(c);
}

static LitmusFaultType fault_type(Parser *p, const char *s)
{
	static const struct { const char *n; LitmusFaultType t; } types[] = {
		{ "Translation", LIT_FT_TRANSLATION }, { "AccessFlag", LIT_FT_ACCESS_FLAG },
		{ "Permission", LIT_FT_PERMISSION }, { "UndefinedInstruction", LIT_FT_UNDEFINED },
		{ "SupervisorCall", LIT_FT_SVC },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(s, types[i].n))
			return types[i].t;
	set_skip(p->t, "fault type '%s' is not modelled", s);
	return LIT_FT_ANY;
}

static bool is_fault_type_word(const char *s)
{
	return !strcmp(s, "MMU") || !strcmp(s, "UndefinedInstruction") || !strcmp(s, "SupervisorCall") ||
	       !strcmp(s, "TagCheck") || !strcmp(s, "D-MMU") || !strcmp(s, "I-MMU");
}

static LitmusCond *parse_fault(Parser *p)
{
	LitmusObs o = { .is_fault = true, .fault_var = -1 };
	if (!expect(p, '('))
		return NULL;
	Token th = next_tok(p);
	if (th.kind != T_IDENT || !is_thread_name(th.s, &o.thread)) {
		fail_at(p, th.off, "expected a thread (P0, P1, ...) in fault(...)");
		return NULL;
	}
	Token tk = next_tok(p);
	if (is_punct(&tk, ':')) {
		Token l = next_tok(p);
		if (l.kind != T_IDENT) {
			fail_at(p, l.off, "expected a label");
			return NULL;
		}
		copy_name(o.label, l.s);
		tk = next_tok(p);
	}
	while (is_punct(&tk, ',')) {
		Token a = peek_tok(p);
		if (a.kind == T_IDENT && is_fault_type_word(a.s)) {
			next_tok(p);
			if (!strcmp(a.s, "TagCheck")) {
				set_skip(p->t, "MTE tag-check faults are not modelled");
			} else if (!strcmp(a.s, "MMU") || !strcmp(a.s, "D-MMU") || !strcmp(a.s, "I-MMU")) {
				if (!expect(p, ':'))
					return NULL;
				Token k = next_tok(p);
				o.ftype = fault_type(p, k.s);
			} else {
				o.ftype = fault_type(p, a.s);
			}
		} else {
			LitmusLoc l;
			if (!parse_memloc(p, &l))
				return NULL;
			o.fault_var = l.var;
			o.fault_on_pte = l.kind == LIT_LOC_PTE;
		}
		tk = next_tok(p);
	}
	if (!is_punct(&tk, ')')) {
		fail_at(p, tk.off, "expected ')' to close fault(...)");
		return NULL;
	}
	LitmusCond *c = new_cond(LIT_COND_FAULT, NULL, NULL);
	c->obs = add_obs(p, &o);
	return c;
}

static LitmusCond *parse_or(Parser *p);

static LitmusCond *parse_unary_at(Parser *p);

static LitmusCond *parse_unary(Parser *p)
{
	if (p->depth >= COND_DEPTH_MAX) {
		fail_at(p, peek_tok(p).off, "the condition nests deeper than %d levels", COND_DEPTH_MAX);
		return NULL;
	}
	p->depth++;
	LitmusCond *c = parse_unary_at(p);
	p->depth--;
	return c;
}

static LitmusCond *parse_unary_at(Parser *p)
{
	Token tk = peek_tok(p);
	if (is_punct(&tk, '~') || (tk.kind == T_IDENT && !strcmp(tk.s, "not"))) {
		next_tok(p);
		LitmusCond *a = parse_unary(p);
		return a ? new_cond(LIT_COND_NOT, a, NULL) : NULL;
	}
	if (is_punct(&tk, '(')) {
		next_tok(p);
		LitmusCond *a = parse_or(p);
		if (a && !expect(p, ')')) {
			cond_free(a);
			return NULL;
		}
		return a;
	}
	if (tk.kind == T_IDENT && (!strcmp(tk.s, "true") || !strcmp(tk.s, "false"))) {
		next_tok(p);
		return new_cond(tk.s[0] == 't' ? LIT_COND_TRUE : LIT_COND_FALSE, NULL, NULL);
	}
	if (tk.kind == T_IDENT && (!strcmp(tk.s, "fault") || !strcmp(tk.s, "Fault"))) {
		next_tok(p);
		return parse_fault(p);
	}
	if (tk.kind == T_END) {
		fail_at(p, tk.off, "unexpected end of the condition");
		return NULL;
	}
	LitmusObs o = { .fault_var = -1 };
	if (!parse_loc(p, &o.loc))
		return NULL;
	Token eq = next_tok(p);
	bool ne = false;
	if (is_punct(&eq, '<') || is_punct(&eq, '!')) {
		/* "<>" and "!=": not equal */
		Token e2 = next_tok(p);
		ne = (is_punct(&eq, '<') && is_punct(&e2, '>')) || (is_punct(&eq, '!') && is_punct(&e2, '='));
		if (!ne) {
			fail_at(p, eq.off, "expected '=', '<>' or '!=' in the condition");
			return NULL;
		}
	} else if (!is_punct(&eq, '=')) {
		fail_at(p, eq.off, "expected '=' in the condition");
		return NULL;
	}
	LitmusCond *c = new_cond(LIT_COND_EQ, NULL, NULL);
	parse_value(p, &c->val, o.loc.kind == LIT_LOC_PTE ? o.loc.var : -1);
	if (c->val.kind == LIT_VAL_DESC && c->val.d.oa_var < 0) {
		fail_at(p, eq.off + 1, "a descriptor value in a register needs oa:");
		free(c);
		return NULL;
	}
	c->obs = add_obs(p, &o);
	return ne ? new_cond(LIT_COND_NOT, c, NULL) : c;
}

static LitmusCond *parse_and(Parser *p)
{
	LitmusCond *a = parse_unary(p);
	while (a && !p->failed) {
		Token tk = peek_tok(p);
		if (tk.kind != T_AND)
			break;
		next_tok(p);
		LitmusCond *b = parse_unary(p);
		if (!b) {
			cond_free(a);
			return NULL;
		}
		a = new_cond(LIT_COND_AND, a, b);
	}
	return a;
}

static LitmusCond *parse_or(Parser *p)
{
	LitmusCond *a = parse_and(p);
	while (a && !p->failed) {
		Token tk = peek_tok(p);
		if (tk.kind != T_OR)
			break;
		next_tok(p);
		LitmusCond *b = parse_and(p);
		if (!b) {
			cond_free(a);
			return NULL;
		}
		a = new_cond(LIT_COND_OR, a, b);
	}
	return a;
}

static LitmusCond *parse_cond_range(Parser *p, size_t from, size_t to)
{
	p->pos = from;
	p->end = to;
	LitmusCond *c = parse_or(p);
	if (!c || p->failed) {
		cond_free(c);
		return NULL;
	}
	Token tk = next_tok(p);
	while (is_punct(&tk, ';'))
		tk = next_tok(p);
	if (tk.kind != T_END) {
		fail_at(p, tk.off, "unexpected '%s' after the condition", tk.s);
		cond_free(c);
		return NULL;
	}
	return c;
}

bool litmus_cond_eval(const LitmusCond *c, const uint64_t *v)
{
	switch (c->op) {
	case LIT_COND_TRUE: return true;
	case LIT_COND_FALSE: return false;
	case LIT_COND_AND: return litmus_cond_eval(c->a, v) && litmus_cond_eval(c->b, v);
	case LIT_COND_OR: return litmus_cond_eval(c->a, v) || litmus_cond_eval(c->b, v);
	case LIT_COND_NOT: return !litmus_cond_eval(c->a, v);
	case LIT_COND_EQ: return v[c->obs] == c->enc;
	case LIT_COND_FAULT: return v[c->obs] != 0;
	}
	return false;
}

/* --- the file ------------------------------------------------------------------------- */

/* Blank (* ... *) comments, keeping newlines (so lines and columns stay). */
static void blank_comments(char *s)
{
	for (char *q = s; *q; q++) {
		if (q[0] == '(' && q[1] == '*') {
			int depth = 0;
			while (*q) {
				if (q[0] == '(' && q[1] == '*') {
					depth++;
					q[0] = q[1] = ' ';
					q += 2;
					continue;
				}
				if (q[0] == '*' && q[1] == ')') {
					q[0] = q[1] = ' ';
					q += 2;
					if (--depth == 0)
						break;
					continue;
				}
				if (*q != '\n')
					*q = ' ';
				q++;
			}
			if (!*q)
				break;
			q--;
		}
	}
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static void parse_variant(Parser *p, const char *val)
{
	LitmusTest *t = p->t;
	char buf[128];
	snprintf(t->variant, sizeof(t->variant), "%s", val);
	snprintf(buf, sizeof(buf), "%s", val);
	for (char *tok = strtok(buf, ", \t"); tok; tok = strtok(NULL, ", \t")) {
		for (char *c = tok; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!strcmp(tok, "fatal") || !strcmp(tok, "precise"))
			t->handling = LIT_FAULT_FATAL;
		else if (!strcmp(tok, "handled") || !strcmp(tok, "imprecise"))
			t->handling = LIT_FAULT_HANDLED;
		else if (!strcmp(tok, "skip") || !strcmp(tok, "faulttonext"))
			t->handling = LIT_FAULT_SKIP;
		else if (!strcmp(tok, "ets2"))
			t->ets2 = true;
		else if (!strcmp(tok, "ets3"))
			t->ets3 = true;
		else if (!strcmp(tok, "memtag") || !strcmp(tok, "mte"))
			set_skip(t, "MTE (Variant=%s) is not modelled", tok);
		else if (!strcmp(tok, "exs") || !strcmp(tok, "eis"))
			set_skip(t, "FEAT_ExS (Variant=%s) exception synchronisation controls are not modelled", tok);
	}
}

static void parse_header_line(Parser *p, char *line)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return;
	*eq = 0;
	char *key = trim(line), *val = trim(eq + 1);
	if (!strcasecmp(key, "Variant")) {
		parse_variant(p, val);
	} else if (!strcmp(key, "TTHM")) {
		set_skip(p->t, "hardware access-flag and dirty-bit updates (TTHM=HA/HD, FEAT_HAFDBS) are not modelled");
	} else if (!strcmp(key, "EL0")) {
		for (char *tok = strtok(val, ", \t"); tok; tok = strtok(NULL, ", \t")) {
			int th;
			if (is_thread_name(tok, &th))
				p->t->thread[th].el0 = true;
		}
	} else if (!strcmp(key, "Stage2") || !strcmp(key, "EL2")) {
		set_skip(p->t, "stage 2 translation and EL2 are not modelled");
	}
}

static void add_line(LitmusLine **v, size_t *n, const char *text, const char *label, int line, int col)
{
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	LitmusLine *l = &(*v)[(*n)++];
	l->text = strdup(text);
	snprintf(l->label, sizeof(l->label), "%s", label);
	l->line = line;
	l->col = col;
}

/* Instructions bbmsim cannot run faithfully: a reason, or NULL. */
static const char *insn_skip_reason(const char *text)
{
	char op[16] = { 0 };
	size_t i = 0;
	while (text[i] && !isspace((unsigned char)text[i]) && i < sizeof(op) - 1) {
		op[i] = (char)toupper((unsigned char)text[i]);
		i++;
	}
	if (!strcmp(op, "STG") || !strcmp(op, "LDG") || !strcmp(op, "STZG") || !strcmp(op, "ST2G") ||
	    !strcmp(op, "STZ2G"))
		return "MTE instructions are not modelled";
	if (!strcmp(op, "IC"))
		return "instruction-fetch tests (IC) are not modelled: caches are not modelled";
	if (!strcmp(op, "HVC") || strstr(text, "_EL2") || strstr(text, "_el2"))
		return "EL2 and stage 2 are not modelled";
	if (!strcmp(op, "BR") || !strcmp(op, "BLR") || !strcmp(op, "RET"))
		return "indirect branches over test code are not modelled";
	return NULL;
}

/* Split a code row into cells and add them to the threads' columns. */
static void parse_code_row(Parser *p, char *row, size_t row_off, const int *col_thread,
			   const bool *col_handler, int ncols)
{
	int c = 0;
	char *cell = row;
	for (;;) {
		char *bar = strchr(cell, '|');
		char *semi = NULL;
		if (!bar) {
			semi = strrchr(cell, ';');
			if (semi)
				*semi = 0;
		} else {
			*bar = 0;
		}
		if (c >= ncols) {
			if (*trim(cell)) {
				fail_at(p, row_off + (size_t)(cell - row), "more cells than threads");
				return;
			}
		} else {
			size_t off = row_off + (size_t)(cell - row);
			char *s = cell;
			while (isspace((unsigned char)*s)) {
				s++;
				off++;
			}
			char *text = trim(s);
			char label[LITMUS_NAME_MAX] = "";
			/* "L0:" or "L0: LDR W0,[X1]" */
			size_t k = 0;
			while (ident_char((unsigned char)text[k]))
				k++;
			if (k > 0 && text[k] == ':' && !isdigit((unsigned char)text[0])) {
				if (k >= sizeof(label)) {
					fail_at(p, off, "label too long");
					return;
				}
				memcpy(label, text, k);
				label[k] = 0;
				text = trim(text + k + 1);
			}
			int line, col;
			loc_of(p, off, &line, &col);
			LitmusThread *th = &p->t->thread[col_thread[c]];
			if (*text || *label) {
				const char *why = insn_skip_reason(text);
				if (why)
					set_skip(p->t, "%s", why);
				if (col_handler[c])
					add_line(&th->handler, &th->nhandler, text, label, line, col);
				else
					add_line(&th->code, &th->ncode, text, label, line, col);
			}
		}
		c++;
		if (!bar)
			break;
		cell = bar + 1;
	}
}

static bool starts_with_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	return !strncmp(s, w, n) && !ident_char((unsigned char)s[n]);
}

LitmusErr litmus_parse(const char *path, const char *text, LitmusTest **out, char *err, size_t errlen)
{
	Parser P = { .path = path, .err = err, .errlen = errlen };
	Parser *p = &P;
	LitmusTest *t = calloc(1, sizeof(*t));
	char *copy = NULL;

	*out = NULL;
	err[0] = 0;
	t->path = strdup(path);
	t->handling = LIT_FAULT_FATAL;
	p->t = t;
	p->src = strdup(text);
	p->len = strlen(p->src);
	blank_comments(p->src);
	/* Line table. */
	p->line_start = malloc((p->len + 2) * sizeof(*p->line_start));
	p->line_start[p->nlines++] = 0;
	for (size_t i = 0; i < p->len; i++)
		if (p->src[i] == '\n')
			p->line_start[p->nlines++] = i + 1;

	/* Walk lines with their offsets in a private copy. */
	copy = strdup(p->src);
	size_t off = 0;
	int li = 0;
#define LINE_AT(i) (copy + p->line_start[i])
	for (int i = 0; i < p->nlines; i++) {
		size_t e = i + 1 < p->nlines ? p->line_start[i + 1] - 1 : p->len;
		copy[e] = 0;
	}
	/* 1. "AArch64 NAME" */
	while (li < p->nlines && !*trim(LINE_AT(li)))
		li++;
	if (li >= p->nlines) {
		fail_at(p, 0, "empty file");
		goto fail;
	}
	{
		char *l = trim(LINE_AT(li));
		char arch[32] = "", name[128] = "";
		if (sscanf(l, "%31s %127s", arch, name) < 2) {
			fail_at(p, p->line_start[li], "expected 'AArch64 NAME'");
			goto fail;
		}
		if (strcmp(arch, "AArch64")) {
			fail_at(p, p->line_start[li], "not an AArch64 test ('%s')", arch);
			goto fail;
		}
		snprintf(t->name, sizeof(t->name), "%s", name);
		li++;
	}
	/* 2. Header lines up to the init block. */
	size_t init_from = 0, init_to = 0;
	for (; li < p->nlines; li++) {
		char *l = LINE_AT(li);
		char *brace = strchr(l, '{');
		if (brace) {
			init_from = p->line_start[li] + (size_t)(brace - l) + 1;
			break;
		}
		if (l[0] != '"')
			parse_header_line(p, l);
	}
	if (li >= p->nlines) {
		fail_at(p, p->len, "missing the init block '{ ... }'");
		goto fail;
	}
	{
		char *close = p->src + init_from;
		for (int depth = 0; *close; close++) {
			if (*close == '{')
				depth++;
			else if (*close == '}' && depth-- == 0)
				break;
		}
		if (!*close) {
			fail_at(p, init_from - 1, "unterminated init block");
			goto fail;
		}
		init_to = (size_t)(close - p->src);
		parse_init(p, init_from, init_to);
		if (p->failed)
			goto fail;
		off = init_to + 1;
		int line, col;
		loc_of(p, off, &line, &col);
		li = line - 1;
		/* Whatever follows '}' on its line is ignored (normally nothing). */
		li++;
	}
	/* 3. The thread header. */
	while (li < p->nlines && !*trim(LINE_AT(li)))
		li++;
	if (li >= p->nlines) {
		fail_at(p, p->len, "missing the thread header (P0 | P1 ;)");
		goto fail;
	}
	int col_thread[LITMUS_MAX_THREADS * 2];
	bool col_handler[LITMUS_MAX_THREADS * 2];
	int ncols = 0;
	{
		char *l = LINE_AT(li);
		size_t loff = p->line_start[li];
		char *semi = strrchr(l, ';');
		if (semi)
			*semi = 0;
		char *cell = l;
		for (;;) {
			char *bar = strchr(cell, '|');
			if (bar)
				*bar = 0;
			char *name = trim(cell);
			int th;
			char base[16];
			snprintf(base, sizeof(base), "%s", name);
			char *dot = strchr(base, '.');
			bool handler = dot && !strcmp(dot, ".F");
			if (dot)
				*dot = 0;
			if (!is_thread_name(base, &th) || (dot && !handler)) {
				fail_at(p, loff + (size_t)(name - l), "expected a thread name (P0, P1.F, ...), found '%s'", name);
				goto fail;
			}
			if (ncols == LITMUS_MAX_THREADS * 2) {
				fail_at(p, loff + (size_t)(cell - l), "too many columns");
				goto fail;
			}
			col_thread[ncols] = th;
			col_handler[ncols] = handler;
			ncols++;
			if (!handler && th + 1 > t->nthreads)
				t->nthreads = th + 1;
			if (!bar)
				break;
			cell = bar + 1;
		}
		for (int c = 0; c < ncols; c++)
			if (col_thread[c] >= t->nthreads) {
				fail_at(p, loff, "handler column for a thread that does not exist");
				goto fail;
			}
		li++;
	}
	/* 4. Code rows, up to the condition. */
	size_t cond_from = p->len;
	for (; li < p->nlines; li++) {
		char *l = LINE_AT(li);
		char *s = trim(l);
		size_t soff = p->line_start[li] + (size_t)(s - l);
		if (!*s)
			continue;
		if (starts_with_word(s, "exists") || starts_with_word(s, "forall") || s[0] == '~' ||
		    starts_with_word(s, "locations") || starts_with_word(s, "filter") ||
		    starts_with_word(s, "observed")) {
			cond_from = soff;
			break;
		}
		if (s[strlen(s) - 1] != ';' && !strchr(s, '|')) {
			fail_at(p, soff, "expected a code row ending with ';' or the final condition");
			goto fail;
		}
		parse_code_row(p, s, soff, col_thread, col_handler, ncols);
		if (p->failed)
			goto fail;
	}
	if (cond_from >= p->len) {
		fail_at(p, p->len, "missing the final condition (exists, ~exists or forall)");
		goto fail;
	}
	/* 5. locations [...], filter COND, then the quantifier and its condition. */
	{
		size_t q = cond_from;
		for (;;) {
			while (q < p->len && isspace((unsigned char)p->src[q]))
				q++;
			const char *s = p->src + q;
			if (starts_with_word(s, "locations")) {
				const char *close = strchr(s, ']');
				if (!close) {
					fail_at(p, q, "unterminated locations [...]");
					goto fail;
				}
				q = (size_t)(close - p->src) + 1;
				continue;
			}
			if (starts_with_word(s, "filter")) {
				/* The filter runs up to the quantifier. */
				size_t f = q + 6, e = f;
				while (e < p->len && !starts_with_word(p->src + e, "exists") &&
				       !starts_with_word(p->src + e, "forall") && p->src[e] != '~')
					e++;
				t->filter = parse_cond_range(p, f, e);
				if (!t->filter)
					goto fail;
				q = e;
				continue;
			}
			break;
		}
		const char *s = p->src + q;
		size_t body;
		if (starts_with_word(s, "exists")) {
			t->quant = LIT_EXISTS;
			body = q + 6;
		} else if (starts_with_word(s, "forall")) {
			t->quant = LIT_FORALL;
			body = q + 6;
		} else if (s[0] == '~') {
			size_t k = q + 1;
			while (k < p->len && isspace((unsigned char)p->src[k]))
				k++;
			if (!starts_with_word(p->src + k, "exists")) {
				fail_at(p, q, "expected '~exists'");
				goto fail;
			}
			t->quant = LIT_NOT_EXISTS;
			body = k + 6;
		} else {
			fail_at(p, q, "expected exists, ~exists or forall");
			goto fail;
		}
		int line, col;
		loc_of(p, q, &line, &col);
		t->cond_line = line;
		t->cond = parse_cond_range(p, body, p->len);
		if (!t->cond)
			goto fail;
	}
	if (t->nvars == 0)
		snprintf(t->vars[t->nvars++], LITMUS_NAME_MAX, "%s", "_unused");
	free(copy);
	free(p->src);
	free(p->line_start);
	*out = t;
	return LITMUS_OK;
#undef LINE_AT
fail:
	if (!p->failed)
		fail_at(p, 0, "malformed test");
	free(copy);
	free(p->src);
	free(p->line_start);
	litmus_free(t);
	return LITMUS_ERR_SYNTAX;
}

LitmusErr litmus_load(const char *path, LitmusTest **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	*out = NULL;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return LITMUS_ERR_IO;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 >= cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	buf[n] = 0;
	LitmusErr e = litmus_parse(path, buf, out, err, errlen);
	free(buf);
	return e;
}

void litmus_free(LitmusTest *t)
{
	if (!t)
		return;
	for (int i = 0; i < LITMUS_MAX_THREADS; i++) {
		for (size_t j = 0; j < t->thread[i].ncode; j++)
			free(t->thread[i].code[j].text);
		for (size_t j = 0; j < t->thread[i].nhandler; j++)
			free(t->thread[i].handler[j].text);
		free(t->thread[i].code);
		free(t->thread[i].handler);
	}
	cond_free(t->cond);
	cond_free(t->filter);
	free(t->obs);
	free(t->init);
	free(t->path);
	free(t);
}

/* --- verdict files -------------------------------------------------------------------- */

static bool kind_parse(const char *s, LitmusKind *k)
{
	if (!strcmp(s, "Allowed") || !strcmp(s, "Allow"))
		*k = LIT_KIND_ALLOWED;
	else if (!strcmp(s, "Forbidden") || !strcmp(s, "Forbid"))
		*k = LIT_KIND_FORBIDDEN;
	else if (!strcmp(s, "Required") || !strcmp(s, "Require"))
		*k = LIT_KIND_REQUIRED;
	else
		return false;
	return true;
}

LitmusErr litmus_kinds_load(const char *path, LitmusKinds *k, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int ln = 0;

	memset(k, 0, sizeof(*k));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return LITMUS_ERR_IO;
	}
	while (fgets(line, sizeof(line), f)) {
		ln++;
		char *s = trim(line);
		if (!*s || s[0] == '#')
			continue;
		char name[128], kind[32];
		LitmusKind kd;
		if (sscanf(s, "%127s %31s", name, kind) != 2 || !kind_parse(kind, &kd)) {
			snprintf(err, errlen, "%s:%d:1: expected 'NAME Allowed|Forbidden|Required'", path, ln);
			fclose(f);
			litmus_kinds_fini(k);
			return LITMUS_ERR_SYNTAX;
		}
		k->e = realloc(k->e, (k->n + 1) * sizeof(*k->e));
		snprintf(k->e[k->n].name, sizeof(k->e[k->n].name), "%s", name);
		k->e[k->n++].kind = kd;
	}
	fclose(f);
	return LITMUS_OK;
}

LitmusKind litmus_kinds_find(const LitmusKinds *k, const char *name)
{
	for (size_t i = 0; k && i < k->n; i++)
		if (!strcmp(k->e[i].name, name))
			return k->e[i].kind;
	return LIT_KIND_NONE;
}

void litmus_kinds_fini(LitmusKinds *k)
{
	free(k->e);
	memset(k, 0, sizeof(*k));
}

bool litmus_expected_load(const char *litmus_path, LitmusKind *kind, bool *bbm_warning)
{
	char path[4096], line[512];
	*kind = LIT_KIND_NONE;
	*bbm_warning = false;
	snprintf(path, sizeof(path), "%s.expected", litmus_path);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char name[256], obs[32];
		if (!strncmp(line, "Flag Warning-BBM-expected", 25))
			*bbm_warning = true;
		if (sscanf(line, "Observation %255s %31s", name, obs) == 2) {
			if (!strcmp(obs, "Never"))
				*kind = LIT_KIND_FORBIDDEN;
			else if (!strcmp(obs, "Always"))
				*kind = LIT_KIND_REQUIRED;
			else if (!strcmp(obs, "Sometimes"))
				*kind = LIT_KIND_ALLOWED;
		}
	}
	fclose(f);
	return true;
}
