"""glassnet.nn.functional: the functional forms of layers and losses (as torch.nn.functional)."""
from __future__ import annotations

import warnings

import numpy as np

from .. import ops
from ..errors import ShapeError
from ..ops import (batch_norm, binary_cross_entropy, binary_cross_entropy_with_logits,
                   cross_entropy, dropout, embedding, hinge_loss, huber_loss, kl_div, l1_loss,
                   layer_norm, linear, mse_loss, nll_loss, sigmoid, smooth_l1_loss, squared_error,
                   step, tanh)
from ..ops.conv import conv1d, conv2d
from ..ops.pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d, pad
from ..tensor import Tensor

squared_error_loss = squared_error

__all__ = [
    "linear", "relu", "leaky_relu", "tanh", "sigmoid", "step", "softmax", "log_softmax", "dropout",
    "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "hinge_loss", "squared_error", "squared_error_loss",
    "one_hot", "identity", "gelu", "elu", "silu", "softplus", "softsign", "layer_norm",
    "batch_norm", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "embedding",
]
__all__ += ["conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "pad"]


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


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """z·Φ(z) = ½z(1 + erf(z/√2)), or its tanh approximation (``approximate='tanh'``)."""
    return ops.gelu(input, approximate)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """z if z > 0 else α(e^z − 1)."""
    return ops.elu(input, alpha)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """z·σ(z)."""
    return ops.silu(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/β) log(1 + e^(βz)), and z where βz > threshold."""
    return ops.softplus(input, beta, threshold)


def softsign(input: Tensor) -> Tensor:
    """z / (1 + |z|), composed (its derivative 1/(1 + |z|)² comes from the parts)."""
    return input / (ops.abs(input) + 1)
