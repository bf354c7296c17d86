// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_litmus.c - the litmus parser on small texts written for the project
 * (both notations, init forms, handler columns, conditions, skip reasons,
 * located errors), verdict files, and the runner on the tests/litmus files:
 * all pass, and the deliberately broken TLBI (MachineConfig.
 * broken_tlbi_for_tests) turns the Forbidden shoot-bbm test into a FAIL;
 * a run assembles its tests in one as and one ld call.
 * Usage: test_litmus DIR (the tests/litmus folder).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "e2e.h"
#include "bbmsim/litmus.h"

static LitmusTest *parse_ok(const char *text)
{
	LitmusTest *t = NULL;
	char err[512];
	LitmusErr e = litmus_parse("mem.litmus", text, &t, err, sizeof(err));
	if (e != LITMUS_OK)
		fprintf(stderr, "unexpected parse error: %s\n", err);
	CHECK_EQ(e, LITMUS_OK);
	return t;
}

static int var_of(const LitmusTest *t, const char *name)
{
	for (int i = 0; i < t->nvars; i++)
		if (!strcmp(t->vars[i], name))
			return i;
	return -1;
}

static void test_new_notation(void)
{
	LitmusTest *t = parse_ok(
		"AArch64 T1\n"
		"Variant=vmsa,skip\n"
		"EL0=P1\n"
		"{\n"
		" [x]=1; int y=2;\n"
		" [PTE(x)]=(oa:PA(y), valid:0);\n"
		" pteval_t 0:X15=(oa:PA(x),af:0,db:0,dbm:1); 0:X14=PTE(x);\n"
		" 1:X1=x; int64_t 1:X6;\n"
		"}\n"
		" P0            | P1          | P1.F      ;\n"
		" STR X15,[X14] | L0:         | MOV W9,#1 ;\n"
		"               | LDR W0,[X1] | ERET      ;\n"
		"exists (1:X0=2 /\\ [x]=1 \\/ ~fault(P1:L0,x,MMU:Translation) /\\ 1:X9<>0)\n");
	if (!t)
		return;
	CHECK_EQ(t->nthreads, 2);
	CHECK_EQ(t->handling, LIT_FAULT_SKIP);
	CHECK(t->thread[1].el0 && !t->thread[0].el0);
	CHECK_EQ(t->thread[0].ncode, 1);
	CHECK_EQ(t->thread[1].ncode, 2);
	CHECK(!strcmp(t->thread[1].code[0].label, "L0") && !t->thread[1].code[0].text[0]);
	CHECK(!strcmp(t->thread[1].code[1].text, "LDR W0,[X1]"));
	CHECK_EQ(t->thread[1].code[1].line, 12);
	CHECK_EQ(t->thread[1].nhandler, 2);
	CHECK(!strcmp(t->thread[1].handler[1].text, "ERET"));
	int x = var_of(t, "x"), y = var_of(t, "y");
	CHECK(x >= 0 && y >= 0);
	CHECK_EQ(t->ninit, 6);
	/* [PTE(x)] = (oa:PA(y), valid:0) */
	CHECK_EQ(t->init[2].loc.kind, LIT_LOC_PTE);
	CHECK_EQ(t->init[2].val.kind, LIT_VAL_DESC);
	CHECK_EQ(t->init[2].val.d.oa_var, y);
	CHECK_EQ(t->init[2].val.d.valid, 0);
	CHECK_EQ(t->init[2].val.d.af, -1);
	/* 0:X15 = (oa:PA(x), af:0, db:0, dbm:1) */
	CHECK_EQ(t->init[3].loc.kind, LIT_LOC_REG);
	CHECK_EQ(t->init[3].loc.reg, 15);
	CHECK_EQ(t->init[3].val.d.af, 0);
	CHECK_EQ(t->init[3].val.d.db, 0);
	CHECK_EQ(t->init[3].val.d.dbm, 1);
	CHECK_EQ(t->init[4].val.kind, LIT_VAL_PTE);
	CHECK_EQ(t->init[5].val.kind, LIT_VAL_VA);
	CHECK_EQ(t->quant, LIT_EXISTS);
	CHECK_EQ(t->nobs, 4);
	CHECK(t->skip[0] == 0);
	/* (A /\ B) \/ (~F /\ ~(X9 = 0)) */
	CHECK_EQ(t->cond->op, LIT_COND_OR);
	CHECK_EQ(t->cond->a->op, LIT_COND_AND);
	CHECK_EQ(t->cond->b->a->op, LIT_COND_NOT);
	const LitmusObs *f = &t->obs[t->cond->b->a->a->obs];
	CHECK(f->is_fault && f->thread == 1 && !strcmp(f->label, "L0") && f->fault_var == x &&
	      f->ftype == LIT_FT_TRANSLATION);
	/* Evaluate: values are compared with the encoded value the runner sets. */
	t->cond->a->a->enc = 2;
	t->cond->a->b->enc = 1;
	t->cond->b->b->a->enc = 0;
	uint64_t v[4] = { 2, 1, 1, 0 };
	CHECK(litmus_cond_eval(t->cond, v));
	v[0] = 3;
	CHECK(!litmus_cond_eval(t->cond, v));     /* fault taken, X9 = 0 */
	v[2] = 0;
	v[3] = 5;
	CHECK(litmus_cond_eval(t->cond, v));
	litmus_free(t);
}

