"""Training throughput of MLPs: glassnet vs PyTorch (CPU, float32, 2 threads), same run.

    python benchmarks/mlp.py            # prints a Markdown table
    python benchmarks/mlp.py --quick    # fewer repetitions

Both frameworks train the same architecture with SGD on the same random data; each
measurement is the best of several timed passes, with the frameworks interleaved so
that machine noise hits both alike. Throughput is samples per second; the ratio is
glassnet ÷ PyTorch (above 1 means glassnet is faster).
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import glassnet as gn  # noqa: E402

torch.set_num_threads(2)

CONFIGS = [  # (name, layer sizes, batch size, samples per pass)
    ("784-256-10 ReLU, batch 64", (784, 256, 10), 64, 64 * 100),
    ("784-256-10 ReLU, batch 256", (784, 256, 10), 256, 256 * 40),
    ("40-100-100-10 ReLU (MNIST-1D MLP), batch 100", (40, 100, 100, 10), 100, 100 * 200),
]


def build(lib, sizes):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(lib.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(lib.nn.ReLU())
    return lib.nn.Sequential(*layers)


def make_trainer(lib, sizes, x, y, batch):
    model = build(lib, sizes)
    if lib is gn:
        model.float()
    loss_fn = lib.nn.CrossEntropyLoss()
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    xs = [x[i:i + batch] for i in range(0, len(x), batch)]
    ys = [y[i:i + batch] for i in range(0, len(y), batch)]

    def one_pass():
        for xb, yb in zip(xs, ys):
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        return loss.item()
    return one_pass


def measure(sizes, batch, n, repeats):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], n)
    runners = {
        "glassnet": make_trainer(gn, sizes, gn.from_numpy(x), gn.from_numpy(y), batch),
        "torch": make_trainer(torch, sizes, torch.from_numpy(x), torch.from_numpy(y), batch),
    }
    best = {k: float("inf") for k in runners}
    for fn in runners.values():
        fn()                                           # warm-up
    for _ in range(repeats):
        for name, fn in runners.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return {k: n / v for k, v in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    print(f"glassnet {gn.__version__}, torch {torch.__version__}, numpy {np.__version__}, "
          f"threads: torch {torch.get_num_threads()}, BLAS {os.environ['OPENBLAS_NUM_THREADS']}")
    print()
    print("| model | glassnet samples/s | PyTorch samples/s | ratio |")
    print("|---|---:|---:|---:|")
    for name, sizes, batch, n in CONFIGS:
        r = measure(sizes, batch, n, repeats)
        print(f"| {name} | {r['glassnet']:,.0f} | {r['torch']:,.0f} | {r['glassnet'] / r['torch']:.2f} × |",
              flush=True)


if __name__ == "__main__":
    main()
