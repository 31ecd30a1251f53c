#!/usr/bin/env python3
"""Fixtures for the RPPG video, face and preprocessing tests (Tests/RPPGTests/Fixtures/video).

Rerun from the repository root:
    python3 Tools/make_video_fixtures.py
Needs: numpy, opencv-python-headless 4.12 (cv2.CascadeClassifier, cv2.resize, cv2.VideoCapture),
ffmpeg on PATH, /usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml (opencv-data).

What it writes and where the truth comes from:
- AVI files from FFmpeg (rawvideo bgr24 / bgra, MJPEG) and AVI layouts FFmpeg does not emit for
  tiny files (bottom-up padded BI_RGB as in UBFC, OpenDML indx/ix00, RIFF-AVIX, no index,
  truncated) written by this script; every readable file is decoded by FFmpeg (and by
  cv2.VideoCapture where it can) and must equal expected_rgb.bin.
- Haar: gray images with drawn faces and OpenCV 4.12 detectMultiScale boxes (default params).
- INTER_AREA and INTER_LINEAR resizes by cv2.resize; BGR2GRAY by cv2.cvtColor.
- rPPG-Toolbox transforms (diff_normalize_data/label, standardized_data/label) in numpy.
"""
import json, os, struct, subprocess, sys
import numpy as np
import cv2

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "RPPGTests", "Fixtures", "video")
os.makedirs(OUT, exist_ok=True)
W, H, T, FPS = 30, 24, 5, 30
rng = np.random.default_rng(6)
meta = {"opencv": cv2.__version__, "width": W, "height": H, "frames": T, "fps": FPS}


def path(name):
    return os.path.join(OUT, name)


# ---------- AVI ----------
frames_rgb = rng.integers(0, 256, (T, H, W, 3), dtype=np.uint8)
frames_rgb.tofile(path("expected_rgb.bin"))
bgr_raw = frames_rgb[..., ::-1].copy()
raw_in = "/tmp/_video_fixture_bgr.raw"
bgr_raw.tofile(raw_in)


def ffmpeg_decode(f):
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", f, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, H, W, 3)


def cv2_decode(f):
    cap = cv2.VideoCapture(f)
    got = []
    while True:
        ok, x = cap.read()
        if not ok:
            break
        got.append(x[..., ::-1])
    return np.array(got)


for name, pix in [("ffmpeg_bgr24.avi", "bgr24"), ("ffmpeg_bgra.avi", "bgra")]:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{W}x{H}", "-r", str(FPS),
                    "-i", raw_in, "-c:v", "rawvideo", "-pix_fmt", pix, path(name)], check=True)
subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{W}x{H}", "-r", str(FPS),
                "-i", raw_in, "-c:v", "mjpeg", path("ffmpeg_mjpeg.avi")], check=True)


def chunk(fourcc, payload):
    pad = b"\0" if len(payload) % 2 else b""
    return fourcc + struct.pack("<I", len(payload)) + payload + pad


def lst(kind, payload):
    return b"LIST" + struct.pack("<I", 4 + len(payload)) + kind + payload


