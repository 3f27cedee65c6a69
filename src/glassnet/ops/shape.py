"""Ops that move values around without arithmetic: reshape, transpose, indexing,
concatenation, dtype casts. Their backward moves the gradient back the same way."""
from __future__ import annotations

import numpy as np

from .. import _backend
from ..errors import ShapeError
from ..tensor import Tensor, _recorders, make_result
from . import _rules
from ._util import normalize_dim


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def reshape(a: Tensor, *shape) -> Tensor:
    """The same values in a new shape (one dimension may be −1);  gradient reshaped back."""
    shape = _shape_arg(shape)
    ad = a._data
    try:
        out = ad.reshape(shape)
    except ValueError:
        raise ShapeError(f"reshape: shape {shape} is invalid for a tensor of shape {ad.shape} "
                         f"({ad.size} elements)") from None
    in_shape = ad.shape
    return make_result(out, (a,), lambda F, g, out, x: (F.reshape(g, in_shape),), "reshape",
                       view_of=None if out.flags.owndata else a)


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim…end_dim into one: (N, C, L) → (N, C·L) for start_dim=1."""
    ad = a._data
    if ad.ndim == 0:
        return reshape(a, 1)
    s = normalize_dim(start_dim, ad.ndim, "flatten")
    e = normalize_dim(end_dim, ad.ndim, "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(a, ad.shape[:s] + (-1,) + ad.shape[e + 1:])


def permute(a: Tensor, *dims) -> Tensor:
    """Reorder dimensions;  the gradient is permuted back by the inverse order."""
    dims = _shape_arg(dims)
    ad = a._data
    if len(dims) != ad.ndim:
        raise ShapeError(f"permute: got {len(dims)} dimensions {dims} for a tensor with {ad.ndim}")
    dims = tuple(normalize_dim(d, ad.ndim, "permute") for d in dims)
    inverse = tuple(np.argsort(dims))
    return make_result(ad.transpose(dims), (a,), lambda F, g, out, x: (F.transpose(g, inverse),), "permute", view_of=a)


def transpose(a: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions;  the gradient is swapped back."""
    ad = a._data
    d0, d1 = normalize_dim(dim0, ad.ndim, "transpose"), normalize_dim(dim1, ad.ndim, "transpose")
    return make_result(np.swapaxes(ad, d0, d1), (a,),
                       lambda F, g, out, x: (F.swapaxes(g, d0, d1),), "transpose", view_of=a)


def t(a: Tensor) -> Tensor:
    """Transpose of a matrix (0-D and 1-D tensors are returned as they are)."""
    if a._data.ndim > 2:
        raise ShapeError(f"t() expects a tensor with ≤ 2 dimensions, got shape {a.shape}; "
                         f"use transpose(dim0, dim1) or permute")
    if a._data.ndim < 2:
        return a
    return transpose(a, 0, 1)


def T(a: Tensor) -> Tensor:
    """All dimensions reversed (the matrix transpose for 2-D tensors)."""
    if a._data.ndim < 2:
        return a
    return permute(a, *reversed(range(a._data.ndim)))


def squeeze(a: Tensor, dim=None) -> Tensor:
    ad = a._data
    if dim is None:
        return reshape(a, tuple(s for s in ad.shape if s != 1))
    dims = {normalize_dim(d, ad.ndim, "squeeze") for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
    keep = tuple(s for i, s in enumerate(ad.shape) if not (i in dims and s == 1))
    return a if keep == ad.shape else reshape(a, keep)


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    ad = a._data
    d = normalize_dim(dim, ad.ndim + 1, "unsqueeze")
    return reshape(a, ad.shape[:d] + (1,) + ad.shape[d:])


def movedim(a: Tensor, source, destination) -> Tensor:
    """Move dimension(s) ``source`` to position(s) ``destination``, the others keeping their order."""
    ad = a._data
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                         f"contain the same number of dims as destination ({list(dst)} dims)")
    src = tuple(normalize_dim(d, ad.ndim, "movedim") for d in src)
    dst = tuple(normalize_dim(d, ad.ndim, "movedim") for d in dst)
    order = [d for d in range(ad.ndim) if d not in src]
    for d, s_ in sorted(zip(dst, src)):
        order.insert(d, s_)
    return a if tuple(order) == tuple(range(ad.ndim)) else permute(a, *order)


def expand(a: Tensor, *sizes) -> Tensor:
    """A broadcast view to ``sizes`` (−1 keeps a size);  the gradient is summed back."""
    sizes = _shape_arg(sizes)
    ad = a._data
    lead = len(sizes) - ad.ndim
    target = tuple(ad.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    try:
        out = np.broadcast_to(ad, target)
    except ValueError:
        raise ShapeError(f"expand: cannot expand shape {ad.shape} to {sizes}") from None
    return make_result(out, (a,), lambda F, g, out, x: (F.sum_to(g, ad.shape),), "expand", view_of=a)


def _index_arrays(index):
    """Tensors inside an index become arrays; returns (index, is_basic)."""
    if isinstance(index, Tensor):
        return index._data, False
    if isinstance(index, tuple):
        parts = tuple(p._data if isinstance(p, Tensor) else p for p in index)
        basic = all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice))
                    for p in parts)
        return parts, basic
    if index is None or index is Ellipsis or isinstance(index, (int, np.integer, slice)):
        return index, True
    return np.asarray(index), False


