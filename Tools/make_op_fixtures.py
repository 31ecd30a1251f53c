#!/usr/bin/env python3
"""Fixtures for the transformer ops PhysFormer and RhythmFormer need, one small module each, for
Tests/WorkflowTests/{LayerNorm,Softmax}Tests.swift. Rerun from the repository root:
    python3 Tools/make_op_fixtures.py
For each op NAME, Tests/WorkflowTests/Fixtures/ops/ gets:
  NAME.pt        {'input', 'output', 'outputGradient' r, 'inputGradient' (of sum(y * r)), the
                 module's parameters and their gradients, 'ort' (ORT FP32), 'ortInt8' (ORT's run of the QDQ model)}
  NAME.onnx      torch.onnx.export (TorchScript exporter), checked by onnx.checker
  NAME_qdq.onnx  quantize_static (QDQ, per channel, int8/int8, MinMax) on 4 seeded batches
  NAME.json      the calibrated ranges, the output's scale and the QDQ node types
The ops:
  layernorm  nn.LayerNorm(8, eps=1e-6), seeded affine, on x [2, 5, 8] (mean 1, spread 3), opset 17
  softmax    F.softmax(x, dim=-1) on x [2, 3, 4, 6] (spread 2), opset 13; quantize_static sets the
             output's range to [0, 1] whatever was calibrated
"""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.calibrate import load_tensors_data

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "WorkflowTests", "Fixtures", "ops")


class Reader(CalibrationDataReader):
    def __init__(self, xs):
        self.it = iter([{"input": x} for x in xs])

    def get_next(self):
        return next(self.it, None)


class Softmax(torch.nn.Module):
    def forward(self, x):
        return torch.nn.functional.softmax(x, dim=-1)


def make(name, model, shape, spread, mean, opset, g):
    x = (torch.randn(*shape, generator=g) * spread + mean).requires_grad_()
    y = model(x)
    r = torch.randn(y.shape, generator=g)
    (y * r).sum().backward()
    path = os.path.join(OUT, f"{name}.onnx")
    torch.onnx.export(model, (x.detach(),), path, opset_version=opset, input_names=["input"], output_names=["output"], dynamo=False)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    ort_y = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x.detach().numpy()})[0]
    print(f"{name}: exported {[n.op_type for n in onnx.load(path).graph.node]}, ORT FP32 vs PyTorch {float(np.abs(ort_y - y.detach().numpy()).max()):.3g}")
    calib = [(torch.randn(*shape, generator=g) * spread + mean).numpy() for _ in range(4)]
    qdq = os.path.join(OUT, f"{name}_qdq.onnx")
    cache = os.path.join(OUT, f"{name}_ranges.tmp")
    quantize_static(path, qdq, Reader(calib), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax, calibration_cache_path=cache)
    ranges = {k: [float(np.asarray(v.range_value[0]).reshape(-1)[0]), float(np.asarray(v.range_value[1]).reshape(-1)[0])]
              for k, v in load_tensors_data(cache).items()}
    os.remove(cache)
    m = onnx.load(qdq)
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in m.graph.initializer}
    final_dq = next(n for n in m.graph.node if "output" in n.output)
    ort_q = ort.InferenceSession(qdq, providers=["CPUExecutionProvider"]).run(None, {"input": x.detach().numpy()})[0]
    saved = {"input": x.detach(), "output": y.detach(), "outputGradient": r, "inputGradient": x.grad,
             "ort": torch.from_numpy(ort_y), "ortInt8": torch.from_numpy(ort_q)}
    for k, p in model.named_parameters():
        saved[k] = p.detach()
        saved[f"{k}Gradient"] = p.grad
    torch.save(saved, os.path.join(OUT, f"{name}.pt"))
    nodes = [n.op_type for n in m.graph.node]
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump({"ranges": ranges, "output_scale": float(inits[final_dq.input[1]]), "nodes": nodes,
                   "onnxruntime": ort.__version__}, f, indent=1, sort_keys=True)
    print(f"  QDQ nodes: {nodes}")


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    layernorm = torch.nn.LayerNorm(8, eps=1e-6)
    with torch.no_grad():
        layernorm.weight.copy_(torch.rand(8, generator=g) + 0.5)
        layernorm.bias.copy_(torch.randn(8, generator=g) * 0.2)
    make("layernorm", layernorm, (2, 5, 8), 3, 1, 17, g)


if __name__ == "__main__":
    main()
