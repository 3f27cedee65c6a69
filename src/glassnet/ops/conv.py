"""Convolution (torch's cross-correlation) over 1-D and 2-D signals, fused into one op.

    y[n, o, p] = b[o] + Σ_c Σ_j w[o, c, j] · x_pad[n, c, p·s + j·d]

It is fused (not composed from primitives) because speed demands it: the forward
gathers every receptive field into one column matrix (im2col) and does a single GEMM;
the backward is two GEMMs plus a col2im that adds the overlapping windows back.
Those two are ops of their own, so that gradients of gradients exist:

    ∂L/∂x = conv_input_grad(g, W)   (Wᵀ ⋆ g, a transposed convolution)
    ∂L/∂W = conv_weight_grad(x, g)  (x ⋆ g, a correlation)

Both are bilinear, and their derivatives are the convolution and each other again, so the
three are closed under differentiation (see their docstrings).

Layout: the columns are (groups, C/g · k, P · N) — channel·kernel rows, position·batch
columns, gathered from a batch-last copy (C, *S, N) of the padded input — so the GEMM's
long dimension is P·N and the copies move long contiguous runs. The output (N, O, *out) is a
view of the GEMM's result, batch-last in memory, and so is the input's gradient: layers that
follow keep that memory order, so stacked convolutions never transpose between layers.
The op's private arrays (padded input, columns, ∂L/∂columns) are recycled between steps
(``_Scratch``), which spares the page faults of mapping fresh memory every step.
"""
from __future__ import annotations

import math
import weakref
from collections import OrderedDict

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..errors import ShapeError
from ..tensor import Tensor, make_result
from . import _rules, reduction

__all__ = ["conv1d", "conv2d"]


# ---------------------------------------------------------------- argument helpers
# (shared with ops/pooling.py)

