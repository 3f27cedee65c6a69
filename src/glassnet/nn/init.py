"""Initialisers as in torch.nn.init; each fills a tensor in place from glassnet's generator."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _backend
from ..tensor import Tensor

_GAINS = {"linear": 1.0, "identity": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0,
          "conv_transpose1d": 1.0, "conv_transpose2d": 1.0, "conv_transpose3d": 1.0,
          "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 3.0 / 4}


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for an activation (tanh 5/3, relu √2, leaky_relu √(2/(1 + a²)))."""
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    try:
        return _GAINS[nonlinearity]
    except KeyError:
        raise ValueError(f"unsupported nonlinearity {nonlinearity!r}; choose one of "
                         f"{sorted(_GAINS) + ['leaky_relu']}") from None


def _calculate_fan_in_and_fan_out(t: Tensor) -> tuple[int, int]:
    if t.ndim < 2:
        raise ValueError("fan in and fan out can not be computed for a tensor with fewer than 2 dimensions")
    receptive = int(np.prod(t.shape[2:])) if t.ndim > 2 else 1
    return t.shape[1] * receptive, t.shape[0] * receptive


def _fill(t: Tensor, values: np.ndarray) -> Tensor:
    if t._data.dtype == _backend.exact:     # SymPy numbers, never Python floats (0.1 → 1/10)
        values = _backend.as_exact(np.broadcast_to(values, t.shape))
    t._data[...] = values       # written under the hood: initialisation is not part of any graph
    return t


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    return _fill(t, _backend.generator().uniform(a, b, t.shape))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    return _fill(t, _backend.generator().normal(mean, std, t.shape))


def constant_(t: Tensor, val: float) -> Tensor:
    return _fill(t, val)


def zeros_(t: Tensor) -> Tensor:
    return _fill(t, 0)


def ones_(t: Tensor) -> Tensor:
    return _fill(t, 1)


def eye_(t: Tensor) -> Tensor:
    if t.ndim != 2:
        raise ValueError("only tensors with 2 dimensions are supported")
    return _fill(t, np.eye(*t.shape))


def xavier_uniform_(t: Tensor, gain: float = 1.0) -> Tensor:
    """U(−a, a) with a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -a, a)


def xavier_normal_(t: Tensor, gain: float = 1.0) -> Tensor:
    """N(0, std²) with std = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _fan(t: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    return fan_in if mode == "fan_in" else fan_out


def kaiming_uniform_(t: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """U(−bound, bound) with bound = gain·√(3 / fan); torch's Linear uses a = √5, i.e. bound = 1/√fan_in."""
    if 0 in t.shape:                    # fan may be 0 (Linear(0, n)): nothing to fill, as in torch
        warnings.warn("Initializing zero-element tensors is a no-op")
        return t
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(t, mode))
    return uniform_(t, -bound, bound)


def kaiming_normal_(t: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    if 0 in t.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return t
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(t, mode))
    return normal_(t, 0.0, std)
