"""Pooling (max and average over sliding windows) and padding, with their gradients.

Windows are visited one kernel offset at a time: offset j of every window is one
strided slice of the padded input, so a k×k pool is k² whole-array operations — no
loop over samples or pixels, and no copy of the k²-times larger window array.
Outputs and gradients keep the input's memory order (a convolution's output is batch-last
in memory), so no layer pays for a transposing copy.

Every gradient here is linear in g, so each is an op whose own derivative is its adjoint,
and the pairs are closed under differentiation: max pooling's scatter to the winners ↔ the
gather from them; average pooling's spreading of g / m ↔ average pooling itself; a constant
pad's crop ↔ the pad (``index_backward`` ↔ indexing); the other pads' adding back into the
source cells ↔ the gather that padded.
"""
from __future__ import annotations


import numpy as np

from .. import _backend
from ..errors import ShapeError
from ..tensor import Tensor, make_result
from . import _rules
from .conv import as_tuple, check_input_ndim, pad_array, window_slices

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "pad"]

_LAYOUT = {1: "(C, L) / (N, C, L)", 2: "(C, H, W) / (N, C, H, W)"}


class _Windows:
    """The geometry of a pooling: kernel, stride, padding, output size, right/bottom padding."""

    def __init__(self, op: str, nd: int, xd: np.ndarray, kernel_size, stride, padding, dilation,
                 ceil_mode: bool, max_pool: bool) -> None:
        check_input_ndim(xd, nd, op, _LAYOUT[nd])
        K = as_tuple(kernel_size, nd, "kernel_size", op)
        S = as_tuple(K if stride is None or (not isinstance(stride, int) and len(stride) == 0)
                     else stride, nd, "stride", op)
        P = as_tuple(padding, nd, "padding", op)
        D = as_tuple(dilation, nd, "dilation", op)
        if min(K) <= 0:
            raise ShapeError(f"{op}: kernel_size must be greater than zero, but got {K}")
        if min(S) <= 0:
            raise ShapeError(f"{op}: stride must be greater than zero, but got {S}")
        if min(D) <= 0:
            raise ShapeError(f"{op}: dilation must be greater than zero, but got {D}")
        if min(P) < 0:
            raise ShapeError(f"{op}: negative padding is not supported, got padding={P}")
        extent = tuple(d * (k - 1) + 1 for d, k in zip(D, K))
        # torch: a window must never lie entirely in the padding
        limit = extent if max_pool else K
        if any(2 * p > e for p, e in zip(P, limit)):
            raise ShapeError(f"{op}: padding should be at most half of "
                             f"{'the effective (dilated) ' if max_pool else 'the '}kernel size, "
                             f"but got padding={P}, kernel_size={K}"
                             + (f" and dilation={D}" if max_pool else ""))
        spatial = xd.shape[-nd:]
        out = []
        for n, k, e, s, p in zip(spatial, K, extent, S, P):
            o = (n + 2 * p - e + (s - 1 if ceil_mode else 0)) // s + 1
            if ceil_mode and (o - 1) * s >= n + p:   # the last window must start inside the input
                o -= 1
            out.append(o)
        out = tuple(out)
        if min(out) <= 0:
            raise ShapeError(f"{op}: input of shape {tuple(xd.shape)} is too small for "
                             f"kernel_size={K}, padding={P}, dilation={D}: the output size would "
                             f"be {out}")
        self.kernel, self.stride, self.padding, self.dilation, self.out = K, S, P, D, out
        # no input element is in two windows: backward can assign instead of add
        self.disjoint = all(s >= e for s, e in zip(S, extent))
        self.spatial = tuple(spatial)
        # right/bottom padding: enough for the last window (ceil_mode may need more than P)
        self.hi = tuple(max(p, (o - 1) * s + e - n - p)
                        for o, s, e, n, p in zip(out, S, extent, spatial, P))

    def offsets(self):
        """(flat index, slices of the padded input) for every kernel offset."""
        for j, offset in enumerate(np.ndindex(*self.kernel)):
            yield j, (Ellipsis,) + window_slices(offset, self.dilation, self.stride, self.out)

    def crop(self, padded: np.ndarray) -> np.ndarray:
        return padded[(Ellipsis,) + tuple(slice(p, p + n)
                                          for p, n in zip(self.padding, self.spatial))]


def _axis_order(a: np.ndarray) -> tuple:
    """The axes of ``a`` from outermost to innermost in memory (C order: 0, 1, …, n−1)."""
    return tuple(int(i) for i in np.argsort([-abs(s) for s in a.strides], kind="stable"))


