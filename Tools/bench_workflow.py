#!/usr/bin/env python3
"""Whole-workflow wall time: `rppg pipeline` (release) against Tools/reference_workflow.py (PyTorch + ORT).

Both run calibrate -> export -> quantize -> verify on the same processed dataset and the same
TinyPulse checkpoint. Steps:
  1. checkpoint: Models/tinypulse_default.pth if present, else a seeded PyTorch TinyPulse saved to
     <workdir>/tinypulse_bench.pth (random weights, non-trivial BatchNorm statistics);
  2. `rppg pipeline --workdir W --checkpoint C` once to synthesize the default dataset (not timed);
  3. `rppg pipeline --workdir W --data W/data/ubfc_processed.pt --checkpoint C --force` (timed:
     process wall time and the per-step seconds of W/pipeline.json);
  4. `python3 Tools/reference_workflow.py --workdir W --data ... --checkpoint C` (timed: process wall
     time; its own per-step table, which also shows the Swift steps side by side).

    swift build -c release --product rppg
    python3 Tools/bench_workflow.py [--workdir /tmp/rppg-bench-work/workflow] [--threads N]

Developer tool only (the product never runs Python).
"""
import argparse
import json
import resource
import os
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_zoo import TinyPulse, randomize_buffers_  # noqa: E402

STEPS = ("calibrate", "export", "quantize", "verify")


def run(cmd):
    print(f"$ {' '.join(cmd)}   (loadavg {os.getloadavg()[0]:.1f})", flush=True)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    c2 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (c2.ru_utime + c2.ru_stime) - (c.ru_utime + c.ru_stime)
    print(f"  wall {wall:.2f} s, CPU (user+sys, all threads) {cpu:.2f} s", flush=True)
    if p.returncode not in (0, 3):  # 3: the pipeline's "INT8 degrades MAE" verdict, still a full run
        print(p.stdout[-3000:], p.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(cmd)} (exit {p.returncode})")
    return wall, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", default="/tmp/rppg-bench-work/workflow")
    ap.add_argument("--rppg", default=".build/release/rppg")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    ckpt = "Models/tinypulse_default.pth"
    if not os.path.exists(ckpt):
        ckpt = os.path.join(args.workdir, "tinypulse_bench.pth")
        torch.manual_seed(0)
        torch.save(randomize_buffers_(TinyPulse(), seed=0).state_dict(), ckpt)
    data = os.path.join(args.workdir, "data", "ubfc_processed.pt")
    if not os.path.exists(data):
        run([args.rppg, "pipeline", "--workdir", args.workdir, "--checkpoint", ckpt, "--threads", str(args.threads)])
    swift_wall, _ = run([args.rppg, "pipeline", "--workdir", args.workdir, "--data", data, "--checkpoint", ckpt,
                         "--threads", str(args.threads), "--force"])
    steps = {s["name"]: s["seconds"] for s in json.load(open(os.path.join(args.workdir, "pipeline.json")))["steps"]}
    ref_wall, ref_out = run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference_workflow.py"),
                             "--workdir", args.workdir, "--data", data, "--checkpoint", ckpt])
    print(ref_out)
    swift_steps = sum(steps.get(k, 0.0) for k in STEPS)
    print(f"rppg pipeline (Swift) process wall time : {swift_wall:8.2f} s   (steps {', '.join(f'{k} {steps.get(k, 0):.2f}' for k in STEPS)}; sum {swift_steps:.2f} s)")
    print(f"reference_workflow.py process wall time : {ref_wall:8.2f} s")
    print(f"speed-up (process wall time)            : {ref_wall / swift_wall:8.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"checkpoint": ckpt, "swift_wall_s": swift_wall, "swift_steps": steps,
                       "reference_wall_s": ref_wall, "reference_output": ref_out}, f, indent=1)


if __name__ == "__main__":
    main()
