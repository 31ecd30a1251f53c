#!/usr/bin/env python3
"""Shows that files written by the Swift writer (TorchFile.save, via `rppg convert`) open with
torch.load(weights_only=True) and torch.load(mmap=True), with values identical to the source.

Rerun from the repository root (builds the tool first):
    python3.11 Tools/check_torch_load.py
"""
import os
import subprocess
import sys
import tempfile
import zipfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchio_fixtures import render  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
FIXTURES = os.path.join(ROOT, "Tests", "TorchIOTests", "Fixtures")
REAL = os.path.join(ROOT, "..", "shared", "checkpoints", "PURE_PhysNet_DiffNormalized.pth")


def main():
    subprocess.run(["swift", "build", "--product", "rppg"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    rppg = os.path.join(ROOT, ".build", "debug", "rppg")
    cases = [(n, os.path.join(FIXTURES, n + ".pt"), []) for n in
             ["plain", "dtypes", "views", "checkpoint", "dataparallel", "protocol4", "legacy", "big_endian", "deflate", "zip64"]]
    if os.path.exists(REAL):
        cases.append(("PURE_PhysNet", REAL, []))
        cases.append(("PURE_PhysNet state dict", REAL, ["--state-dict-only"]))
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, src, flags in cases:
            out = os.path.join(tmp, name.replace(" ", "_") + ".pt")
            subprocess.run([rppg, "convert", src, out, *flags], check=True, stdout=subprocess.DEVNULL)
            expected = render(torch.load(src, weights_only=name != "protocol4", map_location="cpu"))
            safe = render(torch.load(out, weights_only=True))
            mapped = render(torch.load(out, mmap=True, weights_only=True))
            with zipfile.ZipFile(out) as z:
                stored = all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
                with open(out, "rb") as f:
                    aligned = all(payload_offset(f, i) % 64 == 0 for i in z.infolist() if "/data/" in i.filename)
                crc_ok = z.testzip() is None
            same = safe == mapped == expected
            ok = same and stored and aligned and crc_ok
            failures += not ok
            print(f"{'OK  ' if ok else 'FAIL'} {name:26s} weights_only=True and mmap=True load; "
                  f"values {'identical' if same else 'DIFFER'}; STORED={stored} aligned64={aligned} crc={crc_ok}")
    print("all files accepted with identical values" if failures == 0 else f"{failures} failures")
    return failures


def payload_offset(f, info):
    f.seek(info.header_offset + 26)
    name_len, extra_len = int.from_bytes(f.read(2), "little"), int.from_bytes(f.read(2), "little")
    return info.header_offset + 30 + name_len + extra_len


if __name__ == "__main__":
    sys.exit(main())
