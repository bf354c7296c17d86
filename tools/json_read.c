// SPDX-License-Identifier: GPL-2.0-only
/*
 * json_read.c - a recursive-descent JSON reader (RFC 8259) into a tree,
 * for `bbmsim merge`. Strings are decoded (\uXXXX to UTF-8, surrogate
 * pairs joined); nesting is bounded so that no input can exhaust the stack.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_read.h"

#define JSON_MAX_DEPTH 64

typedef struct Rd {
	const char *p, *start;
	char *err;
	size_t errlen;
	bool failed;
} Rd;

static bool fail(Rd *r, const char *msg)
{
	if (!r->failed) {
		int line = 1, col = 1;
		for (const char *q = r->start; q < r->p; q++) {
			if (*q == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		snprintf(r->err, r->errlen, "%d:%d: %s", line, col, msg);
		r->failed = true;
	}
	return false;
}

static void ws(Rd *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

static void put_utf8(char **o, unsigned c)
{
	if (c < 0x80) {
		*(*o)++ = (char)c;
	} else if (c < 0x800) {
		*(*o)++ = (char)(0xc0 | c >> 6);
		*(*o)++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*(*o)++ = (char)(0xe0 | c >> 12);
		*(*o)++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*(*o)++ = (char)(0x80 | (c & 0x3f));
	} else {
		*(*o)++ = (char)(0xf0 | c >> 18);
		*(*o)++ = (char)(0x80 | ((c >> 12) & 0x3f));
		*(*o)++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*(*o)++ = (char)(0x80 | (c & 0x3f));
	}
}

static bool hex4(Rd *r, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = r->p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(r, "bad \\u escape");
	}
	r->p += 4;
	*out = v;
	return true;
}

static bool string(Rd *r, char **out)
{
	const char *q = r->p + 1;
	size_t len = 0;
	while (*q && *q != '"') {
		if (*q == '\\' && q[1])
			q++;
		q++;
		len++;
	}
	if (*q != '"')
		return fail(r, "unterminated string");
	char *s = malloc(len * 4 + 1), *o = s;
	r->p++;
	while (*r->p != '"') {
		unsigned char c = (unsigned char)*r->p;
		if (c < 0x20) {
			free(s);
			return fail(r, "control character in a string");
		}
		if (c != '\\') {
			*o++ = *r->p++;
			continue;
		}
		r->p++;
		char e = *r->p++;
		switch (e) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned c1, c2;
			if (!hex4(r, &c1)) {
				free(s);
				return false;
			}
			if (c1 >= 0xd800 && c1 < 0xdc00 && r->p[0] == '\\' && r->p[1] == 'u') {
				r->p += 2;
				if (!hex4(r, &c2)) {
					free(s);
					return false;
				}
				if (c2 >= 0xdc00 && c2 < 0xe000)
					c1 = 0x10000 + ((c1 - 0xd800) << 10) + (c2 - 0xdc00);
			}
			put_utf8(&o, c1);
			break;
		}
		default:
			free(s);
			r->p--;
			return fail(r, "bad escape in a string");
		}
	}
	r->p++;
	*o = 0;
	*out = s;
	return true;
}

static bool value(Rd *r, Json *j, int depth);
static void json_fini(Json *j);

static bool push(Json *j, Json *item)
{
	j->items = realloc(j->items, (j->n + 1) * sizeof(*j->items));
	j->items[j->n++] = *item;
	return true;
}

static bool compound(Rd *r, Json *j, int depth, bool object)
{
	char close = object ? '}' : ']';
	j->type = object ? JSON_OBJECT : JSON_ARRAY;
	r->p++;
	ws(r);
	if (*r->p == close) {
		r->p++;
		return true;
	}
	for (;;) {
		Json item = { 0 };
		ws(r);
		if (object) {
			if (*r->p != '"')
				return fail(r, "expected a member name");
			if (!string(r, &item.key))
				return false;
			ws(r);
			if (*r->p != ':') {
				free(item.key);
				return fail(r, "expected ':'");
			}
			r->p++;
		}
		if (!value(r, &item, depth + 1)) {
			json_fini(&item);
			free(item.key);
			return false;
		}
		push(j, &item);
		ws(r);
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == close) {
			r->p++;
			return true;
		}
		return fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool value(Rd *r, Json *j, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return fail(r, "nested too deeply");
	ws(r);
	switch (*r->p) {
	case '{':
		return compound(r, j, depth, true);
	case '[':
		return compound(r, j, depth, false);
	case '"':
		j->type = JSON_STRING;
		return string(r, &j->s);
	case 't':
		if (strncmp(r->p, "true", 4))
			break;
		r->p += 4;
		j->type = JSON_BOOL;
		j->b = true;
		return true;
	case 'f':
		if (strncmp(r->p, "false", 5))
			break;
		r->p += 5;
		j->type = JSON_BOOL;
		return true;
	case 'n':
		if (strncmp(r->p, "null", 4))
			break;
		r->p += 4;
		j->type = JSON_NULL;
		return true;
	default: {
		const char *q = r->p;
		if (*q == '-')
			q++;
		if (*q < '0' || *q > '9')
			break;
		while ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' || *q == '-')
			q++;
		j->type = JSON_NUMBER;
		j->s = strndup(r->p, (size_t)(q - r->p));
		r->p = q;
		return true;
	}
	}
	return fail(r, "expected a value");
}

Json *json_parse(const char *text, char *err, size_t errlen)
{
	Rd r = { .p = text, .start = text, .err = err, .errlen = errlen };
	Json *j = calloc(1, sizeof(*j));

	if (!value(&r, j, 0)) {
		json_free(j);
		return NULL;
	}
	ws(&r);
	if (*r.p) {
		fail(&r, "text after the value");
		json_free(j);
		return NULL;
	}
	return j;
}

static void json_fini(Json *j)
{
	for (size_t i = 0; i < j->n; i++) {
		json_fini(&j->items[i]);
		free(j->items[i].key);
	}
	free(j->items);
	free(j->s);
}

void json_free(Json *j)
{
	if (!j)
		return;
	json_fini(j);
	free(j);
}

const Json *json_get(const Json *j, const char *key)
{
	if (!j || j->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < j->n; i++)
		if (j->items[i].key && !strcmp(j->items[i].key, key))
			return &j->items[i];
	return NULL;
}

const char *json_str(const Json *j, const char *key, const char *dflt)
{
	const Json *v = json_get(j, key);
	return v && v->type == JSON_STRING ? v->s : dflt;
}

uint64_t json_u64(const Json *j, const char *key, uint64_t dflt)
{
	const Json *v = json_get(j, key);
	if (!v || v->type != JSON_NUMBER || v->s[0] == '-')
		return dflt;
	errno = 0;
	char *end;
	unsigned long long x = strtoull(v->s, &end, 10);
	return errno || *end ? dflt : x;
}

double json_double(const Json *j, const char *key, double dflt)
{
	const Json *v = json_get(j, key);
	return v && v->type == JSON_NUMBER ? strtod(v->s, NULL) : dflt;
}

bool json_bool(const Json *j, const char *key, bool dflt)
{
	const Json *v = json_get(j, key);
	return v && v->type == JSON_BOOL ? v->b : dflt;
}

uint64_t json_hex(const Json *j, const char *key, uint64_t dflt)
{
	const Json *v = json_get(j, key);
	if (v && v->type == JSON_NUMBER)
		return json_u64(j, key, dflt);
	if (!v || v->type != JSON_STRING)
		return dflt;
	errno = 0;
	char *end;
	unsigned long long x = strtoull(v->s, &end, 0);
	return errno || *end ? dflt : x;
}
