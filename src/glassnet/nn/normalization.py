"""LayerNorm: normalise each sample over its trailing dimensions."""
from __future__ import annotations

import numpy as np

from .. import _backend
from .._device import check_device
from ..ops.normalization import layer_norm
from . import init
from .module import Module
from .parameter import Parameter


class LayerNorm(Module):
    """y = (x − μ)/√(σ² + ε) · γ + β, μ and σ² (biased) over the last len(normalized_shape) dims.

    Args:
        normalized_shape: the trailing shape to normalise over (an int for the last dimension).
        eps: added to σ² for stability (default 1e-5).
        elementwise_affine: learn γ (ones) and β (zeros) of shape ``normalized_shape``.
        bias: learn β as well (default True; only with elementwise_affine).
    Shape:
        input (*, *normalized_shape) → output of the same shape.
    Example:
        >>> LayerNorm(4)(glassnet.randn(2, 3, 4)).shape
        (2, 3, 4)
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        check_device(device)
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dt = _backend.as_dtype(dtype)
        if elementwise_affine:
            self.weight = Parameter(np.empty(self.normalized_shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.empty(self.normalized_shape, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """γ = 1, β = 0: the layer starts as a pure normalisation."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x):
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
