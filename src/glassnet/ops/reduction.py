"""Reductions: sum, mean, prod, max / min (with or without a dimension), argmax / argmin,
logsumexp, vector norms, and the running sum cumsum."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _backend
from ..tensor import Tensor, _recorders, make_result
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
    return make_result(out, (a,), lambda g: (_expand_back(g, shape, dims, keepdim),), "sum",
                       {"dim": dims, "keepdim": keepdim} if _recorders else None)


def mean(a: Tensor, dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """(1/n) Σ a over ``dim``;  ∂/∂a = 1/n."""
    dims = normalize_dims(dim, a._data.ndim, "mean")
    ad = a._data if dtype is None else a._data.astype(_backend.as_dtype(dtype))
    if not _backend.is_floating(ad.dtype):
        raise TypeError(f"mean() needs a floating point tensor, got {ad.dtype}; "
                        f"use .float() or .double() first")
    n = ad.size if dims is None else int(np.prod([ad.shape[d] for d in dims]))
    if ad.dtype == object:
        n = _backend._sympy().Integer(n)                # exact: 3/2, not Python's 1.5
    out = np.asarray(ad.sum(axis=dims, keepdims=keepdim) / n, dtype=ad.dtype)
    shape = a._data.shape
    return make_result(out, (a,), lambda g: (_expand_back(g / n, shape, dims, keepdim),), "mean",
                       {"dim": dims, "keepdim": keepdim} if _recorders else None)


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
    return MaxResult(make_result(values, (a,), backward, op, {"dim": d, "keepdim": keepdim} if _recorders else None),
                     Tensor._wrap(indices.astype(np.int64)))


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
    """√var;  ∂/∂var = 1/(2 std), taken as 0 where std = 0 (torch's rule: a constant has
    gradient 0, not 0·∞)."""
    v = var(a, dim, unbiased, keepdim, correction)
    vd = v._data
    out = _backend.sqrt(vd)

    def backward(g):
        if vd.dtype == object:
            return (g / (2 * out),)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.where(out == 0, 0, g / (2 * out)),)
    return make_result(out, (v,), backward, "std")


def prod(a: Tensor, dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Π a over ``dim`` (one dimension, or all elements when None);  ∂/∂aᵢ = Π_{j≠i} aⱼ.

    The product of the others is (product of those before) × (product of those after), not
    out / aᵢ, so an entry next to a zero gets the right gradient instead of NaN.
    """
    ad = a._data if dtype is None else a._data.astype(_backend.as_dtype(dtype))
    if ad.dtype == _backend.bool_:
        ad = ad.astype(_backend.int64)
    if ad.ndim == 0:                                           # the product of one number is itself
        if dim is not None:
            normalize_dim(dim, 0, "prod")
        return make_result(ad.copy(), (a,), lambda g: (g,), "prod")
    if dim is None:
        flat, d = ad.reshape(-1), 0                            # (…) → (n,)
        out = np.asarray(flat.prod(), dtype=ad.dtype)
        out = out.reshape((1,) * ad.ndim) if keepdim else out
    else:
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"prod: dim must be a single int, got {dim!r}")
        flat, d = ad, normalize_dim(dim, ad.ndim, "prod")
        out = np.asarray(ad.prod(axis=d, keepdims=keepdim), dtype=ad.dtype)
    shape = ad.shape

    def backward(g):
        xm = np.moveaxis(flat, d, 0)                           # the reduced axis first
        before, after = np.ones_like(xm), np.ones_like(xm)
        before[1:] = np.cumprod(xm[:-1], axis=0)               # before[i] = Π_{j<i} x_j
        after[:-1] = np.cumprod(xm[:0:-1], axis=0)[::-1]       # after[i]  = Π_{j>i} x_j
        others = np.moveaxis(before * after, 0, d)
        gk = np.reshape(g, ()) if dim is None else g if keepdim else np.expand_dims(g, d)
        return ((others * gk).reshape(shape),)
    return make_result(out, (a,), backward, "prod")


def cumsum(a: Tensor, dim: int, dtype=None) -> Tensor:
    """yᵢ = Σ_{j≤i} aⱼ along ``dim``;  ∂L/∂aⱼ = Σ_{i≥j} gᵢ (a cumulative sum from the end)."""
    ad = a._data if dtype is None else a._data.astype(_backend.as_dtype(dtype))
    if ad.dtype == _backend.bool_:
        ad = ad.astype(_backend.int64)
    if ad.ndim == 0:
        normalize_dim(dim, 0, "cumsum")
        return make_result(ad.copy(), (a,), lambda g: (g,), "cumsum")
    d = normalize_dim(dim, ad.ndim, "cumsum")
    out = np.cumsum(ad, axis=d)
    return make_result(out, (a,), lambda g: (np.flip(np.cumsum(np.flip(g, d), axis=d), d),), "cumsum")


