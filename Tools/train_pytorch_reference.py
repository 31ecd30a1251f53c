#!/usr/bin/env python3
"""PyTorch reference for `rppg train`: TinyPulse trained with the same recipe on the same
processed dataset file, so that the Swift trainer's validation MAE can be compared.

Recipe (as rppg train): subject-wise split (last 20 % of subjects by number, or --val-subjects),
seeded shuffle, Adam(lr) + OneCycleLR(max_lr=lr, epochs, steps_per_epoch) stepped per batch,
rPPG-Toolbox Neg_Pearson loss, batch 4, per-epoch validation by per-clip FFT heart rate as
rppg verify scores it (cumsum for DiffNormalized, detrend λ=100, 1st-order Butterworth
0.75–2.5 Hz filtfilt, 2048-point periodogram peak) against the file's sensor HR ('hr' where
'hr_sensor' is true; the label clip's own estimate otherwise), best epoch by per-clip val MAE,
ties broken by the validation Neg-Pearson loss; early stop after --patience epochs without a
better one. The per-video MAE (rPPG-Toolbox calculate_metric_per_video, truth the video's mean
sensor HR when every clip has it) is printed beside it.

Usage (from the repository root):
    python3 Tools/train_pytorch_reference.py --data data/synth_processed.pt --epochs 30 --seed 0
    python3 Tools/train_pytorch_reference.py --data data/synth_processed.pt --bench   # training clips/s
Prints one line per epoch, the mean-HR predictor's MAE, and the best val MAE.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import scipy.signal
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def tinypulse():
    try:
        from pytorch_zoo import TinyPulse  # the project's definitions (branch nn)
        return TinyPulse()
    except ImportError:
        from make_training_fixtures import LocalTinyPulse
        return LocalTinyPulse()


def neg_pearson(preds, labels):
    loss = 0
    for i in range(preds.shape[0]):
        sum_x = torch.sum(preds[i]); sum_y = torch.sum(labels[i])
        sum_xy = torch.sum(preds[i] * labels[i])
        sum_x2 = torch.sum(torch.pow(preds[i], 2)); sum_y2 = torch.sum(torch.pow(labels[i], 2))
        n = preds.shape[1]
        pearson = (n * sum_xy - sum_x * sum_y) / torch.sqrt((n * sum_x2 - torch.pow(sum_x, 2)) * (n * sum_y2 - torch.pow(sum_y, 2)))
        loss += 1 - pearson
    return loss / preds.shape[0]


def detrend(x, lam=100):
    n = len(x)
    d = np.zeros((n - 2, n))
    for i in range(n - 2):
        d[i, i:i + 3] = [1, -2, 1]
    return x - np.linalg.solve(np.eye(n) + lam ** 2 * d.T @ d, x)


def fft_hr(sig, fs, lo=0.75, hi=2.5, points=0):
    nfft = max(points, 1 << (len(sig) - 1).bit_length())
    f, pxx = scipy.signal.periodogram(sig, fs=fs, nfft=nfft, detrend=False)
    mask = (f >= lo) & (f <= hi)
    return f[mask][np.argmax(pxx[mask])] * 60


def video_hr(pred, label, fs, diff):
    if diff:
        pred, label = np.cumsum(pred), np.cumsum(label)
    pred, label = detrend(pred), detrend(label)
    b, a = scipy.signal.butter(1, [0.75 / fs * 2, 2.5 / fs * 2], btype="bandpass")
    pred = scipy.signal.filtfilt(b, a, np.double(pred))
    label = scipy.signal.filtfilt(b, a, np.double(label))
    return fft_hr(pred, fs), fft_hr(label, fs)


def clip_hr(sig, fs, diff):
    """One clip's HR as ClipHeartRate.estimate: the pulse, then a 2048-point periodogram."""
    if diff:
        sig = np.cumsum(sig)
    sig = detrend(sig)
    b, a = scipy.signal.butter(1, [0.75 / fs * 2, 2.5 / fs * 2], btype="bandpass")
    return fft_hr(scipy.signal.filtfilt(b, a, np.double(sig)), fs, points=2048)


def clip_truth(d, labels, idx, fs, diff):
    """Per clip: the sensor's HR where 'hr_sensor' says so, else the label clip's estimate."""
    sensor = [bool(v) for v in d["hr_sensor"]] if "hr_sensor" in d else [False] * len(labels)
    hr = [float(v) for v in d["hr"]]
    return np.array([hr[i] if sensor[i] else clip_hr(labels[i], fs, diff) for i in idx]), [sensor[i] for i in idx]


def per_video(preds, labels, subjects, chunks, idx, fs, diff):
    out = []
    for s in sorted(set(subjects[i] for i in idx)):
        rows = sorted((i for i in idx if subjects[i] == s), key=lambda i: chunks[i])
        p = np.concatenate([preds[i] for i in rows]); l = np.concatenate([labels[i] for i in rows])
        out.append(video_hr(p, l, fs, diff))
    return np.array(out)


