#!/usr/bin/env python3
"""Fixtures for Tests/QuantizationTests: ONNX Runtime's quantize_static on small rPPG models.

Rerun from the repository root:
    python3.11 Tools/make_quant_fixtures.py
(torch 2.x CPU, onnx, onnxruntime 1.2x+, numpy). Writes Tests/QuantizationTests/Fixtures/quant/:
  <model>_fp32.onnx          FP32 model (torch.onnx.export, opset 13, dynamo=False, eval: Conv+BN folded)
  <model>_clips.bin/.json    calibration clips, float32 little-endian [N,1,3,T,H,W] and their shape
  <model>_<config>.json      ORT's result: calibrated ranges, every initializer of the QDQ model
                             (scales, zero points, int8 weights, int32 biases) and its node list
  <model>_<config>.onnx      the QDQ model ORT wrote (minmax per-channel int8 only, to keep the size small)
  histogram_merge.json       ORT's HistogramCollector fed three batches one call at a time
"""
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_static)
from onnxruntime.quantization.calibrate import HistogramCollector, load_tensors_data

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "QuantizationTests", "Fixtures", "quant")


class TinyPulse(nn.Module):
    """The project's default model (issue 3), small T."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, 8, (1, 5, 5), padding=(0, 2, 2), bias=False), nn.BatchNorm3d(8), nn.ReLU())
        self.pool1 = nn.AvgPool3d((1, 2, 2))
        self.block2 = nn.Sequential(nn.Conv3d(8, 16, 3, padding=1, bias=False), nn.BatchNorm3d(16), nn.ReLU())
        self.pool2 = nn.AvgPool3d((1, 2, 2))
        self.block3 = nn.Sequential(nn.Conv3d(16, 32, 3, padding=1, bias=False), nn.BatchNorm3d(32), nn.ReLU())
        self.head = nn.Conv3d(32, 1, 1)

    def forward(self, x):
        y = self.block3(self.pool2(self.block2(self.pool1(self.stem(x)))))
        y = self.head(y.mean(dim=(3, 4), keepdim=True))
        return y.reshape(x.shape[0], x.shape[2])


class MiniPhysNet(nn.Module):
    """PhysNet's op mix at a small size: Conv+BN+ReLU, MaxPool, ConvTranspose+BN+ELU, adaptive pool."""

    def __init__(self):
        super().__init__()
        self.ConvBlock1 = nn.Sequential(nn.Conv3d(3, 8, (1, 5, 5), padding=(0, 2, 2)), nn.BatchNorm3d(8), nn.ReLU())
        self.MaxpoolSpa = nn.MaxPool3d((1, 2, 2), stride=(1, 2, 2))
        self.ConvBlock2 = nn.Sequential(nn.Conv3d(8, 8, 3, padding=1), nn.BatchNorm3d(8), nn.ReLU())
        self.MaxpoolSpaTem = nn.MaxPool3d((2, 2, 2), stride=2)
        self.upsample = nn.Sequential(nn.ConvTranspose3d(8, 8, (4, 1, 1), stride=(2, 1, 1), padding=(1, 0, 0)),
                                      nn.BatchNorm3d(8), nn.ELU())
        self.ConvBlock10 = nn.Conv3d(8, 1, 1)

    def forward(self, x):
        t = x.shape[2]
        y = self.MaxpoolSpaTem(self.ConvBlock2(self.MaxpoolSpa(self.ConvBlock1(x))))
        y = self.upsample(y)
        y = nn.functional.adaptive_avg_pool3d(y, (t, 1, 1))
        return self.ConvBlock10(y).reshape(-1, t)


def randomize_bn(model, g):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm3d)):
            n = m.num_features
            m.weight.data = torch.rand(n, generator=g) * 1.5 + 0.25
            m.bias.data = torch.randn(n, generator=g) * 0.2
            m.running_mean = torch.randn(n, generator=g) * 0.3
            m.running_var = torch.rand(n, generator=g) * 2 + 0.2


def fold_convtranspose_bn(model):
    """Folds the BN after ConvTranspose (PyTorch's exporter only folds Conv+BN), as our graph pass does."""
    seq = model.upsample
    ct, bn = seq[0], seq[1]
    s = bn.weight.data / torch.sqrt(bn.running_var + bn.eps)
    ct.weight.data = ct.weight.data * s.view(1, -1, 1, 1, 1)
    ct.bias.data = (ct.bias.data - bn.running_mean) * s + bn.bias.data
    model.upsample = nn.Sequential(ct, seq[2])


