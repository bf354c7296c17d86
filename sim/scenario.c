// SPDX-License-Identifier: GPL-2.0-only
/*
 * scenario.c - the YAML scenario loader (docs/scenario-format.md).
 *
 * The file is loaded with libyaml's document API, so every node keeps its
 * start mark and every error can name its place. The loader is driven by
 * the format, never by the document's shape: it looks only at the keys it
 * knows, rejects the others, and so never recurses further than the format
 * nests (an alias cycle cannot make it loop).
 *
 * All names (trees, spare tables, descriptors, data words, symbols, code
 * blocks) are collected first, then given values in a fixed order, whatever
 * their order in the file: symbols, data, code link addresses, tables
 * (trees, spares, descs), PEs (the shared 'reserved' table is allocated on
 * first use), then the code is assembled with every name as a .set, and the
 * expectations are read. A name used before it has a value is reported as
 * such, not as undefined.
 *
 * The translation tables are built once, at load, with ptbuild in a private
 * image of the table pool; scenario_build() copies that image into each
 * machine. This is the same result as running ptbuild on the machine's
 * memory (the pool starts zeroed and the builder is deterministic), once
 * instead of once per level. The code is assembled once too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>
#include "bbmsim/asm.h"
#include "bbmsim/desc.h"
#include "bbmsim/ptbuild.h"
#include "bbmsim/scenario.h"

#define SCN_MAX_FILE     (16u << 20)
#define SCN_MAX_DESCS    (1u << 22)     /* leaf descriptors written by all maps */
#define SCN_DEFAULT_MEM  (256ull << 20)
#define SCN_DEFAULT_INSNS 1000000ull

/* MAIR_EL1: AttrIndx 0 normal WB (0xff), 1 device-nGnRE (0x04), 2 normal NC (0x44). */
#define SCN_MAIR  (0xffull | (0x04ull << 8) | (0x44ull << 16))
/* TCR_EL1: T0SZ = T1SZ = 16 (48-bit VAs), TG0 = 4 KiB (0), TG1 = 4 KiB (2). */
#define SCN_TCR   (16ull | (16ull << 16) | (2ull << 30))

typedef struct Loc {
	int line, col;
} Loc;

typedef enum NameKind {
	NAME_SYMBOL,
	NAME_DATA,
	NAME_CODE,
	NAME_TREE,
	NAME_SPARE,
	NAME_DESC,
	NAME_RESERVED,
} NameKind;

static const char *const name_kind_text[] = {
	"a symbol", "a data block", "a code block", "a tree", "a spare table", "a descriptor",
	"the reserved table",
};

typedef struct Name {
	char *name;
	NameKind kind;
	Loc at;
	bool known;
	uint64_t val;
} Name;

typedef struct CodeBlock {
	char *name;
	Loc at;
	uint64_t pa, va;
	uint8_t *bytes;
	size_t len;
} CodeBlock;

typedef struct Word {
	uint64_t pa, val;
} Word;

typedef enum ExpKind {
	EXP_RUN,
	EXP_PE_STATE,
	EXP_FAULTS,
	EXP_WINDOWS,
	EXP_VIOLATIONS,
	EXP_STALE_USES,
	EXP_REG,
	EXP_MEM,
} ExpKind;

typedef struct Expect {
	ExpKind kind;
	int level;                  /* -1: every level */
	Loc at;
	int pe;                     /* -1: any */
	int fkind, flevel, access;  /* faults filters, -1: any */
	bool has_va;
	uint64_t va;
	int wkind, sev;             /* windows filters, -1: any */
	int wopen, wlatent;         /* windows: -1 any, 0 false, 1 true */
	char rule[16];              /* violations filter, "" = any */
	int ival;                   /* run end, PE state, register (31 = sp, 32 = pc) */
	uint64_t addr, val;
	bool has_min, has_max;
	uint64_t min, max;
} Expect;

struct Scenario {
	char *path, *name, *description;
	MachineConfig cfg;
	SchedStep *steps;
	bool run_level[BBM_LEVEL_COUNT];
	Name *names;
	size_t nnames;
	bool has_pool;
	uint64_t pool_pa, pool_size;
	uint64_t *img;              /* table pool image, img_len words from pool_pa */
	size_t img_len;
	Word *words;
	size_t nwords;
	CodeBlock *code;
	size_t ncode;
	PeInit pe[MACHINE_MAX_PES];
	Loc pe_at[MACHINE_MAX_PES];
	Loc machine_at;
	Expect *exp;
	size_t nexp;
};

/* --- the loader's state and its errors ------------------------------------------ */

typedef struct Ld {
	Scenario *s;
	yaml_document_t doc;
	char *src;
	size_t srclen;
	char *err;
	size_t errlen;
	bool failed;
	PtBuilder pb;
	size_t img_cap;
	uint64_t ndescs;
	yaml_node_t **asm_node;     /* per code block */
	const char *prelude;
	struct MapSeen *maps;       /* the maps loaded so far, for overlap messages */
	size_t nmaps;
} Ld;

typedef struct MapSeen {
	uint64_t root, va, size;
	int line;
} MapSeen;

static Loc loc_of(const yaml_node_t *n)
{
	Loc l = { 1, 1 };
	if (n) {
		l.line = (int)n->start_mark.line + 1;
		l.col = (int)n->start_mark.column + 1;
	}
	return l;
}

static bool fail_loc(Ld *l, Loc at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail_loc(Ld *l, Loc at, const char *fmt, ...)
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

#define fail_at(l, node, ...) fail_loc((l), loc_of(node), __VA_ARGS__)

static yaml_node_t *node(Ld *l, int idx)
{
	return yaml_document_get_node(&l->doc, idx);
}

static const char *type_text(const yaml_node_t *n)
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
static const char *scalar(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	const char *v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length)
		return NULL;
	return v;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

static bool need_type(Ld *l, yaml_node_t *n, yaml_node_type_t t, const char *what)
{
	static const char *const want[] = {
		[YAML_SCALAR_NODE] = "a scalar", [YAML_SEQUENCE_NODE] = "a sequence",
		[YAML_MAPPING_NODE] = "a mapping",
	};
	if (n && n->type == t)
		return true;
	return fail_at(l, n, "%s must be %s, not %s", what, want[t], type_text(n));
}

/*
 * Check that @n is a mapping whose keys are scalars from @keys (NULL ends the
 * list; a NULL @keys accepts any key), each given once.
 */
static bool map_keys(Ld *l, yaml_node_t *n, const char *what, const char *const *keys)
{
	if (!need_type(l, n, YAML_MAPPING_NODE, what))
		return false;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key);
		const char *ks = scalar(k);
		if (!ks)
			return fail_at(l, k, "keys of %s must be plain text, not %s", what, type_text(k));
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
			return fail_at(l, k, "unknown key '%s' in %s (expected %s)%s", ks, what, list,
				       !strncmp(what, "code[", 5) ?
				       "; an assembler label? inside an 'asm: |' block every line, labels "
				       "included, must be indented at least as far as its first line" : "");
		}
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
			const char *qs = scalar(node(l, q->key));
			if (qs && !strcmp(qs, ks))
				return fail_at(l, k, "duplicate key '%s' in %s", ks, what);
		}
	}
	return true;
}

static yaml_node_t *map_get(Ld *l, yaml_node_t *n, const char *key)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *ks = scalar(node(l, p->key));
		if (ks && !strcmp(ks, key))
			return node(l, p->value);
	}
	return NULL;
}

static yaml_node_t *map_need(Ld *l, yaml_node_t *n, const char *key, const char *what)
{
	yaml_node_t *v = map_get(l, n, key);
	if (!v)
		fail_at(l, n, "missing key '%s' in %s", key, what);
	return v;
}

static size_t seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_at(Ld *l, yaml_node_t *n, size_t i)
{
	return node(l, n->data.sequence.items.start[i]);
}

/* --- scalars: numbers, booleans, enumerations, names, values ---------------------- */

/* A number: decimal, 0x hex or 0b binary, with an optional K/M/G/T suffix (powers of 1024). */
static bool parse_num(const char *s, uint64_t *out)
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

static bool get_u64(Ld *l, yaml_node_t *n, const char *what, uint64_t lo, uint64_t hi, uint64_t *out)
{
	const char *v = scalar(n);
	uint64_t x;
	if (!v)
		return fail_at(l, n, "%s must be a number, not %s", what, type_text(n));
	if (!parse_num(v, &x))
		return fail_at(l, n, "%s must be a number, not '%s'", what, v);
	if (x < lo || x > hi)
		return fail_at(l, n, "%s must be between %llu and %llu, got %s", what,
			       (unsigned long long)lo, (unsigned long long)hi, v);
	*out = x;
	return true;
}

static bool get_int(Ld *l, yaml_node_t *n, const char *what, int lo, int hi, int *out)
{
	uint64_t x;
	if (!get_u64(l, n, what, (uint64_t)lo, (uint64_t)hi, &x))
		return false;
	*out = (int)x;
	return true;
}

static bool get_bool(Ld *l, yaml_node_t *n, const char *what, bool *out)
{
	const char *v = scalar(n);
	if (v && !strcmp(v, "true"))
		*out = true;
	else if (v && !strcmp(v, "false"))
		*out = false;
	else if (v)
		return fail_at(l, n, "%s must be true or false, not '%s'", what, v);
	else
		return fail_at(l, n, "%s must be true or false, not %s", what, type_text(n));
	return true;
}

/* One of @names (NULL-terminated); the index in *@out. */
static bool get_enum(Ld *l, yaml_node_t *n, const char *what, const char *const *names, int *out)
{
	const char *v = scalar(n);
	char list[160] = "";
	size_t o = 0;

	if (!v)
		return fail_at(l, n, "%s must be a scalar, not %s", what, type_text(n));
	for (int i = 0; names[i]; i++) {
		if (!strcmp(names[i], v)) {
			*out = i;
			return true;
		}
		int w = snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", names[i]);
		if (w > 0 && (size_t)w < sizeof(list) - o)
			o += (size_t)w;
	}
	return fail_at(l, n, "%s must be one of %s; got '%s'", what, list, v);
}

