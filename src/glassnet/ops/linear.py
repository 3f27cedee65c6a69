"""The affine map of a Linear layer, fused into one op: y = x Wᵀ + b."""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, make_result


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b with W of shape (out, in) as in torch.

    Backward: ∂L/∂x = g W,  ∂L/∂W = gᵀ x,  ∂L/∂b = Σ_rows g — each computed only
    when that input needs it (the data batch usually does not).
    """
    xd, wd = x._data, weight._data
    if wd.ndim != 2 or xd.ndim == 0 or xd.shape[-1] != wd.shape[1]:
        raise ShapeError(f"linear: input of shape {xd.shape} does not fit weight of shape "
                         f"{wd.shape} (the input's last dimension must be {wd.shape[-1]})")
    if xd.dtype != wd.dtype:
        raise TypeError(f"linear: input is {xd.dtype} but weight is {wd.dtype}; convert one of them "
                        f"(x.to(dtype), or model.to(dtype) / .float() / .double())")
    out = xd @ wd.T
    if bias is not None:
        out += bias._data
        parents = (x, weight, bias)
    else:
        parents = (x, weight)

    def backward(g):
        gx = g @ wd if x.requires_grad else None
        gw = gb = None
        if weight.requires_grad:
            if xd.ndim == 2:
                gw = g.T @ xd
            else:                                          # (…, out), (…, in) → (out, in)
                gw = g.reshape(-1, g.shape[-1]).T @ xd.reshape(-1, xd.shape[-1])
        if bias is not None and bias.requires_grad:
            if g.ndim == 2 and g.dtype != object:
                gb = np.ones(g.shape[0], dtype=g.dtype) @ g   # column sums as one BLAS call
            else:
                gb = g.sum(axis=tuple(range(g.ndim - 1))) if g.ndim > 1 else g
        return (gx, gw, gb) if bias is not None else (gx, gw)
    return make_result(out, parents, backward, "linear")
