"""Gradient clipping, in place on ``p.grad`` (outside the graph), as torch.nn.utils."""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from ...tensor import Tensor


def _grads(parameters) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def _order(norm_type) -> float:
    try:
        p = float(norm_type)                     # accepts 'inf' as torch does
    except (TypeError, ValueError):
        raise ValueError(f"norm_type must be a number or 'inf', got {norm_type!r}") from None
    if math.isnan(p):
        raise ValueError("norm_type must not be NaN")
    return p


def _vector_norm(a: np.ndarray, p: float):
    """‖a‖_p of all entries (the same orders as glassnet.linalg.vector_norm)."""
    a = np.abs(a.reshape(-1))
    if p == math.inf:
        return a.max() if a.size else a.dtype.type(0)
    if p == -math.inf:
        return a.min() if a.size else a.dtype.type(math.inf)
    if p == 0:
        return a.dtype.type(np.count_nonzero(a))
    if p == 1:
        return a.sum()
    if p == 2:
        return np.sqrt((a * a).sum())
    with np.errstate(divide="ignore"):
        return (a ** p).sum() ** (1 / p)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

        total = ‖(‖g₁‖_p, ‖g₂‖_p, …)‖_p   (the p-norm of all gradient entries as one vector)
        g ← g · min(1, max_norm / (total + 1e-6))

    Returns ``total``, the norm before clipping, as a 0-d tensor (0 when no parameter has a
    gradient). ``error_if_nonfinite=True`` raises instead of scaling by a NaN or infinite norm.
    ``foreach`` is accepted for torch's signature and ignored.
    """
    p = _order(norm_type)
    max_norm = float(max_norm)
    grads = _grads(parameters)
    if not grads:
        return Tensor._wrap(np.zeros(()))
    norms = np.array([_vector_norm(g._data, p) for g in grads])
    total = _vector_norm(norms, p).astype(np.result_type(*[g._data.dtype for g in grads]))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           f"non-finite, so it cannot be clipped. To disable this error and scale the "
                           f"gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    with np.errstate(invalid="ignore"):
        coef = min(max_norm / (float(total) + 1e-6), 1.0) if not np.isnan(total) else math.nan
    with np.errstate(invalid="ignore"):         # inf · 0 = NaN, silently, as in torch
        for g in grads:
            g._data *= g._data.dtype.type(coef)  # torch multiplies even when coef is 1
    return Tensor._wrap(np.asarray(total))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient entry into [−clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
