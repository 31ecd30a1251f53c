#!/usr/bin/env python3
"""Fixtures for ORT's quantizer options (issue 16): nodes_to_exclude, ActivationSymmetric,
CalibMovingAverage, TensorQuantOverrides and WeightSymmetric, on the FP32 TinyPulse and clips that
make_quant_fixtures.py already wrote (so no torch is needed here).

Rerun from the repository root:
    python3.11 Tools/make_quant_option_fixtures.py
(onnx, onnxruntime 1.2x+, numpy; measured with onnxruntime 1.32.0). Writes, beside the others in
Tests/QuantizationTests/Fixtures/quant/:
  tinypulse_<config>.json    ORT's calibrated ranges, every initializer of its QDQ model and its nodes
  tinypulse_weightasym_pt_ort_q.bin  ORT's int8 tensors for that configuration (RUN_IN_ORT below)
  tinypulse_overrides_input.json  the TensorQuantOverrides given to ORT for the `overrides` config, in the
                             JSON form `rppg quantize --overrides FILE` reads
"""
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

sys.path.insert(0, os.path.dirname(__file__))
from make_quant_fixtures import OUT, Reader, dump_qdq  # noqa: E402

# ORT wants numpy scalars for scale / zero point; the JSON file holds plain numbers.
OVERRIDES_JSON = {
    "input": [{"rmin": -2.5, "rmax": 3.0}],
    "/stem/stem.2/Relu_output_0": [{"scale": 0.0125, "zero_point": -128}],
    "/block3/block3.2/Relu_output_0": [{"rmin": 0.0, "rmax": 1.5, "symmetric": True}],
}


def ort_overrides(raw):
    out = {}
    for name, entries in raw.items():
        out[name] = []
        for e in entries:
            e = dict(e)
            if "scale" in e:
                e["scale"] = np.array(e["scale"], dtype=np.float32)
                e["zero_point"] = np.array(e["zero_point"], dtype=np.int8)
            for key in ("rmin", "rmax"):
                if key in e:
                    e[key] = np.array(e[key], dtype=np.float32)
            out[name].append(e)
    return out


BASE = dict(calibrate_method=CalibrationMethod.MinMax, per_channel=True, activation_type=QuantType.QInt8)
CONFIGS = {
    "exclude_block2": dict(BASE, nodes_to_exclude=["/block2/block2.0/Conv"]),
    "exclude_head": dict(BASE, nodes_to_exclude=["/head/Conv"]),
    "symact_s8": dict(BASE, extra_options={"ActivationSymmetric": True}),
    "symact_u8": dict(BASE, activation_type=QuantType.QUInt8, extra_options={"ActivationSymmetric": True}),
    "movavg_s8": dict(BASE, extra_options={"CalibMovingAverage": True}),
    "movavg_c05_s8": dict(BASE, extra_options={"CalibMovingAverage": True, "CalibMovingAverageConstant": 0.5}),
    "overrides": dict(BASE, extra_options={"TensorQuantOverrides": ort_overrides(OVERRIDES_JSON)}),
    "weightasym_pt": dict(BASE, per_channel=False, extra_options={"WeightSymmetric": False}),
    "weightasym_pc": dict(BASE, extra_options={"WeightSymmetric": False}),
    # 16-bit activations for chosen tensors (ORT's QInt16 override; ORT upgrades the model to opset 21).
    "int16_act": dict(BASE, extra_options={"TensorQuantOverrides": {
        "input": [{"quant_type": QuantType.QInt16}],
        "/stem/stem.2/Relu_output_0": [{"quant_type": QuantType.QInt16}]}}),
}

# Configurations whose final outputs ORT records ("ort_outputs", one list per clip, ORT_ENABLE_ALL,
# CPU, one thread), without the per-tensor int8 dump (16-bit tensors have no int8 form).
RUN_OUTPUTS_IN_ORT = {"int16_act": 2}


# Configurations whose QDQ model ORT also runs (ORT_ENABLE_ALL, CPU, one thread) on the first
# clips: the int8 engine takes another path for them (asymmetric weights go through its float
# fallback), so the fixture carries ORT's final outputs ("ort_outputs", one list per clip) and, in
# tinypulse_<config>_ort_q.bin, every QuantizeLinear output as int8, clip after clip, in the order
# and shapes of "ort_quantized" (as make_int8_fixtures.py does).
RUN_IN_ORT = {"weightasym_pt": 2}


def run_in_ort(model, clips, record, qbin):
    m = onnx.load(model)
    q_outputs = [n.output[0] for n in m.graph.node if n.op_type == "QuantizeLinear"]
    for q in q_outputs:
        m.graph.output.append(onnx.helper.make_tensor_value_info(q, onnx.TensorProto.INT8, None))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    name, out = sess.get_inputs()[0].name, sess.get_outputs()[0].name
    runs = [sess.run([out] + q_outputs, {name: c}) for c in clips]
    record["ort_outputs"] = [r[0].ravel().astype(float).tolist() for r in runs]
    record["ort_quantized"] = [{"name": q, "shape": list(v.shape)} for q, v in zip(q_outputs, runs[0][1:])]
    np.concatenate([v.astype(np.int8).ravel() for r in runs for v in r[1:]]).tofile(qbin)


def ort_outputs(model, clips):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return [sess.run(None, {name: c})[0].ravel().astype(float).tolist() for c in clips]


def main():
    shape = json.load(open(os.path.join(OUT, "tinypulse_clips.json")))["shape"]
    data = np.fromfile(os.path.join(OUT, "tinypulse_clips.bin"), dtype=np.float32).reshape(shape)
    fp32 = os.path.join(OUT, "tinypulse_fp32.onnx")
    for cfg, kwargs in CONFIGS.items():
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "q.onnx")
            cache = os.path.join(tmp, "ranges.json")
            quantize_static(fp32, out, Reader(list(data)), quant_format=QuantFormat.QDQ, weight_type=QuantType.QInt8,
                            calibration_cache_path=cache, **kwargs)
            target = os.path.join(OUT, f"tinypulse_{cfg}.json")
            dump_qdq(out, cache, target)
            if cfg in RUN_IN_ORT:
                record = json.load(open(target))
                run_in_ort(out, data[:RUN_IN_ORT[cfg]], record, os.path.join(OUT, f"tinypulse_{cfg}_ort_q.bin"))
                with open(target, "w") as f:
                    json.dump(record, f, separators=(",", ":"), sort_keys=True)
            if cfg in RUN_OUTPUTS_IN_ORT:
                record = json.load(open(target))
                record["ort_outputs"] = ort_outputs(out, data[:RUN_OUTPUTS_IN_ORT[cfg]])
                record["opset"] = max(o.version for o in onnx.load(out).opset_import if o.domain in ("", "ai.onnx"))
                with open(target, "w") as f:
                    json.dump(record, f, separators=(",", ":"), sort_keys=True)
        print(cfg, "done")
    with open(os.path.join(OUT, "tinypulse_overrides_input.json"), "w") as f:
        json.dump(OVERRIDES_JSON, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())
