#!/usr/bin/env python3
"""End-to-end latency of rppg-swift against its anchors, in one run, on the very same models and input.

For each zoo model: builds it in PyTorch (Tools/pytorch_zoo.py, seeded random weights with non-trivial
BatchNorm statistics), saves the state dict and one seeded input clip, runs the Swift benchmark
(`rppg-bench models --checkpoint ... --input ... --write-onnx ...`, a subprocess) which binds those
weights, times its FP32 and INT8 executors and writes the FP32 ONNX and the QDQ ONNX it ran; then
times ONNX Runtime FP32 and INT8 (those very files, CPU EP, ORT_ENABLE_ALL, intra_op threads 1 and
all) and PyTorch FP32 (torch.set_num_threads 1 and all) on the same input, and prints a table with
ratios. Developer tool only (the product never runs Python).

    swift build -c release --product rppg-bench
    python3 Tools/bench_anchors.py [--models tinypulse,physnet] [--batches 1,8] [--iterations K]
                                   [--workdir /tmp/rppg-bench-work] [--json /tmp/rppg-bench-work/anchors.json]

Latency is per clip (a batch-8 run's time / 8): median and p90 over K runs after one warm-up.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_zoo import build, example_input, randomize_buffers_, DEFAULT_FRAMES, FRAME_MODELS, INPUT_SIZE  # noqa: E402


def input_shape(name, frames, size):
    """Batch-1 input in the model's layout: a clip [1,3,T,S,S], or frames [T(+1),C,S,S]."""
    return tuple(example_input(name, 1, frames, size).shape)


def batched(name, one, batch):
    """`batch` copies of one clip, as rppg-bench's `ModelsBenchmark.repeated`: along dim 0 for
    clip models; for frame models the T frame rows `batch` times, then EfficientPhys's extra frame."""
    if name not in FRAME_MODELS:
        return np.repeat(one, batch, axis=0)
    extra = 1 if name == 'efficientphys' else 0
    rows = one[:len(one) - extra]
    return np.concatenate([np.tile(rows, (batch, 1, 1, 1)), one[len(one) - extra:]], axis=0)


