"""Convolution layers: Conv1d and Conv2d, with torch's arguments, initialisation and repr."""
from __future__ import annotations

import math

import numpy as np

from .. import _backend
from ..errors import ShapeError
from ..ops.conv import conv1d, conv2d
from ..ops.pooling import pad
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(value, nd: int, name: str, layer: str) -> tuple:
    """An int or a sequence of nd ints as an nd-tuple (torch's _single / _pair)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * nd
    try:
        vals = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"{layer}: {name} must be an int or a tuple of {nd} ints, got {value!r}") from None
    if len(vals) != nd:
        raise ValueError(f"{layer}: {name} must be an int or a tuple of {nd} ints, got {value!r}")
    return vals


def _compact(t: tuple) -> str:
    """(3, 3) → '3', (3, 5) → '(3, 5)': how short_repr writes a per-axis setting."""
    return str(t[0]) if len(set(t)) == 1 else str(t)


class _ConvNd(Module):
    """What Conv1d and Conv2d share; ``_nd`` and ``_fn`` pick the dimension."""

    _nd: int = 0
    _fn = staticmethod(conv2d)
    _axes = ""                  # the spatial axes' names, for messages: "L" or "H, W"

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__()
        nd, name = self._nd, type(self).__name__
        if device is not None and str(device).split(":")[0] != "cpu":
            raise ValueError(f"glassnet runs on the CPU only; got device {device!r}")
        for arg, value in (("in_channels", in_channels), ("out_channels", out_channels),
                           ("groups", groups)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
                raise TypeError(f"{name}: {arg} must be an int, got {value!r}")
        # torch's checks, in torch's order and with its messages
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if in_channels < 0 or out_channels < 0:
            raise ValueError(f"{name}: channels must be ≥ 0, got in_channels={in_channels}, "
                             f"out_channels={out_channels}")
        kernel_size = _tuple(kernel_size, nd, "kernel_size", name)
        stride = _tuple(stride, nd, "stride", name)
        dilation = _tuple(dilation, nd, "dilation", name)
        if min(kernel_size) <= 0 or min(stride) <= 0 or min(dilation) <= 0:
            raise ValueError(f"{name}: kernel_size, stride and dilation must be positive, got "
                             f"kernel_size={kernel_size}, stride={stride}, dilation={dilation}")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _tuple(padding, nd, "padding", name)
            if min(padding) < 0:
                raise ValueError(f"{name}: padding must be ≥ 0, got padding={padding}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.groups, self.padding_mode = dilation, int(groups), padding_mode
        self.transposed, self.output_padding = False, (0,) * nd      # torch's attributes
        # F.pad's amounts for the non-zero padding modes: last axis first, (left, right) each
        if padding == "valid":
            lo_hi = [(0, 0)] * nd
        elif padding == "same":
            total = [d * (k - 1) for d, k in zip(dilation, kernel_size)]
            lo_hi = [(t // 2, t - t // 2) for t in total]
        else:
            lo_hi = [(p, p) for p in padding]
        self._reversed_padding_repeated_twice = tuple(v for pair in reversed(lo_hi) for v in pair)

        dt = _backend.as_dtype(dtype)
        self.weight = Parameter(np.empty((out_channels, in_channels // groups) + kernel_size,
                                         dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torch's default: W ~ kaiming_uniform(a=√5), i.e. U(±1/√fan_in), and b ~ U(±1/√fan_in),
        with fan_in = in_channels/groups · kernel elements."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        self._check_input(input.shape)
        if self.padding_mode != "zeros":
            input = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return self._fn(input, self.weight, self.bias, self.stride, 0, self.dilation,
                            self.groups)
        return self._fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)

    def _check_input(self, shape: tuple) -> None:
        """The layer's own shape errors (Module.__call__ puts the layer's place in front)."""
        nd = self._nd
        if len(shape) not in (nd + 1, nd + 2):
            raise ShapeError(f"expects input of shape (N, {self.in_channels}, {self._axes}) or "
                             f"unbatched ({self.in_channels}, {self._axes}), got {len(shape)}-D "
                             f"input of shape {tuple(shape)}")
        channels = shape[-nd - 1]
        if channels != self.in_channels:
            raise ShapeError(f"expects {self.in_channels} input channels, got {channels} "
                             f"(input of shape {tuple(shape)})")

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if isinstance(self.padding, str) or any(self.padding):
            s += f", padding={self.padding}"
        if any(d != 1 for d in self.dilation):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def short_repr(self) -> str:
        """``Conv2d(3 → 32, k=8, s=2, p=3)``: defaults (s=1, p=0, d=1, g=1) left out."""
        parts = [f"{self.in_channels} → {self.out_channels}", f"k={_compact(self.kernel_size)}"]
        if any(s != 1 for s in self.stride):
            parts.append(f"s={_compact(self.stride)}")
        if isinstance(self.padding, str):
            parts.append(f"p={self.padding}")
        elif any(self.padding):
            parts.append(f"p={_compact(self.padding)}")
        if any(d != 1 for d in self.dilation):
            parts.append(f"d={_compact(self.dilation)}")
        if self.groups != 1:
            parts.append(f"g={self.groups}")
        if self.padding_mode != "zeros":
            parts.append(self.padding_mode)
        return f"{type(self).__name__}({', '.join(parts)})"


class Conv1d(_ConvNd):
    """y[n, o, l] = b[o] + Σ_c Σ_j W[o, c, j] · x_pad[n, c, l·s + j·d]  (a cross-correlation).

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size: k, an int or 1-tuple.
        stride, dilation: s and d (default 1).
        padding: zeros (or ``padding_mode``) added on both sides: an int, 'valid' (none) or
            'same' (output length = input length; stride 1 only).
        groups: split the channels into this many independent convolutions.
        bias: learn b (default True).
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
    Shape:
        input (N, C_in, L) or (C_in, L) → output (N, C_out, L_out),
        L_out = ⌊(L + 2p − d(k − 1) − 1) / s⌋ + 1.
        weight (C_out, C_in/groups, k), bias (C_out,).
    Example:
        >>> Conv1d(1, 25, 5, stride=2, padding=1)(glassnet.zeros(100, 1, 40)).shape
        (100, 25, 19)
    """

    _nd, _fn, _axes = 1, staticmethod(conv1d), "L"


class Conv2d(_ConvNd):
    """y[n, o, h, w] = b[o] + Σ_c Σ_i Σ_j W[o, c, i, j] · x_pad[n, c, h·s₀ + i·d₀, w·s₁ + j·d₁].

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size: an int or (kH, kW).
        stride, dilation: an int or a pair (default 1).
        padding: an int, a pair, 'valid' or 'same' (stride 1 only).
        groups: split the channels into this many independent convolutions.
        bias: learn b (default True).
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
    Shape:
        input (N, C_in, H, W) or (C_in, H, W) → output (N, C_out, H_out, W_out),
        H_out = ⌊(H + 2p₀ − d₀(kH − 1) − 1) / s₀⌋ + 1, likewise W_out.
        weight (C_out, C_in/groups, kH, kW), bias (C_out,).
    Example (seed 004, question 4: 32 kernels 8×8, stride 2, zero-padding 3 on a 128×128 RGB image):
        >>> Conv2d(3, 32, 8, stride=2, padding=3)(glassnet.zeros(1, 3, 128, 128)).shape
        (1, 32, 64, 64)
    """

    _nd, _fn, _axes = 2, staticmethod(conv2d), "H, W"