static bool get_level(Ld *l, yaml_node_t *n, const char *what, BbmLevel *out)
{
	const char *v = scalar(n);
	if (!v)
		return fail_at(l, n, "%s must be a BBM level, not %s", what, type_text(n));
	if (!bbm_level_parse(v, out))
		return fail_at(l, n, "unknown BBM level '%s' in %s (expected 0, 1, 2 or 2-noabort)", v, what);
	return true;
}

static bool ident_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* Is @s (length @n) an identifier? */
static bool is_ident(const char *s, size_t n)
{
	if (!n || !ident_char(s[0], true))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!ident_char(s[i], false))
			return false;
	return true;
}

static bool is_register_name(const char *s)
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

static Name *name_find(Scenario *s, const char *name)
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
static bool name_add(Ld *l, yaml_node_t *n, NameKind kind, const char *what)
{
	Scenario *s = l->s;
	const char *v = scalar(n);
	if (!v)
		return fail_at(l, n, "%s must be a name, not %s", what, type_text(n));
	if (!is_ident(v, strlen(v)) || !strncmp(v, "__", 2))
		return fail_at(l, n, "'%s' is not a valid name for %s (letters, digits and '_', "
			       "not starting with a digit or '__')", v, what);
	if (is_register_name(v))
		return fail_at(l, n, "'%s' is reserved (a register name or 'reserved') and cannot name %s",
			       v, what);
	Name *old = name_find(s, v);
	if (old)
		return fail_at(l, n, "duplicate name '%s' (already %s at line %d:%d)", v,
			       name_kind_text[old->kind], old->at.line, old->at.col);
	s->names = realloc(s->names, (s->nnames + 1) * sizeof(*s->names));
	if (!s->names)
		abort();
	Name *e = &s->names[s->nnames++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(v);
	e->kind = kind;
	e->at = loc_of(n);
	return true;
}

static void name_set(Scenario *s, const char *name, uint64_t val)
{
	Name *e = name_find(s, name);
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
static bool get_value(Ld *l, yaml_node_t *n, const char *what, uint64_t *out)
{
	const char *v = scalar(n), *p;
	uint64_t sum = 0;
	int sign = 1;

	if (!v || !*v)
		return fail_at(l, n, "%s must be a number or a name, not %s", what, v ? "empty" : type_text(n));
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
			return fail_at(l, n, "%s must be a number, a name, or a sum of them; got '%s'", what, v);
		memcpy(tok, p, tl);
		tok[tl] = 0;
		p += tl;
		if (!parse_num(tok, &x)) {
			if (!is_ident(tok, tl))
				return fail_at(l, n, "%s must be a number, a name, or a sum of them; got '%s'",
					       what, v);
			Name *e = name_find(l->s, tok);
			if (!e) {
				const char *near = name_nearest(l->s, tok);
				return fail_at(l, n, "undefined name '%s' in %s%s%s%s", tok, what,
					       near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
			}
			if (!e->known)
				return fail_at(l, n, "'%s' (%s) has no value yet where %s is read: values are "
					       "given in the order symbols, data, code, tables, pes", tok,
					       name_kind_text[e->kind], what);
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

/* --- machine --------------------------------------------------------------------- */

static bool load_schedule(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = { "policy", "quantum", "seed", "steps", NULL };
	static const char *const policies[] = { "round-robin", "random", "list", NULL };
	MachineConfig *c = &l->s->cfg;
	yaml_node_t *v;
	int policy;
	uint64_t x;

	if (!map_keys(l, n, "machine.schedule", keys))
		return false;
	if ((v = map_get(l, n, "policy"))) {
		if (!get_enum(l, v, "schedule.policy", policies, &policy))
			return false;
		c->sched = (SchedPolicy)policy;
	}
	if ((v = map_get(l, n, "quantum"))) {
		if (!get_u64(l, v, "schedule.quantum", 1, 1000000, &x))
			return false;
		c->quantum = (unsigned)x;
	}
	if ((v = map_get(l, n, "seed")) && !get_u64(l, v, "schedule.seed", 0, UINT64_MAX, &c->seed))
		return false;
	if ((v = map_get(l, n, "steps"))) {
		if (!need_type(l, v, YAML_SEQUENCE_NODE, "schedule.steps"))
			return false;
		size_t ns = seq_len(v);
		if (!ns)
			return fail_at(l, v, "schedule.steps must not be empty");
		l->s->steps = xcalloc(ns, sizeof(*l->s->steps));
		for (size_t i = 0; i < ns; i++) {
			yaml_node_t *st = seq_at(l, v, i);
			if (!st || st->type != YAML_SEQUENCE_NODE || seq_len(st) != 2)
				return fail_at(l, st, "each schedule step must be a pair [pe, count]");
			int pe;
			if (!get_int(l, seq_at(l, st, 0), "the step's PE", 0, (int)c->npes - 1, &pe) ||
			    !get_u64(l, seq_at(l, st, 1), "the step's count", 1, UINT64_MAX, &x))
				return false;
			l->s->steps[i].pe = pe;
			l->s->steps[i].count = x;
		}
		c->nsteps = ns;
	}
	if (c->sched == SCHED_LIST && !c->nsteps)
		return fail_at(l, n, "missing key 'steps' in machine.schedule (policy: list needs it)");
	return true;
}

static bool load_tlb(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = { "capacity", "replacement", "walk_cache", "speculative", "prefetch", NULL };
	static const char *const repl[] = { "lru", "random", NULL };
	static const char *const spec[] = { "none", "adversarial", NULL };
	MachineConfig *c = &l->s->cfg;
	yaml_node_t *v;
	uint64_t x;
	int e;

	if (!map_keys(l, n, "machine.tlb", keys))
		return false;
	if ((v = map_get(l, n, "capacity"))) {
		if (!get_u64(l, v, "tlb.capacity", 0, 1u << 24, &x))
			return false;
		c->tlb.capacity = (size_t)x;
	}
	if ((v = map_get(l, n, "replacement"))) {
		if (!get_enum(l, v, "tlb.replacement", repl, &e))
			return false;
		c->tlb.replace = (TlbReplace)e;
	}
	if ((v = map_get(l, n, "walk_cache")) && !get_bool(l, v, "tlb.walk_cache", &c->tlb.walk_cache))
		return false;
	if ((v = map_get(l, n, "prefetch"))) {
		if (!get_u64(l, v, "tlb.prefetch", 1, 512, &x))
			return false;
		if (x & (x - 1))
			return fail_at(l, v, "tlb.prefetch must be a power of two (1..512), not %llu",
				       (unsigned long long)x);
		c->tlb_prefetch = (unsigned)x;
	}
	if ((v = map_get(l, n, "speculative"))) {
		if (!get_enum(l, v, "tlb.speculative", spec, &e))
			return false;
		c->spec_fill = (SpecFill)e;
	}
	return true;
}

static bool load_levels(Ld *l, yaml_node_t *n)
{
	BbmLevel lv;
	memset(l->s->run_level, 0, sizeof(l->s->run_level));
	if (n->type == YAML_SCALAR_NODE) {
		if (!get_level(l, n, "machine.levels", &lv))
			return false;
		l->s->run_level[lv] = true;
		return true;
	}
	if (!need_type(l, n, YAML_SEQUENCE_NODE, "machine.levels"))
		return false;
	if (!seq_len(n))
		return fail_at(l, n, "machine.levels must name at least one level");
	for (size_t i = 0; i < seq_len(n); i++) {
		if (!get_level(l, seq_at(l, n, i), "machine.levels", &lv))
			return false;
		l->s->run_level[lv] = true;
	}
	return true;
}

static bool load_machine(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = {
		"pes", "memory", "levels", "midr", "tlb", "walk_visibility", "tlbi_completion", "ttl",
		"multihit", "l2_size_hit", "nt", "schedule", "max_insns", NULL,
	};
	static const char *const vis[] = { "immediate", "at-dsb", NULL };
	static const char *const tlbic[] = { "at-dsb", "at-issue", NULL };
	static const char *const ttl[] = { "strict", "lenient", NULL };
	static const char *const mh[] = { "abort", "use-oldest", "use-newest", NULL };
	static const char *const l2[] = { "abort", "use-newest", NULL };
	static const char *const nt[] = { "fault", "uncached", NULL };
	MachineConfig *c = &l->s->cfg;
	yaml_node_t *v;
	uint64_t x;
	int e;

	if (!map_keys(l, n, "machine", keys))
		return false;
	l->s->machine_at = loc_of(n);
	if (!(v = map_need(l, n, "pes", "machine")) || !get_u64(l, v, "machine.pes", 1, MACHINE_MAX_PES, &x))
		return false;
	c->npes = (unsigned)x;
	if ((v = map_get(l, n, "memory"))) {
		const char *t = scalar(v);
		if (!t || !parse_num(t, &x))
			return fail_at(l, v, "machine.memory must be a size (a number with an optional "
				       "K, M, G or T suffix), not %s%s%s", t ? "'" : "", t ? t : type_text(v),
				       t ? "'" : "");
		if (x < (1ull << 20) || x > (1ull << 40))
			return fail_at(l, v, "machine.memory must be between 1M and 1T, got %s", t);
		if (x & (PAGE_SIZE - 1))
			return fail_at(l, v, "machine.memory must be a multiple of 4K, got %s", t);
		c->mem_size = x;
	}
	if ((v = map_get(l, n, "levels")) && !load_levels(l, v))
		return false;
	if ((v = map_get(l, n, "midr")) && !get_u64(l, v, "machine.midr", 0, UINT32_MAX, &c->midr))
		return false;
	if ((v = map_get(l, n, "tlb")) && !load_tlb(l, v))
		return false;
	if ((v = map_get(l, n, "walk_visibility"))) {
		if (!get_enum(l, v, "machine.walk_visibility", vis, &e))
			return false;
		c->walk_vis = (WalkVisibility)e;
	}
	if ((v = map_get(l, n, "tlbi_completion"))) {
		if (!get_enum(l, v, "machine.tlbi_completion", tlbic, &e))
			return false;
		c->tlbi_completion = (TlbiCompletion)e;
	}
	if ((v = map_get(l, n, "ttl"))) {
		if (!get_enum(l, v, "machine.ttl", ttl, &e))
			return false;
		c->ttl_strict = e == 0;
	}
	if ((v = map_get(l, n, "multihit"))) {
		if (!get_enum(l, v, "machine.multihit", mh, &e))
			return false;
		c->knobs.multihit = (BbmMultiHit)e;
	}
	if ((v = map_get(l, n, "l2_size_hit"))) {
		if (!get_enum(l, v, "machine.l2_size_hit", l2, &e))
			return false;
		c->knobs.l2_size = (BbmL2SizeHit)e;
	}
	if ((v = map_get(l, n, "nt"))) {
		if (!get_enum(l, v, "machine.nt", nt, &e))
			return false;
		c->knobs.nt = (BbmNtPolicy)e;
	}
	if ((v = map_get(l, n, "schedule")) && !load_schedule(l, v))
		return false;
	if ((v = map_get(l, n, "max_insns")) &&
	    !get_u64(l, v, "machine.max_insns", 1, UINT64_MAX, &c->max_insns))
		return false;
	return true;
}

/* --- names ----------------------------------------------------------------------- */

/* Each item of sequence @seq (if any) is a mapping whose 'name' is registered. */
static bool collect_item_names(Ld *l, yaml_node_t *seq, const char *what, NameKind kind)
{
	char w[64];
	if (!seq)
		return true;
	if (!need_type(l, seq, YAML_SEQUENCE_NODE, what))
		return false;
	for (size_t i = 0; i < seq_len(seq); i++) {
		yaml_node_t *it = seq_at(l, seq, i), *nm;
		snprintf(w, sizeof(w), "%s[%zu]", what, i);
		if (!need_type(l, it, YAML_MAPPING_NODE, w) || !(nm = map_need(l, it, "name", w)) ||
		    !name_add(l, nm, kind, w))
			return false;
	}
	return true;
}

static bool collect_names(Ld *l, yaml_node_t *root)
{
	yaml_node_t *v, *tables = map_get(l, root, "tables");

	if ((v = map_get(l, root, "symbols"))) {
		if (!map_keys(l, v, "symbols", NULL))
			return false;
		for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++)
			if (!name_add(l, node(l, p->key), NAME_SYMBOL, "a symbol"))
				return false;
	}
	if (!collect_item_names(l, map_get(l, root, "data"), "data", NAME_DATA) ||
	    !collect_item_names(l, map_get(l, root, "code"), "code", NAME_CODE))
		return false;
	if (!tables)
		return true;
	static const char *const tkeys[] = { "pool", "trees", "spare", "descs", NULL };
	if (!map_keys(l, tables, "tables", tkeys))
		return false;
	if (!collect_item_names(l, map_get(l, tables, "trees"), "tables.trees", NAME_TREE))
		return false;
	if ((v = map_get(l, tables, "spare"))) {
		if (!need_type(l, v, YAML_SEQUENCE_NODE, "tables.spare"))
			return false;
		for (size_t i = 0; i < seq_len(v); i++)
			if (!name_add(l, seq_at(l, v, i), NAME_SPARE, "a spare table"))
				return false;
	}
	return collect_item_names(l, map_get(l, tables, "descs"), "tables.descs", NAME_DESC);
}

/* --- symbols, data, code addresses ------------------------------------------------- */

static bool load_symbols(Ld *l, yaml_node_t *n)
{
	if (!n)
		return true;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(l, p->key));
		uint64_t x;
		char w[160];
		snprintf(w, sizeof(w), "symbol '%s'", k);
		if (!get_value(l, node(l, p->value), w, &x))
			return false;
		name_set(l->s, k, x);
	}
	return true;
}

static bool in_memory(const Scenario *s, uint64_t pa, uint64_t len)
{
	return pa <= s->cfg.mem_size && len <= s->cfg.mem_size - pa;
}

static bool load_data(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = { "name", "pa", "u64", NULL };
	Scenario *s = l->s;
	char w[64];

	for (size_t i = 0; n && i < seq_len(n); i++) {
		yaml_node_t *it = seq_at(l, n, i), *v, *words;
		uint64_t pa;
		snprintf(w, sizeof(w), "data[%zu]", i);
		if (!map_keys(l, it, w, keys) || !(v = map_need(l, it, "pa", w)) ||
		    !get_value(l, v, "data.pa", &pa) || !(words = map_need(l, it, "u64", w)))
			return false;
		if (pa & 7)
			return fail_at(l, v, "data.pa must be 8-byte aligned, got 0x%llx", (unsigned long long)pa);
		size_t nw = words->type == YAML_SEQUENCE_NODE ? seq_len(words) : 1;
		if (!nw)
			return fail_at(l, words, "data.u64 must hold at least one word");
		if (!in_memory(s, pa, nw * 8))
			return fail_at(l, v, "data [0x%llx, +%zu words) is outside memory",
				       (unsigned long long)pa, nw);
		s->words = realloc(s->words, (s->nwords + nw) * sizeof(*s->words));
		if (!s->words)
			abort();
		for (size_t k = 0; k < nw; k++) {
			yaml_node_t *wn = words->type == YAML_SEQUENCE_NODE ? seq_at(l, words, k) : words;
			Word *d = &s->words[s->nwords];
			d->pa = pa + 8 * k;
			if (!get_value(l, wn, "a data word", &d->val))
				return false;
			s->nwords++;
		}
		name_set(s, scalar(map_get(l, it, "name")), pa);
	}
	return true;
}

static bool load_code_addrs(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = { "name", "pa", "va", "asm", NULL };
	Scenario *s = l->s;
	char w[64];

	if (!n)
		return true;
	s->code = xcalloc(seq_len(n), sizeof(*s->code));
	l->asm_node = xcalloc(seq_len(n), sizeof(*l->asm_node));
	for (size_t i = 0; i < seq_len(n); i++) {
		yaml_node_t *it = seq_at(l, n, i), *v;
		CodeBlock *c = &s->code[i];
		snprintf(w, sizeof(w), "code[%zu]", i);
		if (!map_keys(l, it, w, keys) || !(v = map_need(l, it, "pa", w)) ||
		    !get_value(l, v, "code.pa", &c->pa))
			return false;
		if (c->pa & 3)
			return fail_at(l, v, "code.pa must be 4-byte aligned");
		c->va = c->pa;
		if ((v = map_get(l, it, "va"))) {
			if (!get_value(l, v, "code.va", &c->va))
				return false;
			if (c->va & 3)
				return fail_at(l, v, "code.va must be 4-byte aligned");
		}
		if (!(v = map_need(l, it, "asm", w)))
			return false;
		if (!scalar(v))
			return fail_at(l, v, "code.asm must be text, not %s", type_text(v));
		l->asm_node[i] = v;
		c->name = xstrdup(scalar(map_get(l, it, "name")));
		c->at = loc_of(it);
		s->ncode++;
		name_set(s, c->name, c->va);
	}
	return true;
}

/* --- tables ---------------------------------------------------------------------- */

static uint64_t img_read(void *ctx, uint64_t pa)
{
	Ld *l = ctx;
	uint64_t i = (pa - l->s->pool_pa) / 8;
	if (pa < l->s->pool_pa || i >= l->s->img_len)
		return 0;
	return l->s->img[i];
}

static void img_write(void *ctx, uint64_t pa, uint64_t val)
{
	Ld *l = ctx;
	Scenario *s = l->s;
	if (pa < s->pool_pa || pa - s->pool_pa >= s->pool_size)
		return;   /* ptbuild writes only into the pool */
	size_t i = (size_t)((pa - s->pool_pa) / 8);
	if (i >= l->img_cap) {
		size_t cap = l->img_cap ? l->img_cap : 4096;
		while (cap <= i)
			cap *= 2;
		s->img = realloc(s->img, cap * sizeof(*s->img));
		if (!s->img)
			abort();
		memset(s->img + l->img_cap, 0, (cap - l->img_cap) * sizeof(*s->img));
		l->img_cap = cap;
	}
	if (i >= s->img_len)
		s->img_len = i + 1;
	s->img[i] = val;
}

static bool alloc_table(Ld *l, yaml_node_t *at, const char *what, uint64_t *pa)
{
	if (!l->s->has_pool)
		return fail_at(l, at, "%s needs a table pool (tables.pool)", what);
	if (!pt_alloc_table(&l->pb, pa))
		return fail_at(l, at, "the table pool is full (allocating %s)", what);
	return true;
}

static bool va_ok(uint64_t va, uint64_t size)
{
	uint64_t end = va + size - 1;
	if (end < va)
		return false;
	if (va < (1ull << 48))
		return end < (1ull << 48);
	return va >= 0xffff000000000000ull;
}

static bool load_map(Ld *l, yaml_node_t *it, const char *w, uint64_t root)
{
	static const char *const keys[] = {
		"va", "pa", "size", "granule", "cont", "attrs", "perms", "el0", "global", "af", "nt", NULL,
	};
	static const char *const granules[] = { "1G", "2M", "4K", NULL };
	static const char *const attrs[] = { "normal", "device", "normal-nc", NULL };
	static const char *const perms[] = { "rw", "ro", "rwx", "rx", NULL };
	yaml_node_t *v;
	uint64_t va, pa, size;
	int gran = 2, attr = 0, perm = 0;
	bool cont = false, el0 = false, global = true, af = true, nt = false;

	if (!map_keys(l, it, w, keys))
		return false;
	if (!(v = map_need(l, it, "va", w)) || !get_value(l, v, "map.va", &va) ||
	    !(v = map_need(l, it, "pa", w)) || !get_value(l, v, "map.pa", &pa) ||
	    !(v = map_need(l, it, "size", w)) || !get_value(l, v, "map.size", &size))
		return false;
	if (((v = map_get(l, it, "granule")) && !get_enum(l, v, "map.granule", granules, &gran)) ||
	    ((v = map_get(l, it, "attrs")) && !get_enum(l, v, "map.attrs", attrs, &attr)) ||
	    ((v = map_get(l, it, "perms")) && !get_enum(l, v, "map.perms", perms, &perm)) ||
	    ((v = map_get(l, it, "cont")) && !get_bool(l, v, "map.cont", &cont)) ||
	    ((v = map_get(l, it, "el0")) && !get_bool(l, v, "map.el0", &el0)) ||
	    ((v = map_get(l, it, "global")) && !get_bool(l, v, "map.global", &global)) ||
	    ((v = map_get(l, it, "af")) && !get_bool(l, v, "map.af", &af)) ||
	    ((v = map_get(l, it, "nt")) && !get_bool(l, v, "map.nt", &nt)))
		return false;
	int level = gran + 1;
	uint64_t g = desc_level_size(level);
	if (!size)
		return fail_at(l, it, "map.size is zero");
	if (!va_ok(va, size))
		return fail_at(l, it, "map [0x%llx, +0x%llx) is not a 48-bit VA range (below "
			       "0x0001000000000000, or from 0xffff000000000000)",
			       (unsigned long long)va, (unsigned long long)size);
	if (cont && ((va | pa | size) & (16 * g - 1)))
		return fail_at(l, it, "cont: va, pa and size must be aligned to 16 x the granule");
	if (nt && level == 3)
		return fail_at(l, map_get(l, it, "nt"), "nt applies to block mappings only (granule 1G or 2M)");
	if (!((va | pa | size) & (g - 1)) && size / g > SCN_MAX_DESCS - l->ndescs)
		return fail_at(l, it, "too many descriptors (the maps would write more than %u); "
			       "use a larger granule", SCN_MAX_DESCS);

	/* Attribute bits (D8.3): the table in docs/scenario-format.md. */
	static const uint64_t attr_bits[] = { 0 << 2 | 3ull << 8, 1 << 2, 2 << 2 };
	static const uint64_t perm_bits[] = {
		DESC_UXN | DESC_PXN, DESC_AP2 | DESC_UXN | DESC_PXN, DESC_UXN, DESC_AP2 | DESC_UXN,
	};
	uint64_t d = attr_bits[attr] | perm_bits[perm];
	if (el0) {
		d |= DESC_AP1;
		/* EL0 mappings execute at EL0, not at EL1 (as Linux maps user text). */
		if (!(d & DESC_PXN))
			d = (d & ~DESC_UXN) | DESC_PXN;
	}
	d |= (af ? DESC_AF : 0) | (global ? 0 : DESC_NG) | (cont ? DESC_CONT : 0) | (nt ? DESC_NT : 0);
	/* Say which field is off, by how much, and which earlier map is in the way. */
	static const char *const gname[] = { "1G", "2M", "4K" };
	const char *field = (va & (g - 1)) ? "va" : (pa & (g - 1)) ? "pa" : (size & (g - 1)) ? "size" : NULL;
	if (field) {
		uint64_t val = (va & (g - 1)) ? va : (pa & (g - 1)) ? pa : size;
		return fail_at(l, map_get(l, it, field), "map.%s 0x%llx is not a multiple of the granule %s",
			       field, (unsigned long long)val, gname[gran]);
	}
	for (size_t i = 0; i < l->nmaps; i++) {
		const MapSeen *o = &l->maps[i];
		if (o->root == root && va < o->va + o->size && o->va < va + size)
			return fail_at(l, it, "map [0x%llx, +0x%llx) overlaps the map at line %d "
				       "[0x%llx, +0x%llx) in the same tree",
				       (unsigned long long)va, (unsigned long long)size, o->line,
				       (unsigned long long)o->va, (unsigned long long)o->size);
	}
	const char *e = pt_map(&l->pb, root, 0, va, pa, size, level, d);
	if (e)
		return fail_at(l, it, "%s", e);
	l->maps = realloc(l->maps, (l->nmaps + 1) * sizeof(*l->maps));
	if (!l->maps)
		abort();
	l->maps[l->nmaps++] = (MapSeen){ .root = root, .va = va, .size = size, .line = loc_of(it).line };
	l->ndescs += size / g;
	return true;
}

static bool ensure_reserved(Ld *l, yaml_node_t *at, uint64_t *pa_out);

static bool load_tables(Ld *l, yaml_node_t *n)
{
	static const char *const pool_keys[] = { "pa", "size", NULL };
	static const char *const tree_keys[] = { "name", "maps", NULL };
	static const char *const desc_keys[] = { "name", "tree", "va", "level", NULL };
	Scenario *s = l->s;
	yaml_node_t *v, *trees;
	char w[96];

	if (!n)
		return true;
	if ((v = map_get(l, n, "pool"))) {
		yaml_node_t *x;
		if (!map_keys(l, v, "tables.pool", pool_keys) || !(x = map_need(l, v, "pa", "tables.pool")) ||
		    !get_value(l, x, "pool.pa", &s->pool_pa) || !(x = map_need(l, v, "size", "tables.pool")) ||
		    !get_value(l, x, "pool.size", &s->pool_size))
			return false;
		if ((s->pool_pa | s->pool_size) & (PAGE_SIZE - 1) || !s->pool_size)
			return fail_at(l, v, "tables.pool: pa and size must be non-zero multiples of 4K");
		if (!in_memory(s, s->pool_pa, s->pool_size))
			return fail_at(l, v, "tables.pool [0x%llx, +0x%llx) is outside memory (machine.memory)",
				       (unsigned long long)s->pool_pa, (unsigned long long)s->pool_size);
		s->has_pool = true;
		pt_init(&l->pb, img_read, img_write, l, s->pool_pa, s->pool_size);
	}
	if ((trees = map_get(l, n, "trees"))) {
		for (size_t i = 0; i < seq_len(trees); i++) {
			yaml_node_t *t = seq_at(l, trees, i), *maps;
			uint64_t root;
			snprintf(w, sizeof(w), "tables.trees[%zu]", i);
			if (!map_keys(l, t, w, tree_keys) || !alloc_table(l, t, "a tree", &root))
				return false;
			name_set(s, scalar(map_get(l, t, "name")), root);
			if (!(maps = map_get(l, t, "maps")))
				continue;
			if (!need_type(l, maps, YAML_SEQUENCE_NODE, "maps"))
				return false;
			for (size_t k = 0; k < seq_len(maps); k++) {
				snprintf(w, sizeof(w), "tables.trees[%zu].maps[%zu]", i, k);
				if (!load_map(l, seq_at(l, maps, k), w, root))
					return false;
			}
		}
	}
	if ((v = map_get(l, n, "spare"))) {
		for (size_t i = 0; i < seq_len(v); i++) {
			uint64_t pa;
			if (!alloc_table(l, seq_at(l, v, i), "a spare table", &pa))
				return false;
			name_set(s, scalar(seq_at(l, v, i)), pa);
		}
	}
	if ((v = map_get(l, n, "descs"))) {
		for (size_t i = 0; i < seq_len(v); i++) {
			yaml_node_t *d = seq_at(l, v, i), *x;
			uint64_t va;
			int level;
			snprintf(w, sizeof(w), "tables.descs[%zu]", i);
			if (!map_keys(l, d, w, desc_keys) || !(x = map_need(l, d, "tree", w)))
				return false;
			const char *tn = scalar(x);
			Name *tree = tn ? name_find(s, tn) : NULL;
			if (!tree || tree->kind != NAME_TREE)
				return fail_at(l, x, "unknown tree '%s' in %s", tn ? tn : "?", w);
			if (!(x = map_need(l, d, "va", w)) || !get_value(l, x, "desc.va", &va) ||
			    !(x = map_need(l, d, "level", w)) || !get_int(l, x, "desc.level", 0, 3, &level))
				return false;
			uint64_t pa = pt_desc_addr(&l->pb, tree->val, 0, va, level);
			if (pa == ~0ull)
				return fail_at(l, d, "no level %d table reaches va 0x%llx in tree '%s' "
					       "(a larger mapping, or nothing, is there)", level,
					       (unsigned long long)va, tn);
			name_set(s, scalar(map_get(l, d, "name")), pa);
		}
	}
	/* Code may refer to __reserved even when no PE starts on it (parking code does). */
	if (s->has_pool && l->pb.pool_next + PAGE_SIZE <= l->pb.pool_end)
		return ensure_reserved(l, n, NULL);
	return true;
}

/* --- PEs ------------------------------------------------------------------------- */

/* The shared empty table 'reserved' (symbol __reserved), allocated once from the pool. */
static bool ensure_reserved(Ld *l, yaml_node_t *at, uint64_t *pa_out)
{
	Scenario *s = l->s;
	Name *r = name_find(s, "reserved");
	if (!r) {
		uint64_t pa;
		if (!alloc_table(l, at, "the 'reserved' table", &pa))
			return false;
		s->names = realloc(s->names, (s->nnames + 1) * sizeof(*s->names));
		if (!s->names)
			abort();
		r = &s->names[s->nnames++];
		r->name = xstrdup("reserved");
		r->kind = NAME_RESERVED;
		r->at = loc_of(at);
		r->known = true;
		r->val = pa;
	}
	if (pa_out)
		*pa_out = r->val;
	return true;
}

static bool load_ttbr(Ld *l, yaml_node_t *v, const char *what, uint64_t *out)
{
	Scenario *s = l->s;
	const char *t = scalar(v);
	if (t && !strcmp(t, "reserved"))
		return ensure_reserved(l, v, out);
	if (t && is_ident(t, strlen(t)) && !name_find(s, t)) {
		char list[160] = "";
		size_t o = 0;
		for (size_t i = 0; i < s->nnames; i++)
			if (s->names[i].kind == NAME_TREE) {
				int w = snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "",
						 s->names[i].name);
				if (w > 0 && (size_t)w < sizeof(list) - o)
					o += (size_t)w;
			}
		return fail_at(l, v, "unknown tree '%s' in %s (trees: %s)", t, what, o ? list : "none");
	}
	return get_value(l, v, what, out);
}

static bool load_pes(Ld *l, yaml_node_t *n)
{
	static const char *const keys[] = {
		"entry", "regs", "sp", "el", "mmu", "ttbr0", "ttbr1", "asid", "vbar", "level", "midr",
		"tcr", "mair", NULL,
	};
	Scenario *s = l->s;
	char w[64], rw[96];

	if (!need_type(l, n, YAML_SEQUENCE_NODE, "pes"))
		return false;
	if (seq_len(n) != s->cfg.npes)
		return fail_at(l, n, "pes has %zu entries but machine.pes is %u", seq_len(n), s->cfg.npes);
	for (size_t i = 0; i < seq_len(n); i++) {
		yaml_node_t *it = seq_at(l, n, i), *v, *t0, *t1;
		PeInit *p = &s->pe[i];
		bool mmu = true;
		uint64_t asid = 0;

		snprintf(w, sizeof(w), "pes[%zu]", i);
		if (!map_keys(l, it, w, keys))
			return false;
		s->pe_at[i] = loc_of(it);
		p->el = 1;
		p->regs.tcr = SCN_TCR;
		p->regs.mair = SCN_MAIR;
		if (!(v = map_need(l, it, "entry", w)) || !get_value(l, v, "entry", &p->pc))
			return false;
		if ((v = map_get(l, it, "regs"))) {
			static const char *const regs[] = {
				"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
				"x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22",
				"x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30", NULL,
			};
			snprintf(rw, sizeof(rw), "%s.regs", w);
			if (!map_keys(l, v, rw, regs))
				return false;
			for (int r = 0; r < 31; r++) {
				yaml_node_t *x = map_get(l, v, regs[r]);
				if (x && !get_value(l, x, regs[r], &p->x[r]))
					return false;
			}
		}
		if (((v = map_get(l, it, "sp")) && !get_value(l, v, "sp", &p->sp)) ||
		    ((v = map_get(l, it, "el")) && !get_int(l, v, "el", 0, 1, &p->el)) ||
		    ((v = map_get(l, it, "mmu")) && !get_bool(l, v, "mmu", &mmu)) ||
		    ((v = map_get(l, it, "asid")) && !get_u64(l, v, "asid", 0, 0xffff, &asid)) ||
		    ((v = map_get(l, it, "vbar")) && !get_value(l, v, "vbar", &p->vbar)) ||
		    ((v = map_get(l, it, "tcr")) && !get_u64(l, v, "tcr", 0, UINT64_MAX, &p->regs.tcr)) ||
		    ((v = map_get(l, it, "mair")) && !get_u64(l, v, "mair", 0, UINT64_MAX, &p->regs.mair)))
			return false;
		if ((v = map_get(l, it, "level"))) {
			if (!get_level(l, v, "the PE's level", &p->level))
				return false;
			p->has_level = true;
		}
		if ((v = map_get(l, it, "midr"))) {
			if (!get_u64(l, v, "midr", 0, UINT32_MAX, &p->midr))
				return false;
			p->has_midr = true;
		}
		if (p->vbar & 0x7ff)
			return fail_at(l, map_get(l, it, "vbar"), "vbar must be 2K-aligned (VBAR_EL1[10:0] are RES0)");
		t0 = map_get(l, it, "ttbr0");
		t1 = map_get(l, it, "ttbr1");
		if (mmu && !t0 && !t1)
			return fail_at(l, it, "missing key 'ttbr0' or 'ttbr1' in %s (the MMU is on)", w);
		/* With the MMU on, an absent TTBR points at the empty reserved table. */
		yaml_node_t fake;
		memset(&fake, 0, sizeof(fake));
		fake.type = YAML_SCALAR_NODE;
		fake.data.scalar.value = (yaml_char_t *)"reserved";
		fake.data.scalar.length = 8;
		fake.start_mark = it->start_mark;
		if (t0 || mmu) {
			if (!load_ttbr(l, t0 ? t0 : &fake, "ttbr0", &p->regs.ttbr0))
				return false;
		}
		if (t1 || mmu) {
			if (!load_ttbr(l, t1 ? t1 : &fake, "ttbr1", &p->regs.ttbr1))
				return false;
		}
		p->regs.ttbr0 |= asid << 48;
		p->regs.ttbr1 |= asid << 48;
		p->regs.sctlr = mmu ? SCTLR_M : 0;
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
	Loc at = loc_of(n);
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

static bool assemble_all(Ld *l)
{
	Scenario *s = l->s;
	size_t plen = strlen(scn_macros) + 1;
	char *prelude;

	for (size_t i = 0; i < s->nnames; i++)
		plen += strlen(s->names[i].name) + 48;
	prelude = xcalloc(plen, 1);
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
		const char *text = scalar(l->asm_node[i]);
		size_t sl = strlen(prelude) + strlen(text) + 2;
		char *src = xcalloc(sl, 1);
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
				fail_at(l, l->asm_node[i], "code '%s': %s (each code block is assembled alone: "
					"only the names of other blocks are visible)", c->name, u);
				ok = false;
				asm_result_fini(&r);
				free(src);
				break;
			}
			if (line > 0)
				fail_loc(l, asm_line_loc(l, l->asm_node[i], line), "%s", msg);
			else
				fail_at(l, l->asm_node[i], "code '%s': %s", c->name, msg);
			ok = false;
		} else if (!r.len) {
			ok = fail_at(l, l->asm_node[i], "code '%s' assembles to nothing", c->name);
		} else if (!in_memory(s, c->pa, r.len)) {
			ok = fail_loc(l, c->at, "code '%s' [0x%llx, +0x%zx) does not fit in memory", c->name,
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
static bool check_placement(Ld *l)
{
	Scenario *s = l->s;
	for (size_t i = 0; i < s->ncode; i++) {
		CodeBlock *c = &s->code[i];
		for (size_t k = 0; k < i; k++)
			if (overlaps(c->pa, c->len, s->code[k].pa, s->code[k].len))
				return fail_loc(l, c->at, "code '%s' [0x%llx, 0x%llx) overlaps code '%s' "
						"[0x%llx, 0x%llx)", c->name, (unsigned long long)c->pa,
						(unsigned long long)(c->pa + c->len), s->code[k].name,
						(unsigned long long)s->code[k].pa,
						(unsigned long long)(s->code[k].pa + s->code[k].len));
		if (s->has_pool && overlaps(c->pa, c->len, s->pool_pa, s->pool_size))
			return fail_loc(l, c->at, "code '%s' overlaps the table pool", c->name);
		for (size_t k = 0; k < s->nwords; k++)
			if (overlaps(c->pa, c->len, s->words[k].pa, 8))
				return fail_loc(l, c->at, "code '%s' overlaps the data word at 0x%llx", c->name,
						(unsigned long long)s->words[k].pa);
	}
	for (size_t k = 0; k < s->nwords; k++)
		if (s->has_pool && overlaps(s->words[k].pa, 8, s->pool_pa, s->pool_size))
			return fail_loc(l, s->machine_at, "the data word at 0x%llx is inside the table pool "
					"(name it in tables.descs or tables.spare instead)",
					(unsigned long long)s->words[k].pa);
	return true;
}

/* --- expectations ---------------------------------------------------------------- */

static Expect *exp_add(Ld *l, ExpKind kind, int level, yaml_node_t *at)
{
	Scenario *s = l->s;
	s->exp = realloc(s->exp, (s->nexp + 1) * sizeof(*s->exp));
	if (!s->exp)
		abort();
	Expect *e = &s->exp[s->nexp++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->level = level;
	e->at = loc_of(at);
	e->pe = e->fkind = e->flevel = e->access = e->wkind = e->sev = e->wopen = e->wlatent = -1;
	return e;
}

/* min/max/count of a counting expectation; none given means min 1. */
static bool load_bounds(Ld *l, yaml_node_t *n, Expect *e)
{
	yaml_node_t *mn = map_get(l, n, "min"), *mx = map_get(l, n, "max"), *ct = map_get(l, n, "count");
	if (ct && (mn || mx))
		return fail_at(l, ct, "give either count or min/max, not both");
	if (ct) {
		if (!get_u64(l, ct, "count", 0, UINT64_MAX, &e->min))
			return false;
		e->max = e->min;
		e->has_min = e->has_max = true;
		return true;
	}
	if (mn && !get_u64(l, mn, "min", 0, UINT64_MAX, &e->min))
		return false;
	if (mx && !get_u64(l, mx, "max", 0, UINT64_MAX, &e->max))
		return false;
	e->has_min = mn != NULL;
	e->has_max = mx != NULL;
	if (!mn && !mx) {
		e->has_min = true;
		e->min = 1;
	}
	if (mn && mx && e->min > e->max)
		return fail_at(l, mn, "min is larger than max");
	return true;
}

static bool load_pe_index(Ld *l, yaml_node_t *v, int *pe)
{
	return get_int(l, v, "pe", 0, (int)l->s->cfg.npes - 1, pe);
}

/* A counting expectation given as a bare number: an exact count. */
static bool load_exact_count(Ld *l, yaml_node_t *v, const char *what, Expect *e)
{
	if (!get_u64(l, v, what, 0, UINT64_MAX, &e->min))
		return false;
	e->max = e->min;
	e->has_min = e->has_max = true;
	return true;
}

static bool load_violation(Ld *l, yaml_node_t *v, int level)
{
	static const char *const vkeys[] = { "rule", "min", "max", "count", NULL };
	Expect *e = exp_add(l, EXP_VIOLATIONS, level, v);

	if (v->type == YAML_SCALAR_NODE)
		return load_exact_count(l, v, "violations", e);
	if (!map_keys(l, v, "expect.violations", vkeys))
		return false;
	yaml_node_t *r = map_get(l, v, "rule");
	if (r) {
		const char *rs = scalar(r);
		if (!rs || !*rs || strlen(rs) >= sizeof(e->rule))
			return fail_at(l, r, "rule must be an Arm ARM rule id such as RWHZWS");
		snprintf(e->rule, sizeof(e->rule), "%s", rs);
	}
	return load_bounds(l, v, e);
}

/* stale_uses: a number, or {pe, kind, min, max, count}: accesses an old translation served (rules_stale_use). */
static bool load_stale_uses(Ld *l, yaml_node_t *v, int level)
{
	static const char *const skeys[] = { "pe", "kind", "min", "max", "count", NULL };
	Expect *e = exp_add(l, EXP_STALE_USES, level, v);

	if (v->type == YAML_SCALAR_NODE)
		return load_exact_count(l, v, "stale_uses", e);
	if (!map_keys(l, v, "expect.stale_uses", skeys))
		return false;
	yaml_node_t *x;
	if ((x = map_get(l, v, "pe")) && !load_pe_index(l, x, &e->pe))
		return false;
	if ((x = map_get(l, v, "kind"))) {
		WindowKind k;
		if (!scalar(x) || !window_kind_parse(scalar(x), &k))
			return fail_at(l, x, "kind must be translation-fault, tlb-conflict or stale");
		e->wkind = (int)k;
	}
	return load_bounds(l, v, e);
}

static bool load_expect_block(Ld *l, yaml_node_t *n, int level, const char *bw)
{
	static const char *const keys[] = { "run", "pes", "faults", "windows", "violations", "stale_uses", "regs",
					    "memory", NULL };
	static const char *const run_ends[] = { "all-stopped", "instruction-limit", "deadlock", NULL };
	static const char *const states[] = { "running", "sleeping", "halted", "faulted", "error", NULL };
	static const char *const accesses[] = { "read", "write", "fetch", NULL };
	static const char *const fkeys[] = { "pe", "kind", "level", "access", "va", "min", "max", "count", NULL };
	static const char *const wkeys[] = { "kind", "severity", "pe", "va", "open", "latent", "min", "max", "count", NULL };
	Scenario *s = l->s;
	yaml_node_t *v;
	char w[96];

	if (!map_keys(l, n, bw, keys))
		return false;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(l, p->key));
		v = node(l, p->value);
		if (!strcmp(k, "run")) {
			Expect *e = exp_add(l, EXP_RUN, level, v);
			if (!get_enum(l, v, "expect.run", run_ends, &e->ival))
				return false;
		} else if (!strcmp(k, "pes")) {
			if (v->type == YAML_SEQUENCE_NODE) {
				if (seq_len(v) > s->cfg.npes)
					return fail_at(l, v, "expect.pes lists %zu PEs, the machine has %u",
						       seq_len(v), s->cfg.npes);
				for (size_t i = 0; i < seq_len(v); i++) {
					Expect *e = exp_add(l, EXP_PE_STATE, level, seq_at(l, v, i));
					e->pe = (int)i;
					if (!get_enum(l, seq_at(l, v, i), "a PE state", states, &e->ival))
						return false;
				}
			} else {
				if (!map_keys(l, v, "expect.pes", NULL))
					return false;
				for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
					Expect *e = exp_add(l, EXP_PE_STATE, level, node(l, q->key));
					if (!load_pe_index(l, node(l, q->key), &e->pe) ||
					    !get_enum(l, node(l, q->value), "a PE state", states, &e->ival))
						return false;
				}
			}
		} else if (!strcmp(k, "faults") || !strcmp(k, "windows") || !strcmp(k, "regs") ||
			   !strcmp(k, "memory")) {
			if (!need_type(l, v, YAML_SEQUENCE_NODE, k))
				return false;
			for (size_t i = 0; i < seq_len(v); i++) {
				yaml_node_t *it = seq_at(l, v, i), *x;
				snprintf(w, sizeof(w), "%s.%s[%zu]", bw, k, i);
				if (!strcmp(k, "faults")) {
					Expect *e = exp_add(l, EXP_FAULTS, level, it);
					if (!map_keys(l, it, w, fkeys) ||
					    ((x = map_get(l, it, "pe")) && !load_pe_index(l, x, &e->pe)) ||
					    ((x = map_get(l, it, "level")) && !get_int(l, x, "level", 0, 3, &e->flevel)) ||
					    ((x = map_get(l, it, "access")) && !get_enum(l, x, "access", accesses, &e->access)))
						return false;
					if ((x = map_get(l, it, "va"))) {
						if (!get_value(l, x, "va", &e->va))
							return false;
						e->has_va = true;
					}
					if ((x = map_get(l, it, "kind"))) {
						const char *t = scalar(x);
						for (int fk = FAULT_TRANSLATION; fk <= FAULT_EXTERNAL && t; fk++)
							if (!strcmp(t, fault_kind_name((FaultKind)fk)))
								e->fkind = fk;
						if (e->fkind < 0)
							return fail_at(l, x, "unknown fault kind '%s' (expected "
								       "translation, access-flag, permission, "
								       "address-size, tlb-conflict or external)",
								       t ? t : "?");
					}
					if (!load_bounds(l, it, e))
						return false;
				} else if (!strcmp(k, "windows")) {
					Expect *e = exp_add(l, EXP_WINDOWS, level, it);
					if (!map_keys(l, it, w, wkeys) ||
					    ((x = map_get(l, it, "pe")) && !load_pe_index(l, x, &e->pe)))
						return false;
					if ((x = map_get(l, it, "kind"))) {
						WindowKind wk;
						if (!scalar(x) || !window_kind_parse(scalar(x), &wk))
							return fail_at(l, x, "unknown window kind '%s' (expected "
								       "translation-fault, tlb-conflict or stale)",
								       scalar(x) ? scalar(x) : "?");
						e->wkind = (int)wk;
					}
					if ((x = map_get(l, it, "va"))) {
						if (!get_value(l, x, "windows.va", &e->va))
							return false;
						e->has_va = true;
					}
					for (int f = 0; f < 2; f++) {
						const char *fk = f ? "latent" : "open";
						if ((x = map_get(l, it, fk))) {
							const char *t = scalar(x);
							if (!t || (strcmp(t, "true") && strcmp(t, "false")))
								return fail_at(l, x, "%s must be true or false", fk);
							*(f ? &e->wlatent : &e->wopen) = !strcmp(t, "true");
						}
					}
					if ((x = map_get(l, it, "severity"))) {
						Severity sv;
						if (!scalar(x) || !severity_parse(scalar(x), &sv))
							return fail_at(l, x, "unknown severity '%s' (expected benign, "
								       "fault-possible, abort-possible or violation)",
								       scalar(x) ? scalar(x) : "?");
						e->sev = (int)sv;
					}
					if (!load_bounds(l, it, e))
						return false;
				} else if (!strcmp(k, "regs")) {
					int pe;
					if (!map_keys(l, it, w, NULL) || !(x = map_need(l, it, "pe", w)) ||
					    !load_pe_index(l, x, &pe))
						return false;
					for (yaml_node_pair_t *q = it->data.mapping.pairs.start;
					     q < it->data.mapping.pairs.top; q++) {
						const char *rn = scalar(node(l, q->key));
						int reg = -1;
						if (!strcmp(rn, "pe"))
							continue;
						if (!strcmp(rn, "sp"))
							reg = 31;
						else if (!strcmp(rn, "pc"))
							reg = 32;
						else if (rn[0] == 'x' && is_register_name(rn))
							reg = atoi(rn + 1);
						if (reg < 0)
							return fail_at(l, node(l, q->key), "unknown key '%s' in %s "
								       "(expected pe, x0..x30, sp, pc)", rn, w);
						Expect *e = exp_add(l, EXP_REG, level, node(l, q->key));
						e->pe = pe;
						e->ival = reg;
						if (!get_value(l, node(l, q->value), rn, &e->val))
							return false;
					}
				} else {
					static const char *const mkeys[] = { "pa", "u64", NULL };
					uint64_t pa;
					yaml_node_t *words;
					if (!map_keys(l, it, w, mkeys) || !(x = map_need(l, it, "pa", w)) ||
					    !get_value(l, x, "pa", &pa) || !(words = map_need(l, it, "u64", w)))
						return false;
					size_t nw = words->type == YAML_SEQUENCE_NODE ? seq_len(words) : 1;
					if (pa & 7)
						return fail_at(l, x, "pa must be 8-byte aligned");
					if (!nw || !in_memory(s, pa, nw * 8))
						return fail_at(l, x, "memory expectation outside memory (or empty)");
					for (size_t q = 0; q < nw; q++) {
						yaml_node_t *wn = words->type == YAML_SEQUENCE_NODE ?
							seq_at(l, words, q) : words;
						Expect *e = exp_add(l, EXP_MEM, level, wn);
						e->addr = pa + 8 * q;
						if (!get_value(l, wn, "u64", &e->val))
							return false;
					}
				}
			}
		} else if (!strcmp(k, "stale_uses")) {
			size_t nv = v->type == YAML_SEQUENCE_NODE ? seq_len(v) : 1;
			for (size_t q = 0; q < nv; q++)
				if (!load_stale_uses(l, v->type == YAML_SEQUENCE_NODE ? seq_at(l, v, q) : v, level))
					return false;
		} else if (!strcmp(k, "violations")) {
			/* A number, one {rule, min, max, count} map, or a list of such maps. */
			size_t nv = v->type == YAML_SEQUENCE_NODE ? seq_len(v) : 1;
			for (size_t q = 0; q < nv; q++)
				if (!load_violation(l, v->type == YAML_SEQUENCE_NODE ? seq_at(l, v, q) : v, level))
					return false;
		}
	}
	return true;
}

static bool load_expect(Ld *l, yaml_node_t *n)
{
	if (!n)
		return true;
	if (!map_keys(l, n, "expect", NULL))
		return false;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key);
		const char *ks = scalar(k);
		BbmLevel lv;
		int level = -1;
		char bw[64];
		if (strcmp(ks, "all")) {
			if (!bbm_level_parse(ks, &lv))
				return fail_at(l, k, "unknown key '%s' in expect (expected all, 0, 1, 2 or 2-noabort)", ks);
			if (!l->s->run_level[lv])
				return fail_at(l, k, "expectations for level %s, which machine.levels does not run", ks);
			level = (int)lv;
		}
		snprintf(bw, sizeof(bw), "expect.%s", ks);
		if (!load_expect_block(l, node(l, p->value), level, bw))
			return false;
	}
	return true;
}

