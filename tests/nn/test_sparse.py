"""nn.Embedding against torch.nn.Embedding: lookup, gradient, padding row, init, repr."""
import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn

from ._helpers import assert_close, copy_weights


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_layer_like_torch(padding_idx):
    g, t = nn.Embedding(6, 4, padding_idx=padding_idx), torch.nn.Embedding(6, 4, padding_idx=padding_idx)
    t = t.double()
    copy_weights(g, t)
    assert repr(g) == repr(t) and list(g.state_dict()) == list(t.state_dict())
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    yg, yt = g(gn.tensor(idx)), t(torch.tensor(idx))
    assert_close(yg, yt)
    up = np.random.default_rng(0).standard_normal(yt.shape)
    yg.backward(gn.tensor(up))
    yt.backward(torch.tensor(up))
    assert_close(g.weight.grad, t.weight.grad)


def test_embedding_init_and_padding_row():
    gn.manual_seed(0)
    e = nn.Embedding(1000, 8, padding_idx=-1)
    w = e.weight.detach().numpy()
    assert e.padding_idx == 999 and (w[999] == 0).all()
    assert abs(w[:999].mean()) < 0.02 and abs(w[:999].std() - 1) < 0.02    # N(0, 1), 7992 samples


def test_from_pretrained_is_frozen_by_default():
    table = gn.tensor([[1.0, 2.0], [3.0, 4.0]])
    e = nn.Embedding.from_pretrained(table)
    assert not e.weight.requires_grad and e(gn.tensor([1])).tolist() == [[3.0, 4.0]]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(NotImplementedError, match="max_norm"):
        nn.Embedding(3, 2, max_norm=1.0)
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)
