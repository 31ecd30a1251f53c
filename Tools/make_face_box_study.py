#!/usr/bin/env python3
"""Face-box agreement study fixtures (issue 17, item 2): OpenCV's Haar detector and rPPG-Toolbox's
crop rule on varied faces, for Tests/RPPGTests/FaceBoxStudyTests.swift to compare the Swift
detector and crop against.

Writes Tests/RPPGTests/Fixtures/facestudy/:
  cases.json   per case: name, category, width, height, byte offset into images.gray, OpenCV's
               boxes (CascadeClassifier.detectMultiScale with its defaults, as the toolbox calls
               it), the box the toolbox keeps (widest, first of equals: np.argmax over widths)
               and the region it crops (larger_box_coef 1.5, stored into the int box as NumPy
               truncates, then sliced frame[y:y+h, x:x+w], i.e. clipped to the frame), or the
               whole frame when no face is found.
  resize_exact.json, resize_exact_*.gray
               cv2.resize(…, INTER_LINEAR_EXACT) of a random 53x37 image to several sizes: the
               resize detectMultiScale shrinks its pyramid levels with (OpenCV 4).
  images.gray  the 8-bit gray images (cv2.cvtColor BGR2GRAY of the drawn BGR images, or of the
               first frame of `rppg synth` AVIs decoded by cv2.VideoCapture), concatenated.

Needs: numpy, opencv-python-headless 4.12, /usr/share/opencv4/haarcascades (opencv-data). With
--rppg PATH (a built rppg binary) it also takes frames of synthetic videos of every difficulty.
Usage: python3 Tools/make_face_box_study.py --rppg .build/release/rppg
"""
import argparse
import json
import math
import os
import subprocess
import tempfile

import cv2
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "RPPGTests", "Fixtures", "facestudy")
CASCADE = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
rng = np.random.default_rng(17)


