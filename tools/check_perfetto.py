#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Structural check of bbmsim trace files (python3 standard library only).

  check_perfetto.py [--npes N] [--min-windows N] [--min-flows N] FILE.json... [--jsonl FILE.jsonl...]

Perfetto/Chrome trace-event JSON: the file parses; it is {"traceEvents": [...]};
every event has ph, ts, pid, tid and name; complete slices ("X") have dur >= 0;
instants ("i") have a scope; each PE 0..N-1 has exactly one thread_name "PEi";
no thread track has two slices that overlap without nesting (Perfetto and
chrome://tracing need proper nesting); at least --min-windows window slices;
flow events pair up: each flow end ("f", bound to the enclosing slice) has
one start ("s") with its id no later than it, and starts on a window slice of
its track; at least --min-flows of them.
JSON lines: every line is an object; a header first, then tick/pe/event with
ticks never decreasing. Exit status 0 when every file passes.
"""
import json
import sys

PHASES = {"M", "X", "i", "I", "B", "E", "b", "e", "n", "C", "s", "t", "f"}


def check_perfetto(path, npes, min_windows, min_flows=0):
    errs = []
    starts, ends = {}, {}
    with open(path) as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        return ["top level is not {\"traceEvents\": [...]}"]
    names = {}
    slices = {}
    windows = 0
    for i, ev in enumerate(doc["traceEvents"]):
        where = "traceEvents[%d]" % i
        missing = [k for k in ("ph", "ts", "pid", "tid", "name") if k not in ev]
        if missing:
            errs.append("%s: missing %s" % (where, ", ".join(missing)))
            continue
        ph = ev["ph"]
        if ph not in PHASES:
            errs.append("%s: unknown ph %r" % (where, ph))
        if not isinstance(ev["ts"], (int, float)) or ev["ts"] < 0:
            errs.append("%s: bad ts %r" % (where, ev["ts"]))
        if ph == "M" and ev["name"] == "thread_name":
            names.setdefault(ev["tid"], []).append(ev.get("args", {}).get("name"))
        if ph == "X":
            dur = ev.get("dur")
            if not isinstance(dur, (int, float)) or dur < 0:
                errs.append("%s: X without a dur >= 0" % where)
                continue
            slices.setdefault((ev["pid"], ev["tid"]), []).append((ev["ts"], ev["ts"] + dur, ev["name"]))
            if ev.get("cat") == "window":
                windows += 1
        if ph in ("i", "I") and ev.get("s") not in ("t", "p", "g"):
            errs.append("%s: instant without scope s" % where)
        if ph in ("s", "f"):
            if "id" not in ev:
                errs.append("%s: flow event without id" % where)
                continue
            (starts if ph == "s" else ends).setdefault(ev["id"], []).append(ev)
    for tid, n in names.items():
        if len(n) != 1:
            errs.append("tid %r has %d thread_name records" % (tid, len(n)))
    for pe in range(npes):
        if names.get(pe) != ["PE%d" % pe]:
            errs.append("PE%d: thread_name is %r" % (pe, names.get(pe)))
    for track, v in slices.items():
        v.sort(key=lambda s: (s[0], -s[1]))
        stack = []
        for s in v:
            while stack and stack[-1][1] <= s[0]:
                stack.pop()
            if stack and s[1] > stack[-1][1]:
                errs.append("track %r: %r overlaps %r without nesting" % (track, s, stack[-1]))
                break
            stack.append(s)
    if windows < min_windows:
        errs.append("%d window slices, want at least %d" % (windows, min_windows))
    window_starts = {(track, s[0]) for track, v in slices.items() for s in v}
    for fid, f in ends.items():
        s = starts.get(fid, [])
        if len(f) != 1 or len(s) != 1:
            errs.append("flow %r: %d starts, %d ends" % (fid, len(s), len(f)))
            continue
        if s[0]["ts"] > f[0]["ts"]:
            errs.append("flow %r: ends before it starts" % fid)
        if f[0].get("bp") != "e" or ((f[0]["pid"], f[0]["tid"]), f[0]["ts"]) not in window_starts:
            errs.append("flow %r: its end is not bound to a slice starting there" % fid)
    for fid in starts:
        if fid not in ends:
            errs.append("flow %r: a start without an end" % fid)
    if len(ends) < min_flows:
        errs.append("%d flows, want at least %d" % (len(ends), min_flows))
    return errs


def check_jsonl(path):
    errs = []
    last = -1
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                ev = json.loads(line)
            except ValueError as e:
                errs.append("line %d: %s" % (n, e))
                continue
            if not isinstance(ev, dict):
                errs.append("line %d: not an object" % n)
            elif n == 1:
                if ev.get("event") != "header":
                    errs.append("line 1: no header")
            elif not (isinstance(ev.get("tick"), int) and isinstance(ev.get("pe"), int)
                      and isinstance(ev.get("event"), str)):
                errs.append("line %d: missing tick/pe/event" % n)
            elif ev["tick"] < last:
                errs.append("line %d: tick goes back" % n)
            else:
                last = ev["tick"]
    return errs


def main(argv):
    npes, min_windows, min_flows, jsonl = 1, 0, 0, False
    files = []
    args = iter(argv)
    for a in args:
        if a == "--npes":
            npes = int(next(args))
        elif a == "--min-windows":
            min_windows = int(next(args))
        elif a == "--min-flows":
            min_flows = int(next(args))
        elif a == "--jsonl":
            jsonl = True
        else:
            files.append((a, jsonl))
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    bad = 0
    for path, is_jsonl in files:
        try:
            errs = check_jsonl(path) if is_jsonl else check_perfetto(path, npes, min_windows, min_flows)
        except (OSError, ValueError) as e:
            errs = [str(e)]
        for e in errs[:20]:
            print("%s: %s" % (path, e), file=sys.stderr)
        if errs:
            bad += 1
        else:
            print("%s: ok" % path)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
