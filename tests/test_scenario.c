// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_scenario.c - the scenario loader:
 *  - scenarios/examples/remap-bbm.yaml loads, builds at every level, runs to
 *    the expected end, and its expectations hold;
 *  - every file in tests/scenario_errors/ (and in the directories given
 *    after SOURCE_DIR: inputs the build makes, such as an x86 object) is
 *    rejected with the located message written in its first line
 *    ("# expect: LINE:COL: message start"), and with every "# also: text"
 *    line somewhere in the message; "{dir}" in either stands for the
 *    file's directory;
 *  - a missing file, a directory and an empty file give clear messages;
 *  - scenario_symbolize names a PC by its function (tests/kit/bug.yaml).
 * Usage: test_scenario SOURCE_DIR [ERRORS_DIR...]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bbmsim/analysis.h"
#include "bbmsim/scenario.h"
#include "e2e.h"

static const char *src_dir = ".";

static uint64_t read_pa(void *ctx, uint64_t pa)
{
	return machine_phys_read64(ctx, pa);
}

static void test_example(void)
{
	char path[4096], err[512];
	BbmLevel lv[BBM_LEVEL_COUNT];

	snprintf(path, sizeof(path), "%s/scenarios/examples/remap-bbm.yaml", src_dir);
	Scenario *s = scenario_load(path, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "%s\n", err);
		CHECK(s != NULL);
		return;
	}
	CHECK(!strcmp(scenario_name(s), "remap-bbm"));
	CHECK(!strcmp(scenario_path(s), path));
	CHECK_EQ(scenario_levels(s, lv), 4);
	CHECK_EQ(lv[0], BBM_L0);
	CHECK_EQ(lv[3], BBM_L2_NOABORT);
	char knobs[256];
	scenario_knobs_text(s, knobs, sizeof(knobs));
	CHECK(!strcmp(knobs, "walk_visibility=immediate tlbi_completion=at-dsb speculative=none prefetch=1 ttl=strict "
			     "multihit=abort l2_size_hit=abort nt=uncached"));

	for (size_t li = 0; li < 4; li++) {
		AnalysisPe apes[MACHINE_MAX_PES];
		BbmKnobs k;
		ScenarioOverrides ov = { .has_max_insns = true, .max_insns = 200000 };
		Machine *m = scenario_build(s, lv[li], &ov, apes, &k, err, sizeof(err));
		if (!m) {
			fprintf(stderr, "%s\n", err);
			CHECK(m != NULL);
			continue;
		}
		CHECK(apes[0].active && apes[1].active);
		CHECK_EQ(apes[1].level, lv[li]);
		CHECK_EQ(apes[0].regs.sctlr, SCTLR_M);
		CHECK_EQ(apes[0].regs.tcr, 16ull | (16ull << 16) | (2ull << 30));
		CHECK_EQ(apes[0].regs.mair, 0x4404ffull);   /* AttrIndx 0 normal, 1 device, 2 NC */
		Analysis *a = analysis_new(apes, 2, &k, read_pa, m);
		machine_set_event_fn(m, analysis_event, a);
		RunEnd end = machine_run(m);
		analysis_finish(a, machine_tick(m));
		CHECK_EQ(end, RUN_ALL_HALTED);
		CHECK_EQ(machine_pe_state(m, 0), PE_HALTED);
		CHECK_EQ(machine_pe_state(m, 1), PE_HALTED);
		CHECK_EQ(machine_pe_x(m, 1, 0), 0x2222);
		ExpectResult *r;
		size_t n = scenario_check(s, lv[li], m, end, a, &r);
		CHECK(n >= 5);
		for (size_t i = 0; i < n; i++) {
			if (!r[i].ok)
				fprintf(stderr, "level %s: %s: %s\n", bbm_level_name(lv[li]), r[i].where, r[i].text);
			CHECK(r[i].ok);
		}
		free(r);
		/* A failing expectation reports what it got. */
		n = scenario_check(s, lv[li], m, RUN_DEADLOCK, a, &r);
		CHECK(n >= 1 && !r[0].ok && !strcmp(r[0].text, "run ends all-stopped: got deadlock"));
		free(r);
		analysis_free(a);
		machine_free(m);
	}
	scenario_free(s);
}

/*
 * Replace each "{dir}" in @s (in place, within @len) by @dir, shown as
 * messages show paths: relative to the working directory when under it.
 */
static void subst_dir(char *s, size_t len, const char *dir)
{
	char out[2048], cwd[2048];
	size_t o = 0;
	if (getcwd(cwd, sizeof(cwd) - 1) && strcmp(cwd, "/")) {
		strcat(cwd, "/");
		if (!strncmp(dir, cwd, strlen(cwd)))
			dir += strlen(cwd);
	}
	for (const char *p = s; *p && o + 1 < sizeof(out);) {
		if (!strncmp(p, "{dir}", 5)) {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", dir);
			p += 5;
		} else {
			out[o++] = *p++;
		}
	}
	if (o >= len)
		o = len - 1;
	memcpy(s, out, o);
	s[o] = 0;
}

/*
 * The expectation in a bad file's first line: "# expect: 12:7: message start",
 * and its "# also: text" lines (up to @maxalso, each @alsolen long).
 */