def logsumexp(a: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log Σ e^a over ``dim``, computed as m + log Σ e^(a − m) with m the max (no overflow);
    ∂/∂a = e^(a − out) = softmax(a) along ``dim``."""
    ad = a._data
    if not _backend.is_floating(ad.dtype):
        ad = ad.astype(_backend.get_default_dtype())             # torch: integers give floats
    dims = normalize_dims(dim, ad.ndim, "logsumexp")
    kept = _backend.logsumexp(ad, dims)
    out = kept if keepdim else kept.reshape(()) if dims is None else np.squeeze(kept, dims)

    def backward(g):
        gk = g if keepdim else np.reshape(g, kept.shape)
        with np.errstate(invalid="ignore"):
            return (gk * _backend.exp(ad - kept),)
    return make_result(out, (a,), backward, "logsumexp")


def vector_norm(a: Tensor, ord=2, dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """‖a‖_p = (Σ |aᵢ|^p)^(1/p) over ``dim`` (all elements when None); p = inf: max |aᵢ|,
    p = −inf: min |aᵢ|, p = 0: the number of non-zero entries.

    ∂/∂aᵢ = sign(aᵢ)·|aᵢ|^(p−1) / ‖a‖^(p−1)  (aᵢ/‖a‖ for p = 2, sign(aᵢ) for p = 1), and 0 where
    ‖a‖ = 0 (torch's choice for the kink at the origin); for p = ±inf the gradient sign(aᵢ) is
    shared evenly by the entries that attain the max (min); for p = 0 it is 0.
    """
    if isinstance(ord, str) or isinstance(ord, bool) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(f"vector_norm: ord must be a number (inf and -inf included), got {ord!r}")
    ad = a._data if dtype is None else a._data.astype(_backend.as_dtype(dtype))
    if not _backend.is_floating(ad.dtype):
        raise TypeError(f"vector_norm: expected a floating point tensor as input, got {ad.dtype}; "
                        f"use .float() or .double() first")
    dims = normalize_dims(dim, ad.ndim, "vector_norm")
    p = float(ord)
    absd = np.abs(ad)
    if p == 2:
        kept = _backend.sqrt((ad * ad).sum(axis=dims, keepdims=True))
    elif p == 1:
        kept = absd.sum(axis=dims, keepdims=True)
    elif p == np.inf:
        kept = absd.max(axis=dims, keepdims=True)
    elif p == -np.inf:
        kept = absd.min(axis=dims, keepdims=True)
    elif p == 0:
        kept = (ad != 0).sum(axis=dims, keepdims=True).astype(ad.dtype)
    else:
        with np.errstate(divide="ignore"):                     # 0^p = inf for p < 0: norm 0, as torch
            kept = (absd ** p).sum(axis=dims, keepdims=True) ** (1 / p)
    kept = np.asarray(kept, dtype=ad.dtype)
    out = kept if keepdim else kept.reshape(()) if dims is None else np.squeeze(kept, dims)
    in_shape = ad.shape

    def backward(g):
        gk = g if keepdim else np.reshape(g, kept.shape)
        if p == 0:
            return (np.zeros(in_shape, dtype=ad.dtype),)
        if p in (np.inf, -np.inf):
            hit = absd == kept
            return (np.sign(ad) * hit * (gk / hit.sum(axis=dims, keepdims=True)),)
        zero = kept == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                scale = np.where(zero, 0, gk / np.where(zero, 1, kept))
                return (ad * scale,)
            if p == 1:
                return (np.sign(ad) * gk,)
            scale = np.where(zero, 0, gk * kept ** (1 - p))
            power = np.where(ad == 0, 0, absd ** (p - 1))       # 0^(p−1) is inf for p < 1: masked
        return (np.sign(ad) * power * scale,)
    return make_result(out, (a,), backward, "vector_norm")


def norm(a: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """torch.norm: the vector norm of order ``p`` over ``dim`` ('fro' is the 2-norm of the entries)."""
    if isinstance(p, str):
        if p == "nuc":
            raise NotImplementedError("norm: the nuclear norm (p='nuc') is not supported; glassnet "
                                      "has vector norms only")
        if p != "fro":
            raise ValueError(f"norm: p must be a number, inf, -inf or 'fro', got {p!r}")
        p = 2
    if p is None:
        p = 2
    return vector_norm(a, p, dim, keepdim, dtype)


from .elementwise import maximum, minimum  # noqa: E402
