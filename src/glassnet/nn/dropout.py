"""Dropout layer."""
from __future__ import annotations

from . import functional as F
from .module import Module


class Dropout(Module):
    """In training, zero each entry with probability p and scale the rest by 1/(1 − p);
    in eval mode, the identity."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace     # inplace is accepted for torch's API; never in place

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
