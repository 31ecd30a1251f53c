#!/usr/bin/env python3
"""The seed workflow done the old way (PyTorch + ONNX Runtime), for comparison with `rppg pipeline`.

Runs calibrate -> export (torch.onnx.export) -> quantize (onnxruntime quantize_static, QDQ,
per-channel int8) -> verify (ORT FP32 and INT8, rPPG-Toolbox per-video HR) on the SAME processed
dataset and checkpoint the Swift pipeline used, times every step, and prints both tools' MAE,
RMSE and step times side by side (the Swift numbers are read from the pipeline's JSON summary).

    python3 Tools/reference_workflow.py --workdir rppg-workdir \
        [--data rppg-workdir/data/ubfc_processed.pt] [--checkpoint Models/tinypulse_default.pth]

Needs: torch (CPU), onnx, onnxruntime, scipy, numpy. Developer tool only: the product never
runs Python.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
import scipy.signal
import torch
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_static)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_zoo import TinyPulse, PhysNet  # noqa: E402  (written next to this script)


def detrend(x, lam=100.0):
    """Smoothness-priors detrend exactly as rPPG-Toolbox (dense; fine for short videos)."""
    n = len(x)
    d = np.zeros((n - 2, n))
    for i in range(n - 2):
        d[i, i:i + 3] = [1.0, -2.0, 1.0]
    h = np.identity(n)
    return (h - np.linalg.inv(h + lam ** 2 * d.T @ d)) @ x


def fft_hr(sig, fs, low=0.75, high=2.5):
    n = 1 << (len(sig) - 1).bit_length()
    f, p = scipy.signal.periodogram(sig[None, :], fs=fs, nfft=n, detrend=False)
    mask = np.argwhere((f >= low) & (f <= high))
    return float(np.take(f, mask)[np.argmax(np.take(p, mask), 0)][0] * 60)


def video_hr(pred, label, fs, diff):
    if diff:
        pred, label = detrend(np.cumsum(pred)), detrend(np.cumsum(label))
    else:
        pred, label = detrend(pred), detrend(label)
    b, a = scipy.signal.butter(1, [0.75 / fs * 2, 2.5 / fs * 2], btype="bandpass")
    pred = scipy.signal.filtfilt(b, a, np.double(pred))
    label = scipy.signal.filtfilt(b, a, np.double(label))
    return fft_hr(pred, fs), fft_hr(label, fs)


def metrics(pred, truth):
    pred, truth = np.array(pred), np.array(truth)
    err = pred - truth
    return {"mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(np.mean(err ** 2))),
            "mape": float(np.mean(np.abs(err / truth)) * 100),
            "pearson": float(np.corrcoef(pred, truth)[0, 1]) if len(pred) > 1 else float("nan")}


def held_out(subjects, fraction=0.2):
    s = sorted(set(subjects))
    if len(s) <= 1:
        return s
    k = min(len(s) - 1, max(1, int(round(len(s) * fraction))))
    return s[-k:]


class Reader(CalibrationDataReader):
    def __init__(self, clips, name):
        self.it = iter([{name: c[None].numpy()} for c in clips])

    def get_next(self):
        return next(self.it, None)


def state_dict_of(obj):
    for key in ("model_state_dict", "state_dict", "model", "net"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            return obj[key]
    return obj


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", default="rppg-workdir")
    ap.add_argument("--data")
    ap.add_argument("--checkpoint", default="Models/tinypulse_default.pth")
    ap.add_argument("--model", default="tinypulse", choices=["tinypulse", "physnet"])
    ap.add_argument("--num-samples", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    data_path = args.data or os.path.join(args.workdir, "data", "ubfc_processed.pt")
    torch.set_num_threads(os.cpu_count())
    times = {}
    out = tempfile.mkdtemp(prefix="reference-workflow-")

    t = time.perf_counter()
    data = torch.load(data_path, weights_only=True)
    clips, labels = data["clips"], data["labels"]
    subjects = data["subject"].tolist()
    fps = float(data["fps"])
    g = torch.Generator().manual_seed(args.seed)
    idx = torch.randperm(clips.shape[0], generator=g)[:args.num_samples]
    calib = clips[idx]
    times["calibrate"] = time.perf_counter() - t

    t = time.perf_counter()
    model = TinyPulse() if args.model == "tinypulse" else PhysNet(frames=clips.shape[2])
    sd = state_dict_of(torch.load(args.checkpoint, weights_only=True))
    sd = {k[7:] if k.startswith("module.") else k: v for k, v in sd.items()}
    model.load_state_dict(sd)
    model.eval()
    fp32_path = os.path.join(out, "rppg_fp32.onnx")
    torch.onnx.export(model, clips[:1], fp32_path, input_names=["input"], output_names=["output"],
                      opset_version=13, dynamo=False)
    times["export"] = time.perf_counter() - t

    t = time.perf_counter()
    int8_path = os.path.join(out, "rppg_int8_qdq.onnx")
    quantize_static(fp32_path, int8_path, Reader(calib, "input"), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax)
    times["quantize"] = time.perf_counter() - t

    t = time.perf_counter()
    held = held_out(subjects)
    sel = [i for i, s in enumerate(subjects) if s in held]
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    results = {}
    for name, path in (("fp32", fp32_path), ("int8", int8_path)):
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        preds = {}
        labs = {}
        for i in sel:
            y = sess.run(None, {"input": clips[i:i + 1].numpy()})[0][0]
            preds.setdefault(subjects[i], []).append(y)
            labs.setdefault(subjects[i], []).append(labels[i].numpy())
        diff = str(data.get("input_type", "diffnormalized")).lower() == "diffnormalized"
        hr = [video_hr(np.concatenate(preds[s]), np.concatenate(labs[s]), fps, diff) for s in sorted(preds)]
        results[name] = metrics([p for p, _ in hr], [l for _, l in hr])
    times["verify"] = time.perf_counter() - t

    swift = {}
    vj = os.path.join(args.workdir, "reports", "verify.json")
    sj = os.path.join(args.workdir, "pipeline.json")
    if os.path.exists(vj):
        v = json.load(open(vj))
        swift = {"fp32": v["fp32"], "int8": v["int8"]}
    steps = {}
    if os.path.exists(sj):
        steps = {s["name"]: s["seconds"] for s in json.load(open(sj)).get("steps", [])}

    print(f"{'':22}{'PyTorch+ORT':>14}{'rppg (Swift)':>14}")
    for model_name in ("fp32", "int8"):
        for k in ("mae", "rmse"):
            sw = swift.get(model_name, {}).get(k)
            print(f"{model_name.upper() + ' ' + k.upper() + ' (BPM)':22}{results[model_name][k]:14.2f}"
                  f"{sw if sw is None else f'{sw:14.2f}':>14}")
    for k, v in times.items():
        sw = steps.get(k)
        print(f"{k + ' (s)':22}{v:14.2f}{'' if sw is None else f'{sw:14.2f}':>14}")
    print(f"{'total (s)':22}{sum(times.values()):14.2f}"
          f"{'' if not steps else f'{sum(steps[k] for k in times if k in steps):14.2f}':>14}")


if __name__ == "__main__":
    main()
