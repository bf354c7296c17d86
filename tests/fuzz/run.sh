#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh BUILD_DIR SECONDS - a bounded libFuzzer run of every target, from its
# seeds plus the regression corpus (crashers found earlier, kept forever).
# Fails if a target finds a crash, a leak, a timeout or an out-of-memory.
set -eu
b=$(cd "$1" && pwd)
secs=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=detect_leaks=1
# Scenario runs also check the Unicorn mirror against the model on every access (docs/design.md).
export BBMSIM_CHECK_MIRROR=1
export LSAN_OPTIONS=suppressions=$here/../lsan.supp
for t in "$b"/tests/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	mkdir -p "$work/$name"
	cp "$here"/seeds/* "$work/$name"/ 2>/dev/null || true
	[ -d "$here/crashers/$name" ] && cp "$here/crashers/$name"/* "$work/$name"/ 2>/dev/null || true
	echo "fuzz: $name for ${secs}s"
	( cd "$work" && "$t" -max_total_time="$secs" -max_len=8192 -timeout=20 -rss_limit_mb=4096 \
		-artifact_prefix="$work/$name-" "$work/$name" >"$work/$name.log" 2>&1 ) || {
		tail -40 "$work/$name.log"
		echo "fuzz: $name FAILED; artifacts:"; ls "$work/$name"-* 2>/dev/null
		exit 1
	}
	tail -1 "$work/$name.log"
done