/* --- load ------------------------------------------------------------------------ */

static char *read_all(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;

	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return NULL;
	}
	if ((uint64_t)st.st_size > SCN_MAX_FILE) {
		snprintf(err, errlen, "%s: file too large (over %u bytes)", path, SCN_MAX_FILE);
		fclose(f);
		return NULL;
	}
	buf = xcalloc((size_t)st.st_size + 1, 1);
	*len = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	return buf;
}

/*
 * Is source line @line (1-based) just after an 'asm:' block scalar? A label
 * indented less than the block's first line ends the block, and libyaml then
 * reports a confusing "expected key" a little later: the hint says why.
 */
static bool in_asm_block(const Ld *l, int line)
{
	const char *p = l->src, *end = l->src + l->srclen;
	int n = 1, last_asm = -1;

	for (const char *q = p; q < end && n <= line; q++) {
		if (q == p || q[-1] == '\n') {
			const char *t = q;
			while (t < end && (*t == ' ' || *t == '-'))
				t++;
			if ((size_t)(end - t) >= 4 && !strncmp(t, "asm:", 4))
				last_asm = n;
			else if (t < end && *t != '\n' && *t != '#' && q == t && *t != ' ')
				last_asm = -1;   /* a top-level key: no block is open */
		}
		if (*q == '\n')
			n++;
	}
	return last_asm > 0 && line - last_asm < 400;
}

