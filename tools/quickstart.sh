#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# quickstart.sh - install what is missing (Debian 12, as root), build, and
#   flagship   run the flagship comparison (the live linear-map split)
#   test       run every test (unit, end-to-end, scenario regression suite)
#   bench      run the benchmarks (bench full: with the long workload 3 runs)
set -eu

cd "$(dirname "$0")/.."
what=${1:-flagship}

# gcc alone does not bring the C library headers and crt*.o (libc6-dev is only
# a Recommends of it): a bare Debian (debootstrap --variant=minbase) needs it
# named. gcc-aarch64-linux-gnu compiles C scenario code for the guest.
pkgs="cmake make gcc libc6-dev pkg-config libunicorn-dev libcapstone-dev libyaml-dev"
pkgs="$pkgs binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu python3"
# The test run also fuzzes (libFuzzer comes with clang and its runtime).
[ "$what" = test ] && pkgs="$pkgs clang libclang-rt-14-dev"
# The schema test (tests/check_schema.py) validates the scenarios with these.
[ "$what" = test ] && pkgs="$pkgs python3-yaml python3-jsonschema help2man"
# The HTML report is checked in a real browser (tests/html_test.sh).
[ "$what" = test ] && pkgs="$pkgs chromium"
# The explore test runs shards under GNU parallel (tests/explore_test.py).
[ "$what" = test ] && pkgs="$pkgs parallel"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "quickstart: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

jobs=$(nproc 2>/dev/null || echo 2)
case "$what" in
flagship)
	cmake -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j "$jobs"
	exec ./build/bbmsim compare scenarios/linear-map/split-live-bbml2.yaml
	;;
test)
	cmake -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBBMSIM_WERROR=ON >/dev/null
	cmake --build build -j "$jobs"
	ctest --test-dir build --output-on-failure -j "$jobs"
	# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
	cmake -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBBMSIM_SANITIZE=ON -DBBMSIM_WERROR=ON >/dev/null
	cmake --build build-asan -j "$jobs"
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp" \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir build-asan --output-on-failure -j "$jobs"
	# A bounded fuzzing run of each parser (tests/fuzz/README.md).
	CC=clang cmake -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DBBMSIM_FUZZ=ON -DBBMSIM_SANITIZE=ON >/dev/null
	cmake --build build-fuzz -j "$jobs" --target fuzz_targets
	./tests/fuzz/run.sh build-fuzz "${BBMSIM_FUZZ_SECONDS:-60}"
	;;
bench)
	cmake -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j "$jobs"
	exec ./bench/run.sh build "${2:-quick}"
	;;
*)
	echo "usage: tools/quickstart.sh [flagship|test|bench]" >&2
	exit 2
	;;
esac
