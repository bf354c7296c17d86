// SPDX-License-Identifier: GPL-2.0-only
/*
 * explore_report.c - the explore report (explore_report.h): text, JSON,
 * and the JSON read back for `bbmsim merge` and `explore -j`. In JSON,
 * 64-bit values (addresses, descriptors) are "0x..." strings as in the run
 * report (docs/report-format.md); counts are numbers.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "explore_report.h"
#include "json_read.h"
#include "report.h"

void explore_report_fini(ExploreReport *r)
{
	for (size_t i = 0; i < r->nlv; i++)
		explore_result_fini(&r->lv[i]);
	free(r->lv);
	free(r->scenario);
	free(r->file);
	memset(r, 0, sizeof(*r));
}

size_t explore_report_bitten(const ExploreReport *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nlv; i++)
		n += explore_count(&r->lv[i], -1, true);
	return n;
}

/* --- text ------------------------------------------------------------------------------ */

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void text_witness(FILE *o, const ExploreReport *rep, const ExploreResult *r, const ExploreTarget *t)
{
	const ExploreBite *b = &t->bite;

	if (t->found_at)
		fprintf(o, "    BITTEN in schedule %" PRIu64 ": %s", t->found_at, b->what);
	else
		fprintf(o, "    BITTEN in the default run: %s", b->what);
	if (b->has_access)
		fprintf(o, ": PE%d %s of VA 0x%" PRIx64 " at pc 0x%" PRIx64 ", tick %" PRIu64, b->pe,
			access_type_name(b->access), b->va, b->pc, b->tick);
	if (b->text[0])
		fprintf(o, ": %s", b->text);
	fputc('\n', o);
	if (!t->found_at) {
		fprintf(o, "      the scenario's own schedule bites: no witness needed (bbmsim run %s --bbm %s)\n",
			rep->file, bbm_level_name(r->level));
		return;
	}
	const ScheduleStats *w = &t->wstats, *f = &t->found;
	fprintf(o, "      witness %s: %" PRIu64 " %s, %u context %s, %u %s, %u %s",
		t->file[0] ? t->file : "(not written)", w->steps, plural(w->steps, "step", "steps"), w->switches,
		plural(w->switches, "switch", "switches"), w->fills, plural(w->fills, "fill", "fills"), w->evictions,
		plural(w->evictions, "eviction", "evictions"));
	/* The other choices, when the witness has any. */
	if (w->walks)
		fprintf(o, ", %u %s", w->walks, plural(w->walks, "walk value", "walk values"));
	if (w->stxr_fails)
		fprintf(o, ", %u store-exclusive %s", w->stxr_fails, plural(w->stxr_fails, "failure", "failures"));
	fprintf(o, " (found with %" PRIu64 " steps, %u switches, %u fills, %u evictions; %" PRIu64 " replays to minimize)\n",
		f->steps, f->switches, f->fills, f->evictions, t->min_replays);
	fprintf(o, "      %s: bbmsim run %s --bbm %s --schedule %s\n",
		t->verified ? "replay" : "NOT REPRODUCED on a fresh machine; try", rep->file, bbm_level_name(r->level),
		t->file[0] ? t->file : "FILE");
}

static void text_cover(FILE *o, const ExploreResult *r, const ExploreTarget *t)
{
	if (t->kind == TARGET_EXPECTATION) {
		fprintf(o, ": held in all %" PRIu64 " schedules judged", t->seen);
		if (r->truncated)
			fprintf(o, " (%" PRIu64 " stopped at the instruction limit were not)", r->truncated);
		fputc('\n', o);
		return;
	}
	fprintf(o, "    no witness in %" PRIu64 " %s: opened in %" PRIu64 ", PE%d accessed inside in %" PRIu64
		   ", a fill for PE%d inside in %" PRIu64 "\n",
		r->schedules, plural(r->schedules, "schedule", "schedules"), t->seen, t->win.pe, t->accessed, t->win.pe,
		t->filled);
}


/* Is @t one of the windows listed in groups (many not bitten, or many bitten by the default run)? */
static bool in_group(const ExploreTarget *t, bool unbitten, bool by_default)
{
	return t->kind == TARGET_WINDOW && ((unbitten && !t->bitten) || (by_default && t->bitten && !t->found_at));
}

