#!/usr/bin/env python3
"""Checks that a change to the training kernels leaves the loss curve where it was (developer tool).

Runs `rppg-bench train --no-pytorch --losses` of two builds (e.g. the parent commit's binary and
the current one) on the same clips, initial weights (seed 0), batch order, batch size 4 and
learning rate (rppg train's defaults), and compares every step's loss. Exits 1 when any differs
by more than --tolerance (1e-5 absolute: float rounding of a loss near 1, and below the 5e-6
the Swift and PyTorch curves differ by on the same data).

    python3 Tools/compare_train_losses.py --before /tmp/rppg-bench-before \
        --after .build/release/rppg-bench --model tinypulse --steps 10 --threads 1,2
"""
import argparse
import subprocess
import sys


def losses(binary, model, steps, threads, frames):
    cmd = [binary, "train", "--model", model, "--steps", str(steps), "--threads", str(threads),
           "--no-pytorch", "--losses"]
    if frames:
        cmd += ["--frames", str(frames)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    line = next(l for l in out.splitlines() if l.strip().startswith("swift losses:"))
    return [float(v) for v in line.split(":", 1)[1].split()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--model", default="tinypulse")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--frames", type=int, default=0)
    ap.add_argument("--tolerance", type=float, default=1e-5)
    args = ap.parse_args()
    worst = 0.0
    for t in [int(v) for v in args.threads.split(",")]:
        a = losses(args.before, args.model, args.steps, t, args.frames)
        b = losses(args.after, args.model, args.steps, t, args.frames)
        assert len(a) == len(b) == args.steps
        diff = max(abs(x - y) for x, y in zip(a, b))
        worst = max(worst, diff)
        print(f"{args.model} threads {t}: {len(a)} steps, max |loss difference| {diff:.3g}")
        print("  before: " + " ".join(f"{v:.9g}" for v in a))
        print("  after:  " + " ".join(f"{v:.9g}" for v in b))
    ok = worst <= args.tolerance
    print(f"{'OK' if ok else 'FAIL'}: largest difference {worst:.3g} (tolerance {args.tolerance:g})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
