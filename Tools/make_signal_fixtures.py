#!/usr/bin/env python3
"""Reference outputs for the rPPG signal chain (Sources/RPPG/{Signal,Metrics,Evaluation,Baselines}).

Rerun from the repository root:
    python3 Tools/make_signal_fixtures.py
It writes Tests/RPPGTests/Fixtures/signal/*.json with numpy/scipy results (float64, printed with
repr so that every value round-trips exactly). Deterministic: fixed numpy seed.

The rPPG-Toolbox formulas (evaluation/post_process.py, evaluation/metrics.py,
unsupervised_methods/methods/{POS_WANG,CHROME_DEHAAN,GREEN}.py) are restated here from their
definitions: the dense detrend inverse is the reference the Swift banded solver is checked against.
"""
import json
import math
import os

import numpy as np
import scipy
import scipy.signal
from scipy.sparse import spdiags

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "RPPGTests", "Fixtures", "signal")
rng = np.random.default_rng(20261129)


def dump(name, obj):
    def conv(o):
        if isinstance(o, np.ndarray):
            return [conv(v) for v in o.tolist()]
        if isinstance(o, (list, tuple)):
            return [conv(v) for v in o]
        if isinstance(o, dict):
            return {k: conv(v) for k, v in o.items()}
        if isinstance(o, (np.floating, float)):
            v = float(o)
            return v if math.isfinite(v) else None
        if isinstance(o, (np.integer,)):
            return int(o)
        return o
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(conv(obj), f, separators=(",", ":"))


def next_pow2(n):
    return 1 if n == 0 else 2 ** (n - 1).bit_length()


def dense_detrend(x, lam):
    n = x.shape[0]
    eye = np.identity(n)
    d = spdiags(np.array([np.ones(n), -2 * np.ones(n), np.ones(n)]), np.array([0, 1, 2]), n - 2, n).toarray()
    return (eye - np.linalg.inv(eye + lam ** 2 * d.T @ d)) @ x


def hr_fft(sig, fs, low, high):
    f, p = scipy.signal.periodogram(sig[None, :], fs=fs, nfft=next_pow2(len(sig)), detrend=False)
    p = p[0]
    mask = (f >= low) & (f <= high)
    return f[mask][np.argmax(p[mask])] * 60


def hr_peak(sig, fs):
    peaks, _ = scipy.signal.find_peaks(sig)
    return 60 / (np.mean(np.diff(peaks)) / fs)


def snr(sig, hr, fs, low, high):
    f1 = hr / 60
    f2 = 2 * f1
    dev = 6 / 60
    f, p = scipy.signal.periodogram(sig[None, :], fs=fs, nfft=next_pow2(len(sig)), detrend=False)
    p = p[0]
    in1 = (f >= f1 - dev) & (f <= f1 + dev)
    in2 = (f >= f2 - dev) & (f <= f2 + dev)
    rem = (f >= low) & (f <= high) & ~in1 & ~in2
    r = np.sum(p[rem])
    return 0.0 if r == 0 else 20 * np.log10((np.sum(p[in1]) + np.sum(p[in2])) / r)


def metric_per_video(pred, label, fs, diff, order, low, high, method):
    if diff:
        pred = dense_detrend(np.cumsum(pred), 100)
        label = dense_detrend(np.cumsum(label), 100)
    else:
        pred = dense_detrend(pred, 100)
        label = dense_detrend(label, 100)
    b, a = scipy.signal.butter(order, [low / fs * 2, high / fs * 2], btype="bandpass")
    pred = scipy.signal.filtfilt(b, a, np.double(pred))
    label = scipy.signal.filtfilt(b, a, np.double(label))
    if method == "fft":
        hp, hl = hr_fft(pred, fs, low, high), hr_fft(label, fs, low, high)
    else:
        hp, hl = hr_peak(pred, fs), hr_peak(label, fs)
    return hp, hl, snr(pred, hl, fs, low, high)


def pulse_wave(t, hr_bpm):
    ph = 2 * np.pi * hr_bpm / 60 * t
    return np.sin(ph) + 0.35 * np.sin(2 * ph + 0.8)


# --- detrend -----------------------------------------------------------------------------
n = 300
t = np.arange(n) / 30.0
x = 0.02 * t ** 2 - 0.3 * t + np.sin(2 * np.pi * 1.2 * t) + 0.2 * rng.standard_normal(n)
short = rng.standard_normal(7)
dump("detrend.json", {
    "lambda": 100.0,
    "cases": [
        {"x": x, "expected": dense_detrend(x, 100)},
        {"x": short, "expected": dense_detrend(short, 100)},
        {"x": x[:50], "expected": dense_detrend(x[:50], 10)},
    ],
    "lambdas": [100.0, 100.0, 10.0],
})

