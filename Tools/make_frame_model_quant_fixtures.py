#!/usr/bin/env python3
"""ONNX and int8 fixtures for the rPPG-Toolbox frame models (DeepPhys, TS-CAN, EfficientPhys):
what onnx.checker, ONNX Runtime and quantize_static make of the ONNX that `rppg export` writes.

Rerun from the repository root, after `swift build -c release --product rppg`:
    python3 Tools/make_frame_model_quant_fixtures.py .build/release/rppg
Weights: Tests/RPPGTests/Fixtures/zoo/{deepphys,efficientphys}_weights.pth (Tools/make_nn_fixtures.py;
TS-CAN runs DeepPhys's weights, its keys are the same). One clip of T = 10 frames at 36 pixels
(one TSM segment): DeepPhys/TS-CAN input [10, 6, 36, 36], EfficientPhys [11, 3, 36, 36].

For each model NAME, checks and prints (exit status 1 if one fails):
  - onnx.checker.check_model(full_check=True) on our FP32 export;
  - ONNX Runtime (ORT_ENABLE_ALL) on it against PyTorch (Tools/pytorch_zoo.py) within 1e-5 relative.
Then quantize_static (QDQ, per channel, int8 weights and activations, MinMax) on 4 seeded
calibration clips, and ONNX Runtime's int8 run (QLinear kernels on x86) on 2 test clips. Writes
Tests/WorkflowTests/Fixtures/frame_models/:
  NAME_qdq.onnx     the QDQ model quantize_static wrote
  NAME.json         calibrated ranges, shapes, the output's scale/zero point, and the layout of NAME_ort_q.bin
  NAME_inputs.bin   float32 test clips, little-endian
  NAME_ort.bin      float32 ORT int8-model outputs per clip
  NAME_ort_q.bin    int8 values of every QuantizeLinear output, every STRIDE-th element (a full dump
                    would be ~10 MB), per clip, in the order of NAME.json "quantized"
  tscan_calibration.pt  TS-CAN's 4 calibration inputs {'clips': [4, 10, 6, 36, 36]}
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.calibrate import load_tensors_data

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tools"))
import pytorch_zoo  # noqa: E402

WEIGHTS = os.path.join(ROOT, "Tests", "RPPGTests", "Fixtures", "zoo")
OUT = os.path.join(ROOT, "Tests", "WorkflowTests", "Fixtures", "frame_models")
MODELS = {"deepphys": "deepphys_weights.pth", "tscan": "deepphys_weights.pth", "efficientphys": "efficientphys_weights.pth"}
FRAMES, SIZE, STRIDE = 10, 36, 13
ORT_TOLERANCE = 1e-5


class Reader(CalibrationDataReader):
    def __init__(self, clips):
        self.it = iter([{"input": c} for c in clips])

    def get_next(self):
        return next(self.it, None)


def quantize(fp32, qdq, calib, cache):
    """quantize_static as the fixtures use it (QDQ, per channel, int8/int8, MinMax) on inputs
    `calib`; returns the calibrated (min, max) of every tensor."""
    quantize_static(fp32, qdq, Reader(calib), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax, calibration_cache_path=cache)
    return {k: [float(np.asarray(v.range_value[0]).reshape(-1)[0]), float(np.asarray(v.range_value[1]).reshape(-1)[0])]
            for k, v in load_tensors_data(cache).items()}


def session(model_bytes):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = 1
    return ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])


def make(rppg, name, seed, tmp, weights=None, frames=FRAMES, size=SIZE, out=OUT, stride=STRIDE, tests=None,
         opset=None):
    """Also serves other zoo models (Tools/make_ibvpnet_fixtures.py): `weights` is then a
    checkpoint path, and the clips are `pytorch_zoo.example_input` at `frames` and `size`.
    `tests`: the clips ORT's int8 model runs on instead of the two seeded ones; they are then not
    written (NAME_inputs.bin is left out: PhysFormer's 128-pixel clips are 3 MB each, and its
    tests are formula_input, which the Swift test makes itself). `opset`: `rppg export --opset`
    (17 for LayerNormalization)."""
    weights = weights or os.path.join(WEIGHTS, MODELS[name])
    fp32 = os.path.join(tmp, f"{name}_fp32.onnx")
    subprocess.run([rppg, "export", "--checkpoint", weights, "--model", name, "--frames", str(frames),
                    "--output", fp32] + (["--opset", str(opset)] if opset else []),
                   check=True, stdout=subprocess.DEVNULL)
    onnx.checker.check_model(onnx.load(fp32), full_check=True)

    state = torch.load(weights, weights_only=True)
    torch_model = pytorch_zoo.build(name, frames=frames, img_size=size, state_dict=state)
    torch_model.load_state_dict(state, strict=True)
    g = torch.Generator().manual_seed(seed)
    clips = [pytorch_zoo.example_input(name, 1, frames, size, generator=g).numpy() for _ in range(6)]
    calib = clips[:4]
    store_inputs = tests is None
    tests = clips[4:] if tests is None else tests
    if name == "tscan":  # for `rppg quantize`'s own calibration against ORT's (FrameModelQuantizationTests)
        torch.save({"clips": torch.from_numpy(np.stack(calib))}, os.path.join(out, "tscan_calibration.pt"))
    sess = session(open(fp32, "rb").read())
    worst = 0.0
    for x in tests:
        with torch.no_grad():
            ref = torch_model(torch.from_numpy(x)).numpy()
        y = sess.run(None, {"input": x})[0]
        worst = max(worst, float(np.max(np.abs(y - ref)) / np.max(np.abs(ref))))
    ok = worst <= ORT_TOLERANCE
    print(f"{'PASS' if ok else 'FAIL'} {name}: checker ok, ORT FP32 vs PyTorch relative {worst:.3g} (tolerance {ORT_TOLERANCE})")

    qdq = os.path.join(out, f"{name}_qdq.onnx")
    cache = os.path.join(tmp, f"{name}_ranges.json")
    ranges = quantize(fp32, qdq, calib, cache)
    m = onnx.load(qdq)
    final_dq = next(n for n in m.graph.node if "output" in n.output)
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in m.graph.initializer}
    q_outputs = [n.output[0] for n in m.graph.node if n.op_type == "QuantizeLinear"]
    probe = onnx.load(qdq)
    for q in q_outputs:
        probe.graph.output.append(onnx.helper.make_tensor_value_info(q, onnx.TensorProto.INT8, None))
    outs = [session(probe.SerializeToString()).run(["output"] + q_outputs, {"input": x}) for x in tests]
    if store_inputs:
        np.stack(tests).astype("<f4").tofile(os.path.join(out, f"{name}_inputs.bin"))
    np.stack([o[0] for o in outs]).astype("<f4").tofile(os.path.join(out, f"{name}_ort.bin"))
    np.concatenate([np.concatenate([v.astype(np.int8).ravel()[::stride] for v in o[1:]]) for o in outs]).tofile(
        os.path.join(out, f"{name}_ort_q.bin"))
    quantized, offset = [], 0
    for q, v in zip(q_outputs, outs[0][1:]):
        count = len(range(0, v.size, stride))
        quantized.append({"name": q, "shape": list(v.shape), "offset": offset, "count": count})
        offset += count
    meta = {"input_shape": list(tests[0].shape), "output_shape": list(outs[0][0].shape), "clips": len(tests),
            "stride": stride, "quantized": quantized, "quantized_per_clip": offset,
            "output_scale": float(inits[final_dq.input[1]]), "output_zero_point": int(inits[final_dq.input[2]]),
            "ranges": ranges, "ort_fp32_vs_torch_relative": worst,
            "onnxruntime": ort.__version__, "onnx": onnx.__version__, "torch": torch.__version__}
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    sizes = {f: os.path.getsize(os.path.join(out, f)) for f in os.listdir(out) if f.startswith(name + "_") or f == name + ".json"}
    print(f"  {name}: {len(q_outputs)} quantized tensors, output scale {meta['output_scale']:.3g}, files {sizes}")
    return ok


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        results = [make(sys.argv[1], name, 100 + i, tmp) for i, name in enumerate(MODELS)]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
