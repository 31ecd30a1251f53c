"""Single-thread per-clip latency of the zoo models in PyTorch CPU, to set beside
`rppg infer --threads 1 --repeat N` (which reports the Swift median).

Rerun from the repository root:
    python3 Tools/bench_zoo_pytorch.py [--repeat 20] [--write-inputs DIR]
--write-inputs saves the clips and random-weight checkpoints it timed, so the Swift command runs
on exactly the same model and input.
"""
import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_zoo import DEFAULT_FRAMES, INPUT_SIZE, build, randomize_buffers_  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--repeat', type=int, default=20)
    ap.add_argument('--models', default='tinypulse,physnet')
    ap.add_argument('--write-inputs', default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    for name in args.models.split(','):
        model = randomize_buffers_(build(name), seed=1).eval()
        s, t = INPUT_SIZE[name], DEFAULT_FRAMES[name]
        x = torch.randn(1, 3, t, s, s)
        if args.write_inputs:
            os.makedirs(args.write_inputs, exist_ok=True)
            torch.save(model.state_dict(), os.path.join(args.write_inputs, f'{name}.pth'))
            torch.save({'input': x}, os.path.join(args.write_inputs, f'{name}_clip.pt'))
        times = []
        with torch.no_grad():
            model(x)
            for _ in range(args.repeat):
                start = time.perf_counter()
                model(x)
                times.append(time.perf_counter() - start)
        print(f'{name}: PyTorch {torch.__version__} CPU, 1 thread, [1,3,{t},{s},{s}]: '
              f'median {statistics.median(times) * 1e3:.1f} ms over {args.repeat} passes')


if __name__ == '__main__':
    main()