def frame_bytes(f, bottom_up, bpp=24):
    rows = f[::-1] if bottom_up else f
    bgr = rows[..., ::-1]
    if bpp == 32:
        bgr = np.concatenate([bgr, np.full(bgr.shape[:2] + (1,), 255, np.uint8)], axis=2)
    stride = (W * bpp // 8 + 3) & ~3
    out = np.zeros((H, stride), np.uint8)
    out[:, : W * bpp // 8] = bgr.reshape(H, -1)
    return out.tobytes()


def headers(n_frames, bottom_up, frame_size, indx=b""):
    avih = struct.pack("<10I4I", 33333, frame_size * FPS, 0, 0x10, n_frames, 0, 1, frame_size, W, H, 0, 0, 0, 0)
    strh = b"vids" + b"DIB " + struct.pack("<IHHIIIIIIIIhhhh", 0, 0, 0, 0, 1, FPS, 0, n_frames, frame_size, 0xFFFFFFFF, 0, 0, 0, W, H)
    strf = struct.pack("<IiiHHIIiiII", 40, W, H if bottom_up else -H, 1, 24, 0, frame_size, 0, 0, 0, 0)
    strl = chunk(b"strh", strh) + chunk(b"strf", strf) + (chunk(b"indx", indx) if indx else b"")
    return lst(b"hdrl", chunk(b"avih", avih) + lst(b"strl", strl))


def write_avi(name, frames, bottom_up=True, index="idx1", short_frame=None, cut_at=None):
    payloads = [frame_bytes(f, bottom_up) for f in frames]
    if short_frame is not None:
        payloads[short_frame] = payloads[short_frame][: len(payloads[short_frame]) // 2 + 1]
    size = len(payloads[0])
    if index in ("idx1", "none"):
        hdrl = headers(len(frames), bottom_up, size)
        movi_data = b"".join(chunk(b"00db", p) for p in payloads)
        body = b"AVI " + hdrl + lst(b"movi", movi_data)
        if index == "idx1":
            entries, off = b"", 4
            for p in payloads:
                entries += b"00db" + struct.pack("<III", 0x10, off, len(p))
                off += 8 + len(p) + (len(p) & 1)
            body += chunk(b"idx1", entries)
        data = b"RIFF" + struct.pack("<I", len(body)) + body
    else:  # OpenDML: indx super index in strl, ix00 per movi; "avix" splits frames over two RIFFs
        groups = [payloads] if index == "indx" else [payloads[:2], payloads[2:]]
        indx_len = 24 + 16 * len(groups)

        def build(super_entries):
            indx = struct.pack("<HBBI4sIII", 4, 0, 0, len(groups), b"00db", 0, 0, 0) + super_entries
            return b"AVI " + headers(len(frames), bottom_up, size, indx)

        # Two passes: offsets depend on header length, which is fixed once indx_len is known.
        placeholder = build(b"\0" * (16 * len(groups)))
        riffs, super_entries, pos = [], b"", 8 + len(placeholder)
        for g_i, g in enumerate(groups):
            movi_start = pos + 12 + (0 if g_i == 0 else 12)  # LIST hdr (+ RIFF AVIX hdr)
            chunks, ix_entries, off = b"", b"", movi_start
            for p in g:
                ix_entries += struct.pack("<II", off + 8 - movi_start, len(p))
                c = chunk(b"00db", p)
                chunks += c
                off += len(c)
            ix = struct.pack("<HBBI4sQI", 2, 0, 1, len(g), b"00db", movi_start, 0) + ix_entries
            ix_chunk = chunk(b"ix00", ix)
            ix_pos = off
            super_entries += struct.pack("<QII", ix_pos, len(ix_chunk) - 8, len(g))
            movi = lst(b"movi", chunks + ix_chunk)
            riffs.append(movi)
            pos = movi_start - 12 + len(movi) + (8 if g_i == 0 else 0)
            if g_i == 0:
                pos = 8 + len(placeholder) + len(movi)
            else:
                pos = pos
        # Assemble: first RIFF holds the header + first movi; the rest are RIFF AVIX.
        first = build(super_entries) + riffs[0]
        data = b"RIFF" + struct.pack("<I", len(first)) + first
        for movi in riffs[1:]:
            body = b"AVIX" + movi
            data += b"RIFF" + struct.pack("<I", len(body)) + body
    if cut_at is not None:
        data = data[:cut_at]
    open(path(name), "wb").write(data)
    return data


write_avi("bottomup_padded_idx1.avi", frames_rgb, bottom_up=True)
write_avi("topdown_noindex.avi", frames_rgb, bottom_up=False, index="none")
write_avi("opendml_indx.avi", frames_rgb, bottom_up=True, index="indx")
write_avi("opendml_avix.avi", frames_rgb, bottom_up=True, index="avix")
full = write_avi("_tmp.avi", frames_rgb, bottom_up=True, index="none")
os.remove(path("_tmp.avi"))
frame_size = ((W * 3 + 3) & ~3) * H
first_frame = full.find(b"00db")
cut = first_frame + 3 * (8 + frame_size) + 8 + 100  # inside frame 3
write_avi("truncated.avi", frames_rgb, bottom_up=True, index="none", cut_at=cut)
write_avi("short_chunk.avi", frames_rgb, bottom_up=True, index="idx1", short_frame=2)

checked = {}
for name in ["ffmpeg_bgr24.avi", "ffmpeg_bgra.avi", "bottomup_padded_idx1.avi", "topdown_noindex.avi",
             "opendml_indx.avi", "opendml_avix.avi"]:
    dec = ffmpeg_decode(path(name))
    assert dec.shape[0] == T and np.array_equal(dec, frames_rgb), f"FFmpeg decodes {name} differently"
    cv = cv2_decode(path(name))
    checked[name] = {"ffmpeg": True, "opencv": bool(cv.shape[0] == T and np.array_equal(cv, frames_rgb))}
dec = ffmpeg_decode(path("truncated.avi"))
assert dec.shape[0] == 3 and np.array_equal(dec, frames_rgb[:3]), "FFmpeg should decode 3 whole frames of truncated.avi"
meta["avi_decoders_agree"] = checked
meta["truncated_frame"] = 3
meta["short_chunk_frame"] = 2
print("AVI:", checked)

# ---------- Haar ----------
casc = cv2.CascadeClassifier("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml")


def draw_face(img, cx, cy, a, b, skin):
    Hh, Ww = img.shape[:2]
    yy, xx = np.mgrid[0:Hh, 0:Ww].astype(np.float32)
    d = ((xx - cx) / a) ** 2 + ((yy - cy) / b) ** 2
    face = d < 1
    shade = np.clip(1.0 - 0.35 * d, 0, 1)
    for c in range(3):
        img[..., c] = np.where(face, skin[c] * shade, img[..., c])

    def dark(x0, y0, rx, ry, f):
        m = np.exp(-(((xx - x0) / rx) ** 2 + ((yy - y0) / ry) ** 2) * 1.5)
        img[...] *= (1 - f * m)[..., None]

    ex, ey = 0.38 * a, cy - 0.18 * b
    dark(cx - ex, ey, 0.2 * a, 0.09 * b, 0.75); dark(cx + ex, ey, 0.2 * a, 0.09 * b, 0.75)
    dark(cx - ex, ey - 0.16 * b, 0.26 * a, 0.045 * b, 0.5); dark(cx + ex, ey - 0.16 * b, 0.26 * a, 0.045 * b, 0.5)
    dark(cx, cy + 0.12 * b, 0.08 * a, 0.12 * b, 0.25); dark(cx, cy + 0.42 * b, 0.3 * a, 0.06 * b, 0.6)


haar = []
specs = [
    ("face_160x120", 160, 120, [(80, 62, 30, 40, (140, 160, 200))], 0),
    ("face_small_96x72", 96, 72, [(46, 38, 18, 24, (120, 150, 190))], 4),
    ("two_faces_200x120", 200, 120, [(55, 60, 24, 32, (150, 170, 210)), (145, 58, 34, 45, (90, 110, 150))], 8),
    ("noise_only_80x60", 80, 60, [], 12),
]
for name, Ww, Hh, faces, noise in specs:
    img = np.zeros((Hh, Ww, 3), np.float32)
    img[:] = (70, 90, 80)
    for (cx, cy, a, b, skin) in faces:
        draw_face(img, cx, cy, a, b, skin)
    img += rng.normal(0, noise, img.shape) if noise else 0
    gray = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8), cv2.COLOR_BGR2GRAY)
    if not faces:
        gray = rng.integers(0, 256, gray.shape, dtype=np.uint8)
    gray.tofile(path(f"haar_{name}.gray"))
    boxes = casc.detectMultiScale(gray)
    haar.append({"name": name, "width": Ww, "height": Hh, "boxes": [list(map(int, b)) for b in boxes]})
meta["haar"] = haar
print("Haar:", haar)

# ---------- gray conversion, INTER_LINEAR and INTER_AREA ----------
img = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)  # RGB
img.tofile(path("resize_src_53x37.rgb"))
cv2.cvtColor(img[..., ::-1].copy(), cv2.COLOR_BGR2GRAY).tofile(path("gray_53x37.gray"))
g = cv2.cvtColor(img[..., ::-1].copy(), cv2.COLOR_BGR2GRAY)
linear = []
for (dw, dh) in [(48, 34), (44, 31), (26, 18), (40, 28)]:
    cv2.resize(g, (dw, dh), interpolation=cv2.INTER_LINEAR).tofile(path(f"linear_{dw}x{dh}.gray"))
    linear.append([dw, dh])
