// SPDX-License-Identifier: GPL-2.0-only
/*
 * report.c - the report model (report.h): what every output format
 * derives from a run the same way, so that the text table, the JSON report
 * and the test runner never count differently.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

void level_run_fini(LevelRun *r)
{
	analysis_free(r->a);
	machine_free(r->m);
	free(r->exp);
	memset(r, 0, sizeof(*r));
}

bool report_passed(const Report *r)
{
	if (!r->complete)
		return false;
	for (size_t i = 0; i < r->nruns; i++)
		if (r->runs[i].nfail)
			return false;
	return true;
}

size_t report_count_faults(const Machine *m, int kind)
{
	const FaultRecord *f;
	size_t n = machine_faults(m, &f), c = 0;

	for (size_t i = 0; i < n; i++)
		if (kind < 0 ? f[i].kind != FAULT_NONE : (int)f[i].kind == kind)
			c++;
	return c;
}

WinStats report_win_stats(const Analysis *a, int kind, uint64_t end)
{
	const Window *w;
	size_t n = analysis_windows(a, &w);
	WinStats st = { 0 };

	for (size_t i = 0; i < n; i++) {
		if ((int)w[i].kind != kind)
			continue;
		uint64_t close = w[i].close_tick == ~0ull ? end : w[i].close_tick;
		uint64_t len = close - w[i].open_tick;
		st.count++;
		st.latent += w[i].latent;
		st.accesses += w[i].accesses;
		st.stale_uses += w[i].stale_uses;
		if (len > st.longest)
			st.longest = len;
	}
	return st;
}

const char *report_pc(const Report *r, uint64_t pc, char *buf, size_t len)
{
	char sym[128];
	if (r->s && scenario_symbolize(r->s, pc, sym, sizeof(sym)))
		snprintf(buf, len, "%s", sym);
	else
		snprintf(buf, len, "0x%" PRIx64, pc);
	return buf;
}

void report_pe_set(uint64_t pes, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < 64 && n + 12 < len; i++) {
		if (!(pes >> i & 1))
			continue;
		unsigned j = i;
		while (j + 1 < 64 && (pes >> (j + 1) & 1))
			j++;
		n += (size_t)snprintf(buf + n, len - n, "%sPE%u", n ? "," : "", i);
		if (j > i)
			n += (size_t)snprintf(buf + n, len - n, "-%u", j);
		i = j;
	}
}

int report_verdict(const LevelRun *r, char *buf, size_t len)
{
	const Violation *v;
	size_t nv = analysis_violations(r->a, &v);
	size_t viol = analysis_count(r->a, -1, SEV_VIOLATION, -1);
	size_t abort_p = analysis_count(r->a, -1, SEV_ABORT_POSSIBLE, -1);
	size_t fault_p = analysis_count(r->a, -1, SEV_FAULT_POSSIBLE, -1);
	size_t aborts = report_count_faults(r->m, FAULT_TLB_CONFLICT);
	char rules[96] = "";
	size_t n = 0, o = 0;
	int grade;

	for (size_t i = 0; i < nv && n + 20 < sizeof(rules); i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(v[j].rule, v[i].rule);
		if (!seen)
			n += (size_t)snprintf(rules + n, sizeof(rules) - n, "%s%s", n ? " " : "", v[i].rule);
	}
	buf[0] = 0;
	if (nv || viol) {
		grade = 2;
		o += (size_t)snprintf(buf, len, "WRONG: %zu rule violation%s%s%s%s, %zu violation window%s", nv,
				      nv == 1 ? "" : "s", nv ? " (" : "", rules, nv ? ")" : "", viol, viol == 1 ? "" : "s");
	} else if (abort_p || aborts) {
		grade = 1;
		o += (size_t)snprintf(buf, len, "no rule broken, but a TLB conflict abort may be raised (%zu abort-possible window%s)",
				      abort_p, abort_p == 1 ? "" : "s");
	} else {
		grade = 0;
		o += (size_t)snprintf(buf, len, "nothing wrong");
	}
	if (aborts && o < len)
		o += (size_t)snprintf(buf + o, len - o, "; %zu TLB conflict abort%s taken", aborts, aborts == 1 ? "" : "s");
	if (fault_p && o < len)
		snprintf(buf + o, len - o, "; %zu window%s where a translation fault may be taken", fault_p,
			 fault_p == 1 ? "" : "s");
	return grade;
}
