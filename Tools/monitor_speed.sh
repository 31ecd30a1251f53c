#!/bin/sh
# rppg monitor's speed at 640×480 (issue 17: at least 30 frames/s on one core): a 30 s synthetic
# 640×480 video with known HR, then the monitor with the bundled INT8 model on one thread, with
# first-frame detection and with re-detection every 30 frames. Prints the CPU and each summary.
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product rppg >/dev/null
dir=${1:-/tmp/rppg-monitor-speed}
rm -rf "$dir"
.build/release/rppg synth --output "$dir/raw" --subjects 1 --seconds 30 --seed 0 --width 640 --height 480 --threads 1
grep -m1 'model name' /proc/cpuinfo
for every in 0 30; do
    echo "--redetect-every $every:"
    .build/release/rppg monitor --video "$dir/raw/subject1/vid.avi" --threads 1 --redetect-every "$every" \
        --output "$dir/out-$every" | tail -4
done
