#!/usr/bin/env bash
# Runs DIR/out/rppg.elf on QEMU's Cortex-M55 board with DIR as the semihosting working directory
# (rppg_in.bin in; rppg_out.bin, rppg_report.txt out) and exits with the firmware's exit code.
# -icount shift=0: one instruction = 1 ns of virtual time, so SysTick counts instructions.
# usage: run.sh DIR [timeout seconds, default 600]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: run.sh BUNDLE_DIR [TIMEOUT_SECONDS]" >&2; exit 1; }
cd "$1"
[ -f out/rppg.elf ] || { echo "run.sh: no $1/out/rppg.elf (run build.sh first)" >&2; exit 1; }
exec timeout "${2:-600}" qemu-system-arm -machine mps3-an547 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -icount shift=0 -kernel out/rppg.elf