def as_tuple(value, nd: int, name: str, op: str) -> tuple:
    """An int or a sequence of 1 or nd ints as an nd-tuple of ints (torch's rule)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * nd
    try:
        vals = tuple(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {nd} ints, "
                        f"got {type(value).__name__}") from None
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in vals):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {nd} ints, got {value!r}")
    if len(vals) == 1:
        return (int(vals[0]),) * nd
    if len(vals) != nd:
        raise ShapeError(f"{op}: expected {name} to be a single integer value or a list of {nd} "
                         f"values to match the convolution dimensions, but got {name}={list(vals)}")
    return tuple(int(v) for v in vals)


def check_input_ndim(xd: np.ndarray, nd: int, op: str, layout: str) -> bool:
    """Raise unless the input is (C, *S) or (N, C, *S); return True when it is unbatched."""
    if xd.ndim not in (nd + 1, nd + 2):
        raise ShapeError(f"{op}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input "
                         f"{layout}, but got input of shape {tuple(xd.shape)}")
    return xd.ndim == nd + 1


def pad_array(xd: np.ndarray, lo: tuple, hi: tuple, value=0) -> np.ndarray:
    """Pad the trailing len(lo) axes of ``xd`` with ``value`` (lo before, hi after)."""
    nd = len(lo)
    if not any(lo) and not any(hi):
        return xd
    lead = xd.shape[:xd.ndim - nd]
    # in xd's memory order (a batch-last input stays batch-last)
    out = np.empty_like(xd, shape=lead + tuple(n + a + b for n, a, b in zip(xd.shape[-nd:], lo, hi)))
    out.fill(value)
    out[(...,) + tuple(slice(a, a + n) for a, n in zip(lo, xd.shape[-nd:]))] = xd
    return out


def window_slices(offset: tuple, dilation: tuple, stride: tuple, out: tuple) -> tuple:
    """Slices that pick, for kernel offset ``offset``, the input element of every window."""
    return tuple(slice(j * d, j * d + s * (o - 1) + 1, s)
                 for j, d, s, o in zip(offset, dilation, stride, out))


# ---------------------------------------------------------------- scratch arrays

class _Scratch:
    """Recycles the big private arrays of the convolutions (the im2col columns, the padded
    input, ∂L/∂columns) from one training step to the next.

    Why: a fresh multi-megabyte array costs a page fault per 4 KiB page when the C allocator
    has handed the previous one back to the operating system, which glibc does for large
    blocks; for a LeNet-sized training step that was about half of the step's time. A
    recycled array is already mapped.

    ``take`` returns a *view* of a pooled buffer; when the last reference to that view goes
    (the op's backward has run and its graph is freed), ``weakref.finalize`` hands the buffer
    back. Only arrays that never leave the op are taken from here (an op's output could be
    viewed by its user after the op lets go of it). At most ``limit`` bytes wait in the pool,
    the least recently returned going first.
    """

    def __init__(self, limit: int = 128 * 2 ** 20) -> None:
        self.limit, self.held = limit, 0
        self.free: OrderedDict = OrderedDict()          # key → [buffers]

    def take(self, key: tuple, shape: tuple, dtype, new_zeroed: bool = False) -> np.ndarray:
        """A private (shape, dtype) array: a recycled one of the same ``key`` as its last user
        left it, or a new one (zero-filled if ``new_zeroed``)."""
        dtype = np.dtype(dtype)
        if dtype == object:                             # exact mode: nothing to gain
            return np.zeros(shape, dtype) if new_zeroed else np.empty(shape, dtype)
        key = key + (tuple(shape), dtype.str)
        stack = self.free.get(key)
        if stack:
            buf = stack.pop()
            self.held -= buf.nbytes
            if not stack:
                del self.free[key]
        else:
            buf = np.zeros(shape, dtype) if new_zeroed else np.empty(shape, dtype)
        view = buf[...]
        weakref.finalize(view, self._give_back, key, buf)
        return view

    def _give_back(self, key: tuple, buf: np.ndarray) -> None:
        if buf.nbytes > self.limit:
            return
        while self.held + buf.nbytes > self.limit and self.free:
            _, stack = self.free.popitem(last=False)    # forget the least recently used
            self.held -= sum(b.nbytes for b in stack)
        self.free.setdefault(key, []).append(buf)
        self.free.move_to_end(key)
        self.held += buf.nbytes


_scratch = _Scratch()


# ---------------------------------------------------------------- the op

class _Geometry:
    """Everything about one convolution except its values: the shapes, stride, padding,
    dilation and groups. The convolution and its two gradient ops share one, so that the
    gradient ops' own gradients (convolutions again) have the same geometry."""

    def __init__(self, nd: int, x_shape: tuple, w_shape: tuple, stride: tuple, lo: tuple,
                 hi: tuple, dilation: tuple, groups: int) -> None:
        self.nd, self.x_shape, self.w_shape = nd, tuple(x_shape), tuple(w_shape)
        self.stride, self.lo, self.hi, self.dilation, self.groups = stride, lo, hi, dilation, groups
        self.unbatched = len(x_shape) == nd + 1
        xb = (1,) + self.x_shape if self.unbatched else self.x_shape      # (N, C, *S)
        self.N, self.C, self.S = xb[0], xb[1], xb[2:]
        self.O, self.Cg, self.K = w_shape[0], w_shape[1], tuple(w_shape[2:])
        self.padded = tuple(n + a + b for n, a, b in zip(self.S, lo, hi))
        extent = tuple(d * (k - 1) + 1 for d, k in zip(dilation, self.K))
        self.out = tuple((p - e) // s + 1 for p, e, s in zip(self.padded, extent, stride))
        self.P, self.KK = math.prod(self.out), math.prod(self.K)
        self.spatial_axes = tuple(range(2, 2 + nd))
        self.to_batch_last = (1,) + self.spatial_axes + (0,)              # (N, C, *S) → (C, *S, N)
        self.to_batch_first = (nd + 1, 0) + tuple(range(1, nd + 1))       # (C, *S, N) → (N, C, *S)

    def batched(self, a: np.ndarray) -> np.ndarray:
        """(C, *S) → (1, C, *S) for an unbatched convolution; ``unbatch`` undoes it."""
        return a[None] if self.unbatched else a

    def unbatch(self, a: np.ndarray) -> np.ndarray:
        return a[0] if self.unbatched else a


class _Columns:
    """The im2col columns of a convolution's input, kept from the forward for ∂L/∂W."""
    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


def _conv(op: str, nd: int, x: Tensor, weight: Tensor, bias: Tensor | None,
          stride, padding, dilation, groups: int) -> Tensor:
    layout = "(C, L) / (N, C, L)" if nd == 1 else "(C, H, W) / (N, C, H, W)"
    xd, wd = x._data, weight._data
    unbatched = check_input_ndim(xd, nd, op, layout)
    if wd.ndim != nd + 2:
        raise ShapeError(f"{op}: weight must be {nd + 2}-D (out_channels, in_channels/groups, "
                         f"{'kL' if nd == 1 else 'kH, kW'}), got weight of shape {tuple(wd.shape)}")
    if xd.dtype != wd.dtype or (bias is not None and bias._data.dtype != wd.dtype):
        bd = "" if bias is None else f", bias is {bias._data.dtype}"
        raise TypeError(f"{op}: input is {xd.dtype} but weight is {wd.dtype}{bd}; convert them to "
                        f"one dtype (x.to(dtype), or model.to(dtype) / .float() / .double())")
    stride = as_tuple(stride, nd, "stride", op)
    dilation = as_tuple(dilation, nd, "dilation", op)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool):
        raise TypeError(f"{op}: groups must be an int, got {groups!r}")
    groups = int(groups)
    if min(stride) <= 0:
        raise ShapeError(f"{op}: non-positive stride is not supported, got stride={stride}")
    if min(dilation) <= 0:
        raise ShapeError(f"{op}: non-positive dilation is not supported, got dilation={dilation}")
    if groups <= 0:
        raise ShapeError(f"{op}: non-positive groups is not supported, got groups={groups}")

    xb = xd[None] if unbatched else xd                     # (N, C, *S)
    N, C, S = xb.shape[0], xb.shape[1], xb.shape[2:]
    O, Cg, K = wd.shape[0], wd.shape[1], wd.shape[2:]
    if O % groups:
        raise ShapeError(f"{op}: given groups={groups}, the weight's out_channels must be "
                         f"divisible by {groups}, but got weight of shape {tuple(wd.shape)}")
    if C % groups:
        raise ShapeError(f"{op}: given groups={groups}, the input's {C} channels are not divisible "
                         f"by groups (input {tuple(xd.shape)}, weight {tuple(wd.shape)})")
    if Cg * groups != C:
        raise ShapeError(f"{op}: given groups={groups}, weight of shape {tuple(wd.shape)} expects "
                         f"input {tuple(xd.shape)} to have {Cg * groups} channels, but it has {C} "
                         f"(weight.shape[1]·groups must equal the input channels)")
    if bias is not None and bias._data.shape != (O,):
        raise ShapeError(f"{op}: given weight of shape {tuple(wd.shape)}, expected bias of shape "
                         f"({O},), but got bias of shape {tuple(bias._data.shape)}")

    # padding → (lo, hi) per spatial axis
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ShapeError(f"{op}: padding='same' is not supported for strided convolutions "
                                 f"(got stride={stride})")
            total = tuple(d * (k - 1) for d, k in zip(dilation, K))
            lo = tuple(t // 2 for t in total)                       # torch: extra zero goes right
            hi = tuple(t - a for t, a in zip(total, lo))
        else:
            raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of "
                             f"'valid', 'same', an int or a tuple of {nd} ints")
    else:
        lo = hi = as_tuple(padding, nd, "padding", op)
        if min(lo) < 0:
            raise ShapeError(f"{op}: negative padding is not supported, got padding={lo}")

    extent = tuple(d * (k - 1) + 1 for d, k in zip(dilation, K))   # dilated kernel size
    padded = tuple(n + a + b for n, a, b in zip(S, lo, hi))
    if any(e > p for e, p in zip(extent, padded)):
        raise ShapeError(f"{op}: kernel of size {tuple(K)} (dilated extent {extent}) is larger "
                         f"than the padded input of size {padded} (input {tuple(xd.shape)}, padding "
                         f"{lo if lo == hi else (lo, hi)}, dilation {dilation})")
    geo = _Geometry(nd, xd.shape, wd.shape, stride, lo, hi, dilation, groups)
    return _conv_op(x, weight, bias, geo, op)


# ---------------------------------------------------------------- the three GEMMs, on arrays

def _im2col(xd: np.ndarray, geo: _Geometry) -> np.ndarray:
    """The columns (g, C/g·KK, P·N) of x: every receptive field, one column per position·sample."""
    C, N, lo, hi, S = geo.C, geo.N, geo.lo, geo.hi, geo.S
    # Batch-last layout (C, *S_pad, N): a window row (ow positions × N samples) is one long
    # contiguous run, so the im2col copy and the col2im adds move long runs instead of rows
    # of ow elements (≈ 3–5× faster than working in (N, C, *S) for LeNet-sized layers).
    xt = geo.batched(xd).transpose(geo.to_batch_last)
    if not any(lo) and not any(hi) and xt.flags.c_contiguous:
        xp = xt                                     # batch-last already (a conv or pool output)
    else:
        # (C, *S_pad, N), zero padded. Keyed by the padding, a recycled one has only ever had
        # this same interior written: its border is still zero
        xp = _scratch.take(("xp", lo, hi), (C,) + geo.padded + (N,), xd.dtype, new_zeroed=True)
        xp[(slice(None),) + tuple(slice(a, a + n) for a, n in zip(lo, S))] = xt
    sC, *sS, sN = xp.strides
    windows = as_strided(                                           # (g, C/g, *K, *out, N) view
        xp, (geo.groups, geo.Cg) + geo.K + geo.out + (N,),
        (geo.Cg * sC, sC) + tuple(d * t for d, t in zip(geo.dilation, sS))
        + tuple(s * t for s, t in zip(geo.stride, sS)) + (sN,), writeable=False)
    cols = _scratch.take(("cols",), (geo.groups, geo.Cg * geo.KK, geo.P * N), xd.dtype)
    cols.reshape(windows.shape)[...] = windows                      # im2col: the one big copy
    return cols


def _correlate(xd: np.ndarray, wd: np.ndarray, geo: _Geometry, bias: np.ndarray | None = None):
    """y = W ⋆ x (+ b) as an (N, O, *out) view of the GEMM's batch-last result, and the columns.

    The output is handed on in the batch-last layout: an (N, O, *out) view of the GEMM's
    (O, *out, N) result, no transposing copy. Element-wise ops and pooling keep the layout
    (NumPy allocates their results in the memory order of their inputs), so the next
    convolution finds its input batch-last already and the backward's gradients arrive
    batch-last: the transposes between layers disappear."""
    cols = _im2col(xd, geo)
    wmat = wd.reshape(geo.groups, geo.O // geo.groups, geo.Cg * geo.KK)   # (g, O/g, C/g·KK)
    y = np.matmul(wmat, cols)                                       # one GEMM per group
    if bias is not None:
        y2 = y.reshape(geo.O, geo.P * geo.N)                        # (g, O/g, P·N) → (O, P·N)
        y2 += bias.reshape(geo.O, 1)                                # y is ours: add in place
    res = y.reshape((geo.O,) + geo.out + (geo.N,)).transpose(geo.to_batch_first)  # (N, O, *out)
    return geo.unbatch(res), cols


def _conv_arrays(xd: np.ndarray, wd: np.ndarray, geo: _Geometry) -> np.ndarray:
    return _correlate(xd, wd, geo)[0]


def _grad_rows(g: np.ndarray, geo: _Geometry) -> np.ndarray:
    """∂L/∂y (N, O, *out) → (g, O/g, P·N), the column order of the columns; no copy when the
    gradient is batch-last in memory (from a following element-wise op, pool or conv, or
    ``_batch_last_arrays``)."""
    gt = np.ascontiguousarray(geo.batched(g).transpose(geo.to_batch_last))
    return gt.reshape(geo.groups, geo.O // geo.groups, geo.P * geo.N)


def _batch_last_arrays(g: np.ndarray, geo: _Geometry) -> np.ndarray:
    """The same values as ``g``, batch-last in memory: the one transposing copy that the
    backward's GEMMs then share (none when g is batch-last already)."""
    gt = np.ascontiguousarray(geo.batched(g).transpose(geo.to_batch_last))
    return geo.unbatch(gt.transpose(geo.to_batch_first))


def _bias_grad_arrays(g: np.ndarray, geo: _Geometry) -> np.ndarray:
    gyb = geo.batched(g)
    gt = gyb.transpose(geo.to_batch_last)
    if gt.flags.c_contiguous:                                       # (O, P·N) rows: pairwise sums
        return gt.reshape(geo.O, geo.P * geo.N).sum(axis=1)
    return gyb.sum(axis=(0,) + geo.spatial_axes)


def _weight_grad_arrays(x, g: np.ndarray, geo: _Geometry) -> np.ndarray:
    """∂L/∂W = gy · colsᵀ : (g, O/g, P·N) @ (g, P·N, C/g·KK) → the weight's shape. ``x`` is the
    input, or the forward's columns of it (``_Columns``)."""
    cols = x.array if isinstance(x, _Columns) else _im2col(x, geo)
    return np.matmul(_grad_rows(g, geo), cols.transpose(0, 2, 1)).reshape(geo.w_shape)


def _input_grad_arrays(g: np.ndarray, wd: np.ndarray, geo: _Geometry) -> np.ndarray:
    """∂L/∂x = col2im(Wᵀ · gy): the transposed convolution of g with W, as an (N, C, *S) view
    of a batch-last array."""
    C, K, out = geo.C, geo.K, geo.out
    gy = _grad_rows(g, geo)
    wmat = wd.reshape(geo.groups, geo.O // geo.groups, geo.Cg * geo.KK)
    # ∂L/∂cols = Wᵀ · gy : (g, C/g·KK, P·N) → (C, *K, *out, N)
    # (the name gbuf keeps the scratch view, and so its buffer, ours until we return)
    gbuf = _scratch.take(("gcols",), (geo.groups, geo.Cg * geo.KK, geo.P * geo.N), gy.dtype)
    np.matmul(wmat.transpose(0, 2, 1), gy, out=gbuf)
    gcols = gbuf.reshape((C,) + K + out + (geo.N,))
    # col2im: each kernel offset adds its slice back (windows overlap, so +=)
    gxp = np.zeros((C,) + geo.padded + (geo.N,), dtype=gcols.dtype)    # (C, *S_pad, N)
    for offset in np.ndindex(*K):
        gxp[(slice(None),) + window_slices(offset, geo.dilation, geo.stride, out)] += \
            gcols[(slice(None),) + offset]
    inner = gxp[(slice(None),) + tuple(slice(a, a + n) for a, n in zip(geo.lo, geo.S))]
    return geo.unbatch(inner.transpose(geo.to_batch_first))        # (N, C, *S) view, batch-last


# ---------------------------------------------------------------- the ops

def _conv_op(x: Tensor, weight: Tensor, bias: Tensor | None, geo: _Geometry, op: str) -> Tensor:
    """y = W ⋆ x + b;  ∂L/∂x = conv_input_grad(g, W), ∂L/∂W = conv_weight_grad(x, g),
    ∂L/∂b = Σ g over the batch and the positions."""
    res, cols = _correlate(x._data, weight._data, geo, None if bias is None else bias._data)
    parents = (x, weight) if bias is None else (x, weight, bias)
    # what backward will need, decided now (as torch records it with the graph): the columns
    # are kept only for ∂L/∂W
    need_x, need_w = x.requires_grad, weight.requires_grad
    need_b = bias is not None and bias.requires_grad
    saved = _Columns(cols) if need_w else None
    del cols

    def backward(F, g, out, x, w, *b):
        if need_x or need_w:
            g = F.conv_batch_last(g, geo)          # arrays: one transposing copy for both GEMMs
        gx = F.conv_input_grad(g, w, geo) if need_x else None
        # on arrays, the forward's columns of x (no second im2col); on Tensors, x itself
        gw = F.conv_weight_grad(F.keep(saved, lambda: x), g, geo) if need_w else None
        if bias is None:
            return gx, gw
        return gx, gw, F.conv_bias_grad(g, geo) if need_b else None
    return make_result(res, parents, backward, op)


def conv_input_grad(g: Tensor, weight: Tensor, geo: _Geometry) -> Tensor:
    """∂L/∂x of a convolution: the transposed convolution Wᵀ ⋆ g. It is bilinear, and for an
    x-shaped h,  ⟨h, input_grad(g, W)⟩ = ⟨conv(h, W), g⟩ = ⟨weight_grad(h, g), W⟩,  so
    ∂/∂g = conv(h, W)  and  ∂/∂W = conv_weight_grad(h, g)."""
    need_g, need_w = g.requires_grad, weight.requires_grad

    def backward(F, h, out, g, w):
        return (F.conv(h, w, geo) if need_g else None,
                F.conv_weight_grad(h, g, geo) if need_w else None)
    return make_result(_input_grad_arrays(g._data, weight._data, geo), (g, weight), backward,
                       "conv_input_grad")


def conv_weight_grad(x: Tensor, g: Tensor, geo: _Geometry) -> Tensor:
    """∂L/∂W of a convolution: the correlation x ⋆ g. It is bilinear, and for a W-shaped H,
    ⟨H, weight_grad(x, g)⟩ = ⟨conv(x, H), g⟩ = ⟨x, input_grad(g, H)⟩,  so
    ∂/∂x = conv_input_grad(g, H)  and  ∂/∂g = conv(x, H)."""
    need_x, need_g = x.requires_grad, g.requires_grad

    def backward(F, h, out, x, g):
        return (F.conv_input_grad(g, h, geo) if need_x else None,
                F.conv(x, h, geo) if need_g else None)
    return make_result(_weight_grad_arrays(x._data, g._data, geo), (x, g), backward,
                       "conv_weight_grad")


def _conv_bias_grad(g: Tensor, geo: _Geometry) -> Tensor:
    """∂L/∂b = Σ g over the batch and the positions."""
    return reduction.sum(g, dim=tuple(range(1, geo.nd + 1)) if geo.unbatched else (0,) + geo.spatial_axes)


_rules.define("conv", _conv_arrays, lambda x, w, geo: _conv_op(x, w, None, geo, f"conv{geo.nd}d"))
_rules.define("conv_input_grad", _input_grad_arrays, conv_input_grad)
_rules.define("conv_weight_grad", _weight_grad_arrays, conv_weight_grad)
_rules.define("conv_bias_grad", _bias_grad_arrays, _conv_bias_grad)
# memory order is the arrays' business: on Tensors the values are all that count
_rules.define("conv_batch_last", _batch_last_arrays, lambda g, geo: g)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """y[n, o, l] = b[o] + Σ_c Σ_j w[o, c, j] · x_pad[n, c, l·s + j·d]  (a cross-correlation).

    Args:
        input: (N, C_in, L) or unbatched (C_in, L).
        weight: (C_out, C_in/groups, k).
        bias: (C_out,) or None.
        stride, dilation: int or 1-tuple.
        padding: int, 1-tuple, 'valid' (no padding) or 'same' (output length = input
            length; stride 1 only; when d·(k−1) is odd the extra zero goes on the right).
        groups: channels are split into this many independent convolutions.

    Shape: L_out = ⌊(L + 2·p − d·(k−1) − 1) / s⌋ + 1.

    Example:
        >>> # [1·1 + 2·0 + 3·2, 2·1 + 3·0 + 4·2]
        >>> conv1d(gn.tensor([[[1., 2., 3., 4.]]]), gn.tensor([[[1., 0., 2.]]])).tolist()
        [[[7.0, 10.0]]]
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """y[n, o, h, w] = b[o] + Σ_c Σ_i Σ_j W[o, c, i, j] · x_pad[n, c, h·s₀ + i·d₀, w·s₁ + j·d₁].

    Args:
        input: (N, C_in, H, W) or unbatched (C_in, H, W).
        weight: (C_out, C_in/groups, kH, kW).
        bias: (C_out,) or None.
        stride, dilation: int or (int, int).
        padding: int, (int, int), 'valid' or 'same' (stride 1 only; an odd total padding
            puts the extra zero at the bottom / right, as torch does).
        groups: channels are split into this many independent convolutions.

    Shape: H_out = ⌊(H + 2·p₀ − d₀·(kH−1) − 1) / s₀⌋ + 1, likewise W_out.
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)
