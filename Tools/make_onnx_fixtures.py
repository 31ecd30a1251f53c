#!/usr/bin/env python3.11
"""Makes the ONNX reader fixtures in Tests/ONNXTests/Fixtures from PyTorch and ONNX Runtime.

Rerun from the repository root:  python3.11 Tools/make_onnx_fixtures.py

For each model: torch.onnx.export (legacy exporter, dynamo=False) at opset 13 and 17 with small
seeded random weights (BatchNorm statistics randomised too, so that folding matters), and a
.pt file (torch.save) holding the input, PyTorch's output and ONNX Runtime's output.
Models: `mini_physnet` (a PhysNet-shaped miniature: Conv3d/BN/ReLU/MaxPool3d/ConvTranspose3d/ELU/
AdaptiveAvgPool3d/view) and, when Tools/pytorch_zoo.py exists (NN engineer), the zoo models
that fit the size budget (tinypulse, factorizephys, tinypulse2d; `--large` adds physnet under
.build/onnx-large-fixtures, not committed). Also `mini_qdq.onnx`: ONNX Runtime quantize_static (QDQ, int8/int8,
per-channel, MinMax) of mini_physnet, with its ORT output.
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ONNXTests", "Fixtures")
sys.path.insert(0, os.path.join(ROOT, "Tools"))


class MiniPhysNet(nn.Module):
    """PhysNet's layer pattern at toy size: input [1, 3, 8, 16, 16], output [1, 8]."""

    def __init__(self, frames=8):
        super().__init__()
        self.frames = frames
        self.ConvBlock1 = nn.Sequential(nn.Conv3d(3, 4, (1, 5, 5), padding=(0, 2, 2)), nn.BatchNorm3d(4), nn.ReLU())
        self.MaxpoolSpa = nn.MaxPool3d((1, 2, 2), stride=(1, 2, 2))
        self.ConvBlock2 = nn.Sequential(nn.Conv3d(4, 8, 3, padding=1), nn.BatchNorm3d(8), nn.ReLU())
        self.MaxpoolSpaTem = nn.MaxPool3d(2, stride=2)
        self.upsample = nn.Sequential(
            nn.ConvTranspose3d(8, 8, (4, 1, 1), stride=(2, 1, 1), padding=(1, 0, 0)), nn.BatchNorm3d(8), nn.ELU())
        self.poolspa = nn.AdaptiveAvgPool3d((frames, 1, 1))
        self.ConvBlock10 = nn.Conv3d(8, 1, 1)

    def forward(self, x):
        x = self.ConvBlock1(x)
        x = self.MaxpoolSpa(x)
        x = self.ConvBlock2(x)
        x = self.MaxpoolSpaTem(x)
        x = self.upsample(x)
        x = self.poolspa(x)
        x = self.ConvBlock10(x)
        return x.view(-1, self.frames)


def randomise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.dtype != torch.float32:
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            elif name.endswith("running_mean"):
                t.copy_(torch.randn(t.shape, generator=g) * 0.1)
            else:
                t.copy_(torch.randn(t.shape, generator=g) * 0.2)
    return model.eval()


def ort_run(path, x):
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0]


def export(model, x, name, opsets=(13, 17)):
    with torch.no_grad():
        y = model(x)
        if isinstance(y, (tuple, list)):
            y = y[0]
    result = {"input": x, "output_torch": y}
    for opset in opsets:
        path = os.path.join(OUT, f"{name}_opset{opset}.onnx")
        torch.onnx.export(model, (x,), path, dynamo=False, opset_version=opset, input_names=["input"],
                          output_names=["output"], do_constant_folding=True)
        onnx.checker.check_model(onnx.load(path), full_check=True)
        y_ort = ort_run(path, x)
        err = float(np.max(np.abs(y_ort - y.numpy())))
        rel = err / float(np.max(np.abs(y.numpy())))
        print(f"{name} opset {opset}: {os.path.getsize(path)} bytes, max |ORT - torch| = {err:.3g} "
              f"(relative to max |torch| {rel:.3g})")
        result[f"output_ort_opset{opset}"] = torch.from_numpy(y_ort)
    torch.save(result, os.path.join(OUT, f"{name}_io.pt"))


class Calibration(CalibrationDataReader):
    def __init__(self, inputs):
        self.items = iter([{"input": x.numpy()} for x in inputs])

    def get_next(self):
        return next(self.items, None)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    mini = randomise(MiniPhysNet(), seed=1)
    x = torch.randn(1, 3, 8, 16, 16, generator=torch.Generator().manual_seed(2))
    export(mini, x, "mini_physnet")

    # ORT static quantization (QDQ) of the opset-13 export: calibration from seeded inputs.
    src = os.path.join(OUT, "mini_physnet_opset13.onnx")
    dst = os.path.join(OUT, "mini_qdq.onnx")
    g = torch.Generator().manual_seed(3)
    calib = [torch.randn(1, 3, 8, 16, 16, generator=g) for _ in range(4)]
    quantize_static(src, dst, Calibration(calib), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
    onnx.checker.check_model(onnx.load(dst), full_check=True)
    y_q = ort_run(dst, x)
    torch.save({"input": x, "output_ort": torch.from_numpy(y_q)}, os.path.join(OUT, "mini_qdq_io.pt"))
    print(f"mini_qdq: {os.path.getsize(dst)} bytes, ops {sorted({n.op_type for n in onnx.load(dst).graph.node})}")

    try:
        import pytorch_zoo  # noqa: F401  (NN engineer's reference models)
    except ImportError:
        print("Tools/pytorch_zoo.py not found: zoo exports skipped")
        return
    export_zoo(pytorch_zoo)


# (zoo name, frames, height = width): few frames keep inputs small; the layers are the real ones.
ZOO_FIXTURES = [("tinypulse", 8, 36), ("factorizephys", 8, 72), ("tinypulse2d", 8, 36)]
# PhysNet's 770k parameters (3 MB per file) are over the fixture budget: exported beside the
# fixtures only with --large, into LARGE_OUT (not committed), for check runs.
LARGE_OUT = os.path.join(ROOT, ".build", "onnx-large-fixtures")


def _diff_by_slices(x, n=1, dim=-1, prepend=None, append=None):
    """torch.diff as two slices and a Sub: the legacy exporter has no symbolic for aten::diff."""
    assert n == 1 and prepend is None and append is None
    length = x.shape[dim]
    return x.narrow(dim, 1, length - 1) - x.narrow(dim, 0, length - 1)


def seeded_zoo_model(zoo, name, frames):
    """PyTorch's default initialisation under a fixed seed (activations stay O(1) through deep
    stacks), with non-trivial BatchNorm statistics."""
    torch.manual_seed(10)
    return zoo.randomize_buffers_(zoo.build(name, frames=frames), seed=12).eval()


def export_zoo(zoo):
    global OUT
    torch.diff = _diff_by_slices  # FactorizePhys: identical values, exportable ops
    specs = list(ZOO_FIXTURES)
    for name, frames, size in specs:
        model = seeded_zoo_model(zoo, name, frames)
        x = torch.randn(1, 3, frames, size, size, generator=torch.Generator().manual_seed(11))
        export(model, x, f"zoo_{name}")
    if "--large" in sys.argv:
        OUT = LARGE_OUT
        os.makedirs(OUT, exist_ok=True)
        model = seeded_zoo_model(zoo, "physnet", 32)
        x = torch.randn(1, 3, 32, 72, 72, generator=torch.Generator().manual_seed(11))
        export(model, x, "zoo_physnet")


if __name__ == "__main__":
    main()