meta["linear"] = linear

big = rng.integers(0, 256, (150, 160, 3), dtype=np.uint8)
big.tofile(path("area_src_160x150.rgb"))
area = []
# (x, y, w, h) crops of the 160×150 source and target sizes: fractional, 2×, 3× and enlarging.
for (x, y, w, h, d) in [(7, 5, 97, 83, 36), (7, 5, 97, 83, 72), (10, 3, 144, 144, 72), (0, 0, 108, 108, 36),
                        (20, 30, 50, 40, 72), (3, 9, 150, 141, 36)]:
    crop = big[y:y + h, x:x + w]
    out = cv2.resize(crop, (d, d), interpolation=cv2.INTER_AREA)
    out.tofile(path(f"area_{x}_{y}_{w}x{h}_to{d}.rgb"))
    area.append([x, y, w, h, d])
meta["area"] = area

# ---------- rPPG-Toolbox transforms (numpy, as in its BaseLoader) ----------
def diff_normalize_data(data):
    n, h, w, c = data.shape
    out = np.zeros((n - 1, h, w, c), dtype=np.float32)
    for j in range(n - 1):
        out[j] = (data[j + 1] - data[j]) / (data[j + 1] + data[j] + 1e-7)
    out = out / np.std(out)
    out = np.append(out, np.zeros((1, h, w, c), dtype=np.float32), axis=0)
    out[np.isnan(out)] = 0
    return out


