"""Flatten and Unflatten against torch: shapes, values, gradients, and the size check."""
import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn

from ._helpers import assert_close

X = np.random.default_rng(0).normal(size=(2, 3, 4, 5))


@pytest.mark.parametrize("args", [(), (0,), (1, 2), (2, -1), (-3, -2)])
def test_flatten_matches_torch(args):
    xg, xt = gn.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    yg, yt = nn.Flatten(*args)(xg), torch.nn.Flatten(*args)(xt)
    assert_close(yg, yt, tol=0)
    up = np.random.default_rng(1).normal(size=yt.shape)
    yg.backward(gn.tensor(up))
    yt.backward(torch.tensor(up))
    assert_close(xg.grad, xt.grad, tol=0)
    assert repr(nn.Flatten(*args)) == repr(torch.nn.Flatten(*args))


@pytest.mark.parametrize("dim,size", [(1, (3, 4)), (-1, (2, -1)), (0, (1, 2))])
def test_unflatten_matches_torch(dim, size):
    x = X.reshape(2, 12, 5) if dim != -1 else X.reshape(2, 60)
    xg, xt = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg, yt = nn.Unflatten(dim, size)(xg), torch.nn.Unflatten(dim, size)(xt)
    assert_close(yg, yt, tol=0)
    yg.sum().backward()
    yt.sum().backward()
    assert_close(xg.grad, xt.grad, tol=0)
    assert repr(nn.Unflatten(dim, size)) == repr(torch.nn.Unflatten(dim, size))


def test_unflatten_size_error_names_the_layer_and_shapes():
    with pytest.raises(gn.ShapeError, match=r"^Unflatten\(dim=1, unflattened_size=\(5, 5\)\): .*"
                                            r"25 elements.*\(2, 12\)"):
        nn.Unflatten(1, (5, 5))(gn.zeros(2, 12))


def test_flatten_then_linear_in_a_sequential():
    model = nn.Sequential(nn.Flatten(), nn.Linear(60, 3))
    assert model(gn.tensor(X)).shape == (2, 3)
