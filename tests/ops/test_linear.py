"""The fused affine op y = x Wᵀ + b against torch.nn.functional.linear."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as gn
from glassnet import ops
from glassnet.errors import ShapeError
from tests.helpers import check_grad_fd, check_op


@pytest.mark.parametrize("x_shape", [(3,), (5, 3), (2, 4, 3), (0, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_like_torch(x_shape, bias):
    shapes = [x_shape, (4, 3)] + ([(4,)] if bias else [])
    check_op(ops.linear, F.linear, shapes)


@pytest.mark.parametrize("flags", [[False, True, True], [True, False, False], [False, False, True]])
def test_linear_with_some_inputs_not_requiring_grad(flags):
    check_op(ops.linear, F.linear, [(5, 3), (4, 3), (4,)], requires_grad=flags)


def test_linear_by_hand():
    # W = [[1, 2], [3, 4]], b = [1, −1], x = [1, 1]: y = Wx + b = [4, 6];
    # with upstream g = [1, 2]: ∂/∂x = Wᵀg = [7, 10], ∂/∂W = g xᵀ = [[1, 1], [2, 2]], ∂/∂b = g
    x = gn.tensor([[1.0, 1.0]], requires_grad=True)
    w = gn.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = gn.tensor([1.0, -1.0], requires_grad=True)
    y = ops.linear(x, w, b)
    assert y.tolist() == [[4.0, 6.0]]
    y.backward(gn.tensor([[1.0, 2.0]]))
    assert x.grad.tolist() == [[7.0, 10.0]]
    assert w.grad.tolist() == [[1.0, 1.0], [2.0, 2.0]] and b.grad.tolist() == [1.0, 2.0]


def test_linear_gradients_by_finite_differences():
    check_grad_fd(ops.linear, [(2, 3, 2), (4, 2), (4,)])


def test_linear_shape_and_dtype_errors():
    with pytest.raises(ShapeError, match=r"\(5, 2\).*\(4, 3\)"):
        ops.linear(gn.ones(5, 2), gn.ones(4, 3))
    with pytest.raises(TypeError, match="float32.*float64"):
        ops.linear(gn.ones(5, 3, dtype=gn.float32), gn.ones(4, 3))


def test_linear_keeps_float32():
    x = gn.ones(2, 3, dtype=gn.float32)
    w = gn.ones(4, 3, dtype=gn.float32, requires_grad=True)
    b = gn.zeros(4, dtype=gn.float32, requires_grad=True)
    ops.linear(x, w, b).sum().backward()
    assert w.grad.dtype == gn.float32 and b.grad.dtype == gn.float32
    assert ops.linear(x, w, b).dtype == gn.float32


def test_dtype_mismatch_message_teaches_the_fix():
    # the usual case: float32 data (torch's default) into a model built in glassnet's float64
    with pytest.raises(TypeError) as err:
        ops.linear(gn.ones(5, 3, dtype=gn.float32), gn.ones(4, 3))
    msg = str(err.value)
    assert "input is float32 but weight is float64" in msg
    for fix in ("model.float()", "x.double()", "gn.set_default_dtype(gn.float32) before building the model"):
        assert fix in msg
    with pytest.raises(TypeError, match=r"weight is float32.*model\.double\(\).*x\.float\(\)"):
        ops.linear(gn.ones(5, 3), gn.ones(4, 3, dtype=gn.float32))
    with pytest.raises(TypeError, match=r"input is int64.*integers.*x\.to\(gn\.float64\)"):
        ops.linear(gn.ones(5, 3, dtype=gn.int64), gn.ones(4, 3))
