"""+ − × ÷ ** @ and negation, with NumPy broadcasting undone in the backward (``F.sum_to``)."""
from __future__ import annotations

import numpy as np

from .. import _backend
from ..errors import ShapeError
from ..tensor import Tensor, _recorders, make_result
from ._util import as_tensor, broadcast_error, is_scalar, promote


def _pass_through(F, g, out, x):
    return (g,)


def _negate(F, g, out, x):
    return (-g,)


def add(a, b) -> Tensor:
    """a + b;  ∂/∂a = 1, ∂/∂b = 1 (summed over broadcast dimensions)."""
    if not isinstance(a, Tensor):
        a, b = b, a                     # addition commutes
    if is_scalar(b):                    # the trace is told the number: {"scalar": b}
        return make_result(a._data + b, (a,), _pass_through, "add", {"scalar": b} if _recorders else None)
    b = as_tensor(b)
    ad, bd = a._data, b._data
    if ad.dtype != bd.dtype:
        ad, bd = promote(ad, bd)
    try:
        out = ad + bd
    except ValueError:
        raise broadcast_error("add", ad, bd) from None
    sa, sb = ad.shape, bd.shape

    def backward(F, g, out, x, y):
        return (F.sum_to(g, sa) if a.requires_grad else None,
                F.sum_to(g, sb) if b.requires_grad else None)
    return make_result(out, (a, b), backward, "add")


def sub(a, b) -> Tensor:
    """a − b;  ∂/∂a = 1, ∂/∂b = −1."""
    if is_scalar(b):
        return make_result(a._data - b, (a,), _pass_through, "sub", {"scalar": b} if _recorders else None)
    if is_scalar(a):
        return make_result(a - b._data, (b,), _negate, "sub",
                           {"scalar": a, "scalar_first": True} if _recorders else None)
    a, b = as_tensor(a), as_tensor(b)
    ad, bd = a._data, b._data
    if ad.dtype != bd.dtype:
        ad, bd = promote(ad, bd)
    try:
        out = ad - bd
    except ValueError:
        raise broadcast_error("sub", ad, bd) from None
    sa, sb = ad.shape, bd.shape

    def backward(F, g, out, x, y):
        return (F.sum_to(g, sa) if a.requires_grad else None,
                -F.sum_to(g, sb) if b.requires_grad else None)
    return make_result(out, (a, b), backward, "sub")


def mul(a, b) -> Tensor:
    """a ∘ b;  ∂/∂a = b, ∂/∂b = a."""
    if not isinstance(a, Tensor):
        a, b = b, a
    if is_scalar(b):
        return make_result(a._data * b, (a,), lambda F, g, out, x: (g * b,), "mul", {"scalar": b} if _recorders else None)
    b = as_tensor(b)
    ad, bd = a._data, b._data
    if ad.dtype != bd.dtype:
        ad, bd = promote(ad, bd)
    try:
        out = ad * bd
    except ValueError:
        raise broadcast_error("mul", ad, bd) from None

    def backward(F, g, out, x, y):
        return (F.sum_to(g * y, ad.shape) if a.requires_grad else None,
                F.sum_to(g * x, bd.shape) if b.requires_grad else None)
    return make_result(out, (a, b), backward, "mul")


def div(a, b) -> Tensor:
    """a / b;  ∂/∂a = 1/b, ∂/∂b = −a/b²."""
    if is_scalar(b):
        return make_result(a._data / b, (a,), lambda F, g, out, x: (g / b,), "div", {"scalar": b} if _recorders else None)
    if is_scalar(a):
        bd = b._data
        out = a / bd
        return make_result(out, (b,), lambda F, g, out, y: (-g * out / y,), "div",
                           {"scalar": a, "scalar_first": True} if _recorders else None)
    a, b = as_tensor(a), as_tensor(b)
    ad, bd = a._data, b._data
    if ad.dtype != bd.dtype:
        ad, bd = promote(ad, bd)
    try:
        out = ad / bd
    except ValueError:
        raise broadcast_error("div", ad, bd) from None

    def backward(F, g, out, x, y):
        return (F.sum_to(g / y, ad.shape) if a.requires_grad else None,
                F.sum_to(-g * out / y, bd.shape) if b.requires_grad else None)
    return make_result(out, (a, b), backward, "div")


def neg(a: Tensor) -> Tensor:
    """−a."""
    return make_result(-a._data, (a,), _negate, "neg")


