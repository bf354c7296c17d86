#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# knob_sweep.sh BBMSIM SRCDIR [full] - every scenario under SRCDIR/scenarios
# and SRCDIR/tests/mmu-off-knobs (PEs turning their MMU off and on around
# local and broadcast TLBIs while another PE remaps) under the TLB knobs, at
# each of its levels, with BBMSIM_CHECK_MIRROR=1, each variant run twice by
# `bbmsim run --json`: with the mirror as it is and with the mirror in its
# simplest mode (BBMSIM_MIRROR_SIMPLE=1: only pages the TLB holds).
#
# A configuration is capacity 1..8 x prefetch 1 (off), 2, 4, 16, with one of
# (replacement lru or random) x (schedule quantum 1 or 8), and a combination
# of tlb.walk_cache (true/false), tlb.speculative (none/adversarial),
# walk_visibility (immediate/at-dsb) and tlbi_completion (at-dsb/at-issue):
# combination number (capacity-1 + 4*prefetch index + 5*rq index) mod 16,
# its bits in that order (bit set: the second value). Default: one rq per
# (capacity, prefetch) pair, 32 configurations; each scenario takes the 8
# whose prefetch index is (scenario number - capacity + 1) mod 4 (every
# capacity, every prefetch twice, each of the four boolean knobs both ways;
# each configuration meets about 11 scenarios): about 45 s. With `full`:
# every rq for every pair, 128 configurations, every scenario with all of
# them (about 15 minutes).
#
# Expectations may fail under such knobs (a reader walks more, sees other
# windows): that is not counted. What must never happen, and fails this test:
#   - a crash of the simulator (a signal; BBMSIM_CHECK_MIRROR aborts on a
#     mirror that disagrees with the TLB model),
#   - a PE ending in state error (an internal error),
#   - bad input (the generated scenarios must load),
#   - a difference between the two mirrors' JSON reports in any level's
#     run end, PE end states, faults, windows or violations (the mirror is
#     an accelerator: it must never change what the machine does).
set -u
B=$1
S=$2
FULL=${3:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# The configurations: "capacity prefetch replacement quantum walk_cache
# speculative walk_visibility tlbi_completion rq_index" lines.
for c in 1 2 3 4 5 6 7 8; do
	pi=0
	for p in 1 2 4 16; do
		k=0
		for rq in "lru 1" "random 8" "lru 8" "random 1"; do
			if [ "$FULL" = full ] || [ "$k" = $(((c - 1 + pi) % 4)) ]; then
				b=$(((c - 1 + 4 * pi + 5 * k) % 16))
				wc=true; [ $((b & 1)) = 0 ] || wc=false
				sp=none; [ $((b & 2)) = 0 ] || sp=adversarial
				wv=immediate; [ $((b & 4)) = 0 ] || wv=at-dsb
				tc=at-dsb; [ $((b & 8)) = 0 ] || tc=at-issue
				echo "$c $p $rq $wc $sp $wv $tc $pi"
			fi
			k=$((k + 1))
		done
		pi=$((pi + 1))
	done
done >"$T/configs"

# One variant per scenario and configuration: machine.tlb, walk_visibility,
# tlbi_completion and machine.schedule are added under `machine:`; a
# scenario's own walk_visibility and tlbi_completion lines are dropped (the
# configuration's win), its own one-line schedule mapping ({policy: random,
# seed: 3}) keeps its keys and gets the quantum added; no scenario sets
# machine.tlb (checked below).
# scenarios/kernel (compiled C, 1.5 M instructions a run) only with `full`;
# its sources (src/) are linked beside the variants.
sn=0
for f in $(find "$S/scenarios" "$S/tests/mmu-off-knobs" -name '*.yaml' | sort); do
	case $f in
	*/scenarios/kernel/*) [ "$FULL" = full ] || continue ;;
	esac
	for e in "$(dirname "$f")"/*; do
		case $e in *.yaml) ;; *) [ -e "$T/$(basename "$e")" ] || ln -s "$e" "$T/$(basename "$e")" ;; esac
	done
	awk -v cfg="$T/configs" -v pre="$T/$(basename "$f" .yaml)" -v sn=$sn -v full="$FULL" '
		BEGIN { while ((getline l < cfg) > 0) c[nc++] = l }
		{ line[NR] = $0 }
		END {
			for (k = 0; k < nc; k++) {
				split(c[k], v, " ")
				if (full != "full" && (v[9] + v[1] - 1 - sn) % 4)
					continue
				out = pre "-c" v[1] "-p" v[2] "-" v[3] "-q" v[4] "-wc" v[5] "-" v[6] "-" v[7] "-tlbi" v[8] ".yaml"
				own = 0
				for (i = 1; i <= NR; i++)
					if (line[i] ~ /^  schedule: \{.*\}[ \t]*$/)
						own = i
				for (i = 1; i <= NR; i++) {
					if (i == own) {
						l = line[i]
						sub(/\}[ \t]*$/, ", quantum: " v[4] "}", l)
						print l > out
						continue
					}
					if (line[i] ~ /^  (walk_visibility|tlbi_completion):/)
						continue
					print line[i] > out
					if (line[i] ~ /^machine:[ \t]*$/) {
						print "  tlb: {capacity: " v[1] ", prefetch: " v[2] ", replacement: " v[3] \
						      ", walk_cache: " v[5] ", speculative: " v[6] "}" > out
						print "  walk_visibility: " v[7] > out
						print "  tlbi_completion: " v[8] > out
						if (!own)
							print "  schedule: {quantum: " v[4] "}" > out
					}
				}
				close(out)
			}
		}' "$f"
	sn=$((sn + 1))
done
ls "$T" | grep '\.yaml$' >"$T/variants"
n=$(wc -l <"$T/variants")

if [ -n "$(grep -L '^  tlb: {capacity' "$T"/*.yaml)" ] || [ "$(grep -c '^  tlb:' "$T"/*.yaml | grep -vc ':1$')" != 0 ]; then
	echo "knob sweep: FAILED: no knobs added to, or machine.tlb twice in:"
	grep -L '^  tlb: {capacity' "$T"/*.yaml | head; grep -c '^  tlb:' "$T"/*.yaml | grep -v ':1$' | head
	exit 1
fi

# Each variant twice: N (the mirror as it is) and S (its simplest mode);
# exit status, JSON report and stderr of each kept.
cat >"$T/one.sh" <<'EOS'
v=$1
BBMSIM_CHECK_MIRROR=1 "$B" run --json "$T/$v" >"$T/$v.N.json" 2>"$T/$v.N.err"
echo $? >"$T/$v.N.rc"
BBMSIM_CHECK_MIRROR=1 BBMSIM_MIRROR_SIMPLE=1 "$B" run --json "$T/$v" >"$T/$v.S.json" 2>"$T/$v.S.err"
echo $? >"$T/$v.S.rc"
EOS
export B T
xargs -P 2 -n 1 sh "$T/one.sh" <"$T/variants"

python3 - "$T" "$(wc -l <"$T/configs")" <<'EOP'
import json, sys
T, ncfg = sys.argv[1], sys.argv[2]
variants = open(T + "/variants").read().split()
runs = crashes = errors = bad = mirror = diffs = expfail = 0
msgs = []
def first_diff(a, b, path):
    if type(a) != type(b):
        return path, a, b
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return first_diff(a.get(k), b.get(k), path + "." + k)
    elif isinstance(a, list):
        if len(a) != len(b):
            return path + " (length %d vs %d)" % (len(a), len(b)), len(a), len(b)
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_diff(x, y, "%s[%d]" % (path, i))
    return path, a, b
for v in variants:
    rep = {}
    for mode in "NS":
        f = "%s/%s.%s" % (T, v, mode)
        rc = int(open(f + ".rc").read())
        err = open(f + ".err").read()
        name = "%s (%s mirror)" % (v, "simple" if mode == "S" else "normal")
        if rc > 128:
            crashes += 1
            msgs.append("crash: %s: exit %d: %s" % (name, rc, err.strip()[:300]))
        elif rc not in (0, 1):
            bad += 1
            msgs.append("bad input or error: %s: exit %d: %s" % (name, rc, err.strip()[:300]))
        if "BBMSIM_CHECK_MIRROR" in err:
            mirror += 1
            msgs.append("mirror disagreement: %s: %s" % (name, err.strip()[:300]))
        try:
            rep[mode] = json.load(open(f + ".json"))
        except ValueError:
            rep[mode] = None
            continue
        for lv in rep[mode]["levels"]:
            runs += 1
            if not all(e["ok"] for e in lv["expectations"]):
                expfail += 1
            for pe in lv["pes"]:
                if pe["state"] == "error":
                    errors += 1
                    msgs.append("internal error: %s level %s PE%d" % (name, lv["level"], pe["pe"]))
    if rep["N"] is None or rep["S"] is None:
        continue
    keys = ("level", "knobs", "run", "pes", "faults", "windows", "violations")
    a = [{k: lv.get(k) for k in keys} for lv in rep["N"]["levels"]]
    b = [{k: lv.get(k) for k in keys} for lv in rep["S"]["levels"]]
    if a != b:
        diffs += 1
        p, x, y = first_diff(a, b, "levels")
        msgs.append("normal and simple mirror differ: %s: %s: normal %s, simple %s" %
                    (v, p, json.dumps(x)[:400], json.dumps(y)[:400]))
print("knob sweep: %s configurations, %d scenario variants, %d runs (x2 mirror modes): %d crashes, "
      "%d internal errors, %d mirror disagreements, %d bad inputs, %d normal/simple mirror differences "
      "(%d runs with an expectation that no longer holds: not counted)" %
      (ncfg, len(variants), runs // 2, crashes, errors, mirror, bad, diffs, expfail // 2))
for m in msgs[:40]:
    print(m)
if crashes or errors or mirror or bad or diffs or not runs:
    print("knob sweep: FAILED")
    sys.exit(1)
print("knob sweep: passed")
EOP
