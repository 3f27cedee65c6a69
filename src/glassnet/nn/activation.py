"""Activation layers, each a one-line forward over its functional op."""
from __future__ import annotations

import warnings

from . import functional as F
from .module import Module


class ReLU(Module):
    """a = max(z, 0);  a′ = 1 if z > 0 else 0."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """a = z if z > 0 else slope·z."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Tanh(Module):
    """a = tanh z;  a′ = 1 − tanh² z."""

    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Module):
    """a = σ(z) = 1/(1 + e^(−z));  a′ = σ(z)(1 − σ(z))."""

    def forward(self, x):
        return F.sigmoid(x)


class Step(Module):
    """The hard threshold of the seeds: a = 1 if z ≥ 0 else 0; its gradient is 0."""

    def forward(self, x):
        return F.step(x)


def _implicit_dim(ndim: int) -> int:
    warnings.warn("Implicit dimension choice for softmax has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """a_j = e^{z_j} / Σ_k e^{z_k} along ``dim``;  Jacobian Diag(a) − a aᵀ."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim if self.dim is not None else _implicit_dim(x.ndim))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """a_j = z_j − log Σ_k e^{z_k} along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.log_softmax(x, self.dim if self.dim is not None else _implicit_dim(x.ndim))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
