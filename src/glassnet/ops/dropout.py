"""Inverted dropout: zero each entry with probability p, scale the rest by 1/(1 − p)."""
from __future__ import annotations

import numpy as np

from .. import _backend
from ..tensor import Tensor, make_result


def dropout(a: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """a ∘ m / (1 − p) with m ~ Bernoulli(1 − p);  ∂L/∂a = g ∘ m / (1 − p)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return a
    ad = a._data
    if p == 1:
        mask = np.zeros_like(ad)
    else:
        keep = _backend.generator().random(ad.shape, dtype=ad.dtype if ad.dtype.kind == "f" and
                                           ad.dtype.itemsize >= 4 else np.float64) >= p
        mask = keep.astype(ad.dtype) / ad.dtype.type(1 - p)
    # The mask is a constant of the forward: the rule is linear in g, whatever the order.
    return make_result(ad * mask, (a,), lambda F, g, out, x: (g * mask,), "dropout")
