#!/usr/bin/env bash
# Runs every rppg-swift benchmark (release build) and writes raw outputs to $W/.
#   Tools/run_benchmarks.sh            full run (tens of minutes on 2 cores; PhysNet dominates)
#   Tools/run_benchmarks.sh --smoke    checks every benchmark still runs (tiny shapes, ~1 min)
# Numbers go into Benchmarks/RESULTS.md by hand, with the load average printed next to each.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${BENCH_WORK:-/tmp/rppg-bench-work}
mkdir -p "$W"
swift build -c release --product rppg-bench
swift build -c release --product rppg
BENCH=.build/release/rppg-bench
echo "== machine"; lscpu | grep -E 'Model name|^CPU\(s\)'; grep -o -m1 -w 'avx512_vnni\|avx_vnni' /proc/cpuinfo | head -1 || echo "no VNNI"
echo "== loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ "${1:-}" == "--smoke" ]]; then
    "$BENCH" models --smoke --model all
    "$BENCH" layers --smoke
    "$BENCH" train --model tinypulse --frames 16 --steps 2 --threads 1
    exit 0
fi
"$BENCH" kernels --threads 1 | tee $W/kernels_t1.txt
"$BENCH" kernels --threads "$(nproc)" | tee $W/kernels_tall.txt
"$BENCH" layers --threads 1 | tee $W/layers_t1.txt
"$BENCH" layers --threads "$(nproc)" | tee $W/layers_tall.txt
python3 Tools/bench_anchors.py --workdir "$W" --models tinypulse,physnet --json $W/anchors.json | tee $W/anchors.txt
"$BENCH" models --model factorizephys --iterations 3 | tee $W/factorizephys.txt || echo "factorizephys did not run"
"$BENCH" train --model tinypulse --steps 10 | tee $W/train_tinypulse.txt
"$BENCH" train --model physnet --steps 3 | tee $W/train_physnet.txt
python3 Tools/bench_workflow.py --workdir "$W/workflow" --json $W/workflow.json | tee $W/workflow.txt
