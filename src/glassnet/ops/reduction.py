"""Reductions: sum, mean, prod, max / min (with or without a dimension), argmax / argmin,
logsumexp, vector norms, and the running sum cumsum."""
from __future__ import annotations

import builtins
from typing import NamedTuple

import numpy as np

from .. import _backend
from ..tensor import Tensor, _recorders, make_result
from . import _rules
from ._util import normalize_dim, normalize_dims, unbroadcast


def _pass_through(F, g, out, x):
    return (g,)


def _expand_back(F, g, shape: tuple, dims: tuple | None, keepdim: bool):
    """Broadcast a reduced gradient back to the input's shape (a read-only view on arrays)."""
    if dims is not None and not keepdim:
        g = F.reshape(g, tuple(1 if i in dims else n for i, n in enumerate(shape)))
    return F.broadcast_to(g, shape)


def sum(a: Tensor, dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Σ a over ``dim`` (all elements when None);  ∂/∂a = 1."""
    dims = normalize_dims(dim, a._data.ndim, "sum")
    ad = a._data if dtype is None else a._data.astype(_backend.as_dtype(dtype))
    if ad.dtype == _backend.bool_:
        ad = ad.astype(_backend.int64)
    out = ad.sum(axis=dims, keepdims=keepdim)
    out = np.asarray(out, dtype=ad.dtype) if not isinstance(out, np.ndarray) else out
    shape = a._data.shape
    return make_result(out, (a,), lambda F, g, out, x: (_expand_back(F, g, shape, dims, keepdim),), "sum",
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
    return make_result(out, (a,), lambda F, g, out, x: (_expand_back(F, g / n, shape, dims, keepdim),), "mean",
                       {"dim": dims, "keepdim": keepdim} if _recorders else None)


class MaxResult(NamedTuple):
    values: Tensor
    indices: Tensor


def _extreme(a: Tensor, dim, keepdim: bool, largest: bool, op: str):
    ad = a._data
    if ad.size == 0 and dim is None:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                           f"Specify the reduction dim with the 'dim' argument (the tensor is empty).")
    if dim is None:
        # Whole-tensor max: the gradient is shared evenly between tied maxima (torch's rule).
        out = np.asarray(ad.max() if largest else ad.min())

        mask = ad == out

        def backward(F, g, out, x):
            return (mask * (g / mask.sum()),)
        return make_result(out, (a,), backward, op)
    d = normalize_dim(dim, ad.ndim, op)
    if ad.ndim == 0:                                   # a 0-d tensor is its own max, at index 0
        return MaxResult(make_result(ad.copy(), (a,), _pass_through, op),
                         Tensor._wrap(np.zeros((), dtype=np.int64)))
    if ad.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    idx = np.expand_dims(ad.argmax(axis=d) if largest else ad.argmin(axis=d), d)
    values = np.take_along_axis(ad, idx, axis=d)

    def backward(F, g, out, x):
        # The gradient goes to the one element that was selected, as torch.max(dim) does.
        return (F.put_along_axis(g if keepdim else F.reshape(g, idx.shape), idx, d, ad.shape),)
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
    if not _backend.is_floating(a._data.dtype):
        raise RuntimeError(f"var/std: std and var only support floating point and complex dtypes, "
                           f"got {a._data.dtype}; use .float() or .double() first")
    corr = (1 if unbiased else 0) if correction is None else correction
    dims = normalize_dims(dim, a._data.ndim, "var")
    n = a._data.size if dims is None else int(np.prod([a._data.shape[d] for d in dims]))
    centred = a - mean(a, dim=dims, keepdim=True)
    # n − correction ≤ 0 divides by 0 (NaN or inf), as torch's max(0, n − correction)
    with np.errstate(divide="ignore", invalid="ignore"):
        return sum(centred * centred, dim=dims, keepdim=keepdim) / builtins.max(0, n - corr)


def std(a: Tensor, dim=None, unbiased: bool = True, keepdim: bool = False, correction=None) -> Tensor:
    """√var;  ∂/∂var = 1/(2 std), taken as 0 where std = 0 (torch's rule: a constant has
    gradient 0, not 0·∞)."""
    v = var(a, dim, unbiased, keepdim, correction)
    vd = v._data
    out = _backend.sqrt(vd)

    zero = out == 0

    def backward(F, g, out, x):
        if vd.dtype == object:
            return (g / (2 * out),)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (F.where(zero, 0, g / (2 * out)),)
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
        return make_result(ad.copy(), (a,), _pass_through, "prod")
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

    kept_shape = out.shape if dim is None or keepdim else np.expand_dims(out, d).shape

    def backward(F, g, out, x):
        others = F.product_of_others(F.reshape(x, flat.shape), d)
        gk = F.reshape(g, ()) if dim is None else g if keepdim else F.reshape(g, kept_shape)
        return (F.reshape(others * gk, shape),)
    return make_result(out, (a,), backward, "prod")


def cumsum(a: Tensor, dim: int, dtype=None) -> Tensor:
    """yᵢ = Σ_{j≤i} aⱼ along ``dim``;  ∂L/∂aⱼ = Σ_{i≥j} gᵢ (a cumulative sum from the end)."""
    ad = a._data if dtype is None else a._data.astype(_backend.as_dtype(dtype))
    if ad.dtype == _backend.bool_:
        ad = ad.astype(_backend.int64)
    if ad.ndim == 0:
        normalize_dim(dim, 0, "cumsum")
        return make_result(ad.copy(), (a,), _pass_through, "cumsum")
    d = normalize_dim(dim, ad.ndim, "cumsum")
    out = np.cumsum(ad, axis=d)
    return make_result(out, (a,), lambda F, g, out, x: (F.reverse_cumsum(g, d),), "cumsum")


def logsumexp(a: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log Σ e^a over ``dim``, computed as m + log Σ e^(a − m) with m the max (no overflow);
    ∂/∂a = e^(a − out) = softmax(a) along ``dim``."""
    ad = a._data
    if not _backend.is_floating(ad.dtype):
        ad = ad.astype(_backend.get_default_dtype())             # torch: integers give floats
    dims = normalize_dims(dim, ad.ndim, "logsumexp")
    kept = _backend.logsumexp(ad, dims)
    out = kept if keepdim else kept.reshape(()) if dims is None else np.squeeze(kept, dims)

    def backward(F, g, out, x):
        gk = g if keepdim else F.reshape(g, kept.shape)
        with np.errstate(invalid="ignore"):
            return (gk * F.exp(x - F.reshape(out, kept.shape)),)
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

    def backward(F, g, out, x):
        gk = g if keepdim else F.reshape(g, kept.shape)
        if p == 0:
            return (F.zeros_like(x),)
        sign = np.sign(ad)                                      # constant: its derivative is 0
        if p in (np.inf, -np.inf):
            hit = absd == kept
            return (sign * hit * (gk / hit.sum(axis=dims, keepdims=True)),)
        if p == 1:
            return (sign * gk,)
        zero = kept == 0
        norm_k = F.reshape(out, kept.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                return (x * F.where(zero, 0, gk / F.where(zero, 1, norm_k)),)
            scale = F.where(zero, 0, gk * norm_k ** (1 - p))
            power = F.where(ad == 0, 0, F.abs(x) ** (p - 1))    # 0^(p−1) is inf for p < 1: masked
            return (sign * power * scale,)
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


# ---------------------------------------------------------------- for derivative rules

def sum_to(a: Tensor, shape: tuple) -> Tensor:
    """Sum ``a`` down to ``shape``, undoing broadcasting: the adjoint of ``expand``."""
    shape = tuple(shape)
    if a._data.shape == shape:
        return a
    extra = a._data.ndim - len(shape)
    if extra:
        a = sum(a, dim=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and a._data.shape[i] != 1)
    return sum(a, dim=axes, keepdim=True) if axes else a


def _product_of_others_arrays(x: np.ndarray, d: int) -> np.ndarray:
    """Π_{j≠i} x_j along ``d``, as (product of those before) × (product of those after), so an
    entry next to a zero gets its true value instead of 0/0."""
    xm = np.moveaxis(x, d, 0)                              # the reduced axis first
    before, after = np.ones_like(xm), np.ones_like(xm)
    before[1:] = np.cumprod(xm[:-1], axis=0)               # before[i] = Π_{j<i} x_j
    after[:-1] = np.cumprod(xm[:0:-1], axis=0)[::-1]       # after[i]  = Π_{j>i} x_j
    return np.moveaxis(before * after, 0, d)


def _product_of_others(x: Tensor, d: int) -> Tensor:
    """Π_{j≠i} x_j along ``d`` with ops: each row of an (…, n, n) copy has its own entry set to 1."""
    from .shape import movedim
    xm = movedim(x, d, -1)                                 # (…, n)
    n = xm.shape[-1]
    rows = expand(unsqueeze(xm, -2), *(xm.shape[:-1] + (n, n)))   # (…, n) → (…, n, n)
    others = prod(where(np.eye(n, dtype=bool), 1, rows), dim=-1)
    return movedim(others, -1, d)


def _reverse_cumsum_arrays(g: np.ndarray, d: int) -> np.ndarray:
    return np.flip(np.cumsum(np.flip(g, d), axis=d), d)


def _reverse_cumsum(g: Tensor, d: int) -> Tensor:
    """yⱼ = Σ_{i≥j} gᵢ along ``d`` (cumsum's adjoint);  its own adjoint is cumsum."""
    return make_result(_reverse_cumsum_arrays(g._data, d), (g,),
                       lambda F, h, out, x: (F.cumsum(h, d),), "reverse_cumsum")


def _sum_arrays(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


def _sum_tensors(x, axis=None, keepdims=False):
    return sum(x, dim=axis, keepdim=keepdims)


from .elementwise import abs, maximum, minimum, where  # noqa: E402
from .shape import expand, unsqueeze  # noqa: E402

_rules.define("sum_to", unbroadcast, sum_to)
_rules.define("sum", _sum_arrays, _sum_tensors)
_rules.define("product_of_others", _product_of_others_arrays, _product_of_others)
_rules.define("cumsum", lambda x, d: np.cumsum(x, axis=d), cumsum)
_rules.define("reverse_cumsum", _reverse_cumsum_arrays, _reverse_cumsum)
_rules.define("abs", np.abs, abs)
