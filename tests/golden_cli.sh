#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# golden_cli.sh BBMSIM SRCDIR - the flagship scenario's text trace at level 0
# (table writes, TLBIs, barriers, faults and windows of PE0 and PE1) compared
# byte for byte with tests/golden/split-live-bbml2.L0.txt.
# BBMSIM_UPDATE_GOLDEN=1 rewrites it (`cmake --build build --target update-golden`);
# review the diff in the commit that explains it.
set -u
B=$1
S=$2
golden=$S/tests/golden/split-live-bbml2.L0.txt
out=$(mktemp)
trap 'rm -f "$out"' EXIT
(cd "$S" && "$B" run scenarios/linear-map/split-live-bbml2.yaml --bbm 0 --trace "$out" \
	--trace-events desc-write,tlbi-issue,tlbi-complete,dsb,isb,fault,exc-entry,halt,window \
	--trace-pes 0-1 >/dev/null) || { echo "golden: bbmsim run failed"; exit 1; }
if [ "${BBMSIM_UPDATE_GOLDEN:-0}" = 1 ]; then
	cp "$out" "$golden"
	echo "golden: updated $golden"
	exit 0
fi
if ! cmp -s "$out" "$golden"; then
	echo "golden: the trace differs from $golden (BBMSIM_UPDATE_GOLDEN=1 to update, then review):"
	diff "$golden" "$out" | head -40
	exit 1
fi
echo "golden: identical"
