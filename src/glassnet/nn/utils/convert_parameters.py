"""Parameters ↔ one flat vector, as torch.nn.utils (e.g. for line searches or weight averaging)."""
from __future__ import annotations

from typing import Iterable

from ...errors import ShapeError
from ...ops.shape import cat, reshape
from ...tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined in order: (n₁ + n₂ + …,). Differentiable, as torch's."""
    params = list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"expected Tensor, but got: {type(p).__name__}")
    return cat([reshape(p, -1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give each parameter its slice of ``vec`` (in order), as torch: afterwards the parameters
    share memory with ``vec``."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise ShapeError(f"vector_to_parameters: vec must be 1-D with {total} entries (one per "
                         f"parameter entry), got shape {tuple(vec.shape)}")
    data = vec._data
    start = 0
    for p in params:
        n = p.numel()
        p._data = data[start:start + n].reshape(p.shape)     # a view, as torch's param.data = …
        start += n
