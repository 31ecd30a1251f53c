#!/usr/bin/env python3
"""PyTorch side of `rppg-bench train` (developer tool; the product never runs Python).

Trains a zoo model (Tools/pytorch_zoo.py) for one epoch with the recipe of
Tools/train_pytorch_reference.py (Adam, OneCycleLR over the epoch's steps, rPPG-Toolbox
Neg_Pearson, batch 4) on the clips, labels, initial state dict and batch order that
`rppg-bench train` wrote, and prints one line `RESULT {json}` with each step's wall ms, the
epoch's wall seconds, each step's process CPU ms and each step's loss. Invoked by rppg-bench; by hand:

    python3 Tools/bench_train_pytorch.py --model tinypulse --state init.pth --clips c.f32 \
        --labels l.f32 --shape 40,3,128,36,36 --order 3,1,... --threads 1
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from pytorch_zoo import build  # noqa: E402
from train_pytorch_reference import neg_pearson  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--clips", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--shape", required=True, help="N,3,T,H,W of the clips file")
    ap.add_argument("--order", required=True, help="clip indices in batch order, comma-separated")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    shape = [int(v) for v in args.shape.split(",")]
    clips = torch.from_numpy(np.fromfile(args.clips, dtype="<f4").reshape(shape))
    labels = torch.from_numpy(np.fromfile(args.labels, dtype="<f4").reshape(shape[0], shape[2]))
    order = [int(v) for v in args.order.split(",")]
    model = build(args.model, frames=shape[2])
    model.load_state_dict(torch.load(args.state, weights_only=True), strict=True)
    model.train()
    steps = (len(order) + args.batch - 1) // args.batch
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
    times, cpu, losses = [], [], []
    start = last = time.perf_counter()
    last_cpu = time.process_time()
    for k in range(steps):
        part = order[k * args.batch:(k + 1) * args.batch]
        loss = neg_pearson(model(clips[part]), labels[part])
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        losses.append(float(loss.detach()))
        now, now_cpu = time.perf_counter(), time.process_time()
        times.append((now - last) * 1e3)
        cpu.append((now_cpu - last_cpu) * 1e3)
        last, last_cpu = now, now_cpu
    epoch = time.perf_counter() - start
    print("RESULT " + json.dumps({"torch": torch.__version__, "threads": args.threads, "step_ms": times, "step_cpu_ms": cpu,
                                  "epoch_s": epoch, "losses": losses}))


if __name__ == "__main__":
    main()
