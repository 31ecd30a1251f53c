#!/usr/bin/env python3
"""Fixtures for rPPG-Toolbox's PhysFormer (Tools/pytorch_physformer.py) in the Swift zoo.

Rerun from the repository root, after `swift build -c release --product rppg`:
    python3 Tools/make_physformer_fixtures.py .build/release/rppg

The toolbox's configuration (DIM 96, 12 layers) has 7 M parameters, so the stored weights are a
small one with the same structure: dim 16, ff_dim 24, 4 heads, 6 layers (2 blocks per
transformer), theta 0.7, patch 4, frames of 128 pixels (the 4x4 token grid the forward fixes),
T = 16. Seeded random weights; BatchNorm statistics and affine, and LayerNorm affine, randomised.
Writes:
  Tests/RPPGTests/Fixtures/zoo/physformer_keys.json     the toolbox configuration's keys and shapes, in order
  Tests/RPPGTests/Fixtures/zoo/physformer_weights.pth   the small model's state dict
  Tests/RPPGTests/Fixtures/zoo/physformer_b2_t16_s128.pt {'output'} of formula_input([2, 3, 16, 128, 128])
  Tests/WorkflowTests/Fixtures/physformer/              physformer_qdq.onnx, physformer.json, physformer_ort.bin,
      physformer_ort_q.bin: `rppg export` checked by onnx.checker and by ONNX Runtime against PyTorch
      (1e-5), then quantize_static on 4 seeded randn clips and ORT's int8 run
      (make_frame_model_quant_fixtures.make, opset 17 for LayerNormalization) on the two clips of
      formula_input([2, 3, 16, 128, 128]), which the Swift test makes itself (not stored: 3 MB)
  Tests/WorkflowTests/Fixtures/physformer/physformer_trainer_steps.pt  two steps of what `rppg train`
      runs (Neg_Pearson, Adam, OneCycleLR(max_lr 1e-3, 2 epochs of 2 steps), train mode) from the
      small model on formula_input([2, 3, 16, 128, 128]) and seeded sine labels: {'labels', 'losses',
      'updated' (state dict after both steps, tensors above 4096 values as every 64th under 'KEY[::64]'),
      'inert' (key: max |gradient| relative to the model's, in float64, for the parameters whose
      gradient is zero in exact arithmetic), 'inertAfterStep1' (their values after step 1),
      'torch32VsTorch64' (PyTorch float32's worst relative
      error on the other parameters against the same steps in float64)}
Exit status 1 if a check fails.
"""
import json
import math
import os
import sys
import tempfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tools"))
import make_frame_model_quant_fixtures as quant  # noqa: E402
from make_ibvpnet_fixtures import sampled  # noqa: E402
from make_nn_fixtures import formula_input, run  # noqa: E402
from make_training_fixtures import neg_pearson  # noqa: E402
from pytorch_physformer import PhysFormer  # noqa: E402
from pytorch_zoo import randomize_buffers_  # noqa: E402

ZOO = os.path.join(ROOT, "Tests", "RPPGTests", "Fixtures", "zoo")
OUT = os.path.join(ROOT, "Tests", "WorkflowTests", "Fixtures", "physformer")
FRAMES, SIZE = 16, 128
SMALL = dict(dim=16, ff_dim=24, heads=4, layers=6, theta=0.7)


def small_model():
    torch.manual_seed(0)
    model = randomize_buffers_(PhysFormer(frames=FRAMES, **SMALL), seed=1)
    g = torch.Generator().manual_seed(2)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
    return model.eval()