def draw_face(img, cx, cy, a, b, skin, angle=0.0):
    """A shaded ellipse with eyes, brows, nose and mouth (as Tools/make_video_fixtures.py), rotated by `angle` degrees."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = math.radians(angle)
    u = (xx - cx) * math.cos(t) + (yy - cy) * math.sin(t)
    v = -(xx - cx) * math.sin(t) + (yy - cy) * math.cos(t)
    d = (u / a) ** 2 + (v / b) ** 2
    face = d < 1
    shade = np.clip(1.0 - 0.35 * d, 0, 1)
    for c in range(3):
        img[..., c] = np.where(face, skin[c] * shade, img[..., c])

    def dark(u0, v0, ru, rv, f):
        m = np.exp(-(((u - u0) / ru) ** 2 + ((v - v0) / rv) ** 2) * 1.5)
        img[...] *= (1 - f * m)[..., None]

    ex, ey = 0.38 * a, -0.18 * b
    dark(-ex, ey, 0.2 * a, 0.09 * b, 0.75); dark(ex, ey, 0.2 * a, 0.09 * b, 0.75)
    dark(-ex, ey - 0.16 * b, 0.26 * a, 0.045 * b, 0.5); dark(ex, ey - 0.16 * b, 0.26 * a, 0.045 * b, 0.5)
    dark(0, 0.12 * b, 0.08 * a, 0.12 * b, 0.25); dark(0, 0.42 * b, 0.3 * a, 0.06 * b, 0.6)


def scene(w, h, faces, background=(70, 90, 80), light=None, noise=0.0, occluders=(), blur=0):
    img = np.zeros((h, w, 3), np.float32)
    img[:] = background
    for f in faces:
        draw_face(img, *f)
    for (x0, y0, x1, y1, colour) in occluders:
        img[int(y0):int(y1), int(x0):int(x1)] = colour
    if light is not None:
        img *= light(w, h)[..., None]
    if noise:
        img += rng.normal(0, noise, img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if blur:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def side_light(w, h):
    return np.tile(np.linspace(0.35, 1.25, w, dtype=np.float32), (h, 1))


def top_light(w, h):
    return np.tile(np.linspace(1.2, 0.5, h, dtype=np.float32)[:, None], (1, w))


SKIN = [(140, 160, 200), (110, 135, 175), (80, 100, 135), (50, 65, 90)]  # BGR, light to dark


def drawn_cases():
    cases = []
    # Scales: face height (2b) from 28 to 110 px in 160x120 and 320x240 frames.
    for b in (14, 18, 24, 30, 40):
        cases.append(("scale", f"scale_b{b}_160x120", scene(160, 120, [(80, 62, 0.75 * b, b, SKIN[0])], noise=2)))
    for b in (40, 55):
        cases.append(("scale", f"scale_b{b}_320x240", scene(320, 240, [(160, 122, 0.75 * b, b, SKIN[1])], noise=2)))
    # Positions: corners, edges, partly outside the frame.
    for name, (cx, cy) in {"top_left": (32, 34), "bottom_right": (126, 84), "left_edge": (20, 60),
                           "right_edge": (146, 62), "top_cut": (80, 18), "bottom_cut": (84, 108)}.items():
        cases.append(("position", f"position_{name}", scene(160, 120, [(cx, cy, 22, 29, SKIN[0])], noise=2)))
    # Lighting: dark, bright, side and top gradients, low contrast; every skin tone.
    for k, skin in enumerate(SKIN):
        cases.append(("skin", f"skin_tone{k}", scene(160, 120, [(80, 62, 24, 32, skin)], noise=2)))
    cases.append(("lighting", "light_dark", scene(160, 120, [(80, 62, 24, 32, SKIN[1])], light=lambda w, h: np.full((h, w), 0.35, np.float32))))
    cases.append(("lighting", "light_bright", scene(160, 120, [(80, 62, 24, 32, SKIN[1])], light=lambda w, h: np.full((h, w), 1.5, np.float32))))
    cases.append(("lighting", "light_side", scene(160, 120, [(80, 62, 24, 32, SKIN[0])], light=side_light, noise=2)))
    cases.append(("lighting", "light_top", scene(160, 120, [(80, 62, 24, 32, SKIN[0])], light=top_light, noise=2)))
    cases.append(("lighting", "light_low_contrast", scene(160, 120, [(80, 62, 24, 32, (95, 105, 120))], background=(85, 95, 100))))
    # Sensor noise and blur.
    for sigma in (6, 12, 20):
        cases.append(("noise", f"noise_sigma{sigma}", scene(160, 120, [(80, 62, 24, 32, SKIN[0])], noise=sigma)))
    for s in (1.0, 2.0):
        cases.append(("blur", f"blur_{s:g}", scene(160, 120, [(80, 62, 24, 32, SKIN[0])], blur=s)))
    # Partial occlusion: mouth, one eye, a hand over the cheek, a dark band like glasses, a hat brim.
    face = (80, 62, 24, 32, SKIN[0])
    for name, occ in {"mouth": (64, 70, 96, 90, (60, 70, 80)), "left_eye": (58, 44, 78, 56, (70, 90, 80)),
                      "cheek_hand": (52, 56, 76, 84, (120, 140, 180)), "glasses": (56, 46, 104, 54, (30, 30, 30)),
                      "hat_brim": (50, 26, 110, 38, (40, 50, 60))}.items():
        cases.append(("occlusion", f"occlusion_{name}", scene(160, 120, [face], occluders=[occ], noise=2)))
    # In-plane rotation.
    for angle in (-15, -8, 8, 15):
        cases.append(("rotation", f"rotation_{angle:+d}", scene(160, 120, [(80, 62, 24, 32, SKIN[0], angle)], noise=2)))
    # More than one face: the widest must win; equal widths go to the first detection.
    cases.append(("two-faces", "two_faces_big_right", scene(200, 120, [(55, 60, 20, 27, SKIN[0]), (145, 58, 30, 40, SKIN[2])], noise=2)))
    cases.append(("two-faces", "two_faces_big_left", scene(200, 120, [(60, 60, 30, 40, SKIN[1]), (150, 62, 20, 27, SKIN[0])], noise=2)))
    cases.append(("two-faces", "two_faces_equal", scene(200, 120, [(52, 60, 24, 32, SKIN[0]), (148, 60, 24, 32, SKIN[0])], noise=2)))
    cases.append(("two-faces", "three_faces_320x240", scene(320, 240, [(60, 80, 22, 29, SKIN[0]), (170, 120, 36, 48, SKIN[1]), (270, 70, 26, 35, SKIN[3])], noise=2)))
    # No face: noise, stripes, a skin-coloured blob without features.
    cases.append(("no-face", "noface_noise", rng.integers(0, 256, (120, 160), dtype=np.uint8)))
    stripes = (np.sin(np.arange(160) / 3.0)[None, :] * 60 + 120).repeat(120, axis=0).astype(np.uint8)
    cases.append(("no-face", "noface_stripes", stripes))
    blob = scene(160, 120, [], noise=2)
    cv2.ellipse(blob, (80, 60), (24, 32), 0, 0, 360, 160, -1)
    cases.append(("no-face", "noface_blob", blob))
    return cases


def synth_cases(rppg):
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for difficulty in ("standard", "motion", "blocking", "nonrigid", "dark-skin", "second-face"):
            out = os.path.join(tmp, difficulty)
            subprocess.run([rppg, "synth", "--output", out, "--subjects", "3", "--seconds", "2", "--seed", "5",
                            "--difficulty", difficulty], check=True, stdout=subprocess.DEVNULL)
            for s in (1, 2, 3):
                cap = cv2.VideoCapture(os.path.join(out, f"subject{s}", "vid.avi"))
                frames = []
                ok, frame = cap.read()
                while ok:
                    frames.append(frame)
                    ok, frame = cap.read()
                # The first frame (what preprocess detects on) and one 1.5 s in (motion has moved).
                for k in (0, 45):
                    gray = cv2.cvtColor(frames[min(k, len(frames) - 1)], cv2.COLOR_BGR2GRAY)
                    cases.append((f"synth-{difficulty}", f"synth_{difficulty}_s{s}_f{k}", gray))
    return cases


def toolbox_crop(boxes, w, h):
    """rPPG-Toolbox's face_detection with use_larger_box, larger_box_coef 1.5, and the slice it crops."""
    if len(boxes) < 1:
        return None, [0, 0, w, h]
    zone = np.array(boxes, dtype=np.int32)
    box = zone[int(np.argmax(zone[:, 2]))].copy()
    kept = box.tolist()
    coef = 1.5
    box[0] = np.max([0, box[0] - (coef - 1.0) / 2 * box[2]])
    box[1] = np.max([0, box[1] - (coef - 1.0) / 2 * box[3]])
    box[2] = coef * box[2]
    box[3] = coef * box[3]
    x0, y0 = int(box[0]), int(box[1])
    x1, y1 = min(w, x0 + int(box[2])), min(h, y0 + int(box[3]))
    return kept, [x0, y0, x1 - x0, y1 - y0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rppg", help="a built rppg binary, for frames of synthetic videos")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    casc = cv2.CascadeClassifier(CASCADE)
    assert not casc.empty(), CASCADE
    cases = drawn_cases() + (synth_cases(args.rppg) if args.rppg else [])
    index, blob, offset = [], bytearray(), 0
    for category, name, gray in cases:
        gray = np.ascontiguousarray(gray, dtype=np.uint8)
        h, w = gray.shape
        boxes = [list(map(int, b)) for b in casc.detectMultiScale(gray)]
        kept, crop = toolbox_crop(boxes, w, h)
        index.append({"name": name, "category": category, "width": w, "height": h, "offset": offset,
                      "boxes": boxes, "kept": kept, "crop": crop})
        blob += gray.tobytes()
        offset += w * h
    with open(os.path.join(OUT, "images.gray"), "wb") as f:
        f.write(blob)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"opencv": cv2.__version__, "cascade": os.path.basename(CASCADE), "cases": index}, f, indent=1)
    src = rng.integers(0, 256, (37, 53), dtype=np.uint8)
    src.tofile(os.path.join(OUT, "resize_exact_src_53x37.gray"))
    targets = [[48, 34], [44, 31], [26, 18], [40, 28], [27, 19], [5, 4], [53, 20], [97, 61]]
    for dw, dh in targets:
        cv2.resize(src, (dw, dh), interpolation=cv2.INTER_LINEAR_EXACT).tofile(os.path.join(OUT, f"resize_exact_{dw}x{dh}.gray"))
    with open(os.path.join(OUT, "resize_exact.json"), "w") as f:
        json.dump({"source": [53, 37], "targets": targets}, f)
    found = sum(1 for c in index if c["boxes"])
    print(f"{len(index)} cases ({found} with a face found by OpenCV), {len(blob)} bytes → {OUT}")


if __name__ == "__main__":
    main()