/* libyaml's own problem, at its mark. */
static void yaml_fail(Ld *l, yaml_parser_t *p)
{
	Loc at = { (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1 };
	if (p->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a mark. */
		at.line = at.col = 1;
		for (size_t i = 0; i < p->problem_offset && i < l->srclen; i++) {
			if (l->src[i] == '\n')
				at.line++, at.col = 1;
			else
				at.col++;
		}
	}
	const char *hint = in_asm_block(l, at.line) ?
		"; inside an 'asm: |' block every line, labels included, must be indented at least as far as its first line" : "";
	if (p->error == YAML_MEMORY_ERROR)
		fail_loc(l, at, "out of memory while parsing");
	else if (p->context)
		fail_loc(l, at, "%s %s (line %d:%d)%s", p->problem ? p->problem : "bad YAML", p->context,
			 (int)p->context_mark.line + 1, (int)p->context_mark.column + 1, hint);
	else
		fail_loc(l, at, "%s%s", p->problem ? p->problem : "bad YAML", hint);
}

static char *default_name(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	char *n = xstrdup(b);
	size_t len = strlen(n);
	if (len > 5 && !strcmp(n + len - 5, ".yaml"))
		n[len - 5] = 0;
	else if (len > 4 && !strcmp(n + len - 4, ".yml"))
		n[len - 4] = 0;
	return n;
}

static bool load_root(Ld *l, yaml_node_t *root)
{
	static const char *const keys[] = {
		"bbmsim", "name", "description", "machine", "tables", "symbols", "data", "code", "pes",
		"expect", NULL,
	};
	Scenario *s = l->s;
	yaml_node_t *v;
	uint64_t ver;

	if (!map_keys(l, root, "the scenario", keys))
		return false;
	if (!(v = map_need(l, root, "bbmsim", "the scenario")) || !get_u64(l, v, "bbmsim", 0, UINT64_MAX, &ver))
		return false;
	if (ver != 1)
		return fail_at(l, v, "unsupported format version %llu (this bbmsim reads version 1)",
			       (unsigned long long)ver);
	if ((v = map_get(l, root, "name"))) {
		const char *t = scalar(v);
		if (!t || !*t)
			return fail_at(l, v, "name must be non-empty text");
		free(s->name);
		s->name = xstrdup(t);
	}
	if ((v = map_get(l, root, "description"))) {
		if (!scalar(v))
			return fail_at(l, v, "description must be text, not %s", type_text(v));
		s->description = xstrdup(scalar(v));
	}
	if (!(v = map_need(l, root, "machine", "the scenario")) || !load_machine(l, v))
		return false;
	if (!collect_names(l, root))
		return false;
	if (!load_symbols(l, map_get(l, root, "symbols")) || !load_data(l, map_get(l, root, "data")) ||
	    !load_code_addrs(l, map_get(l, root, "code")) || !load_tables(l, map_get(l, root, "tables")))
		return false;
	if (!(v = map_need(l, root, "pes", "the scenario")) || !load_pes(l, v))
		return false;
	if (!assemble_all(l) || !check_placement(l))
		return false;
	return load_expect(l, map_get(l, root, "expect"));
}

Scenario *scenario_load(const char *path, char *err, size_t errlen)
{
	Scenario *s = xcalloc(1, sizeof(*s));
	Ld l;
	yaml_parser_t parser;
	bool have_doc = false, ok = false;

	memset(&l, 0, sizeof(l));
	l.s = s;
	l.err = err;
	l.errlen = errlen;
	if (errlen)
		err[0] = 0;
	s->path = xstrdup(path);
	s->name = default_name(path);
	machine_config_default(&s->cfg);
	s->cfg.mem_size = SCN_DEFAULT_MEM;
	s->cfg.max_insns = SCN_DEFAULT_INSNS;
	s->cfg.knobs.nt = BBM_NT_UNCACHED;
	for (int i = 0; i < BBM_LEVEL_COUNT; i++)
		s->run_level[i] = true;

	if (!(l.src = read_all(path, &l.srclen, err, errlen)))
		goto fail;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: cannot initialise the YAML parser", path);
		goto fail;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)l.src, l.srclen);
	if (!yaml_parser_load(&parser, &l.doc)) {
		yaml_fail(&l, &parser);
		yaml_parser_delete(&parser);
		goto fail;
	}
	have_doc = true;
	yaml_node_t *root = yaml_document_get_root_node(&l.doc);
	if (!root) {
		snprintf(err, errlen, "%s:1:1: the file holds no scenario (it is empty)", path);
		yaml_parser_delete(&parser);
		goto fail;
	}
	yaml_document_t extra;
	if (!yaml_parser_load(&parser, &extra)) {
		yaml_fail(&l, &parser);
		yaml_parser_delete(&parser);
		goto fail;
	}
	yaml_node_t *x = yaml_document_get_root_node(&extra);
	if (x) {
		fail_at(&l, x, "only one YAML document per scenario file");
		yaml_document_delete(&extra);
		yaml_parser_delete(&parser);
		goto fail;
	}
	yaml_document_delete(&extra);
	yaml_parser_delete(&parser);
	ok = load_root(&l, root);
