#!/usr/bin/env python3
"""Quantizes the real PhysNet (shared/checkpoints/PURE_PhysNet_DiffNormalized.pth) and the default
TinyPulse (seeded random weights) with ONNX Runtime's quantize_static and with `rppg quantize`, on
the same FP32 ONNX and the same calibration clips, and compares scales, zero points, int8 weights,
int32 biases and the two QDQ models' outputs under ONNX Runtime. Prints the numbers; writes only
under the work directory given.

    swift build -c release --product rppg
    python3.11 Tools/check_quant_real_models.py .build/release/rppg /tmp/quantcheck [--clips 4]

Calibration clips are synthetic DiffNormalized-like frames (unit variance, heavy tail), seeded.
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

sys.path.insert(0, os.path.dirname(__file__))
from pytorch_zoo import PhysNet, TinyPulse, randomize_buffers_  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")


def fold_convtranspose_bn(seq):
    """Our export folds BN after ConvTranspose too (PyTorch's exporter only folds Conv+BN)."""
    ct, bn = seq[0], seq[1]
    s = bn.weight.data / torch.sqrt(bn.running_var + bn.eps)
    ct.weight.data = ct.weight.data * s.view(1, -1, 1, 1, 1)
    ct.bias.data = (ct.bias.data - bn.running_mean) * s + bn.bias.data
    return torch.nn.Sequential(ct, seq[2])


class Reader(CalibrationDataReader):
    def __init__(self, clips):
        self.clips, self.i = clips, 0

    def get_next(self):
        if self.i >= len(self.clips):
            return None
        self.i += 1
        return {"input": self.clips[self.i - 1][None]}


def compare(ours, theirs):
    a = {t.name: numpy_helper.to_array(t) for t in onnx.load(ours).graph.initializer}
    b = {t.name: numpy_helper.to_array(t) for t in onnx.load(theirs).graph.initializer}
    worst, int_mismatch, missing = 0.0, 0, [k for k in b if k not in a and not k.startswith("/Constant")]
    for k, v in b.items():
        if k not in a or a[k].shape != v.shape:
            continue
        if v.dtype.kind == "f":
            worst = max(worst, float(np.max(np.abs(a[k].astype(np.float64) - v) / np.maximum(np.abs(v), 1e-30))) if v.size else 0)
        else:
            int_mismatch += int(np.sum(a[k] != v))
    return worst, int_mismatch, missing


def main():
    p = argparse.ArgumentParser()
    p.add_argument("rppg")
    p.add_argument("workdir")
    p.add_argument("--clips", type=int, default=4)
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    models = []
    pn = PhysNet(frames=128).eval()
    ck = torch.load(os.path.join(ROOT, "..", "shared", "checkpoints", "PURE_PhysNet_DiffNormalized.pth"), map_location="cpu", weights_only=True)
    pn.load_state_dict(ck)
    pn.upsample = fold_convtranspose_bn(pn.upsample)
    pn.upsample2 = fold_convtranspose_bn(pn.upsample2)
    models.append(("physnet", pn, (3, 128, 72, 72)))
    torch.manual_seed(0)
    tp = TinyPulse().eval()
    randomize_buffers_(tp, 0)
    models.append(("tinypulse", tp, (3, 128, 36, 36)))
    for name, model, shape in models:
        fp32 = os.path.join(args.workdir, f"{name}_fp32.onnx")
        torch.onnx.export(model, torch.zeros(1, *shape), fp32, opset_version=13, dynamo=False,
                          input_names=["input"], output_names=["output"])
        x = torch.randn(args.clips, *shape, generator=g)
        x = torch.where(torch.rand(x.shape, generator=g) < 0.002, x * 12, x)
        calib = os.path.join(args.workdir, f"{name}_calib.pt")
        torch.save({"clips": x}, calib)
        clips = x.numpy()
        for method, flag in ((CalibrationMethod.MinMax, "minmax"), (CalibrationMethod.Percentile, "percentile")):
            theirs = os.path.join(args.workdir, f"{name}_{flag}_ort.onnx")
            ours = os.path.join(args.workdir, f"{name}_{flag}_swift.onnx")
            t0 = time.time()
            quantize_static(fp32, theirs, Reader(clips), quant_format=QuantFormat.QDQ, per_channel=True,
                            activation_type=QuantType.QInt8, weight_type=QuantType.QInt8, calibrate_method=method)
            t_ort = time.time() - t0
            t0 = time.time()
            subprocess.run([args.rppg, "quantize", "--model", fp32, "--calibration", calib, "--output", ours,
                            "--method", flag], check=True, stdout=subprocess.DEVNULL)
            t_swift = time.time() - t0
            onnx.checker.check_model(onnx.load(ours), full_check=True)
            worst, int_mismatch, missing = compare(ours, theirs)
            so = ort.InferenceSession(ours, providers=["CPUExecutionProvider"])
            st = ort.InferenceSession(theirs, providers=["CPUExecutionProvider"])
            sf = ort.InferenceSession(fp32, providers=["CPUExecutionProvider"])
            ya = so.run(None, {"input": clips[:1]})[0]
            yb = st.run(None, {"input": clips[:1]})[0]
            yf = sf.run(None, {"input": clips[:1]})[0]
            print(f"{name} {flag}: scales max rel diff {worst:.2e}, int values differing {int_mismatch}, "
                  f"missing {missing}; ORT-run outputs ours vs ORT's max |diff| {np.max(np.abs(ya - yb)):.3e} "
                  f"(FP32 range {np.ptp(yf):.3e}); time ORT {t_ort:.1f}s, rppg {t_swift:.1f}s", flush=True)


if __name__ == "__main__":
    main()
