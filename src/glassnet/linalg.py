"""``glassnet.linalg``: torch.linalg's norms (vector and matrix) and the products that are plain
compositions; matrix decompositions (and the norms that need singular values) are not provided."""
from __future__ import annotations

import numpy as np

from .errors import ShapeError
from .ops._util import as_tensor, normalize_dim
from .ops.reduction import sum as _sum, vector_norm
from .tensor import Tensor

__all__ = ["matrix_norm", "norm", "vector_norm"]

_NEEDS_SVD = ("nuc", 2, -2)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """The norm of each matrix of A (over the two dimensions ``dim``):

    'fro': √(Σ aᵢⱼ²);  1 / −1: the largest / smallest column sum of |aᵢⱼ|;
    inf / −inf: the largest / smallest row sum of |aᵢⱼ|. The gradient of a max is shared
    between tied columns (rows), as torch's amax.
    """
    from .ops.elementwise import abs as _abs
    from .ops.shape import squeeze
    from .ops.sorting import amax, amin
    A = as_tensor(A)
    if A.ndim < 2:
        raise ShapeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions, "
                         f"got shape {tuple(A.shape)}.")
    if isinstance(dim, (int, np.integer)) or len(dim) != 2:
        raise ShapeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (normalize_dim(d, A.ndim, "linalg.matrix_norm") for d in dim)
    if d0 == d1:
        raise ShapeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return vector_norm(A, 2, dim=(d0, d1), keepdim=keepdim, dtype=dtype)
    if ord in _NEEDS_SVD and not isinstance(ord, bool):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs singular values, which "
                                  f"glassnet does not compute; use 'fro', 1, -1, inf or -inf")
    if ord not in (1, -1, np.inf, -np.inf) or isinstance(ord, bool):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if dtype is not None:
        from .ops.shape import to_dtype
        A = to_dtype(A, dtype)
    # ord ±1: sum over the rows (d0), extreme over the columns; ord ±inf: the other way round
    summed, extreme = (d0, d1) if abs(ord) == 1 else (d1, d0)
    sums = _sum(_abs(A), dim=summed, keepdim=True)
    out = (amax if ord > 0 else amin)(sums, dim=extreme, keepdim=True)
    return out if keepdim else squeeze(out, (d0, d1))


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """torch.linalg.norm: a vector norm when ``dim`` is an int (or ord is None and dim None:
    over all entries), a matrix norm when ``dim`` is a 2-tuple or A is 2-D and ord is given."""
    A = as_tensor(A)
    if dim is not None and not isinstance(dim, (int, np.integer)):
        dim = tuple(dim)
        if len(dim) == 1:
            dim = dim[0]
    if dim is None:
        if ord is None:
            return vector_norm(A, 2, None, keepdim, dtype)
        if A.ndim == 1:
            return vector_norm(A, ord, None, keepdim, dtype)
        if A.ndim == 2:
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
        raise ShapeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D "
                         f"or 2D. Got {A.ndim}D.")
    if isinstance(dim, tuple):
        if len(dim) != 2:
            raise ShapeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise ShapeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype)
