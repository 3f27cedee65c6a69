"""Layer and batch normalisation, each fused into one op.

    x̂ = (x − μ) / √(σ² + ε),   y = γ x̂ + β

with μ, σ² (biased) taken over the normalised axes: the trailing ones for layer norm, all but
the channel axis for batch norm. Fused because the composed graph (mean, subtract, square,
mean, add, sqrt, divide, multiply, add) costs nine nodes and keeps their arrays alive; the
gradient through the statistics folds into one line (m = the number of values averaged):

    ∂L/∂x = (1/√(σ² + ε)) · (ĝ − mean(ĝ) − x̂ · mean(ĝ ∘ x̂)),   ĝ = γ ∘ g
    ∂L/∂γ = Σ g ∘ x̂,   ∂L/∂β = Σ g   (summed over the axes γ is shared across)

The rule reuses the forward's x̂ and 1/√(σ² + ε); when the gradient is itself recorded
(create_graph=True) they are made again from x with ops, so that their own dependence on x
is differentiated too (F.keep).
"""
from __future__ import annotations

import numpy as np

from .. import _backend
from ..errors import ShapeError
from ..tensor import Tensor, make_result
from .elementwise import _constant


def _affine_parents(x: Tensor, weight: Tensor | None, bias: Tensor | None) -> tuple:
    return (x,) + tuple(t for t in (weight, bias) if t is not None)


def _statistics(F, x, axes: tuple, m: int, eps):
    """x̂ = (x − μ)/√(σ² + ε) and 1/√(σ² + ε) over ``axes`` (m values each), made from x with F."""
    centred = x - F.sum(x, axes, True) / m
    rstd = 1 / F.sqrt(F.sum(centred * centred, axes, True) / m + eps)
    return centred * rstd, rstd


def _through_statistics(F, gh, xhat, rstd, axes: tuple, m: int):
    """∂L/∂x when μ and σ² are x's own: (1/σ)(ĝ − mean(ĝ) − x̂ · mean(ĝ ∘ x̂)), ĝ = γ ∘ g."""
    return rstd * (gh - F.sum(gh, axes, True) / m - xhat * (F.sum(gh * xhat, axes, True) / m))


def _sum_over(F, t, axes: tuple):
    """Σ t over ``axes``; none to sum when γ is not shared (F.sum over () would sum them all)."""
    return F.sum(t, axes) if axes else t


