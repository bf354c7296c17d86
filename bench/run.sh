#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run every benchmark and print its table (docs/performance.md).
# Usage: bench/run.sh [BUILD_DIR] [quick|full]   (full adds the long workload 3 runs)
set -eu
b=${1:-build}
mode=${2:-quick}
src=$(dirname "$0")/..
echo "== workload 1: 4 PEs, load/store loop through the linear map, vs plain Unicorn stepping"
"$b/bench/bench_core" 200000 4 21      # the median of 21 alternating rounds
echo
echo "== workload 4a: PE count 1..64 on workload 1"
for n in 1 2 4 8 16 32 64; do "$b/bench/bench_core" 200000 "$n" | sed -n 2p; done
echo
echo "== workload 2: the flagship scenario, hazard analysis off vs on"
"$b/bench/bench_scenario" "$src/scenarios/linear-map/split-live-bbml2.yaml" 2-noabort 20
echo
echo "== workload 6: the compiled kernel repaint (C + .S, the kit), 4 GiB linear map to pages, vs plain Unicorn"
"$b/bench/bench_scenario" "$src/bench/kernel-repaint-4g.yaml" 2-noabort 3
echo
echo "== workload 5: bbmsim litmus on a 2-thread break-before-make TLBI test (all schedules, 4 TLB policies)"
"$b/bench/bench_litmus" "$src/tests/litmus/shoot-bbm.litmus" 20
echo
cat=$src/../shared/litmus/herd/catalogue/aarch64-VMSA/tests
if [ -d "$cat" ]; then
	echo "== workload 5b: bbmsim litmus over Arm's VMSA catalogue (tests per second, median CPU ms per test)"
	"$b/bench/bench_litmus" "$cat" 1 "$cat/kinds.txt"
	echo
fi
echo "== workload 6: bbmsim explore on the flagship at level 2 (schedules per second, no minimization)"
"$b/bench/bench_explore" "$src/scenarios/linear-map/split-live-bbml2.yaml" 2 200 5
echo
echo "== workload 3 / 4b: live split of the linear map to 4 KiB pages (GiB, readers, quantum)"
"$b/bench/bench_split" 1 0 1 1 | sed -n '1,2p;4p'
"$b/bench/bench_split" 4 0 1 1 | sed -n '2p;4p'
"$b/bench/bench_split" 16 0 1 1 | sed -n '2p;4p'
"$b/bench/bench_split" 1 8 1 1 | sed -n '2p;4p'
"$b/bench/bench_split" 4 8 1 1 | sed -n '2p;4p'
echo "   (the faster mode: quantum 64)"
"$b/bench/bench_split" 1 8 64 1 | sed -n '2p;4p'
if [ "$mode" = full ]; then
	echo "   (the target: 16 GiB, 8 readers; quantum 1, then 64)"
	"$b/bench/bench_split" 16 8 1 1 | sed -n '2p;4p'
	"$b/bench/bench_split" 16 8 64 1 | sed -n '2p;4p'
fi
