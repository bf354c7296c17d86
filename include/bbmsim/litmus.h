/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * litmus.h - herd7 AArch64 VMSA litmus tests on bbmsim.
 *
 * The parser (models/litmus_parse.c, pure C) reads a `.litmus` file into a
 * LitmusTest: variables, initial registers and memory, descriptor values
 * built from their fields, thread and fault-handler code, and the final
 * condition as a tree over "observations" (a register, a memory word, a
 * fault). The runner (sim/litmus_run.c) maps the test onto a machine, runs
 * every interleaving under several TLB policies, and compares the set of
 * final states with the verdict (docs/litmus.md).
 */
#ifndef BBMSIM_LITMUS_H
#define BBMSIM_LITMUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LITMUS_MAX_THREADS 8
#define LITMUS_MAX_VARS 32
#define LITMUS_NAME_MAX 32

typedef enum LitmusErr {
	LITMUS_OK,
	LITMUS_ERR_IO,          /* litmus_load: the file cannot be read */
	LITMUS_ERR_SYNTAX,      /* litmus_parse, litmus_kinds_load: malformed input (located) */
} LitmusErr;

const char *litmus_strerror(LitmusErr e);

/* A descriptor value given by its fields; -1 = the herd default. */
typedef struct LitmusDesc {
	int oa_var;             /* PA(v) of variable v; -1 = the page's own */
	int valid, af, db, dbm, el0, xn;   /* herd "x" field: xn = !x */
	int attr;               /* 0 Normal WB, 1 Device-GRE, 2 Normal NC, ... (MAIR index) */
} LitmusDesc;

typedef enum LitmusValKind {
	LIT_VAL_INT,            /* a number */
	LIT_VAL_VA,             /* the virtual address of a variable (x, &x) */
	LIT_VAL_PA,             /* its physical address (PA(x), phy_x) */
	LIT_VAL_PTE,            /* the VA of its last-level descriptor (PTE(x), pte_x) */
	LIT_VAL_DESC,           /* a descriptor value */
	LIT_VAL_LABEL,          /* the address of a code label (thread, label) */
} LitmusValKind;

typedef struct LitmusVal {
	LitmusValKind kind;
	uint64_t i;
	int var;                /* VA, PA, PTE, DESC (the PTE's own page for a default oa) */
	LitmusDesc d;
	int thread;             /* LABEL */
	char label[LITMUS_NAME_MAX];
} LitmusVal;

/* Where a location lives: a register, a variable's memory word, a descriptor. */
typedef enum LitmusLocKind {
	LIT_LOC_REG,
	LIT_LOC_MEM,
	LIT_LOC_PTE,
} LitmusLocKind;

typedef struct LitmusLoc {
	LitmusLocKind kind;
	int thread, reg;        /* REG */
	int var;                /* MEM, PTE */
} LitmusLoc;

typedef struct LitmusInit {
	LitmusLoc loc;
	LitmusVal val;
	int line, col;
} LitmusInit;

typedef struct LitmusLine {
	char *text;             /* one instruction (label stripped), may be empty */
	char label[LITMUS_NAME_MAX];   /* a label defined on this line, or "" */
	int line, col;          /* where the cell starts in the file */
} LitmusLine;

typedef struct LitmusThread {
	LitmusLine *code, *handler;   /* handler: the Pn.F column (NULL when none) */
	size_t ncode, nhandler;
	bool el0;                     /* EL0=Pn */
} LitmusThread;

typedef enum LitmusFaultType {
	LIT_FT_ANY,
	LIT_FT_TRANSLATION,
	LIT_FT_ACCESS_FLAG,
	LIT_FT_PERMISSION,
	LIT_FT_UNDEFINED,
	LIT_FT_SVC,
} LitmusFaultType;

/* One observation in the final state: the condition reads these. */
typedef struct LitmusObs {
	bool is_fault;
	LitmusLoc loc;               /* !is_fault */
	int thread;                  /* fault(Pn[:label][,loc][,type]) */
	char label[LITMUS_NAME_MAX];
	int fault_var;               /* -1 = any address */
	bool fault_on_pte;           /* the address is PTE(var) */
	LitmusFaultType ftype;
} LitmusObs;

