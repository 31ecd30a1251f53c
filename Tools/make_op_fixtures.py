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
  matmul     (x @ xᵀ) @ x on x [2, 3, 5, 4]: batched MatMuls of two activations and a Transpose, opset 13
"""
import json
import os

import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tools"))
from make_frame_model_quant_fixtures import quantize  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "WorkflowTests", "Fixtures", "ops")


class Attention(torch.nn.Module):
    """PhysFormer's two attention products on one tensor: (x @ xᵀ) @ x, batched over [B, H]."""

    def forward(self, x):
        return (x @ x.transpose(-2, -1)) @ x


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
    ranges = quantize(path, qdq, calib, cache)
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
    make("softmax", Softmax(), (2, 3, 4, 6), 2, 0, 13, torch.Generator().manual_seed(1))
    make("matmul", Attention(), (2, 3, 5, 4), 1, 0, 13, torch.Generator().manual_seed(2))


if __name__ == "__main__":
    main()
