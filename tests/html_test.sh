#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# html_test.sh BBMSIM SRCDIR OUTDIR - the HTML report in a real browser:
# headless Debian chromium loads `bbmsim compare FLAGSHIP --html`, and in
# the DOM it built the number of window bars per level and PE equals the
# JSON report's; the page needs nothing from the network; a screenshot is
# written to OUTDIR/html-flagship.png (a CI artifact).
set -u
B=$1
S=$2
OUT=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	echo "FAIL: no chromium (apt-get install chromium; tools/quickstart.sh test installs it)"
	exit 1
fi
flag=$S/scenarios/linear-map/split-live-bbml2.yaml
for sc in "$flag" "$S/scenarios/bugs/tlbi-wrong-shift.yaml"; do
	"$B" compare "$sc" --html "$T/r.html" >/dev/null || fail "compare --html $sc"
	"$B" compare "$sc" --format json >"$T/r.json" || fail "compare --format json $sc"
	# Self-contained: no external scripts, styles, fonts or images.
	if grep -Eq '(src|href)="(https?:)?//' "$T/r.html"; then
		fail "$sc: the page loads something from the network"
	fi
	run() {
		timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
			--user-data-dir="$T/profile" "$@" "file://$T/r.html" 2>/dev/null
	}
	run --dump-dom >"$T/dom.html" || fail "$sc: chromium --dump-dom"
	${BBMSIM_PYTHON:-python3} - "$T/r.json" "$T/dom.html" <<'PY' || fail "$sc: window bars differ from the JSON report"
import collections, json, re, sys
rep = json.load(open(sys.argv[1]))
want = collections.Counter((l["level"], w["pe"]) for l in rep["levels"] for w in l["windows"])
dom = open(sys.argv[2]).read()
got = collections.Counter(re.findall(r'<rect class="win [^"]*" data-level="([^"]+)" data-pe="(\d+)"', dom))
got = collections.Counter({(l, int(p)): n for (l, p), n in got.items()})
if not want or got != want:
    print("JSON windows per (level, PE):", dict(want))
    print("DOM bars per (level, PE):    ", dict(got))
    sys.exit(1)
sections = re.findall(r'<section data-level="([^"]+)"', dom)
if sections != [l["level"] for l in rep["levels"]]:
    print("levels drawn", sections, "want", [l["level"] for l in rep["levels"]])
    sys.exit(1)
print("ok: %d window bars over %d levels" % (sum(got.values()), len(sections)))
PY
done
"$B" compare "$flag" --html "$T/r.html" >/dev/null
mkdir -p "$OUT"
run --window-size=1100,1600 --screenshot="$OUT/html-flagship.png" >/dev/null
[ -s "$OUT/html-flagship.png" ] || fail "no screenshot"
"$B" run "$flag" --bbm 0 --html /dev/full >/dev/null 2>"$T/err"
[ $? = 2 ] || fail "--html /dev/full is not exit 2"
[ "$fails" = 0 ] && echo "html: ok (screenshot $OUT/html-flagship.png)"
exit $((fails != 0))
