// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_batch.c - with schedule quantum > 1 the machine runs straight lines of
 * register-only instructions and plain loads in one Unicorn call (pe_batch);
 * at quantum 1 it defers register-only instructions at their turns and runs
 * them in one call with the PE's next load or store (pe_defer).
 * That must change nothing but speed: for every scenario under scenarios/
 * (and those of tests/defer and tests/mirror-knobs), at every level, with
 * quantum 1, 4 and 32, a run with both and a run stepped
 * one instruction per Unicorn call (ScenarioOverrides.no_batch) give the same
 * event stream (type, tick, PE, PC, VA, PA, values: the e2e log hash), the
 * same windows, the same end, tick, PCs, registers and PE states. The test
 * also checks that batches ran and instructions were deferred, so that it
 * cannot pass by never doing either.
 * Usage: test_batch SOURCE_DIR
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "bbmsim/analysis.h"
#include "bbmsim/event.h"
#include "bbmsim/scenario.h"
#include "e2e.h"

static uint64_t read_pa(void *ctx, uint64_t pa)
{
	return machine_phys_read64(ctx, pa);
}

typedef struct Outcome {
	EventLog log;
	uint64_t hash, nev, tick, batched, deferred;
	RunEnd end;
	size_t windows;
	uint64_t x[MACHINE_MAX_PES][32], pc[MACHINE_MAX_PES];
	PeState st[MACHINE_MAX_PES];
	unsigned npes;
} Outcome;

typedef struct Both {
	EventLog log;
	Analysis *a;
} Both;

static void both_fn(void *ctx, const Event *ev)
{
	Both *b = ctx;
	e2e_log_fn(&b->log, ev);
	analysis_event(b->a, ev);
}

static bool run_one(const Scenario *s, BbmLevel lv, unsigned quantum, bool no_batch, Outcome *o)
{
	AnalysisPe apes[MACHINE_MAX_PES];
	BbmKnobs k;
	char err[1024];
	ScenarioOverrides ov = { .has_max_insns = true, .max_insns = 300000, .has_quantum = true,
				 .quantum = quantum, .no_batch = no_batch };
	Machine *m = scenario_build(s, lv, &ov, apes, &k, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "%s\n", err);
		return false;
	}
	Both b = { .a = analysis_new(apes, machine_npes(m), &k, read_pa, m) };
	b.log.hash = 0xcbf29ce484222325ull;
	machine_set_event_fn(m, both_fn, &b);
	e2e_log_free(&o->log);
	memset(o, 0, sizeof(*o));
	o->end = machine_run(m);
	analysis_finish(b.a, machine_tick(m));
	o->hash = b.log.hash;
	o->nev = b.log.n;
	o->tick = machine_tick(m);
	o->batched = machine_batched_insns(m);
	o->deferred = machine_deferred_insns(m);
	o->windows = analysis_count(b.a, -1, -1, -1);
	o->npes = machine_npes(m);
	for (unsigned i = 0; i < o->npes; i++) {
		o->st[i] = machine_pe_state(m, i);
		o->pc[i] = machine_pe_pc(m, i);
		for (unsigned r = 0; r < 32; r++)
			o->x[i][r] = machine_pe_x(m, i, r);
	}
	analysis_free(b.a);
	o->log = b.log;
	machine_free(m);
	return true;
}

static uint64_t total_batched, total_deferred, deferred_q1, runs;

static void check_file(const char *path)
{
	char err[1024];
	BbmLevel lv[BBM_LEVEL_COUNT];
	Scenario *s = scenario_load(path, err, sizeof(err));

	if (!s) {
		fprintf(stderr, "%s\n", err);
		CHECK(s != NULL);
		return;
	}
	size_t nl = scenario_levels(s, lv);
	static const unsigned quanta[] = { 1, 4, 32 };
	for (size_t li = 0; li < nl; li++)
		for (size_t qi = 0; qi < 3; qi++) {
			static Outcome a, b;
			if (!run_one(s, lv[li], quanta[qi], true, &a) || !run_one(s, lv[li], quanta[qi], false, &b)) {
				CHECK(!"scenario builds");
				continue;
			}
			runs++;
			total_batched += b.batched;
			total_deferred += b.deferred;
			if (quanta[qi] == 1)
				deferred_q1 += b.deferred;
			CHECK_EQ(a.batched, 0);
			CHECK_EQ(a.deferred, 0);
			if (a.hash != b.hash || a.nev != b.nev || a.tick != b.tick || a.end != b.end ||
			    a.windows != b.windows || memcmp(a.x, b.x, sizeof(a.x)) || memcmp(a.pc, b.pc, sizeof(a.pc)) ||
			    memcmp(a.st, b.st, sizeof(a.st))) {
				fprintf(stderr, "%s level %s quantum %u: batched run differs (events %llu vs %llu, "
					"tick %llu vs %llu, windows %zu vs %zu)\n", path, bbm_level_name(lv[li]),
					quanta[qi], (unsigned long long)a.nev, (unsigned long long)b.nev,
					(unsigned long long)a.tick, (unsigned long long)b.tick, a.windows, b.windows);
				e2e_failures++;
				for (size_t i = 0; i < a.log.n && i < b.log.n; i++) {
					const Event *x = &a.log.ev[i], *y = &b.log.ev[i];
					if (x->type == y->type && x->tick == y->tick && x->pe == y->pe && x->pc == y->pc &&
					    x->va == y->va && x->pa == y->pa && x->val == y->val && x->old == y->old)
						continue;
					fprintf(stderr, "  first difference at event %zu: %s tick %llu pe %d pc 0x%llx va 0x%llx"
						" vs %s tick %llu pe %d pc 0x%llx va 0x%llx\n", i, event_type_name(x->type),
						(unsigned long long)x->tick, x->pe, (unsigned long long)x->pc,
						(unsigned long long)x->va, event_type_name(y->type), (unsigned long long)y->tick,
						y->pe, (unsigned long long)y->pc, (unsigned long long)y->va);
					break;
				}
			}
		}
	scenario_free(s);
}

static void walk(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	CHECK(d != NULL);
	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			walk(path);
		else if (strlen(e->d_name) > 5 && !strcmp(e->d_name + strlen(e->d_name) - 5, ".yaml"))
			check_file(path);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	char dir[4096];

	/* The scenario library, and the machine's own corner cases (tests/defer, tests/mirror-knobs). */
	static const char *const dirs[] = { "scenarios", "tests/defer", "tests/mirror-knobs" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", argc > 1 ? argv[1] : ".", dirs[i]);
		walk(dir);
	}
	CHECK(runs >= 40);
	CHECK(total_batched > 0);
	CHECK(deferred_q1 > 0);
	printf("test_batch: %llu runs compared, %llu instructions ran in batches, %llu deferred (%llu at quantum 1)\n",
	       (unsigned long long)runs, (unsigned long long)total_batched, (unsigned long long)total_deferred,
	       (unsigned long long)deferred_q1);
	if (e2e_failures) {
		fprintf(stderr, "%d check(s) failed\n", e2e_failures);
		return 1;
	}
	return 0;
}
