#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""SIGINT and SIGTERM in the middle of a run, and the progress line.

  interrupt_test.py BBMSIM SRCDIR

tests/long-run/spin.yaml never ends by itself (levels 0 and 2). Each case
starts bbmsim, waits past the two seconds after which progress shows, sends
a signal and checks:

- bbmsim ends by that signal (after writing everything);
- the report is valid and marked incomplete: JSON that validates against
  docs/report.schema.json with complete false, interrupted_by the signal,
  passed false, one level whose run ended "interrupted" (the level after it
  not run); or the text report's last line "INCOMPLETE: interrupted by ...";
- the trace of the stopped level is valid and ends with its "incomplete"
  record (Perfetto JSON closed properly, JSONL, text), and no trace was
  started for the level not run;
- progress: on a terminal (a pty) without asking, never in a pipe unless
  --progress, and then as whole lines;
- `bbmsim test`, signalled alone: its running scenario stops (interrupted,
  an ERROR), no other starts, the summary counts the files not run, and the
  JUnit file holds what ran.
"""
import json
import re
import os
import pty
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema_check  # noqa: E402

WAIT = 3.5      # seconds: past PROGRESS_AFTER (2) with room for a slow start
PROGRESS = "bbmsim: spin at BBM level "

fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL " + msg)


def default_signals():
    # A caller that ignores SIGINT (a background job) would pass that on: bbmsim keeps it ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def interrupt(args, sig, tty=False):
    """Run, signal after WAIT seconds; returns (returncode, stdout, stderr)."""
    if tty:
        master, slave = pty.openpty()
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, preexec_fn=default_signals,
                             start_new_session=True)
        os.close(slave)
    else:
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=default_signals,
                             start_new_session=True)
    time.sleep(WAIT)
    if p.poll() is not None:
        fail("%s: ended before the signal (exit %d)" % (" ".join(args[1:3]), p.returncode))
    p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        # Its own session: children left running (bbmsim test's) go too.
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        fail("%s: still running 60 s after the signal" % " ".join(args[1:3]))
    if tty:
        err = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
        os.close(master)
    if p.returncode != -sig:
        fail("%s: exit %r, wanted death by signal %d" % (" ".join(args[1:3]), p.returncode, sig))
    return out.decode(), err.decode(errors="replace")


def check_json(validator, out, signame, what):
    errs = schema_check.check_text(validator, out, what)
    for e in errs[:5]:
        fail(e)
    if errs:
        return
    d = json.loads(out)
    if d["complete"] or d["interrupted_by"] != signame or d["passed"]:
        fail("%s: complete %r, interrupted_by %r, passed %r" % (what, d["complete"], d["interrupted_by"],
                                                                  d["passed"]))
    if [lv["run"]["end"] for lv in d["levels"]] != ["interrupted"]:
        fail("%s: runs %r, wanted one, interrupted" % (what, [lv["run"] for lv in d["levels"]]))
    elif d["levels"][0]["run"]["ticks"] < 1000:
        fail("%s: only %d ticks ran" % (what, d["levels"][0]["run"]["ticks"]))


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    b, src = argv
    spin = os.path.join(src, "tests/long-run/spin.yaml")
    check_perfetto = os.path.join(src, "tools/check_perfetto.py")
    with open(os.path.join(src, "docs/report.schema.json")) as f:
        validator = schema_check.Validator(json.load(f))
    with tempfile.TemporaryDirectory() as tmp:
        # A: SIGINT, JSON, Perfetto trace per level, stderr a terminal: progress unasked.
        t = os.path.join(tmp, "a.json")
        out, err = interrupt([b, "run", spin, "--json", "--trace", t, "--trace-format", "perfetto"],
                             signal.SIGINT, tty=True)
        check_json(validator, out, "SIGINT", "A: run --json")
        if "\r" + PROGRESS + "0: tick " not in err:
            fail("A: no progress line on the terminal: %r" % err[-200:])
        t0, t2 = os.path.join(tmp, "a.0.json"), os.path.join(tmp, "a.2.json")
        if os.path.exists(t2):
            fail("A: a trace for level 2, which did not run")
        if subprocess.run([sys.executable, check_perfetto, "--npes", "2", "--min-windows", "1", t0]).returncode:
            fail("A: the Perfetto trace is not valid")
        else:
            with open(t0) as f:
                last = json.load(f)["traceEvents"][-1]
            if last.get("name") != "incomplete" or last.get("args", {}).get("why") != "interrupted by SIGINT":
                fail("A: the Perfetto trace does not end with the incomplete marker: %r" % last)

        # B: SIGTERM, compare as text, JSONL trace, stderr a pipe: no progress.
        t = os.path.join(tmp, "b.jsonl")
        out, err = interrupt([b, "compare", spin, "--trace", t, "--trace-format", "jsonl", "--trace-ticks", "0-2000"],
                             signal.SIGTERM)
        lines = out.rstrip("\n").splitlines()
        if not lines or not lines[-1].startswith("INCOMPLETE: interrupted by SIGTERM at BBM level 0, tick "):
            fail("B: compare does not end with the INCOMPLETE line: %r" % lines[-1:])
        if "spin (" not in out or "run: interrupted after " not in out:
            fail("B: no table or no interrupted run in the compare output")
        # Only the names of the trace files written may be on stderr: no progress in a pipe.
        extra = [l for l in err.splitlines() if not re.match(r"bbmsim: trace of level \S+ written to ", l)]
        if extra:
            fail("B: stderr in a pipe without --progress: %r" % "\n".join(extra)[:200])
        t0 = os.path.join(tmp, "b.0.jsonl")
        if subprocess.run([sys.executable, check_perfetto, "--jsonl", t0]).returncode:
            fail("B: the JSONL trace is not valid")
        else:
            with open(t0) as f:
                last = json.loads(f.read().splitlines()[-1])
            if last.get("event") != "incomplete" or last.get("why") != "interrupted by SIGTERM":
                fail("B: the JSONL trace does not end with the incomplete record: %r" % last)

        # C: SIGINT, one level, --progress into a pipe: whole lines; text trace.
        t = os.path.join(tmp, "c.txt")
        out, err = interrupt([b, "run", spin, "--bbm", "2", "--json", "--progress", "--trace", t,
                              "--trace-ticks", "0-2000"], signal.SIGINT)
        check_json(validator, out, "SIGINT", "C: run --bbm 2 --json")
        if not err.startswith(PROGRESS + "2: tick ") or "\r" in err or not err.endswith("\n"):
            fail("C: --progress in a pipe: %r" % err[:200])
        with open(t) as f:
            text = f.read()
        if not text.endswith("# incomplete: interrupted by SIGINT\n"):
            fail("C: the text trace does not end with the incomplete line: %r" % text[-80:])

        # D: SIGINT to `bbmsim test` alone (not its process group): the running
        # scenario is told and stops, no further one starts, the JUnit file of
        # what ran is written, and bbmsim ends by the signal.
        j = os.path.join(tmp, "d.xml")
        examples = os.path.join(src, "scenarios/examples")
        nex = len([f for f in os.listdir(examples) if f.endswith((".yaml", ".yml"))])
        out, err = interrupt([b, "test", spin, examples, "--junit", j], signal.SIGINT)
        lines = out.splitlines()
        if not any(re.match(r"ERROR +\S*spin\.yaml \[0\] interrupted by SIGINT$", l) for l in lines):
            fail("D: no ERROR line for the interrupted level: %r" % lines[:3])
        want = "interrupted by SIGINT: %d of %d scenario files not run" % (nex, nex + 1)
        if not lines or lines[-1] != want:
            fail("D: last line %r, wanted %r" % (lines[-1:], want))
        try:
            import xml.dom.minidom
            doc = xml.dom.minidom.parse(j)
            cases = doc.getElementsByTagName("testcase")
            errs = [e.getAttribute("message") for e in doc.getElementsByTagName("error")]
            if len(cases) != 1 or errs != ["interrupted by SIGINT"]:
                fail("D: JUnit has %d testcases, errors %r; wanted 1, the interruption" % (len(cases), errs))
        except Exception as e:  # noqa: BLE001
            fail("D: the JUnit file is not valid XML: %s" % e)
    if fails:
        print("interrupt: %d failures" % len(fails))
        return 1
    print("interrupt: SIGINT and SIGTERM give valid incomplete reports and traces; progress as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
