#!/usr/bin/env python3.11
"""Makes the int8 execution fixtures in Tests/QuantizationTests/Fixtures/int8 with ONNX Runtime.

Rerun from the repository root:  python3.11 Tools/make_int8_fixtures.py

For each model (Tools/pytorch_zoo.py, seeded random weights with randomised BatchNorm statistics,
exported in eval mode by the legacy exporter so BatchNorm is folded into the convs):
  - tinypulse: TinyPulse, input [1, 3, 16, 36, 36]
  - physnet:   PhysNet (frames 8), input [1, 3, 8, 16, 16] (its ConvTranspose3d + ELU upsampling)
  - tinypulse2d: TinyPulse2D, input [1, 3, 16, 36, 36], with ForceQuantizeNoInputCheck (what
    `rppg quantize` does by default for an input only layout ops read): its Transposes run in int8
ORT quantize_static (QuantFormat.QDQ, per_channel=True, activations and weights QInt8,
CalibrationMethod.MinMax) on 4 random calibration clips, then ONNX Runtime (CPU EP,
ORT_ENABLE_ALL, which fuses DQ→Conv→Q into QLinearConv on x86) on 2 test clips.

Files per model NAME:
  NAME_qdq.onnx          the QDQ model as quantize_static wrote it
  NAME_inputs.bin        float32 test clips, [2, 1, 3, T, H, W] little-endian
  NAME_ort_q.bin         int8 ORT values of every QuantizeLinear output (intermediate activations
                         and the output before its final DequantizeLinear), per clip, in the
                         order of NAME.json "quantized" (name, shape, offset in a clip's block)
  NAME_ort.bin           float32 ORT output, [2, 1, T]
  NAME.json              shapes, the quantized output's scale/zero point, ORT version, CPU flags
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_static)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "QuantizationTests", "Fixtures", "int8")
sys.path.insert(0, os.path.join(ROOT, "Tools"))
from pytorch_zoo import PhysNet, TinyPulse, TinyPulse2D  # noqa: E402


def randomise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.dtype != torch.float32:
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=g) * 0.5 + 0.5)
            elif name.endswith("running_mean"):
                t.copy_(torch.randn(t.shape, generator=g) * 0.1)
            elif name.endswith(".weight") and t.dim() == 1:  # BatchNorm gamma
                t.copy_(torch.rand(t.shape, generator=g) * 0.5 + 0.75)
            else:
                fan_in = max(1, t[0].numel()) if t.dim() > 1 else 4
                t.copy_(torch.randn(t.shape, generator=g) / np.sqrt(fan_in))
    return model.eval()


class Clips(CalibrationDataReader):
    def __init__(self, clips):
        self.it = iter([{"input": c} for c in clips])

    def get_next(self):
        return next(self.it, None)


def make(name, model, shape, seed, extra_options=None):
    rng = np.random.default_rng(seed)
    calib = [rng.standard_normal(shape).astype(np.float32) for _ in range(4)]
    tests = [rng.standard_normal(shape).astype(np.float32) for _ in range(2)]
    fp32 = os.path.join(OUT, f"{name}_fp32.onnx.tmp")
    qdq = os.path.join(OUT, f"{name}_qdq.onnx")
    torch.onnx.export(model, torch.from_numpy(calib[0]), fp32, input_names=["input"], output_names=["output"],
                      opset_version=13, do_constant_folding=True, dynamo=False)
    quantize_static(fp32, qdq, Clips(calib), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax, extra_options=extra_options or {})
    os.remove(fp32)
    m = onnx.load(qdq)
    # The int8 tensor before the final DequantizeLinear that produces "output".
    final_dq = next(n for n in m.graph.node if "output" in n.output)
    assert final_dq.op_type == "DequantizeLinear", final_dq.op_type
    q_name = final_dq.input[0]
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in m.graph.initializer}
    scale, zp = float(inits[final_dq.input[1]]), int(inits[final_dq.input[2]])
    q_outputs = [n.output[0] for n in m.graph.node if n.op_type == "QuantizeLinear"]
    probe = onnx.load(qdq)
    for q in q_outputs:
        probe.graph.output.append(onnx.helper.make_tensor_value_info(q, onnx.TensorProto.INT8, None))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(probe.SerializeToString(), so, providers=["CPUExecutionProvider"])
    outs = [sess.run(["output"] + q_outputs, {"input": t}) for t in tests]
    np.stack(tests).astype("<f4").tofile(os.path.join(OUT, f"{name}_inputs.bin"))
    np.concatenate([np.concatenate([v.astype(np.int8).ravel() for v in o[1:]]) for o in outs]).tofile(
        os.path.join(OUT, f"{name}_ort_q.bin"))
    quantized, offset = [], 0
    for q, v in zip(q_outputs, outs[0][1:]):
        quantized.append({"name": q, "shape": list(v.shape), "offset": offset})
        offset += v.size
    np.stack([o[0] for o in outs]).astype("<f4").tofile(os.path.join(OUT, f"{name}_ort.bin"))
    flags = open("/proc/cpuinfo").read().split("flags")[1].split("\n")[0].split()
    meta = {"input_shape": list(shape), "output_shape": list(outs[0][0].shape), "clips": len(tests),
            "quantized_output": q_name, "quantized": quantized, "quantized_per_clip": offset, "output_scale": scale, "output_zero_point": zp,
            "onnxruntime": ort.__version__, "torch": torch.__version__,
            "cpu_vnni": "avx512_vnni" in flags or "avx_vnni" in flags}
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(name, {k: meta[k] for k in ("output_shape", "output_scale", "output_zero_point", "cpu_vnni")},
          "qdq bytes", os.path.getsize(qdq))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    make("tinypulse", randomise(TinyPulse(), 1), (1, 3, 16, 36, 36), 11)
    make("physnet", randomise(PhysNet(frames=8), 2), (1, 3, 8, 16, 16), 12)
    make_tinypulse2d()


def make_tinypulse2d():
    """Its own seeds, so that adding it left the other fixtures unchanged."""
    torch.manual_seed(3)
    make("tinypulse2d", randomise(TinyPulse2D(), 4), (1, 3, 16, 36, 36), 13,
         extra_options={"ForceQuantizeNoInputCheck": True})


if __name__ == "__main__":
    main()