/* Windows in groups when there are many: same kind, severity and opening store (and bite). */
static void text_groups(FILE *o, const ExploreResult *r, bool bitten)
{
	bool *done = calloc(r->nt + 1, 1);
	for (size_t i = 0; i < r->nt; i++) {
		const ExploreTarget *a = &r->t[i];
		if (done[i] || a->bitten != bitten || a->kind != TARGET_WINDOW || (bitten && a->found_at))
			continue;
		uint64_t n = 0, seen = 0, acc = 0, fil = 0, pes = 0, lo = a->win.va, hi = a->win.va + a->win.size;
		for (size_t j = i; j < r->nt; j++) {
			const ExploreTarget *b = &r->t[j];
			if (done[j] || b->bitten != bitten || b->kind != TARGET_WINDOW || b->win.kind != a->win.kind ||
			    b->win.severity != a->win.severity || b->win.cause.pc != a->win.cause.pc ||
			    (bitten && (b->found_at || strcmp(b->bite.what, a->bite.what))))
				continue;
			done[j] = true;
			n++;
			seen += b->seen;
			acc += b->accessed;
			fil += b->filled;
			pes |= 1ull << (b->win.pe & 63);
			lo = b->win.va < lo ? b->win.va : lo;
			hi = b->win.va + b->win.size > hi ? b->win.va + b->win.size : hi;
		}
		char pt[160];
		report_pe_set(pes, pt, sizeof(pt));
		fprintf(o, "  %" PRIu64 " x window %s %s on %s, VA 0x%" PRIx64 "..0x%" PRIx64 ", opened at pc 0x%" PRIx64 ": ",
			n, window_kind_name(a->win.kind), severity_name(a->win.severity), pt, lo, hi, a->win.cause.pc);
		if (bitten)
			fprintf(o, "BITTEN in the default run (%s; the run report counts them)\n", a->bite.what);
		else
			fprintf(o, "no witness in %" PRIu64 " schedules (opened %" PRIu64 ", accessed inside %" PRIu64
				   ", filled inside %" PRIu64 ", summed over them)\n",
				r->schedules, seen, acc, fil);
	}
	free(done);
}

