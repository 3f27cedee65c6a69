"""softmax and log_softmax over any dimension, their stability, and the softmax Jacobian."""
import warnings

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import ops
from tests.helpers import check_grad_fd, check_op


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, dim", [((5,), 0), ((5,), -1), ((3, 4), 0), ((3, 4), 1),
                                        ((2, 3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), 0)])
def test_like_torch_over_any_dim(name, shape, dim):
    check_op(lambda t: getattr(gn, name)(t, dim), lambda t: getattr(torch, name)(t, dim), [shape])
    check_op(lambda t: getattr(t, name)(dim=dim), lambda t: getattr(t, name)(dim=dim), [shape])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_gradients_by_finite_differences(name):
    check_grad_fd(lambda t: getattr(gn, name)(t, 1), [(2, 3, 2)])


def test_softmax_by_hand():
    # softmax([0, ln 3]) = [1/4, 3/4]; with upstream [1, 0], ∂/∂z = p ∘ (g − g·p) = [3/16, −3/16]
    z = gn.tensor([0.0, np.log(3.0)], requires_grad=True)
    p = gn.softmax(z, 0)
    np.testing.assert_allclose(p.detach().numpy(), [0.25, 0.75], rtol=1e-15)
    p.backward(gn.tensor([1.0, 0.0]))
    np.testing.assert_allclose(z.grad.numpy(), [3 / 16, -3 / 16], rtol=1e-15)


def test_softmax_is_shift_invariant():
    z = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(gn.softmax(gn.tensor(z), 0).numpy(),
                               gn.softmax(gn.tensor(z + 100.0), 0).numpy(), rtol=1e-13)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_finite_and_silent_at_plus_minus_1000(name):
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 999.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = check_op(lambda t: getattr(gn, name)(t, 1), lambda t: getattr(torch, name)(t, 1), [x])
    assert np.isfinite(out.detach().numpy()).all()
    if name == "log_softmax":
        assert out.detach().numpy()[0, 1] == -2000.0        # exact, not −inf


def test_float32_stays_float32():
    x = gn.tensor([[1.0, 2.0]], dtype=gn.float32, requires_grad=True)
    gn.log_softmax(x, 1).sum().backward()
    assert gn.softmax(x, 1).dtype == gn.float32 and x.grad.dtype == gn.float32


def test_bad_dim_raises():
    with pytest.raises(IndexError, match="dimension 2"):
        gn.softmax(gn.ones(2, 3), 2)


def test_softmax_jacobian():
    # J = Diag(p) − p pᵀ; for p = [1/4, 3/4]: [[3/16, −3/16], [−3/16, 3/16]], each row sums to 0
    p = np.array([0.25, 0.75])
    np.testing.assert_allclose(ops.softmax_jacobian(p), [[3 / 16, -3 / 16], [-3 / 16, 3 / 16]], rtol=1e-15)
    z = torch.tensor([0.3, -1.0, 2.0], dtype=torch.float64)
    expected = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0), z).numpy()
    np.testing.assert_allclose(ops.softmax_jacobian(torch.softmax(z, 0).numpy()), expected, rtol=1e-12)
