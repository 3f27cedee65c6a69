"""Pooling layers: MaxPool1d/2d and AvgPool1d/2d, with torch's arguments and repr."""
from __future__ import annotations

from ..ops.pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d"]


def _compact(value) -> str:
    """2 → '2', (2, 2) → '2', (2, 3) → '(2, 3)': how short_repr writes a setting."""
    if isinstance(value, (tuple, list)):
        return str(value[0]) if len(set(value)) == 1 else str(tuple(value))
    return str(value)


def _short(name: str, kernel_size, stride, padding) -> str:
    """``MaxPool2d(k=2)``, ``MaxPool2d(k=3, s=2, p=1)``: the stride only where it is not k."""
    parts = [f"k={_compact(kernel_size)}"]
    if _compact(stride) != _compact(kernel_size):
        parts.append(f"s={_compact(stride)}")
    if _compact(padding) != "0":
        parts.append(f"p={_compact(padding)}")
    return f"{name}({', '.join(parts)})"


class _MaxPoolNd(Module):
    _fn = staticmethod(max_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        # stored as given, as torch does (so the repr matches torch's)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return self._fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                        ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")

    def short_repr(self) -> str:
        return _short(type(self).__name__, self.kernel_size, self.stride, self.padding)


class MaxPool1d(_MaxPoolNd):
    """y[n, c, l] = max_j x_pad[n, c, l·s + j·d]  (x padded with −∞).

    Args:
        kernel_size: k.  stride: s (default k: windows side by side).
        padding: −∞ added on both sides (≤ k/2).  dilation: d (default 1).
        return_indices: also return where each maximum sits.  ceil_mode: round L_out up.
    Shape: (N, C, L) or (C, L) → (N, C, L_out), L_out = ⌊(L + 2p − d(k − 1) − 1) / s⌋ + 1.
    Gradient: each window's ∂L/∂y goes to its maximum alone.
    """

    _fn = staticmethod(max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """y[n, c, h, w] = max_{i,j} x_pad[n, c, h·s₀ + i·d₀, w·s₁ + j·d₁]  (x padded with −∞).

    Args:
        kernel_size: an int or (kH, kW).  stride: default kernel_size (non-overlapping).
        padding, dilation: an int or a pair.  return_indices, ceil_mode: as MaxPool1d.
    Shape: (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out),
        H_out = ⌊(H + 2p₀ − d₀(kH − 1) − 1) / s₀⌋ + 1, likewise W_out.
    Example (seed 004, question 4: 2×2 non-overlapping max pooling):
        >>> MaxPool2d(2)(glassnet.zeros(1, 32, 64, 64)).shape
        (1, 32, 32, 32)
    """

    _fn = staticmethod(max_pool2d)


class AvgPool1d(Module):
    """y[n, c, l] = (1/m) Σ_j x_pad[n, c, l·s + j]  (m = k, or the real elements of the window
    when count_include_pad=False).

    Args:
        kernel_size: k.  stride: s (default k).  padding: zeros on both sides (≤ k/2).
        ceil_mode: round L_out up.  count_include_pad: count the padding in m (default True).
    Shape: (N, C, L) or (C, L) → (N, C, L_out), L_out = ⌊(L + 2p − k) / s⌋ + 1.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        # torch keeps AvgPool1d's settings as 1-tuples (its repr shows kernel_size=(2,))
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def short_repr(self) -> str:
        return _short("AvgPool1d", self.kernel_size, self.stride, self.padding)


class AvgPool2d(Module):
    """y[n, c, h, w] = (1/m) Σ_{i,j} x_pad[n, c, h·s₀ + i, w·s₁ + j]  (m = kH·kW by default).

    Args:
        kernel_size: an int or (kH, kW).  stride: default kernel_size.  padding: ≤ k/2.
        ceil_mode, count_include_pad: as AvgPool1d.  divisor_override: use this m everywhere.
    Shape: (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out), H_out = ⌊(H + 2p₀ − kH) / s₀⌋ + 1.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def short_repr(self) -> str:
        return _short("AvgPool2d", self.kernel_size, self.stride, self.padding)


def _single(value):
    """torch's _single: an int becomes a 1-tuple, a sequence a tuple."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)
