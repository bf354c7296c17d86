#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The explore report against docs/explore.schema.json.

  explore_schema_test.py BBMSIM SRCDIR

`bbmsim explore --json` on several scenarios with every strategy, and
`bbmsim merge --json` of two shards, must validate against
docs/explore.schema.json with python3-jsonschema (draft 2020-12) and with
tests/schema_check.py (the keyword subset the report schema uses, so the
schema grows no constraint that nothing checks). Beyond the schema: every
number is an integer below 2^53 but the two seconds fields; found_at,
found_shard, bite and witness are there exactly when bitten; a target has a
window exactly when it is a window or an "other" window; the schema's copy
of the window and cause definitions equals docs/report.schema.json's. The
documents together must show every strategy, every target kind but "other",
a bitten target with a witness file and one bitten by the default run. Each
of a few broken copies of a document (a field missing, an unknown field, an
unknown strategy, a malformed address) must be rejected.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema_check  # noqa: E402

try:
    import jsonschema
except ImportError:
    sys.exit("explore_schema_test: install python3-jsonschema")

fails = []
LIMIT = 2 ** 53
FRACTIONAL = {"seconds", "minimize_seconds"}


def check(ok, msg):
    if not ok:
        fails.append(msg)
        print("FAIL " + msg)
    return ok


def numbers(v, path="$"):
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return []
    if isinstance(v, float):
        return [] if path.rsplit(".", 1)[-1] in FRACTIONAL else ["%s: %r is not an integer" % (path, v)]
    if isinstance(v, int):
        return [] if -LIMIT < v < LIMIT else ["%s: %d is not exact in a double" % (path, v)]
    if isinstance(v, list):
        return [e for i, x in enumerate(v) for e in numbers(x, "%s[%d]" % (path, i))]
    return [e for k, x in v.items() for e in numbers(x, "%s.%s" % (path, k))]


def errors(js, sc, doc):
    return (["jsonschema: %s: %s" % ("/".join(map(str, e.path)), e.message[:200]) for e in js.iter_errors(doc)] +
            ["schema_check: " + e for e in sc.errors(doc)])


