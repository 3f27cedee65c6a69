"""Elementwise functions and activations, each forward with its derivative beside it."""
from __future__ import annotations

import numpy as np

from .. import _backend
from ..errors import ShapeError
from ..tensor import Tensor, _recorders, make_result
from . import _rules
from ._util import as_tensor, broadcast_error, is_scalar, promote


def exp(a: Tensor) -> Tensor:
    """e^a;  d/da = e^a."""
    out = _backend.exp(a._data)
    return make_result(out, (a,), lambda F, g, out, x: (g * out,), "exp")


def log(a: Tensor) -> Tensor:
    """ln a;  d/da = 1/a."""
    ad = a._data
    with np.errstate(divide="ignore", invalid="ignore"):   # log 0 = −inf, as in torch
        out = _backend.log(ad)
    return make_result(out, (a,), lambda F, g, out, x: (g / x,), "log")


def sqrt(a: Tensor) -> Tensor:
    """√a;  d/da = 1/(2√a)."""
    with np.errstate(invalid="ignore"):
        out = _backend.sqrt(a._data)
    return make_result(out, (a,), lambda F, g, out, x: (g / (2 * out),), "sqrt")


def abs(a: Tensor) -> Tensor:
    """|a|;  d/da = sign(a) (0 at 0, as in torch)."""
    ad = a._data
    return make_result(np.abs(ad), (a,), lambda F, g, out, x: (g * F.sign(x),), "abs")


def tanh(a: Tensor) -> Tensor:
    """tanh a;  d/da = 1 − tanh² a."""
    out = _backend.tanh(a._data)
    return make_result(out, (a,), lambda F, g, out, x: (g * (1 - out * out),), "tanh")


def sigmoid(a: Tensor) -> Tensor:
    """σ(a) = 1/(1 + e^(−a));  d/da = σ(a)(1 − σ(a)). Stable for |a| ≥ 1000."""
    out = _backend.sigmoid(a._data)
    return make_result(out, (a,), lambda F, g, out, x: (g * out * (1 - out),), "sigmoid")


def relu(a: Tensor) -> Tensor:
    """max(a, 0);  d/da = 1 if a > 0 else 0 (0 at a = 0, as in torch)."""
    ad = a._data
    out = np.maximum(ad, 0) if ad.dtype != object else np.where(ad > 0, ad, 0)
    return make_result(out, (a,), lambda F, g, out, x: (g * (ad > 0),), "relu")


def leaky_relu(a: Tensor, negative_slope: float = 0.01) -> Tensor:
    """a if a > 0 else slope·a;  d/da = 1 if a > 0 else slope."""
    ad = a._data
    slope = _constant(negative_slope, ad)            # exact mode: 0.01 as 1/100
    positive = ad > 0
    out = np.where(positive, ad, ad * slope)
    return make_result(out, (a,), lambda F, g, out, x: (F.where(positive, g, g * slope),), "leaky_relu",
                       {"negative_slope": slope} if _recorders else None)


def step(a: Tensor) -> Tensor:
    """Hard threshold: 1 if a ≥ 0 else 0;  d/da = 0 everywhere it exists (the seeds' σ)."""
    ad = a._data
    out = (ad >= 0).astype(ad.dtype)
    return make_result(out, (a,), lambda F, g, out, x: (F.zeros_like(g),), "step")


def clamp(a: Tensor, min=None, max=None) -> Tensor:
    """min(max(a, lo), hi);  d/da = 1 inside [lo, hi], 0 outside."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    ad = a._data
    out = np.clip(ad, min, max)
    inside = np.ones(ad.shape, dtype=bool)
    if min is not None:
        inside &= ad >= min
    if max is not None:
        inside &= ad <= max
    return make_result(out, (a,), lambda F, g, out, x: (g * inside,), "clamp",
                       {"min": min, "max": max} if _recorders else None)


def where(condition, a, b) -> Tensor:
    """a where condition else b;  the gradient goes to the side that was chosen."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    cond = cond.astype(bool, copy=False)
    a_t = a if isinstance(a, Tensor) else None
    b_t = b if isinstance(b, Tensor) else None
    ad = a._data if a_t is not None else a
    bd = b._data if b_t is not None else b
    if isinstance(ad, np.ndarray) and isinstance(bd, np.ndarray) and ad.dtype != bd.dtype:
        ad, bd = promote(ad, bd)
    try:
        out = np.where(cond, ad, bd)
    except ValueError:
        raise ShapeError(f"where: condition {cond.shape}, input {np.shape(ad)} and other {np.shape(bd)} "
                         f"cannot be broadcast together (sizes must be equal or 1 in each dimension, "
                         f"aligned from the right)") from None
    if a_t is None and b_t is None:
        return Tensor._wrap(out)
    parents = tuple(t for t in (a_t, b_t) if t is not None)

    def backward(F, g, out, *inputs):
        grads = []
        if a_t is not None:
            grads.append(F.sum_to(F.where(cond, g, 0), a_t._data.shape))
        if b_t is not None:
            grads.append(F.sum_to(F.where(cond, 0, g), b_t._data.shape))
        return tuple(grads)
    return make_result(out, parents, backward, "where")


