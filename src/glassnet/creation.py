"""Functions that make tensors: from data, filled with constants, ranges, random numbers."""
from __future__ import annotations

import numpy as np

from . import _backend
from ._device import check_device
from .tensor import Tensor, _to_array


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(s) for s in size)


def _leaf(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(array)
    return t.requires_grad_(True) if requires_grad else t


def tensor(data, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """A new tensor holding a copy of ``data`` (Python floats → the default dtype, ints → int64)."""
    check_device(device)
    return _leaf(_to_array(data, dtype, copy=True), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory with an ndarray or tensor of the same dtype."""
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or data.dtype == _backend.as_dtype(dtype)):
        return data
    return Tensor._wrap(_to_array(data, dtype, copy=False))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)


def zeros(*size, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device)
    return _leaf(np.zeros(_size(size), dtype=_backend.as_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device)
    return _leaf(np.ones(_size(size), dtype=_backend.as_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device)
    if dtype is None and isinstance(fill_value, (bool, int)):
        dtype = bool if isinstance(fill_value, bool) else _backend.int64
    return _leaf(np.full(_size((size,)), fill_value, dtype=_backend.as_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device)
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def zeros_like(t: Tensor, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device)
    return _leaf(np.zeros(t.shape, dtype=t.dtype if dtype is None else _backend.as_dtype(dtype)),
                 requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device)
    return _leaf(np.ones(t.shape, dtype=t.dtype if dtype is None else _backend.as_dtype(dtype)),
                 requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device)
    return _leaf(np.full(t.shape, fill_value, dtype=t.dtype if dtype is None else _backend.as_dtype(dtype)),
                 requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """start, start + step, … up to but excluding end (integers unless a bound is a float)."""
    check_device(device)
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = _backend.int64 if is_int else None
    return _leaf(np.arange(start, end, step, dtype=_backend.as_dtype(dtype)), requires_grad)


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device)
    return _leaf(np.linspace(start, end, steps, dtype=_backend.as_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device)
    return _leaf(np.eye(n, m, dtype=_backend.as_dtype(dtype)), requires_grad)


def rand(*size, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """Uniform samples on [0, 1) from glassnet's generator (seed with manual_seed)."""
    check_device(device)
    dt = _backend.as_dtype(dtype)
    return _leaf(_backend.generator().random(_size(size), dtype=dt), requires_grad)


def randn(*size, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """Standard normal samples from glassnet's generator."""
    check_device(device)
    dt = _backend.as_dtype(dtype)
    return _leaf(_backend.generator().standard_normal(_size(size), dtype=dt), requires_grad)


def randint(low, high=None, size=(), dtype=None, device=None) -> Tensor:
    """Integers in [low, high); ``randint(high, size)`` as in torch."""
    check_device(device)
    if isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    return Tensor._wrap(_backend.generator().integers(low, high, size=_size((size,)),
                                                      dtype=_backend.as_dtype(dtype or _backend.int64)))


def randperm(n: int, dtype=None, device=None) -> Tensor:
    check_device(device)
    return Tensor._wrap(_backend.generator().permutation(n).astype(_backend.as_dtype(dtype or _backend.int64)))
