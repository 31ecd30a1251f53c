#!/usr/bin/env python3.11
"""Checks ONNX files written by rppg-swift with the real tools: onnx.checker (full_check=True)
and ONNX Runtime, whose output must match a PyTorch reference within 1e-4 relative
(max |ort - ref| <= 1e-4 * max |ref|).

Usage (from the repository root):
  # reference = a .pt dict holding the input and the expected output (e.g. a fixture *_io.pt)
  python3.11 Tools/check_onnx_export.py MODEL.onnx --reference IO.pt [--input-key input] [--output-key output_torch]
  # reference = PyTorch's zoo model (Tools/pytorch_zoo.py) loaded with the same checkpoint
  python3.11 Tools/check_onnx_export.py MODEL.onnx --checkpoint best_model.pth --model physnet [--seed 0]
Exit status 0 only when every check passes; one line per file.
"""
import argparse
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch

RELATIVE_TOLERANCE = 1e-4


def reference_from_zoo(args, shape):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pytorch_zoo  # NN engineer's PyTorch definitions of the zoo models

    model = pytorch_zoo.build(args.model, frames=shape[2])
    root = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    state = root
    for key in ("model_state_dict", "state_dict", "model", "net"):
        if isinstance(root, dict) and isinstance(root.get(key), dict):
            state = root[key]
            break
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    model.load_state_dict(state, strict=True)
    model.eval()
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(args.seed))
    with torch.no_grad():
        y = model(x)
    if isinstance(y, (tuple, list)):
        y = y[0]
    return x, y


def check(path, args):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    if args.reference:
        io = torch.load(args.reference)
        x, ref = io[args.input_key], io[args.output_key]
    else:
        x, ref = reference_from_zoo(args, inp.shape)
    y = sess.run(None, {inp.name: x.numpy().astype(np.float32)})[0]
    ref = ref.detach().numpy().reshape(y.shape)
    err = float(np.max(np.abs(y - ref)))
    scale = float(np.max(np.abs(ref)))
    rel = err / scale if scale > 0 else err
    opset = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    ok = rel <= RELATIVE_TOLERANCE
    meta = {p.key: p.value for p in model.metadata_props}
    print(f"{'PASS' if ok else 'FAIL'} {path}: checker ok, opset {opset}, IR {model.ir_version}, "
          f"producer {model.producer_name} {model.producer_version}, output {list(y.shape)}, "
          f"max|ORT-ref| {err:.3g}, relative {rel:.3g} (tolerance {RELATIVE_TOLERANCE}), metadata {meta}")
    return ok


def main():
    p = argparse.ArgumentParser()
    p.add_argument("models", nargs="+")
    p.add_argument("--reference")
    p.add_argument("--input-key", default="input")
    p.add_argument("--output-key", default="output_torch")
    p.add_argument("--checkpoint")
    p.add_argument("--model")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if not args.reference and not (args.checkpoint and args.model):
        p.error("give --reference IO.pt, or --checkpoint and --model")
    ok = True
    for path in args.models:
        try:
            ok &= check(path, args)
        except Exception as e:  # report and continue with the next file
            print(f"FAIL {path}: {e}")
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