def clips(g, n, t, h, w):
    """DiffNormalized-like: unit-variance frames with a heavy tail (rare large values at 'edges')."""
    x = torch.randn(n, 1, 3, t, h, w, generator=g)
    mask = torch.rand(n, 1, 3, t, h, w, generator=g) < 0.002
    x = torch.where(mask, x * 12, x)
    return x.numpy().astype(np.float32)


class Reader(CalibrationDataReader):
    def __init__(self, data):
        self.data = data
        self.i = 0

    def get_next(self):
        if self.i >= len(self.data):
            return None
        self.i += 1
        return {"input": self.data[self.i - 1]}


def dump_qdq(path_onnx, cache, out_json):
    m = onnx.load(path_onnx)
    nodes = []
    for n in m.graph.node:
        axis = None
        for a in n.attribute:
            if a.name == "axis":
                axis = a.i
        nodes.append({"name": n.name, "op": n.op_type, "inputs": list(n.input), "outputs": list(n.output), "axis": axis})
    inits = {}
    for t in m.graph.initializer:
        a = numpy_helper.to_array(t)
        inits[t.name] = {"dtype": str(a.dtype), "shape": list(a.shape), "data": [float(v) if a.dtype.kind == "f" else int(v) for v in a.ravel()]}
    ranges = {}
    td = load_tensors_data(cache)
    for k, v in td.items():
        lo, hi = v.range_value
        # ORT ≥ 1.2x stores 1-element arrays, older ones scalars.
        ranges[k] = [float(np.asarray(lo, dtype=np.float32).reshape(-1)[0]), float(np.asarray(hi, dtype=np.float32).reshape(-1)[0])]
    with open(out_json, "w") as f:
        json.dump({"nodes": nodes, "initializers": inits, "ranges": ranges,
                   "outputs": [o.name for o in m.graph.output]}, f, separators=(",", ":"), sort_keys=True)


CONFIGS = {
    "minmax_pc_s8": dict(calibrate_method=CalibrationMethod.MinMax, per_channel=True, activation_type=QuantType.QInt8),
    "minmax_pt_s8": dict(calibrate_method=CalibrationMethod.MinMax, per_channel=False, activation_type=QuantType.QInt8),
    "minmax_pc_u8": dict(calibrate_method=CalibrationMethod.MinMax, per_channel=True, activation_type=QuantType.QUInt8),
    "percentile_pc_s8": dict(calibrate_method=CalibrationMethod.Percentile, per_channel=True, activation_type=QuantType.QInt8),
    "entropy_pc_s8": dict(calibrate_method=CalibrationMethod.Entropy, per_channel=True, activation_type=QuantType.QInt8),
    # What `rppg quantize` does by default for a graph input only layout ops read (TinyPulse2D).
    "minmax_pc_s8_force": dict(calibrate_method=CalibrationMethod.MinMax, per_channel=True, activation_type=QuantType.QInt8,
                               extra_options={"ForceQuantizeNoInputCheck": True}),
}


def make(name, model, shape, nclips, configs, g):
    model.eval()
    fp32 = os.path.join(OUT, f"{name}_fp32.onnx")
    x = torch.zeros(1, *shape)
    torch.onnx.export(model, x, fp32, opset_version=13, dynamo=False, input_names=["input"], output_names=["output"],
                      do_constant_folding=True)
    data = clips(g, nclips, *shape[1:])
    data.tofile(os.path.join(OUT, f"{name}_clips.bin"))
    with open(os.path.join(OUT, f"{name}_clips.json"), "w") as f:
        json.dump({"shape": list(data.shape)}, f)
    for cfg in configs:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "q.onnx")
            cache = os.path.join(tmp, "ranges.json")
            quantize_static(fp32, out, Reader(list(data)), quant_format=QuantFormat.QDQ, weight_type=QuantType.QInt8,
                            calibration_cache_path=cache, **CONFIGS[cfg])
            dump_qdq(out, cache, os.path.join(OUT, f"{name}_{cfg}.json"))
            if cfg == "minmax_pc_s8":
                onnx.save(onnx.load(out), os.path.join(OUT, f"{name}_{cfg}.onnx"))
        print(name, cfg, "done")


