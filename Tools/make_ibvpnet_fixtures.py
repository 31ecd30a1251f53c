#!/usr/bin/env python3
"""Fixtures for rPPG-Toolbox's iBVPNet (Tools/pytorch_zoo.py IBVPNet) in the Swift zoo.

Rerun from the repository root, after `swift build -c release --product rppg`:
    python3 Tools/make_ibvpnet_fixtures.py .build/release/rppg

iBVPNet has 1.4 M parameters (5.7 MB of float32), so no weights are stored: every fixture uses
the formula weights of make_nn_fixtures.formula_state_ (Swift: ModelZoo.formulaWeights) and small
clips, T = 16 frames at the toolbox's 72 pixels (64 is the smallest side the decoder takes; the
decoder's time length is T + 15, so the adaptive max pool has uneven windows). Writes:
  Tests/RPPGTests/Fixtures/zoo/ibvpnet_keys.json        PyTorch's state-dict keys and shapes, in order
  Tests/RPPGTests/Fixtures/zoo/ibvpnet_formula_b2_t16_s72.pt  {'output'} of formula_input([2, 3, 16, 72, 72])
  Tests/WorkflowTests/Fixtures/ibvpnet/                 ibvpnet_qdq.onnx, ibvpnet.json, ibvpnet_inputs.bin,
      ibvpnet_ort.bin, ibvpnet_ort_q.bin: `rppg export` checked by onnx.checker and by ONNX Runtime
      against PyTorch (1e-5), then quantize_static and ORT's int8 run (make_frame_model_quant_fixtures.make)
  Tests/WorkflowTests/Fixtures/ibvpnet/ibvpnet_train_step.pt  one SGD step (lr 1, MSE against a seeded
      pulse label) on the formula input [2, 3, 16, 72, 72]: {'labels', 'output', 'loss', 'gradients',
      'updated'}; tensors above 4096 values are stored as every 64th value under 'KEY[::64]'.
  Tests/TrainingTests/Fixtures/adaptive_max_pool.pt   F.adaptive_max_pool3d of a seeded [2, 3, 31, 5, 4] to
      (16, 2, 1) (uneven windows on two axes) and the gradient of sum(y · r): {'input', 'output',
      'outputGradient' (r), 'inputGradient'}
Exit status 1 if a check fails.
"""
import json
import math
import os
import sys
import tempfile

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tools"))
import make_frame_model_quant_fixtures as quant  # noqa: E402
from make_nn_fixtures import formula_input, formula_state_, run  # noqa: E402
from pytorch_zoo import IBVPNet  # noqa: E402

ZOO = os.path.join(ROOT, "Tests", "RPPGTests", "Fixtures", "zoo")
OUT = os.path.join(ROOT, "Tests", "WorkflowTests", "Fixtures", "ibvpnet")
FRAMES, SIZE, SAMPLE, STRIDE = 16, 72, 64, 61


def sampled(d):
    return {(f"{k}[::{SAMPLE}]" if v.numel() > 4096 else k): (v.flatten()[::SAMPLE].clone() if v.numel() > 4096 else v.clone())
            for k, v in d.items()}


def one_step(dtype):
    model = formula_state_(IBVPNet(frames=FRAMES)).train().to(dtype)
    x = formula_input((2, 3, FRAMES, SIZE, SIZE)).to(dtype)
    t = torch.arange(2 * FRAMES, dtype=torch.float32)
    labels = torch.sin(2 * math.pi * 1.3 * t / 30 + 0.4).reshape(2, FRAMES)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    y = model(x)
    loss = F.mse_loss(y, labels.to(dtype))
    opt.zero_grad()
    loss.backward()
    grads = sampled({k: p.grad.float() for k, p in model.named_parameters()})
    opt.step()
    return labels, y.detach().float(), loss.detach().float(), grads, sampled({k: v.float() for k, v in model.state_dict().items()})


def train_step():
    """Also in float64 ('gradients64', 'updated64', stored as float32): iBVPNet's gradients through
    17 InstanceNorms are ill-conditioned in float32 (PyTorch's own are up to 3e-3 from float64's,
    with formula or default weights alike), so the Swift test measures both against float64."""
    labels, y, loss, grads, updated = one_step(torch.float32)
    _, _, _, grads64, updated64 = one_step(torch.float64)
    path = os.path.join(OUT, "ibvpnet_train_step.pt")
    torch.save({"labels": labels, "output": y, "loss": loss, "gradients": grads, "updated": updated,
                "gradients64": grads64, "updated64": updated64}, path)
    print(f"{path}: loss {float(loss.detach()):.6f}, {os.path.getsize(path) / 1e3:.0f} kB")


def adaptive_max_pool():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(2, 3, 31, 5, 4, generator=g).requires_grad_()
    y = F.adaptive_max_pool3d(x, (16, 2, 1))
    r = torch.randn(y.shape, generator=g)
    (y * r).sum().backward()
    path = os.path.join(ROOT, "Tests", "TrainingTests", "Fixtures", "adaptive_max_pool.pt")
    torch.save({"input": x.detach(), "output": y.detach(), "outputGradient": r, "inputGradient": x.grad}, path)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.makedirs(OUT, exist_ok=True)
    adaptive_max_pool()
    full = IBVPNet(frames=160)
    keys = [[k, list(v.shape)] for k, v in full.state_dict().items()]
    assert keys == [[k, list(v.shape)] for k, v in IBVPNet(frames=FRAMES).state_dict().items()]
    with open(os.path.join(ZOO, "ibvpnet_keys.json"), "w") as f:
        json.dump({"keys": keys, "parameters": sum(p.numel() for p in full.parameters()), "torch": torch.__version__}, f, indent=1)
    model = formula_state_(IBVPNet(frames=FRAMES)).eval()
    torch.save({"output": run(model, formula_input((2, 3, FRAMES, SIZE, SIZE)))},
               os.path.join(ZOO, f"ibvpnet_formula_b2_t{FRAMES}_s{SIZE}.pt"))
    train_step()
    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, "ibvpnet_formula.pth")
        torch.save(model.state_dict(), weights)
        ok = quant.make(sys.argv[1], "ibvpnet", 200, tmp, weights=weights, frames=FRAMES, size=SIZE, out=OUT, stride=STRIDE)
        float64_reference(model, tmp)
    sys.exit(0 if ok else 1)


def float64_reference(model, tmp):
    """ORT's FP32 error on this export against PyTorch in float64, beside PyTorch's own float32
    error: measured, ORT's is 10-20x PyTorch's (its InstanceNormalization alone is ~15x less exact
    on inputs whose mean is large against their spread), so a miss of the 1e-5 check above is ORT's."""
    import numpy as np
    sess = quant.session(open(os.path.join(tmp, "ibvpnet_fp32.onnx"), "rb").read())
    x = formula_input((1, 3, FRAMES, SIZE, SIZE))
    with torch.no_grad():
        y32 = model(x).numpy()
        y64 = model.double()(x.double()).numpy()
    model.float()
    ort_y = sess.run(None, {"input": x.numpy()})[0]
    scale = np.abs(y64).max()
    figures = {"ort_fp32_vs_torch_float64_relative": float(np.abs(ort_y - y64).max() / scale),
               "torch_fp32_vs_torch_float64_relative": float(np.abs(y32 - y64).max() / scale)}
    path = os.path.join(OUT, "ibvpnet.json")
    meta = json.load(open(path))
    meta.update(figures)
    with open(path, "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    print("float64 reference:", figures)


if __name__ == "__main__":
    main()