static void text_level(FILE *o, const ExploreReport *rep, const ExploreResult *r)
{
	size_t nw = explore_count(r, TARGET_WINDOW, false), ne = explore_count(r, TARGET_EXPECTATION, false);
	size_t bw = explore_count(r, TARGET_WINDOW, true), be = explore_count(r, TARGET_EXPECTATION, true);
	size_t bo = explore_count(r, TARGET_OTHER, true);

	fprintf(o, "== %s at BBM level %s: explore, %s", rep->scenario, bbm_level_name(r->level),
		explore_strategy_name(r->strategy));
	if (r->strategy == EXPLORE_PCT)
		fprintf(o, " (depth %u)", r->pct_depth);
	if (r->strategy == EXPLORE_EXHAUSTIVE)
		fprintf(o, " (branching in the first %u choice points)", r->max_depth);
	if (r->strategy == EXPLORE_PREEMPT)
		fprintf(o, " (at most %u %s)", r->preemptions, plural(r->preemptions, "preemption", "preemptions"));
	fprintf(o, ", seed %" PRIu64, r->seed);
	if (r->budget)
		fprintf(o, ", budget %" PRIu64, r->budget);
	if (rep->merged)
		fprintf(o, ", %u %s merged", rep->parts, plural(rep->parts, "part", "parts"));
	else if (r->nshards > 1)
		fprintf(o, ", shard %u/%u", r->shard + 1, r->nshards);
	fprintf(o, " ==\n");
	fprintf(o, "  covered: %" PRIu64 " %s besides the default run (%" PRIu64 " ended at the instruction limit",
		r->schedules, plural(r->schedules, "schedule", "schedules"), r->truncated);
	if (r->strategy == EXPLORE_EXHAUSTIVE && r->state_hash)
		fprintf(o, ", %" PRIu64 " cut short by the sleep sets and %" PRIu64 " at a state already explored (%" PRIu64
			" states hashed); %" PRIu64 " distinct final states; %s", r->pruned, r->state_pruned, r->states,
			r->final_states, r->complete ? "the search is complete" : "the search is not complete");
	else if (r->strategy == EXPLORE_EXHAUSTIVE)
		fprintf(o, ", %" PRIu64 " cut short by the sleep sets; %" PRIu64 " distinct final states; %s", r->pruned,
			r->final_states, r->complete ? "the search is complete" : "the search is not complete");
	if (r->strategy == EXPLORE_PREEMPT)
		fprintf(o, "; %s", r->complete ? "the search is complete" : "the search is not complete");
	fprintf(o, "), %" PRIu64 " choice points, %" PRIu64 " fills and %" PRIu64 " evictions over %u (PE, VA) %s",
		r->choice_points, r->fills, r->evictions, r->tlb_pairs, plural(r->tlb_pairs, "pair", "pairs"));
	if (r->tlb_candidates > r->tlb_pairs)
		fprintf(o, " (of %u the windows name)", r->tlb_candidates);
	fprintf(o, "; %.2f s, minimizing %.2f s%s\n", r->seconds, r->min_seconds,
		r->interrupted ? "; INTERRUPTED" : "");
	fprintf(o, "  targets: %zu %s (bitten %zu), %zu %s (bitten %zu); other bites: %zu\n", nw,
		plural(nw, "window", "windows"), bw, ne, plural(ne, "expectation", "expectations"), be, bo);

	size_t bdef = 0;
	for (size_t i = 0; i < r->nt; i++)
		bdef += r->t[i].kind == TARGET_WINDOW && r->t[i].bitten && !r->t[i].found_at;
	bool group = nw - bw > 16, group_def = bdef > 8;
	for (size_t i = 0; i < r->nt; i++) {
		const ExploreTarget *t = &r->t[i];
		if (in_group(t, group, group_def))
			continue;
		const char *kind = t->kind == TARGET_OTHER ? (t->has_window ? "new window" : "other") :
				   target_kind_name(t->kind);
		fprintf(o, "  %s %s%s", kind, t->label,
			t->kind == TARGET_WINDOW && t->win.latent ? "; latent in the default run" : "");
		if (t->kind == TARGET_EXPECTATION && !t->bitten) {
			text_cover(o, r, t);
			continue;
		}
		fputc('\n', o);
		if (t->bitten)
			text_witness(o, rep, r, t);
		else
			text_cover(o, r, t);
	}
	if (group_def)
		text_groups(o, r, true);
	if (group)
		text_groups(o, r, false);
	size_t bitten = bw + be + bo;
	fprintf(o, "  verdict at level %s: ", bbm_level_name(r->level));
	if (bitten)
		fprintf(o, "%zu of %zu targets bitten (%zu of %zu windows, %zu of %zu expectations, %zu other)\n", bitten,
			nw + ne + bo, bw, nw, be, ne, bo);
	else if ((r->strategy == EXPLORE_EXHAUSTIVE || r->strategy == EXPLORE_PREEMPT) && r->complete)
		fprintf(o, "no bite in any of the %" PRIu64 " schedules: the search was complete (docs/explore.md, what is pruned)\n",
			r->schedules);
	else
		fprintf(o, "no witness in %" PRIu64 " %s\n", r->schedules, plural(r->schedules, "schedule", "schedules"));
}

void explore_report_text(FILE *o, const ExploreReport *r)
{
	for (size_t i = 0; i < r->nlv; i++)
		text_level(o, r, &r->lv[i]);
	if (r->merged && r->nlv) {
		unsigned n = r->lv[0].nshards, missing = 0;
		for (unsigned i = 0; i < n && i < 64; i++)
			missing += !(r->shards_seen >> i & 1);
		if (missing)
			fprintf(o, "WARNING: %u of %u shards are missing from the merge\n", missing, n);
	}
	if (!r->complete)
		fprintf(o, "INCOMPLETE: interrupted by %s; the report covers the schedules that ran\n",
			r->interrupted_by ? r->interrupted_by : "a signal");
}

/* --- JSON ----------------------------------------------------------------------------- */

typedef struct Jw {
	FILE *o;
	bool first;
} Jw;

static void jkey(Jw *w, const char *k)
{
	fprintf(w->o, "%s\"%s\":", w->first ? "" : ",", k);
	w->first = false;
}

static void jstr(Jw *w, const char *k, const char *s)
{
	jkey(w, k);
	if (s)
		report_json_string(w->o, s);
	else
		fputs("null", w->o);
}

