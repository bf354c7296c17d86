/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.h - trace sinks: write the machine's event stream and the analysis'
 * windows to a file as text, JSON lines or a Perfetto/Chrome trace.
 *
 * A Trace subscribes like any consumer: pass trace_event as (or call it
 * from) the machine's EventFn and trace_window as the analysis' WindowFn.
 * Output is deterministic: no host pointers, no wall-clock times; the same
 * run gives the same bytes. docs/trace-format.md describes every format,
 * event and field.
 */
#ifndef BBMSIM_TRACE_H
#define BBMSIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bbmsim/analysis.h"
#include "bbmsim/event.h"

typedef enum TraceFormat {
	TRACE_TEXT,        /* "TICK PEn EVENT details", one line per event */
	TRACE_JSONL,       /* one JSON object per line, every field named */
	TRACE_PERFETTO,    /* Chrome trace-event JSON for ui.perfetto.dev */
} TraceFormat;

/* "text", "jsonl", "perfetto"; false for anything else. */
bool trace_format_parse(const char *s, TraceFormat *out);
const char *trace_format_name(TraceFormat f);

/* Which events a trace keeps. All ranges are inclusive. */
typedef struct TraceFilter {
	uint64_t pe_mask;          /* bit i: PE i; ~0 = all */
	bool has_va;               /* keep events whose VA range meets [va_lo, va_hi]; */
	uint64_t va_lo, va_hi;     /*   events without a VA pass */
	uint64_t event_mask;       /* bit EventType; ~0 = all; windows are always kept */
	bool has_ticks;            /* keep events with tick in [tick_lo, tick_hi] */
	uint64_t tick_lo, tick_hi;
} TraceFilter;

/* Everything passes. */
void trace_filter_default(TraceFilter *f);

/*
 * Parse the CLI forms into @f (each replaces only its own part of @f):
 *   pes:    "0,2-3"                      PE numbers and ranges, < 64
 *   va:     "0xLO-0xHI", "0xLO+SIZE", "0xVA"
 *   events: "insn,tlbi-issue,..."        names of event_type_name() and
 *           "window"; "-name" items remove from the set (a list of only
 *           removals starts from all events)
 *   ticks:  "A-B", "A-" (to the end), "A"
 * Numbers are decimal or 0x-prefixed hex, with an optional size suffix K,
 * M, G or T (powers of 1024: "0xffff800000000000+2M"). Return false with a message in
 * @err (NUL-terminated, at most @errlen bytes) and @f unchanged on error.
 */
bool trace_filter_parse_pes(TraceFilter *f, const char *s, char *err, size_t errlen);
bool trace_filter_parse_va(TraceFilter *f, const char *s, char *err, size_t errlen);
bool trace_filter_parse_events(TraceFilter *f, const char *s, char *err, size_t errlen);
bool trace_filter_parse_ticks(TraceFilter *f, const char *s, char *err, size_t errlen);

typedef struct Trace Trace;

/*
 * Open a sink writing to @path ("-" = stdout) in format @fmt, keeping what
 * @f lets through (NULL = everything; copied). @npes: number of PEs (one
 * Perfetto track each). @header: free text (scenario name, level, knobs)
 * put in the first line or the metadata; NULL for none. Returns NULL with a
 * message in @err on failure (file cannot be created, disassembler missing).
 */
Trace *trace_open(const char *path, TraceFormat fmt, const TraceFilter *f, unsigned npes,
		  const char *header, char *err, size_t errlen);

/* An EventFn: write @ev (a Trace * in @trace) if the filter keeps it. */
void trace_event(void *trace, const Event *ev);

/* A WindowFn (analysis.h): a window opened (@closed false) or closed. */
void trace_window(void *trace, const Window *w, bool closed);

/*
 * Mark the trace incomplete (the run was stopped before its end): at close,
 * after everything else, a last record says so with @why ("interrupted by
 * SIGINT"): text "# incomplete: WHY", JSONL event "incomplete", Perfetto a
 * global instant "incomplete" at the last tick. Call before trace_close().
 */
void trace_set_incomplete(Trace *t, const char *why);

/*
 * Finish the output (Perfetto: pending instruction runs, windows still open
 * end at the last tick seen), flush, close the file unless it is stdout,
 * and free @t. Returns 0, or -1 when a write failed. NULL is a no-op.
 */
int trace_close(Trace *t);

#endif
