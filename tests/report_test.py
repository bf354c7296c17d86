#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The JSON report against its schema, for every scenario; 64-bit values exact.

  report_test.py BBMSIM SRCDIR

1. `run --json` and `compare --format json` of every scenario under
   SRCDIR/scenarios validate against docs/report.schema.json (schema_check.py),
   are complete, and hold no number a double cannot keep.
2. Values above 2^53 round-trip: the TTBR1 VA 0xffff800000100000 of
   scenarios/rules/ttl-masked-ttbr1.yaml comes back exactly, as the string
   "0xffff800000100000", in the faults and windows of the report; the
   flagship's final PCs (62 significant bits, which a double rounds) are
   those of the text report.
3. The report and the JSONL trace of the same run agree: every window and
   fault of the report has the same "0x..." strings as its trace record, and
   the trace too has no inexact number.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema_check  # noqa: E402

TTBR1_VA = 0xffff800000100000

fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL " + msg)


def bbmsim(b, *args):
    p = subprocess.run([b] + list(args), capture_output=True, text=True)
    if p.returncode not in (0, 1):
        fail("%s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p.stdout


def check_suite(b, src, validator):
    files = []
    for root, dirs, names in os.walk(os.path.join(src, "scenarios")):
        dirs.sort()
        files += [os.path.join(root, n) for n in sorted(names) if n.endswith((".yaml", ".yml"))]
    if not files:
        fail("no scenarios under %s/scenarios" % src)
    for f in files:
        for args in (("run", f, "--json"), ("compare", f, "--format", "json")):
            out = bbmsim(b, *args)
            errs = schema_check.check_text(validator, out, "%s %s" % (args[0], f))
            for e in errs[:5]:
                fail(e)
            if not errs:
                doc = json.loads(out)
                if not doc["complete"] or doc["interrupted_by"] is not None:
                    fail("%s %s: not complete" % (args[0], f))
    return len(files)


def check_round_trip(b, src, tmp):
    f = os.path.join(src, "scenarios/rules/ttl-masked-ttbr1.yaml")
    trace = os.path.join(tmp, "t.jsonl")
    out = bbmsim(b, "run", f, "--bbm", "0", "--json", "--trace", trace, "--trace-format", "jsonl")
    doc = json.loads(out)
    lvl = doc["levels"][0]
    want = "0x%x" % TTBR1_VA
    vas = [x["va"] for x in lvl["faults"] + lvl["windows"]]
    if want not in vas or not all(int(v, 16) == TTBR1_VA for v in vas if v.startswith("0xffff")):
        fail("round trip: %s not in the faults and windows exactly: %r" % (want, vas))
    # The flagship's PCs are above 2^53 and need all their bits: the JSON strings
    # say exactly what the text report says.
    fl = os.path.join(src, "scenarios/linear-map/split-live-bbml2.yaml")
    pcs = [int(p["pc"], 16) for p in json.loads(bbmsim(b, "run", fl, "--bbm", "0", "--json"))["levels"][0]["pes"]]
    text = [int(line.split(" pc ")[1].split()[0], 16)
            for line in bbmsim(b, "run", fl, "--bbm", "0").splitlines() if line.startswith("  PE")]
    if pcs != text:
        fail("round trip: JSON PCs %r, text report %r" % ([hex(x) for x in pcs], [hex(x) for x in text]))
    if not any(int(float(x)) != x for x in pcs):
        fail("round trip: no PC of the flagship needs more than a double's 53 bits any more")

    # The report and the trace agree.
    with open(trace) as t:
        recs = [json.loads(line) for line in t]
    for n, r in enumerate(recs, 1):
        for e in schema_check.number_errors(r):
            fail("trace line %d: %s" % (n, e))
    opens = {(r["pe"], r["kind"], r["open_tick"], r["va"]): r for r in recs if r.get("event") == "window-open"}
    for w in lvl["windows"]:
        r = opens.get((w["pe"], w["kind"], w["open_tick"], w["va"]))
        if not r:
            fail("agreement: no window-open record for %r" % w)
            continue
        for k in ("va", "size"):
            if r[k] != w[k]:
                fail("agreement: window %s: trace %r, report %r" % (k, r[k], w[k]))
        for k in ("pe", "pc", "tick", "insn", "desc_pa", "level", "old", "new"):
            if r["cause"][k] != w["cause"][k]:
                fail("agreement: window cause.%s: trace %r, report %r" % (k, r["cause"][k], w["cause"][k]))
    faults = {(r["tick"], r["pe"]): r for r in recs if r.get("event") == "fault"}
    for x in lvl["faults"]:
        r = faults.get((x["tick"], x["pe"]))
        if not r or (r["va"], r["pc"], r["esr"]) != (x["va"], x["pc"], x["esr"]):
            fail("agreement: fault %r, trace %r" % (x, r))
    if not lvl["windows"] or not lvl["faults"]:
        fail("round trip: the scenario no longer has faults and windows to compare")


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    b, src = argv
    with open(os.path.join(src, "docs/report.schema.json")) as f:
        validator = schema_check.Validator(json.load(f))
    n = check_suite(b, src, validator)
    with tempfile.TemporaryDirectory() as tmp:
        check_round_trip(b, src, tmp)
    if fails:
        print("report: %d failures" % len(fails))
        return 1
    print("report: %d scenarios, run and compare reports valid; 2^53 round trip and trace agreement hold" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
