#!/usr/bin/env python3
"""Fixtures for Tests/TrainingTests: PyTorch forward/backward of single ops, optimizer steps,
schedules, and one full TinyPulse training step with Adam.

Rerun from the repository root:
    python3 Tools/make_training_fixtures.py
Writes Tests/TrainingTests/Fixtures/training.json (index + small values) and training.bin
(float32 little-endian arrays referenced by [offset, count] from the JSON).
Needs torch (CPU). Everything is seeded; the output is deterministic.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "TrainingTests", "Fixtures")

blob = bytearray()


def put(t):
    """Stores a tensor's float32 values; returns {shape, offset, count} for the JSON index."""
    a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
    off = len(blob) // 4
    blob.extend(a.tobytes())
    return {"shape": list(a.shape), "offset": off, "count": int(a.size)}


def op_case(name, op, attrs, fn, inputs, trainable):
    """Runs fn(*inputs) forward and backward with a random upstream gradient."""
    leaves = [x.clone().requires_grad_(True) for x in inputs]
    y = fn(*leaves)
    dy = torch.randn_like(y)
    y.backward(dy)
    return {
        "name": name, "op": op, "attrs": attrs,
        "inputs": [put(x) for x in inputs],
        "output": put(y), "outputGradient": put(dy),
        "inputGradients": [put(x.grad) if x.grad is not None else None for x in leaves],
        "trainable": trainable,
    }


