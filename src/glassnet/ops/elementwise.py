"""Elementwise functions and activations, each forward with its derivative beside it."""
from __future__ import annotations

import numpy as np

from .. import _backend
from ..tensor import Tensor, make_result
from ._util import as_tensor, broadcast_error, is_scalar, promote, unbroadcast


def exp(a: Tensor) -> Tensor:
    """e^a;  d/da = e^a."""
    out = _backend.exp(a._data)
    return make_result(out, (a,), lambda g: (g * out,), "exp")


def log(a: Tensor) -> Tensor:
    """ln a;  d/da = 1/a."""
    ad = a._data
    with np.errstate(divide="ignore", invalid="ignore"):   # log 0 = −inf, as in torch
        out = _backend.log(ad)
    return make_result(out, (a,), lambda g: (g / ad,), "log")


def sqrt(a: Tensor) -> Tensor:
    """√a;  d/da = 1/(2√a)."""
    with np.errstate(invalid="ignore"):
        out = _backend.sqrt(a._data)
    return make_result(out, (a,), lambda g: (g / (2 * out),), "sqrt")


def abs(a: Tensor) -> Tensor:
    """|a|;  d/da = sign(a) (0 at 0, as in torch)."""
    ad = a._data
    return make_result(np.abs(ad), (a,), lambda g: (g * np.sign(ad),), "abs")


def tanh(a: Tensor) -> Tensor:
    """tanh a;  d/da = 1 − tanh² a."""
    out = _backend.tanh(a._data)
    return make_result(out, (a,), lambda g: (g * (1 - out * out),), "tanh")


def sigmoid(a: Tensor) -> Tensor:
    """σ(a) = 1/(1 + e^(−a));  d/da = σ(a)(1 − σ(a)). Stable for |a| ≥ 1000."""
    out = _backend.sigmoid(a._data)
    return make_result(out, (a,), lambda g: (g * out * (1 - out),), "sigmoid")


def relu(a: Tensor) -> Tensor:
    """max(a, 0);  d/da = 1 if a > 0 else 0 (0 at a = 0, as in torch)."""
    ad = a._data
    out = np.maximum(ad, 0) if ad.dtype != object else np.where(ad > 0, ad, 0)
    return make_result(out, (a,), lambda g: (g * (ad > 0),), "relu")


def leaky_relu(a: Tensor, negative_slope: float = 0.01) -> Tensor:
    """a if a > 0 else slope·a;  d/da = 1 if a > 0 else slope."""
    ad = a._data
    positive = ad > 0
    out = np.where(positive, ad, ad * negative_slope)
    return make_result(out, (a,), lambda g: (np.where(positive, g, g * negative_slope),), "leaky_relu")


def step(a: Tensor) -> Tensor:
    """Hard threshold: 1 if a ≥ 0 else 0;  d/da = 0 everywhere it exists (the seeds' σ)."""
    ad = a._data
    out = (ad >= 0).astype(ad.dtype)
    return make_result(out, (a,), lambda g: (np.zeros_like(g),), "step")


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
    return make_result(out, (a,), lambda g: (g * inside,), "clamp")


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
        raise broadcast_error("where", np.asarray(ad), np.asarray(bd)) from None
    if a_t is None and b_t is None:
        return Tensor._wrap(out)
    parents = tuple(t for t in (a_t, b_t) if t is not None)

    def backward(g):
        grads = []
        if a_t is not None:
            grads.append(unbroadcast(np.where(cond, g, 0), a_t._data.shape))
        if b_t is not None:
            grads.append(unbroadcast(np.where(cond, 0, g), b_t._data.shape))
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
    share_a = np.where(wins(ad, bd), 1.0, np.where(ad == bd, 0.5, 0.0)).astype(out.dtype)
    if is_scalar(b):
        return make_result(out, (a,), lambda g: (unbroadcast(g * share_a, ad.shape),), op)

    def backward(g):
        return (unbroadcast(g * share_a, ad.shape) if a.requires_grad else None,
                unbroadcast(g * (1 - share_a), bd.shape) if b.requires_grad else None)
    return make_result(out, (a, b), backward, op)
