"""The affine map of a Linear layer, fused into one op: y = x Wᵀ + b."""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, make_result


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b with W of shape (out, in) as in torch.

    Backward: ∂L/∂x = g W,  ∂L/∂W = gᵀ x,  ∂L/∂b = Σ_rows g — each computed only
    when that input needs it (the data batch usually does not). The rule is made of @,
    transposes and sums, so it is differentiated again like any other (create_graph=True).
    """
    xd, wd = x._data, weight._data
    if wd.ndim != 2 or xd.ndim == 0 or xd.shape[-1] != wd.shape[1]:
        raise ShapeError(f"linear: input of shape {xd.shape} does not fit weight of shape "
                         f"{wd.shape} (the input's last dimension must be {wd.shape[-1]})")
    if xd.dtype != wd.dtype:
        raise TypeError(_dtype_message(xd.dtype, wd.dtype))
    out = xd @ wd.T
    if bias is not None:
        out += bias._data
        parents = (x, weight, bias)
    else:
        parents = (x, weight)

    n_out, n_in = wd.shape

    def backward(F, g, out, xin, w, b=None):
        gx = g @ w if x.requires_grad else None
        gw = gb = None
        if weight.requires_grad:
            if xd.ndim == 2:
                gw = F.swapaxes(g, 0, 1) @ xin
            else:                                          # (…, out), (…, in) → (out, in)
                gw = F.swapaxes(F.reshape(g, (-1, n_out)), 0, 1) @ F.reshape(xin, (-1, n_in))
        if bias is not None and bias.requires_grad:
            if not F.records_graph and g.ndim == 2 and g.dtype != object:
                # column sums as one BLAS call; arrays only (on tensors a plain sum is recorded)
                gb = np.ones(g.shape[0], dtype=g.dtype) @ g
            else:
                gb = F.sum_to(g, (n_out,))                 # Σ over every axis but the last
        return (gx, gw, gb) if bias is not None else (gx, gw)
    return make_result(out, parents, backward, "linear")


def _dtype_message(x_dtype, w_dtype) -> str:
    """Teach the fix for the usual cause: glassnet's default dtype is float64, torch's float32."""
    msg = f"linear: input is {x_dtype} but weight is {w_dtype}; they must match. "
    pair = (str(x_dtype), str(w_dtype))
    if pair == ("float32", "float64"):
        return msg + ("glassnet builds models in float64 by default (torch uses float32). Convert the "
                      "model with model.float(), or the data with x.double(), or call "
                      "gn.set_default_dtype(gn.float32) before building the model")
    if pair == ("float64", "float32"):
        return msg + "Convert the model with model.double(), or the data with x.float()"
    if x_dtype.kind in "biu":
        return msg + f"The input holds integers: convert it with x.to(gn.{w_dtype}) before the model"
    name = "exact" if x_dtype == object else str(x_dtype)
    return msg + f"Convert the data with x.to(gn.{w_dtype}) or the model with model.to(gn.{name})"
