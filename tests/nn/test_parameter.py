"""Parameter: a leaf that requires grad, shares memory with its data, and stays a Parameter
only itself (results of ops on it are plain tensors, as in torch)."""
import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn


def test_a_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(gn.tensor([1.0, 2.0]))
    assert isinstance(p, gn.Tensor) and p.requires_grad and p.is_leaf and p.grad is None
    assert not nn.Parameter(gn.zeros(2), requires_grad=False).requires_grad


def test_a_parameter_shares_memory_with_its_data_like_torch():
    a = np.array([1.0, 2.0])
    p = nn.Parameter(a)
    a[0] = 5.0
    assert p.detach().numpy()[0] == 5.0
    t = gn.tensor([3.0])
    assert nn.Parameter(t).detach().numpy() is t.numpy()


def test_results_of_ops_are_plain_tensors_in_the_graph():
    p = nn.Parameter(gn.tensor([1.0, 2.0]))
    y = p * 3
    assert type(y) is gn.Tensor and y.requires_grad and not y.is_leaf
    assert type(p.detach()) is gn.Tensor
    y.sum().backward()
    assert p.grad.tolist() == [3.0, 3.0]


def test_integer_parameters_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(gn.tensor([1, 2]))
    assert nn.Parameter(gn.tensor([1, 2]), requires_grad=False).dtype == gn.int64


def test_empty_parameter():
    assert nn.Parameter().shape == (0,)