# --- butter + lfilter_zi + filtfilt ---------------------------------------------------------
designs = []
for order, low, high, fs in [(1, 0.75, 2.5, 30.0), (2, 0.75, 2.5, 30.0), (3, 0.7, 2.5, 30.0),
                             (1, 0.6, 3.3, 30.0), (1, 0.75, 3.0, 29.5), (4, 0.5, 4.0, 25.0)]:
    b, a = scipy.signal.butter(order, [low / fs * 2, high / fs * 2], btype="bandpass")
    zi = scipy.signal.lfilter_zi(b, a)
    y = scipy.signal.filtfilt(b, a, x)
    designs.append({"order": order, "low": low, "high": high, "fs": fs, "b": b, "a": a, "zi": zi, "filtfilt": y})
dump("butter_filtfilt.json", {"x": x, "designs": designs})

# --- periodogram --------------------------------------------------------------------------
sig = x[:250]
cases = []
for det in ["none", "constant"]:
    f, p = scipy.signal.periodogram(sig, fs=30.0, nfft=next_pow2(len(sig)), detrend=(False if det == "none" else "constant"))
    cases.append({"detrend": det, "nfft": next_pow2(len(sig)), "frequencies": f, "power": p})
f, p = scipy.signal.periodogram(sig, fs=30.0, nfft=128, detrend=False)  # truncation branch
cases.append({"detrend": "none", "nfft": 128, "frequencies": f, "power": p})
dump("periodogram.json", {"x": sig, "fs": 30.0, "cases": cases})

# --- HR: FFT, peaks, SNR ----------------------------------------------------------------------
fs = 30.0
tt = np.arange(420) / fs
ppg = pulse_wave(tt, 72.0) + 0.3 * rng.standard_normal(420)
plateau = np.array([0, 1, 1, 1, 0, 2, 3, 3, 2, 5, 5, 5, 5, 1, 4, 4])
hr_cases = []
for low, high in [(0.75, 2.5), (0.6, 3.3)]:
    hr_cases.append({"low": low, "high": high, "fft": hr_fft(ppg, fs, low, high), "snr": snr(ppg, 75.0, fs, low, high)})
dump("heart_rate.json", {
    "fs": fs, "x": ppg, "bands": hr_cases,
    "peaks": scipy.signal.find_peaks(ppg)[0], "peak_hr": hr_peak(ppg, fs),
    "plateau": plateau.astype(float), "plateau_peaks": scipy.signal.find_peaks(plateau)[0],
})

# --- per-video evaluation (calculate_metric_per_video) ----------------------------------------
videos = []
chunk = 128
for vid, (hr_true, hr_pred, nchunks) in enumerate([(66.0, 70.0, 3), (92.0, 91.0, 2), (120.0, 84.0, 3)]):
    frames = chunk * nchunks
    tv = np.arange(frames) / fs
    label = pulse_wave(tv, hr_true)
    pred = pulse_wave(tv + 0.1, hr_pred) + 0.5 * rng.standard_normal(frames) + 0.002 * tv ** 2
    # DiffNormalized as preprocessing makes it, stored as float32 like the model outputs.
    d_label = np.append(np.diff(label) / np.std(np.diff(label)), 0).astype(np.float32)
    d_pred = np.append(np.diff(pred) / np.std(np.diff(pred)), 0).astype(np.float32)
    raw_label = label.astype(np.float32)
    raw_pred = pred.astype(np.float32)
    entry = {"id": [7, 3, 11][vid], "diff_pred": d_pred.reshape(nchunks, chunk), "diff_label": d_label.reshape(nchunks, chunk),
             "raw_pred": raw_pred.reshape(nchunks, chunk), "raw_label": raw_label.reshape(nchunks, chunk)}
    res = {}
    for kind, p_, l_, diff in [("diff", d_pred, d_label, True), ("raw", raw_pred, raw_label, False)]:
        p64, l64 = p_.astype(np.float64), l_.astype(np.float64)
        for method in ["fft", "peak"]:
            res[f"{kind}_{method}"] = metric_per_video(p64, l64, fs, diff, 1, 0.75, 2.5, method)
        res[f"{kind}_fft_order2"] = metric_per_video(p64, l64, fs, diff, 2, 0.75, 2.5, "fft")
        # Evaluation windows of 5 s (150 frames), as the toolbox's USE_SMALLER_WINDOW.
        w = 150
        res[f"{kind}_window5"] = [metric_per_video(p64[i:i + w], l64[i:i + w], fs, diff, 1, 0.75, 2.5, "fft")
                                  for i in range(0, len(p64), w) if len(p64[i:i + w]) > 9]
    entry["expected"] = res
    videos.append(entry)