def _in_order_of(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``a``, copied into the memory order of ``like`` (same shape) unless it is in it already."""
    if a.ndim < 2 or _axis_order(a) == _axis_order(like):
        return a
    out = np.empty_like(like, dtype=a.dtype)
    out[...] = a
    return out


def _zeros_in_order(shape: tuple, order: tuple, dtype) -> np.ndarray:
    """Zeros of ``shape`` laid out in memory with the axes in ``order`` (see _axis_order)."""
    z = np.zeros(tuple(shape[i] for i in order), dtype=dtype)
    return z.transpose(tuple(int(i) for i in np.argsort(order)))


# ---------------------------------------------------------------- max pooling

class _Winners:
    """Where each window's maximum sits: the constant indices of max pooling's gradient.

    The masks are found again on each use by comparing the padded input with a private copy
    of the output, instead of being kept (one bool array per kernel offset)."""

    def __init__(self, win: _Windows, xp: np.ndarray, maxima: np.ndarray, nan_is_max: bool) -> None:
        self.win, self.xp, self.maxima, self.nan_is_max = win, xp, maxima, nan_is_max

    def masks(self):
        """For each kernel offset j (in order), the mask of windows whose maximum sits at j:
        the first offset holding the window's maximum (a NaN counts as the maximum). Every
        window has exactly one winner."""
        xp, maxima = self.xp, self.maxima
        free = np.ones_like(maxima, dtype=bool)                     # windows not yet assigned
        nan = self.nan_is_max and np.isnan(maxima).any()
        for j, sl in self.win.offsets():
            m = np.equal(xp[sl], maxima)
            if m.dtype != bool:                                     # exact (object) values
                m = m.astype(bool)
            if nan:
                m |= np.isnan(xp[sl])
            m &= free
            free ^= m
            yield j, sl, m


def _scatter_arrays(g: np.ndarray, wins: _Winners) -> np.ndarray:
    """Each window's g added at its winner, zeros elsewhere: an input-shaped array.
    g·mask instead of np.where: arithmetic on masks is several times faster."""
    gxp = np.zeros_like(wins.xp, dtype=g.dtype)                     # in the input's memory order
    g = _in_order_of(g, wins.maxima)      # mixed memory orders make every pass below slow
    for _, sl, m in wins.masks():
        if wins.win.disjoint:
            np.multiply(g, m, out=gxp[sl])
        else:                                                       # windows overlap: add
            gxp[sl] += g * m
    return wins.win.crop(gxp)


def _gather_arrays(h: np.ndarray, wins: _Winners) -> np.ndarray:
    """h at each window's winner: an output-shaped array (the adjoint of ``_scatter_arrays``)."""
    win = wins.win
    hp = pad_array(h, win.padding, win.hi, 0)   # a winner in the padding (a window of −∞) reads 0
    picked = np.zeros_like(wins.maxima, dtype=hp.dtype)
    for _, sl, m in wins.masks():
        np.copyto(picked, hp[sl], where=m)                # one winner per window: copy, not add
    return picked


def max_pool_scatter(g: Tensor, wins: _Winners) -> Tensor:
    """∂L/∂x of max pooling: g put at the winners. Linear in g with constant indices, so its
    derivative is the gather at the same indices:  ∂/∂g ← max_pool_gather(h)."""
    return make_result(_scatter_arrays(g._data, wins), (g,),
                       lambda F, h, out, g: (F.max_pool_gather(h, wins),), "max_pool_scatter")


def max_pool_gather(h: Tensor, wins: _Winners) -> Tensor:
    """h read at the winners of max pooling; its derivative is the scatter to them."""
    return make_result(_gather_arrays(h._data, wins), (h,),
                       lambda F, k, out, h: (F.max_pool_scatter(k, wins),), "max_pool_gather")


_rules.define("max_pool_scatter", _scatter_arrays, max_pool_scatter)
_rules.define("max_pool_gather", _gather_arrays, max_pool_gather)


def _max_pool(op: str, nd: int, x: Tensor, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices):
    xd = x._data
    win = _Windows(op, nd, xd, kernel_size, stride, padding, dilation, ceil_mode, max_pool=True)
    if xd.dtype.kind == "f" or xd.dtype == object:
        fill = -np.inf
    elif xd.dtype.kind in "iu":
        fill = np.iinfo(xd.dtype).min
    else:
        raise TypeError(f"{op}: input of dtype {xd.dtype} is not supported")
    xp = pad_array(xd, win.padding, win.hi, fill)                   # pads with −∞: never the max
    # the running maximum over kernel offsets (np.maximum propagates NaN, as torch does)
    best = None
    for _, sl in win.offsets():
        best = xp[sl].copy(order="K") if best is None else np.maximum(best, xp[sl], out=best)

    # Backward finds each window's maximum again by comparing with this private copy of the
    # output (safe from in-place changes to the output): cheaper than tracking the argmax in
    # the forward, whose masked updates cost ~10× a np.maximum.
    maxima = best.copy(order="K") if x.requires_grad or return_indices else best
    wins = _Winners(win, xp, maxima, nan_is_max=xd.dtype.kind == "f")

    def backward(F, g, out, x):
        # the gradient flows only to the element that was the maximum of each window
        return (F.max_pool_scatter(g, wins),)
    y = make_result(best, (x,), backward, op)
    if not return_indices:
        return y
    arg = np.zeros(best.shape, dtype=np.int64)                      # the winning kernel offset
    for j, _, m in wins.masks():
        if j:
            arg += m * j
    # torch's indices: the flat position of each maximum within its (unpadded) input plane
    flat = np.zeros(arg.shape, dtype=np.int64)
    for axis, (k_pos, o, s, p, d, n) in enumerate(zip(
            np.unravel_index(arg, win.kernel), win.out, win.stride, win.padding, win.dilation,
            win.spatial)):
        pos = (np.arange(o) * s - p).reshape((o,) + (1,) * (nd - 1 - axis)) + k_pos * d
        flat = flat * n + pos
    return y, Tensor._wrap(flat)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """y[n, c, l] = max_j x_pad[n, c, l·s + j·d]  with x padded by −∞.

    Args:
        input: (N, C, L) or unbatched (C, L).
        kernel_size, stride (default: kernel_size), padding (≤ half the dilated kernel),
        dilation: int or 1-tuple.
        ceil_mode: round the output length up instead of down.
        return_indices: also return, for each output, the position of its maximum in L.

    Shape: L_out = ⌊(L + 2·p − d·(k−1) − 1) / s⌋ + 1 (⌈…⌉ with ceil_mode).
    Gradient: ∂L/∂x goes entirely to the maximum of each window (first one on ties).
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """y[n, c, h, w] = max_{i,j} x_pad[n, c, h·s₀ + i·d₀, w·s₁ + j·d₁]  with x padded by −∞.

    Args:
        input: (N, C, H, W) or unbatched (C, H, W).
        kernel_size, stride (default: kernel_size), padding, dilation: int or (int, int).
        ceil_mode: round the output size up instead of down.
        return_indices: also return the flat position h·W + w of each maximum.

    Shape: H_out = ⌊(H + 2·p₀ − d₀·(kH−1) − 1) / s₀⌋ + 1, likewise W_out.
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


# ---------------------------------------------------------------- average pooling

def _window_counts(win: _Windows, count_include_pad: bool, dtype) -> np.ndarray:
    """How many elements each window averages, as a (*out) array (windows are boxes, so the
    count is a product of one count per axis). As in torch, padding counts when
    count_include_pad, but the extra right padding of ceil_mode never does."""
    counts = np.ones((), dtype=dtype)
    for o, s, p, k, n in zip(win.out, win.stride, win.padding, win.kernel, win.spatial):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        counts = np.multiply.outer(counts, (end - start).astype(dtype))
    return counts


class _AvgPooling:
    """One average pooling, values aside: its windows, divisors and memory orders."""

    def __init__(self, win: _Windows, counts: np.ndarray, padded_shape: tuple, order: tuple,
                 out_order: tuple) -> None:
        self.win, self.counts = win, counts
        self.padded_shape, self.order, self.out_order = padded_shape, order, out_order


def _avg_pool(op: str, nd: int, x: Tensor, kernel_size, stride, padding, ceil_mode,
              count_include_pad, divisor_override=None) -> Tensor:
    xd = x._data
    if xd.dtype.kind != "f" and xd.dtype != object:
        raise TypeError(f"{op}: expected a floating point input, got {xd.dtype}")
    win = _Windows(op, nd, xd, kernel_size, stride, padding, 1, ceil_mode, max_pool=False)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError(f"{op}: divisor_override must be non-zero")
        counts = np.asarray(divisor_override, dtype=xd.dtype)
    else:
        counts = _window_counts(win, count_include_pad, xd.dtype)
    if xd.dtype == object:                      # exact mode: Integer counts, so x/m stays exact
        counts = np.asarray(np.frompyfunc(_backend._sympy().Integer, 1, 1)(
            np.asarray(counts).astype(np.int64)), dtype=object)
    total, xp = _window_sums(xd, win)
    y = total / counts
    # backward needs xp's shape and memory order, not its values: keep those, not xp
    pool = _AvgPooling(win, counts, xp.shape, _axis_order(xp), _axis_order(total))
    return make_result(y, (x,), lambda F, g, out, x: (F.avg_pool_backward(g, pool),), op)


def _window_sums(xd: np.ndarray, win: _Windows) -> tuple[np.ndarray, np.ndarray]:
    """Σ over each window of x padded with zeros, and the padded x."""
    xp = pad_array(xd, win.padding, win.hi, 0)
    total = None
    for _, sl in win.offsets():
        total = xp[sl].copy(order="K") if total is None else np.add(total, xp[sl], out=total)
    return total, xp


def _avg_pool_arrays(xd: np.ndarray, pool: _AvgPooling) -> np.ndarray:
    return _window_sums(xd, pool.win)[0] / pool.counts


def _avg_pool_backward_arrays(g: np.ndarray, pool: _AvgPooling) -> np.ndarray:
    # every element of a window receives g / count of that window
    win = pool.win
    if g.ndim > 1 and _axis_order(g) != pool.out_order:         # into the input's memory order
        g_in_order = _zeros_in_order(g.shape, pool.out_order, g.dtype)
        g_in_order[...] = g
        g = g_in_order
    share = g / pool.counts
    gxp = _zeros_in_order(pool.padded_shape, pool.order, share.dtype)   # in the input's memory order
    for _, sl in win.offsets():
        if win.disjoint:
            gxp[sl] = share
        else:                                                       # windows overlap: add
            gxp[sl] += share
    return win.crop(gxp)


def avg_pool_apply(x: Tensor, pool: _AvgPooling) -> Tensor:
    """The average pooling ``pool`` of x;  ∂L/∂x = avg_pool_backward(g)."""
    return make_result(_avg_pool_arrays(x._data, pool), (x,),
                       lambda F, g, out, x: (F.avg_pool_backward(g, pool),), "avg_pool")


def avg_pool_backward(g: Tensor, pool: _AvgPooling) -> Tensor:
    """∂L/∂x of average pooling: each window's g / m spread over its elements. Linear in g,
    and its adjoint is the same average pooling:  ∂/∂g ← avg_pool(h)."""
    return make_result(_avg_pool_backward_arrays(g._data, pool), (g,),
                       lambda F, h, out, g: (F.avg_pool(h, pool),), "avg_pool_backward")


_rules.define("avg_pool", _avg_pool_arrays, avg_pool_apply)
_rules.define("avg_pool_backward", _avg_pool_backward_arrays, avg_pool_backward)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """y[n, c, l] = (1/m) Σ_j x_pad[n, c, l·s + j]  (m = k, or the real elements in the window
    when count_include_pad=False).

    Args:
        input: (N, C, L) or unbatched (C, L).
        kernel_size, stride (default: kernel_size), padding (≤ k/2, zeros): int or 1-tuple.
        ceil_mode: round the output length up instead of down.
        count_include_pad: count the zero padding in the divisor m.
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """y[n, c, h, w] = (1/m) Σ_{i,j} x_pad[n, c, h·s₀ + i, w·s₁ + j]  (m = kH·kW by default).

    Args:
        input: (N, C, H, W) or unbatched (C, H, W).
        kernel_size, stride (default: kernel_size), padding (≤ k/2): int or (int, int).
        ceil_mode: round the output size up instead of down.
        count_include_pad: count the zero padding in the divisor m.
        divisor_override: use this m for every window.
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


# ---------------------------------------------------------------- padding

_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad the last len(pad)/2 dimensions; pad = (left_last, right_last, left_2nd_last, …).

    As torch.nn.functional.pad: the pair for the last dimension comes first. mode is
    'constant' (fill with value, default 0; a negative amount crops), 'reflect' (mirror
    without repeating the edge), 'replicate' (repeat the edge) or 'circular' (wrap around).

    Example: pad(x, (1, 2)) on x of shape (N, C, L) gives (N, C, L + 3); pad(x, (1, 1, 2, 2))
    on (N, C, H, W) gives (N, C, H + 4, W + 2).
    """
    xd = input._data
    try:
        amounts = tuple(int(p) for p in pad)
    except (TypeError, ValueError):
        raise TypeError(f"pad: pad must be a tuple of ints, got {pad!r}") from None
    if len(amounts) % 2:
        raise ShapeError(f"pad: padding length must be divisible by 2, got pad={amounts}")
    if len(amounts) // 2 > xd.ndim:
        raise ShapeError(f"pad: padding length should be at most two times the input dimension, "
                         f"but got pad={amounts} ({len(amounts)} values) for input of shape "
                         f"{tuple(xd.shape)}")
    m = len(amounts) // 2
    # (lo, hi) for axes ndim−m … ndim−1, in axis order (the pad tuple lists the last axis first)
    pairs = [(amounts[2 * i], amounts[2 * i + 1]) for i in range(m)][::-1]
    axes = tuple(range(xd.ndim - m, xd.ndim))
    if mode == "constant":
        return _pad_constant(input, axes, pairs, 0 if value is None else value)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: unknown padding mode {mode!r}; choose one of 'constant', "
                         f"'reflect', 'replicate', 'circular'")
    if value is not None and value != 0:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take a value argument")
    return _pad_index(input, axes, pairs, mode)


def _pad_constant(x: Tensor, axes: tuple, pairs: list, value) -> Tensor:
    xd = x._data
    shape, src, dst = list(xd.shape), [slice(None)] * xd.ndim, [slice(None)] * xd.ndim
    for ax, (a, b) in zip(axes, pairs):
        n = xd.shape[ax]
        if n + a + b < 0:
            raise ShapeError(f"pad: the input size {n} of dimension {ax}, plus padding {a} and "
                             f"{b}, gives a negative output size")
        shape[ax] = n + a + b
        keep = slice(max(-a, 0), n - max(-b, 0))                    # negative amounts crop
        kept = max(keep.stop - keep.start, 0)
        src[ax], dst[ax] = keep, slice(max(a, 0), max(a, 0) + kept)
    src, dst = tuple(src), tuple(dst)
    out = np.full(shape, value, dtype=xd.dtype)
    out[dst] = xd[src]
    in_shape = xd.shape

    def backward(F, g, out, x):
        # padding cells were constants: only the copied cells get gradient (a crop of g put
        # into zeros, whose own adjoint is the same crop again)
        return (F.index_backward(g[dst], in_shape, src, True),)
    return make_result(out, (x,), backward, "pad")


def _pad_index(x: Tensor, axes: tuple, pairs: list, mode: str) -> Tensor:
    xd = x._data
    index = []                                   # for each axis: source position of each output
    for ax, (a, b) in zip(axes, pairs):
        n = xd.shape[ax]
        if a < 0 or b < 0:
            raise ShapeError(f"pad: negative padding {(a, b)} is only supported in constant mode")
        if mode == "reflect" and (a >= n or b >= n):
            raise ShapeError(f"pad: padding size should be less than the corresponding input "
                             f"dimension for reflect, but got padding {(a, b)} at dimension "
                             f"{ax} of input {tuple(xd.shape)}")
        if mode == "circular" and (a > n or b > n):
            raise ShapeError(f"pad: padding {(a, b)} at dimension {ax} is larger than the input "
                             f"size {n} for circular padding")
        if mode == "replicate" and n == 0 and (a or b):
            raise ShapeError(f"pad: cannot replicate-pad the empty dimension {ax}")
        index.append(np.pad(np.arange(n), (a, b), mode=_PAD_MODES[mode]))
    out = xd
    for ax, idx in zip(axes, index):
        out = np.take(out, idx, axis=ax)
    # a gather along each axis: its adjoint adds every output cell's gradient to its source
    return make_result(out, (x,), lambda F, g, out, x: (F.pad_index_backward(g, axes, index, pairs),),
                       "pad")


def _pad_index_backward_arrays(g: np.ndarray, axes: tuple, index: list, pairs: list) -> np.ndarray:
    # the adjoint of the gather: each output cell adds its gradient to its source cell
    for ax, idx, (a, b) in reversed(list(zip(axes, index, pairs))):
        n = len(idx) - a - b
        gm = np.moveaxis(g, ax, 0)
        acc = gm[a:a + n].copy()                                    # the interior, one to one
        for j in list(range(a)) + list(range(a + n, len(idx))):      # the few padded cells
            acc[idx[j]] += gm[j]
        g = np.moveaxis(acc, 0, ax)
    return np.ascontiguousarray(g)


def pad_index_backward(g: Tensor, axes: tuple, index: list, pairs: list) -> Tensor:
    """∂L/∂x of reflect / replicate / circular padding: each output cell's g added to the
    cell it copies. Linear in g; its adjoint is the padding (the gather) itself."""
    def backward(F, h, out, g):
        for ax, idx in zip(axes, index):
            h = h[(slice(None),) * ax + (idx,)]                     # x[..., idx, ...] along ax
        return (h,)
    return make_result(_pad_index_backward_arrays(g._data, axes, index, pairs), (g,), backward,
                       "pad_index_backward")


_rules.define("pad_index_backward", _pad_index_backward_arrays, pad_index_backward)
