"""Reductions: sum, mean, max / min (with or without a dimension), argmax / argmin."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _backend
from ..tensor import Tensor, make_result
from ._util import normalize_dim, normalize_dims


def _expand_back(g: np.ndarray, shape: tuple, dims: tuple | None, keepdim: bool) -> np.ndarray:
    """Broadcast a reduced gradient back to the input's shape (a read-only view)."""
    if dims is not None and not keepdim:
        g = np.expand_dims(g, dims)
    return np.broadcast_to(g, shape)


def sum(a: Tensor, dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Σ a over ``dim`` (all elements when None);  ∂/∂a = 1."""
    dims = normalize_dims(dim, a._data.ndim, "sum")
    ad = a._data if dtype is None else a._data.astype(_backend.as_dtype(dtype))
    if ad.dtype == _backend.bool_:
        ad = ad.astype(_backend.int64)
    out = ad.sum(axis=dims, keepdims=keepdim)
    out = np.asarray(out, dtype=ad.dtype) if not isinstance(out, np.ndarray) else out
    shape = a._data.shape
    return make_result(out, (a,), lambda g: (_expand_back(g, shape, dims, keepdim),), "sum")


def mean(a: Tensor, dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """(1/n) Σ a over ``dim``;  ∂/∂a = 1/n."""
    dims = normalize_dims(dim, a._data.ndim, "mean")
    ad = a._data if dtype is None else a._data.astype(_backend.as_dtype(dtype))
    if not _backend.is_floating(ad.dtype):
        raise TypeError(f"mean() needs a floating point tensor, got {ad.dtype}; "
                        f"use .float() or .double() first")
    n = ad.size if dims is None else int(np.prod([ad.shape[d] for d in dims]))
    out = np.asarray(ad.sum(axis=dims, keepdims=keepdim) / n, dtype=ad.dtype)
    shape = a._data.shape
    return make_result(out, (a,), lambda g: (_expand_back(g / n, shape, dims, keepdim),), "mean")


class MaxResult(NamedTuple):
    values: Tensor
    indices: Tensor


def _extreme(a: Tensor, dim, keepdim: bool, largest: bool, op: str):
    ad = a._data
    if ad.size == 0:
        raise RuntimeError(f"{op}(): cannot reduce an empty tensor")
    if dim is None:
        # Whole-tensor max: the gradient is shared evenly between tied maxima (torch's rule).
        out = np.asarray(ad.max() if largest else ad.min())

        def backward(g):
            mask = ad == out
            return (mask * (g / mask.sum()),)
        return make_result(out, (a,), backward, op)
    d = normalize_dim(dim, ad.ndim, op)
    idx = np.expand_dims(ad.argmax(axis=d) if largest else ad.argmin(axis=d), d)
    values = np.take_along_axis(ad, idx, axis=d)

    def backward(g):
        # The gradient goes to the one element that was selected, as torch.max(dim) does.
        full = np.zeros_like(ad)
        np.put_along_axis(full, idx, g if keepdim else np.expand_dims(g, d), axis=d)
        return (full,)
    indices = idx if keepdim else np.squeeze(idx, d)   # a new name: backward needs idx unsqueezed
    if not keepdim:
        values = np.squeeze(values, d)
    return MaxResult(make_result(values, (a,), backward, op), Tensor._wrap(indices.astype(np.int64)))


def max(a: Tensor, dim=None, keepdim: bool = False):
    """max over all elements (a tensor), or over ``dim`` (a (values, indices) pair)."""
    if isinstance(dim, Tensor):
        return maximum(a, dim)
    return _extreme(a, dim, keepdim, True, "max")


def min(a: Tensor, dim=None, keepdim: bool = False):
    if isinstance(dim, Tensor):
        return minimum(a, dim)
    return _extreme(a, dim, keepdim, False, "min")


def argmax(a: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest entry (over the flattened tensor when ``dim`` is None)."""
    if dim is None:
        out = np.asarray(a._data.argmax())
        return Tensor._wrap(out.reshape((1,) * a._data.ndim) if keepdim else out)
    d = normalize_dim(dim, a._data.ndim, "argmax")
    return Tensor._wrap(a._data.argmax(axis=d, keepdims=keepdim))


def argmin(a: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    if dim is None:
        out = np.asarray(a._data.argmin())
        return Tensor._wrap(out.reshape((1,) * a._data.ndim) if keepdim else out)
    d = normalize_dim(dim, a._data.ndim, "argmin")
    return Tensor._wrap(a._data.argmin(axis=d, keepdims=keepdim))


def var(a: Tensor, dim=None, unbiased: bool = True, keepdim: bool = False, correction=None) -> Tensor:
    """Σ (a − ā)² / (n − correction), composed from primitives (correction 1 by default)."""
    corr = (1 if unbiased else 0) if correction is None else correction
    dims = normalize_dims(dim, a._data.ndim, "var")
    n = a._data.size if dims is None else int(np.prod([a._data.shape[d] for d in dims]))
    centred = a - mean(a, dim=dims, keepdim=True)
    return sum(centred * centred, dim=dims, keepdim=keepdim) / (n - corr)


def std(a: Tensor, dim=None, unbiased: bool = True, keepdim: bool = False, correction=None) -> Tensor:
    return var(a, dim, unbiased, keepdim, correction) ** 0.5


from .elementwise import maximum, minimum  # noqa: E402
