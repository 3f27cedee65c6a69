"""Embedding: a lookup table of learned vectors, one per index."""
from __future__ import annotations

import numpy as np

from .. import _backend
from .._device import check_device
from ..errors import ShapeError
from ..ops.embedding import embedding
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """y = W[i]: the row of W for each integer index i.

    Args:
        num_embeddings: the number of rows (the vocabulary size).
        embedding_dim: the length of each vector.
        padding_idx: a row that stays fixed (initialised to 0, gradient 0), e.g. for padding.
    Shape:
        input (*) of int64 → output (*, embedding_dim); weight (num_embeddings, embedding_dim) ~ N(0, 1).
    Example:
        >>> Embedding(10, 3)(glassnet.tensor([[1, 2], [4, 9]])).shape
        (2, 2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight=None, _freeze: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        check_device(device)
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: max_norm, scale_grad_by_freq and sparse are not "
                                      "supported by glassnet")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx must be within num_embeddings ({num_embeddings}), "
                                 f"got {padding_idx}")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=_backend.as_dtype(dtype)),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            w = _weight._data if hasattr(_weight, "_data") else np.asarray(_weight)
            if w.shape != (num_embeddings, embedding_dim):
                raise ShapeError(f"Embedding: _weight must have shape ({num_embeddings}, {embedding_dim}), "
                                 f"got {w.shape}")
            self.weight = Parameter(w, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """W ~ N(0, 1), with the padding row set to 0 (torch's default)."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None) -> "Embedding":
        """An Embedding holding ``embeddings`` (num_embeddings, embedding_dim), frozen by default."""
        if embeddings.ndim != 2:
            raise ShapeError(f"Embeddings parameter is expected to be 2-dimensional, got shape "
                             f"{tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx=padding_idx, _weight=embeddings, _freeze=freeze)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
