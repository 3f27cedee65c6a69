"""Embedding lookup: rows of a weight matrix picked by integer indices."""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, make_result
from . import _rules


def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """y[…, :] = W[i…, :] for indices i of any shape;  ∂L/∂W[k] = Σ of g over the positions
    with index k (rows never looked up get 0; so does ``padding_idx``, whose row stays fixed).

    Shape: input (*) int, weight (num_embeddings, embedding_dim) → output (*, embedding_dim).
    """
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    wd = weight._data
    if wd.ndim != 2:
        raise ShapeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got {wd.shape}")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers (int64), got {idx.dtype}; use input.long()")
    n = wd.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].reshape(-1)[0]
        raise IndexError(f"embedding: index {int(bad)} is out of range for {n} embeddings "
                         f"(indices must be in 0 … {n - 1})")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding: padding_idx must be within num_embeddings ({n}), got {padding_idx}")
        padding_idx %= n
    out = wd[idx]                                          # (*) → (*, D), a copy
    return make_result(out, (weight,),
                       lambda F, g, out, w: (F.embedding_backward(g, idx, n, padding_idx),), "embedding")


# ---------------------------------------------------------------- for derivative rules

def _embedding_backward_arrays(g: np.ndarray, idx: np.ndarray, n: int, padding_idx: int | None) -> np.ndarray:
    d = g.shape[-1]
    gw = np.zeros((n, d), dtype=g.dtype)
    np.add.at(gw, idx.reshape(-1), g.reshape(-1, d))     # repeated indices add up
    if padding_idx is not None:
        gw[padding_idx] = 0
    return gw


def embedding_backward(g: Tensor, idx: np.ndarray, n: int, padding_idx: int | None) -> Tensor:
    """The (n, D) rows Σ of g over the positions holding each index, 0 for ``padding_idx``:
    the adjoint of the lookup W[idx], whose own adjoint is the lookup h[idx] again (with the
    padding positions zeroed, as their rows received nothing)."""
    pad = None if padding_idx is None else (idx == padding_idx)[..., None]   # (*) → (*, 1)

    def backward(F, h, out, x):
        rows = h[idx]                                     # (n, D) → (*, D)
        return (rows if pad is None else F.where(pad, 0, rows),)
    return make_result(_embedding_backward_arrays(g._data, idx, n, padding_idx), (g,), backward,
                       "embedding_backward")


_rules.define("embedding_backward", _embedding_backward_arrays, embedding_backward)
