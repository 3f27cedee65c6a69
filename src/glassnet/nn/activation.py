"""Activation layers, each a one-line forward over its functional op, and ``ACTIVATIONS``: the
registry from the names files and the command line use to the layers and their formulas."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ops import (elu, gelu, leaky_relu, log_softmax, relu, sigmoid, silu, softmax, softplus, step,
                   tanh)
from ..ops.elementwise import GELU_APPROXIMATIONS
from .functional import _implicit_dim, softsign
from .linear import Identity
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


# ---------------------------------------------------------------------- the registry

@dataclass(frozen=True)
class Activation:
    """One entry of :data:`ACTIVATIONS`: the layer, the op the trace records for it, and its
    formulas for worked solutions.

    Formulas are ``(LaTeX, text, binding)`` templates: ``{z}`` stands for the pre-activation,
    ``{z_atom}`` for it in parentheses unless it is one symbol, ``{a}`` for the activation's
    value; ``binding`` ("atom", "product" or "sum") is how tightly the outer operation binds,
    for parentheses. The engine's backward is the op's own (``glassnet.ops``); ``prime`` is the
    same derivative written for people.
    """

    layer: type
    op: str | None                  # the op a forward records (None: identity records none)
    name: str                       # how a sentence names it: "ReLU", "hard threshold"
    symbol: tuple                   # (LaTeX, text) of f, for f(z) and f′(z): (r"\sigma", "σ")
    prime: tuple | None             # f′ written out in z and a (None: only f′(z))
    prime_z: tuple | None = None    # f′ in z alone, where a is not at hand (default: prime)
    forward: tuple | None = None    # f(z) when it is not symbol(z): ReLU as max(z, 0)
    options: dict = field(default_factory=dict)   # the layer's keyword arguments

    def make(self) -> Module:
        """A new layer of this activation."""
        return self.layer(**self.options)


_ONE_IF_POSITIVE = (r"\mathbb{1}\left[{z} > 0\right]", "1[{z} > 0]", "atom")

# String names (problem files, ``glassnet train``, network specs) → activations: the one
# registry every other table is read from.
ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(Sigmoid, "sigmoid", "sigmoid", (r"\sigma", "σ"),
                          (r"{a} \circ \left(1 - {a}\right)", "{a} ∘ (1 − {a})", "product"),
                          prime_z=(r"\sigma'\left({z}\right)", "σ′({z})", "atom")),
    "tanh": Activation(Tanh, "tanh", "tanh", (r"\tanh", "tanh"),
                       (r"1 - {a} \circ {a}", "1 − {a} ∘ {a}", "sum"),
                       prime_z=(r"\left(1 - \tanh^2 {z_atom}\right)", "(1 − tanh²{z_atom})", "atom")),
    "relu": Activation(ReLU, "relu", "ReLU", (r"\operatorname{ReLU}", "ReLU"), _ONE_IF_POSITIVE,
                       forward=(r"\max\left({z}, 0\right)", "max({z}, 0)", "atom")),
    "leaky_relu": Activation(LeakyReLU, "leaky_relu", "leaky ReLU", (r"\operatorname{LeakyReLU}", "LeakyReLU"),
                             (r"\mathbb{1}\left[{z} > 0\right] + \alpha \mathbb{1}\left[{z} \le 0\right]",
                              "1[{z} > 0] + α·1[{z} ≤ 0]", "sum")),
    "elu": Activation(ELU, "elu", "ELU", (r"\operatorname{ELU}", "ELU"),
                      (r"\mathbb{1}\left[{z} > 0\right] + \alpha e^{{z}} \mathbb{1}\left[{z} \le 0\right]",
                       "1[{z} > 0] + α e^{z_atom}·1[{z} ≤ 0]", "sum")),
    "gelu": Activation(GELU, "gelu", "GELU", (r"\operatorname{GELU}", "GELU"),
                       (r"\Phi\left({z}\right) + {z_atom} \varphi\left({z}\right)", "Φ({z}) + {z_atom}φ({z})", "sum")),
    "silu": Activation(SiLU, "silu", "SiLU", (r"\operatorname{SiLU}", "SiLU"),
                       (r"\sigma\left({z}\right) \left(1 + {z_atom} \left(1 - \sigma\left({z}\right)\right)\right)",
                        "σ({z})(1 + {z_atom}(1 − σ({z})))", "product")),
    "softplus": Activation(Softplus, "softplus", "softplus", (r"\operatorname{softplus}", "softplus"),
                           (r"\sigma\left({z}\right)", "σ({z})", "atom")),
    "step": Activation(Step, "step", "hard threshold", (r"\operatorname{step}", "step"), ("0", "0", "atom")),
    "softmax": Activation(Softmax, "softmax", "softmax", (r"\operatorname{softmax}", "softmax"), None,
                          options={"dim": -1}),
    "identity": Activation(Identity, None, "identity (linear)", ("", ""), ("1", "1", "atom")),
}
