#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# cli_test.sh BBMSIM SRCDIR [BUILT_ERRORS] - the command line as a user
# meets it: exit codes, located messages, --json, --junit, -j, determinism,
# a deliberately wrong expectation failing `bbmsim test`, write errors on
# every output (/dev/full) and `bbmsim test` finding no scenario.
# BUILT_ERRORS: the directory where the build put object-x86.yaml and its
# x86-64 object.
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

# Trace files: one per level, named on stderr; a PE filter that matches
# nothing is refused; sizes take suffixes.
check trace-names 0 "$B" compare "$ex" --trace "$T/tn.txt"
for l in 0 1 2 2-noabort; do
	[ -s "$T/tn.$l.txt" ] || { echo "FAIL trace-names: no $T/tn.$l.txt"; fails=$((fails + 1)); }
	expect_text trace-names "$T/err" "trace of level $l written to $T/tn.$l.txt"
done
check trace-pes-missing 2 "$B" run "$ex" --bbm 0 --trace "$T/tp.txt" --trace-pes 5
expect_text trace-pes-missing "$T/err" "--trace-pes names a PE the scenario does not have (it has 2: 0-1)"
check trace-va-suffix 0 "$B" run "$ex" --bbm 0 --trace "$T/tv.txt" --trace-va 0x40100000+4K
expect_text trace-va-suffix "$T/tv.txt" "desc-write"
check trace-dev 0 "$B" compare "$ex" --trace /dev/stdout
[ "$(grep -c '^# bbmsim trace v1' "$T/out")" = 4 ] || { echo "FAIL trace-dev: not four traces on stdout"; fails=$((fails + 1)); }

# Windows grouped by cause with a verdict line (default), or each on its own.
ws=$S/scenarios/bugs/tlbi-wrong-shift.yaml
check windows-grouped 0 "$B" run "$ws" --bbm 0
expect_text windows-grouped "$T/out" "windows: 6 in 2 groups by cause"
expect_text windows-grouped "$T/out" "3 x tlb-conflict violation on PE0-2, VA 0x40100000..0x40101000, 3 open at the end"
expect_text windows-grouped "$T/out" "verdict at level 0: WRONG: 1 rule violation (RGPPYH), 3 violation windows"
check windows-all 0 "$B" run "$ws" --bbm 0 --windows all
expect_text windows-all "$T/out" "  windows: 6"
if [ "$(grep -c '^    PE[0-9] ' "$T/out")" != 6 ]; then
	echo "FAIL windows-all: not one line per window"; fails=$((fails + 1))
fi
check windows-bad 2 "$B" run "$ws" --windows some
expect_text windows-bad "$T/err" "--windows must be grouped or all"
check verdict-clean 0 "$B" run "$S/scenarios/linear-map/split-live-bbml2.yaml" --bbm 2-noabort
expect_text verdict-clean "$T/out" "verdict at level 2-noabort: nothing wrong"
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
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["format"]=="bbmsim-report" and d["version"]==2 and d["complete"] and len(d["levels"])==4' "$T/a.json" \
	|| { echo "FAIL json: not the documented report"; fails=$((fails + 1)); }
check json2 0 "$B" run "$ex" --json --seed 7
cmp -s "$T/out" "$T/a.json" || { echo "FAIL json: two runs differ"; fails=$((fails + 1)); }

# test: -j gives the same lines as sequential.
check test-seq 1 "$B" test "$S/scenarios/examples" "$bad"
cp "$T/out" "$T/seq"
check test-par 1 "$B" test -j 3 "$S/scenarios/examples" "$bad"
cmp -s "$T/out" "$T/seq" || { echo "FAIL -j: output differs from sequential"; diff "$T/seq" "$T/out"; fails=$((fails + 1)); }

# test never dies itself: a scenario whose PE ends in state error (an
# internal error) fails though it expects nothing of the PE states, one that
# crashes the simulator fails naming its level, and the others still run and
# pass (with -j 1 and -j 2). The two hidden knobs stand in for simulator bugs.
rd=$S/tests/runner
check runner-clean 0 "$B" test "$rd"
expect_text runner-clean "$T/out" "6 passed, 0 failed"
for j in 1 2; do
	check "runner-error-j$j" 1 env BBMSIM_TEST_ERROR_VA=0x5ca1e000 "$B" test -j $j "$rd"
	expect_text "runner-error-j$j" "$T/out" \
		"FAIL  $rd/b-bad.yaml [0] PE 0 ended in state error: internal error: injected by BBMSIM_TEST_ERROR_VA"
	expect_text "runner-error-j$j" "$T/out" "PASS  $rd/c-good.yaml [2]"
	expect_text "runner-error-j$j" "$T/out" "4 passed, 2 failed"
	check "runner-crash-j$j" 1 env BBMSIM_TEST_CRASH_VA=0x5ca1e000 "$B" test -j $j "$rd" --junit "$T/c.xml"
	expect_text "runner-crash-j$j" "$T/out" \
		"ERROR $rd/b-bad.yaml [0] crashed: the simulator was killed by signal 11"
	expect_text "runner-crash-j$j" "$T/out" "PASS  $rd/a-good.yaml [2]"
	expect_text "runner-crash-j$j" "$T/out" "PASS  $rd/c-good.yaml [2]"
	expect_text "runner-crash-j$j" "$T/out" "4 passed, 1 failed"
	expect_text "runner-crash-junit-j$j" "$T/c.xml" "crashed: the simulator was killed by signal 11"
done

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

# A write error on any output is exit 2 with a message, never 0.
if [ -w /dev/full ]; then
	check full-run-json 2 sh -c '"$1" run "$2" --json >/dev/full' sh "$B" "$ex"
	expect_text full-run-json "$T/err" "write error on standard output"
	check full-run-text 2 sh -c '"$1" run "$2" --bbm 0 >/dev/full' sh "$B" "$ex"
	check full-compare-json 2 sh -c '"$1" compare "$2" --format json >/dev/full' sh "$B" "$ex"
	check full-compare-md 2 sh -c '"$1" compare "$2" --format markdown >/dev/full' sh "$B" "$ex"
	check full-test 2 sh -c '"$1" test "$2" >/dev/full' sh "$B" "$S/scenarios/examples"
	check full-junit 2 "$B" test "$S/scenarios/examples" --junit /dev/full
	expect_text full-junit "$T/err" "write error on '/dev/full'"
	check full-trace 2 "$B" run "$ex" --bbm 0 --trace /dev/full
	expect_text full-trace "$T/err" "--trace: write error on '/dev/full'"
	check full-trace-perfetto 2 "$B" run "$ex" --bbm 2 --trace /dev/full --trace-format perfetto
	check full-trace-stdout 2 sh -c '"$1" run "$2" --bbm 0 --trace - --trace-format jsonl >/dev/full' sh "$B" "$ex"
	check full-ptdump 2 sh -c '"$1" ptdump "$2" >/dev/full' sh "$B" "$ex"
	check full-help 2 sh -c '"$1" run --help >/dev/full' sh "$B"
else
	echo "cli: /dev/full is not writable here: write-error checks skipped"
fi

# No scenario under a PATH of `bbmsim test` is bad input, not "0 passed".
check test-none 2 "$B" test "$S/docs"
expect_text test-none "$T/err" "no scenarios (*.yaml, *.yml) under '$S/docs'"
mkdir "$T/empty"
check test-none-empty 2 "$B" test "$S/scenarios/examples" "$T/empty"
check test-slash 0 "$B" test "$S/scenarios/examples/"
expect_text test-slash "$T/out" "PASS  $S/scenarios/examples/remap-bbm.yaml [0]"

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