static void jnum(Jw *w, const char *k, uint64_t v)
{
	jkey(w, k);
	fprintf(w->o, "%" PRIu64, v);
}

static void jhex(Jw *w, const char *k, uint64_t v)
{
	jkey(w, k);
	fprintf(w->o, "\"0x%" PRIx64 "\"", v);
}

static void jbool(Jw *w, const char *k, bool v)
{
	jkey(w, k);
	fputs(v ? "true" : "false", w->o);
}

static void jreal(Jw *w, const char *k, double v)
{
	jkey(w, k);
	fprintf(w->o, "%.3f", v);
}

static void jstats(Jw *w, const char *k, const ScheduleStats *s)
{
	Jw x = { w->o, true };
	jkey(w, k);
	fputc('{', w->o);
	jnum(&x, "steps", s->steps);
	jnum(&x, "switches", s->switches);
	jnum(&x, "fills", s->fills);
	jnum(&x, "evictions", s->evictions);
	jnum(&x, "walks", s->walks);
	jnum(&x, "stxr_fails", s->stxr_fails);
	fputc('}', w->o);
}

static void json_target(FILE *o, const ExploreTarget *t)
{
	Jw w = { o, true };
	fputc('{', o);
	jstr(&w, "kind", target_kind_name(t->kind));
	jstr(&w, "key", t->key);
	jstr(&w, "label", t->label);
	jkey(&w, "window");
	if (t->has_window)
		report_json_window(o, &t->win);
	else
		fputs("null", o);
	jkey(&w, "coverage");
	Jw c = { o, true };
	fputc('{', o);
	jnum(&c, "seen", t->seen);
	jnum(&c, "accessed", t->accessed);
	jnum(&c, "filled", t->filled);
	fputc('}', o);
	jbool(&w, "bitten", t->bitten);
	if (t->bitten) {
		jnum(&w, "found_at", t->found_at);
		jnum(&w, "found_shard", t->found_shard + 1);
		jkey(&w, "bite");
		Jw b = { o, true };
		fputc('{', o);
		jstr(&b, "what", t->bite.what);
		jbool(&b, "has_access", t->bite.has_access);
		if (t->bite.has_access) {
			jnum(&b, "tick", t->bite.tick);
			jnum(&b, "pe", (uint64_t)t->bite.pe);
			jhex(&b, "pc", t->bite.pc);
			jhex(&b, "va", t->bite.va);
			jhex(&b, "pa", t->bite.pa);
			jstr(&b, "access", access_type_name(t->bite.access));
		}
		jstr(&b, "text", t->bite.text);
		fputc('}', o);
		jkey(&w, "witness");
		Jw x = { o, true };
		fputc('{', o);
		jstr(&x, "file", t->file[0] ? t->file : NULL);
		char *text = schedule_text(&t->witness);
		jstr(&x, "schedule", text ? text : "");
		free(text);
		jstats(&x, "minimized", &t->wstats);
		jstats(&x, "found", &t->found);
		jnum(&x, "replays", t->min_replays);
		jbool(&x, "verified", t->verified);
		fputc('}', o);
	}
	fputc('}', o);
}

static void json_level(FILE *o, const ExploreResult *r)
{
	Jw w = { o, true };
	fputc('{', o);
	jstr(&w, "level", bbm_level_name(r->level));
	jstr(&w, "strategy", explore_strategy_name(r->strategy));
	jnum(&w, "seed", r->seed);
	jnum(&w, "budget", r->budget);
	jnum(&w, "pct_depth", r->pct_depth);
	jnum(&w, "max_depth", r->max_depth);
	jnum(&w, "preemptions", r->preemptions);
	jnum(&w, "shard", r->shard + 1);
	jnum(&w, "shards", r->nshards);
	jkey(&w, "coverage");
	Jw c = { o, true };
	fputc('{', o);
	jnum(&c, "schedules", r->schedules);
	jnum(&c, "truncated", r->truncated);
	jnum(&c, "pruned", r->pruned);
	jbool(&c, "state_hash", r->state_hash);
	jnum(&c, "states", r->states);
	jnum(&c, "state_pruned", r->state_pruned);
	jnum(&c, "final_states", r->final_states);
	jbool(&c, "complete", r->complete);
	jnum(&c, "choice_points", r->choice_points);
	jnum(&c, "fills", r->fills);
	jnum(&c, "evictions", r->evictions);
	jnum(&c, "instructions", r->insns);
	jnum(&c, "tlb_pairs", r->tlb_pairs);
	jnum(&c, "tlb_candidates", r->tlb_candidates);
	jnum(&c, "pct_steps", r->pct_steps);
	jnum(&c, "default_ticks", r->default_ticks);
	jreal(&c, "seconds", r->seconds);
	jreal(&c, "minimize_seconds", r->min_seconds);
	jbool(&c, "interrupted", r->interrupted);
	fputc('}', o);
	jnum(&w, "bitten", explore_count(r, -1, true));
	jkey(&w, "targets");
	fputc('[', o);
	for (size_t i = 0; i < r->nt; i++) {
		if (i)
			fputc(',', o);
		json_target(o, &r->t[i]);
	}
	fputs("]}", o);
}