def pow(a, b) -> Tensor:
    """a ** b;  ∂/∂a = b·a^(b−1), ∂/∂b = a^b · log a."""
    if is_scalar(b):
        ad = a._data
        out = ad ** b

        def backward_base(F, g, out, x):
            if b == 0:
                return (F.zeros_like(g),)
            return (g * b * x ** (b - 1),)
        return make_result(out, (a,), backward_base, "pow", {"scalar": b} if _recorders else None)
    if is_scalar(a):
        bd = b._data
        out = a ** bd

        def backward_exponent(F, g, out, y):
            # ∂/∂b = a^b · log a (a constant), taken as 0 where a = 0 and b ≥ 0 (torch's convention)
            if bd.dtype == object:
                return (g * out * _backend.log(np.asarray(a, dtype=object)),)
            with np.errstate(divide="ignore", invalid="ignore"):
                grad = g * out * np.log(np.asarray(a, dtype=bd.dtype))
            return (F.where(bd >= 0, 0, grad) if a == 0 else grad,)
        return make_result(out, (b,), backward_exponent, "pow",
                           {"scalar": a, "scalar_first": True} if _recorders else None)
    a, b = as_tensor(a), as_tensor(b)
    ad, bd = a._data, b._data
    if ad.dtype != bd.dtype:
        ad, bd = promote(ad, bd)
    try:
        with np.errstate(divide="ignore", invalid="ignore"):   # 0 ** −1 = inf, as in torch
            out = ad ** bd
    except ValueError:
        raise broadcast_error("pow", ad, bd) from None

    def backward(F, g, out, x, y):
        exact = ad.dtype == object
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if a.requires_grad:
                # ∂/∂a = b·a^(b−1), taken as 0 where b = 0 (so 0^0 gives 0, not 0·∞)
                da = y * x ** (y - 1)
                ga = F.sum_to(g * (da if exact else F.where(bd == 0, 0, da)), ad.shape)
            if b.requires_grad:
                # ∂/∂b = a^b · log a: NaN for a < 0 as in torch, 0 where a = 0 and b ≥ 0
                if exact:
                    db = out * F.log(x)
                else:
                    db = F.where((ad == 0) & (bd >= 0), 0, out * F.log(x))
                gb = F.sum_to(g * db, bd.shape)
        return ga, gb
    return make_result(out, (a, b), backward, "pow")


def matmul(a, b) -> Tensor:
    """a @ b with NumPy/torch rules for 1-D operands and batch broadcasting;
    ∂/∂a = g @ bᵀ, ∂/∂b = aᵀ @ g."""
    a, b = as_tensor(a), as_tensor(b)
    ad, bd = a._data, b._data
    if ad.ndim == 0 or bd.ndim == 0:
        raise ShapeError(f"matmul: both arguments need at least one dimension, got shapes "
                         f"{ad.shape} and {bd.shape}")
    if ad.dtype != bd.dtype:
        raise TypeError(f"matmul: the operands must have the same dtype, got {ad.dtype} and {bd.dtype} "
                        f"(convert one with .to(dtype), .float() or .double())")
    k_a = ad.shape[-1]
    k_b = bd.shape[0] if bd.ndim == 1 else bd.shape[-2]
    if k_a != k_b:
        raise ShapeError(f"matmul: shapes {ad.shape} and {bd.shape} cannot be multiplied "
                         f"({k_a} ≠ {k_b}: the last dimension of the first must equal the "
                         f"{'only' if bd.ndim == 1 else 'second-to-last'} dimension of the second)")
    try:
        out = ad @ bd
    except ValueError:
        raise broadcast_error("matmul (batch dimensions)", ad[..., 0, 0] if ad.ndim > 2 else ad,
                              bd[..., 0, 0] if bd.ndim > 2 else bd) from None

    a2_shape = ad.shape if ad.ndim > 1 else (1,) + ad.shape      # (k,) → (1, k)
    b2_shape = bd.shape if bd.ndim > 1 else bd.shape + (1,)      # (k,) → (k, 1)

    def backward(F, g, out, x, y):
        x2 = F.reshape(x, a2_shape) if ad.ndim == 1 else x
        y2 = F.reshape(y, b2_shape) if bd.ndim == 1 else y
        if ad.ndim == 1 and bd.ndim == 1:
            g2 = F.reshape(g, (1, 1))                      # () → (1, 1)
        elif ad.ndim == 1:
            g2 = F.reshape(g, g.shape[:-1] + (1, g.shape[-1]))   # (…, n) → (…, 1, n)
        elif bd.ndim == 1:
            g2 = F.reshape(g, g.shape + (1,))              # (…, m) → (…, m, 1)
        else:
            g2 = g
        ga = gb = None
        if a.requires_grad:
            ga = F.reshape(F.sum_to(g2 @ F.swapaxes(y2, -1, -2), a2_shape), ad.shape)
        if b.requires_grad:
            gb = F.reshape(F.sum_to(F.swapaxes(x2, -1, -2) @ g2, b2_shape), bd.shape)
        return ga, gb
    return make_result(out, (a, b), backward, "matmul")