def maximum(a, b) -> Tensor:
    """Elementwise max; on ties the gradient is split in half between both (as in torch)."""
    return _pairwise_extreme(a, b, np.maximum, np.greater, "maximum")


def minimum(a, b) -> Tensor:
    return _pairwise_extreme(a, b, np.minimum, np.less, "minimum")


def _pairwise_extreme(a, b, pick, wins, op: str) -> Tensor:
    a, b = as_tensor(a), (b if is_scalar(b) else as_tensor(b))
    ad, bd = a._data, (b if is_scalar(b) else b._data)
    if not is_scalar(b) and ad.dtype != bd.dtype:
        ad, bd = promote(ad, bd)
    try:
        out = pick(ad, bd)
    except ValueError:
        raise broadcast_error(op, ad, np.asarray(bd)) from None
    if type(out) is not np.ndarray:                 # 0-d operands: NumPy gave a bare number
        out = np.asarray(out, dtype=object if ad.dtype == object else None)
    one, half = (1.0, 0.5) if out.dtype != object else (1, _backend._sympy().Rational(1, 2))
    share_a = np.where(wins(ad, bd), one, np.where(ad == bd, half, 0)).astype(out.dtype)
    if is_scalar(b):
        return make_result(out, (a,), lambda F, g, out, x: (F.sum_to(g * share_a, ad.shape),), op,
                           {"scalar": b} if _recorders else None)

    def backward(F, g, out, x, y):
        return (F.sum_to(g * share_a, ad.shape) if a.requires_grad else None,
                F.sum_to(g * (1 - share_a), bd.shape) if b.requires_grad else None)
    return make_result(out, (a, b), backward, op)


# ---------------------------------------------------------------- more functions

def sin(a: Tensor) -> Tensor:
    """sin a;  d/da = cos a."""
    ad = a._data
    return make_result(_backend.sin(ad), (a,), lambda F, g, out, x: (g * F.cos(x),), "sin")


def cos(a: Tensor) -> Tensor:
    """cos a;  d/da = −sin a."""
    ad = a._data
    return make_result(_backend.cos(ad), (a,), lambda F, g, out, x: (-g * F.sin(x),), "cos")


def log1p(a: Tensor) -> Tensor:
    """ln(1 + a), accurate for tiny a;  d/da = 1/(1 + a)."""
    ad = a._data
    with np.errstate(divide="ignore", invalid="ignore"):   # log1p(−1) = −inf, as in torch
        out = _backend.log1p(ad)
    return make_result(out, (a,), lambda F, g, out, x: (g / (1 + x),), "log1p")


def expm1(a: Tensor) -> Tensor:
    """e^a − 1, accurate for tiny a;  d/da = e^a = out + 1."""
    out = _backend.expm1(a._data)
    return make_result(out, (a,), lambda F, g, out, x: (g * (out + 1),), "expm1")


def sign(a: Tensor) -> Tensor:
    """−1, 0 or +1 ((a > 0) − (a < 0), so NaN gives 0 as in torch);  d/da = 0 (torch's choice at 0 too)."""
    ad = a._data
    out = np.where(ad > 0, 1, np.where(ad < 0, -1, 0))
    return make_result(out.astype(ad.dtype, copy=False), (a,), lambda F, g, out, x: (F.zeros_like(g),), "sign")


def erf(a: Tensor) -> Tensor:
    """erf a = 2/√π ∫₀ᵃ e^(−t²) dt;  d/da = 2/√π · e^(−a²)."""
    ad = a._data
    out = _backend.erf(ad)
    c = _constant(1.1283791670955126, ad, "2/sqrt(pi)")
    return make_result(out, (a,), lambda F, g, out, x: (g * (c * F.exp(-x * x)),), "erf")


def _constant(value, like: np.ndarray, exact: str | None = None):
    """``value`` for float arrays; for exact arrays the SymPy number it stands for (``exact``
    when given, e.g. "sqrt(2)/2", else the decimal as a rational) so results stay exact."""
    if not _backend._is_exact(like):
        return value
    sympy = _backend._sympy()
    return sympy.sympify(exact) if exact is not None else sympy.Rational(str(value))


# ---------------------------------------------------------------- smooth activations

