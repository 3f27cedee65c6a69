"""Helpers shared by the ops: undoing broadcasting, turning operands into arrays."""
from __future__ import annotations

import numbers

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, _to_array


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a gradient back down to ``shape``, undoing NumPy broadcasting in the forward."""
    if type(g) is not np.ndarray:
        g = np.asarray(g)           # a bare scalar of 0-d operands (a SymPy number: exact mode)
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
    """A Python number: combined with arrays as NumPy's weak scalars, so ``float32_tensor * 0.5``
    stays float32. NumPy scalars are not weak in NumPy 2 (they carry a dtype); they go the
    0-d tensor way and ``promote`` keeps float32 there."""
    return isinstance(x, numbers.Number) and not isinstance(x, np.generic)


# bool < integer < floating < exact: the categories of torch's type promotion
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "O": 3}


def promote(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cast two operands of different dtypes to torch's result dtype where NumPy's differs: the
    higher category wins outright (float32 ⊕ int64 → float32, NumPy says float64), and within a
    category a dimensioned operand beats a 0-d one (float32 ⊕ 0-d float64 → float32).
    Called only when the dtypes differ, so same-dtype ops pay one comparison."""
    ca, cb = _CATEGORY.get(a.dtype.kind, 3), _CATEGORY.get(b.dtype.kind, 3)
    if ca != cb:
        dt = a.dtype if ca > cb else b.dtype
    elif (a.ndim == 0) != (b.ndim == 0):
        dt = b.dtype if a.ndim == 0 else a.dtype
    else:
        return a, b                                   # NumPy's promotion is torch's here
    return a.astype(dt, copy=False), b.astype(dt, copy=False)


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
    if not dims:
        return None                     # dim=[] reduces over every dimension, as in torch
    out = tuple(sorted(normalize_dim(int(d), ndim, op) for d in dims))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dimension listed twice in {dim}")
    return out if ndim else ()       # a 0-d tensor accepts dim 0 / −1 (as torch) but has no axes


def broadcast_error(op: str, a: np.ndarray, b: np.ndarray) -> ShapeError:
    return ShapeError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast "
                      f"together (sizes must be equal or 1 in each dimension, aligned from the right)")