def _check_param(op: str, name: str, t: Tensor | None, shape: tuple, dtype) -> None:
    if t is None:
        return
    if t._data.shape != shape:
        raise ShapeError(f"{op}: {name} must have shape {shape}, got {t._data.shape}")
    if t._data.dtype != dtype:
        raise TypeError(f"{op}: input is {dtype} but {name} is {t._data.dtype}; convert one of them "
                        f"(model.float() / model.double(), or x.to(dtype))")


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """y = γ (x − μ)/√(σ² + ε) + β with μ, σ² over the trailing ``normalized_shape`` axes of each sample.

    Shape: input (*, *normalized_shape); weight and bias ``normalized_shape``.
    """
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) \
        else tuple(int(s) for s in normalized_shape)
    xd = input._data
    k = len(shape)
    if k == 0 or xd.ndim < k or xd.shape[xd.ndim - k:] != shape:
        raise ShapeError(f"layer_norm: given normalized_shape={list(shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, shape))}], but got input of shape {list(xd.shape)}")
    _check_param("layer_norm", "weight", weight, shape, xd.dtype)
    _check_param("layer_norm", "bias", bias, shape, xd.dtype)
    axes = tuple(range(xd.ndim - k, xd.ndim))          # the normalised axes
    lead = tuple(range(xd.ndim - k))                    # the axes γ and β are shared across
    m = int(np.prod(shape))                             # values per mean
    eps = _constant(eps, xd)
    mu = xd.mean(axis=axes, keepdims=True)
    centred = xd - mu
    var = (centred * centred).mean(axis=axes, keepdims=True)
    rstd = 1 / _backend.sqrt(var + eps)
    xhat = centred * rstd
    out = xhat
    if weight is not None:
        out = out * weight._data
    if bias is not None:
        out = out + bias._data

    def backward(F, g, out, xin, *params):
        xhat_x, rstd_x = F.keep((xhat, rstd), lambda: _statistics(F, xin, axes, m, eps))
        grads = []
        if input.requires_grad:
            gh = g * params[0] if weight is not None else g
            grads.append(_through_statistics(F, gh, xhat_x, rstd_x, axes, m))
        else:
            grads.append(None)
        if weight is not None:
            grads.append(_sum_over(F, g * xhat_x, lead) if weight.requires_grad else None)
        if bias is not None:
            grads.append(_sum_over(F, g, lead) if bias.requires_grad else None)
        return tuple(grads)
    return make_result(out, _affine_parents(input, weight, bias), backward, "layer_norm")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """y = γ (x − μ)/√(σ² + ε) + β per channel (axis 1), statistics over every other axis.

    Training: μ, σ² are the batch's (σ² biased), and the running statistics, when given, move
    towards them in place: r ← (1 − momentum)·r + momentum·s, with the unbiased variance
    σ²·m/(m − 1) for running_var. Evaluation: μ, σ² are the running statistics, constants.

    Shape: input (N, C) or (N, C, *); running stats, weight and bias (C,).
    """
    xd = input._data
    if xd.ndim < 2:
        raise ShapeError(f"batch_norm: expected an input of shape (N, C) or (N, C, *), got {xd.shape}")
    C = xd.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t._data.shape != (C,):
            raise ShapeError(f"batch_norm: {name} should contain {C} elements (one per channel of "
                             f"input {xd.shape}), not {t._data.size}")
    _check_param("batch_norm", "weight", weight, (C,), xd.dtype)
    _check_param("batch_norm", "bias", bias, (C,), xd.dtype)
    axes = (0,) + tuple(range(2, xd.ndim))               # every axis but the channel's
    bshape = (1, C) + (1,) * (xd.ndim - 2)              # (C,) → (1, C, 1, …) to broadcast
    m = xd.size // C if C else 0
    eps = _constant(eps, xd)
    if training:
        if m <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got "
                             f"input of shape {xd.shape}")
        mu = xd.mean(axis=axes, keepdims=True)
        centred = xd - mu
        var = (centred * centred).mean(axis=axes, keepdims=True)
        if running_mean is not None or running_var is not None:
            mom = _constant(momentum, xd)
            if running_mean is not None:
                running_mean._data[...] = mom * mu.reshape(C) + (1 - mom) * running_mean._data
            if running_var is not None:
                unbiased = var.reshape(C) * m / (m - 1)
                running_var._data[...] = mom * unbiased + (1 - mom) * running_var._data
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var must be given in evaluation "
                             "mode (training=False)")
        # a copy: the running mean may move (in place, training) before a double backward reads it
        mu = running_mean._data.reshape(bshape).copy()
        var = running_var._data.reshape(bshape)
        centred = xd - mu
    rstd = 1 / _backend.sqrt(var + eps)
    xhat = centred * rstd
    out = xhat
    if weight is not None:
        out = out * weight._data.reshape(bshape)
    if bias is not None:
        out = out + bias._data.reshape(bshape)

    def backward(F, g, out, xin, *params):
        if training:
            xhat_x, rstd_x = F.keep((xhat, rstd), lambda: _statistics(F, xin, axes, m, eps))
        else:                                            # running statistics are constants
            xhat_x, rstd_x = F.keep(xhat, lambda: (xin - mu) * rstd), rstd
        grads = []
        if input.requires_grad:
            gh = g * F.reshape(params[0], bshape) if weight is not None else g
            if training:                                 # μ and σ² depend on x too
                grads.append(_through_statistics(F, gh, xhat_x, rstd_x, axes, m))
            else:
                grads.append(gh * rstd_x)
        else:
            grads.append(None)
        if weight is not None:
            grads.append(F.sum(g * xhat_x, axes) if weight.requires_grad else None)
        if bias is not None:
            grads.append(F.sum(g, axes) if bias.requires_grad else None)
        return tuple(grads)
    return make_result(out, _affine_parents(input, weight, bias), backward, "batch_norm")
