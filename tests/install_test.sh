#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# install_test.sh BUILD_DIR - `cmake --install` puts the command, the man page
# (when help2man built it), bash completion and the docs in the usual places
# under a prefix, and the installed command runs.
set -u
b=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

cmake --install "$b" --prefix "$T" >/dev/null || fail "cmake --install"
[ -x "$T/bin/bbmsim" ] || fail "no bin/bbmsim"
"$T/bin/bbmsim" --version | grep -q '^bbmsim [0-9]' || fail "--version"
[ -f "$T/share/bash-completion/completions/bbmsim" ] || fail "no bash completion"
grep -q 'complete -o filenames -F _bbmsim bbmsim' "$T/share/bash-completion/completions/bbmsim" ||
	fail "completion does not register"
[ -f "$T/share/doc/bbmsim/README.md" ] || fail "no README"
[ -f "$T/share/doc/bbmsim/docs/scenario-format.md" ] || fail "no docs"
if [ -f "$b/bbmsim.1" ]; then
	m=$T/share/man/man1/bbmsim.1
	[ -f "$m" ] || fail "man page built but not installed"
	grep -q '^\.TH BBMSIM' "$m" || fail "man page has no .TH"
	grep -q 'compare SCENARIO' "$m" || fail "man page lacks the commands of --help"
	grep -q 'EXIT STATUS' "$m" || fail "man page lacks the included sections"
else
	echo "note: help2man not installed, no man page checked"
fi
# The completion offers the commands and a command's options.
if command -v bash >/dev/null; then
	out=$(bash -c ". '$T/share/bash-completion/completions/bbmsim'; COMP_WORDS=(bbmsim co); COMP_CWORD=1; _bbmsim; echo \${COMPREPLY[*]}")
	[ "$out" = "compare" ] || fail "completion of 'co': '$out'"
	out=$(bash -c ". '$T/share/bash-completion/completions/bbmsim'; COMP_WORDS=(bbmsim run x.yaml --bb); COMP_CWORD=3; _bbmsim; echo \${COMPREPLY[*]}")
	[ "$out" = "--bbm" ] || fail "completion of 'run --bb': '$out'"
fi
[ "$fails" = 0 ] && echo "install: ok"
exit $((fails != 0))