def op_cases():
    r = torch.randn
    cases = []
    conv_specs = [
        ("conv1d", 1, dict(stride=[2], pad=[1], dil=[1], groups=1), (2, 4, 11), (6, 4, 3), True),
        ("conv2d_groups_dilation", 2, dict(stride=[1, 2], pad=[2, 1], dil=[2, 1], groups=2), (2, 4, 7, 8), (6, 2, 3, 3), True),
        ("conv3d_tinypulse_stem", 3, dict(stride=[1, 1, 1], pad=[0, 2, 2], dil=[1, 1, 1], groups=1), (2, 3, 4, 9, 9), (5, 3, 1, 5, 5), False),
        ("conv3d_stride_pad", 3, dict(stride=[2, 1, 2], pad=[1, 1, 0], dil=[1, 1, 1], groups=1), (2, 3, 5, 6, 7), (4, 3, 3, 3, 3), True),
        ("conv3d_pointwise", 3, dict(stride=[1, 1, 1], pad=[0, 0, 0], dil=[1, 1, 1], groups=1), (2, 4, 3, 2, 2), (1, 4, 1, 1, 1), True),
    ]
    fns = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
    for name, d, a, xs, ws, bias in conv_specs:
        ins = [r(*xs), r(*ws) * 0.3] + ([r(ws[0]) * 0.1] if bias else [])
        fn = lambda x, w, b=None, d=d, a=a: fns[d](x, w, b, stride=a["stride"], padding=a["pad"], dilation=a["dil"], groups=a["groups"])
        cases.append(op_case(name, "conv", {"kernel": list(ws[2:]), "stride": a["stride"], "pads": a["pad"],
                                            "dilation": a["dil"], "groups": a["groups"]}, fn, ins, True))
    # PhysNet's upsample: ConvTranspose3d k(4,1,1) s(2,1,1) p(1,0,0).
    ins = [r(2, 4, 5, 3, 3), r(4, 3, 4, 1, 1) * 0.3, r(3) * 0.1]
    cases.append(op_case("convtranspose3d_physnet", "convTranspose",
                         {"kernel": [4, 1, 1], "stride": [2, 1, 1], "pads": [1, 0, 0], "dilation": [1, 1, 1], "groups": 1},
                         lambda x, w, b: F.conv_transpose3d(x, w, b, stride=(2, 1, 1), padding=(1, 0, 0)), ins, True))
    ins = [r(2, 4, 5, 6) * 0.5, r(4, 1, 3, 2) * 0.3]
    cases.append(op_case("convtranspose2d_groups", "convTranspose",
                         {"kernel": [3, 2], "stride": [2, 2], "pads": [1, 0], "dilation": [1, 1], "groups": 4},
                         lambda x, w: F.conv_transpose2d(x, w, None, stride=2, padding=(1, 0), groups=4), ins, True))
    # BatchNorm in training mode, with its running statistics after the step.
    x = r(3, 4, 2, 3, 3) * 2 + 1
    g, b = r(4) * 0.5 + 1, r(4) * 0.1
    rm, rv = r(4) * 0.1, torch.rand(4) + 0.5
    rm2, rv2 = rm.clone(), rv.clone()
    case = op_case("batchnorm3d_train", "batchNorm", {"epsilon": 1e-5},
                   lambda x, g, b: F.batch_norm(x, rm2, rv2, g, b, training=True, momentum=0.1, eps=1e-5), [x, g, b], True)
    case["runningMean"], case["runningVar"] = put(rm), put(rv)
    case["runningMeanAfter"], case["runningVarAfter"] = put(rm2), put(rv2)
    cases.append(case)
    cases.append(op_case("instancenorm2d", "instanceNorm", {"epsilon": 1e-5},
                         lambda x, g, b: F.instance_norm(x, weight=g, bias=b, eps=1e-5), [r(2, 3, 4, 5), r(3) + 1, r(3)], True))
    x = r(2, 3, 5, 7, 6)
    cases.append(op_case("maxpool3d_ceil_pad", "maxPool", {"kernel": [2, 3, 2], "stride": [2, 2, 2], "pads": [0, 1, 1], "ceil": True},
                         lambda x: F.max_pool3d(x, (2, 3, 2), (2, 2, 2), (0, 1, 1), ceil_mode=True), [x], False))
    cases.append(op_case("maxpool3d_physnet", "maxPool", {"kernel": [1, 2, 2], "stride": [1, 2, 2], "pads": [0, 0, 0], "ceil": False},
                         lambda x: F.max_pool3d(x, (1, 2, 2), (1, 2, 2)), [r(2, 3, 3, 6, 6)], False))
    cases.append(op_case("avgpool3d_tinypulse", "avgPool", {"kernel": [1, 2, 2], "stride": [1, 2, 2], "pads": [0, 0, 0], "ceil": False, "countIncludePad": True},
                         lambda x: F.avg_pool3d(x, (1, 2, 2)), [r(2, 3, 3, 9, 9)], False))
    cases.append(op_case("avgpool2d_pad_include", "avgPool", {"kernel": [3, 3], "stride": [2, 2], "pads": [1, 1], "ceil": True, "countIncludePad": True},
                         lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True), [r(2, 3, 6, 7)], False))
    cases.append(op_case("avgpool2d_pad_exclude", "avgPool", {"kernel": [3, 3], "stride": [2, 2], "pads": [1, 1], "ceil": False, "countIncludePad": False},
                         lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [r(2, 3, 6, 7)], False))
    cases.append(op_case("adaptiveavgpool3d", "adaptiveAvgPool", {"outputSize": [4, 1, 1]},
                         lambda x: F.adaptive_avg_pool3d(x, (4, 1, 1)), [r(2, 3, 4, 5, 5)], False))
    cases.append(op_case("adaptiveavgpool2d_uneven", "adaptiveAvgPool", {"outputSize": [3, 2]},
                         lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [r(2, 2, 7, 5)], False))
    cases.append(op_case("globalavgpool", "globalAvgPool", {}, lambda x: x.mean(dim=(2, 3, 4), keepdim=True), [r(2, 3, 2, 3, 4)], False))
    for act, fn in [("relu", F.relu), ("elu", F.elu), ("tanh", torch.tanh), ("sigmoid", torch.sigmoid)]:
        cases.append(op_case(act, act, {"alpha": 1.0}, fn, [r(2, 3, 4)], False))
    cases.append(op_case("gemm_linear", "gemm", {"transA": False, "transB": True, "alpha": 1.0, "beta": 1.0},
                         lambda x, w, b: F.linear(x, w, b), [r(3, 5), r(4, 5) * 0.3, r(4) * 0.1], True))
    cases.append(op_case("gemm_transA", "gemm", {"transA": True, "transB": False, "alpha": 0.5, "beta": 2.0},
                         lambda a, b, c: 0.5 * a.t() @ b + 2.0 * c, [r(5, 3), r(5, 4), r(1, 4)], True))
    for name, fn in [("add", torch.add), ("sub", torch.sub), ("mul", torch.mul)]:
        cases.append(op_case(name + "_broadcast", name, {}, fn, [r(2, 3, 4), r(3, 1)], False))
    cases.append(op_case("div_broadcast", "div", {}, torch.div, [r(2, 3, 4), torch.rand(1, 4) + 0.5], False))
    cases.append(op_case("reducemean_keep", "reduceMean", {"axes": [3, 4], "keepDims": True},
                         lambda x: x.mean(dim=(3, 4), keepdim=True), [r(2, 3, 4, 5, 6)], False))
    cases.append(op_case("reducemean_drop", "reduceMean", {"axes": [1], "keepDims": False},
                         lambda x: x.mean(dim=1), [r(2, 3, 4)], False))
    cases.append(op_case("transpose", "transpose", {"perm": [0, 2, 3, 1]}, lambda x: x.permute(0, 2, 3, 1), [r(2, 3, 4, 5)], False))
    cases.append(op_case("reshape", "reshape", {"shape": [0, -1]}, lambda x: x.reshape(x.shape[0], -1), [r(2, 3, 4)], False))
    return cases


