#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`bbmsim explore`, `bbmsim merge` and `bbmsim run --schedule` (docs/explore.md).

  explore_test.py BBMSIM SRCDIR

1. The flagship (scenarios/linear-map/split-live-bbml2.yaml) at level 2 with
   the default TLB policy: explore finds a TLB conflict abort taken inside a
   reader's window, minimizes the schedule (far fewer steps and context
   switches than found, at most two fills), and `run --schedule` replays it:
   the run takes that abort (PE, VA, tick), and `--trace` shows it.
2. The correct stop_machine repaint (scenarios/stop-machine/repaint-clean.yaml)
   at every level: no bite within the budget, and the report says "no witness
   in N schedules" with the coverage (the window opened and was accessed in
   every schedule).
3. Shards under GNU parallel: 2 and 4 shards (`parallel -j2 ... --shard
   {}/N`), merged with `bbmsim merge`, give the same bitten targets, found by
   the same schedules, with the same coverage, as one run with the same
   budget and seed; so do `-j 2` and 2 shards through `parallel --sshlogin`
   (ssh to localhost when it works without a password, else parallel's
   local sshlogin ':'). The exhaustive strategy on a small
   scenario completes, and its shards merged complete with the same bites.
4. Bounded preemption (--strategy preempt) on tests/explore/preempt-one.yaml,
   whose reader's window bites only if the writer is preempted inside its
   break-before-make: K = 0 completes without biting it, K = 1 and K = 2 bite
   it (the replay takes the translation fault); the counts grow with K, two
   runs give the same report, and K = 2 in 2 and 3 shards under GNU parallel,
   merged, gives the same schedules and bites as one run.
