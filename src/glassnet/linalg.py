"""``glassnet.linalg``: the vector norm of torch.linalg (matrix decompositions are not provided)."""
from .ops.reduction import vector_norm

__all__ = ["vector_norm"]