static void test_old_notation(void)
{
	LitmusTest *t = parse_ok(
		"AArch64 T2\n"
		"(* a comment { with braces } *)\n"
		"{\n"
		"x=1;\n"
		"pte_x=(valid:0);\n"
		"0:X1=x; 1:X3=pte_x; 1:X4=(oa:phy_x);\n"
		"}\n"
		"P0             | P1             ;\n"
		"L1:LDR W2,[X1] | STR X4, [X3]   ;\n"
		"DMB SY         |                ;\n"
		"L0:LDR W4,[X1] |                ;\n"
		"locations [0:X2;]\n"
		"forall pte_x=(oa:phy_x, db:1) /\\ P0:X2=1 /\\ fault(P0:L0,x) /\\ fault(P1)\n");
	if (!t)
		return;
	int x = var_of(t, "x");
	CHECK_EQ(t->handling, LIT_FAULT_FATAL);
	CHECK_EQ(t->quant, LIT_FORALL);
	CHECK_EQ(t->init[1].loc.kind, LIT_LOC_PTE);
	CHECK_EQ(t->init[1].val.d.oa_var, x);      /* a PTE's default oa: its own page */
	CHECK_EQ(t->init[2].val.kind, LIT_VAL_VA);
	CHECK_EQ(t->init[3].val.kind, LIT_VAL_PTE);
	CHECK_EQ(t->init[4].val.kind, LIT_VAL_DESC);
	CHECK(!strcmp(t->thread[0].code[0].label, "L1"));
	CHECK(!strcmp(t->thread[0].code[0].text, "LDR W2,[X1]"));
	CHECK_EQ(t->nobs, 4);
	CHECK_EQ(t->obs[1].loc.kind, LIT_LOC_REG);
	CHECK_EQ(t->obs[1].loc.thread, 0);
	CHECK(t->obs[3].is_fault && t->obs[3].fault_var == -1 && !t->obs[3].label[0]);
	litmus_free(t);
}