fail:
	if (have_doc)
		yaml_document_delete(&l.doc);
	free(l.src);
	free(l.asm_node);
	free(l.maps);
	if (!ok) {
		scenario_free(s);
		return NULL;
	}
	return s;
}

void scenario_free(Scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nnames; i++)
		free(s->names[i].name);
	for (size_t i = 0; i < s->ncode; i++) {
		free(s->code[i].name);
		free(s->code[i].bytes);
	}
	free(s->names);
	free(s->code);
	free(s->words);
	free(s->img);
	free(s->steps);
	free(s->exp);
	free(s->path);
	free(s->name);
	free(s->description);
	free(s);
}

const char *scenario_name(const Scenario *s)
{
	return s->name;
}

const char *scenario_path(const Scenario *s)
{
	return s->path;
}

size_t scenario_levels(const Scenario *s, BbmLevel out[BBM_LEVEL_COUNT])
{
	size_t n = 0;
	for (int i = 0; i < BBM_LEVEL_COUNT; i++)
		if (s->run_level[i])
			out[n++] = (BbmLevel)i;
	return n;
}

/* --- build ----------------------------------------------------------------------- */

Machine *scenario_build(const Scenario *s, BbmLevel level, const ScenarioOverrides *ov,
			AnalysisPe apes[MACHINE_MAX_PES], BbmKnobs *knobs, char *err, size_t errlen)
{
	MachineConfig c = s->cfg;
	char e[256];

	c.level = level;
	c.steps = s->steps;
	if (ov && ov->has_seed)
		c.seed = ov->seed;
	if (ov && ov->has_max_insns)
		c.max_insns = ov->max_insns;
	if (ov && ov->has_quantum)
		c.quantum = ov->quantum;
	if (ov && ov->no_batch)
		c.no_batch = true;
	Machine *m = machine_new(&c, e, sizeof(e));
	if (!m) {
		snprintf(err, errlen, "%s:%d:%d: %s", s->path, s->machine_at.line, s->machine_at.col, e);
		return NULL;
	}
	if (s->has_pool) {
		machine_mark_table_pages(m, s->pool_pa, s->pool_size);
		if (s->img_len)
			machine_phys_write(m, s->pool_pa, s->img, s->img_len * sizeof(*s->img));
	}
	for (size_t i = 0; i < s->nwords; i++)
		machine_phys_write64(m, s->words[i].pa, s->words[i].val);
	for (size_t i = 0; i < s->ncode; i++)
		machine_phys_write(m, s->code[i].pa, s->code[i].bytes, s->code[i].len);
	for (unsigned i = 0; i < c.npes; i++) {
		if (!machine_pe_init(m, i, &s->pe[i], e, sizeof(e))) {
			snprintf(err, errlen, "%s:%d:%d: %s", s->path, s->pe_at[i].line, s->pe_at[i].col, e);
			machine_free(m);
			return NULL;
		}
		apes[i].regs = s->pe[i].regs;
		apes[i].level = s->pe[i].has_level ? s->pe[i].level : level;
		apes[i].active = true;
	}
	*knobs = c.knobs;
	return m;
}

