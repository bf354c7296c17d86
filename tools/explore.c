// SPDX-License-Identifier: GPL-2.0-only
/*
 * explore.c - the `bbmsim explore` and `bbmsim merge` commands: options,
 * the levels, local parallelism (-j: one process per part of the shard,
 * merged as `bbmsim merge` merges), the witness files, the report. The
 * search itself is sim/explore.c; the report, tools/explore_report.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bbmsim/explore.h"
#include "bbmsim/scenario.h"
#include "explore.h"
#include "explore_report.h"

static const char *usage_explore =
	"usage: bbmsim explore SCENARIO [--bbm LEVEL] [--budget N | --time S]\n"
	"                      [--strategy random|pct|exhaustive|preempt] [--seed N] [--depth D]\n"
	"                      [--bound N] [--state-hash on|off] [--preemptions K] [--minimize N]\n"
	"                      [-j N] [--shard I/N] [--out DIR] [--json]\n"
	"\n"
	"Search schedules of SCENARIO, and when each PE caches or drops a translation,\n"
	"for a run in which a window of the default run (`bbmsim run`) bites: a\n"
	"translation fault or TLB conflict abort taken inside it, a load or store an\n"
	"old translation served, or a failed expectation. Each bite is minimized to\n"
	"a schedule file that `bbmsim run SCENARIO --bbm LEVEL --schedule FILE`\n"
	"replays; the report says per window and expectation bitten (the file, the\n"
	"access that bit) or \"no witness in N schedules\" with what was covered\n"
	"(docs/explore.md).\n"
	"\n"
	"  --bbm LEVEL       0, 1, 2 or 2-noabort (default: each level the scenario lists)\n"
	"  --budget N        schedules to run over all shards (default 200)\n"
	"  --time S          stop after S seconds (per level); with --budget, whichever\n"
	"                    comes first; alone, no schedule bound\n"
	"  --strategy S      random (default: uniform over the enabled actions), pct\n"
	"                    (probabilistic concurrency testing), exhaustive (depth-\n"
	"                    first with sleep sets; small scenarios) or preempt (every\n"
	"                    schedule with at most K preemptions, fewest first)\n"
	"  --seed N          seed of the search (default 1); schedule j uses its own\n"
	"                    generator from (seed, j)\n"
	"  --depth D         pct: the bug depth d, d - 1 priority change points (default 3)\n"
	"  --preemptions K   preempt: the bound K (0..64, default 2); a preemption is\n"
	"                    taking another action while the one that acted last is\n"
	"                    still enabled (a fill that interrupts a running PE counts)\n"
	"  --bound N         exhaustive: branch in the first N (1..10000) choice points of\n"
	"                    each execution, run the rest without branching (default 512)\n"
	"  --state-hash on|off  exhaustive: end an execution at a state (machine, memory,\n"
	"                    TLBs, the analysis) already explored with as much left to\n"
	"                    explore (default on)\n"
	"  --minimize N      replays per bitten target to minimize it (default 400; 0: keep\n"
	"                    the schedule as found)\n"
	"  -j N              run N processes (each a part of the shard) and merge them\n"
	"  --shard I/N       run shard I (1..N) of the search: schedules j with\n"
	"                    (j - 1) mod N = I - 1 (random, pct) or every N-th subtree\n"
	"                    (exhaustive), every N-th prefix of one preemption\n"
	"                    (preempt); `bbmsim merge` combines the shards' --json\n"
	"  --out DIR         where the witness schedules go (default bbmsim-explore)\n"
	"  --json            the report as JSON (docs/report-format.md, \"The explore report\")\n"
	"\n"
	"Exit status: 0 nothing bitten, 1 a target was bitten, 2 bad input or an output\n"
	"that could not be written. SIGINT or SIGTERM stops the search between\n"
	"schedules: what ran is minimized and reported, marked incomplete.\n";

static const char *usage_merge =
	"usage: bbmsim merge [--json] [--out DIR] FILE...\n"
	"\n"
	"Combine the JSON results of `bbmsim explore --json` (the shards of one search:\n"
	"same scenario, strategy, seed, budget and shard count) into one report: counts\n"
	"add up, a target is bitten if any part bit it, with the witness found first\n"
	"(lowest schedule number). The same set of bitten targets as one run of the\n"
	"whole search. --out DIR writes the witness schedules again into DIR.\n"
	"\n"
	"Exit status: 0 nothing bitten, 1 a target was bitten, 2 bad input or a write\n"
	"error.\n";

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void catch_stop_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESETHAND | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 2; i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

static int bad(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "bbmsim explore: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 2;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* --- witness files ---------------------------------------------------------------------- */

