"""embedding against torch.nn.functional.embedding: values, the weight's gradient with
repeated indices and a padding row, and errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as gn
from glassnet import ops
from glassnet.errors import ShapeError
from tests.helpers import check_op

INDICES = np.array([[1, 4, 1], [0, 4, 2]])      # 1 and 4 repeat: their gradients add up


@pytest.mark.parametrize("padding_idx", [None, 4, -1, 3])
@pytest.mark.parametrize("idx", [INDICES, INDICES[0], np.array(2)], ids=["2d", "1d", "0d"])
def test_embedding_like_torch(padding_idx, idx):
    check_op(lambda w: ops.embedding(gn.tensor(idx), w, padding_idx),
             lambda w: F.embedding(torch.tensor(idx), w, padding_idx), [(5, 3)])


def test_embedding_by_hand():
    # W = [[0, 1], [2, 3], [4, 5]], indices [2, 0, 2]: rows [4, 5], [0, 1], [4, 5];
    # ∂(Σ y)/∂W = [[1, 1], [0, 0], [2, 2]] (row 2 used twice, row 1 never)
    w = gn.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], requires_grad=True)
    y = ops.embedding(gn.tensor([2, 0, 2]), w)
    y.sum().backward()
    assert y.tolist() == [[4.0, 5.0], [0.0, 1.0], [4.0, 5.0]]
    assert w.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]]


def test_embedding_errors():
    w = gn.zeros(5, 3)
    with pytest.raises(IndexError, match=r"index 5 is out of range for 5 embeddings"):
        ops.embedding(gn.tensor([0, 5]), w)
    with pytest.raises(IndexError, match=r"index -1 is out of range"):
        ops.embedding(gn.tensor([-1]), w)
    with pytest.raises(TypeError, match=r"integers.*float64.*long\(\)"):
        ops.embedding(gn.tensor([0.0]), w)
    with pytest.raises(ShapeError, match="2-D"):
        ops.embedding(gn.tensor([0]), gn.zeros(5))
    with pytest.raises(ValueError, match="padding_idx"):
        ops.embedding(gn.tensor([0]), w, padding_idx=5)
