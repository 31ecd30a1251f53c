#!/usr/bin/env bash
# Compiles the Int8Runtime module with Embedded Swift for a Cortex-M (armv7em, run on the
# Cortex-M55 of the STM32N6) and checks what it links against: only the few runtime symbols every
# Embedded Swift object needs (stubbed by firmware), and no soft-float helpers (`__aeabi_l2f`
# and friends appear when an Int32 → Float conversion goes through Int64; see Int8Math.float).
# Run by .ci/run; usage: Tools/check_embedded.sh [output-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
swiftc -target armv7em-none-none-eabi -enable-experimental-feature Embedded -wmo -O -parse-as-library \
    -target-cpu cortex-m55 -module-name Int8Runtime -emit-module -emit-module-path "$out/Int8Runtime.swiftmodule" \
    -I Sources/CInt8DSP/include -c Sources/Int8Runtime/*.swift -o "$out/Int8Runtime.o"
nm="$(dirname "$(command -v swiftc)")/llvm-nm"
[ -x "$nm" ] || nm=nm
undefined=$("$nm" -u "$out/Int8Runtime.o" | awk '{print $NF}' | sort -u)
allowed='^(__aeabi_memclr[48]?|__aeabi_memcpy[48]?|__aeabi_memset[48]?|__aeabi_memmove[48]?|__stack_chk_fail|__stack_chk_guard|free|posix_memalign|memset|memcpy|memmove)$'
bad=$(echo "$undefined" | grep -Ev "$allowed" | grep -v '^$' || true)
if [ -n "$bad" ]; then
    echo "check_embedded: Int8Runtime for armv7em needs symbols a firmware does not provide:" >&2
    echo "$bad" >&2
    exit 1
fi
echo "check_embedded: Int8Runtime compiles with Embedded Swift for armv7em (cortex-m55); undefined symbols: $(echo $undefined)"
