#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run every benchmark and print its table. Usage: bench/run.sh [BUILD_DIR]
set -eu
b=${1:-build}
"$b/bench/bench_core" 1000000 4
