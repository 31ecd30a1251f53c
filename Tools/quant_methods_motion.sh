#!/usr/bin/env bash
# Calibration methods on heavy-tailed motion (issue 16): TinyPulse trained in Swift on
# `rppg synth --difficulty motion` data (16 subjects × 30 s), calibrated on 112 clips of its
# training file, quantized with each method, verified on a separate 6-subject file (all subjects).
# About 5 minutes on 2 cores (training is most of it). Usage: Tools/quant_methods_motion.sh [WORKDIR]
set -euo pipefail
W=${1:-/tmp/rppg-motion}
R=${RPPG:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/rppg}
[ -x "$R" ] || (cd "$(dirname "$0")/.." && swift build -c release --product rppg)
mkdir -p "$W" && cd "$W"
$R synth --output train_raw --subjects 16 --seconds 30 --seed 11 --difficulty motion > /dev/null
$R synth --output test_raw --subjects 6 --seconds 30 --seed 12 --difficulty motion > /dev/null
$R preprocess --raw-data train_raw --output train > /dev/null
$R preprocess --raw-data test_raw --output test > /dev/null
$R train --data train/ubfc_processed.pt --output ck --epochs 20 --threads 1 > train.log 2>&1
$R calibrate --data train/ubfc_processed.pt --output calib.pt > /dev/null
$R export --checkpoint ck/best_model.pth --output fp32.onnx > /dev/null
for m in minmax percentile entropy entropy2048 auto; do
  case $m in entropy2048) args="--method entropy --entropy-bins 2048";; *) args="--method $m";; esac
  $R quantize --model fp32.onnx --calibration calib.pt --output int8_$m.onnx $args > quantize_$m.txt
  # Exit code 3 (degradation) is a result here, not a failure.
  $R verify --data test/ubfc_processed.pt --fp32 fp32.onnx --int8 int8_$m.onnx --subjects 1,2,3,4,5,6 --json v_$m.json > v_$m.txt || [ $? -eq 3 ]
  echo "$m: $(grep -m1 'MAE increase' v_$m.txt | sed 's/^ *//')"
done
grep "^auto:" quantize_auto.txt
