"""glassnet.nn.functional: the functional forms of layers and losses (as torch.nn.functional)."""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..ops import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                   dropout, hinge_loss, leaky_relu, linear, log_softmax, mse_loss, nll_loss, relu,
                   sigmoid, softmax, squared_error, step, tanh)
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
