#!/usr/bin/env python3
"""One PyTorch training step of TS-CAN and EfficientPhys (Tools/pytorch_zoo.py), for
Tests/WorkflowTests/FrameModelTrainingTests.swift.

Rerun from the repository root:  python3 Tools/make_frame_model_training_fixtures.py
Starts from Tests/RPPGTests/Fixtures/zoo/{deepphys,efficientphys}_weights.pth (TS-CAN has DeepPhys's
keys) on the input of the FP32 fixture <model>_frames_b2_t10_s36.pt (2 clips × 10 frames, 36 px):
train mode (BatchNorm on batch statistics) with dropout off (its masks come from PyTorch's RNG),
MSE against a seeded pulse-like label (the toolbox trains these models with MSELoss), one SGD
step at lr 1 (Adam's first step is lr·g/(|g| + ε), which turns gradients near ε ≈ 1e-8 — some
weights here have them — into steps set by float32 noise; SGD's step is the gradient itself).
Writes Tests/WorkflowTests/Fixtures/frame_models/<model>_train_step.pt: {'labels', 'output',
'loss', 'gradients' (of the parameters), 'updated': state dict after the step}, with
final_dense_1.weight replaced by every 64th value as 'final_dense_1.weight[::64]' (the full one is 1.6 MB).
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
SAMPLE = 64


def step(name, weights):
    torch.manual_seed(0)
    model = pytorch_zoo.build(name, img_size=36)
    model.load_state_dict(torch.load(os.path.join(ZOO, weights), weights_only=True), strict=True)
    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.eval()
    x = torch.load(os.path.join(ZOO, f"{name}_frames_b2_t10_s36.pt"), weights_only=True)["input"]
    t = torch.arange(20, dtype=torch.float32)
    labels = torch.sin(2 * math.pi * 1.3 * t / 30 + 0.4).reshape(20, 1)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    y = model(x)
    loss = F.mse_loss(y, labels)
    opt.zero_grad()
    loss.backward()
    grads = {k: p.grad.clone() for k, p in model.named_parameters()}
    grads["final_dense_1.weight[::64]"] = grads.pop("final_dense_1.weight").flatten()[::SAMPLE].clone()
    opt.step()
    updated = {k: v.clone() for k, v in model.state_dict().items()}
    updated["final_dense_1.weight[::64]"] = updated.pop("final_dense_1.weight").flatten()[::SAMPLE].clone()
    path = os.path.join(OUT, f"{name}_train_step.pt")
    torch.save({"labels": labels, "output": y.detach(), "loss": loss.detach(), "gradients": grads, "updated": updated}, path)
    print(f"{path}: loss {float(loss.detach()):.6f}, {os.path.getsize(path) / 1e6:.2f} MB")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    step("tscan", "deepphys_weights.pth")
    step("efficientphys", "efficientphys_weights.pth")
