// SPDX-License-Identifier: GPL-2.0-only
/*
 * scenario_yaml.c - the loader's vocabulary: reading libyaml document nodes
 * as the scenario format wants them (mappings with known keys, sequences,
 * numbers with K/M/G/T suffixes, booleans, enumerations, BBM levels), the
 * one namespace of names, and values (sums of numbers and names). Every
 * failure is recorded once, with its place, as "path:line:col: message".
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "scenario_priv.h"

const char *const scn_name_kind_text[] = {
	"a symbol", "a data block", "a code entry", "a tree", "a spare table", "a descriptor",
	"the reserved table", "a global symbol of the code",
};

Loc scn_loc_of(const yaml_node_t *n)
{
	Loc l = { 1, 1 };
	if (n) {
		l.line = (int)n->start_mark.line + 1;
		l.col = (int)n->start_mark.column + 1;
	}
	return l;
}

bool scn_fail_loc(Ld *l, Loc at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool scn_fail_loc(Ld *l, Loc at, const char *fmt, ...)
{
	va_list ap;
	if (l->failed)
		return false;
	l->failed = true;
	int n = snprintf(l->err, l->errlen, "%s:%d:%d: ", l->s->path, at.line, at.col);
	if (n >= 0 && (size_t)n < l->errlen) {
		va_start(ap, fmt);
		vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return false;
}


void scn_str_add(Str *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			abort();
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

yaml_node_t *scn_node(Ld *l, int idx)
{
	return yaml_document_get_node(&l->doc, idx);
}

const char *scn_type_text(const yaml_node_t *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* The scalar's text, or NULL when it is not a scalar or holds a NUL byte. */
const char *scn_scalar(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	const char *v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length)
		return NULL;
	return v;
}

char *scn_xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

void *scn_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

bool scn_need_type(Ld *l, yaml_node_t *n, yaml_node_type_t t, const char *what)
{
	static const char *const want[] = {
		[YAML_SCALAR_NODE] = "a scalar", [YAML_SEQUENCE_NODE] = "a sequence",
		[YAML_MAPPING_NODE] = "a mapping",
	};
	if (n && n->type == t)
		return true;
	return scn_fail_at(l, n, "%s must be %s, not %s", what, want[t], scn_type_text(n));
}

/*
 * Check that @n is a mapping whose keys are scalars from @keys (NULL ends the
 * list; a NULL @keys accepts any key), each given once.
 */
bool scn_map_keys(Ld *l, yaml_node_t *n, const char *what, const char *const *keys)
{
	if (!scn_need_type(l, n, YAML_MAPPING_NODE, what))
		return false;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = scn_node(l, p->key);
		const char *ks = scn_scalar(k);
		if (!ks)
			return scn_fail_at(l, k, "keys of %s must be plain text, not %s", what, scn_type_text(k));
		bool found = !keys;
		for (size_t i = 0; keys && keys[i] && !found; i++)
			found = !strcmp(keys[i], ks);
		if (!found) {
			char list[200] = "";
			size_t o = 0;
			for (size_t i = 0; keys[i] && o < sizeof(list); i++) {
				int w = snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", keys[i]);
				if (w < 0)
					break;
				o += (size_t)w;
			}
			return scn_fail_at(l, k, "unknown key '%s' in %s (expected %s)%s", ks, what, list,
				       !strncmp(what, "code[", 5) ?
				       "; an assembler label? inside an 'asm: |' block every line, labels "
				       "included, must be indented at least as far as its first line" : "");
		}
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
			const char *qs = scn_scalar(scn_node(l, q->key));
			if (qs && !strcmp(qs, ks))
				return scn_fail_at(l, k, "duplicate key '%s' in %s", ks, what);
		}
	}
	return true;
}

yaml_node_t *scn_map_get(Ld *l, yaml_node_t *n, const char *key)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *ks = scn_scalar(scn_node(l, p->key));
		if (ks && !strcmp(ks, key))
			return scn_node(l, p->value);
	}
	return NULL;
}

yaml_node_t *scn_map_need(Ld *l, yaml_node_t *n, const char *key, const char *what)
{
	yaml_node_t *v = scn_map_get(l, n, key);
	if (!v)
		scn_fail_at(l, n, "missing key '%s' in %s", key, what);
	return v;
}

