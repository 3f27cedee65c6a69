"""Textbook convolution of signals: full, valid and same, with or without kernel flipping.

    convolution   (x ∗ k)_n = Σ_j x_{n−j} k_j        (flip=True: the kernel is reversed)
    correlation   (x ★ k)_n = Σ_j x_{n+j} k_j        (flip=False: what conv layers compute)

Modes (d = len(x), k = len(k)):  'full' — every overlap, length d + k − 1;  'valid' — only
complete overlaps, length d − k + 1;  'same' — length d, the middle of 'full' (as NumPy and
SciPy centre it: an even kernel takes one more zero on the left).

Built on ``conv1d``/``conv2d`` (which correlate), so Tensors get gradients; plain lists and
arrays give a NumPy array. Example (seed 004, question 4.3):

    >>> convolve([1, 2, 3, 4], [1, 0, 2], 'full')
    array([1, 2, 5, 8, 6, 8])
    >>> convolve([1, 2, 3, 4], [1, 0, 2], 'valid')
    array([5, 8])
    >>> convolve([1, 2, 3, 4], [1, 0, 2], 'same')
    array([2, 5, 8, 6])
"""
from __future__ import annotations

import numpy as np

from .errors import ShapeError
from .ops.conv import conv1d, conv2d
from .ops.pooling import pad
from .ops.shape import getitem, reshape
from .tensor import Tensor

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d"]

_MODES = ("full", "valid", "same")


def convolve(x, k, mode: str = "full", flip: bool = True):
    """(x ∗ k) of two 1-D signals: true convolution (flip=True) or cross-correlation (flip=False).

    Args:
        x: the signal, length d (list, array or Tensor).
        k: the kernel, length k.
        mode: 'full' (d + k − 1 values), 'valid' (d − k + 1) or 'same' (d).
        flip: reverse the kernel (convolution) or not (cross-correlation, as conv1d).

    Returns a Tensor (differentiable in x and k) when x or k is a Tensor, else an ndarray.
    Agrees with numpy.convolve / numpy.correlate and scipy.signal.convolve / correlate
    (in 'valid' mode with a kernel longer than the signal the roles swap, as there).
    """
    return _convolve("convolve", 1, x, k, mode, flip)


def correlate(x, k, mode: str = "full"):
    """Cross-correlation (x ★ k)_n = Σ_j x_{n+j} k_j: ``convolve(x, k, mode, flip=False)``."""
    return _convolve("correlate", 1, x, k, mode, False)


def convolve2d(x, k, mode: str = "full", flip: bool = True):
    """2-D (x ∗ k) of an (H, W) image with a (kH, kW) kernel; see ``convolve`` for the modes.

    Agrees with scipy.signal.convolve2d (flip=True) and scipy.signal.correlate (flip=False);
    scipy.signal.correlate2d centres 'same' one row/column differently for even kernels.
    """
    return _convolve("convolve2d", 2, x, k, mode, flip)


def correlate2d(x, k, mode: str = "full"):
    """2-D cross-correlation: ``convolve2d(x, k, mode, flip=False)``."""
    return _convolve("correlate2d", 2, x, k, mode, False)


# ---------------------------------------------------------------- implementation

def _operands(op: str, x, k):
    """Both operands as Tensors of one dtype, and whether to hand back a Tensor."""
    as_tensor = isinstance(x, Tensor) or isinstance(k, Tensor)
    arrays = [a._data if isinstance(a, Tensor) else np.asarray(a) for a in (x, k)]
    for a in arrays:
        if a.dtype.kind not in "biufO":
            raise TypeError(f"{op}: expected numbers, got an array of dtype {a.dtype}")
    tensors = [a for a in (x, k) if isinstance(a, Tensor)]
    if len(tensors) == 2 and x.dtype != k.dtype:
        raise TypeError(f"{op}: x is {x.dtype} but k is {k.dtype}; convert one of them")
    # a plain operand follows the Tensor's dtype (as torch's weak scalars); plain pairs promote
    dtype = tensors[0].dtype if tensors else np.result_type(*arrays)
    if dtype == np.bool_:
        dtype = np.dtype(np.int64)
    out = []
    for a, arr in zip((x, k), arrays):
        if isinstance(a, Tensor) and a.dtype == dtype:
            out.append(a)
        else:
            out.append(Tensor._wrap(arr.astype(dtype, copy=False)))
    return out[0], out[1], as_tensor


def _flip(t: Tensor, nd: int) -> Tensor:
    """Reverse every axis (differentiably): flip(w)_j = w_{k−j+1}."""
    return getitem(t, (slice(None, None, -1),) * nd)


def _convolve(op: str, nd: int, x, k, mode: str, flip: bool):
    if mode not in _MODES:
        raise ValueError(f"{op}: mode must be one of {_MODES}, got {mode!r}")
    xt, kt, as_tensor = _operands(op, x, k)
    for name, t in (("x", xt), ("k", kt)):
        if t.ndim != nd:
            raise ShapeError(f"{op}: {name} must be {nd}-D, got shape {tuple(t.shape)}"
                             + ("" if nd == 1 else " (use convolve for 1-D signals)"))
        if t.shape and min(t.shape) == 0:
            raise ShapeError(f"{op}: {name} is empty (shape {tuple(t.shape)})")
    d, kk = xt.shape, kt.shape
    if mode == "valid" and any(a < b for a, b in zip(d, kk)):
        if not all(a <= b for a, b in zip(d, kk)):
            raise ShapeError(f"{op}: in 'valid' mode one input must be at least as large as the "
                             f"other in every dimension, got x {d} and k {kk}")
        # the kernel is the longer one: x ∗ k = k ∗ x, and (x ★ k)_n = (k ★ x)_{−n}
        swapped = _correlate(nd, kt, _flip(xt, nd) if flip else xt, "valid")
        out = swapped if flip else _flip(swapped, nd)
    else:
        out = _correlate(nd, xt, _flip(kt, nd) if flip else kt, mode)
    return out if as_tensor else out._data


def _correlate(nd: int, x: Tensor, w: Tensor, mode: str) -> Tensor:
    """(x ★ w) in ``mode`` through conv1d / conv2d (one channel in, one channel out)."""
    conv = conv1d if nd == 1 else conv2d
    K = w.shape
    if mode == "valid":
        lo = hi = (0,) * nd
    elif mode == "full":
        lo = hi = tuple(n - 1 for n in K)
    else:                                          # 'same': the middle d of 'full'
        lo, hi = tuple(n // 2 for n in K), tuple((n - 1) // 2 for n in K)
    x1 = reshape(x, (1,) + x.shape)                                 # (d,) → (C=1, d)
    if lo == hi:
        padding = lo
    else:                                          # asymmetric: pad explicitly, then valid
        x1 = pad(x1, tuple(v for a, b in zip(lo[::-1], hi[::-1]) for v in (a, b)))
        padding = 0
    y = conv(x1, reshape(w, (1, 1) + K), padding=padding)           # (1, *out)
    return reshape(y, y.shape[1:])