def check_checkpoint(path, args):
    """torch.load(weights_only=True), strict load into TinyPulse, Adam + OneCycle state restored,
    one more training step on the dataset: what resuming the Swift run in PyTorch needs."""
    ck = torch.load(path, weights_only=True)
    print("keys:", sorted(ck.keys()), "epoch", ck["epoch"], "val_mae", ck["val_mae"])
    model = tinypulse()
    model.load_state_dict(ck["model_state_dict"], strict=True)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    opt.load_state_dict(ck["optimizer_state_dict"])
    st = opt.state_dict()["state"]
    print(f"optimizer state for {len(st)} parameters, step {float(st[0]['step'])}, lr {opt.param_groups[0]['lr']:.3g}, betas {opt.param_groups[0]['betas']}")
    d = torch.load(args.data, weights_only=True)
    x, y = d["clips"][:args.batch_size].float(), d["labels"][:args.batch_size].float()
    model.train()
    loss = neg_pearson(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
    print(f"one more PyTorch step from the Swift checkpoint: loss {float(loss.detach()):.4f}; OK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--val-subjects", default=None)
    ap.add_argument("--patience", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bench", action="store_true", help="time 10 training steps instead of training")
    ap.add_argument("--check-checkpoint", metavar="PTH", help="load a checkpoint rppg train wrote into PyTorch and step once")
    args = ap.parse_args()
    if args.check_checkpoint:
        check_checkpoint(args.check_checkpoint, args)
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    d = torch.load(args.data, weights_only=True)
    clips, labels = d["clips"].float(), d["labels"].float()
    subjects = [int(s) for s in d["subject"]]; chunks = [int(c) for c in d["chunk"]]
    fs = float(d.get("fps", 30.0))
    input_type = str(d.get("input_type", d.get("inputType", "DiffNormalized")))
    diff = "diff" in input_type.lower()
    model = tinypulse()
    if args.bench:
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        x, y = clips[:args.batch_size], labels[:args.batch_size]
        for _ in range(2):
            opt.zero_grad(); neg_pearson(model(x), y).backward(); opt.step()
        t0 = time.time()
        for _ in range(10):
            opt.zero_grad(); neg_pearson(model(x), y).backward(); opt.step()
        dt = time.time() - t0
        print(f"pytorch {torch.__version__} threads {args.threads}: {10 * args.batch_size / dt:.2f} clips/s "
              f"(batch {args.batch_size}, T {clips.shape[2]}, {clips.shape[3]}x{clips.shape[4]})")
        return
    all_s = sorted(set(subjects))
    val_s = [int(v) for v in args.val_subjects.split(",")] if args.val_subjects else all_s[-max(1, round(len(all_s) * 0.2)):]
    train_idx = [i for i in range(len(subjects)) if subjects[i] not in val_s]
    val_idx = [i for i in range(len(subjects)) if subjects[i] in val_s]
    steps = math.ceil(len(train_idx) / args.batch_size)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps)
    lab = labels.numpy()
    truth_train, _ = clip_truth(d, lab, train_idx, fs, diff)
    truth_val, sensor_val = clip_truth(d, lab, val_idx, fs, diff)
    source = "sensor" if all(sensor_val) else ("label" if not any(sensor_val) else "mixed sensor/label")
    print(f"train subjects {sorted(set(subjects[i] for i in train_idx))}, val subjects {val_s}, "
          f"{len(train_idx)}/{len(val_idx)} clips; validation per clip against the {source} HR; "
          f"mean-HR predictor val MAE {np.mean(np.abs(truth_val - truth_train.mean())):.2f} BPM per clip")
    g = torch.Generator().manual_seed(args.seed)
    best, since, best_key = float("inf"), 0, (float("inf"), float("inf"))
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        model.train()
        order = [train_idx[i] for i in torch.randperm(len(train_idx), generator=g)]
        total = 0.0
        for k in range(steps):
            part = order[k * args.batch_size:(k + 1) * args.batch_size]
            loss = neg_pearson(model(clips[part]), labels[part])
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            total += float(loss.detach())
        model.eval()
        with torch.no_grad():
            preds = np.zeros_like(lab)
            for k in range(0, len(val_idx), args.batch_size):
                part = val_idx[k:k + args.batch_size]
                preds[part] = model(clips[part]).numpy()
            val_loss = float(neg_pearson(torch.from_numpy(preds[val_idx]).double(), labels[val_idx].double()))
        err = np.array([clip_hr(preds[i], fs, diff) for i in val_idx]) - truth_val
        mae = float(np.mean(np.abs(err))); rmse = float(np.sqrt(np.mean(err ** 2)))
        hr = per_video(preds, lab, subjects, chunks, val_idx, fs, diff)
        videos = sorted(set(subjects[i] for i in val_idx))
        vtruth = [np.mean([t for t, i in zip(truth_val, val_idx) if subjects[i] == v])
                  if all(s for s, i in zip(sensor_val, val_idx) if subjects[i] == v) else hr[n, 1]
                  for n, v in enumerate(videos)]
        video_mae = float(np.mean(np.abs(hr[:, 0] - np.array(vtruth))))
        flag = ""
        # As rppg train: lower per-clip MAE wins, equal MAEs go to the lower validation loss.
        if (mae, val_loss) < best_key:
            best_key, best, since, flag = (mae, val_loss), mae, 0, "  *best"
        else:
            since += 1
        print(f"epoch {epoch}/{args.epochs}  loss {total / steps:.4f}  val loss {val_loss:.4f}  val MAE {mae:.2f} BPM  RMSE {rmse:.2f} BPM  per-video {video_mae:.2f} BPM  {time.time() - t0:.1f} s{flag}", flush=True)
        if since >= args.patience:
            print("early stop")
            break
    print(f"best val MAE {best:.2f} BPM")


if __name__ == "__main__":
    main()