/* --- check ----------------------------------------------------------------------- */

static void bounds_text(const Expect *e, char *buf, size_t len)
{
	if (e->has_min && e->has_max && e->min == e->max)
		snprintf(buf, len, "== %llu", (unsigned long long)e->min);
	else if (e->has_min && e->has_max)
		snprintf(buf, len, "in [%llu, %llu]", (unsigned long long)e->min, (unsigned long long)e->max);
	else if (e->has_max)
		snprintf(buf, len, "<= %llu", (unsigned long long)e->max);
	else
		snprintf(buf, len, ">= %llu", (unsigned long long)e->min);
}

static bool in_bounds(const Expect *e, uint64_t n)
{
	return (!e->has_min || n >= e->min) && (!e->has_max || n <= e->max);
}

static void check_one(const Scenario *s, const Expect *e, Machine *m, RunEnd end, const Analysis *a,
		      ExpectResult *r)
{
	char b[64], who[32] = "";
	uint64_t got;

	snprintf(r->where, sizeof(r->where), "%s:%d:%d", s->path, e->at.line, e->at.col);
	if (e->pe >= 0)
		snprintf(who, sizeof(who), "PE %d ", e->pe);
	switch (e->kind) {
	case EXP_RUN:
		r->ok = (int)end == e->ival;
		snprintf(r->text, sizeof(r->text), "run ends %s: got %s", run_end_name((RunEnd)e->ival),
			 run_end_name(end));
		break;
	case EXP_PE_STATE: {
		PeState st = machine_pe_state(m, (unsigned)e->pe);
		r->ok = (int)st == e->ival;
		snprintf(r->text, sizeof(r->text), "PE %d %s: got %s", e->pe, pe_state_name((PeState)e->ival),
			 pe_state_name(st));
		break;
	}
	case EXP_FAULTS: {
		const FaultRecord *f;
		size_t nf = machine_faults(m, &f);
		got = 0;
		for (size_t i = 0; i < nf; i++)
			got += (e->pe < 0 || f[i].pe == e->pe) && (e->fkind < 0 || (int)f[i].kind == e->fkind) &&
			       (e->flevel < 0 || f[i].level == e->flevel) &&
			       (e->access < 0 || (int)f[i].access == e->access) && (!e->has_va || f[i].va == e->va);
		bounds_text(e, b, sizeof(b));
		char filt[96] = "";
		size_t o = 0;
		if (e->flevel >= 0)
			o += (size_t)snprintf(filt + o, sizeof(filt) - o, " at level %d", e->flevel);
		if (e->access >= 0)
			o += (size_t)snprintf(filt + o, sizeof(filt) - o, " on %s", access_type_name((AccessType)e->access));
		if (e->has_va)
			snprintf(filt + o, sizeof(filt) - o, " at va 0x%llx", (unsigned long long)e->va);
		r->ok = in_bounds(e, got);
		snprintf(r->text, sizeof(r->text), "%s%s faults%s %s: got %llu", who,
			 e->fkind >= 0 ? fault_kind_name((FaultKind)e->fkind) : "all", filt, b,
			 (unsigned long long)got);
		break;
	}
	case EXP_WINDOWS:
		bounds_text(e, b, sizeof(b));
		if (!a) {
			r->ok = false;
			snprintf(r->text, sizeof(r->text), "%swindows %s: no analysis ran", who, b);
			break;
		}
		{
			const Window *w;
			size_t nw = analysis_windows(a, &w);
			got = 0;
			for (size_t i = 0; i < nw; i++)
				if ((e->wkind < 0 || (int)w[i].kind == e->wkind) &&
				    (e->sev < 0 || (int)w[i].severity == e->sev) &&
				    (e->pe < 0 || w[i].pe == e->pe) &&
				    (!e->has_va || e->va - w[i].va < w[i].size) &&
				    (e->wopen < 0 || (w[i].close_tick == ~0ull) == (e->wopen == 1)) &&
				    (e->wlatent < 0 || w[i].latent == (e->wlatent == 1)))
					got++;
		}
		char wf[96] = "";
		snprintf(wf, sizeof(wf), "%s%s%s", e->wopen < 0 ? "" : e->wopen ? " open" : " closed",
			 e->wlatent < 0 ? "" : e->wlatent ? " latent" : " touched", "");
		if (e->has_va)
			snprintf(wf + strlen(wf), sizeof(wf) - strlen(wf), " at va 0x%llx", (unsigned long long)e->va);
		r->ok = in_bounds(e, got);
		snprintf(r->text, sizeof(r->text), "%s%s%s%s windows%s %s: got %llu", who,
			 e->wkind >= 0 ? window_kind_name((WindowKind)e->wkind) : "all",
			 e->sev >= 0 ? " " : "", e->sev >= 0 ? severity_name((Severity)e->sev) : "", wf, b,
			 (unsigned long long)got);
		break;
	case EXP_VIOLATIONS: {
		bounds_text(e, b, sizeof(b));
		if (!a) {
			r->ok = false;
			snprintf(r->text, sizeof(r->text), "violations %s: no analysis ran", b);
			break;
		}
		const Violation *v;
		size_t nv = analysis_violations(a, &v);
		got = 0;
		for (size_t i = 0; i < nv; i++)
			got += !e->rule[0] || !strcmp(v[i].rule, e->rule);
		r->ok = in_bounds(e, got);
		snprintf(r->text, sizeof(r->text), "%s%sviolations %s: got %llu", e->rule, e->rule[0] ? " " : "",
			 b, (unsigned long long)got);
		break;
	}
	case EXP_STALE_USES: {
		bounds_text(e, b, sizeof(b));
		if (!a) {
			r->ok = false;
			snprintf(r->text, sizeof(r->text), "%sstale uses %s: no analysis ran", who, b);
			break;
		}
		const Window *w;
		size_t nw = analysis_windows(a, &w);
		got = 0;
		for (size_t i = 0; i < nw; i++)
			if ((e->wkind < 0 || (int)w[i].kind == e->wkind) && (e->pe < 0 || w[i].pe == e->pe))
				got += w[i].stale_uses;
		r->ok = in_bounds(e, got);
		snprintf(r->text, sizeof(r->text), "%sstale uses%s%s %s: got %llu", who, e->wkind >= 0 ? " in " : "",
			 e->wkind >= 0 ? window_kind_name((WindowKind)e->wkind) : "", b, (unsigned long long)got);
		break;
	}
	case EXP_REG: {
		char rn[8];
		if (e->ival == 32) {
			got = machine_pe_pc(m, (unsigned)e->pe);
			snprintf(rn, sizeof(rn), "pc");
		} else {
			got = machine_pe_x(m, (unsigned)e->pe, (unsigned)e->ival);
			if (e->ival == 31)
				snprintf(rn, sizeof(rn), "sp");
			else
				snprintf(rn, sizeof(rn), "x%d", e->ival);
		}
		r->ok = got == e->val;
		snprintf(r->text, sizeof(r->text), "PE %d %s == 0x%llx: got 0x%llx", e->pe, rn,
			 (unsigned long long)e->val, (unsigned long long)got);
		break;
	}
	case EXP_MEM:
		got = machine_phys_read64(m, e->addr);
		r->ok = got == e->val;
		snprintf(r->text, sizeof(r->text), "memory[0x%llx] == 0x%llx: got 0x%llx",
			 (unsigned long long)e->addr, (unsigned long long)e->val, (unsigned long long)got);
		break;
	}
}