def timed(fn, iterations, batch):
    fn()  # warm-up
    s, cpu = [], []
    for _ in range(iterations):
        c = time.process_time()
        t = time.perf_counter()
        fn()
        s.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    s.sort()
    cpu.sort()
    med = s[len(s) // 2] / batch
    p90 = s[min(len(s) - 1, int(np.ceil(len(s) * 0.9)) - 1)] / batch
    return {"median_ms": med * 1e3, "p90_ms": p90 * 1e3, "clips_per_s": 1 / med, "cpu_ms": cpu[len(cpu) // 2] / batch * 1e3,
            "runs": len(s)}


def load_average():
    return os.getloadavg()[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="tinypulse,physnet")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--iterations", type=int, default=None, help="runs per case (default 30 TinyPulse, 12/batch PhysNet)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="the 'all cores' thread count")
    ap.add_argument("--swift", default=".build/release/rppg-bench")
    ap.add_argument("--workdir", default="/tmp/rppg-bench-work")
    ap.add_argument("--json", default=None)
    ap.add_argument("--openblas-coretype", default=None,
                    help="OPENBLAS_CORETYPE for the Swift process (e.g. SkylakeX where OpenBLAS misdetects the CPU)")
    ap.add_argument("--skip-swift", action="store_true", help="reuse ONNX files already in --workdir")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    batches = [int(b) for b in args.batches.split(",")]
    thread_counts = sorted({1, args.threads})
    rows = []
    print(f"cores={os.cpu_count()} torch={torch.__version__} onnxruntime={ort.__version__} loadavg={load_average():.1f}")

    for name in args.models.split(","):
        frames, size = DEFAULT_FRAMES[name], INPUT_SIZE[name]
        iterations = args.iterations or (30 if name == "tinypulse" else None)
        torch.manual_seed(0)
        model = randomize_buffers_(build(name, frames), seed=0).eval()
        ckpt = os.path.join(args.workdir, f"{name}.pth")
        torch.save(model.state_dict(), ckpt)
        clip = np.random.default_rng(7).standard_normal(input_shape(name, frames, size)).astype(np.float32)
        clip_path = os.path.join(args.workdir, f"{name}_clip.f32")
        clip.tofile(clip_path)

        swift = {}
        if not args.skip_swift:
            cmd = [args.swift, "models", "--model", name, "--checkpoint", ckpt, "--input", clip_path,
                   "--write-onnx", args.workdir]
            for b in batches:
                c = cmd + ["--batch", str(b)]
                if args.iterations:
                    c += ["--iterations", str(args.iterations)]
                print("$ " + " ".join(c) + f"   (loadavg {load_average():.1f})", flush=True)
                env = dict(os.environ)
                if args.openblas_coretype:
                    env["OPENBLAS_CORETYPE"] = args.openblas_coretype
                    print(f"  (OPENBLAS_CORETYPE={args.openblas_coretype})")
                out = subprocess.run(c, check=True, capture_output=True, text=True, env=env).stdout
                for line in out.splitlines():
                    if line.startswith("RESULT "):
                        r = json.loads(line[7:])
                        swift[(r["precision"], r["threads"], r["batch"])] = r
                    else:
                        print("  " + line)

        for b in batches:
            x = batched(name, clip, b)
            xt = torch.from_numpy(x)
            n = iterations or max(3, 12 // b)
            fp32_path = os.path.join(args.workdir, f"{name}_b{b}_fp32.onnx")
            int8_path = os.path.join(args.workdir, f"{name}_b{b}_int8.onnx")
            for threads in thread_counts:
                row = {"model": name, "batch": b, "threads": threads, "loadavg": load_average()}
                for prec in ("fp32", "int8"):
                    if (prec, threads, b) in swift:
                        row[f"swift_{prec}"] = swift[(prec, threads, b)]
                so = ort.SessionOptions()
                so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                so.intra_op_num_threads = threads
                so.inter_op_num_threads = 1
                outputs = {}
                for prec, path in (("fp32", fp32_path), ("int8", int8_path)):
                    try:
                        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
                    except Exception as e:  # noqa: BLE001  (reported, not hidden)
                        print(f"  ORT could not load {path}: {e}")
                        continue
                    outputs[prec] = sess.run(None, {"input": x})[0]
                    row[f"ort_{prec}"] = timed(lambda: sess.run(None, {"input": x}), n, b)
                torch.set_num_threads(threads)
                with torch.inference_mode():
                    ref = model(xt).numpy()
                    row["torch_fp32"] = timed(lambda: model(xt), n, b)
                if "fp32" in outputs:
                    row["ort_fp32_vs_torch_maxabs"] = float(np.abs(outputs["fp32"] - ref).max())
                rows.append(row)
                print_row(row, flush=True)

    print()
    print_table(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


def ms(row, key, field="median_ms"):
    v = row.get(key)
    return v[field] if v else float("nan")


def print_row(row, flush=False):
    print(f"  {row['model']} b{row['batch']} t{row['threads']}: " + ", ".join(
        f"{k} {ms(row, k):.2f}/{row[k]['p90_ms']:.2f} ms (cpu {row[k]['cpu_ms']:.2f})" for k in ("swift_fp32", "swift_int8", "ort_fp32", "ort_int8", "torch_fp32")
        if k in row) + f" (loadavg {row['loadavg']:.1f})", flush=flush)


def print_table(rows):
    print_table_of(rows, "median_ms", "median wall ms per clip")
    print()
    print_table_of(rows, "cpu_ms", "median process CPU ms per clip (robust to other load; equals latency for 1 thread on an idle core)")


def print_table_of(rows, key, title):
    head = (f"{'model':10}{'b':>3}{'thr':>4} | {'Swift FP32':>10}{'ORT FP32':>10}{'PT FP32':>10} | {'Swift INT8':>10}{'ORT INT8':>10}"
            f" | {'S/ORT fp32':>10}{'S/PT fp32':>10}{'S/ORT int8':>10} | {'S int8 x':>9}{'ORT int8 x':>11}{'load':>6}")
    print(title + "; ratios < 1 mean Swift is faster; 'int8 x' = FP32 time / INT8 time (same engine)")
    print(head)
    print("-" * len(head))
    for r in rows:
        sf, si, of, oi, pf = (ms(r, k, key) for k in ("swift_fp32", "swift_int8", "ort_fp32", "ort_int8", "torch_fp32"))
        print(f"{r['model']:10}{r['batch']:>3}{r['threads']:>4} | {sf:10.2f}{of:10.2f}{pf:10.2f} | {si:10.2f}{oi:10.2f}"
              f" | {sf / of:10.2f}{sf / pf:10.2f}{si / oi:10.2f} | {sf / si:9.2f}{of / oi:11.2f}{r['loadavg']:6.1f}")


if __name__ == "__main__":
    main()
