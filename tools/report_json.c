// SPDX-License-Identifier: GPL-2.0-only
/*
 * report_json.c - the JSON report (`bbmsim run --json`, `bbmsim compare
 * --format json`): one object on one line, described field by field in
 * docs/report-format.md and docs/report.schema.json.
 *
 * JSON numbers are IEEE doubles in most readers (JavaScript, jq): above
 * 2^53 they lose bits. So every address, size of an address range,
 * descriptor, register value and instruction encoding is a "0x..." string,
 * the form the JSONL and Perfetto traces use (sim/trace.c); only counts
 * (ticks, instructions, accesses, faults), PE numbers and levels are
 * numbers. Each kind of value has one writer below, so a field cannot drift
 * from the rule.
 */
#include <inttypes.h>
#include <stdio.h>
#include "bbmsim/desc.h"
#include "report.h"

void report_json_string(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c < 0x20)
			fprintf(o, "\\u%04x", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}

/* Start a member: ',"key":' (no comma before the first member of an object). */
static void key(FILE *o, bool *first, const char *k)
{
	fprintf(o, "%s\"%s\":", *first ? "" : ",", k);
	*first = false;
}

/* An address, range size, descriptor or register: "0x..." (lower case, no leading zeros). */
static void hex(FILE *o, bool *first, const char *k, uint64_t v)
{
	key(o, first, k);
	fprintf(o, "\"0x%" PRIx64 "\"", v);
}

/* An instruction encoding: "0x" and eight digits, as in the traces. */
static void insn(FILE *o, bool *first, const char *k, uint32_t v)
{
	key(o, first, k);
	fprintf(o, "\"0x%08" PRIx32 "\"", v);
}

/* A count or tick: a number (far below 2^53 in any run, docs/report-format.md). */
static void count(FILE *o, bool *first, const char *k, uint64_t v)
{
	key(o, first, k);
	fprintf(o, "%" PRIu64, v);
}

/* A small signed number: a PE, a level. */
static void num(FILE *o, bool *first, const char *k, int v)
{
	key(o, first, k);
	fprintf(o, "%d", v);
}

static void str(FILE *o, bool *first, const char *k, const char *s)
{
	key(o, first, k);
	if (s)
		report_json_string(o, s);
	else
		fputs("null", o);
}

static void boolean(FILE *o, bool *first, const char *k, bool v)
{
	key(o, first, k);
	fputs(v ? "true" : "false", o);
}

void report_json_window(FILE *o, const Window *w)
{
	bool f = true, c = true;
	char buf[160];

	fputc('{', o);
	str(o, &f, "kind", window_kind_name(w->kind));
	str(o, &f, "severity", severity_name(w->severity));
	num(o, &f, "pe", w->pe);
	hex(o, &f, "va", w->va);
	hex(o, &f, "size", w->size);
	count(o, &f, "open_tick", w->open_tick);
	if (w->close_tick == ~0ull) {
		key(o, &f, "close_tick");
		fputs("null", o);
	} else {
		count(o, &f, "close_tick", w->close_tick);
	}
	str(o, &f, "why", w->why);
	str(o, &f, "closed_by", w->closed_by);
	boolean(o, &f, "latent", w->latent);
	count(o, &f, "stale_uses", w->stale_uses);
	key(o, &f, "access_ticks");
	if (w->first_access == ~0ull)
		fputs("null", o);
	else
		fprintf(o, "[%" PRIu64 ",%" PRIu64 "]", w->first_access, w->last_access);
	count(o, &f, "accesses", w->accesses);
	count(o, &f, "faults", w->faults);
	key(o, &f, "cause");
	fputc('{', o);
	num(o, &c, "pe", w->cause.pe);
	hex(o, &c, "pc", w->cause.pc);
	count(o, &c, "tick", w->cause.tick);
	insn(o, &c, "insn", w->cause.insn);
	hex(o, &c, "desc_pa", w->cause.desc_pa);
	num(o, &c, "level", w->cause.level);
	hex(o, &c, "old", w->cause.old);
	hex(o, &c, "new", w->cause.val);
	str(o, &c, "old_decoded", desc_format(w->cause.old, w->cause.level, buf, sizeof(buf)));
	str(o, &c, "new_decoded", desc_format(w->cause.val, w->cause.level, buf, sizeof(buf)));
	fputs("}}", o);
}