def diff_normalize_label(label):
    d = np.diff(label, axis=0)
    d = d / np.std(d)
    d = np.append(d, np.zeros(1), axis=0)
    d[np.isnan(d)] = 0
    return d


def standardized_data(data):
    data = data - np.mean(data)
    data = data / np.std(data)
    data[np.isnan(data)] = 0
    return data


video = rng.integers(20, 236, (12, 4, 5, 3)).astype(np.float64)
video[3, 1, 2, 0] = 0  # a zero pixel in two consecutive frames gives 0/1e-7 (not NaN)
video[4, 1, 2, 0] = 0
label = np.sin(np.arange(12) * 0.7) + 0.1 * rng.normal(size=12)
video.astype(np.float32).tofile(path("transform_video.f32"))
label.astype(np.float64).tofile(path("transform_label.f64"))
diff_normalize_data(video).astype(np.float32).tofile(path("transform_diffnormalized.f32"))
standardized_data(video.copy()).astype(np.float32).tofile(path("transform_standardized.f32"))
diff_normalize_label(label).astype(np.float32).tofile(path("transform_label_diffnormalized.f32"))
standardized_data(label.copy()).astype(np.float32).tofile(path("transform_label_standardized.f32"))
meta["transform_shape"] = list(video.shape)

json.dump(meta, open(path("fixtures.json"), "w"), indent=1)
print("total bytes:", sum(os.path.getsize(path(f)) for f in os.listdir(OUT)))
