#!/usr/bin/env python3
"""Load time and peak memory of the Swift reader (`rppg bench-load`) against torch.load on the same
~100 MB checkpoint. Peak memory is the process's maximum resident set size (/usr/bin/time -v);
the torch figure is also given net of `import torch` alone. The file is read once first so both
readers start from the page cache.

Rerun from the repository root:
    swift build -c release --product rppg && python3.11 Tools/bench_torchio_load.py
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
RPPG = os.path.join(ROOT, ".build", "release", "rppg")
RUNS = 5


def peak_and_output(cmd):
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=True)
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return kb * 1024, p.stdout


TORCH_LOAD = """
import sys, time, torch
t = time.perf_counter(); sd = torch.load(sys.argv[1], weights_only=True, mmap=sys.argv[2] == 'mmap'); dt = time.perf_counter() - t
s = sum(int(v.view(torch.int32).long().sum()) for v in sd.values() if v.dtype == torch.float32)
print(dt, s)
"""


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model100.pt")
        torch.manual_seed(0)
        # ~100 MB: 100 float32 tensors of 256k elements plus small buffers, like a state dict.
        sd = {f"layer{i}.weight": torch.randn(512, 512) for i in range(100)}
        sd.update({f"layer{i}.num_batches_tracked": torch.tensor(i) for i in range(100)})
        torch.save(sd, path)
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass
        swift_times, swift_peaks, torch_times, torch_peaks, mmap_times, mmap_peaks = [], [], [], [], [], []
        for _ in range(RUNS):
            peak, out = peak_and_output([RPPG, "bench-load", path])
            r = json.loads(out)
            swift_times.append(r["seconds"][0]); swift_peaks.append(peak); swift_sum = r["float32BitSum"]
            peak, out = peak_and_output([sys.executable, "-c", TORCH_LOAD, path, "read"])
            torch_times.append(float(out.split()[0])); torch_peaks.append(peak); torch_sum = int(out.split()[1])
            peak, out = peak_and_output([sys.executable, "-c", TORCH_LOAD, path, "mmap"])
            mmap_times.append(float(out.split()[0])); mmap_peaks.append(peak)
        base, _ = peak_and_output([sys.executable, "-c", "import torch"])
        swift_base, _ = peak_and_output([RPPG, "modules"])
        mb = 1024 * 1024
        med = statistics.median
        print(f"file: {size / mb:.1f} MiB, {len(sd)} tensors; median of {RUNS} runs, warm page cache")
        print(f"Swift TorchFile.load       : {med(swift_times) * 1e3:7.1f} ms, peak RSS {med(swift_peaks) / mb:6.1f} MiB "
              f"({med(swift_peaks) / size:.2f}x file); net of the process's own {swift_base / mb:.0f} MiB "
              f"{(med(swift_peaks) - swift_base) / mb:6.1f} MiB ({(med(swift_peaks) - swift_base) / size:.2f}x file)")
        print(f"torch.load(weights_only)   : {med(torch_times) * 1e3:7.1f} ms, peak RSS {med(torch_peaks) / mb:6.1f} MiB, "
              f"net of `import torch` ({base / mb:.0f} MiB) {(med(torch_peaks) - base) / mb:6.1f} MiB")
        print(f"torch.load(mmap=True)      : {med(mmap_times) * 1e3:7.1f} ms, peak RSS {med(mmap_peaks) / mb:6.1f} MiB "
              f"(values not touched by the load itself)")
        print(f"float32 bit-pattern checksums: swift {swift_sum!r} torch {torch_sum!r} -> {'identical' if swift_sum == torch_sum else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