static void test_skips(void)
{
	static const struct { const char *text, *why; } cases[] = {
		{ "AArch64 S1\nTTHM=P0:HA\n{ 0:X1=x; }\n P0 ;\n LDR W0,[X1] ;\nexists (0:X0=0)\n", "TTHM" },
		{ "AArch64 S2\nVariant=memtag\n{ 0:X1=x; }\n P0 ;\n LDR W0,[X1] ;\nexists (0:X0=0)\n", "MTE" },
		{ "AArch64 S3\n{ 0:X1=x; }\n P0 ;\n IC IVAU,X1 ;\nexists (0:X0=0)\n", "instruction-fetch" },
		{ "AArch64 S4\n{ 0:X1=x:red; }\n P0 ;\n LDR W0,[X1] ;\nexists (0:X0=0)\n", "MTE" },
		{ "AArch64 S5\n{ int x[2]={1,2}; }\n P0 ;\n NOP ;\nexists (0:X0=0)\n", "arrays" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		LitmusTest *t = parse_ok(cases[i].text);
		if (!t)
			continue;
		if (!strstr(t->skip, cases[i].why))
			fprintf(stderr, "case %zu: skip '%s' lacks '%s'\n", i, t->skip, cases[i].why);
		CHECK(strstr(t->skip, cases[i].why) != NULL);
		litmus_free(t);
	}
}

static void test_errors(void)
{
	static const struct { const char *text, *where; } cases[] = {
		{ "AArch64 E1\n{ 0:X1 x; }\n P0 ;\n NOP ;\nexists (0:X0=0)\n", "bad.litmus:2:8:" },
		{ "AArch64 E2\n{ 0:X1=x; }\n P0 | Q1 ;\n NOP | NOP ;\nexists (0:X0=0)\n", "bad.litmus:3:7:" },
		{ "AArch64 E3\n{ 0:X1=x; }\n P0 ;\n NOP ;\nexists (0:X0=0 /\\)\n", "bad.litmus:5:" },
		{ "AArch64 E4\n{ 0:X1=x; }\n P0 ;\n NOP ;\n", "bad.litmus:" },
		{ "AArch64 E5\n{ 0:X1=(valid:0); }\n P0 ;\n NOP ;\nexists (0:X0=0)\n", "needs oa" },
		{ "X86 E6\n{ }\n P0 ;\n NOP ;\nexists (0:X0=0)\n", "bad.litmus:1:1: not an AArch64 test" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		LitmusTest *t = NULL;
		char err[512];
		CHECK_EQ(litmus_parse("bad.litmus", cases[i].text, &t, err, sizeof(err)), LITMUS_ERR_SYNTAX);
		CHECK(t == NULL);
		if (!strstr(err, cases[i].where))
			fprintf(stderr, "case %zu: error '%s' lacks '%s'\n", i, err, cases[i].where);
		CHECK(strstr(err, cases[i].where) != NULL);
	}
	/* A condition nested 5000 deep (found by fuzz_litmus: it overflowed the stack). */
	char *deep = malloc(12000);
	int n = snprintf(deep, 12000, "AArch64 E7\n{ 0:X1=x; }\n P0 ;\n NOP ;\nexists ");
	for (int i = 0; i < 5000; i++)
		deep[n++] = '(';
	strcpy(deep + n, "0:X0=0)\n");
	LitmusTest *t = NULL;
	char err[512];
	CHECK_EQ(litmus_parse("deep.litmus", deep, &t, err, sizeof(err)), LITMUS_ERR_SYNTAX);
	CHECK(t == NULL);
	CHECK(strstr(err, "deep.litmus:5:") && strstr(err, "nests deeper than 200 levels"));
	free(deep);
}

static void test_kinds(void)
{
	char path[] = "/tmp/bbmsim-kinds-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "# comment\nA Allowed\nB   Forbid\n\nC Required\n");
	fclose(f);
	LitmusKinds k;
	char err[256];
	CHECK_EQ(litmus_kinds_load(path, &k, err, sizeof(err)), LITMUS_OK);
	CHECK_EQ(litmus_kinds_find(&k, "A"), LIT_KIND_ALLOWED);
	CHECK_EQ(litmus_kinds_find(&k, "B"), LIT_KIND_FORBIDDEN);
	CHECK_EQ(litmus_kinds_find(&k, "C"), LIT_KIND_REQUIRED);
	CHECK_EQ(litmus_kinds_find(&k, "D"), LIT_KIND_NONE);
	litmus_kinds_fini(&k);
	f = fopen(path, "w");
	fprintf(f, "A Maybe\n");
	fclose(f);
	CHECK_EQ(litmus_kinds_load(path, &k, err, sizeof(err)), LITMUS_ERR_SYNTAX);
	CHECK(strstr(err, ":1:1:") != NULL);
	unlink(path);
}

static int run_main(const char *a1, const char *a2, const char *a3)
{
	char *argv[] = { "litmus", (char *)a1, (char *)a2, (char *)a3, NULL };
	int argc = 1 + (a1 != NULL) + (a2 != NULL) + (a3 != NULL);
	fflush(stdout);
	return litmus_main(argc, argv);
}

/* Run litmus_main on @path with stdout into a buffer; returns its exit status. */
static int run_capture(const char *path, char *out, size_t len)
{
	char tmp[] = "/tmp/bbmsim-out-XXXXXX";
	int fd = mkstemp(tmp), saved = dup(1);
	fflush(stdout);
	dup2(fd, 1);
	int rc = run_main(path, NULL, NULL);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	ssize_t n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(tmp);
	return rc;
}

static void test_runner(const char *dir)
{
	char out[4096];
	/*
	 * An outcome that needs a TLB fill after the TLBI (fills as choice
	 * points, issue 15): reached, not merely "ok, unreached".
	 */
	char fill[4096];
	snprintf(fill, sizeof(fill), "%s/fill-after-tlbi.litmus", dir);
	CHECK_EQ(run_capture(fill, out, sizeof(out)), 0);
	CHECK(strstr(out, "fill-after-tlbi: Allowed (quantifier) reached") != NULL);

	/*
	 * An outcome that needs one walker to see a pending table store and
	 * another not to (walk values as choice points, RSPVBD): reached.
	 */
	snprintf(fill, sizeof(fill), "%s/walk-split.litmus", dir);
	CHECK_EQ(run_capture(fill, out, sizeof(out)), 0);
	CHECK(strstr(out, "walk-split: Allowed (quantifier) reached") != NULL);

	/* A spurious store-exclusive failure (a choice point too): reached. */
	snprintf(fill, sizeof(fill), "%s/stxr-fail.litmus", dir);
	CHECK_EQ(run_capture(fill, out, sizeof(out)), 0);
	CHECK(strstr(out, "stxr-fail: Allowed (quantifier) reached") != NULL);

	char p[4096];
	/* Every project test passes: Forbidden unreached, Allowed reached, Required held. */
	CHECK_EQ(run_main(dir, NULL, NULL), 0);
	/* The mutation check: a broadcast TLBI that completes only on its issuer is caught. */
	snprintf(p, sizeof(p), "%s/shoot-bbm.litmus", dir);
	CHECK_EQ(run_main("--broken-tlbi-for-tests", p, NULL), 1);
	/* A malformed file is exit status 2; a bad flag too. */
	char bad[] = "/tmp/bbmsim-bad-XXXXXX.litmus";
	int fd = mkstemps(bad, 7);
	CHECK(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "AArch64 bad\n{ 0:X1=x; }\n P0 ;\n LDR W0,[X1] ;\nexists (0:X0=)\n");
	fclose(f);
	CHECK_EQ(run_main(bad, NULL, NULL), 2);
	unlink(bad);
	CHECK_EQ(run_main("--variant", "arm", p), 2);
}

/* Count lines of @path (0 if it does not exist). */
static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/*
 * A run assembles all its tests in one as and one ld call (issue 15:
 * forking the toolchain per test was most of a test's time), and a test
 * the assembler rejects is left out of the batch and named in its own
 * located message, the others still running. The tools are counted through
 * BBMSIM_CROSS wrappers.
 */
static void test_batch(const char *dir)
{
	char tmp[] = "/tmp/bbmsim-batch-XXXXXX", path[512], cmd[1024], out[8192];
	if (!mkdtemp(tmp)) {
		CHECK(0);
		return;
	}
	const char *real = getenv("BBMSIM_CROSS") ? getenv("BBMSIM_CROSS") : "aarch64-linux-gnu-";
	const char *tools[] = { "as", "ld" };
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/x-%s", tmp, tools[i]);
		FILE *f = fopen(path, "w");
		fprintf(f, "#!/bin/sh\necho >> %s/%s.calls\nexec %s%s \"$@\"\n", tmp, tools[i], real, tools[i]);
		fclose(f);
		chmod(path, 0755);
	}
	char *saved = getenv("BBMSIM_CROSS") ? strdup(getenv("BBMSIM_CROSS")) : NULL;
	snprintf(path, sizeof(path), "%s/x-", tmp);
	setenv("BBMSIM_CROSS", path, 1);

	CHECK_EQ(run_capture(dir, out, sizeof(out)), 0);
	snprintf(path, sizeof(path), "%s/as.calls", tmp);
	CHECK_EQ(count_lines(path), 1);
	snprintf(path, sizeof(path), "%s/ld.calls", tmp);
	CHECK_EQ(count_lines(path), 1);

	/* A batch with a test GNU as rejects: left out, assembled alone, skipped with its line. */
	snprintf(path, sizeof(path), "%s/t", tmp);
	mkdir(path, 0755);
	snprintf(cmd, sizeof(cmd), "cp %s/fatal-af.litmus %s/skip-perm.litmus %s/t/ && "
		 "sed 's/^AArch64 fatal-af/AArch64 zbad/; s/LDR/LDRQQ/' %s/fatal-af.litmus > %s/t/zbad.litmus",
		 dir, dir, tmp, dir, tmp);
	CHECK_EQ(system(cmd), 0);
	CHECK_EQ(run_capture(path, out, sizeof(out)), 0);
	CHECK(strstr(out, "ok   fatal-af: Required") != NULL);
	CHECK(strstr(out, "ok   skip-perm: Required") != NULL);
	CHECK(strstr(out, "SKIP zbad: ") != NULL && strstr(out, "zbad.litmus:10:2: assembler: Error: unknown mnemonic") != NULL);
	/* The failed batch, the batch again without zbad, zbad alone; one link. */
	snprintf(path, sizeof(path), "%s/as.calls", tmp);
	CHECK_EQ(count_lines(path), 1 + 3);
	snprintf(path, sizeof(path), "%s/ld.calls", tmp);
	CHECK_EQ(count_lines(path), 1 + 1);

	if (saved)
		setenv("BBMSIM_CROSS", saved, 1);
	else
		unsetenv("BBMSIM_CROSS");
	free(saved);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	CHECK_EQ(system(cmd), 0);
}

int main(int argc, char **argv)
{
	test_new_notation();
	test_old_notation();
	test_skips();
	test_errors();
	test_kinds();
	if (argc > 1) {
		test_runner(argv[1]);
		test_batch(argv[1]);
	}
	if (e2e_failures)
		fprintf(stderr, "%d check(s) failed\n", e2e_failures);
	return e2e_failures != 0;
}
