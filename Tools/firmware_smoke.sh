#!/usr/bin/env bash
# End-to-end test of the Cortex-M55 firmware harness (Firmware/cortex-m55) with the stub runtime:
# builds a bundle, runs 2 clips in QEMU twice and checks outputs, report and determinism, then
# the failure paths (wrong clip size, a BusFault, a Swift trap). Needs swiftc on PATH and
# qemu-system-arm. usage: Tools/firmware_smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
fw=Firmware/cortex-m55
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "firmware_smoke: FAIL: $*" >&2; exit 1; }

# bundle NAME: DIR/firmware, DIR/runtime, DIR/model from the stub; built with $RPPG_SWIFTFLAGS.
bundle() {
    local dir=$work/$1
    mkdir -p "$dir/firmware" "$dir/runtime" "$dir/model"
    cp "$fw"/*.c "$fw"/*.h "$fw"/board.ld "$dir/firmware/"
    cp "$fw"/stub/*.swift "$dir/runtime/"
    cp "$fw"/stub/rppg_model.h "$fw"/stub/model_data.c "$dir/model/"
    "$fw"/build.sh "$dir" > "$dir/build.log" || { cat "$dir/build.log" >&2; fail "build of $1"; }
}

# run NAME INPUT: runs bundle NAME on INPUT in a fresh directory; sets $rc and $rundir.
runs=0
run() {
    runs=$((runs + 1))
    rundir=$work/run$runs
    mkdir -p "$rundir/out"
    cp "$work/$1/out/rppg.elf" "$rundir/out/"
    cp "$2" "$rundir/rppg_in.bin"
    rc=0
    "$fw"/run.sh "$rundir" 30 > "$rundir/console.txt" 2>&1 || rc=$?
}

model_macro() { awk -v name="$1" '$1 == "#define" && $2 == name { print $3 }' "$fw/stub/rppg_model.h"; }
in_bytes=$(model_macro RPPG_INPUT_BYTES)
out_bytes=$(model_macro RPPG_OUTPUT_BYTES)
op_count=$(model_macro RPPG_OP_COUNT)

le32() { printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 24 & 255)))"; }

# input FILE CLIPS CLIP_BYTES: header, then CLIPS × CLIP_BYTES bytes of a fixed LCG sequence.
input() {
    { printf RPPGIN01; le32 "$2"; le32 "$3"
      LC_ALL=C awk -v n=$(($2 * $3)) 'BEGIN { x = 1; for (i = 0; i < n; i++) { x = (x * 75 + 74) % 65537; printf "%c", x % 256 } }'
    } > "$1"
    [ "$(wc -c < "$1")" -eq $((16 + $2 * $3)) ] || fail "generated $1 has the wrong size"
}

# The stub's output: byte j of a clip is the sum of its bytes j, j + OUT, j + 2·OUT, … mod 256.
expected() {
    tail -c +17 "$1" | od -An -v -tu1 | awk -v in_bytes="$in_bytes" -v out="$out_bytes" '
        { for (f = 1; f <= NF; f++) { clip = int(n / in_bytes); k = n % in_bytes; s[clip, k % out] += $f; n++ } }
        END { for (c = 0; c < n / in_bytes; c++) for (j = 0; j < out; j++) print s[c, j] % 256 }'
}

start=$SECONDS
bundle ok
input "$work/in.bin" 2 "$in_bytes"
expected "$work/in.bin" > "$work/expected.txt"
for pass in 1 2; do
    run ok "$work/in.bin"
    [ "$rc" -eq 0 ] || { cat "$rundir/console.txt" >&2; fail "run $pass exited with $rc"; }
    grep -qx 'status ok' "$rundir/rppg_report.txt" || fail "run $pass: no 'status ok' in the report"
    [ "$(wc -c < "$rundir/rppg_out.bin")" -eq $((2 * out_bytes)) ] || fail "run $pass: rppg_out.bin is not 2 × $out_bytes bytes"
    od -An -v -tu1 "$rundir/rppg_out.bin" | tr -s ' ' '\n' | sed '/^$/d' > "$rundir/actual.txt"
    cmp -s "$work/expected.txt" "$rundir/actual.txt" || fail "run $pass: outputs differ from the stub's sums"
    [ "$(grep -c '^op ' "$rundir/rppg_report.txt")" -eq $((2 * op_count)) ] || fail "run $pass: not $op_count op lines per clip"
    grep -E '^(calibration_|clip |op |stack_)' "$rundir/rppg_report.txt" > "$work/timing$pass.txt"
done
cmp -s "$work/timing1.txt" "$work/timing2.txt" || { diff "$work/timing1.txt" "$work/timing2.txt" >&2; fail "tick counts differ between two identical runs"; }
echo "firmware_smoke: 2 clips ok, outputs match, tick counts identical across runs"
sed 's/^/  /' "$rundir/rppg_report.txt"

input "$work/wrong.bin" 1 $((in_bytes + 1))
run ok "$work/wrong.bin"
[ "$rc" -eq 2 ] || fail "a wrong clip size exited with $rc, not 2"
grep -q "clips of $((in_bytes + 1)) bytes" "$rundir/console.txt" || fail "no clear message for a wrong clip size"
grep -q '^status error' "$rundir/rppg_report.txt" || fail "no 'status error' in the report of a wrong clip size"
echo "firmware_smoke: wrong clip size → exit 2: $(cat "$rundir/console.txt")"

for case in "FAULT BusFault at pc=0x" "TRAP UsageFault at pc=0x.*Swift runtime trap"; do
    flag=${case%% *} pattern=${case#* }
    RPPG_SWIFTFLAGS="-D RPPG_STUB_$flag" bundle "$flag"
    run "$flag" "$work/in.bin"
    [ "$rc" -eq 3 ] || fail "the $flag build exited with $rc, not 3"
    grep -q "$pattern" "$rundir/console.txt" || fail "the $flag build's message does not match '$pattern'"
    grep -q "^status error $pattern" "$rundir/rppg_report.txt" || fail "the $flag build's report lacks 'status error'"
    echo "firmware_smoke: $flag build → exit 3: $(cat "$rundir/console.txt")"
done
echo "firmware_smoke: all checks passed in $((SECONDS - start)) s"