5. State hashing (exhaustive, --state-hash on|off): on the litmus-sized
   tests/explore/preempt-one.yaml and on remap-bbm at level 0 (bound 10),
   both searches complete, hashing ends executions at states already
   explored, runs fewer schedules, reaches as many distinct final states
   (machine, memory, the analysis' windows and counts) and bites exactly the
   same targets.
6. Bad input: a malformed schedule file, a PE that does not exist, parts of
   different searches given to merge: exit 2 with a located message.
5. Walk values: a witness with a `walk PE PA` line that replays (and makes
   the difference), and the line kinds' messages.
6. Spurious store-exclusive failures: the same with `stxr-fail PE`
   (tests/explore/stxr-once.yaml).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL " + msg)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def run(args, want=(0, 1), **kw):
    p = subprocess.run(args, capture_output=True, text=True, **kw)
    if p.returncode not in want:
        fail("%s: exit %d (wanted %s): %s" % (" ".join(args), p.returncode, want, p.stderr.strip()[:500]))
    return p


def bitten(doc):
    """(level, key) -> (found_at, minimized schedule) of every bitten target."""
    out = {}
    for lv in doc["levels"]:
        for t in lv["targets"]:
            if t["bitten"]:
                out[(lv["level"], t["key"])] = (t["found_at"], t["witness"]["schedule"])
    return out


def coverage(doc):
    out = {}
    for lv in doc["levels"]:
        c = lv["coverage"]
        out[lv["level"]] = (c["schedules"], c["truncated"], c["choice_points"], c["fills"], c["evictions"],
                            tuple((t["key"], t["coverage"]["seen"], t["coverage"]["accessed"], t["coverage"]["filled"])
                                  for t in lv["targets"]))
    return out


def flagship(b, src, tmp):
    scn = os.path.join(src, "scenarios/linear-map/split-live-bbml2.yaml")
    out = os.path.join(tmp, "w")
    p = run([b, "explore", scn, "--bbm", "2", "--budget", "20", "--seed", "1", "--json", "--out", out], want=(1,))
    doc = json.loads(p.stdout)
    lv = doc["levels"][0]
    hits = [t for t in lv["targets"] if t["kind"] == "window" and t["bitten"]
            and t["bite"]["what"] == "TLB conflict abort"]
    if not check(hits, "flagship level 2: no window bitten by a TLB conflict abort in 20 schedules"):
        return
    t = hits[0]
    w, f = t["witness"]["minimized"], t["witness"]["found"]
    check(t["witness"]["verified"], "flagship: the witness does not replay on a fresh machine")
    check(w["steps"] < f["steps"] and w["switches"] < f["switches"],
          "flagship: not minimized: %s from %s" % (w, f))
    check(w["switches"] <= 2 and w["fills"] <= 2 and w["evictions"] == 0,
          "flagship: the witness is not minimal: %s" % w)
    path = t["witness"]["file"]
    if not check(path and os.path.exists(path), "flagship: witness file %s missing" % path):
        return
    text = open(path).read()
    check(text.strip().splitlines()[-1].startswith(("step", "fill")), "flagship: the file holds no actions")
    # The text report names the file and the access.
    p = run([b, "explore", scn, "--bbm", "2", "--budget", "20", "--seed", "1", "--out", out], want=(1,))
    check("BITTEN in schedule %d: TLB conflict abort" % t["found_at"] in p.stdout and path in p.stdout,
          "flagship: the text report does not name the bite and the file")
    # Replay: the abort is taken, on that PE, at that VA and tick.
    trace = os.path.join(tmp, "t.txt")
    p = run([b, "run", scn, "--bbm", "2", "--schedule", path, "--json", "--trace", trace], want=(1,))
    rep = json.loads(p.stdout)
    faults = rep["levels"][0]["faults"]
    bite = t["bite"]
    taken = [x for x in faults if x["kind"] == "tlb-conflict" and x["pe"] == bite["pe"]
             and int(x["va"], 16) == int(bite["va"], 16) and x["tick"] == bite["tick"]]
    check(taken, "flagship: run --schedule did not take the abort: %s, wanted %s" % (faults, bite))
    tr = open(trace).read()
    check("tlb-conflict" in tr and "fill" in tr, "flagship: the trace of the replay shows no fill or abort")
    # Without the schedule the default run takes none (the explorer made the difference).
    p = run([b, "run", scn, "--bbm", "2", "--json"], want=(0,))
    check(not json.loads(p.stdout)["levels"][0]["faults"], "flagship: the default run takes a fault")


def repaint_clean(b, src, tmp):
    scn = os.path.join(src, "scenarios/stop-machine/repaint-clean.yaml")
    p = run([b, "explore", scn, "--budget", "30", "--json", "--out", os.path.join(tmp, "rc")], want=(0,))
    doc = json.loads(p.stdout)
    check(doc["bitten"] == 0, "repaint-clean: %d targets bitten" % doc["bitten"])
    check(len(doc["levels"]) == 4, "repaint-clean: not every level explored")
    for lv in doc["levels"]:
        check(lv["coverage"]["schedules"] == 30, "repaint-clean level %s: %d schedules" %
              (lv["level"], lv["coverage"]["schedules"]))
        wins = [t for t in lv["targets"] if t["kind"] == "window"]
        check(len(wins) == 1 and wins[0]["coverage"]["seen"] == 30 and wins[0]["coverage"]["accessed"] == 30,
              "repaint-clean level %s: window coverage %s" % (lv["level"], [t["coverage"] for t in wins]))
    p = run([b, "explore", scn, "--budget", "30", "--bbm", "0", "--out", os.path.join(tmp, "rc")], want=(0,))
    check("no witness in 30 schedules: opened in 30, PE0 accessed inside in 30" in p.stdout,
          "repaint-clean: the text does not say 'no witness in 30 schedules' with the coverage:\n" + p.stdout[:2000])
    check("verdict at level 0: no witness in 30 schedules" in p.stdout, "repaint-clean: no verdict line")


def shards(b, src, tmp):
    par = shutil.which("parallel")
    if not check(par, "GNU parallel is not installed (apt-get install parallel)"):
        return
    # A scenario with several bites at every level (stale uses, faults, expectations).
    scn = os.path.join(src, "scenarios/linear-map/split-live-bbml2.yaml")
    common = ["explore", scn, "--budget", "24", "--seed", "7", "--bbm", "2", "--json"]
    one = json.loads(run([b] + common + ["--out", os.path.join(tmp, "s1")]).stdout)
    check(bitten(one), "shards: the single run bit nothing")
    for n in (2, 4):
        d = os.path.join(tmp, "sh%d" % n)
        os.makedirs(d)
        # parallel runs one explore per shard, 2 at a time (exit 1: a bite, as wanted).
        cmd = "%s -j2 '%s %s --out %s --shard {}/%d > %s/part{}.json; test $? -le 1' ::: %s" % (
            par, b, " ".join("'%s'" % a for a in common), d, n, d, " ".join(str(i) for i in range(1, n + 1)))
        run(["sh", "-c", cmd], want=(0,))
        parts = [os.path.join(d, "part%d.json" % i) for i in range(1, n + 1)]
        merged = json.loads(run([b, "merge", "--json"] + parts).stdout)
        check(bitten(merged) == bitten(one), "%d shards: bitten targets differ from one run:\n%s\n%s" %
              (n, sorted(bitten(merged)), sorted(bitten(one))))
        check(coverage(merged) == coverage(one), "%d shards: coverage differs from one run" % n)
        txt = run([b, "merge"] + parts).stdout
        check("%d parts merged" % n in txt and "missing" not in txt, "%d shards: merge text: %s" % (n, txt[:300]))
        # A missing shard is said.
        txt = run([b, "merge"] + parts[:-1]).stdout
        check("1 of %d shards are missing" % n in txt, "%d shards: a missing shard is not reported" % n)
    # The same through --sshlogin, as docs/explore.md gives it: over ssh to localhost when that works
    # without a password (then --workdir and --return as for remote hosts), else with parallel's
    # local sshlogin ':' (no ssh: the sshlogin list, its job slots and the quoting are exercised).
    ssh_ok = shutil.which("ssh") and subprocess.run(
        ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=3", "localhost", "true"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    d = os.path.join(tmp, "ssh")
    os.makedirs(d)
    login = "2/localhost --workdir %s --return part{}.json" % d if ssh_ok else "2/:"
    print("explore: --sshlogin %s" % ("localhost (ssh)" if ssh_ok else ": (the local machine, no ssh server here)"))
    cmd = "cd %s && %s --sshlogin %s '%s %s --out %s --shard {}/2 > part{}.json; test $? -le 1' ::: 1 2" % (
        d, par, login, b, " ".join("'%s'" % a for a in common), d)
    run(["sh", "-c", cmd], want=(0,))
    merged = json.loads(run([b, "merge", "--json"] + [os.path.join(d, "part%d.json" % i) for i in (1, 2)]).stdout)
    check(bitten(merged) == bitten(one) and coverage(merged) == coverage(one),
          "--sshlogin: 2 shards merged differ from one run")
    j2 = json.loads(run([b] + common + ["-j", "2", "--out", os.path.join(tmp, "j2")]).stdout)
    check(bitten(j2) == bitten(one) and coverage(j2) == coverage(one), "-j 2 differs from one run")

    # Exhaustive, small: complete; 2 shards complete too, with the same bites (and, without state
    # hashing, the same schedules: with it each shard prunes only the states it saw itself).
    scn = os.path.join(src, "scenarios/examples/remap-bbm.yaml")
    for sh in ("off", "on"):
        ex = ["explore", scn, "--bbm", "0", "--strategy", "exhaustive", "--bound", "6", "--budget", "100000",
              "--state-hash", sh, "--json"]
        one = json.loads(run([b] + ex + ["--out", os.path.join(tmp, "e1")]).stdout)
        c = one["levels"][0]["coverage"]
        check(c["complete"] and c["schedules"] > 10, "exhaustive: not complete: %s" % c)
        parts = []
        for i in (1, 2):
            p = os.path.join(tmp, "ex%s%d.json" % (sh, i))
            with open(p, "w") as f:
                f.write(run([b] + ex + ["--shard", "%d/2" % i, "--out", os.path.join(tmp, "e2")]).stdout)
            parts.append(p)
        m = json.loads(run([b, "merge", "--json"] + parts).stdout)
        mc = m["levels"][0]["coverage"]
        check(mc["complete"] and (sh == "on" or mc["schedules"] == c["schedules"]),
              "exhaustive shards, state hashing %s: %s, one run %s" % (sh, mc, c))
        check(set(bitten(m)) == set(bitten(one)), "exhaustive shards, state hashing %s: bitten targets differ" % sh)


def preempt(b, src, tmp):
    scn = os.path.join(src, "tests/explore/preempt-one.yaml")
    key = None
    docs = {}
    for k in (0, 1, 2):
        args = [b, "explore", scn, "--strategy", "preempt", "--preemptions", str(k), "--budget", "100000",
                "--json", "--out", os.path.join(tmp, "p%d" % k)]
        doc = json.loads(run(args).stdout)
        docs[k] = doc
        lv = doc["levels"][0]
        check(lv["strategy"] == "preempt" and lv["preemptions"] == k, "preempt K=%d: %s" % (k, lv["strategy"]))
        check(lv["coverage"]["complete"], "preempt K=%d: the search is not complete" % k)
        win = [t for t in lv["targets"] if t["kind"] == "window" and t["key"].startswith(
            "window translation-fault PE1 ")]
        if not check(len(win) == 1, "preempt K=%d: no window of PE1 among %s" % (k, [t["key"] for t in lv["targets"]])):
            return
        t = win[0]
        key = t["key"]
        if k == 0:
            check(not t["bitten"], "preempt K=0 bit PE1's window, which needs a preemption")
            continue
        if not check(t["bitten"], "preempt K=%d: PE1's window not bitten" % k):
            continue
        check(t["witness"]["verified"], "preempt K=%d: the witness is not verified" % k)
        rp = json.loads(run([b, "run", scn, "--bbm", "0", "--json", "--schedule", t["witness"]["file"]]).stdout)
        faults = rp["levels"][0]["faults"]
        check(any(f["pe"] == 1 and f["va"] == "0x40100000" for f in faults),
              "preempt K=%d: the replay takes no fault of PE1 at DATA: %s" % (k, faults))
    n = [docs[k]["levels"][0]["coverage"]["schedules"] for k in (0, 1, 2)]
    check(0 < n[0] < n[1] < n[2], "preempt: schedules for K = 0, 1, 2: %s" % n)
    again = json.loads(run([b, "explore", scn, "--strategy", "preempt", "--preemptions", "2", "--budget", "100000",
                            "--json", "--out", os.path.join(tmp, "p2b")]).stdout)
    check(bitten(again) == bitten(docs[2]) and coverage(again) == coverage(docs[2]),
          "preempt: two runs of the same search differ")
    par = shutil.which("parallel")
    if not check(par, "GNU parallel is not installed (apt-get install parallel)"):
        return
    common = ["explore", scn, "--strategy", "preempt", "--preemptions", "2", "--budget", "100000", "--json"]
    for n in (2, 3):
        d = os.path.join(tmp, "psh%d" % n)
        os.makedirs(d)
        cmd = "%s -j2 '%s %s --out %s --shard {}/%d > %s/part{}.json; test $? -le 1' ::: %s" % (
            par, b, " ".join("'%s'" % a for a in common), d, n, d, " ".join(str(i) for i in range(1, n + 1)))
        run(["sh", "-c", cmd], want=(0,))
        parts = [os.path.join(d, "part%d.json" % i) for i in range(1, n + 1)]
        m = json.loads(run([b, "merge", "--json"] + parts).stdout)
        mc, c = m["levels"][0]["coverage"], docs[2]["levels"][0]["coverage"]
        check(mc["complete"] and mc["schedules"] == c["schedules"] and mc["choice_points"] == c["choice_points"],
              "preempt, %d shards: %s, one run %s" % (n, mc, c))
        check(set(bitten(m)) == set(bitten(docs[2])) and ("0", key) in bitten(m),
              "preempt, %d shards: bitten targets differ from one run" % n)


def state_hash(b, src, tmp):
    for scn, extra in (("tests/explore/preempt-one.yaml", ["--bound", "10000"]),
                       ("scenarios/examples/remap-bbm.yaml", ["--bbm", "0", "--bound", "10"])):
        docs = {}
        for sh in ("on", "off"):
            args = [b, "explore", os.path.join(src, scn), "--strategy", "exhaustive", "--budget", "1000000",
                    "--state-hash", sh, "--json", "--out", os.path.join(tmp, "h" + sh)] + extra
            docs[sh] = json.loads(run(args).stdout)
        on, off = (docs[k]["levels"][0]["coverage"] for k in ("on", "off"))
        name = os.path.basename(scn)
        check(on["complete"] and off["complete"], "%s: not complete: on %s, off %s" % (name, on, off))
        check(on["state_hash"] and not off["state_hash"], "%s: state_hash flags %s %s" % (name, on, off))
        check(on["state_pruned"] > 0 and on["states"] > 0 and off["state_pruned"] == 0,
              "%s: nothing pruned by state hashing: %s" % (name, on))
        check(on["schedules"] < off["schedules"], "%s: %d schedules with hashing, %d without" %
              (name, on["schedules"], off["schedules"]))
        # Every final state (machine, memory, the analysis' windows and counts) is still reached.
        check(on["final_states"] == off["final_states"] and on["final_states"] > 1,
              "%s: %d distinct final states with hashing, %d without" %
              (name, on["final_states"], off["final_states"]))
        hon, hoff = set(bitten(docs["on"])), set(bitten(docs["off"]))
        check(hon == hoff and hon, "%s: bitten targets differ with state hashing: only on %s, only off %s" %
              (name, sorted(hon - hoff), sorted(hoff - hon)))


def bad_input(b, src, tmp):
    scn = os.path.join(src, "scenarios/linear-map/split-live-bbml2.yaml")
    bad = os.path.join(tmp, "bad.sched")
    with open(bad, "w") as f:
        f.write("# a comment\nstep 0 10\nfill 1\n")
    p = run([b, "run", scn, "--bbm", "2", "--schedule", bad], want=(2,))
    check("bad.sched:3:1: 'fill' takes two values" in p.stderr, "bad schedule: %s" % p.stderr.strip())
    with open(bad, "w") as f:
        f.write("step 0 10\njump 1 2\n")
    p = run([b, "run", scn, "--bbm", "2", "--schedule", bad], want=(2,))
    check("bad.sched:2:1: unknown action 'jump'" in p.stderr, "bad schedule: %s" % p.stderr.strip())
    with open(bad, "w") as f:
        f.write("step 0 10\nstep 7 1\n")
    p = run([b, "run", scn, "--bbm", "2", "--schedule", bad], want=(2,))
    check("bad.sched:2: PE 7 does not exist" in p.stderr, "bad schedule: %s" % p.stderr.strip())
    run([b, "explore", scn, "--shard", "3/2"], want=(2,))
    run([b, "explore", scn, "--strategy", "dfs"], want=(2,))
    p = run([b, "explore", scn, "--strategy", "preempt", "--preemptions", "65"], want=(2,))
    check("--preemptions must be 0..64, not '65'" in p.stderr, "--preemptions 65: %s" % p.stderr.strip())
    p = run([b, "explore", scn, "--state-hash", "yes"], want=(2,))
    check("--state-hash must be on or off, not 'yes'" in p.stderr, "--state-hash yes: %s" % p.stderr.strip())
    a = os.path.join(tmp, "a.json")
    c = os.path.join(tmp, "c.json")
    with open(a, "w") as f:
        f.write(run([b, "explore", scn, "--bbm", "2", "--budget", "2", "--json", "--out", tmp]).stdout)
    with open(c, "w") as f:
        f.write(run([b, "explore", scn, "--bbm", "2", "--budget", "3", "--json", "--out", tmp]).stdout)
    p = run([b, "merge", a, c], want=(2,))
    check("not shards of one search" in p.stderr, "merge of two searches: %s" % p.stderr.strip())
    with open(c, "w") as f:
        f.write("{\"format\": \"bbmsim-report\"}")
    run([b, "merge", a, c], want=(2,))


def walk_values(b, src, tmp):
    """Walk values as choice points (RSPVBD): under walk_visibility at-dsb the
    readers' walkers may see the writer's break before the DSB ISH publishes
    it. Explore finds a witness whose `walk PE PA` line makes reader 1 read
    the new page; the replay fails the expectation, and without that line
    it holds (the line is what made the difference)."""
    scn = os.path.join(src, "scenarios/rules/dsb-nshst-before-tlbi.yaml")
    out = os.path.join(tmp, "walk")
    p = run([b, "explore", scn, "--bbm", "0", "--budget", "30", "--seed", "1", "--json", "--out", out])
    hits = bitten(json.loads(p.stdout))
    key = [k for k in hits if k[0] == "0" and "112:20" in k[1]]
    if not check(key, "walk: expectation 112:20 not bitten: %s" % list(hits)[:10]):
        return
    lines = [ln for ln in hits[key[0]][1].splitlines() if ln and not ln.startswith("#")]
    sched = os.path.join(tmp, "walk.sched")
    with open(sched, "w") as f:
        f.write("\n".join(lines) + "\n")
    if not check("walk 1 0x103800" in lines, "walk: the witness has no walk line: %s" % lines):
        return
    p = run([b, "run", scn, "--bbm", "0", "--schedule", sched, "--json"], want=(1,))
    lv = json.loads(p.stdout)["levels"][0]
    check(any("got 0x2222" in e["text"] for e in lv["expectations"] if not e["ok"]),
          "walk: the replay did not read the new page: %s" % lv["expectations"])
    plain = os.path.join(tmp, "plain.sched")
    with open(plain, "w") as f:
        f.write("\n".join(ln for ln in lines if not ln.startswith("walk")) + "\n")
    run([b, "run", scn, "--bbm", "0", "--schedule", plain], want=(0,))
    # The line kinds parse and say what they take.
    bad = os.path.join(tmp, "bad-walk.sched")
    with open(bad, "w") as f:
        f.write("walk 1\n")
    p = run([b, "run", scn, "--bbm", "0", "--schedule", bad], want=(2,))
    check("bad-walk.sched:1:1: 'walk' takes two values: walk PE PA" in p.stderr, "bad walk: %s" % p.stderr.strip())
    with open(bad, "w") as f:
        f.write("stxr-fail 1 2\n")
    p = run([b, "run", scn, "--bbm", "0", "--schedule", bad], want=(2,))
    check("bad-walk.sched:1:13: 'stxr-fail' takes one value: stxr-fail PE" in p.stderr,
          "bad stxr-fail: %s" % p.stderr.strip())


def stxr_fail(b, src, tmp):
    """A spurious store-exclusive failure as a choice point: in
    tests/explore/stxr-once.yaml a lone STXR always succeeds in the scenario's
    own run; explore finds a witness with a `stxr-fail 0` line, the replay
    gets status 1, and without that line it holds."""
    scn = os.path.join(src, "tests/explore/stxr-once.yaml")
    run([b, "run", scn], want=(0,))
    p = run([b, "explore", scn, "--budget", "20", "--seed", "1", "--json", "--out", os.path.join(tmp, "stx")])
    hits = bitten(json.loads(p.stdout))
    key = [k for k in hits if "43:20" in k[1]]
    if not check(key, "stxr: expectation x2 == 0 not bitten: %s" % list(hits)):
        return
    lines = [ln for ln in hits[key[0]][1].splitlines() if ln and not ln.startswith("#")]
    if not check("stxr-fail 0" in lines, "stxr: the witness has no stxr-fail line: %s" % lines):
        return
    sched = os.path.join(tmp, "stx.sched")
    with open(sched, "w") as f:
        f.write("\n".join(lines) + "\n")
    p = run([b, "run", scn, "--schedule", sched, "--json"], want=(1,))
    lv = json.loads(p.stdout)["levels"][0]
    check(any("got 0x1" in e["text"] for e in lv["expectations"] if not e["ok"]),
          "stxr: the replay did not fail the store-exclusive: %s" % lv["expectations"])
    with open(sched, "w") as f:
        f.write("\n".join(ln for ln in lines if not ln.startswith("stxr-fail")) + "\n")
    run([b, "run", scn, "--schedule", sched], want=(0,))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    b, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    tmp = tempfile.mkdtemp(prefix="bbmsim-explore-test.")
    try:
        flagship(b, src, tmp)
        repaint_clean(b, src, tmp)
        shards(b, src, tmp)
        preempt(b, src, tmp)
        state_hash(b, src, tmp)
        bad_input(b, src, tmp)
        walk_values(b, src, tmp)
        stxr_fail(b, src, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("explore_test: %d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