def getitem(a: Tensor, index) -> Tensor:
    """a[index] with NumPy's indexing rules;  the gradient is scattered back (and summed
    where an advanced index picks the same element twice)."""
    index, basic = _index_arrays(index)
    ad = a._data
    try:
        out = ad[index]
    except IndexError as exc:
        raise IndexError(f"index {index!r} is out of range for a tensor of shape {ad.shape}: {exc}") from None
    # Basic indexing gives a view, as in torch: ``w[0].zero_()`` under no_grad changes w.
    if basic and not isinstance(out, np.ndarray):
        # a full integer index gives NumPy a scalar copy; the trailing ``...`` keeps a 0-d view
        parts = index if isinstance(index, tuple) else (index,)
        if Ellipsis not in parts:
            out = ad[parts + (Ellipsis,)]

    shape = ad.shape
    return make_result(np.asarray(out), (a,), lambda F, g, out, x: (F.index_backward(g, shape, index, basic),),
                       "index", view_of=a if basic else None)


def cat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension;  each gets its slice of the gradient."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    arrays = [t._data for t in tensors]
    d = normalize_dim(dim, arrays[0].ndim, "cat")
    try:
        out = np.concatenate(arrays, axis=d)
    except ValueError:
        raise ShapeError(f"cat: shapes {[x.shape for x in arrays]} differ outside dimension {d}") from None
    bounds = np.cumsum([x.shape[d] for x in arrays])[:-1]

    starts = (0,) + tuple(int(b) for b in bounds)
    ends = starts[1:] + (out.shape[d],)
    lead = (slice(None),) * d

    def backward(F, g, out, *inputs):
        return tuple(g[lead + (slice(lo, hi),)] for lo, hi in zip(starts, ends))
    return make_result(out, tuple(tensors), backward, "cat", {"dim": d} if _recorders else None)


def stack(tensors, dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dimension."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    shapes = {t._data.shape for t in tensors}
    if len(shapes) != 1:
        raise ShapeError(f"stack: all tensors must have the same shape, got {[t.shape for t in tensors]}")
    d = normalize_dim(dim, tensors[0]._data.ndim + 1, "stack")
    out = np.stack([t._data for t in tensors], axis=d)

    lead = (slice(None),) * d

    def backward(F, g, out, *inputs):
        return tuple(g[lead + (i,)] for i in range(len(tensors)))
    return make_result(out, tuple(tensors), backward, "stack", {"dim": d} if _recorders else None)


def to_dtype(a: Tensor, dtype) -> Tensor:
    """The values cast to ``dtype``;  the gradient is cast back to a's dtype."""
    dt = _backend.as_dtype(dtype)
    ad = a._data
    if ad.dtype == dt:
        return a
    in_dtype = ad.dtype
    if not _backend.is_floating(dt):
        return Tensor._wrap(ad.astype(dt))
    out = _backend.as_exact(ad) if dt == _backend.exact else ad.astype(dt)   # 0.1 → 1/10
    return make_result(out, (a,), lambda F, g, out, x: (F.cast(g, in_dtype),), "to")


def clone(a: Tensor) -> Tensor:
    return make_result(a._data.copy(), (a,), lambda F, g, out, x: (g,), "clone")


# ---------------------------------------------------------------- for derivative rules

def _index_backward_arrays(g: np.ndarray, shape: tuple, index, basic: bool) -> np.ndarray:
    full = np.zeros(shape, dtype=np.asarray(g).dtype)
    if basic:
        full[index] = g
    else:
        np.add.at(full, index, g)
    return full


def index_backward(g: Tensor, shape: tuple, index, basic: bool) -> Tensor:
    """Zeros of ``shape`` with ``g`` put (added, for repeated advanced indices) at ``index``:
    the adjoint of ``a[index]``, whose own adjoint is ``a[index]`` again."""
    return make_result(_index_backward_arrays(g._data, shape, index, basic), (g,),
                       lambda F, h, out, x: (h[index],), "index_backward")


def take_along_axis(a: Tensor, indices: np.ndarray, dim: int) -> Tensor:
    """a's entries at ``indices`` along ``dim`` (np.take_along_axis);  the gradient is put back."""
    shape = a._data.shape
    return make_result(np.take_along_axis(a._data, indices, axis=dim), (a,),
                       lambda F, g, out, x: (F.put_along_axis(g, indices, dim, shape),), "take_along_axis")


def _put_along_axis_arrays(g: np.ndarray, indices: np.ndarray, dim: int, shape: tuple) -> np.ndarray:
    full = np.zeros(shape, dtype=g.dtype)
    np.put_along_axis(full, indices, g, axis=dim)
    return full


def put_along_axis(g: Tensor, indices: np.ndarray, dim: int, shape: tuple) -> Tensor:
    """Zeros of ``shape`` with ``g`` at ``indices`` along ``dim`` (indices distinct along it):
    the adjoint of ``take_along_axis``."""
    return make_result(_put_along_axis_arrays(g._data, indices, dim, shape), (g,),
                       lambda F, h, out, x: (F.take_along_axis(h, indices, dim),), "put_along_axis")


def _cast_arrays(x: np.ndarray, dtype) -> np.ndarray:
    return x.astype(dtype) if x.dtype != dtype else x


_rules.define("reshape", np.reshape, reshape)
_rules.define("transpose", np.transpose, lambda x, axes: permute(x, *axes))
_rules.define("swapaxes", np.swapaxes, transpose)
_rules.define("broadcast_to", np.broadcast_to, lambda x, shape: expand(x, *shape))
_rules.define("cast", _cast_arrays, to_dtype)
_rules.define("index_backward", _index_backward_arrays, index_backward)
_rules.define("take_along_axis", lambda x, indices, dim: np.take_along_axis(x, indices, axis=dim),
              take_along_axis)
_rules.define("put_along_axis", _put_along_axis_arrays, put_along_axis)
