#!/usr/bin/env python3
"""PNG fixtures for Tests/RPPGTests/PNGReaderTests.swift.

Rerun: pip install pillow numpy && python3 Tools/make_png_fixtures.py
Writes Tests/RPPGTests/Fixtures/png/:
  pillow_rgb.png, pillow_rgba.png   Pillow's encoder (adaptive filters, as PURE's tools write)
  filter_<0-4>.png                  every row with one PNG filter type (None, Sub, Up, Average, Paeth)
  filters_mixed.png                 row y uses filter y % 5
  interlaced.png                    Adam7 (the reader must refuse it)
  expected_rgb.raw                  the image's H*W*3 bytes; expected_rgba.raw its H*W*4 bytes
Every written file is decoded back with Pillow and compared with the expected bytes, so the
hand-filtered files are checked by a real decoder, not only by ours.
"""
import os
import struct
import zlib

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "RPPGTests", "Fixtures", "png")
W, H = 23, 17  # odd sizes: the filters' left and top edges and a row length not a multiple of 4


def image():
    rng = np.random.default_rng(17)
    y, x = np.mgrid[0:H, 0:W]
    rgb = np.stack([x * 11, y * 15, (x * y) % 256], axis=-1).astype(np.int64)
    rgb = (rgb + rng.integers(0, 40, size=rgb.shape)) % 256  # noise exercises wrap-around in the filters
    alpha = rng.integers(0, 256, size=(H, W, 1))
    return rgb.astype(np.uint8), np.concatenate([rgb, alpha], axis=-1).astype(np.uint8)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filtered_rows(pixels, filters):
    bpp = pixels.shape[2]
    rows = pixels.reshape(H, W * bpp).astype(np.int64)
    out = bytearray()
    for y in range(H):
        f = filters[y]
        out.append(f)
        for x in range(W * bpp):
            a = rows[y, x - bpp] if x >= bpp else 0
            b = rows[y - 1, x] if y > 0 else 0
            c = rows[y - 1, x - bpp] if x >= bpp and y > 0 else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][f]
            out.append((rows[y, x] - pred) % 256)
    return bytes(out)


def chunk(name, data):
    body = name.encode() + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(width, height, colour, raw, interlace=0):
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + chunk("IHDR", header) + chunk("IDAT", zlib.compress(raw, 9))
            + chunk("IEND", b""))


def adam7(pixels):
    """Adam7 passes, each filtered with None (enough for a file the reader refuses)."""
    raw = bytearray()
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        sub = pixels[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        for row in sub:
            raw.append(0)
            raw += row.tobytes()
    return bytes(raw)


def main():
    os.makedirs(OUT, exist_ok=True)
    rgb, rgba = image()
    files = {}
    Image.fromarray(rgb, "RGB").save(os.path.join(OUT, "pillow_rgb.png"))
    Image.fromarray(rgba, "RGBA").save(os.path.join(OUT, "pillow_rgba.png"))
    for f in range(5):
        files[f"filter_{f}.png"] = png(W, H, 2, filtered_rows(rgb, [f] * H))
    files["filters_mixed.png"] = png(W, H, 6, filtered_rows(rgba, [y % 5 for y in range(H)]))
    files["interlaced.png"] = png(W, H, 2, adam7(rgb), interlace=1)
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(data)
    with open(os.path.join(OUT, "expected_rgb.raw"), "wb") as fh:
        fh.write(rgb.tobytes())
    with open(os.path.join(OUT, "expected_rgba.raw"), "wb") as fh:
        fh.write(rgba.tobytes())
    for name in ["pillow_rgb.png", "pillow_rgba.png", "interlaced.png", "filters_mixed.png"] + [f"filter_{f}.png" for f in range(5)]:
        decoded = np.asarray(Image.open(os.path.join(OUT, name)))
        expected = rgba if decoded.shape[2] == 4 else rgb
        assert np.array_equal(decoded, expected), name
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
