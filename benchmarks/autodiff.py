"""Higher-order autodiff throughput: glassnet vs torch.func / torch.autograd.functional
(CPU, float32, 2 threads), on the MNIST-1D MLP (40-100-100-10 ReLU, cross-entropy).

    python benchmarks/autodiff.py            # prints a Markdown table
    python benchmarks/autodiff.py --quick    # fewer repetitions

Tasks: the Jacobian of the network's logits in one input (10 × 40, reverse mode), the
Hessian of the loss in one input (40 × 40), and per-sample gradients of the loss in every
parameter for a batch of 100 (``vmap(grad(loss))`` with ``functional_call``). Each framework
runs in a process of its own, alternating; each run reports the best of several timed
repetitions. The ratio is glassnet's throughput ÷ torch's (above 1: glassnet is faster).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import glassnet as gn  # noqa: E402

torch.set_num_threads(2)

TASKS = [  # (name, what one call computes)
    ("jacobian of logits in x (jacrev)", "one 10 × 40 Jacobian"),
    ("hessian of loss in x (autograd.functional)", "one 40 × 40 Hessian"),
    ("hessian of loss in x (func.hessian)", "one 40 × 40 Hessian"),
    ("per-sample grads, vmap(grad), batch 100", "100 per-sample gradients"),
]


def build(lib):
    torch.manual_seed(0)
    gn.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(40, 100), lib.nn.ReLU(), lib.nn.Linear(100, 100),
                              lib.nn.ReLU(), lib.nn.Linear(100, 10))
    return model.float() if lib is gn else model


def make_task(framework: str, task: int):
    lib = gn if framework == "glassnet" else torch
    model = build(lib)
    rng = np.random.default_rng(0)
    x1 = lib.from_numpy(rng.standard_normal(40).astype(np.float32))
    y1 = lib.from_numpy(np.array(3))
    xb = lib.from_numpy(rng.standard_normal((100, 40)).astype(np.float32))
    yb = lib.from_numpy(rng.integers(0, 10, 100))
    F = lib.nn.functional
    fn = lib.func

    def loss_at(x):
        return F.cross_entropy(model(x[None]), y1[None])

    if task == 0:
        jac = fn.jacrev(lambda x: model(x))
        return lambda: jac(x1)
    if task == 1:
        return lambda: lib.autograd.functional.hessian(loss_at, x1)
    if task == 2:
        hes = fn.hessian(loss_at)
        return lambda: hes(x1)
    params = {k: v.detach() for k, v in model.named_parameters()}

    def sample_loss(p, x, y):
        return F.cross_entropy(fn.functional_call(model, p, (x[None],)), y[None])
    per_sample = fn.vmap(fn.grad(sample_loss), in_dims=(None, 0, 0))
    return lambda: per_sample(params, xb, yb)


def measure_one(framework: str, task: int, repeats: int) -> float:
    """Calls per second of one framework on TASKS[task]: best of ``repeats`` timed calls."""
    warnings.simplefilter("ignore")
    call = make_task(framework, task)
    call()                                               # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t0)
    return 1.0 / best


def measure(task: int, repeats: int, rounds: int) -> dict:
    best = {"glassnet": 0.0, "torch": 0.0}
    for _ in range(rounds):
        for framework in best:
            out = subprocess.run([sys.executable, __file__, "--worker", framework, str(task), str(repeats)],
                                 capture_output=True, text=True, check=True)
            best[framework] = max(best[framework], json.loads(out.stdout)["per_s"])
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--worker", nargs=3, metavar=("FRAMEWORK", "TASK", "REPEATS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        framework, task, repeats = args.worker
        print(json.dumps({"per_s": measure_one(framework, int(task), int(repeats))}))
        return
    repeats, rounds = (5, 1) if args.quick else (20, 3)
    print(f"glassnet {gn.__version__}, torch {torch.__version__}, numpy {np.__version__}, "
          f"threads: torch {torch.get_num_threads()}, BLAS {os.environ['OPENBLAS_NUM_THREADS']}")
    print()
    print("| task (MNIST-1D MLP, float32) | one call | glassnet calls/s | torch calls/s | ratio |")
    print("|---|---|---:|---:|---:|")
    for i, (name, unit) in enumerate(TASKS):
        r = measure(i, repeats, rounds)
        print(f"| {name} | {unit} | {r['glassnet']:,.1f} | {r['torch']:,.1f} | "
              f"{r['glassnet'] / r['torch']:.2f} × |", flush=True)


if __name__ == "__main__":
    main()
