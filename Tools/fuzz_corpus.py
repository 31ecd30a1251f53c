#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses into Fuzz/corpus/<target>/ (issue 10).

Rerun from the repository root:  python3 Tools/fuzz_corpus.py
Seeds come from the real fixtures (torch.save, ONNX exporter, FFmpeg) under Tests/*/Fixtures,
from the OpenCV cascade shipped by Debian's opencv-data (cut to its first two stages so the
seed stays small), and from a synthetic UBFC ground_truth.txt / gtdump.xmp.
"""
import os, shutil, zipfile, io, pickle, glob
import xml.etree.ElementTree as ET

OUT = "Fuzz/corpus"
def put(target, name, data):
    os.makedirs(f"{OUT}/{target}", exist_ok=True)
    with open(f"{OUT}/{target}/{name}", "wb") as f:
        f.write(data)

tio = "Tests/TorchIOTests/Fixtures"
for name in ["plain", "deflate", "zip64", "big_endian"]:
    put("zip", name + ".pt", open(f"{tio}/{name}.pt", "rb").read())
for p in sorted(glob.glob(f"{tio}/*.pt")):
    data = open(p, "rb").read()
    base = os.path.basename(p)
    if len(data) <= 10000:
        put("pth", base, data)
    if data[:2] == b"PK":
        with zipfile.ZipFile(p) as z:
            for n in z.namelist():
                if n.endswith("data.pkl"):
                    put("unpickler", base[:-3] + ".pkl", z.read(n))
    else:
        put("unpickler", base[:-3] + ".legacy.pkl", data)

onnx = "Tests/ONNXTests/Fixtures"
for name in ["mini_physnet_opset13.onnx", "mini_qdq.onnx"]:
    put("onnx", name, open(f"{onnx}/{name}", "rb").read())

video = "Tests/RPPGTests/Fixtures/video"
for name in ["bottomup_padded_idx1.avi", "ffmpeg_bgr24.avi", "ffmpeg_mjpeg.avi", "opendml_avix.avi", "opendml_indx.avi"]:
    put("avi", name, open(f"{video}/{name}", "rb").read())

# Haar: the first two stages of OpenCV's frontal face cascade, features renumbered.
tree = ET.parse("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml")
cascade = tree.getroot().find("cascade")
stages = cascade.find("stages")
features = cascade.find("features")
all_features = list(features)
for s in list(stages)[2:]:
    stages.remove(s)
cascade.find("stageNum").text = "2"
used = {}
for node in stages.iter("internalNodes"):
    v = node.text.split()
    idx = int(v[2])
    used.setdefault(idx, len(used))
    v[2] = str(used[idx])
    node.text = " ".join(v)
for f in all_features:
    features.remove(f)
for old, new in sorted(used.items(), key=lambda kv: kv[1]):
    features.append(all_features[old])
buf = io.BytesIO()
tree.write(buf, encoding="utf-8", xml_declaration=True)
put("haar", "frontalface_2stages.xml", buf.getvalue())

put("groundtruth", "ground_truth.txt",
    b"  -1.2000000e+00  3.4000000e-01  5.0000000e-01 -2.0000000e-02\n"
    b"  8.9000000e+01  8.9000000e+01  9.0000000e+01  9.0000000e+01\n"
    b"  0.0000000e+00  3.3000000e-02  6.6000000e-02  1.0000000e-01\n")
put("groundtruth", "gtdump.xmp", b"0,89,98,1.5\n33,89,98,1.7\n66,90,98,1.2\n100,90,97,0.9\n")

png = "Tests/RPPGTests/Fixtures/png"  # written by Pillow and Tools/make_png_fixtures.py
for name in ["pillow_rgb.png", "pillow_rgba.png", "filter_3.png", "filters_mixed.png", "interlaced.png"]:
    put("png", name, open(f"{png}/{name}", "rb").read())
