"""Activation layers, each a one-line forward over its functional op."""
from __future__ import annotations

from ..ops import (elu, gelu, leaky_relu, log_softmax, relu, sigmoid, silu, softmax, softplus, step,
                   tanh)
from ..ops.elementwise import GELU_APPROXIMATIONS
from .functional import _implicit_dim, softsign
from .module import Module


class ReLU(Module):
    """a = max(z, 0);  a′ = 1 if z > 0 else 0."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace      # accepted for torch's API; glassnet never works in place

    def forward(self, x):
        return relu(x)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """a = z if z > 0 else slope·z."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x):
        return leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Tanh(Module):
    """a = tanh z;  a′ = 1 − tanh² z."""

    def forward(self, x):
        return tanh(x)


class Sigmoid(Module):
    """a = σ(z) = 1/(1 + e^(−z));  a′ = σ(z)(1 − σ(z))."""

    def forward(self, x):
        return sigmoid(x)


class Step(Module):
    """The hard threshold of the seeds: a = 1 if z ≥ 0 else 0; its gradient is 0."""

    def forward(self, x):
        return step(x)


class Softmax(Module):
    """a_j = e^{z_j} / Σ_k e^{z_k} along ``dim``;  Jacobian Diag(a) − a aᵀ."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return softmax(x, self.dim if self.dim is not None else _implicit_dim(x.ndim, 4))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """a_j = z_j − log Σ_k e^{z_k} along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return log_softmax(x, self.dim if self.dim is not None else _implicit_dim(x.ndim, 4))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GELU(Module):
    """a = z·Φ(z) = ½z(1 + erf(z/√2));  ``approximate='tanh'``: ½z(1 + tanh(√(2/π)(z + 0.044715z³)))."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in GELU_APPROXIMATIONS:
            raise ValueError(f"GELU: approximate must be one of {GELU_APPROXIMATIONS}, got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class ELU(Module):
    """a = z if z > 0 else α(e^z − 1);  a′ = 1 if z > 0 else α e^z."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x):
        return elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SiLU(Module):
    """a = z·σ(z) (swish);  a′ = σ(z)(1 + z(1 − σ(z)))."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return silu(x)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """a = (1/β) log(1 + e^(βz)), and z where βz > threshold;  a′ = σ(βz)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    """a = z / (1 + |z|);  a′ = 1 / (1 + |z|)²."""

    def forward(self, x):
        return softsign(x)
