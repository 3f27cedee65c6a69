"""BatchNorm1d and BatchNorm2d: normalise each channel over the batch (and positions)."""
from __future__ import annotations

import numpy as np

from .. import _backend
from .._device import check_device
from ..errors import ShapeError
from ..ops.normalization import batch_norm
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    """y = (x − μ)/√(σ² + ε) · γ + β per channel, with μ, σ² from the batch in training and from
    the running estimates in eval mode.

    In training the running estimates move towards the batch's: r ← (1 − momentum)·r +
    momentum·s, using the unbiased batch variance for running_var; ``momentum=None`` averages all
    batches so far equally (factor 1/num_batches_tracked). With ``track_running_stats=False``
    there are no running estimates and the batch statistics are used in eval mode too.
    """

    _layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        check_device(device)
        if num_features <= 0:
            raise ValueError(f"{type(self).__name__}: num_features must be > 0, got {num_features}")
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dt = _backend.as_dtype(dtype)
        self.register_parameter("weight", Parameter(np.empty(num_features, dtype=dt)) if affine else None)
        self.register_parameter("bias", Parameter(np.empty(num_features, dtype=dt))
                                if affine and bias else None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._wrap(np.zeros(num_features, dtype=dt)))
            self.register_buffer("running_var", Tensor._wrap(np.ones(num_features, dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.zeros((), dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        """γ = 1, β = 0, and fresh running statistics."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input(self, x) -> None:
        raise NotImplementedError

    def forward(self, x):
        self._check_input(x)
        if x.shape[1] != self.num_features:
            raise ShapeError(f"expects {self.num_features} channels (dimension 1 of input "
                             f"{self._layout}), got input of shape {tuple(x.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data[...] += 1
            if self.momentum is None:                   # a cumulative average of all batches
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(x, self.running_mean if track else None, self.running_var if track else None,
                          self.weight, self.bias, use_batch_stats, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) features or (N, C, L) sequences, per channel C.

    Args:
        num_features: C.
        eps: added to the variance for stability (default 1e-5).
        momentum: weight of the batch in the running estimates (default 0.1; None: equal weights).
        affine: learn γ (ones) and β (zeros) of shape (C,); ``bias=False`` (keyword): γ only.
        track_running_stats: keep running_mean / running_var for eval mode.
    Shape:
        input (N, C) or (N, C, L) → output of the same shape.
    Example:
        >>> bn = BatchNorm1d(3); bn(glassnet.randn(8, 3)).shape; bn.eval()
        (8, 3)
    """

    _layout = "(N, C) or (N, C, L)"

    def _check_input(self, x) -> None:
        if x.ndim not in (2, 3):
            raise ShapeError(f"expected 2D or 3D input {self._layout}, got {x.ndim}D input of shape "
                             f"{tuple(x.shape)}")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images, per channel C (statistics over N, H, W).

    Args and behaviour as BatchNorm1d.
    Shape:
        input (N, C, H, W) → output of the same shape.
    """

    _layout = "(N, C, H, W)"

    def _check_input(self, x) -> None:
        if x.ndim != 4:
            raise ShapeError(f"expected 4D input {self._layout}, got {x.ndim}D input of shape "
                             f"{tuple(x.shape)}")
