#!/usr/bin/env python3
"""Two optimizer steps of rPPG-Toolbox's DeepPhys/TS-CAN/EfficientPhys trainers in PyTorch, for
Tests/WorkflowTests/FrameModelTrainerTests.swift (the path `rppg train` runs: Trainer with
FrameLayout batches, MSE, Adam + OneCycle).

Rerun from the repository root:  python3 Tools/make_frame_model_trainer_fixtures.py
Follows neural_methods/trainer/{DeepPhys,Tscan,EfficientPhys}Trainer.py: a batch of clips
[N, D, C, H, W] becomes frames data.view(N*D, C, H, W) (rows cut to a multiple of frame_depth for
TS-CAN and EfficientPhys; EfficientPhys appends the batch's last frame once more), labels
labels.view(-1, 1), MSELoss, AdamW(lr, weight_decay=0) and OneCycleLR(max_lr=lr, epochs=2,
steps_per_epoch=2), two steps on the same batch. Dropout is off (its masks come from PyTorch's
RNG). The clips are stored in rppg's dataset layout [N, C, T, H, W] (rPPG-Toolbox's NCDHW).
Starts from Tests/RPPGTests/Fixtures/zoo/{deepphys,efficientphys}_weights.pth (36 px; TS-CAN has
DeepPhys's keys). Writes Tests/WorkflowTests/Fixtures/frame_models/<model>_trainer_steps.pt:
{'clips', 'labels', 'losses' [2], 'updated': state dict after both steps}, with
final_dense_1.weight replaced by every 64th value as 'final_dense_1.weight[::64]'.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tools"))
import pytorch_zoo  # noqa: E402

ZOO = os.path.join(ROOT, "Tests", "RPPGTests", "Fixtures", "zoo")
OUT = os.path.join(ROOT, "Tests", "WorkflowTests", "Fixtures", "frame_models")
SAMPLE, N, T, S, LR, FRAME_DEPTH = 64, 2, 10, 36, 1e-3, 10


def run(name, weights, clips, labels, layout_error=False):
    """The toolbox trainer's two steps; `layout_error` reads the NCDHW clips as if they were
    NDCHW (what a wrong frame layout would do), to show that the fixture tells the two apart."""
    torch.manual_seed(0)
    model = pytorch_zoo.build(name, img_size=S)
    model.load_state_dict(torch.load(os.path.join(ZOO, weights), weights_only=True), strict=True)
    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.eval()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, epochs=2, steps_per_epoch=2)
    losses = []
    for _ in range(2):
        data = clips.permute(0, 2, 1, 3, 4)  # NCDHW → the toolbox's NDCHW
        n, d, c, h, w = data.shape
        if layout_error:
            data = clips.reshape(n, d, c, h, w)
        data = data.reshape(n * d, c, h, w)
        y = labels.reshape(-1, 1)
        if name != "deepphys":
            keep = (n * d) // FRAME_DEPTH * FRAME_DEPTH
            data, y = data[:keep], y[:keep]
        if name == "efficientphys":
            data = torch.cat((data, data[-1:].repeat(1, 1, 1, 1)), 0)
        opt.zero_grad()
        loss = F.mse_loss(model(data), y)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    return losses, {k: v.clone() for k, v in model.state_dict().items()}


def steps(name, weights, channels):
    g = torch.Generator().manual_seed(11)
    # Noise plus a per-channel offset and a per-frame ramp: a permutation of iid noise alone would
    # look like the same input to the trainer (Adam's first steps follow the gradients' signs).
    c = torch.arange(channels, dtype=torch.float32).reshape(1, channels, 1, 1, 1)
    f = torch.arange(T, dtype=torch.float32).reshape(1, 1, T, 1, 1)
    clips = torch.randn(N, channels, T, S, S, generator=g) + 0.5 * (c - channels / 2) + 0.3 * torch.sin(f + c)
    t = torch.arange(T, dtype=torch.float32)
    labels = torch.stack([torch.sin(2 * math.pi * (1.1 + 0.3 * k) * t / 30 + k) for k in range(N)])
    losses, state = run(name, weights, clips, labels)
    _, wrong = run(name, weights, clips, labels, layout_error=True)
    worst = max(float((wrong[k] - v).abs().max() / v.abs().max()) for k, v in state.items() if v.dtype == torch.float32)
    print(f"{name}: a wrong frame layout moves the updated weights by up to {worst:.2e} (relative)")
    updated = state
    updated["final_dense_1.weight[::64]"] = updated.pop("final_dense_1.weight").flatten()[::SAMPLE].clone()
    path = os.path.join(OUT, f"{name}_trainer_steps.pt")
    torch.save({"clips": clips, "labels": labels, "losses": torch.tensor(losses, dtype=torch.float64),
                "updated": updated}, path)
    print(f"{path}: losses {losses}, {os.path.getsize(path) / 1e6:.2f} MB")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    steps("deepphys", "deepphys_weights.pth", 6)
    steps("tscan", "deepphys_weights.pth", 6)
    steps("efficientphys", "efficientphys_weights.pth", 3)
