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