size_t scn_seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *scn_seq_at(Ld *l, yaml_node_t *n, size_t i)
{
	return scn_node(l, n->data.sequence.items.start[i]);
}

/* --- scalars: numbers, booleans, enumerations, names, values ---------------------- */

/* A number: decimal, 0x hex or 0b binary, with an optional K/M/G/T suffix (powers of 1024). */
bool scn_parse_num(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	const char *digits = p;
	for (;; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (p == digits)
		return false;
	unsigned shift = 0;
	switch (*p) {
	case 'K': shift = 10; p++; break;
	case 'M': shift = 20; p++; break;
	case 'G': shift = 30; p++; break;
	case 'T': shift = 40; p++; break;
	default: break;
	}
	if (*p)
		return false;
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

bool scn_get_u64(Ld *l, yaml_node_t *n, const char *what, uint64_t lo, uint64_t hi, uint64_t *out)
{
	const char *v = scn_scalar(n);
	uint64_t x;
	if (!v)
		return scn_fail_at(l, n, "%s must be a number, not %s", what, scn_type_text(n));
	if (!scn_parse_num(v, &x))
		return scn_fail_at(l, n, "%s must be a number, not '%s'", what, v);
	if (x < lo || x > hi)
		return scn_fail_at(l, n, "%s must be between %llu and %llu, got %s", what,
			       (unsigned long long)lo, (unsigned long long)hi, v);
	*out = x;
	return true;
}

bool scn_get_int(Ld *l, yaml_node_t *n, const char *what, int lo, int hi, int *out)
{
	uint64_t x;
	if (!scn_get_u64(l, n, what, (uint64_t)lo, (uint64_t)hi, &x))
		return false;
	*out = (int)x;
	return true;
}

bool scn_get_bool(Ld *l, yaml_node_t *n, const char *what, bool *out)
{
	const char *v = scn_scalar(n);
	if (v && !strcmp(v, "true"))
		*out = true;
	else if (v && !strcmp(v, "false"))
		*out = false;
	else if (v)
		return scn_fail_at(l, n, "%s must be true or false, not '%s'", what, v);
	else
		return scn_fail_at(l, n, "%s must be true or false, not %s", what, scn_type_text(n));
	return true;
}

/* One of @names (NULL-terminated); the index in *@out. */
bool scn_get_enum(Ld *l, yaml_node_t *n, const char *what, const char *const *names, int *out)
{
	const char *v = scn_scalar(n);
	char list[160] = "";
	size_t o = 0;

	if (!v)
		return scn_fail_at(l, n, "%s must be a scalar, not %s", what, scn_type_text(n));
	for (int i = 0; names[i]; i++) {
		if (!strcmp(names[i], v)) {
			*out = i;
			return true;
		}
		int w = snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", names[i]);
		if (w > 0 && (size_t)w < sizeof(list) - o)
			o += (size_t)w;
	}
	return scn_fail_at(l, n, "%s must be one of %s; got '%s'", what, list, v);
}

bool scn_get_level(Ld *l, yaml_node_t *n, const char *what, BbmLevel *out)
{
	const char *v = scn_scalar(n);
	if (!v)
		return scn_fail_at(l, n, "%s must be a BBM level, not %s", what, scn_type_text(n));
	if (!bbm_level_parse(v, out))
		return scn_fail_at(l, n, "unknown BBM level '%s' in %s (expected 0, 1, 2 or 2-noabort)", v, what);
	return true;
}

static bool ident_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* Is @s (length @n) an identifier? */
bool scn_is_ident(const char *s, size_t n)
{
	if (!n || !ident_char(s[0], true))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!ident_char(s[i], false))
			return false;
	return true;
}

bool scn_is_register_name(const char *s)
{
	static const char *const regs[] = { "sp", "wsp", "xzr", "wzr", "lr", "fp", "pc", "reserved", NULL };
	for (int i = 0; regs[i]; i++)
		if (!strcasecmp(s, regs[i]))
			return true;
	if ((s[0] == 'x' || s[0] == 'w' || s[0] == 'X' || s[0] == 'W') && s[1]) {
		char *end;
		long r = strtol(s + 1, &end, 10);
		return !*end && s[1] >= '0' && s[1] <= '9' && r >= 0 && r <= 30;
	}
	return false;
}

Name *scn_name_find(Scenario *s, const char *name)
{
	for (size_t i = 0; i < s->nnames; i++)
		if (!strcmp(s->names[i].name, name))
			return &s->names[i];
	return NULL;
}

/* Edit distance between @a and @b, capped at 3 (enough for a "did you mean"). */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 3;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			int del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(int));
	}
	return prev[lb] < 3 ? prev[lb] : 3;
}