void explore_report_json(FILE *o, const ExploreReport *r)
{
	Jw w = { o, true };
	fputc('{', o);
	jstr(&w, "format", EXPLORE_FORMAT);
	jnum(&w, "version", EXPLORE_VERSION);
	jstr(&w, "scenario", r->scenario);
	jstr(&w, "file", r->file);
	jbool(&w, "complete", r->complete);
	jstr(&w, "interrupted_by", r->complete ? NULL : r->interrupted_by);
	jnum(&w, "parts", r->parts ? r->parts : 1);
	jkey(&w, "levels");
	fputc('[', o);
	for (size_t i = 0; i < r->nlv; i++) {
		if (i)
			fputc(',', o);
		json_level(o, &r->lv[i]);
	}
	fputc(']', o);
	jnum(&w, "bitten", explore_report_bitten(r));
	fputs("}\n", o);
}

/* --- reading it back ------------------------------------------------------------------------ */

static void read_stats(const Json *j, ScheduleStats *s)
{
	s->steps = json_u64(j, "steps", 0);
	s->switches = (unsigned)json_u64(j, "switches", 0);
	s->fills = (unsigned)json_u64(j, "fills", 0);
	s->evictions = (unsigned)json_u64(j, "evictions", 0);
	s->walks = (unsigned)json_u64(j, "walks", 0);
	s->stxr_fails = (unsigned)json_u64(j, "stxr_fails", 0);
}

static void read_window(const Json *j, Window *w)
{
	WindowKind k = WIN_STALE;
	Severity sv = SEV_BENIGN;
	window_kind_parse(json_str(j, "kind", ""), &k);
	severity_parse(json_str(j, "severity", ""), &sv);
	w->kind = k;
	w->severity = sv;
	w->pe = (int)json_u64(j, "pe", 0);
	w->va = json_hex(j, "va", 0);
	w->size = json_hex(j, "size", 0);
	w->open_tick = json_u64(j, "open_tick", 0);
	w->close_tick = json_u64(j, "close_tick", ~0ull);
	snprintf(w->why, sizeof(w->why), "%s", json_str(j, "why", ""));
	snprintf(w->closed_by, sizeof(w->closed_by), "%s", json_str(j, "closed_by", ""));
	w->latent = json_bool(j, "latent", false);
	w->stale_uses = json_u64(j, "stale_uses", 0);
	w->accesses = json_u64(j, "accesses", 0);
	w->faults = json_u64(j, "faults", 0);
	const Json *c = json_get(j, "cause");
	w->cause.pe = (int)json_u64(c, "pe", 0);
	w->cause.pc = json_hex(c, "pc", 0);
	w->cause.tick = json_u64(c, "tick", 0);
	w->cause.insn = (uint32_t)json_hex(c, "insn", 0);
	w->cause.desc_pa = json_hex(c, "desc_pa", 0);
	w->cause.level = (int)json_u64(c, "level", 0);
	w->cause.old = json_hex(c, "old", 0);
	w->cause.val = json_hex(c, "new", 0);
}