static void json_level(FILE *o, const LevelRun *r)
{
	unsigned n = machine_npes(r->m);
	bool f = true, g;

	fputc('{', o);
	str(o, &f, "level", bbm_level_name(r->level));
	str(o, &f, "knobs", r->knobs);
	key(o, &f, "run");
	g = true;
	fputc('{', o);
	str(o, &g, "end", run_end_name(r->end));
	count(o, &g, "ticks", machine_tick(r->m));
	count(o, &g, "quantum", machine_quantum(r->m));
	fputc('}', o);

	key(o, &f, "pes");
	fputc('[', o);
	for (unsigned i = 0; i < n; i++) {
		g = true;
		fputs(i ? ",{" : "{", o);
		num(o, &g, "pe", (int)i);
		str(o, &g, "state", pe_state_name(machine_pe_state(r->m, i)));
		str(o, &g, "level", bbm_level_name(machine_pe_level(r->m, i)));
		count(o, &g, "insns", machine_pe_insns(r->m, i));
		hex(o, &g, "pc", machine_pe_pc(r->m, i));
		fputc('}', o);
	}
	fputc(']', o);

	const FaultRecord *fr;
	size_t nf = machine_faults(r->m, &fr);
	key(o, &f, "faults");
	fputc('[', o);
	for (size_t i = 0; i < nf; i++) {
		g = true;
		fputs(i ? ",{" : "{", o);
		count(o, &g, "tick", fr[i].tick);
		num(o, &g, "pe", fr[i].pe);
		hex(o, &g, "pc", fr[i].pc);
		str(o, &g, "what", fr[i].what);
		str(o, &g, "kind", fault_kind_name(fr[i].kind));
		num(o, &g, "level", fr[i].level);
		hex(o, &g, "va", fr[i].va);
		hex(o, &g, "esr", fr[i].esr);
		boolean(o, &g, "delivered", fr[i].delivered);
		fputc('}', o);
	}
	fputc(']', o);

	const Window *w;
	size_t nw = analysis_windows(r->a, &w);
	key(o, &f, "windows");
	fputc('[', o);
	for (size_t i = 0; i < nw; i++) {
		if (i)
			fputc(',', o);
		report_json_window(o, &w[i]);
	}
	fputc(']', o);

	const Violation *v;
	size_t nv = analysis_violations(r->a, &v);
	key(o, &f, "violations");
	fputc('[', o);
	for (size_t i = 0; i < nv; i++) {
		g = true;
		fputs(i ? ",{" : "{", o);
		str(o, &g, "rule", v[i].rule);
		count(o, &g, "tick", v[i].tick);
		num(o, &g, "pe", v[i].pe);
		hex(o, &g, "pc", v[i].pc);
		str(o, &g, "what", v[i].what);
		fputc('}', o);
	}
	fputc(']', o);

	key(o, &f, "expectations");
	fputc('[', o);
	for (size_t i = 0; i < r->nexp; i++) {
		g = true;
		fputs(i ? ",{" : "{", o);
		boolean(o, &g, "ok", r->exp[i].ok);
		str(o, &g, "where", r->exp[i].where);
		str(o, &g, "text", r->exp[i].text);
		fputc('}', o);
	}
	fputs("]}", o);
}

void report_json(FILE *o, const Report *r)
{
	bool f = true;

	fputc('{', o);
	str(o, &f, "format", REPORT_FORMAT);
	num(o, &f, "version", REPORT_VERSION);
	str(o, &f, "scenario", scenario_name(r->s));
	str(o, &f, "file", scenario_path(r->s));
	boolean(o, &f, "complete", r->complete);
	str(o, &f, "interrupted_by", r->complete ? NULL : r->interrupted_by);
	key(o, &f, "levels");
	fputc('[', o);
	for (size_t i = 0; i < r->nruns; i++) {
		if (i)
			fputc(',', o);
		json_level(o, &r->runs[i]);
	}
	fputc(']', o);
	boolean(o, &f, "passed", report_passed(r));
	fputs("}\n", o);
}
