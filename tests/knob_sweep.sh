#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# knob_sweep.sh BBMSIM SRCDIR [full] - every scenario under SRCDIR/scenarios
# with small TLBs, at each of its levels, run by `bbmsim test -j 2` with
# BBMSIM_CHECK_MIRROR=1: capacity 1..8 x prefetch 1 (off), 2, 4, 16, each
# pair with one of (replacement lru or random) x (schedule quantum 1 or 8:
# stepped or batched) in turn: 32 configurations, each scenario with half of
# them (ctest's knob_sweep, about 25 s); with `full`, every scenario with all
# four for every pair, 128 configurations (about 4 minutes).
# Tiny TLBs evict on almost every fill, which is what broke the mirror
# (issue 14, item 10: a lazy fill that evicts or prefetches dropped the
# Unicorn region being accessed). Expectations may fail under such knobs (a
# reader walks more, sees other windows): that is not counted. What must
# never happen, and fails this test:
#   - a crash of the simulator (a signal; BBMSIM_CHECK_MIRROR aborts on a
#     mirror that disagrees with the TLB model),
#   - a PE ending in state error (an internal error),
#   - bad input (the generated scenarios must load).
set -u
B=$1
S=$2
FULL=${3:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# The configurations: "capacity prefetch replacement quantum" lines.
i=0
for c in 1 2 3 4 5 6 7 8; do
	for p in 1 2 4 16; do
		k=0
		for rq in "lru 1" "random 8" "lru 8" "random 1"; do
			if [ "$FULL" = full ] || [ "$k" = $(((c + i) % 4)) ]; then
				echo "$c $p $rq"
			fi
			k=$((k + 1))
		done
		i=$((i + 1))
	done
done >"$T/configs"

# One variant per scenario and configuration: machine.tlb and
# machine.schedule are added under `machine:`; a scenario's own one-line
# schedule mapping ({policy: random, seed: 3}) keeps its keys and gets the
# quantum added; no scenario sets machine.tlb.
# Without `full`, each scenario takes every other configuration (odd or even
# by its place in the list): every configuration still meets half the
# scenarios, every scenario 16 configurations.
n=0
sn=0
for f in $(find "$S/scenarios" -name '*.yaml' | sort); do
	awk -v cfg="$T/configs" -v pre="$T/$(basename "$f" .yaml)" -v sn=$sn -v full="$FULL" '
		BEGIN { while ((getline l < cfg) > 0) c[nc++] = l }
		{ line[NR] = $0 }
		END {
			for (k = 0; k < nc; k++) {
				if (full != "full" && (k + sn) % 2)
					continue
				split(c[k], v, " ")
				out = pre "-c" v[1] "-p" v[2] "-" v[3] "-q" v[4] ".yaml"
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
					print line[i] > out
					if (line[i] ~ /^machine:[ \t]*$/) {
						print "  tlb: {capacity: " v[1] ", prefetch: " v[2] ", replacement: " v[3] "}" > out
						if (!own)
							print "  schedule: {quantum: " v[4] "}" > out
					}
				}
				close(out)
			}
		}' "$f"
	sn=$((sn + 1))
done
n=$(ls "$T" | grep -c '\.yaml$')

if [ -n "$(grep -L '^  tlb: {capacity' "$T"/*.yaml)" ]; then
	echo "knob sweep: FAILED: no knobs added to"; grep -L '^  tlb: {capacity' "$T"/*.yaml | head
	exit 1
fi

BBMSIM_CHECK_MIRROR=1 "$B" test -j 2 "$T" >"$T/out" 2>"$T/err"
rc=$?
runs=$(grep -cE '^(PASS|FAIL|ERROR) ' "$T/out")
crashes=$(grep -c 'crashed: the simulator was killed by signal' "$T/out")
errors=$(grep -c 'ended in state error' "$T/out")
bad=$(grep -cE '^ERROR |exited with status' "$T/out")
mirror=$(grep -c 'BBMSIM_CHECK_MIRROR' "$T/err")
expfail=$(grep -c 'expectations failed' "$T/out")
echo "knob sweep: $(wc -l <"$T/configs") configurations, $n scenario variants, $runs runs (exit $rc): $crashes crashes, $errors internal errors," \
     "$mirror mirror disagreements, $bad bad inputs ($expfail runs with an expectation that no longer holds: not counted)"
if [ "$crashes" != 0 ] || [ "$errors" != 0 ] || [ "$mirror" != 0 ] || [ "$bad" != 0 ] || [ "$runs" = 0 ] ||
   [ "$rc" -gt 1 ]; then
	grep -E 'crashed:|state error|^ERROR |exited with status' "$T/out" | head -40
	grep 'BBMSIM_CHECK_MIRROR' "$T/err" | head -20
	echo "knob sweep: FAILED"
	exit 1
fi
echo "knob sweep: passed"
