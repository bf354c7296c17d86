#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run every benchmark and print its table. Usage: bench/run.sh [BUILD_DIR]
set -eu
b=${1:-build}
src=$(dirname "$0")/..
echo "== workload 1: 4 PEs, load/store loop through the linear map, vs plain Unicorn stepping"
"$b/bench/bench_core" 1000000 4
echo
echo "== workload 2: the flagship scenario, hazard analysis off vs on"
"$b/bench/bench_scenario" "$src/scenarios/linear-map/split-live-bbml2.yaml" 2-noabort 20
echo
echo "== workload 3: bbmsim litmus on a 2-thread break-before-make TLBI test (all schedules, 4 TLB policies)"
"$b/bench/bench_litmus" "$src/tests/litmus/shoot-bbm.litmus" 20
