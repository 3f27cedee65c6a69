"""Flatten and Unflatten layers."""
from __future__ import annotations

from ..ops.shape import flatten, reshape
from ..ops._util import normalize_dim
from ..errors import ShapeError
from .module import Module


class Flatten(Module):
    """Merge dimensions start_dim…end_dim: (N, C, H, W) → (N, C·H·W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``: (N, 64) → (N, 4, 4, 4)."""

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        d = normalize_dim(self.dim, x.ndim, "Unflatten")
        size = 1
        for s in self.unflattened_size:
            size *= s if s != -1 else 1
        if -1 not in self.unflattened_size and size != x.shape[d]:
            raise ShapeError(f"unflattened_size {self.unflattened_size} has {size} elements but "
                             f"dimension {self.dim} of input {tuple(x.shape)} has {x.shape[d]}")
        return reshape(x, x.shape[:d] + self.unflattened_size + x.shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
