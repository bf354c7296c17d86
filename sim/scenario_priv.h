/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scenario_priv.h - the scenario loader's internals, shared by the
 * scenario_*.c files only: the Scenario itself, the loader state (Ld) and
 * the vocabulary every part of the loader reads the document with.
 *
 *   scenario.c         the loader: the file, the YAML document, machine,
 *                      names, symbols, data, PEs; the public accessors
 *   scenario_yaml.c    reading nodes: types, keys, numbers, enumerations,
 *                      names and values, each error with its place
 *   scenario_tables.c  the table pool image: trees, maps, spares, descs
 *   scenario_code.c    code entries: their keys, the toolchain run, placement
 *   scenario_expect.c  expectations: reading them, checking them after a run
 *   scenario_build.c   a ready-to-run machine from a loaded scenario
 *
 * Functions shared between these files carry the prefix scn_.
 */
#ifndef BBMSIM_SCENARIO_PRIV_H
#define BBMSIM_SCENARIO_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>
#include "bbmsim/link.h"
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
	NAME_CODE_SYMBOL,           /* a global symbol a code entry defines (known after the link) */
} NameKind;

extern const char *const scn_name_kind_text[];

typedef struct Name {
	char *name;
	NameKind kind;
	Loc at;
	bool known;
	uint64_t val;
} Name;

/* A named section of a code entry placed at its own address (code[].sections). */
typedef struct CodeSection {
	char *name;
	Loc at;
	uint64_t va, pa;
} CodeSection;

/* A code entry: inline asm, a source file or an object, linked with all the others. */
typedef struct CodeBlock {
	char *name;
	Loc at;
	uint64_t pa, va;            /* its own pages */
	LinkKind kind;
	char *path;                 /* source, object: relative to the scenario's directory */
	char **flags;               /* cflags, include directories made relative to the scenario */
	size_t nflags;
	CodeSection *sect;
	size_t nsect;
	uint64_t len;               /* bytes placed in all its regions */
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
	LinkRegion *region;         /* the linked bytes: per code entry its pages, then its sections */
	size_t nregion;
	LinkSymbol *csym;           /* every symbol the code defines, by address */
	size_t ncsym;
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
	yaml_node_t **code_node;    /* per code entry: its asm, source or object value */
	struct MapSeen *maps;       /* the maps loaded so far, for overlap messages */
	size_t nmaps;
} Ld;

typedef struct MapSeen {
	uint64_t root, va, size;
	int line;
} MapSeen;


/* --- scenario_yaml.c: nodes, scalars, names, values -------------------------------- */

Loc scn_loc_of(const yaml_node_t *n);
/* Record the first error as "path:line:col: message"; always returns false. */
bool scn_fail_loc(Ld *l, Loc at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define scn_fail_at(l, node, ...) scn_fail_loc((l), scn_loc_of(node), __VA_ARGS__)
yaml_node_t *scn_node(Ld *l, int idx);
const char *scn_type_text(const yaml_node_t *n);
const char *scn_scalar(const yaml_node_t *n);
char *scn_xstrdup(const char *s);
void *scn_xcalloc(size_t n, size_t size);
bool scn_need_type(Ld *l, yaml_node_t *n, yaml_node_type_t t, const char *what);
bool scn_map_keys(Ld *l, yaml_node_t *n, const char *what, const char *const *keys);
yaml_node_t *scn_map_get(Ld *l, yaml_node_t *n, const char *key);
yaml_node_t *scn_map_need(Ld *l, yaml_node_t *n, const char *key, const char *what);
size_t scn_seq_len(const yaml_node_t *n);
yaml_node_t *scn_seq_at(Ld *l, yaml_node_t *n, size_t i);
bool scn_parse_num(const char *s, uint64_t *out);
bool scn_get_u64(Ld *l, yaml_node_t *n, const char *what, uint64_t lo, uint64_t hi, uint64_t *out);
bool scn_get_int(Ld *l, yaml_node_t *n, const char *what, int lo, int hi, int *out);
bool scn_get_bool(Ld *l, yaml_node_t *n, const char *what, bool *out);
bool scn_get_enum(Ld *l, yaml_node_t *n, const char *what, const char *const *names, int *out);
bool scn_get_level(Ld *l, yaml_node_t *n, const char *what, BbmLevel *out);
bool scn_is_ident(const char *s, size_t n);
bool scn_is_register_name(const char *s);
Name *scn_name_find(Scenario *s, const char *name);
bool scn_name_add(Ld *l, yaml_node_t *n, NameKind kind, const char *what);
void scn_name_set(Scenario *s, const char *name, uint64_t val);
bool scn_get_value(Ld *l, yaml_node_t *n, const char *what, uint64_t *out);

/* --- scenario.c ---------------------------------------------------------------------- */

bool scn_in_memory(const Scenario *s, uint64_t pa, uint64_t len);

/* --- scenario_tables.c --------------------------------------------------------------- */

bool scn_load_tables(Ld *l, yaml_node_t *n);
/* The shared empty table 'reserved' (__reserved in code), allocated on first use. */
bool scn_ensure_reserved(Ld *l, yaml_node_t *at, uint64_t *pa_out);

/* --- scenario_code.c ----------------------------------------------------------------- */

/* code: keys, addresses (the entry names get their values), files and flags. */
bool scn_load_code(Ld *l, yaml_node_t *n);
/* Build and link all code entries; their global symbols become names. */
bool scn_link_code(Ld *l, yaml_node_t *code);
/* Code, data and the table pool inside memory and overlapping nothing else. */
bool scn_check_placement(Ld *l);
void scn_code_free(Scenario *s);

/* --- scenario_expect.c --------------------------------------------------------------- */

bool scn_load_expect(Ld *l, yaml_node_t *n);

#endif