size_t scenario_check(const Scenario *s, BbmLevel level, Machine *m, RunEnd end, const Analysis *a,
		      ExpectResult **out)
{
	size_t n = 0;
	*out = NULL;
	for (size_t i = 0; i < s->nexp; i++)
		n += s->exp[i].level < 0 || s->exp[i].level == (int)level;
	if (!n)
		return 0;
	ExpectResult *r = xcalloc(n, sizeof(*r));
	size_t k = 0;
	for (size_t i = 0; i < s->nexp; i++)
		if (s->exp[i].level < 0 || s->exp[i].level == (int)level)
			check_one(s, &s->exp[i], m, end, a, &r[k++]);
	*out = r;
	return n;
}

void scenario_knobs_text(const Scenario *s, char *buf, size_t len)
{
	const MachineConfig *c = &s->cfg;
	char k[128];
	snprintf(buf, len, "walk_visibility=%s tlbi_completion=%s speculative=%s prefetch=%u ttl=%s %s",
		 c->walk_vis == WALK_VIS_IMMEDIATE ? "immediate" : "at-dsb",
		 c->tlbi_completion == TLBI_COMPLETE_AT_DSB ? "at-dsb" : "at-issue",
		 c->spec_fill == SPEC_FILL_NONE ? "none" : "adversarial", c->tlb_prefetch > 1 ? c->tlb_prefetch : 1,
		 c->ttl_strict ? "strict" : "lenient", bbm_knobs_format(&c->knobs, k, sizeof(k)));
}

bool scenario_ttl_strict(const Scenario *s)
{
	return s->cfg.ttl_strict;
}

size_t scenario_trees(const Scenario *s, const char **names, uint64_t *roots, uint64_t *va_bases, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nnames; i++) {
		const Name *nm = &s->names[i];
		if (nm->kind != NAME_TREE && nm->kind != NAME_RESERVED)
			continue;
		if (n < max) {
			bool ttbr1 = false;
			for (unsigned p = 0; p < s->cfg.npes; p++)
				if ((s->pe[p].regs.ttbr1 & DESC_OA_MASK) == nm->val &&
				    (s->pe[p].regs.ttbr0 & DESC_OA_MASK) != nm->val)
					ttbr1 = true;
			names[n] = nm->name;
			roots[n] = nm->val;
			va_bases[n] = ttbr1 ? 0xffff000000000000ull : 0;
		}
		n++;
	}
	return n;
}