static bool read_expect(const char *path, const char *dir, char *out, size_t len, char (*also)[512], size_t maxalso,
			size_t *nalso)
{
	FILE *f = fopen(path, "r");
	char line[512];
	bool ok = false;

	*nalso = 0;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		char *p = strstr(line, "# expect: ");
		if (p && !ok) {
			snprintf(out, len, "%s", p + 10);
			subst_dir(out, len, dir);
			ok = true;
		}
		p = strstr(line, "# also: ");
		if (p && *nalso < maxalso) {
			snprintf(also[*nalso], 512, "%s", p + 8);
			subst_dir(also[*nalso], 512, dir);
			(*nalso)++;
		}
	}
	fclose(f);
	return ok;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t test_errors(const char *dir)
{
	char path[4096], want[5200], exp[1024], err[16384], also[8][512];
	char *names[512];
	size_t n = 0, nalso;

	DIR *d = opendir(dir);
	CHECK(d != NULL);
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d)) && n < 512;) {
		size_t l = strlen(e->d_name);
		if (l > 5 && !strcmp(e->d_name + l - 5, ".yaml"))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!read_expect(path, dir, exp, sizeof(exp), also, 8, &nalso)) {
			fprintf(stderr, "%s: no '# expect:' line\n", path);
			CHECK(0);
			continue;
		}
		snprintf(want, sizeof(want), "%s:%s", path, exp);
		err[0] = 0;
		Scenario *s = scenario_load(path, err, sizeof(err));
		if (s) {
			/* Errors only the build can see. */
			AnalysisPe apes[MACHINE_MAX_PES];
			BbmKnobs k;
			BbmLevel lv[BBM_LEVEL_COUNT];
			scenario_levels(s, lv);
			Machine *m = scenario_build(s, lv[0], NULL, apes, &k, err, sizeof(err));
			CHECK(m == NULL);
			machine_free(m);
			scenario_free(s);
		}
		if (strncmp(err, want, strlen(want))) {
			fprintf(stderr, "%s:\n  want: %s\n  got:  %s\n", names[i], want, err);
			CHECK(0);
		} else if (getenv("SCN_VERBOSE")) {
			fprintf(stderr, "%s\n", err);
		}
		for (size_t k = 0; k < nalso; k++)
			if (!strstr(err, also[k])) {
				fprintf(stderr, "%s:\n  want somewhere: %s\n  got: %s\n", names[i], also[k], err);
				CHECK(0);
			}
		free(names[i]);
	}
	return n;
}

static void test_unreadable(void)
{
	char err[512], path[4096];

	CHECK(scenario_load("/nonexistent/dir/x.yaml", err, sizeof(err)) == NULL);
	CHECK(!strcmp(err, "/nonexistent/dir/x.yaml: cannot open: No such file or directory"));
	snprintf(path, sizeof(path), "%s/tests", src_dir);
	CHECK(scenario_load(path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, ": not a regular file") != NULL);
	CHECK(scenario_load("/dev/null", err, sizeof(err)) == NULL);
	CHECK(!strcmp(err, "/dev/null: not a regular file"));
	/* A tiny error buffer is truncated, never overrun. */
	char small[8];
	CHECK(scenario_load("/nonexistent/x.yaml", small, sizeof(small)) == NULL);
	CHECK(strlen(small) == 7);
}

/* The toolchain missing: the loader says which tool and which package. */
static void test_missing_tools(void)
{
	char err[4096], path[4096];
	const char *old = getenv("BBMSIM_CROSS");
	char *save = old ? strdup(old) : NULL;

	setenv("BBMSIM_CROSS", "/nonexistent/bbmsim-", 1);
	snprintf(path, sizeof(path), "%s/scenarios/examples/remap-bbm.yaml", src_dir);
	CHECK(scenario_load(path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "cannot run /nonexistent/bbmsim-as (install binutils-aarch64-linux-gnu)") != NULL);
	snprintf(path, sizeof(path), "%s/tests/link/bl-named-section.yaml", src_dir);
	CHECK(scenario_load(path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "cannot run /nonexistent/bbmsim-gcc") != NULL);
	CHECK(strstr(err, "(install gcc-aarch64-linux-gnu)") != NULL);
	if (save)
		setenv("BBMSIM_CROSS", save, 1);
	else
		unsetenv("BBMSIM_CROSS");
	free(save);
}

/*
 * scenario_symbolize: a PC inside a C function is named by the function
 * (not by a label inside it), the kit's own code by its symbols, and a PC
 * outside every piece of code by nothing (tests/kit/bug.yaml).
 */
static void test_symbolize(void)
{
	char err[4096], path[4096], b[128];

	snprintf(path, sizeof(path), "%s/tests/kit/bug.yaml", src_dir);
	Scenario *s = scenario_load(path, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "%s\n", err);
		CHECK(s != NULL);
		return;
	}
	CHECK(scenario_symbolize(s, 0xffff80008000f000ull, b, sizeof(b)));   /* kit.code: kit_return */
	CHECK(!strcmp(b, "kit_return+0x0"));
	CHECK(scenario_symbolize(s, 0xffff800080000000ull, b, sizeof(b)));   /* the first function of bug.c */
	CHECK(!strcmp(b, "do_bug+0x0"));
	/* bug_site, the brk inside do_bug: the function names it. */
	CHECK(scenario_symbolize(s, 0xffff800080000008ull, b, sizeof(b)));
	CHECK(!strncmp(b, "do_bug+0x", 9) && strcmp(b, "do_bug+0x0"));
	CHECK(!scenario_symbolize(s, 0xffff800090000000ull, b, sizeof(b)));
	CHECK(b[0] == 0);
	CHECK(!scenario_symbolize(s, 0, b, sizeof(b)));
	scenario_free(s);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		src_dir = argv[1];
	char dir[2048];
	test_unreadable();
	test_missing_tools();
	snprintf(dir, sizeof(dir), "%s/tests/scenario_errors", src_dir);
	CHECK(test_errors(dir) >= 20);
	for (int i = 2; i < argc; i++)
		CHECK(test_errors(argv[i]) >= 1);
	test_example();
	test_symbolize();
	if (e2e_failures)
		fprintf(stderr, "%d check(s) failed\n", e2e_failures);
	return e2e_failures != 0;
}