typedef enum LitmusCondOp {
	LIT_COND_TRUE,
	LIT_COND_FALSE,
	LIT_COND_AND,
	LIT_COND_OR,
	LIT_COND_NOT,
	LIT_COND_EQ,                 /* obs == val */
	LIT_COND_FAULT,              /* obs (a fault) happened */
} LitmusCondOp;

typedef struct LitmusCond {
	LitmusCondOp op;
	struct LitmusCond *a, *b;
	int obs;
	LitmusVal val;
	uint64_t enc;                /* val encoded for the machine (set by the runner) */
} LitmusCond;

typedef enum LitmusQuant {
	LIT_EXISTS,
	LIT_NOT_EXISTS,
	LIT_FORALL,
} LitmusQuant;

/* The verdict on the condition (from a kinds file, a .expected file, or the quantifier). */
typedef enum LitmusKind {
	LIT_KIND_NONE,
	LIT_KIND_ALLOWED,
	LIT_KIND_FORBIDDEN,
	LIT_KIND_REQUIRED,
} LitmusKind;

const char *litmus_kind_name(LitmusKind k);   /* "Allowed", ... */

typedef enum LitmusHandling {
	LIT_FAULT_FATAL,             /* herd's default */
	LIT_FAULT_HANDLED,           /* re-execute (a second fault discards the execution) */
	LIT_FAULT_SKIP,              /* go on with the next instruction */
} LitmusHandling;

typedef struct LitmusTest {
	char *path;
	char name[128];
	char vars[LITMUS_MAX_VARS][LITMUS_NAME_MAX];
	int nvars;
	LitmusInit *init;
	size_t ninit;
	LitmusThread thread[LITMUS_MAX_THREADS];
	int nthreads;
	LitmusObs *obs;
	size_t nobs;
	LitmusCond *cond;
	LitmusCond *filter;          /* NULL when none */
	LitmusQuant quant;
	LitmusHandling handling;
	bool ets2, ets3;
	char variant[128];           /* the Variant= line, as written */
	char skip[160];              /* why bbmsim cannot run it, "" when it can */
	int cond_line;
} LitmusTest;

/*
 * Parse @text (the contents of @path). On success *@out owns a new test
 * (litmus_free). On a syntax error returns LITMUS_ERR_SYNTAX with
 * "path:line:col: message" in @err. Features bbmsim does not model parse
 * fine and leave a reason in test->skip.
 */
LitmusErr litmus_parse(const char *path, const char *text, LitmusTest **out, char *err, size_t errlen);

/* Read and parse the file @path. */
LitmusErr litmus_load(const char *path, LitmusTest **out, char *err, size_t errlen);

void litmus_free(LitmusTest *t);

/* Evaluate @c on the observation vector @v (test->nobs values; faults are 0/1). */
bool litmus_cond_eval(const LitmusCond *c, const uint64_t *v);

/*
 * Verdict files. A kinds file has lines "name Allowed|Forbidden|Required"
 * (Allow/Forbid accepted, '#' comments). A herd .expected file carries
 * "Observation name Never|Sometimes|Always" and maybe "Flag Warning-BBM-expected".
 */
typedef struct LitmusKinds {
	struct { char name[128]; LitmusKind kind; } *e;
	size_t n;
} LitmusKinds;

LitmusErr litmus_kinds_load(const char *path, LitmusKinds *k, char *err, size_t errlen);
LitmusKind litmus_kinds_find(const LitmusKinds *k, const char *name);
void litmus_kinds_fini(LitmusKinds *k);

/* Read @path's .expected sibling: *kind (NONE if absent) and the BBM warning flag. */
bool litmus_expected_load(const char *litmus_path, LitmusKind *kind, bool *bbm_warning);

/*
 * `bbmsim litmus [--kinds FILE] [--variant vmsa|vmsa,ets2] [-v] PATH...`:
 * argv[0] = "litmus". Prints one line per test and the totals. Returns 0
 * when nothing failed, 1 on any FAIL, 2 on bad flags or a malformed file.
 */
int litmus_main(int argc, char **argv);

#endif