def optimizer_cases():
    """Five steps of each optimizer on fixed parameter/gradient sequences."""
    out = []
    specs = [
        ("adam", lambda p: torch.optim.Adam(p, lr=1e-2)),
        ("adam_wd", lambda p: torch.optim.Adam(p, lr=1e-2, weight_decay=0.1)),
        ("adamw", lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.05)),
        ("sgd_momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01)),
        ("sgd_nesterov", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0, nesterov=True)),
    ]
    for name, make in specs:
        p0 = torch.randn(7)
        p = nn.Parameter(p0.clone())
        opt = make([p])
        grads = [torch.randn(7) for _ in range(5)]
        for g in grads:
            p.grad = g.clone()
            opt.step()
        out.append({"name": name, "initial": put(p0), "gradients": [put(g) for g in grads], "final": put(p.detach())})
    return out


def schedule_cases():
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-3, epochs=3, steps_per_epoch=7)
    lrs, moms = [], []
    for _ in range(21):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["betas"][0])
        opt.step()
        sched.step()
    opt2 = torch.optim.SGD([p], lr=0.1)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=10, eta_min=0.001)
    cos_lrs = []
    for _ in range(10):
        cos_lrs.append(opt2.param_groups[0]["lr"])
        opt2.step()
        cos.step()
    return {"oneCycle": {"maxLR": 1e-3, "totalSteps": 21, "lr": lrs, "momentum": moms},
            "cosine": {"baseLR": 0.1, "periodSteps": 10, "minLR": 0.001, "lr": cos_lrs}}


def neg_pearson(preds, labels):
    """rPPG-Toolbox Neg_Pearson, written out as it is there."""
    loss = 0
    for i in range(preds.shape[0]):
        sum_x = torch.sum(preds[i]); sum_y = torch.sum(labels[i])
        sum_xy = torch.sum(preds[i] * labels[i])
        sum_x2 = torch.sum(torch.pow(preds[i], 2)); sum_y2 = torch.sum(torch.pow(labels[i], 2))
        n = preds.shape[1]
        pearson = (n * sum_xy - sum_x * sum_y) / torch.sqrt((n * sum_x2 - torch.pow(sum_x, 2)) * (n * sum_y2 - torch.pow(sum_y, 2)))
        loss += 1 - pearson
    return loss / preds.shape[0]


