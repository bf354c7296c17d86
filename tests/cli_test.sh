#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# cli_test.sh BBMSIM SRCDIR [BUILT_ERRORS] - the command line as a user
# meets it: exit codes, located messages, --json, --junit, -j, determinism,
# and a deliberately wrong expectation failing `bbmsim test`. BUILT_ERRORS:
# the directory where the build put object-x86.yaml and its x86-64 object.
set -u
B=$1
S=$2
X=${3:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

check() {   # check NAME EXPECTED_RC CMD...
	name=$1; want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL $name: exit $rc, wanted $want"; cat "$T/out" "$T/err" | head -20
		fails=$((fails + 1))
	fi
}

expect_text() {   # expect_text NAME FILE TEXT
	if ! grep -qF -- "$3" "$2"; then
		echo "FAIL $1: '$3' not in $2:"; head -20 "$2"
		fails=$((fails + 1))
	fi
}

ex=$S/scenarios/examples/remap-bbm.yaml

check help 0 "$B" --help
expect_text help "$T/out" "compare SCENARIO"
for c in run compare test; do
	check "help-$c" 0 "$B" $c --help
	expect_text "help-$c" "$T/out" "usage: bbmsim $c"
done
check no-args 2 "$B"
check unknown-command 2 "$B" frobnicate
expect_text unknown-command "$T/err" "unknown command 'frobnicate'"
check unknown-flag 2 "$B" run "$ex" --frob
expect_text unknown-flag "$T/err" "unknown option '--frob'"
check bad-level 2 "$B" run "$ex" --bbm 3
expect_text bad-level "$T/err" "unknown level '3'"
check bad-seed 2 "$B" run "$ex" --seed x12
check bad-jobs 2 "$B" test -j 0
check missing-file 2 "$B" run "$T/nope.yaml"
expect_text missing-file "$T/err" "nope.yaml"
check two-files 2 "$B" run "$ex" "$ex"

check run-example 0 "$B" run "$ex" --bbm 0
expect_text run-example "$T/out" "expectations: 5 of 5 met"

# The kernel kit: a PE whose function returned shows its x0; BUG() is named by its function.
check kit-return 0 "$B" run "$S/tests/kit/call.yaml"
expect_text kit-return "$T/out" "pc 0xffff80008000f000 (returned x0 0x81)"
check kit-bug 0 "$B" run "$S/tests/kit/bug.yaml"
expect_text kit-bug "$T/out" "brk #0x800 at do_bug+0x"

# --quantum: a bad value is refused; a good one is reported (text and JSON).
check bad-quantum 2 "$B" run "$ex" --quantum 0
expect_text bad-quantum "$T/err" "--quantum must be 1..1000000, not 0"
check quantum 0 "$B" run "$ex" --bbm 2 --quantum 16
expect_text quantum "$T/out" "(quantum 16: interleavings finer than that not explored)"
check quantum-json 0 "$B" compare "$ex" --quantum 8 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(l["run"]["quantum"] == 8 for l in d["levels"])' "$T/out" \
	|| { echo "FAIL quantum-json: run.quantum is not 8"; fails=$((fails + 1)); }

# A wrong expectation fails run and test with exit 1 and names the expectation.
bad=$S/tests/expect-fail/wrong-expectation.yaml
check wrong-run 1 "$B" run "$bad" --bbm 0
expect_text wrong-run "$T/out" "FAIL"
check wrong-test 1 "$B" test "$bad" --junit "$T/j.xml"
expect_text wrong-test "$T/out" "0 passed, 4 failed"
expect_text wrong-test "$T/out" "PE 1 x0 == 0x3333: got 0x2222"
expect_text wrong-junit "$T/j.xml" "<failure"

# JSON is valid and byte-identical run to run.
check json 0 "$B" run "$ex" --json --seed 7
cp "$T/out" "$T/a.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["bbmsim_report"]==1 and len(d["levels"])==4' "$T/a.json" \
	|| { echo "FAIL json: not the documented report"; fails=$((fails + 1)); }
check json2 0 "$B" run "$ex" --json --seed 7
cmp -s "$T/out" "$T/a.json" || { echo "FAIL json: two runs differ"; fails=$((fails + 1)); }

# test: -j gives the same lines as sequential.
check test-seq 1 "$B" test "$S/scenarios/examples" "$bad"
cp "$T/out" "$T/seq"
check test-par 1 "$B" test -j 3 "$S/scenarios/examples" "$bad"
cmp -s "$T/out" "$T/seq" || { echo "FAIL -j: output differs from sequential"; diff "$T/seq" "$T/out"; fails=$((fails + 1)); }

# compare prints one column per level.
check compare 0 "$B" compare "$S/scenarios/linear-map/split-live-bbml2.yaml"
expect_text compare "$T/out" "tlb-conflict abort-possible"

# Traces: the flagship at level 0 shows the opening store, the reader's
# accesses inside the conflict window, then the closing TLBI completion.
fl=$S/scenarios/linear-map/split-live-bbml2.yaml
check trace 0 "$B" run "$fl" --bbm 0 --trace "$T/t.txt"
awk '/desc-write .* L1 pa=0x101000/ && !o {o=NR}
     o && / PE1 +mem / && NR > o && !a {a=NR}
     / PE1 +tlbi-complete/ && a && NR > a && !c {c=NR}
     / PE1 +window-close +tlb-conflict violation/ && c {w=NR}
     END {exit !(o && a && c && w)}' "$T/t.txt" \
	|| { echo "FAIL trace: store, accesses, TLBI completion, window close not in order"; fails=$((fails + 1)); }
check trace-per-level 0 "$B" compare "$fl" --trace "$T/p.json" --trace-format perfetto --trace-pes 0-1
for l in 0 1 2 2-noabort; do
	python3 "$S/tools/check_perfetto.py" "$T/p.$l.json" >/dev/null \
		|| { echo "FAIL perfetto level $l"; fails=$((fails + 1)); }
done
check trace-bad-filter 2 "$B" run "$fl" --trace "$T/x.txt" --trace-pes 9-3
check trace-bad-format 2 "$B" run "$fl" --trace "$T/x.txt" --trace-format svg
check trace-unwritable 2 "$B" run "$fl" --bbm 0 --trace /nonexistent/dir/t.txt

# ptdump: the split is visible in the tables, and the TLBs still hold the old block.
check ptdump-before 0 "$B" ptdump "$fl" --at-tick 100
expect_text ptdump-before "$T/out" "1G PUD"
check ptdump-after 0 "$B" ptdump "$fl" --at-tick 8000 --tlb --tree swapper
expect_text ptdump-after "$T/out" "1G PMD"
expect_text ptdump-after "$T/out" "PE1 TLB"
check ptdump-no-tree 2 "$B" ptdump "$fl" --tree nope

# Real code that does not link: a located error naming the source line, exit 2.
e=$S/tests/scenario_errors
check link-undefined 2 "$B" run "$e/link-undefined-symbol.yaml"
expect_text link-undefined "$T/err" "link-undefined-symbol.yaml:13:13: code 'main': undefined reference to \`missing_fn'"
expect_text link-undefined "$T/err" "src/undef.c:7: undefined reference to \`missing_fn'"
check link-overlap 2 "$B" run "$e/link-section-overlap.yaml"
expect_text link-overlap "$T/err" "link-section-overlap.yaml:18:9: code 'main' section '.idmap.text' [0x201000, 0x201008) overlaps code 'other'"
check link-asm-line 2 "$B" run "$e/asm-undefined-label.yaml"
expect_text link-asm-line "$T/err" "asm-undefined-label.yaml:18:7: undefined reference to \`other_block_label'"
if [ -n "$X" ]; then
	check link-x86 2 "$B" run "$X/object-x86.yaml"
	expect_text link-x86 "$T/err" "object-x86.yaml:12:13: code 'main': "
	expect_text link-x86 "$T/err" "x86.o is an ELF object for x86-64, not AArch64"
fi

[ "$fails" = 0 ] && echo "cli: all checks passed"
exit "$fails"
