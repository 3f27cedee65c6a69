"""Convolution (torch's cross-correlation) over 1-D and 2-D signals, fused into one op.

    y[n, o, p] = b[o] + Σ_c Σ_j w[o, c, j] · x_pad[n, c, p·s + j·d]

It is fused (not composed from primitives) because speed demands it: the forward
gathers every receptive field into one column matrix (im2col) and does a single GEMM;
the backward is two GEMMs plus a col2im that adds the overlapping windows back.

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
    out = tuple((p - e) // s + 1 for p, e, s in zip(padded, extent, stride))
    P, KK = math.prod(out), math.prod(K)

    # Batch-last layout (C, *S_pad, N): a window row (ow positions × N samples) is one long
    # contiguous run, so the im2col copy and the col2im adds move long runs instead of rows
    # of ow elements (≈ 3–5× faster than working in (N, C, *S) for LeNet-sized layers).
    # The output is handed on in this layout too: an (N, O, *out) view of the GEMM's
    # (O, *out, N) result, no transposing copy. Element-wise ops and pooling keep the layout
    # (NumPy allocates their results in the memory order of their inputs), so the next
    # convolution finds its input batch-last already and the backward's gradients arrive
    # batch-last: the transposes between layers disappear.
    spatial_axes = tuple(range(2, 2 + nd))
    to_batch_last = (1,) + spatial_axes + (0,)                      # (N, C, *S) → (C, *S, N)
    to_batch_first = (nd + 1, 0) + tuple(range(1, nd + 1))          # (C, *S, N) → (N, C, *S)
    xt = xb.transpose(to_batch_last)
    if not any(lo) and not any(hi) and xt.flags.c_contiguous:
        xp = xt                                     # batch-last already (a conv or pool output)
    else:
        # (C, *S_pad, N), zero padded. Keyed by the padding, a recycled one has only ever had
        # this same interior written: its border is still zero
        xp = _scratch.take(("xp", lo, hi), (C,) + padded + (N,), xb.dtype, new_zeroed=True)
        xp[(slice(None),) + tuple(slice(a, a + n) for a, n in zip(lo, S))] = xt
    sC, *sS, sN = xp.strides
    windows = as_strided(                                           # (g, C/g, *K, *out, N) view
        xp, (groups, Cg) + tuple(K) + out + (N,),
        (Cg * sC, sC) + tuple(d * t for d, t in zip(dilation, sS))
        + tuple(s * t for s, t in zip(stride, sS)) + (sN,), writeable=False)
    cols = _scratch.take(("cols",), (groups, Cg * KK, P * N), xb.dtype)
    cols.reshape(windows.shape)[...] = windows                      # im2col: the one big copy
    wmat = wd.reshape(groups, O // groups, Cg * KK)                 # (g, O/g, C/g·KK)
    y = np.matmul(wmat, cols)                                       # one GEMM per group
    if bias is not None:
        y2 = y.reshape(O, P * N)                                    # (g, O/g, P·N) → (O, P·N)
        y2 += bias._data.reshape(O, 1)                              # y is ours: add in place
    res = y.reshape((O,) + out + (N,)).transpose(to_batch_first)    # (N, O, *out) view
    if unbatched:
        res = res[0]
    parents = (x, weight) if bias is None else (x, weight, bias)
    padded_shape = xp.shape
    # what backward will need, decided now (as torch records it with the graph): the columns
    # are kept only for ∂L/∂W
    need_x, need_w = x.requires_grad, weight.requires_grad
    need_b = bias is not None and bias.requires_grad
    del xp, xt, windows
    if not need_w:
        cols = None

    def backward(g):
        gb = gw = gx = None
        gyb = g[None] if unbatched else g                           # (N, O, *out)
        if not (need_w or need_x):
            if need_b:
                gb = gyb.sum(axis=(0,) + spatial_axes)
            return (gx, gw) if bias is None else (gx, gw, gb)
        # (N, O, *out) → (O, *out, N) → (g, O/g, P·N), the column order of cols; no copy when
        # the gradient arrives batch-last (from a following element-wise op, pool or conv)
        gy = np.ascontiguousarray(gyb.transpose(to_batch_last)).reshape(groups, O // groups, P * N)
        if need_b:
            gb = gy.reshape(O, P * N).sum(axis=1)                   # contiguous: pairwise sum
        if need_w:
            # ∂L/∂W = gy · colsᵀ : (g, O/g, P·N) @ (g, P·N, C/g·KK) → weight's shape
            gw = np.matmul(gy, cols.transpose(0, 2, 1)).reshape(wd.shape)
        if need_x:
            # ∂L/∂cols = Wᵀ · gy : (g, C/g·KK, P·N) → (C, *K, *out, N)
            # (the name gbuf keeps the scratch view, and so its buffer, ours until we return)
            gbuf = _scratch.take(("gcols",), (groups, Cg * KK, P * N), gy.dtype)
            np.matmul(wmat.transpose(0, 2, 1), gy, out=gbuf)
            gcols = gbuf.reshape((C,) + tuple(K) + out + (N,))
            # col2im: each kernel offset adds its slice back (windows overlap, so +=)
            gxp = np.zeros(padded_shape, dtype=gcols.dtype)         # (C, *S_pad, N)
            for offset in np.ndindex(*K):
                gxp[(slice(None),) + window_slices(offset, dilation, stride, out)] += \
                    gcols[(slice(None),) + offset]
            inner = gxp[(slice(None),) + tuple(slice(a, a + n) for a, n in zip(lo, S))]
            gx = inner.transpose(to_batch_first)                    # (N, C, *S) view, batch-last
            if unbatched:
                gx = gx[0]
        return (gx, gw) if bias is None else (gx, gw, gb)
    return make_result(res, parents, backward, op)


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
