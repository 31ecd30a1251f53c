#!/usr/bin/env bash
# The motion-trained TinyPulse of MotionQuantizationTests (issue 16's done-when): trained in Swift
# by `rppg train` on `rppg synth --difficulty motion` data (16 subjects × 30 s, seed 11), the
# same training as Tools/quant_methods_motion.sh. Heavy-tailed motion makes MinMax calibration
# lose clearly, which is what the test needs a model for. About 4 minutes on 2 cores.
# Writes Tests/WorkflowTests/Fixtures/motion/tinypulse_motion.pth.
# Usage: Tools/make_motion_fixture.sh [WORKDIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-/tmp/rppg-motion-fixture}
R=${RPPG:-$ROOT/.build/release/rppg}
[ -x "$R" ] || (cd "$ROOT" && swift build -c release --product rppg)
mkdir -p "$W" && cd "$W"
$R synth --output train_raw --subjects 16 --seconds 30 --seed 11 --difficulty motion > /dev/null
$R preprocess --raw-data train_raw --output train > /dev/null
$R train --data train/ubfc_processed.pt --output ck --epochs 20 --threads 1 > train.log 2>&1
mkdir -p "$ROOT/Tests/WorkflowTests/Fixtures/motion"
cp ck/best_model.pth "$ROOT/Tests/WorkflowTests/Fixtures/motion/tinypulse_motion.pth"
tail -3 train.log
echo "Wrote Tests/WorkflowTests/Fixtures/motion/tinypulse_motion.pth"