def make_tinypulse2d():
    """TinyPulse2D (Tools/pytorch_zoo.py) with ORT's default and with ForceQuantizeNoInputCheck; its
    own seeds, so that adding it left the other fixtures unchanged."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from pytorch_zoo import TinyPulse2D
    g = torch.Generator().manual_seed(7)
    torch.manual_seed(7)
    model = TinyPulse2D()
    randomize_bn(model, g)
    make("tinypulse2d", model, (3, 16, 36, 36), 3, ["minmax_pc_s8", "minmax_pc_s8_force"], g)
    ort_spread("tinypulse2d")


def ort_spread(name):
    """How far ONNX Runtime's fused (QLinearConv) and unfused (DQ -> Conv -> Q) paths differ on the
    QDQ model's output, in output LSB: the scale of 1-LSB tie differences once later convs amplify
    them (the Swift tests' tolerance against fake-quant rests on it)."""
    import onnxruntime as ort
    path = os.path.join(OUT, f"{name}_minmax_pc_s8.onnx")
    shape = json.load(open(os.path.join(OUT, f"{name}_clips.json")))["shape"]
    x = np.fromfile(os.path.join(OUT, f"{name}_clips.bin"), dtype="<f4").reshape(shape)
    outs = []
    for level in (ort.GraphOptimizationLevel.ORT_ENABLE_ALL, ort.GraphOptimizationLevel.ORT_DISABLE_ALL):
        so = ort.SessionOptions()
        so.intra_op_num_threads, so.graph_optimization_level = 1, level
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        outs.append(np.stack([sess.run(None, {"input": c})[0] for c in x]))
    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    dq = next(n for n in m.graph.node if "output" in n.output)
    print(name, "ORT fused vs unfused output: max", float(np.abs(outs[0] - outs[1]).max() / inits[dq.input[1]]), "LSB")


def histogram_merge(g):
    batches = [torch.randn(700, generator=g).numpy().astype(np.float32) * s for s in (1.0, 2.5, 0.7)]
    batches[1][:5] *= 6  # a heavy tail, so that the percentile and KL thresholds cut something
    result = {"batches": [b.tolist() for b in batches]}
    for method, sym, bins in (("percentile", True, 64), ("entropy", False, 32)):
        c = HistogramCollector(method=method, symmetric=sym, num_bins=bins, num_quantized_bins=16,
                               percentile=99.0, scenario="same")
        for b in batches:
            c.collect({"t": [b]})
        h = c.histogram_dict["t"]
        res = c.compute_collection_result()["t"]
        result[method] = {"bins": bins, "hist": [int(v) for v in h[0]], "edges": [float(v) for v in h[1]],
                          "min": float(h[2]), "max": float(h[3]), "range": [float(res[0]), float(res[1])]}
    # quantize_static hands the collector all batches in one call: one np.histogram over everything.
    for key, method, sym, bins, qbins, pct in (("oneshot_percentile", "percentile", True, 2048, 128, 99.999),
                                                ("oneshot_entropy", "entropy", False, 128, 128, 99.999),
                                                ("oneshot_entropy_wide", "entropy", False, 512, 128, 99.999)):
        c = HistogramCollector(method=method, symmetric=sym, num_bins=bins, num_quantized_bins=qbins,
                               percentile=pct, scenario="same")
        c.collect({"t": batches})
        h = c.histogram_dict["t"]
        res = c.compute_collection_result()["t"]
        result[key] = {"bins": bins, "quantized_bins": qbins, "percentile": pct, "hist": [int(v) for v in h[0]],
                       "edges": [float(v) for v in h[1]], "range": [float(res[0]), float(res[1])]}
    with open(os.path.join(OUT, "histogram_merge.json"), "w") as f:
        json.dump(result, f)


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(5)
    torch.manual_seed(5)
    tp = TinyPulse()
    randomize_bn(tp, g)
    make("tinypulse", tp, (3, 16, 36, 36), 3, [c for c in CONFIGS if c != "minmax_pc_s8_force"], g)
    torch.manual_seed(6)
    pn = MiniPhysNet()
    randomize_bn(pn, g)
    pn.eval()
    fold_convtranspose_bn(pn)
    make("miniphysnet", pn, (3, 16, 32, 32), 2, ["minmax_pc_s8", "percentile_pc_s8"], g)
    histogram_merge(g)
    make_tinypulse2d()


if __name__ == "__main__":
    sys.exit(main())