def trainer_steps(dtype, lr=1e-3):
    """`rppg train`'s two steps on one batch: train mode, Neg_Pearson, Adam and OneCycleLR as
    Training/Trainer.swift; returns labels, losses, the state dicts after step 1 and after step 2, and the
    gradients of step 1."""
    model = small_model().train().to(dtype)
    x = formula_input((2, 3, FRAMES, SIZE, SIZE)).to(dtype)
    t = torch.arange(FRAMES, dtype=torch.float32)
    labels = torch.stack([torch.sin(2 * math.pi * (1.1 + 0.3 * k) * t / 30 + k) for k in range(2)])
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, epochs=2, steps_per_epoch=2)
    losses, grads, first = [], None, None
    for _ in range(2):
        opt.zero_grad()
        loss = neg_pearson(model(x), labels.to(dtype))
        loss.backward()
        grads = grads or {k: p.grad.clone() for k, p in model.named_parameters()}
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        first = first or {k: v.clone() for k, v in model.state_dict().items()}
    return labels, losses, first, {k: v.clone() for k, v in model.state_dict().items()}, grads


def store_trainer_steps():
    """Conv biases before a training-mode BatchNorm, the LayerNorm biases that only feed one, the
    key BatchNorms' biases (softmax ignores a shift common to all keys) and the head's bias
    (Pearson ignores an offset) have no gradient in exact arithmetic: float32 leaves rounding noise
    that Adam's first steps turn into moves of up to lr, so their values after the steps are noise
    (PyTorch float32 is ~1e-2 from float64 there). Listed as 'inert'; the Swift test bounds them.
    A BatchNorm's running mean after a conv with an inert bias b holds 0.1 * b after step 1 (the
    batch mean of step 2 includes it), so 'inertAfterStep1' stores them for the test to take out."""
    labels, losses, first, state, _ = trainer_steps(torch.float32)
    _, losses64, _, state64, grads64 = trainer_steps(torch.float64)
    largest = max(float(g.abs().max()) for g in grads64.values())
    inert = {k: torch.tensor(float(g.abs().max()) / largest) for k, g in grads64.items() if float(g.abs().max()) <= 1e-12 * largest}
    worst = max(float((state[k].double() - v).abs().max() / v.abs().max()) for k, v in state64.items()
                if v.dtype == torch.float64 and k not in inert)
    path = os.path.join(OUT, "physformer_trainer_steps.pt")
    torch.save({"labels": labels, "losses": torch.tensor(losses, dtype=torch.float64), "inert": inert,
                "inertAfterStep1": {k: first[k] for k in inert},
                "updated": sampled({k: v for k, v in state.items()}), "torch32VsTorch64": torch.tensor(worst)}, path)
    print(f"{path}: losses {losses} (float64 {losses64}), {len(inert)} inert parameters, PyTorch float32 vs "
          f"float64 after the steps {worst:.3g} relative elsewhere, {os.path.getsize(path) / 1e3:.0f} kB")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.makedirs(OUT, exist_ok=True)
    full = PhysFormer()
    keys = [[k, list(v.shape)] for k, v in full.state_dict().items()]
    with open(os.path.join(ZOO, "physformer_keys.json"), "w") as f:
        json.dump({"keys": keys, "parameters": sum(p.numel() for p in full.parameters()), "torch": torch.__version__}, f, indent=1)
    model = small_model()
    weights = os.path.join(ZOO, "physformer_weights.pth")
    torch.save(model.state_dict(), weights)
    y = run(model, formula_input((2, 3, FRAMES, SIZE, SIZE)))
    torch.save({"output": y}, os.path.join(ZOO, f"physformer_b2_t{FRAMES}_s{SIZE}.pt"))
    print(f"output {tuple(y.shape)}, max |y| {float(y.abs().max()):.4g}, {os.path.getsize(weights) / 1e3:.0f} kB of weights")
    store_trainer_steps()
    tests = list(formula_input((2, 3, FRAMES, SIZE, SIZE)).numpy()[:, None])
    with tempfile.TemporaryDirectory() as tmp:
        ok = quant.make(sys.argv[1], "physformer", 300, tmp, weights=weights, frames=FRAMES, size=SIZE, out=OUT,
                        stride=61, tests=tests, opset=17)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
