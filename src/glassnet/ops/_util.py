"""Helpers shared by the ops: undoing broadcasting, turning operands into arrays."""
from __future__ import annotations

import numbers

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, _to_array


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a gradient back down to ``shape``, undoing NumPy broadcasting in the forward."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def is_scalar(x) -> bool:
    """A Python (or NumPy scalar) number: combined with arrays as NumPy's weak scalars, so
    ``float32_tensor * 0.5`` stays float32."""
    return isinstance(x, numbers.Number) and not isinstance(x, np.ndarray)


def as_tensor(x) -> Tensor:
    """An operand that is not a Python number becomes a constant tensor."""
    return x if isinstance(x, Tensor) else Tensor._wrap(_to_array(x, copy=False))


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension {dim} is out of range for a tensor with {ndim} dimensions "
                         f"(expected to be in range of [{-n}, {n - 1}])")
    return dim % n


def normalize_dims(dim, ndim: int, op: str) -> tuple | None:
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = tuple(sorted(normalize_dim(int(d), ndim, op) for d in dims))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dimension listed twice in {dim}")
    return out


def broadcast_error(op: str, a: np.ndarray, b: np.ndarray) -> ShapeError:
    return ShapeError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast "
                      f"together (sizes must be equal or 1 in each dimension, aligned from the right)")
