#!/usr/bin/env bash
# Checks the verify HTML report in a real headless browser (Chromium from Debian).
#
#   Tools/check_report_html.sh [WORKDIR] [CHECKPOINT]
#
# 1. builds the release CLI and runs `rppg pipeline` into WORKDIR (default /tmp/e2e-wd; with
#    CHECKPOINT, else the bundled/default checkpoint) unless WORKDIR/reports/verify.html exists;
# 2. checks the HTML is self-contained (no script, stylesheet or image fetched) and holds the four
#    inline SVG charts;
# 3. renders it with `chromium --headless` to WORKDIR/reports/verify.png and dumps the DOM the
#    browser built, checking every chart survived parsing and has marks drawn in it.
# Look at the PNG afterwards: scatter (FP32 and INT8 dots + identity line), Bland–Altman (dots,
# mean and ±1.96 SD lines), per-layer SQNR bars with labels, and the pulse waveform (3 lines).
# Needs: apt-get install -y chromium
set -euo pipefail
cd "$(dirname "$0")/.."
WD=${1:-/tmp/e2e-wd}
CKPT=${2:-}
HTML="$WD/reports/verify.html"
PNG="$WD/reports/verify.png"

if [ ! -f "$HTML" ]; then
    swift build -c release --product rppg
    args=(pipeline --workdir "$WD")
    [ -n "$CKPT" ] && args+=(--checkpoint "$CKPT")
    # Exit code 3 (degradation) still writes the report.
    .build/release/rppg "${args[@]}" || [ $? -eq 3 ]
fi

fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$HTML" ] || fail "$HTML not written"
grep -qi '<script' "$HTML" && fail "report has a script"
grep -qi '<link' "$HTML" && fail "report loads a stylesheet"
grep -qiE '(src|href)=' "$HTML" && fail "report references an external resource"
n=$(grep -o '<svg' "$HTML" | wc -l)
[ "$n" -eq 4 ] || fail "expected 4 inline SVG charts, found $n"

BROWSER=$(command -v chromium || command -v chromium-browser || true)
[ -n "$BROWSER" ] || fail "chromium not installed (apt-get install -y chromium)"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars)
"$BROWSER" "${flags[@]}" --screenshot="$PNG" --window-size=1000,1800 "file://$HTML" 2>/dev/null
[ -s "$PNG" ] || fail "no screenshot"
DOM=$("$BROWSER" "${flags[@]}" --dump-dom "file://$HTML" 2>/dev/null)
svgs=$(grep -o '<svg' <<<"$DOM" | wc -l)
[ "$svgs" -eq 4 ] || fail "browser DOM has $svgs svg elements, expected 4"
circles=$(grep -o '<circle' <<<"$DOM" | wc -l)
polylines=$(grep -o '<polyline' <<<"$DOM" | wc -l)
bars=$(grep -o 'fill="#4575b4"' <<<"$DOM" | wc -l)
[ "$circles" -ge 4 ] || fail "scatter/Bland–Altman: only $circles points"
[ "$polylines" -eq 3 ] || fail "waveform: $polylines lines, expected 3"
[ "$bars" -ge 1 ] || fail "no per-layer bars"
echo "OK: $HTML renders in $(basename "$BROWSER"): 4 charts, $circles points, $bars layer bars, $polylines waveform lines"
echo "Screenshot: $PNG"
