#!/usr/bin/env bash
# Builds a firmware bundle: DIR/firmware (this directory's C files and board.ld), DIR/runtime
# (*.swift of module Int8Runtime, optional CInt8DSP/ C module), DIR/model (rppg_model.h,
# model_data.c) → DIR/out/rppg.elf, rppg.map, rppg.dis, and prints flash and RAM use.
# Extra swiftc flags (e.g. -D RPPG_STUB_FAULT) come from $RPPG_SWIFTFLAGS.
# usage: build.sh DIR
set -euo pipefail

die() { echo "build.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: build.sh BUNDLE_DIR"
dir=$(cd "$1" && pwd) || die "no bundle directory $1"
fw=$dir/firmware rt=$dir/runtime model=$dir/model out=$dir/out

swiftc=$(command -v swiftc) || die "swiftc is not on PATH (the Swift toolchain provides clang and ld.lld too)"
bin=$(dirname "$(readlink -f "$swiftc")")
for tool in clang ld.lld llvm-objdump; do
    [ -x "$bin/$tool" ] || die "$tool not found next to swiftc in $bin"
done
for f in "$fw/board.ld" "$fw/startup.c" "$fw/main.c" "$model/rppg_model.h" "$model/model_data.c"; do
    [ -f "$f" ] || die "missing $f"
done
shopt -s nullglob
swift_sources=("$rt"/*.swift)
[ ${#swift_sources[@]} -gt 0 ] || die "no Swift sources in $rt"
mkdir -p "$out"
rm -f "$out"/*.o

# Embedded Swift for armv7em emits the base (soft-float) procedure call standard while using the
# FPU and MVE (-target-cpu cortex-m55): "softfp". The C side must match for a consistent link.
swift_flags=(-target armv7em-none-none-eabi -enable-experimental-feature Embedded -wmo -O
    -parse-as-library -target-cpu cortex-m55 -Xfrontend -function-sections -module-name Int8Runtime)
c_flags=(--target=arm-none-eabi -mcpu=cortex-m55 -mthumb -mfloat-abi=softfp -O2 -std=c11
    -ffreestanding -fno-strict-aliasing -ffunction-sections -fdata-sections
    -fno-unwind-tables -fno-asynchronous-unwind-tables -Wall -Wextra -I "$fw" -I "$model")
dsp_c=()
if [ -d "$rt/CInt8DSP" ]; then
    swift_flags+=(-I "$rt/CInt8DSP" -Xcc -I"$rt/CInt8DSP")
    dsp_c=("$rt"/CInt8DSP/*.c)
fi
# shellcheck disable=SC2206 # word splitting of the extra flags is intended
swift_flags+=(${RPPG_SWIFTFLAGS:-})

"$bin/swiftc" "${swift_flags[@]}" -c "${swift_sources[@]}" -o "$out/runtime.o" \
    || die "swiftc failed on $rt"
objs=("$out/runtime.o")
for src in "$fw"/*.c "$model/model_data.c" "${dsp_c[@]}"; do
    obj=$out/$(basename "${src%.c}").o
    "$bin/clang" "${c_flags[@]}" -c "$src" -o "$obj" || die "clang failed on $src"
    objs+=("$obj")
done
# ld.lld does not compare float ABIs, so check the build attributes (when a readelf is at hand).
readelf=$bin/llvm-readelf
[ -x "$readelf" ] || readelf=$(command -v llvm-readelf || true)
if [ -n "$readelf" ]; then
    for obj in "${objs[@]}"; do
        if "$readelf" -A "$obj" | grep -q 'AAPCS VFP'; then
            die "$obj passes floats in VFP registers (hard-float); Embedded Swift's objects use softfp"
        fi
    done
fi
"$bin/ld.lld" -T "$fw/board.ld" --gc-sections -Map "$out/rppg.map" -o "$out/rppg.elf" "${objs[@]}" \
    || die "link failed (undefined symbols: the runtime needs something stubs.c lacks; 'does not fit': see board.ld)"
"$bin/llvm-objdump" -d "$out/rppg.elf" > "$out/rppg.dis"

# Section sizes (hex) from the section headers.
"$bin/llvm-objdump" -h "$out/rppg.elf" | awk '
    function hex(s,   v, i) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(tolower(s), i, 1)) - 1; return v }
    $2 ~ /^\./ { size[$2] = hex($3) }
    END {
        flash = size[".text"] + size[".ARM.exidx"] + size[".rodata"] + size[".data"]
        ram = size[".data"] + size[".bss"] + size[".stack"] + size[".arena"]
        printf "flash bytes %d (.text %d, .rodata %d, .data init %d)\n", flash, size[".text"] + size[".ARM.exidx"], size[".rodata"], size[".data"]
        printf "RAM bytes %d (arena %d, .data+.bss %d, stack %d)\n", ram, size[".arena"], size[".data"] + size[".bss"], size[".stack"]
    }'
echo "built $out/rppg.elf"
