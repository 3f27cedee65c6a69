"""Softmax and log-softmax, fused for stability (log-sum-exp with the max subtracted)."""
from __future__ import annotations

import numpy as np

from .. import _backend
from ..tensor import Tensor, _recorders, make_result
from . import _rules
from ._util import normalize_dim


def _softmax_array(x: np.ndarray, d: int) -> np.ndarray:
    if x.dtype == object:                        # exact: e^z / Σ e^z, no shift
        e = _backend.exp(x)
        return e / e.sum(axis=d, keepdims=True)
    e = np.exp(x - x.max(axis=d, keepdims=True))  # shift-invariant, so no overflow
    e /= e.sum(axis=d, keepdims=True)
    return e


def _log_softmax_array(x: np.ndarray, d: int) -> np.ndarray:
    return x - _backend.logsumexp(x, d)


def softmax(a: Tensor, dim: int = -1) -> Tensor:
    """p = e^a / Σ e^a along dim;  ∂L/∂a = p ∘ (g − Σ g∘p)  (Jacobian Diag(p) − p pᵀ)."""
    d = normalize_dim(dim, a._data.ndim, "softmax")
    p = _softmax_array(a._data, d)

    def backward(F, g, out, x):
        # out is p itself: on Tensors it is this op's node, so ∂p/∂a is recorded through it
        return (out * (g - F.sum(g * out, d, True)),)
    return make_result(p, (a,), backward, "softmax", {"dim": d} if _recorders else None)


def log_softmax(a: Tensor, dim: int = -1) -> Tensor:
    """a − log Σ e^a along dim;  ∂L/∂a = g − softmax(a) · Σ g."""
    d = normalize_dim(dim, a._data.ndim, "log_softmax")
    out = _log_softmax_array(a._data, d)

    def backward(F, g, out, x):
        return (g - F.exp(out) * F.sum(g, d, True),)           # softmax(a) = e^out
    return make_result(out, (a,), backward, "log_softmax", {"dim": d} if _recorders else None)


def softmax_jacobian(p: np.ndarray) -> np.ndarray:
    """J = Diag(p) − p pᵀ for a probability vector p (seed 004 Q2.4)."""
    p = np.asarray(p).reshape(-1)
    return np.diag(p) - np.outer(p, p)


# softmax(x, dim) and log_softmax(x, dim) for derivative rules (the p of a fused cross-entropy)
_rules.define("softmax", _softmax_array, softmax)
_rules.define("log_softmax", _log_softmax_array, log_softmax)
