#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`bbmsim test --shard I/N` (a CI matrix) under GNU parallel.

  test_shard.py BBMSIM SRCDIR

The suite (scenarios/ and tests/junit/, so a failing and an unloadable
scenario are in it) runs once unsharded and then as 2 and as 3 shards, the
shards run by GNU parallel two at a time. Per N: the shards' result lines
are disjoint and their union equals the unsharded run's; the shards' JUnit
testcases likewise; each shard holds exactly the files k with k mod N =
I - 1 (k: the index of the file in the unsharded run's order); the exit
status is 1 exactly for the shards holding a failure. Bad values (0/0, 3/2,
garbage) exit 2 with a message that names --shard and the value.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

fails = []


def check(ok, msg):
    if not ok:
        fails.append(msg)
        print("FAIL " + msg)
    return ok


def results(out):
    """The PASS/FAIL/ERROR lines, as (status, path, level)."""
    r = []
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[0] in ("PASS", "FAIL", "ERROR"):
            r.append((f[0], f[1], f[2]))
    return r


def cases(xml):
    root = ET.parse(xml).getroot()
    return [(c.get("classname"), c.get("name"), "failure" if c.find("failure") is not None else
             "error" if c.find("error") is not None else "pass") for c in root.iter("testcase")]


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    b, src = os.path.abspath(argv[0]), os.path.abspath(argv[1])
    par = shutil.which("parallel")
    if not check(par, "GNU parallel is not installed (apt-get install parallel)"):
        return 1
    suite = ["scenarios", "tests/junit"]
    with tempfile.TemporaryDirectory() as tmp:
        full_xml = os.path.join(tmp, "full.xml")
        p = subprocess.run([b, "test", "-j", "2"] + suite + ["--junit", full_xml], cwd=src,
                           capture_output=True, text=True)
        check(p.returncode == 1, "unsharded: exit %d, wanted 1" % p.returncode)
        full = results(p.stdout)
        full_cases = cases(full_xml)
        check(len(full) > 100 and len(full) == len(full_cases),
              "unsharded: %d result lines, %d testcases" % (len(full), len(full_cases)))
        # The files in the unsharded run's order: the first appearance of each path.
        files = []
        for r in full:
            if r[1] not in files:
                files.append(r[1])
        for n in (2, 3):
            d = os.path.join(tmp, "n%d" % n)
            os.makedirs(d)
            # Each shard's stdout, JUnit and exit status; parallel itself must not fail (test ... -le 1).
            cmd = ("%s -j2 '%s test %s --shard {}/%d --junit %s/s{}.xml > %s/s{}.txt; echo $? > %s/s{}.rc; "
                   "test $(cat %s/s{}.rc) -le 1' ::: %s" %
                   (par, b, " ".join(suite), n, d, d, d, d, " ".join(str(i) for i in range(1, n + 1))))
            p = subprocess.run(["sh", "-c", cmd], cwd=src, capture_output=True, text=True)
            if not check(p.returncode == 0, "%d shards: parallel exit %d: %s" % (n, p.returncode, p.stderr)):
                continue
            union, union_cases = [], []
            for i in range(1, n + 1):
                with open(os.path.join(d, "s%d.txt" % i)) as f:
                    part = results(f.read())
                with open(os.path.join(d, "s%d.rc" % i)) as f:
                    rc = int(f.read())
                pc = cases(os.path.join(d, "s%d.xml" % i))
                check(len(part) > 0 and len(part) == len(pc),
                      "shard %d/%d: %d result lines, %d testcases" % (i, n, len(part), len(pc)))
                want = {files[k] for k in range(len(files)) if k % n == i - 1}
                got = {r[1] for r in part}
                check(got == want, "shard %d/%d: files %s, wanted k mod %d = %d: %s" %
                      (i, n, sorted(got)[:3], n, i - 1, sorted(want)[:3]))
                bad = any(r[0] != "PASS" for r in part)
                check(rc == (1 if bad else 0), "shard %d/%d: exit %d with%s a failure" %
                      (i, n, rc, "" if bad else "out"))
                union += part
                union_cases += pc
            check(len(set(union)) == len(union), "%d shards: a run is in two shards" % n)
            check(sorted(union) == sorted(full), "%d shards: the union differs from the unsharded run "
                  "(%d against %d lines)" % (n, len(union), len(full)))
            check(sorted(union_cases) == sorted(full_cases), "%d shards: the JUnit testcases differ "
                  "from the unsharded run's" % n)
        for v in ("0/0", "3/2", "x", "1/", "-1/2", "2/2junk"):
            p = subprocess.run([b, "test", "--shard", v, "scenarios"], cwd=src, capture_output=True, text=True)
            check(p.returncode == 2 and "--shard '%s'" % v in p.stderr and not p.stdout,
                  "--shard %s: exit %d, stderr %r" % (v, p.returncode, p.stderr))
    print("%d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