def softplus(a: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/β) ln(1 + e^(βa)), and a itself where βa > threshold (as torch: avoids overflow);
    d/da = σ(βa) (1 above the threshold)."""
    ad = a._data
    beta = _constant(beta, ad)
    z = ad * beta
    linear = z > threshold
    with np.errstate(over="ignore"):                # e^(βa) may overflow where the linear branch wins
        out = np.where(linear, ad, _backend.log1p(_backend.exp(z)) / beta)
    return make_result(out.astype(ad.dtype, copy=False), (a,),
                       lambda F, g, out, x: (F.where(linear, g, g * F.sigmoid(x * beta)),), "softplus",
                       {"beta": beta, "threshold": threshold} if _recorders else None)


def elu(a: Tensor, alpha: float = 1.0) -> Tensor:
    """a if a > 0 else α(e^a − 1);  d/da = 1 if a > 0 else α e^a (α at 0, as torch)."""
    ad = a._data
    alpha = _constant(alpha, ad)
    positive = ad > 0
    with np.errstate(over="ignore"):                # e^a of a large a is discarded by where
        out = np.where(positive, ad, alpha * _backend.expm1(ad))

    def backward(F, g, out, x):
        with np.errstate(over="ignore", invalid="ignore"):
            return (F.where(positive, g, g * alpha * F.exp(x)),)
    return make_result(out.astype(ad.dtype, copy=False), (a,), backward, "elu",
                       {"alpha": alpha} if _recorders else None)


def silu(a: Tensor) -> Tensor:
    """a·σ(a) (swish);  d/da = σ(a)(1 + a(1 − σ(a)))."""
    ad = a._data
    s = _backend.sigmoid(ad)

    def backward(F, g, out, x):
        s_x = F.keep(s, lambda: F.sigmoid(x))
        return (g * s_x * (1 + x * (1 - s_x)),)
    return make_result(ad * s, (a,), backward, "silu")


GELU_APPROXIMATIONS = ("none", "tanh")


def gelu(a: Tensor, approximate: str = "none") -> Tensor:
    """a·Φ(a), Φ the standard normal CDF:  ½a(1 + erf(a/√2));  d/da = Φ(a) + a·φ(a), φ = e^(−a²/2)/√(2π).

    ``approximate='tanh'``: ½a(1 + tanh u), u = √(2/π)(a + κa³), κ = 0.044715;
    d/da = ½(1 + tanh u) + ½a(1 − tanh² u)·√(2/π)(1 + 3κa²).
    """
    if approximate not in GELU_APPROXIMATIONS:
        raise ValueError(f"gelu: approximate must be one of {GELU_APPROXIMATIONS}, got {approximate!r}")
    ad = a._data
    if approximate == "tanh":
        k = _constant(0.7978845608028654, ad, "sqrt(2/pi)")          # √(2/π)
        kappa = _constant(0.044715, ad)
        t = _backend.tanh(k * (ad + kappa * ad * ad * ad))
        out = ad * (1 + t) / 2

        def backward(F, g, out, x):
            t_x = F.keep(t, lambda: F.tanh(k * (x + kappa * x * x * x)))
            inner_grad = k * (1 + 3 * kappa * x * x)
            return (g * ((1 + t_x) / 2 + x * (1 - t_x * t_x) * inner_grad / 2),)
        return make_result(out, (a,), backward, "gelu", {"approximate": "tanh"} if _recorders else None)
    r = _constant(0.7071067811865476, ad, "sqrt(2)/2")                # 1/√2
    cdf = (1 + _backend.erf(ad * r)) / 2
    out = ad * cdf

    def backward(F, g, out, x):
        cdf_x = F.keep(cdf, lambda: (1 + F.erf(x * r)) / 2)
        pdf = _constant(0.3989422804014327, ad, "1/sqrt(2*pi)") * F.exp(-(x * x) / 2)
        return (g * (cdf_x + x * pdf),)
    return make_result(out, (a,), backward, "gelu")


# ---------------------------------------------------------------- for derivative rules

def zeros_like(a: Tensor) -> Tensor:
    """A constant tensor of zeros shaped like ``a`` (a gradient that is zero by structure)."""
    return Tensor._wrap(np.zeros_like(a._data))


def _sign_constant(a: Tensor) -> Tensor:
    """sign(a) as a constant: its derivative is 0 wherever it exists."""
    return Tensor._wrap(np.sign(a._data))


def _where_arrays(condition, x, y):
    return np.where(condition, x, y)


_rules.define("exp", _backend.exp, exp)
_rules.define("log", _backend.log, log)
_rules.define("tanh", _backend.tanh, tanh)
_rules.define("sigmoid", _backend.sigmoid, sigmoid)
_rules.define("sin", _backend.sin, sin)
_rules.define("cos", _backend.cos, cos)
_rules.define("erf", _backend.erf, erf)
_rules.define("sqrt", _backend.sqrt, sqrt)
_rules.define("sign", np.sign, _sign_constant)
_rules.define("where", _where_arrays, where)
_rules.define("zeros_like", np.zeros_like, zeros_like)
