#!/usr/bin/env bash
# Where each method breaks (issue 17, item 5): for every `rppg synth --difficulty`, the same
# subjects (seed 21: the same heart rates, faces and light; only the difficulty differs) scored
# by POS and CHROM (whole video) and by the bundled TinyPulse, FP32 and its INT8 QDQ model (per
# 128-frame clip), all against the ground truth's HR line, all subjects. Prints one table.
# About 3 minutes on 2 cores. Usage: Tools/difficulty_sweep.sh [WORKDIR] [SUBJECTS] [SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-/tmp/rppg-difficulty}
N=${2:-8}
S=${3:-30}
R=${RPPG:-$ROOT/.build/release/rppg}
[ -x "$R" ] || (cd "$ROOT" && swift build -c release --product rppg)
mkdir -p "$W" && cd "$W"
[ -f fp32.onnx ] || $R export --checkpoint "$ROOT/Models/tinypulse_default.pth" --output fp32.onnx > /dev/null
subjects=$(seq -s, 1 "$N")
echo "$N subjects × $S s, seed 21; MAE in BPM against the ground truth's HR line"
printf "%-12s %8s %8s %14s %14s\n" difficulty POS CHROM "TinyPulse FP32" "TinyPulse INT8"
for d in standard motion blocking nonrigid dark-skin second-face motion,blocking,nonrigid; do
  [ -f "$d/data/ubfc_processed.pt" ] || {
    $R synth --output "$d/raw" --subjects "$N" --seconds "$S" --seed 21 --difficulty "$d" > /dev/null
    $R preprocess --raw-data "$d/raw" --output "$d/data" > "$d/preprocess.txt" 2>&1
  }
  pos=$($R baseline --method pos --raw-data "$d/raw" 2>/dev/null | awk '/^MAE/ { print $2 }')
  chrom=$($R baseline --method chrom --raw-data "$d/raw" 2>/dev/null | awk '/^MAE/ { print $2 }')
  # Exit code 3 (INT8 degradation) is a result here.
  $R verify --data "$d/data/ubfc_processed.pt" --fp32 fp32.onnx --int8 "$ROOT/Models/tinypulse_default_int8_qdq.onnx" \
    --subjects "$subjects" > "$d/verify.txt" 2>&1 || [ $? -eq 3 ]
  fp=$(awk '/^Per clip/ { c = 1 } c && $1 == "FP32" { print $2; exit }' "$d/verify.txt")
  q=$(awk '/^Per clip/ { c = 1 } c && $1 == "INT8" { print $2; exit }' "$d/verify.txt")
  printf "%-12s %8s %8s %14s %14s\n" "$d" "$pos" "$chrom" "$fp" "$q"
done