/* w3 (the 4th window of the default run), e0, x1a2b3c4d (another bite: a hash of its key). */
static void target_id(const ExploreResult *r, size_t i, char *buf, size_t len)
{
	const ExploreTarget *t = &r->t[i];
	size_t n = 0;
	for (size_t k = 0; k < i; k++)
		n += r->t[k].kind == t->kind;
	if (t->kind == TARGET_OTHER) {
		uint64_t h = 0xcbf29ce484222325ull;
		for (const char *p = t->key; *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
		snprintf(buf, len, "x%08" PRIx64, h & 0xffffffffu);
	} else {
		snprintf(buf, len, "%c%zu", t->kind == TARGET_WINDOW ? 'w' : 'e', n);
	}
}

static bool mkdirs(const char *dir)
{
	char *p = strdup(dir);
	for (char *q = p + 1; *q; q++)
		if (*q == '/') {
			*q = 0;
			mkdir(p, 0777);
			*q = '/';
		}
	bool ok = mkdir(p, 0777) == 0 || errno == EEXIST;
	free(p);
	return ok;
}

/* Write each bitten target's witness into @dir; false (message printed) on a write error. */
static bool write_witnesses(ExploreReport *rep, const char *dir, const char *who)
{
	bool made = false;
	for (size_t l = 0; l < rep->nlv; l++) {
		ExploreResult *r = &rep->lv[l];
		for (size_t i = 0; i < r->nt; i++) {
			ExploreTarget *t = &r->t[i];
			if (!t->bitten || !t->found_at)
				continue;
			if (!made && !mkdirs(dir)) {
				fprintf(stderr, "bbmsim %s: cannot create '%s': %s\n", who, dir, strerror(errno));
				return false;
			}
			made = true;
			char id[32];
			target_id(r, i, id, sizeof(id));
			char part[16] = "";
			if ((r->strategy == EXPLORE_EXHAUSTIVE || r->strategy == EXPLORE_PREEMPT) && r->nshards > 1)
				snprintf(part, sizeof(part), ".p%u", t->found_shard + 1);
			snprintf(t->file, sizeof(t->file), "%.120s/%.80s.L%s.%s.s%" PRIu64 "%s.sched", dir, rep->scenario,
				 bbm_level_name(r->level), id, t->found_at, part);
			FILE *f = fopen(t->file, "w");
			if (!f) {
				fprintf(stderr, "bbmsim %s: cannot write '%s': %s\n", who, t->file, strerror(errno));
				return false;
			}
			fprintf(f, "# bbmsim schedule: a witness of bbmsim explore (docs/explore.md)\n");
			fprintf(f, "# scenario %s (%s), BBM level %s\n", rep->file, rep->scenario, bbm_level_name(r->level));
			fprintf(f, "# target: %s %s\n", target_kind_name(t->kind), t->label);
			fprintf(f, "# bite: %s", t->bite.what);
			if (t->bite.has_access)
				fprintf(f, ": PE%d %s of VA 0x%" PRIx64 " at pc 0x%" PRIx64 ", tick %" PRIu64, t->bite.pe,
					access_type_name(t->bite.access), t->bite.va, t->bite.pc, t->bite.tick);
			if (t->bite.text[0])
				fprintf(f, ": %s", t->bite.text);
			fprintf(f, "\n# steps %" PRIu64 ", context switches %u, fills %u, evictions %u, walk values %u, "
				   "store-exclusive failures %u; schedule %" PRIu64 " of %s, seed %" PRIu64 "\n",
				t->wstats.steps, t->wstats.switches, t->wstats.fills, t->wstats.evictions, t->wstats.walks,
				t->wstats.stxr_fails, t->found_at, explore_strategy_name(r->strategy), r->seed);
			fprintf(f, "# replay: bbmsim run %s --bbm %s --schedule %s\n", rep->file, bbm_level_name(r->level),
				t->file);
			fprintf(f, "# then the scenario's own schedule runs to the end\n");
			schedule_write(f, &t->witness);
			bool err = ferror(f) != 0;
			if (fclose(f) != 0 || err) {
				fprintf(stderr, "bbmsim %s: write error on '%s'\n", who, t->file);
				return false;
			}
		}
	}
	return true;
}

/* --- running ---------------------------------------------------------------------------- */

typedef struct ExOpts {
	const char *path;
	bool has_level;
	BbmLevel level;
	ExploreOptions eo;
	unsigned jobs;
	const char *out;
	bool json;
} ExOpts;

/* Every level, this process's part of the search. Returns false on a build error (printed). */
static bool run_part(const Scenario *s, const BbmLevel *levels, size_t nl, const ExploreOptions *eo,
		     ExploreReport *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->scenario = strdup(scenario_name(s));
	rep->file = strdup(scenario_path(s));
	rep->lv = calloc(nl + 1, sizeof(*rep->lv));
	rep->complete = true;
	rep->parts = 1;
	rep->shards_seen = eo->nshards <= 64 ? 1ull << eo->shard : 0;
	for (size_t i = 0; i < nl; i++) {
		char err[1024];
		if (stop_signal)
			break;
		if (!explore_level(s, levels[i], eo, &rep->lv[rep->nlv], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return false;
		}
		rep->nlv++;
	}
	if (stop_signal) {
		rep->complete = false;
		rep->interrupted_by = stop_signal == SIGINT ? "SIGINT" : "SIGTERM";
	}
	return true;
}

/* -j N: N processes, part k runs shard (shard + nshards * k) of nshards * N. */
static bool run_jobs(const Scenario *s, const BbmLevel *levels, size_t nl, const ExOpts *o, ExploreReport *rep)
{
	unsigned n = o->jobs;
	pid_t *pid = calloc(n, sizeof(*pid));
	FILE **tmp = calloc(n, sizeof(*tmp));
	bool ok = true;

	fflush(stdout);
	fflush(stderr);
	for (unsigned k = 0; k < n; k++) {
		tmp[k] = tmpfile();
		if (!tmp[k]) {
			fprintf(stderr, "bbmsim explore: cannot create a temporary file\n");
			ok = false;
			break;
		}
		pid[k] = fork();
		if (pid[k] < 0) {
			fprintf(stderr, "bbmsim explore: fork failed: %s\n", strerror(errno));
			ok = false;
			break;
		}
		if (pid[k] == 0) {
			ExploreOptions eo = o->eo;
			ExploreReport part;
			eo.shard = o->eo.shard + o->eo.nshards * k;
			eo.nshards = o->eo.nshards * n;
			if (!run_part(s, levels, nl, &eo, &part) || !write_witnesses(&part, o->out, "explore"))
				_exit(2);
			explore_report_json(tmp[k], &part);
			_exit(fflush(tmp[k]) || ferror(tmp[k]) ? 2 : 0);
		}
	}
	/* A stop signal for the parent (SIGTERM to its pid alone) goes to the parts too. */
	bool forwarded = false;
	for (unsigned k = 0; k < n; k++) {
		int st;
		if (pid[k] <= 0)
			continue;
		for (;;) {
			pid_t w = waitpid(pid[k], &st, WNOHANG);
			if (w == pid[k] || (w < 0 && errno != EINTR))
				break;
			if (stop_signal && !forwarded) {
				for (unsigned q = 0; q < n; q++)
					if (pid[q] > 0)
						kill(pid[q], SIGTERM);
				forwarded = true;
			}
			usleep(20000);
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "bbmsim explore: part %u of %u failed (status %d)\n", k + 1, n, st);
			ok = false;
			continue;
		}
		rewind(tmp[k]);
		char *text = schedule_read_stream(tmp[k], NULL), err[512];
		ExploreReport part;
		if (!text) {
			fprintf(stderr, "bbmsim explore: part %u: read error\n", k + 1);
			ok = false;
		} else if (!explore_report_read(text, &part, err, sizeof(err))) {
			fprintf(stderr, "bbmsim explore: part %u: %s\n", k + 1, err);
			ok = false;
		} else if (!rep->file) {
			*rep = part;
		} else {
			if (!explore_report_merge(rep, &part, err, sizeof(err))) {
				fprintf(stderr, "bbmsim explore: %s\n", err);
				ok = false;
			}
			explore_report_fini(&part);
		}
		free(text);
	}
	for (unsigned k = 0; k < n; k++)
		if (tmp[k])
			fclose(tmp[k]);
	free(pid);
	free(tmp);
	/* The parts are one shard of the search: report it as such. */
	for (size_t i = 0; i < rep->nlv; i++) {
		rep->lv[i].shard = o->eo.shard;
		rep->lv[i].nshards = o->eo.nshards;
	}
	rep->parts = 1;
	rep->shards_seen = o->eo.nshards <= 64 ? 1ull << o->eo.shard : 0;
	if (stop_signal) {
		rep->complete = false;
		rep->interrupted_by = stop_signal == SIGINT ? "SIGINT" : "SIGTERM";
	}
	return ok;
}

static int finish(ExploreReport *rep, bool json)
{
	if (json)
		explore_report_json(stdout, rep);
	else
		explore_report_text(stdout, rep);
	int rc = explore_report_bitten(rep) ? 1 : 0;
	explore_report_fini(rep);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = 2;
	if (stop_signal) {
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	return rc;
}

int explore_main(int argc, char **argv)
{
	ExOpts o = { .jobs = 1, .out = "bbmsim-explore" };
	bool has_budget = false;

	explore_options_default(&o.eo);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t x;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_explore, stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			o.json = true;
			continue;
		} else if (a[0] != '-') {
			if (o.path)
				return bad("one SCENARIO only ('%s' and '%s')", o.path, a);
			o.path = a;
			continue;
		} else if (!v) {
			return bad("%s needs a value%s", a, "");
		}
		i++;
		if (!strcmp(a, "--bbm")) {
			if (!bbm_level_parse(v, &o.level))
				return bad("--bbm: unknown level '%s'%s (use 0, 1, 2 or 2-noabort)", v, "");
			o.has_level = true;
		} else if (!strcmp(a, "--budget")) {
			if (!parse_u64(v, &x) || !x)
				return bad("--budget must be a positive number, not '%s'%s", v, "");
			o.eo.budget = x;
			has_budget = true;
		} else if (!strcmp(a, "--time")) {
			char *end;
			double t = strtod(v, &end);
			if (*end || !(t > 0))
				return bad("--time must be a positive number of seconds, not '%s'%s", v, "");
			o.eo.seconds = t;
		} else if (!strcmp(a, "--strategy")) {
			if (!explore_strategy_parse(v, &o.eo.strategy))
				return bad("--strategy must be random, pct, exhaustive or preempt, not '%s'%s", v, "");
		} else if (!strcmp(a, "--seed")) {
			if (!parse_u64(v, &x))
				return bad("--seed needs a non-negative number, not '%s'%s", v, "");
			o.eo.seed = x;
		} else if (!strcmp(a, "--state-hash")) {
			if (strcmp(v, "on") && strcmp(v, "off"))
				return bad("--state-hash must be on or off, not '%s'%s", v, "");
			o.eo.state_hash = !strcmp(v, "on");
		} else if (!strcmp(a, "--preemptions")) {
			if (!parse_u64(v, &x) || x > 64)
				return bad("--preemptions must be 0..64, not '%s'%s", v, "");
			o.eo.preemptions = (unsigned)x;
		} else if (!strcmp(a, "--depth")) {
			if (!parse_u64(v, &x) || x < 1 || x > 17)
				return bad("--depth must be 1..17, not '%s'%s", v, "");
			o.eo.pct_depth = (unsigned)x;
		} else if (!strcmp(a, "--bound")) {
			/* A frame of the search holds 64 footprints (8.7 KB): 10000 deep is 87 MB. */
			if (!parse_u64(v, &x) || x < 1 || x > 10000)
				return bad("--bound must be 1..10000, not '%s'%s", v, "");
			o.eo.max_depth = (unsigned)x;
		} else if (!strcmp(a, "--minimize")) {
			if (!parse_u64(v, &x))
				return bad("--minimize needs a non-negative number, not '%s'%s", v, "");
			o.eo.min_replays = x;
		} else if (!strcmp(a, "-j")) {
			if (!parse_u64(v, &x) || x < 1 || x > 256)
				return bad("-j must be 1..256, not '%s'%s", v, "");
			o.jobs = (unsigned)x;
		} else if (!strcmp(a, "--shard")) {
			unsigned si, sn;
			char tail;
			if (sscanf(v, "%u/%u%c", &si, &sn, &tail) != 2 || sn < 1 || si < 1 || si > sn || sn > 1000000)
				return bad("--shard must be I/N with 1 <= I <= N, not '%s'%s", v, "");
			o.eo.shard = si - 1;
			o.eo.nshards = sn;
		} else if (!strcmp(a, "--out")) {
			o.out = v;
		} else {
			fprintf(stderr, "bbmsim explore: unknown option '%s'\n\n%s", a, usage_explore);
			return 2;
		}
	}
	if (!o.path) {
		fputs(usage_explore, stderr);
		return 2;
	}
	if (o.eo.seconds > 0 && !has_budget)
		o.eo.budget = 0;
	char err[16384];
	Scenario *s = scenario_load(o.path, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	BbmLevel levels[BBM_LEVEL_COUNT];
	size_t nl = scenario_levels(s, levels);
	if (o.has_level) {
		levels[0] = o.level;
		nl = 1;
	}
	catch_stop_signals();
	o.eo.stop = &stop_signal;
	ExploreReport rep = { 0 };
	bool ok = o.jobs > 1 ? run_jobs(s, levels, nl, &o, &rep)
			     : run_part(s, levels, nl, &o.eo, &rep) && write_witnesses(&rep, o.out, "explore");
	scenario_free(s);
	if (!ok) {
		explore_report_fini(&rep);
		return 2;
	}
	return finish(&rep, o.json);
}

int merge_main(int argc, char **argv)
{
	bool json = false;
	const char *out = NULL;
	ExploreReport rep = { 0 };
	unsigned nfiles = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_merge, stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = true;
			continue;
		} else if (!strcmp(a, "--out") && i + 1 < argc) {
			out = argv[++i];
			continue;
		} else if (a[0] == '-') {
			fprintf(stderr, "bbmsim merge: unknown option '%s'\n\n%s", a, usage_merge);
			explore_report_fini(&rep);
			return 2;
		}
		FILE *f = fopen(a, "r");
		if (!f) {
			fprintf(stderr, "bbmsim merge: %s: %s\n", a, strerror(errno));
			explore_report_fini(&rep);
			return 2;
		}
		char *text = schedule_read_stream(f, NULL), err[512];
		fclose(f);
		ExploreReport part;
		bool ok = text && explore_report_read(text, &part, err, sizeof(err));
		if (!text)
			snprintf(err, sizeof(err), "read error");
		free(text);
		if (!ok) {
			fprintf(stderr, "bbmsim merge: %s: %s\n", a, err);
			explore_report_fini(&part);
			explore_report_fini(&rep);
			return 2;
		}
		if (!nfiles++) {
			rep = part;
			continue;
		}
		ok = explore_report_merge(&rep, &part, err, sizeof(err));
		explore_report_fini(&part);
		if (!ok) {
			fprintf(stderr, "bbmsim merge: %s: %s\n", a, err);
			explore_report_fini(&rep);
			return 2;
		}
	}
	if (!nfiles) {
		fputs(usage_merge, stderr);
		return 2;
	}
	rep.merged = true;
	if (out && !write_witnesses(&rep, out, "merge")) {
		explore_report_fini(&rep);
		return 2;
	}
	return finish(&rep, json);
}
