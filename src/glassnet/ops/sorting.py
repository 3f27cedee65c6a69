"""Ordering, selection and counting: sort, argsort, topk, kthvalue, median, amax / amin,
any / all, unique, bincount, histc; the running product cumprod; isclose / allclose; meshgrid.

Whatever selects entries (sort, topk, kthvalue, median with a dim) is a gather
(``take_along_axis``), so its gradient is the scatter back to the chosen positions. NaN sorts
as the largest value, as in torch.
"""
from __future__ import annotations

import builtins
from typing import NamedTuple

import numpy as np

from .. import _backend
from ..errors import ShapeError
from ..tensor import Tensor, _recorders, make_result
from . import _rules
from ._util import as_tensor, normalize_dim, normalize_dims


class SortResult(NamedTuple):
    values: Tensor
    indices: Tensor


class TopkResult(NamedTuple):
    values: Tensor
    indices: Tensor


class KthvalueResult(NamedTuple):
    values: Tensor
    indices: Tensor


class MedianResult(NamedTuple):
    values: Tensor
    indices: Tensor


def _is_float(ad: np.ndarray) -> bool:
    return ad.dtype.kind == "f"


def _argsort(ad: np.ndarray, d: int, descending: bool) -> np.ndarray:
    """Stable order along ``d``: ties keep their original order, NaN counts as the largest."""
    if not descending:
        return np.argsort(ad, axis=d, kind="stable")
    # sort the reversed array ascending (ties then come last-first), reverse that order and
    # map the positions back: descending values, ties first-first, NaN in front
    rev = np.argsort(np.flip(ad, d), axis=d, kind="stable")
    return ad.shape[d] - 1 - np.flip(rev, d)


def _gather(a: Tensor, idx: np.ndarray, d: int) -> Tensor:
    from .shape import take_along_axis
    return take_along_axis(a, idx, d)


def _as_index(idx: np.ndarray) -> Tensor:
    return Tensor._wrap(np.ascontiguousarray(idx, dtype=np.int64))


def _pass_through(F, g, out, x):
    return (g,)


def _zero_dim(a: Tensor, dim, op: str) -> tuple:
    """A 0-d tensor sorts / selects to itself, index 0."""
    normalize_dim(dim, 0, op)
    return make_result(a._data.copy(), (a,), _pass_through, op), _as_index(np.zeros((), np.int64))


# ---------------------------------------------------------------- sort and selection

def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:
    """The values along ``dim`` in ascending (descending) order, and where each came from.
    The order is always stable (equal values keep their order), which ``stable=True`` asks for.
    ∂/∂input: the gradient of each sorted value goes back to its original position."""
    a = as_tensor(input)
    if a.ndim == 0:
        return SortResult(*_zero_dim(a, dim, "sort"))
    d = normalize_dim(dim, a.ndim, "sort")
    idx = _argsort(a._data, d, descending)
    return SortResult(_gather(a, idx, d), _as_index(idx))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``)."""
    a = as_tensor(input)
    if a.ndim == 0:
        normalize_dim(dim, 0, "argsort")
        return _as_index(np.zeros((), np.int64))
    d = normalize_dim(dim, a.ndim, "argsort")
    return _as_index(_argsort(a._data, d, descending))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopkResult:
    """The ``k`` largest (smallest) values along ``dim`` with their indices, largest first
    (always sorted: ``sorted=False`` allows any order, and sorted is one)."""
    a = as_tensor(input)
    n = a.shape[normalize_dim(dim, a.ndim, "topk")] if a.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k out of range (k = {k}, the dimension has size {n})")
    if a.ndim == 0:
        return TopkResult(*_zero_dim(a, dim, "topk"))
    d = normalize_dim(dim, a.ndim, "topk")
    idx = np.take(_argsort(a._data, d, largest), np.arange(k), axis=d)
    return TopkResult(_gather(a, idx, d), _as_index(idx))


def _select(a: Tensor, idx: np.ndarray, d: int, keepdim: bool, result):
    """Values and indices at ``idx`` (kept dimension of size 1 along ``d``)."""
    from .shape import squeeze
    values = _gather(a, idx, d)
    if not keepdim:
        values, idx = squeeze(values, d), np.squeeze(idx, d)
    return result(values, _as_index(idx))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> KthvalueResult:
    """The k-th smallest value along ``dim`` (k counts from 1) and its index."""
    a = as_tensor(input)
    d = normalize_dim(dim, a.ndim, "kthvalue")
    n = a.shape[d] if a.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d} "
                           f"(k = {k}, size {n})")
    if a.ndim == 0:
        return KthvalueResult(*_zero_dim(a, dim, "kthvalue"))
    idx = np.take(_argsort(a._data, d, False), [k - 1], axis=d)
    return _select(a, idx, d, keepdim, KthvalueResult)


def _as_weights(hit: np.ndarray, count, dtype) -> tuple:
    """A tie mask and its count in the values' dtype (exact: Python ints, so 1/2 stays a SymPy 1/2)."""
    dt = dtype if _backend.is_floating(dtype) else np.dtype(np.float64)
    if dt == object:
        hit, count = hit.astype(np.int64), np.asarray(count, dtype=np.int64)   # SymPy: no bools
    return hit.astype(dt), np.asarray(count).astype(dt)