/* The defined name closest to @tok (at most 2 edits away), or NULL. */
static const char *name_nearest(const Scenario *s, const char *tok)
{
	const char *best = NULL;
	int bd = 3;
	for (size_t i = 0; i < s->nnames; i++) {
		int d = edit_distance(tok, s->names[i].name);
		if (d < bd) {
			bd = d;
			best = s->names[i].name;
		}
	}
	return best;
}

/* Register a name; checks its form and that it is new. */
bool scn_name_add(Ld *l, yaml_node_t *n, NameKind kind, const char *what)
{
	Scenario *s = l->s;
	const char *v = scn_scalar(n);
	if (!v)
		return scn_fail_at(l, n, "%s must be a name, not %s", what, scn_type_text(n));
	if (!scn_is_ident(v, strlen(v)) || !strncmp(v, "__", 2))
		return scn_fail_at(l, n, "'%s' is not a valid name for %s (letters, digits and '_', "
			       "not starting with a digit or '__')", v, what);
	if (scn_is_register_name(v))
		return scn_fail_at(l, n, "'%s' is reserved (a register name or 'reserved') and cannot name %s",
			       v, what);
	Name *old = scn_name_find(s, v);
	if (old)
		return scn_fail_at(l, n, "duplicate name '%s' (already %s at line %d:%d)", v,
			       scn_name_kind_text[old->kind], old->at.line, old->at.col);
	s->names = realloc(s->names, (s->nnames + 1) * sizeof(*s->names));
	if (!s->names)
		abort();
	Name *e = &s->names[s->nnames++];
	memset(e, 0, sizeof(*e));
	e->name = scn_xstrdup(v);
	e->kind = kind;
	e->at = scn_loc_of(n);
	return true;
}

void scn_name_set(Scenario *s, const char *name, uint64_t val)
{
	Name *e = scn_name_find(s, name);
	if (e) {
		e->known = true;
		e->val = val;
	}
}

/*
 * A value: a sum of terms, each a number or a name, joined by '+' or '-'
 * ("0x1000", "DATA", "CODE+0x10000", "new_page+PTE_RW", "-1"), computed
 * modulo 2^64. Names resolve to their value if they have one by now.
 */
bool scn_get_value(Ld *l, yaml_node_t *n, const char *what, uint64_t *out)
{
	const char *v = scn_scalar(n), *p;
	uint64_t sum = 0;
	int sign = 1;

	if (!v || !*v)
		return scn_fail_at(l, n, "%s must be a number or a name, not %s", what, v ? "empty" : scn_type_text(n));
	p = v;
	while (*p == ' ')
		p++;
	if (*p == '-' || *p == '+')
		sign = *p++ == '-' ? -1 : 1;
	for (;;) {
		char tok[128];
		size_t tl = 0;
		uint64_t x;
		while (*p == ' ')
			p++;
		while (p[tl] && p[tl] != '+' && p[tl] != '-' && p[tl] != ' ')
			tl++;
		if (!tl || tl >= sizeof(tok))
			return scn_fail_at(l, n, "%s must be a number, a name, or a sum of them; got '%s'", what, v);
		memcpy(tok, p, tl);
		tok[tl] = 0;
		p += tl;
		if (!scn_parse_num(tok, &x)) {
			if (!scn_is_ident(tok, tl))
				return scn_fail_at(l, n, "%s must be a number, a name, or a sum of them; got '%s'",
					       what, v);
			Name *e = scn_name_find(l->s, tok);
			if (!e) {
				const char *near = name_nearest(l->s, tok);
				return scn_fail_at(l, n, "undefined name '%s' in %s%s%s%s", tok, what,
					       near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
			}
			if (!e->known)
				return scn_fail_at(l, n, "'%s' (%s) has no value yet where %s is read: values are "
					       "given in the order symbols, data, code, tables, pes", tok,
					       scn_name_kind_text[e->kind], what);
			x = e->val;
		}
		sum = sign > 0 ? sum + x : sum - x;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		sign = *p++ == '-' ? -1 : 1;
	}
	*out = sum;
	return true;
}
