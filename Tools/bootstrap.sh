#!/usr/bin/env bash
# Installs the system libraries the package links (OpenBLAS, zlib) and the Haar cascade data
# (opencv-data), and QEMU's Arm system emulator (qemu-system-arm, whose mps3-an547 board runs the
# Cortex-M55 firmware of `rppg deploy-run` and its tests), only when missing. Safe to run repeatedly; needs root (or sudo) to install.
set -euo pipefail
need=()
[ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/cblas.h ] || [ -e /usr/include/aarch64-linux-gnu/cblas.h ] || need+=(libopenblas-dev)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
[ -e /usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml ] || need+=(opencv-data)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "bootstrap: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
