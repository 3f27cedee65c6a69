"""Convolution (torch's cross-correlation) over 1-D and 2-D signals, fused into one op.

    y[n, o, p] = b[o] + Σ_c Σ_j w[o, c, j] · x_pad[n, c, p·s + j·d]

It is fused (not composed from primitives) because speed demands it: the forward
gathers every receptive field into one column matrix (im2col) and does a single GEMM;
the backward is two GEMMs plus a col2im that adds the overlapping windows back.

Layout: the columns are (groups, C/g · k, P · N) — channel·kernel rows, position·batch
columns, gathered from a batch-last copy (C, *S, N) of the padded input — so the GEMM's
long dimension is P·N and the copies move long contiguous runs.
"""
from __future__ import annotations

import math

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
    out = np.full(lead + tuple(n + a + b for n, a, b in zip(xd.shape[-nd:], lo, hi)), value,
                  dtype=xd.dtype)
    out[(...,) + tuple(slice(a, a + n) for a, n in zip(lo, xd.shape[-nd:]))] = xd
    return out


def window_slices(offset: tuple, dilation: tuple, stride: tuple, out: tuple) -> tuple:
    """Slices that pick, for kernel offset ``offset``, the input element of every window."""
    return tuple(slice(j * d, j * d + s * (o - 1) + 1, s)
                 for j, d, s, o in zip(offset, dilation, stride, out))


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
    spatial_axes = tuple(range(2, 2 + nd))
    xp = np.zeros((C,) + padded + (N,), dtype=xb.dtype)            # (C, *S_pad, N), zero padded
    xp[(slice(None),) + tuple(slice(a, a + n) for a, n in zip(lo, S))] = \
        xb.transpose((1,) + spatial_axes + (0,))                    # (N, C, *S) → (C, *S, N)
    sC, *sS, sN = xp.strides
    windows = as_strided(                                           # (g, C/g, *K, *out, N) view
        xp, (groups, Cg) + tuple(K) + out + (N,),
        (Cg * sC, sC) + tuple(d * t for d, t in zip(dilation, sS))
        + tuple(s * t for s, t in zip(stride, sS)) + (sN,), writeable=False)
    cols = windows.reshape(groups, Cg * KK, P * N)                  # im2col: the one big copy
    wmat = wd.reshape(groups, O // groups, Cg * KK)                 # (g, O/g, C/g·KK)
    y = np.matmul(wmat, cols).reshape((O,) + out + (N,))            # one GEMM per group
    res = np.empty((N, O) + out, dtype=y.dtype)
    y_nchw = y.transpose((nd + 1, 0) + tuple(range(1, nd + 1)))     # (O, *out, N) → (N, O, *out)
    if bias is not None:
        np.add(y_nchw, bias._data.reshape((O,) + (1,) * nd), out=res)
    else:
        res[...] = y_nchw
    if unbatched:
        res = res[0]
    parents = (x, weight) if bias is None else (x, weight, bias)
    x_shape, padded_shape = xd.shape, xp.shape
    # what backward will need, decided now (as torch records it with the graph): the columns
    # are kept only for ∂L/∂W
    need_x, need_w = x.requires_grad, weight.requires_grad
    need_b = bias is not None and bias.requires_grad
    del xp, windows
    if not need_w:
        cols = None

    def backward(g):
        gb = gw = gx = None
        gyb = g[None] if unbatched else g                           # (N, O, *out)
        if need_b:
            gb = gyb.sum(axis=(0,) + spatial_axes)
        if not (need_w or need_x):
            return (gx, gw) if bias is None else (gx, gw, gb)
        # (N, O, *out) → (O, *out, N) → (g, O/g, P·N), the column order of cols
        gy = np.ascontiguousarray(gyb.transpose((1,) + spatial_axes + (0,))).reshape(
            groups, O // groups, P * N)
        if need_w:
            # ∂L/∂W = gy · colsᵀ : (g, O/g, P·N) @ (g, P·N, C/g·KK) → weight's shape
            gw = np.matmul(gy, cols.transpose(0, 2, 1)).reshape(wd.shape)
        if need_x:
            # ∂L/∂cols = Wᵀ · gy : (g, C/g·KK, P·N) → (C, *K, *out, N)
            gcols = np.matmul(wmat.transpose(0, 2, 1), gy).reshape((C,) + tuple(K) + out + (N,))
            # col2im: each kernel offset adds its slice back (windows overlap, so +=)
            gxp = np.zeros(padded_shape, dtype=gcols.dtype)         # (C, *S_pad, N)
            for offset in np.ndindex(*K):
                gxp[(slice(None),) + window_slices(offset, dilation, stride, out)] += \
                    gcols[(slice(None),) + offset]
            inner = gxp[(slice(None),) + tuple(slice(a, a + n) for a, n in zip(lo, S))]
            gx = np.ascontiguousarray(                              # (C, *S, N) → (N, C, *S)
                inner.transpose((nd + 1, 0) + tuple(range(1, nd + 1)))).reshape(x_shape)
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
