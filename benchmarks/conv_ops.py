"""Speed of glassnet's conv1d / conv2d / max_pool2d against torch (CPU, float32, 2 threads).

Times forward + backward (upstream gradient given; gradients for weight, bias and — except
for the first layer, whose input is data — the input) of the layers of two small CNNs:

  MNIST-1D CNN (batch 100): (100, 1, 40) → Conv1d(1, 25, 5, s2, p1) → Conv1d(25, 25, 3, s2, p1)
                            → Conv1d(25, 25, 3, s2, p1)
  LeNet-style  (batch 64):  (64, 1, 28, 28) → Conv2d(1, 6, 5, p2) → MaxPool2d(2)
                            → Conv2d(6, 16, 5) → MaxPool2d(2)

Run:  python benchmarks/conv_ops.py [--threads 2] [--repeat 200]
      (prints the median time per step and the ratio glassnet / torch)
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

_parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
_parser.add_argument("--threads", type=int, default=2, help="torch and BLAS threads (default 2)")
_parser.add_argument("--repeat", type=int, default=200, help="timed calls per step")
ARGS = _parser.parse_args()
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)             # NumPy's BLAS: set before importing numpy

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import glassnet as gn  # noqa: E402
from glassnet.ops.conv import conv1d, conv2d  # noqa: E402
from glassnet.ops.pooling import max_pool2d  # noqa: E402

torch.set_num_threads(ARGS.threads)
rng = np.random.default_rng(0)
DT = np.float32


def paired_times(f, g, repeat: int = 200, warmup: int = 20) -> tuple:
    """Median seconds per call of f and of g, calls interleaved so that load from other
    processes on the machine falls on both alike."""
    for _ in range(warmup):
        f(), g()
    tf, tg = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        t1 = time.perf_counter()
        g()
        t2 = time.perf_counter()
        tf.append(t1 - t0)
        tg.append(t2 - t1)
    return statistics.median(tf), statistics.median(tg)


def layer_pair(kind: str, x_shape, w_shape=None, input_grad=True, **kw):
    """(glassnet step, torch step) doing forward + backward of one layer."""
    x = rng.standard_normal(x_shape).astype(DT)
    w = None if w_shape is None else (rng.standard_normal(w_shape) * 0.1).astype(DT)
    b = None if w_shape is None else rng.standard_normal(w_shape[0]).astype(DT)
    gfun, tfun = {"conv1d": (conv1d, F.conv1d), "conv2d": (conv2d, F.conv2d),
                  "max_pool2d": (max_pool2d, F.max_pool2d)}[kind]
    gx = gn.tensor(x, requires_grad=input_grad)
    tx = torch.tensor(x, requires_grad=input_grad)
    if w is not None:
        gw, gb = gn.tensor(w, requires_grad=True), gn.tensor(b, requires_grad=True)
        tw, tb = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
        g_args, t_args = (gx, gw, gb), (tx, tw, tb)
    else:
        g_args, t_args = (gx,), (tx,)
    out_shape = tfun(*t_args, **kw).shape
    up = rng.standard_normal(tuple(out_shape)).astype(DT)
    up_t = torch.tensor(up)

    def g_step():
        for t in g_args:
            t.grad = None
        gfun(*g_args, **kw).backward(up)

    def t_step():
        for t in t_args:
            t.grad = None
        tfun(*t_args, **kw).backward(up_t)
    # the two must agree before they are timed
    g_step(), t_step()
    for a, b_ in zip(g_args, t_args):
        if a.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), b_.grad.numpy(), rtol=1e-3, atol=1e-3)
    return g_step, t_step, tuple(out_shape)


NETS = {
    "MNIST-1D CNN (batch 100)": [
        ("conv1d", (100, 1, 40), (25, 1, 5), False, dict(stride=2, padding=1)),
        ("conv1d", (100, 25, 19), (25, 25, 3), True, dict(stride=2, padding=1)),
        ("conv1d", (100, 25, 10), (25, 25, 3), True, dict(stride=2, padding=1)),
    ],
    "LeNet-style CNN (batch 64)": [
        ("conv2d", (64, 1, 28, 28), (6, 1, 5, 5), False, dict(padding=2)),
        ("max_pool2d", (64, 6, 28, 28), None, True, dict(kernel_size=2)),
        ("conv2d", (64, 6, 14, 14), (16, 6, 5, 5), True, {}),
        ("max_pool2d", (64, 16, 10, 10), None, True, dict(kernel_size=2)),
    ],
}


def main() -> None:
    print(f"numpy {np.__version__}, torch {torch.__version__}, torch threads "
          f"{torch.get_num_threads()}, float32, forward + backward, "
          f"median of {ARGS.repeat} interleaved calls\n")
    for net, layers in NETS.items():
        print(net)
        tot_g = tot_t = 0.0
        for kind, xs, ws, ig, kw in layers:
            g_step, t_step, out = layer_pair(kind, xs, ws, ig, **kw)
            tg, tt = paired_times(g_step, t_step, ARGS.repeat)
            tot_g, tot_t = tot_g + tg, tot_t + tt
            args = ", ".join(f"{k}={v}" for k, v in kw.items())
            print(f"  {kind:<10} {str(xs):<18} → {str(out):<18} {args:<22} "
                  f"glassnet {tg * 1e3:7.3f} ms  torch {tt * 1e3:7.3f} ms  ratio {tg / tt:5.2f}")
        print(f"  {'total':<81} glassnet {tot_g * 1e3:7.3f} ms  torch {tot_t * 1e3:7.3f} ms  "
              f"ratio {tot_g / tot_t:5.2f}\n")


if __name__ == "__main__":
    main()