class LocalTinyPulse(nn.Module):
    """TinyPulse as issue 3 defines it (used only until Tools/pytorch_zoo.py exists)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, 8, (1, 5, 5), padding=(0, 2, 2), bias=False), nn.BatchNorm3d(8), nn.ReLU())
        self.pool1 = nn.AvgPool3d((1, 2, 2))
        self.block2 = nn.Sequential(nn.Conv3d(8, 16, 3, padding=1, bias=False), nn.BatchNorm3d(16), nn.ReLU())
        self.pool2 = nn.AvgPool3d((1, 2, 2))
        self.block3 = nn.Sequential(nn.Conv3d(16, 32, 3, padding=1, bias=False), nn.BatchNorm3d(32), nn.ReLU())
        self.head = nn.Conv3d(32, 1, 1)

    def forward(self, x):
        h = self.block3(self.pool2(self.block2(self.pool1(self.stem(x)))))
        return self.head(h.mean(dim=(3, 4), keepdim=True)).reshape(x.shape[0], -1)


def tinypulse_class():
    sys.path.insert(0, HERE)
    try:
        from pytorch_zoo import TinyPulse  # Tools/pytorch_zoo.py (branch nn), the project's definitions
        return TinyPulse, "Tools/pytorch_zoo.py"
    except ImportError:
        return LocalTinyPulse, "LocalTinyPulse (issue 3 definition)"


def one_adam_step(model, x):
    """Neg-Pearson + MSE on two 16-sample sine labels, one Adam step (lr 1e-3): labels, output,
    loss and gradients; the model holds the updated weights."""
    t = torch.arange(16, dtype=torch.float32)
    labels = torch.stack([torch.sin(2 * math.pi * 1.2 * t / 30), torch.sin(2 * math.pi * 1.6 * t / 30 + 0.5)])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    y = model(x)
    # Neg-Pearson alone leaves the head bias with a zero gradient (r ignores offsets), which
    # Adam would turn into a step of pure rounding noise: add MSE so every parameter is determined.
    loss = neg_pearson(y, labels) + F.mse_loss(y, labels)
    opt.zero_grad()
    loss.backward()
    grads = {k: p.grad.clone() for k, p in model.named_parameters()}
    opt.step()
    return labels, y, loss, grads


def tinypulse_step():
    TinyPulse, source = tinypulse_class()
    torch.manual_seed(1)
    model = TinyPulse().train()
    init = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(2, 3, 16, 36, 36)
    labels, y, loss, grads = one_adam_step(model, x)
    after = model.state_dict()
    return {
        "definition": source, "input": put(x), "labels": put(labels), "output": put(y), "loss": float(loss.detach()),
        "parameterOrder": [k for k, _ in model.named_parameters()],
        "initial": {k: put(v) for k, v in init.items() if v.dtype == torch.float32},
        "gradients": {k: put(v) for k, v in grads.items()},
        "updated": {k: put(v) for k, v in after.items() if v.dtype == torch.float32},
        "numBatchesTracked": {k: int(v) for k, v in after.items() if k.endswith("num_batches_tracked")},
    }


def tinypulse2d_step(path):
    """One Adam step of TinyPulse2D (Tools/pytorch_zoo.py) as tinypulse_step, saved with torch.save
    for Tests/WorkflowTests (the Swift model lives in RPPG, which TrainingTests does not see)."""
    sys.path.insert(0, HERE)
    from pytorch_zoo import TinyPulse2D
    torch.manual_seed(4)
    model = TinyPulse2D().train()
    init = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(2, 3, 16, 16, 16)  # 16x16 frames keep the fixture small; the layers are the same
    labels, y, loss, grads = one_adam_step(model, x)
    torch.save({"input": x, "labels": labels, "output": y.detach(), "loss": float(loss.detach()),
                "parameterOrder": [k for k, _ in model.named_parameters()], "initial": init, "gradients": grads,
                "updated": {k: v.clone() for k, v in model.state_dict().items()}}, path)
    print("wrote", path)


def main():
    doc = {"ops": op_cases(), "optimizers": optimizer_cases(), "schedules": schedule_cases(),
           "tinyPulseStep": tinypulse_step()}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "training.bin"), "wb") as f:
        f.write(bytes(blob))
    with open(os.path.join(OUT, "training.json"), "w") as f:
        json.dump(doc, f, indent=1)
    print(f"wrote {len(doc['ops'])} op cases, {len(blob)} bytes of tensors")
    tinypulse2d_step(os.path.join(HERE, "..", "Tests", "WorkflowTests", "Fixtures", "tinypulse2d_step.pt"))


if __name__ == "__main__":
    main()