dump("evaluation.json", {"fs": fs, "videos": videos})

# --- metrics (calculate_metrics) ---------------------------------------------------------------
pred = np.array([70.3, 88.0, 101.5, 64.2, 120.0, 77.7])
gt = np.array([72.0, 90.5, 99.0, 66.0, 110.0, 78.0])
snrs = np.array([3.2, -1.5, 6.0, 2.2, -4.0, 1.1])
e = pred - gt
sq = np.square(e)
r = np.corrcoef(pred, gt)[0][1]
dump("metrics.json", {
    "predicted": pred, "truth": gt, "snr": snrs,
    "mae": np.mean(np.abs(e)), "mae_se": np.std(np.abs(e)) / np.sqrt(len(e)),
    "rmse": np.sqrt(np.mean(sq)), "rmse_se": np.sqrt(np.std(sq) / np.sqrt(len(e))),
    "mape": np.mean(np.abs(e / gt)) * 100, "mape_se": np.std(np.abs(e / gt)) / np.sqrt(len(e)) * 100,
    "pearson": r, "pearson_se": np.sqrt((1 - r ** 2) / (len(e) - 2)),
    "snr_mean": np.mean(snrs), "snr_se": np.std(snrs) / np.sqrt(len(snrs)),
})


# --- unsupervised baselines on a fixed RGB trace -------------------------------------------------
def pos(rgb, fs):
    n = rgb.shape[0]
    h = np.zeros(n)
    l = math.ceil(1.6 * fs)
    for k in range(n):
        m = k - l
        if m >= 0:
            cn = (rgb[m:k, :] / np.mean(rgb[m:k, :], axis=0)).T
            s = np.array([[0, 1, -1], [-2, 1, 1]]) @ cn
            hh = s[0] + (np.std(s[0]) / np.std(s[1])) * s[1]
            h[m:k] += hh - np.mean(hh)
    bvp = dense_detrend(h, 100)
    b, a = scipy.signal.butter(1, [0.75 / fs * 2, 3.0 / fs * 2], btype="bandpass")
    return scipy.signal.filtfilt(b, a, bvp.astype(np.double))


def chrom(rgb, fs):
    b, a = scipy.signal.butter(3, [0.7 / (fs / 2), 2.5 / (fs / 2)], "bandpass")
    wl = math.ceil(1.6 * fs)
    if wl % 2:
        wl += 1
    nwin = math.floor((rgb.shape[0] - wl // 2) / (wl // 2))
    s = np.zeros((wl // 2) * (nwin + 1))
    ws = 0
    for _ in range(nwin):
        wm, we = ws + wl // 2, ws + wl
        norm = rgb[ws:we] / np.mean(rgb[ws:we], axis=0)
        xs = 3 * norm[:, 0] - 2 * norm[:, 1]
        ys = 1.5 * norm[:, 0] + norm[:, 1] - 1.5 * norm[:, 2]
        xf = scipy.signal.filtfilt(b, a, xs)
        yf = scipy.signal.filtfilt(b, a, ys)
        sw = (xf - (np.std(xf) / np.std(yf)) * yf) * scipy.signal.windows.hann(wl)
        s[ws:wm] += sw[:wl // 2]
        s[wm:we] = sw[wl // 2:]
        ws = wm
    return s


frames = 300
tv = np.arange(frames) / fs
pulse = pulse_wave(tv, 78.0)
base = np.array([180.0, 120.0, 95.0])
direction = np.array([0.33, 0.77, 0.53])
illum = 1 + 0.03 * np.sin(2 * np.pi * 0.15 * tv)
rgb = (base[None, :] * illum[:, None]) * (1 + 0.006 * pulse[:, None] * direction[None, :]) + 0.3 * rng.standard_normal((frames, 3))
dump("baselines.json", {
    "fs": fs, "rgb": rgb, "hr": 78.0,
    "pos": pos(rgb, fs), "chrom": chrom(rgb, fs), "green": rgb[:, 1].copy(),
    "pos_hr": metric_per_video(pos(rgb, fs), pulse, fs, False, 1, 0.75, 2.5, "fft"),
    "chrom_hr": metric_per_video(chrom(rgb, fs), pulse, fs, False, 1, 0.75, 2.5, "fft"),
    "green_hr": metric_per_video(rgb[:, 1].copy(), pulse, fs, False, 1, 0.75, 2.5, "fft"),
    "pos_fs29": pos(rgb[:200], 29.5),
})
print("wrote", sorted(os.listdir(OUT)))
