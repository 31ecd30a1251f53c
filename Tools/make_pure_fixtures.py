#!/usr/bin/env python3
"""A tiny PURE-layout recording for Tests/WorkflowTests/PURETests.swift.

Rerun: pip install pillow numpy && python3 Tools/make_pure_fixtures.py
Writes Tests/WorkflowTests/Fixtures/pure/01-02/ in the layout of the PURE dataset (and of
rPPG-Toolbox's PURELoader): 01-02/Image<ns>.png frames written by Pillow, 01-02.json with
"/FullPackage" samples (Timestamp in ns, Value.waveform/pulseRate/o2saturation, as the pulse
oximeter logs them at ~60 Hz) and "/Image" timestamps (30 Hz with jitter). Beside it,
expected.json: the frames' RGB bytes and the waveform interpolated at the image timestamps by
numpy.interp, the reference the Swift reader is checked against.
"""
import json
import os

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "WorkflowTests", "Fixtures", "pure")
NAME, FRAMES, SIDE = "01-02", 40, 16


def main():
    rng = np.random.default_rng(2)
    folder = os.path.join(ROOT, NAME, NAME)
    os.makedirs(folder, exist_ok=True)
    for f in os.listdir(folder):
        os.remove(os.path.join(folder, f))
    t0 = 1_392_643_993_642_815_000
    image_times = [t0 + int(i * 33_333_333 + rng.integers(-2_000_000, 2_000_000)) for i in range(FRAMES)]
    frames = rng.integers(0, 256, size=(FRAMES, SIDE, SIDE, 3), dtype=np.uint8)
    for t, frame in zip(image_times, frames):
        Image.fromarray(frame, "RGB").save(os.path.join(folder, f"Image{t}.png"))
    pulse_times = [t0 - 10_000_000 + int(i * 16_666_667 + rng.integers(-1_000_000, 1_000_000)) for i in range(FRAMES * 2 + 4)]
    waveform = [int(v) for v in 60 + 40 * np.sin(np.arange(len(pulse_times)) * 0.21) + rng.integers(0, 5, len(pulse_times))]
    doc = {
        "/FullPackage": [{"Timestamp": t, "Value": {"waveform": w, "pulseRate": 72, "o2saturation": 98, "signalStrength": 4}}
                         for t, w in zip(pulse_times, waveform)],
        "/Image": [{"Timestamp": t} for t in image_times],
    }
    with open(os.path.join(ROOT, NAME, f"{NAME}.json"), "w") as fh:
        json.dump(doc, fh)
    expected = {
        "labels": np.interp(np.array(image_times, dtype=np.float64), np.array(pulse_times, dtype=np.float64),
                            np.array(waveform, dtype=np.float64)).tolist(),
        "frames": frames.reshape(-1).tolist(),
    }
    with open(os.path.join(ROOT, "expected.json"), "w") as fh:
        json.dump(expected, fh)
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