def semantic(doc, name):
    for e in numbers(doc):
        check(False, "%s: %s" % (name, e))
    for lv in doc.get("levels", []):
        for t in lv.get("targets", []):
            extra = [k for k in ("found_at", "found_shard", "bite", "witness") if k in t]
            check(len(extra) == (4 if t["bitten"] else 0),
                  "%s: target %s bitten=%s with %s" % (name, t["key"], t["bitten"], extra))
            has_win = t["kind"] == "window" or (t["kind"] == "other" and t["key"].startswith("window "))
            check((t["window"] is not None) == has_win, "%s: target %s: window %s" %
                  (name, t["key"], "present" if t["window"] else "null"))


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    b, src = os.path.abspath(argv[0]), os.path.abspath(argv[1])
    with open(os.path.join(src, "docs/explore.schema.json")) as f:
        schema = json.load(f)
    with open(os.path.join(src, "docs/report.schema.json")) as f:
        rschema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    js = jsonschema.Draft202012Validator(schema)
    sc = schema_check.Validator(schema)
    # The copies of the run report's definitions stay equal to it.
    for k in ("hex", "count", "pe", "bbm_level", "insn", "desc_level", "cause", "window"):
        mine = dict(schema["$defs"][k])
        theirs = dict(rschema["$defs"][k])
        if k == "window":
            for x in ("description", "type"):
                mine.pop(x, None)
                theirs.pop(x, None)
        check(mine == theirs, "$defs/%s differs from docs/report.schema.json's" % k)

    scn = lambda p: os.path.join(src, "scenarios", p)  # noqa: E731
    runs = [
        ("remap-bbm random, every level", [scn("examples/remap-bbm.yaml"), "--budget", "10"]),
        ("remap-bbm pct", [scn("examples/remap-bbm.yaml"), "--bbm", "0", "--strategy", "pct", "--budget", "10"]),
        ("remap-bbm exhaustive", [scn("examples/remap-bbm.yaml"), "--bbm", "0", "--strategy", "exhaustive",
                                  "--bound", "6", "--budget", "100000"]),
        ("preempt-one preempt", [os.path.join(src, "tests/explore/preempt-one.yaml"), "--strategy", "preempt",
                                 "--preemptions", "1", "--budget", "1000"]),
        ("flagship random", [scn("linear-map/split-live-bbml2.yaml"), "--bbm", "2", "--budget", "10"]),
        ("repaint-clean pct", [scn("stop-machine/repaint-clean.yaml"), "--bbm", "0", "--strategy", "pct",
                               "--budget", "5"]),
    ]
    docs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, args) in enumerate(runs):
            p = subprocess.run([b, "explore"] + args + ["--json", "--out", os.path.join(tmp, "w%d" % i)],
                               capture_output=True, text=True)
            if not check(p.returncode in (0, 1), "%s: exit %d: %s" % (name, p.returncode, p.stderr[:300])):
                continue
            check(p.stdout.count("\n") == 1, "%s: not one line" % name)
            docs.append((name, json.loads(p.stdout)))
        parts = []
        for i in (1, 2):
            f = os.path.join(tmp, "part%d.json" % i)
            with open(f, "w") as out:
                subprocess.run([b, "explore", scn("linear-map/split-live-bbml2.yaml"), "--bbm", "2", "--budget",
                                "8", "--json", "--shard", "%d/2" % i, "--out", os.path.join(tmp, "s")],
                               stdout=out, text=True)
            parts.append(f)
        p = subprocess.run([b, "merge", "--json"] + parts, capture_output=True, text=True)
        if check(p.returncode in (0, 1), "merge: exit %d: %s" % (p.returncode, p.stderr[:300])):
            docs.append(("merge of 2 shards", json.loads(p.stdout)))
    for name, doc in docs:
        for e in errors(js, sc, doc):
            check(False, "%s: %s" % (name, e))
        semantic(doc, name)

    # The documents cover what the schema describes.
    lvls = [lv for _, d in docs for lv in d["levels"]]
    tgts = [t for lv in lvls for t in lv["targets"]]
    check({lv["strategy"] for lv in lvls} >= {"random", "pct", "exhaustive", "preempt"}, "not every strategy was run")
    check({t["kind"] for t in tgts} >= {"window", "expectation"}, "no window or expectation target")
    check(any(t["bitten"] and t["witness"]["file"] for t in tgts), "no bitten target with a witness file")
    check(any(t["bitten"] and t["found_at"] == 0 for t in tgts), "no target bitten by the default run")
    check(any(d.get("parts") == 2 for _, d in docs), "no merged document")

    # Broken copies are rejected.
    name, doc = docs[4] if len(docs) > 4 else docs[0]
    bitten = next((t for lv in doc["levels"] for t in lv["targets"] if t["bitten"]), None)
    muts = []
    d = copy.deepcopy(doc)
    del d["levels"][0]["coverage"]["pruned"]
    muts.append(("coverage.pruned missing", d))
    d = copy.deepcopy(doc)
    d["levels"][0]["targets"][0]["extra"] = 1
    muts.append(("an unknown target field", d))
    d = copy.deepcopy(doc)
    d["levels"][0]["strategy"] = "bogus"
    muts.append(("strategy bogus", d))
    if check(bitten is not None, "%s: nothing bitten to break" % name):
        i = doc["levels"][0]["targets"].index(bitten)
        d = copy.deepcopy(doc)
        d["levels"][0]["targets"][i]["bite"]["access"] = "peek"
        muts.append(("bite.access peek", d))
        d = copy.deepcopy(doc)
        d["levels"][0]["targets"][i]["witness"]["minimized"]["steps"] = -1
        muts.append(("negative steps", d))
        d = copy.deepcopy(doc)
        d["levels"][0]["targets"][i]["window"]["va"] = "0X1F"
        muts.append(("a malformed VA", d))
    for what, d in muts:
        check(list(js.iter_errors(d)) and sc.errors(d), "%s: a document with %s validates" % (name, what))
    print("explore_schema: %d documents, %d broken copies, %d failures" % (len(docs), len(muts), len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
