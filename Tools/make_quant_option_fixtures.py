#!/usr/bin/env python3
"""Fixtures for ORT's quantizer options (issue 16): nodes_to_exclude, ActivationSymmetric,
CalibMovingAverage and TensorQuantOverrides, on the FP32 TinyPulse and clips that
make_quant_fixtures.py already wrote (so no torch is needed here).

Rerun from the repository root:
    python3.11 Tools/make_quant_option_fixtures.py
(onnx, onnxruntime 1.2x+, numpy; measured with onnxruntime 1.32.0). Writes, beside the others in
Tests/QuantizationTests/Fixtures/quant/:
  tinypulse_<config>.json    ORT's calibrated ranges, every initializer of its QDQ model and its nodes
  tinypulse_overrides_input.json  the TensorQuantOverrides given to ORT for the `overrides` config, in the
                             JSON form `rppg quantize --overrides FILE` reads
"""
import json
import os
import sys
import tempfile

import numpy as np
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
}


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
            dump_qdq(out, cache, os.path.join(OUT, f"tinypulse_{cfg}.json"))
        print(cfg, "done")
    with open(os.path.join(OUT, "tinypulse_overrides_input.json"), "w") as f:
        json.dump(OVERRIDES_JSON, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())
