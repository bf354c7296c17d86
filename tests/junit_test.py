#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`bbmsim test --junit` on the scenario suite plus tests/junit/.

  junit_test.py BBMSIM SRCDIR

tests/junit/ holds a passing scenario, a failing one (three failed
expectations at level 0, two at level 2) and one that does not load. With the
whole suite in scenarios/, the JUnit file must pass junit_check.py; the
failing scenario's <failure> bodies must name every failed expectation with
its file:line:col (taken from its JSON report); the unloadable scenario must
be one <error> (no <failure>) with the located message; ids must be stable
(classname scenarios.bugs.cont-bit-live whether the directory is given as
`scenarios`, `scenarios/` or an absolute path; name the level). Exit status 1
with a failed expectation.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import junit_check  # noqa: E402

fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL " + msg)


def cases(root):
    return {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    b, src = os.path.abspath(argv[0]), os.path.abspath(argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        xml = os.path.join(tmp, "suite.xml")
        # Relative paths with a trailing slash, from the source directory.
        p = subprocess.run([b, "test", "-j", "2", "scenarios/", "tests/junit/", "--junit", xml],
                           cwd=src, capture_output=True, text=True)
        if p.returncode != 1:
            fail("exit %d, wanted 1 (a failure and an error): %s" % (p.returncode, p.stderr))
        if "//" in p.stdout:
            fail("a doubled slash in the result lines")
        errs, root = junit_check.check(xml)
        for e in errs:
            fail("schema: " + e)
        if root is None:
            return 1
        c = cases(root)

        if ("scenarios.bugs.cont-bit-live", "level 0") not in c:
            fail("no testcase scenarios.bugs.cont-bit-live / level 0: %s" % sorted(c)[:4])
        for k in ("level 0", "level 2"):
            t = c.get(("junit.pass", k))
            if t is None or len(t):
                fail("junit.pass %s: missing, or not a pass" % k)

        # Every failed expectation, as the JSON report lists them, in the failure body.
        rep = json.loads(subprocess.run([b, "run", "tests/junit/fail.yaml", "--json"], cwd=src,
                                        capture_output=True, text=True).stdout)
        for lvl in rep["levels"]:
            want = ["%s: %s" % (e["where"], e["text"]) for e in lvl["expectations"] if not e["ok"]]
            t = c.get(("junit.fail", "level " + lvl["level"]))
            f = t.find("failure") if t is not None else None
            if f is None or t.find("error") is not None:
                fail("junit.fail level %s: no <failure>" % lvl["level"])
                continue
            body = (f.text or "").splitlines()
            if body != want:
                fail("junit.fail level %s: failure body %r, wanted %r" % (lvl["level"], body, want))
            if len(want) < 2:
                fail("junit.fail level %s: fewer than two failed expectations to show" % lvl["level"])
            if not f.get("message", "").startswith("%d of " % len(want)):
                fail("junit.fail level %s: message %r" % (lvl["level"], f.get("message")))

        broken = [k for k in c if k[0] == "junit.broken"]
        t = c.get(("junit.broken", "load"))
        if broken != [("junit.broken", "load")] or t is None:
            fail("junit.broken: testcases %r, wanted one named load" % broken)
        else:
            e = t.find("error")
            if e is None or t.find("failure") is not None:
                fail("junit.broken: not an <error>")
            elif "tests/junit/broken.yaml:21:7: unknown mnemonic" not in (e.text or "") + e.get("message", ""):
                fail("junit.broken: the error does not say where: %r" % e.text)

        # The same ids from an absolute path without the slash.
        xml2 = os.path.join(tmp, "abs.xml")
        subprocess.run([b, "test", os.path.join(src, "tests/junit"), "--junit", xml2], capture_output=True)
        errs, root2 = junit_check.check(xml2)
        ids = sorted(cases(root2)) if root2 is not None else []
        want = sorted(k for k in c if k[0].startswith("junit."))
        if errs or ids != want:
            fail("absolute path: ids %r, wanted %r (%s)" % (ids, want, errs))
    if fails:
        print("junit: %d failures" % len(fails))
        return 1
    print("junit: %d testcases valid; failures, errors and ids as documented" % len(c))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
