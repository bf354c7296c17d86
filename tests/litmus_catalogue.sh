#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Arm's VMSA litmus catalogue (herdtools7) on bbmsim: zero FAIL under both
# verdict files, and the mutation check (a TLBI that completes only on its
# issuer must produce FAILs). Usage: litmus_catalogue.sh DRIVER LITMUS_DIR
set -u
drv=$1
dir=$2
if [ ! -d "$dir" ]; then
	echo "skipped: $dir does not exist"
	exit 0
fi
cat=$dir/herd/catalogue
vmsa=$cat/aarch64-VMSA/tests
status=0

run() {
	want=$1
	shift
	echo "== bbmsim litmus $*"
	out=$("$drv" "$@")
	rc=$?
	echo "$out" | grep -E '^(FAIL|ERROR)' | head -20
	echo "$out" | sed -n '/ passed, /,$p'
	if [ "$rc" -ne "$want" ]; then
		echo "unexpected exit status $rc (wanted $want)"
		status=1
	fi
}

run 0 --kinds "$vmsa/kinds.txt" "$vmsa"
run 0 --variant vmsa,ets2 --kinds "$vmsa/VMSA-ETS2-kinds.txt" "$vmsa"
run 0 "$cat/aarch64-BBM/tests" "$dir/herd/herd/tests/instructions/AArch64.kvm"
run 0 --kinds "$cat/aarch64-faults/tests/kinds.txt" "$cat/aarch64-faults/tests"
run 0 --variant vmsa,ets2 --kinds "$cat/aarch64-ETS2/tests/kinds.txt" "$cat/aarch64-ETS2/tests"
run 0 --kinds "$cat/aarch64-ETS3/tests/kinds.txt" "$cat/aarch64-ETS3/tests"
# The mutation check: a broken TLB model must be caught.
echo "== mutation: broadcast TLBI completes only on the issuer"
out=$("$drv" --broken-tlbi-for-tests --kinds "$vmsa/kinds.txt" "$vmsa")
rc=$?
nfail=$(echo "$out" | grep -c '^FAIL')
echo "$out" | sed -n '/ passed, /p'
if [ "$rc" -ne 1 ] || [ "$nfail" -eq 0 ]; then
	echo "the broken TLBI went unnoticed (exit $rc, $nfail FAIL)"
	status=1
fi
exit $status