static bool read_target(const Json *j, ExploreTarget *t, char *err, size_t errlen)
{
	const char *kind = json_str(j, "kind", "");
	memset(t, 0, sizeof(*t));
	schedule_init(&t->witness);
	t->kind = !strcmp(kind, "window") ? TARGET_WINDOW : !strcmp(kind, "expectation") ? TARGET_EXPECTATION
											  : TARGET_OTHER;
	snprintf(t->key, sizeof(t->key), "%s", json_str(j, "key", ""));
	snprintf(t->label, sizeof(t->label), "%s", json_str(j, "label", ""));
	const Json *w = json_get(j, "window");
	if (w && w->type == JSON_OBJECT) {
		t->has_window = true;
		read_window(w, &t->win);
	}
	const Json *c = json_get(j, "coverage");
	t->seen = json_u64(c, "seen", 0);
	t->accessed = json_u64(c, "accessed", 0);
	t->filled = json_u64(c, "filled", 0);
	t->bitten = json_bool(j, "bitten", false);
	if (!t->bitten)
		return true;
	t->found_at = json_u64(j, "found_at", 0);
	uint64_t fs = json_u64(j, "found_shard", 1);
	t->found_shard = fs ? (unsigned)fs - 1 : 0;
	const Json *b = json_get(j, "bite");
	snprintf(t->bite.what, sizeof(t->bite.what), "%s", json_str(b, "what", ""));
	t->bite.has_access = json_bool(b, "has_access", false);
	t->bite.tick = json_u64(b, "tick", 0);
	t->bite.pe = (int)json_u64(b, "pe", 0);
	t->bite.pc = json_hex(b, "pc", 0);
	t->bite.va = json_hex(b, "va", 0);
	t->bite.pa = json_hex(b, "pa", 0);
	const char *acc = json_str(b, "access", "read");
	t->bite.access = !strcmp(acc, "write") ? ACCESS_WRITE : !strcmp(acc, "fetch") ? ACCESS_FETCH : ACCESS_READ;
	snprintf(t->bite.text, sizeof(t->bite.text), "%s", json_str(b, "text", ""));
	const Json *x = json_get(j, "witness");
	snprintf(t->file, sizeof(t->file), "%s", json_str(x, "file", ""));
	if (!schedule_parse(&t->witness, json_str(x, "schedule", ""), "witness", err, errlen))
		return false;
	read_stats(json_get(x, "minimized"), &t->wstats);
	read_stats(json_get(x, "found"), &t->found);
	t->min_replays = json_u64(x, "replays", 0);
	t->verified = json_bool(x, "verified", false);
	return true;
}

static bool read_level(const Json *j, ExploreResult *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (!bbm_level_parse(json_str(j, "level", ""), &r->level)) {
		snprintf(err, errlen, "a level without a known 'level'");
		return false;
	}
	if (!explore_strategy_parse(json_str(j, "strategy", ""), &r->strategy)) {
		snprintf(err, errlen, "level %s: unknown strategy", bbm_level_name(r->level));
		return false;
	}
	r->seed = json_u64(j, "seed", 0);
	r->budget = json_u64(j, "budget", 0);
	r->pct_depth = (unsigned)json_u64(j, "pct_depth", 0);
	r->max_depth = (unsigned)json_u64(j, "max_depth", 0);
	r->preemptions = (unsigned)json_u64(j, "preemptions", 0);
	uint64_t shard = json_u64(j, "shard", 1);
	r->shard = shard ? (unsigned)shard - 1 : 0;
	r->nshards = (unsigned)json_u64(j, "shards", 1);
	const Json *c = json_get(j, "coverage");
	r->schedules = json_u64(c, "schedules", 0);
	r->truncated = json_u64(c, "truncated", 0);
	r->pruned = json_u64(c, "pruned", 0);
	r->state_hash = json_bool(c, "state_hash", false);
	r->states = json_u64(c, "states", 0);
	r->state_pruned = json_u64(c, "state_pruned", 0);
	r->final_states = json_u64(c, "final_states", 0);
	r->complete = json_bool(c, "complete", false);
	r->choice_points = json_u64(c, "choice_points", 0);
	r->fills = json_u64(c, "fills", 0);
	r->evictions = json_u64(c, "evictions", 0);
	r->insns = json_u64(c, "instructions", 0);
	r->tlb_pairs = (unsigned)json_u64(c, "tlb_pairs", 0);
	r->tlb_candidates = (unsigned)json_u64(c, "tlb_candidates", 0);
	r->pct_steps = json_u64(c, "pct_steps", 0);
	r->default_ticks = json_u64(c, "default_ticks", 0);
	r->seconds = json_double(c, "seconds", 0);
	r->min_seconds = json_double(c, "minimize_seconds", 0);
	r->interrupted = json_bool(c, "interrupted", false);
	const Json *t = json_get(j, "targets");
	if (!t || t->type != JSON_ARRAY) {
		snprintf(err, errlen, "level %s: no 'targets'", bbm_level_name(r->level));
		return false;
	}
	r->t = calloc(t->n + 1, sizeof(*r->t));
	for (size_t i = 0; i < t->n; i++) {
		r->nt++;
		if (!read_target(&t->items[i], &r->t[i], err, errlen))
			return false;
	}
	return true;
}

