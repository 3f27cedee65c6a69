"""Linear and Identity layers."""
from __future__ import annotations

import math

import numpy as np

from .. import _backend
from .._device import check_device
from ..errors import ShapeError
from ..ops.linear import linear
from . import init
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """y = x."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """y = x Wᵀ + b.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias b (default True).
    Shape:
        input (*, in_features) → output (*, out_features); samples are rows.
        weight (out_features, in_features) — the seeds' column notation W, or Wᵀ of their row notation.
    Example:
        >>> Linear(3, 2)(glassnet.randn(5, 3)).shape
        (5, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        check_device(device)
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear sizes must be ≥ 0, got in_features={in_features}, "
                             f"out_features={out_features}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        dt = _backend.as_dtype(dtype)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torch's default: W, b ~ U(−1/√in, 1/√in) (kaiming_uniform with a = √5)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        shape = x.shape
        if not shape or shape[-1] != self.in_features:
            raise ShapeError(self._shape_message(shape))
        return linear(x, self.weight, self.bias)

    def _shape_message(self, shape: tuple) -> str:
        msg = (f"expects input of shape (N, {self.in_features}) with samples as rows, "
               f"got {tuple(shape)}")
        if len(shape) == 2 and shape[0] == self.in_features:
            msg += (f". Were the samples passed as columns (the column notation, {self.in_features} × N)? "
                    f"Pass x.T instead")
        return msg

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    def short_repr(self) -> str:
        return f"Linear({self.in_features} → {self.out_features})"
