"""Training throughput of MLPs: glassnet vs PyTorch (CPU, float32, 2 threads), same run.

    python benchmarks/mlp.py            # prints a Markdown table
    python benchmarks/mlp.py --quick    # fewer repetitions

Both frameworks train the same architecture with SGD on the same random data. Each
framework runs in a process of its own (so neither one's BLAS threads compete with the
other's), several times, alternating; each run reports the best of several timed
passes, and the table shows the best run. Throughput is samples per second; the ratio
is glassnet ÷ PyTorch (above 1 means glassnet is faster).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
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


def measure_one(framework: str, config: int, repeats: int) -> float:
    """Samples per second of one framework on CONFIGS[config]: best of ``repeats`` passes."""
    _, sizes, batch, n = CONFIGS[config]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], n)
    lib = gn if framework == "glassnet" else torch
    one_pass = make_trainer(lib, sizes, lib.from_numpy(x), lib.from_numpy(y), batch)
    one_pass()                                          # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        one_pass()
        best = min(best, time.perf_counter() - t0)
    return n / best


def measure(config: int, repeats: int, rounds: int) -> dict:
    """Run each framework in its own process, ``rounds`` times alternating; keep the best."""
    best = {"glassnet": 0.0, "torch": 0.0}
    for _ in range(rounds):
        for framework in best:
            out = subprocess.run([sys.executable, __file__, "--worker", framework, str(config),
                                  str(repeats)], capture_output=True, text=True, check=True)
            best[framework] = max(best[framework], json.loads(out.stdout)["samples_per_s"])
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--worker", nargs=3, metavar=("FRAMEWORK", "CONFIG", "REPEATS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        framework, config, repeats = args.worker
        print(json.dumps({"samples_per_s": measure_one(framework, int(config), int(repeats))}))
        return
    repeats, rounds = (3, 2) if args.quick else (5, 3)
    print(f"glassnet {gn.__version__}, torch {torch.__version__}, numpy {np.__version__}, "
          f"threads: torch {torch.get_num_threads()}, BLAS {os.environ['OPENBLAS_NUM_THREADS']}")
    print()
    print("| model | glassnet samples/s | PyTorch samples/s | ratio |")
    print("|---|---:|---:|---:|")
    for i, (name, *_rest) in enumerate(CONFIGS):
        r = measure(i, repeats, rounds)
        print(f"| {name} | {r['glassnet']:,.0f} | {r['torch']:,.0f} | {r['glassnet'] / r['torch']:.2f} × |",
              flush=True)


if __name__ == "__main__":
    main()