bool explore_report_read(const char *text, ExploreReport *r, char *err, size_t errlen)
{
	char e[256];
	Json *j = json_parse(text, e, sizeof(e));

	memset(r, 0, sizeof(*r));
	if (!j) {
		snprintf(err, errlen, "%s", e);
		return false;
	}
	bool ok = false;
	const Json *lv = json_get(j, "levels");
	if (strcmp(json_str(j, "format", ""), EXPLORE_FORMAT) || json_u64(j, "version", 0) != EXPLORE_VERSION) {
		snprintf(err, errlen, "not a bbmsim explore result (format \"%s\" version %d)", EXPLORE_FORMAT,
			 EXPLORE_VERSION);
	} else if (!lv || lv->type != JSON_ARRAY) {
		snprintf(err, errlen, "no 'levels'");
	} else {
		r->scenario = strdup(json_str(j, "scenario", "?"));
		r->file = strdup(json_str(j, "file", "?"));
		r->complete = json_bool(j, "complete", true);
		const char *by = json_str(j, "interrupted_by", "");
		r->interrupted_by = r->complete ? NULL : !strcmp(by, "SIGINT") ? "SIGINT" : !strcmp(by, "SIGTERM") ? "SIGTERM" : "a signal";
		r->parts = (unsigned)json_u64(j, "parts", 1);
		r->lv = calloc(lv->n + 1, sizeof(*r->lv));
		ok = true;
		for (size_t i = 0; i < lv->n && ok; i++) {
			ok = read_level(&lv->items[i], &r->lv[i], err, errlen);
			r->nlv++;
			if (ok && r->lv[i].nshards <= 64)
				r->shards_seen |= 1ull << r->lv[i].shard;
		}
	}
	json_free(j);
	return ok;
}

bool explore_report_merge(ExploreReport *into, ExploreReport *from, char *err, size_t errlen)
{
	if (strcmp(into->file, from->file)) {
		snprintf(err, errlen, "results of different scenarios: %s and %s", into->file, from->file);
		return false;
	}
	for (size_t i = 0; i < from->nlv; i++) {
		ExploreResult *f = &from->lv[i];
		size_t k = 0;
		while (k < into->nlv && into->lv[k].level != f->level)
			k++;
		if (k == into->nlv) {
			into->lv = realloc(into->lv, (into->nlv + 1) * sizeof(*into->lv));
			into->lv[into->nlv++] = *f;
			memset(f, 0, sizeof(*f));
			continue;
		}
		ExploreResult *t = &into->lv[k];
		if (t->strategy != f->strategy || t->seed != f->seed || t->budget != f->budget ||
		    t->nshards != f->nshards || t->preemptions != f->preemptions) {
			snprintf(err, errlen, "level %s: the parts are not shards of one search (strategy, seed, budget, preemptions and shard count differ)",
				 bbm_level_name(f->level));
			return false;
		}
		explore_result_merge(t, f);
	}
	/* Keep the levels in level order. */
	for (size_t i = 1; i < into->nlv; i++)
		for (size_t j = i; j > 0 && into->lv[j - 1].level > into->lv[j].level; j--) {
			ExploreResult x = into->lv[j];
			into->lv[j] = into->lv[j - 1];
			into->lv[j - 1] = x;
		}
	into->complete = into->complete && from->complete;
	if (!into->interrupted_by)
		into->interrupted_by = from->interrupted_by;
	into->parts += from->parts ? from->parts : 1;
	into->shards_seen |= from->shards_seen;
	return true;
}