def _evenly(a: Tensor, value: np.ndarray, op: str) -> Tensor:
    """A whole-tensor statistic equal to some entries: the gradient is shared evenly by every
    entry equal to it (by every NaN when it is NaN), torch's rule for max(), median()."""
    ad = a._data
    hit = np.isnan(ad) if _is_float(ad) and np.isnan(value) else ad == value
    hit, count = _as_weights(hit, hit.sum(), ad.dtype)

    def backward(F, g, out, x):
        return (hit * (g / count),)
    return make_result(np.asarray(value, dtype=ad.dtype), (a,), backward, op)


def _median_index(ad: np.ndarray, d: int, ignore_nan: bool) -> np.ndarray:
    """Position (kept dimension) of the lower median along ``d``: the ⌊(n−1)/2⌋-th smallest.
    median: a slice holding NaN gives its first NaN; nanmedian: the NaN are left out."""
    order = _argsort(ad, d, False)                       # NaN sort last
    n = ad.shape[d]
    if not _is_float(ad):
        return np.take(order, [(n - 1) // 2], axis=d)
    nan = np.isnan(ad)
    if ignore_nan:
        count = n - nan.sum(axis=d, keepdims=True)       # the numbers in each slice
        pos = np.maximum(count - 1, 0) // 2
        return np.take_along_axis(order, pos, axis=d)
    idx = np.take(order, [(n - 1) // 2], axis=d)
    return np.where(nan.any(axis=d, keepdims=True), np.argmax(nan, axis=d, keepdims=True), idx)


def _median(input, dim, keepdim: bool, ignore_nan: bool, op: str):
    a = as_tensor(input)
    ad = a._data
    if dim is None:
        if ad.size == 0:
            return make_result(np.asarray(np.nan, dtype=ad.dtype), (a,),
                               lambda F, g, out, x: (F.zeros_like(x),), op)
        flat = ad.reshape(-1)                             # (…) → (n,)
        i = _median_index(flat, 0, ignore_nan)[0]
        return _evenly(a, flat[i], op)
    if a.ndim == 0:
        return MedianResult(*_zero_dim(a, dim, op))
    d = normalize_dim(dim, ad.ndim, op)
    if ad.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    return _select(a, _median_index(ad, d, ignore_nan), d, keepdim, MedianResult)


def median(input: Tensor, dim=None, keepdim: bool = False):
    """The lower median (the ⌊(n−1)/2⌋-th smallest value; NaN if there is a NaN): over all
    entries a tensor, whose gradient is shared by the entries equal to it; along ``dim`` a
    (values, indices) pair, the gradient going to the index."""
    return _median(input, dim, keepdim, False, "median")


def nanmedian(input: Tensor, dim=None, keepdim: bool = False):
    """median leaving NaN out (NaN only where a slice is all NaN)."""
    return _median(input, dim, keepdim, True, "nanmedian")


# ---------------------------------------------------------------- amax / amin, any / all

def _amax_amin(input, dim, keepdim: bool, largest: bool, op: str) -> Tensor:
    a = as_tensor(input)
    ad = a._data
    dims = normalize_dims(dim, ad.ndim, op)
    if ad.size == 0 and (dims is None or builtins.any(ad.shape[d] == 0 for d in dims)):
        if dims is None:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                               f"Specify the reduction dim with the 'dim' argument.")
        raise IndexError(f"{op}(): Expected reduction dim {dims[0]} to have non-zero size.")
    kept = np.asarray(ad.max(axis=dims, keepdims=True) if largest else ad.min(axis=dims, keepdims=True))
    out = kept if keepdim else kept.reshape(()) if dims is None else np.squeeze(kept, dims)
    hit = ad == kept                                     # the entries that attain it (constant)
    hit, count = _as_weights(hit, hit.sum(axis=dims, keepdims=True), ad.dtype)

    def backward(F, g, out, x):
        # shared evenly between ties, as torch's amax / amin (max(dim) picks one instead)
        gk = g if keepdim else F.reshape(g, kept.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (hit * (gk / count),)
    return make_result(out, (a,), backward, op,
                       {"dim": dims, "keepdim": keepdim} if _recorders else None)


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The largest value over ``dim`` (an int or tuple; () or None: every dimension)."""
    return _amax_amin(input, dim, keepdim, True, "amax")


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The smallest value over ``dim`` (an int or tuple; () or None: every dimension)."""
    return _amax_amin(input, dim, keepdim, False, "amin")


def _any_all(input, dim, keepdim: bool, fn, op: str) -> Tensor:
    ad = as_tensor(input)._data
    dims = normalize_dims(dim, ad.ndim, op)
    out = np.asarray(fn(ad, axis=dims, keepdims=keepdim))
    return Tensor._wrap(out.astype(np.uint8) if ad.dtype == np.uint8 else out)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """True where some entry over ``dim`` is non-zero (uint8 in, uint8 out, as torch)."""
    return _any_all(input, dim, keepdim, np.any, "any")


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """True where every entry over ``dim`` is non-zero."""
    return _any_all(input, dim, keepdim, np.all, "all")


# ---------------------------------------------------------------- counting

def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim=None):
    """The distinct values (slices along ``dim``), in ascending order; optionally where each
    entry went (``inverse``: out[inverse] == input) and how often each occurs."""
    ad = as_tensor(input)._data
    if dim is not None:
        d = normalize_dim(dim, ad.ndim, "unique")
        vals, inv, counts = np.unique(ad, return_inverse=True, return_counts=True, axis=d)
        inv = inv.reshape(-1)
    else:
        vals, inv, counts = np.unique(ad, return_inverse=True, return_counts=True, equal_nan=False)
        inv = inv.reshape(ad.shape)
    out = Tensor._wrap(vals)
    extra = ([_as_index(inv)] if return_inverse else []) + ([_as_index(counts)] if return_counts else [])
    return (out, *extra) if extra else out


def bincount(input: Tensor, weights=None, minlength: int = 0) -> Tensor:
    """out[v] = how many times v occurs in ``input`` (the sum of its ``weights``), length
    max(input) + 1 or ``minlength``. ∂out[v]/∂weights[i] = 1 where input[i] = v (a gather)."""
    ad = as_tensor(input)._data
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    if ad.ndim != 1 or ad.dtype.kind not in "iub" or (ad.size and ad.min() < 0):
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs "
                           f"(got shape {tuple(ad.shape)}, dtype {ad.dtype}).")
    length = builtins.max(int(ad.max()) + 1 if ad.size else 0, minlength)
    if weights is None:
        return Tensor._wrap(np.bincount(ad, minlength=length).astype(np.int64))
    w = as_tensor(weights)
    wd = w._data
    if wd.ndim != 1 or wd.shape[0] != ad.shape[0]:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input "
                           f"(input {tuple(ad.shape)}, weights {tuple(wd.shape)})")
    dtype = wd.dtype if _backend.is_floating(wd.dtype) else np.dtype(np.float64)
    out = np.zeros(length, dtype=dtype)
    np.add.at(out, ad, wd.astype(dtype, copy=False))
    index = ad.astype(np.intp)

    def backward(F, g, out, x):
        return (F.cast(g[index], wd.dtype),)
    return make_result(out, (w,), backward, "bincount")


def histc(input: Tensor, bins: int = 100, min=0, max=0) -> Tensor:
    """A histogram of ``bins`` equal bins over [min, max] (the data's range when min = max);
    values outside are left out, max goes in the last bin. Not differentiable (a count)."""
    ad = as_tensor(input)._data
    if not _is_float(ad):
        raise NotImplementedError(f"histc: not implemented for {ad.dtype}; use a floating point tensor")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if lo == hi and ad.size:
        lo, hi = float(np.min(ad)), float(np.max(ad))
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    lo, hi = ad.dtype.type(lo), ad.dtype.type(hi)             # torch computes in the input's dtype
    x = ad.reshape(-1)                                        # (…) → (n,)
    x = x[(x >= lo) & (x <= hi)]                              # NaN and values outside: left out
    # bin ⌊(x − min)·bins / (max − min)⌋ in this order of operations (torch's), max in the last
    pos = np.minimum(((x - lo) * ad.dtype.type(bins) / (hi - lo)).astype(np.int64), bins - 1)
    return Tensor._wrap(np.bincount(pos, minlength=bins).astype(ad.dtype))


# ---------------------------------------------------------------- cumprod

def cumprod(input: Tensor, dim: int, dtype=None) -> Tensor:
    """yᵢ = Π_{j≤i} aⱼ along ``dim``;  ∂L/∂aᵢ = Σ_{j≥i} gⱼ Π_{k≤j, k≠i} aₖ, computed without
    dividing by aᵢ where some entry is 0 (``cumprod_backward``)."""
    a = as_tensor(input)
    ad = a._data if dtype is None else a._data.astype(_backend.as_dtype(dtype))
    if ad.dtype == _backend.bool_:
        ad = ad.astype(_backend.int64)
    if ad.ndim == 0:
        normalize_dim(dim, 0, "cumprod")
        return make_result(ad.copy(), (a,), _pass_through, "cumprod")
    d = normalize_dim(dim, ad.ndim, "cumprod")
    out = np.cumprod(ad, axis=d)
    in_dtype = a._data.dtype

    def backward(F, g, out, x):
        x = F.cast(x, out.dtype) if dtype is not None else x
        grad = F.cumprod_backward(g, x, out, d)
        return (F.cast(grad, in_dtype) if dtype is not None else grad,)
    return make_result(out, (a,), backward, "cumprod")


def _cumprod_backward_arrays(g, x, out, d: int):
    """O(n): before the first zero, Σ_{j≥i} gⱼyⱼ / xᵢ; at the first zero z, Σ_{j≥z} gⱼ Π_{k≤j,k≠z} xₖ
    (the cumulative product with x_z set to 1); after it, 0 (each product holds x_z = 0)."""
    xm, gm, om = (np.moveaxis(np.asarray(v), d, -1) for v in (x, g, out))   # (…, n)
    n = xm.shape[-1]
    pos = np.arange(n)
    zero = xm == 0
    first = np.where(zero.any(-1, keepdims=True), np.argmax(zero, -1)[..., None], n)  # (…, 1)
    rcs = np.flip(np.cumsum(np.flip(gm * om, -1), -1), -1)
    before = pos < first
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = np.where(before, rcs / np.where(before, xm, 1), 0)
    if zero.any():
        at = pos == first
        skip = np.cumprod(np.where(at, 1, xm), -1)          # Π_{k≤j, k≠z} x_k
        at_first = np.sum(np.where(pos >= first, gm * skip, 0), -1, keepdims=True)
        grad = np.where(at, at_first, grad)
    return np.moveaxis(grad, -1, d)


def _cumprod_backward_tensors(g: Tensor, x: Tensor, out: Tensor, d: int) -> Tensor:
    """The same with ops, differentiable again: Σ_{j≥i} gⱼyⱼ / xᵢ when no entry is 0, else the
    O(n²) form Σ_j gⱼ·C[i, j], C[i, j] = Π_{k≤j} (x with xᵢ set to 1)ₖ for j ≥ i (torch does
    the same: the O(n) trick has the wrong second derivative at zeros)."""
    from .elementwise import where
    from .reduction import _reverse_cumsum, sum
    from .shape import expand, movedim, unsqueeze
    if not (x._data == 0).any():
        return _reverse_cumsum(g * out, d) / x
    xm, gm = movedim(x, d, -1), movedim(g, d, -1)                  # (…, n)
    n = xm.shape[-1]
    rows = expand(unsqueeze(xm, -2), *(xm.shape[:-1] + (n, n)))     # (…, n) → (…, n_i, n_k)
    c = cumprod(where(np.eye(n, dtype=bool), 1, rows), -1)          # C[i, j]
    upper = np.triu(np.ones((n, n), dtype=bool))                    # j ≥ i
    grad = sum(where(upper, c, 0) * unsqueeze(gm, -2), dim=-1)      # (…, n_i, n_j) → (…, n_i)
    return movedim(grad, -1, d)


_rules.define("cumprod_backward", _cumprod_backward_arrays, _cumprod_backward_tensors)


# ---------------------------------------------------------------- comparisons, grids

def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|input − other| ≤ atol + rtol·|other| elementwise (equal infinities are close; NaN only
    with ``equal_nan``)."""
    a, b = as_tensor(input)._data, as_tensor(other)._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"isclose: {a.dtype} did not match {b.dtype}")
    if rtol < 0:
        raise RuntimeError(f"isclose: rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"isclose: atol must be greater than or equal to zero, but got {atol}")
    try:
        close = a == b
    except ValueError:
        close = None
    if close is None or np.shape(close) != np.broadcast_shapes(a.shape, b.shape):
        raise ShapeError(f"isclose: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast")
    if a.dtype == np.bool_:
        return Tensor._wrap(np.asarray(close))
    if a.dtype != object and not _is_float(a):
        a, b = a.astype(np.float64), b.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(a - b)
        close = close | ((err <= atol + np.abs(rtol * b)) & np.isfinite(err.astype(float)))
    if equal_nan and a.dtype != object:
        close = close | (np.isnan(a) & np.isnan(b))
    return Tensor._wrap(np.asarray(close, dtype=bool))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """isclose everywhere, as a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


MESHGRID_INDEXING = ("ij", "xy")


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors: with 'ij' output k varies along dimension k
    (shape (n₀, n₁, …)); with 'xy' the first two dimensions are swapped (shape (n₁, n₀, …)).
    Each grid is a broadcast view, so its gradient is summed back to its vector."""
    from .shape import expand, reshape
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = "ij" if indexing is None else indexing
    if indexing not in MESHGRID_INDEXING:
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    tensors = [as_tensor(t) for t in tensors]
    for t in tensors:
        if t.ndim > 1:
            raise ShapeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got "
                             f"shape {tuple(t.shape)}")
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    sizes = [t.numel() for t in tensors]
    axis = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        axis[0], axis[1] = 1, 0
    shape = [0] * len(tensors)
    for k, n in zip(axis, sizes):
        shape[k] = n
    out = []
    for t, k, n in zip(tensors, axis, sizes):
        lone = [1] * len(tensors)
        lone[k] = n
        out.append(expand(reshape(t, tuple(lone)), *shape))     # (n,) → (1, …, n, …, 1) → grid
    return tuple(out)


def install_methods(T) -> None:
    """The Tensor methods of this module (torch.Tensor has each of these names)."""
    T.sort, T.argsort, T.topk, T.kthvalue, T.median, T.nanmedian = (
        sort, argsort, topk, kthvalue, median, nanmedian)
    T.amax, T.amin, T.any, T.all, T.unique, T.bincount, T.histc = (
        amax, amin, any, all, unique, bincount, histc)
    T.cumprod, T.isclose, T.allclose = cumprod, isclose, allclose
