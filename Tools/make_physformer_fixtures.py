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
  Tests/WorkflowTests/Fixtures/physformer/              physformer_qdq.onnx, physformer.json: `rppg export`
      checked by onnx.checker and by ONNX Runtime against PyTorch (1e-5), then quantize_static
      (make_frame_model_quant_fixtures.make, opset 17 for LayerNormalization; the clips themselves are not stored)
Exit status 1 if a check fails.
"""
import json
import os
import sys
import tempfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tools"))
import make_frame_model_quant_fixtures as quant  # noqa: E402
from make_nn_fixtures import formula_input, run  # noqa: E402
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
    with tempfile.TemporaryDirectory() as tmp:
        ok = quant.make(sys.argv[1], "physformer", 300, tmp, weights=weights, frames=FRAMES, size=SIZE, out=OUT,
                        stride=61, store_clips=False, opset=17)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
