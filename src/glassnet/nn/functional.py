"""glassnet.nn.functional: the functional forms of layers and losses (as torch.nn.functional)."""
from __future__ import annotations

import warnings

import numpy as np

from .. import ops
from ..errors import ShapeError
from ..ops import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                   dropout, hinge_loss, linear, mse_loss, nll_loss, sigmoid, squared_error, step,
                   tanh)
from ..tensor import Tensor

squared_error_loss = squared_error

__all__ = [
    "linear", "relu", "leaky_relu", "tanh", "sigmoid", "step", "softmax", "log_softmax", "dropout",
    "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "hinge_loss", "squared_error", "squared_error_loss",
    "one_hot", "identity",
]


def identity(x):
    return x


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """(…,) class indices → (…, num_classes) of 0/1 (int64, as in torch)."""
    idx = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot is only applicable to index tensors, got {idx.dtype}")
    n = int(idx.max()) + 1 if num_classes == -1 else num_classes
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ShapeError(f"one_hot: class values must be in 0 … {n - 1}, got {idx.min()} … {idx.max()}")
    return Tensor._wrap(np.eye(n, dtype=np.int64)[idx])


# torch's signatures for the activations (``inplace`` is accepted and ignored: glassnet never
# works in place; softmax without ``dim`` picks torch's implicit dimension). The layers in
# activation.py call the ops directly, so these wrappers cost nothing on a module's forward.

def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(z, 0)."""
    return ops.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """z if z > 0 else slope·z."""
    return ops.leaky_relu(input, negative_slope)


def _implicit_dim(ndim: int, stacklevel: int) -> int:
    warnings.warn("Implicit dimension choice for softmax has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """e^{z_j} / Σ_k e^{z_k} along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    return ops.softmax(input, _implicit_dim(input.ndim, _stacklevel) if dim is None else dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """z_j − log Σ_k e^{z_k} along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    return ops.log_softmax(input, _implicit_dim(input.ndim, _stacklevel) if dim is None else dim)
