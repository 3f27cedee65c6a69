"""Elementwise functions and activations against torch, central differences and hand values."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as gn
from glassnet import ops
from glassnet.errors import ShapeError
from tests.helpers import check_grad_fd, check_op

rng = np.random.default_rng(0)
POSITIVE = rng.uniform(0.1, 3.0, (3, 4))
MIXED = rng.standard_normal((3, 4))

UNARY = [
    ("exp", gn.exp, torch.exp, MIXED),
    ("log", gn.log, torch.log, POSITIVE),
    ("sqrt", gn.sqrt, torch.sqrt, POSITIVE),
    ("abs", gn.abs, torch.abs, MIXED),
    ("tanh", gn.tanh, torch.tanh, MIXED),
    ("sigmoid", gn.sigmoid, torch.sigmoid, MIXED),
    ("relu", gn.relu, torch.relu, MIXED),
    ("leaky_relu", ops.leaky_relu, F.leaky_relu, MIXED),
    ("leaky_relu_0.2", lambda t: ops.leaky_relu(t, 0.2), lambda t: F.leaky_relu(t, 0.2), MIXED),
    ("method_exp", lambda t: t.exp(), lambda t: t.exp(), MIXED),
    ("abs_builtin", abs, abs, MIXED),
]


@pytest.mark.parametrize("name, fn, torch_fn, x", UNARY, ids=[u[0] for u in UNARY])
def test_unary_like_torch(name, fn, torch_fn, x):
    check_op(fn, torch_fn, [x])


@pytest.mark.parametrize("name, fn, torch_fn, x", UNARY[:8], ids=[u[0] for u in UNARY[:8]])
def test_unary_gradients_by_finite_differences(name, fn, torch_fn, x):
    check_grad_fd(fn, [x[:2, :3]])


@pytest.mark.parametrize("fn, torch_fn", [(gn.relu, torch.relu), (gn.abs, torch.abs),
                                          (ops.leaky_relu, F.leaky_relu)])
def test_kinks_at_zero_match_torch(fn, torch_fn):
    # relu'(0) = 0, |x|'(0) = 0, leaky_relu'(0) = slope: torch's choices
    check_op(fn, torch_fn, [np.array([-1.0, 0.0, 2.0])])


def test_sigmoid_and_tanh_by_hand():
    # σ(0) = 1/2, σ'(0) = 1/4; tanh(0) = 0, tanh'(0) = 1; σ(ln 3) = 3/4, σ' = 3/16
    x = gn.tensor([0.0, np.log(3.0)], requires_grad=True)
    s = gn.sigmoid(x)
    s.sum().backward()
    np.testing.assert_allclose(s.detach().numpy(), [0.5, 0.75], rtol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), [0.25, 3 / 16], rtol=1e-15)
    y = gn.tensor(0.0, requires_grad=True)
    gn.tanh(y).backward()
    assert y.grad.item() == 1.0


@pytest.mark.parametrize("fn, torch_fn", [(gn.sigmoid, torch.sigmoid), (gn.tanh, torch.tanh)])
def test_saturating_functions_are_finite_and_silent_at_1000(fn, torch_fn):
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = check_op(fn, torch_fn, [x])
    assert np.isfinite(out.detach().numpy()).all()


def test_step_is_a_hard_threshold_with_zero_gradient():
    x = gn.tensor([-0.5, 0.0, 2.0], requires_grad=True)
    out = ops.step(x)
    assert out.tolist() == [0.0, 1.0, 1.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("lo, hi", [(-0.5, 0.5), (None, 0.3), (-0.2, None), (0.0, 0.0)])
def test_clamp_like_torch(lo, hi):
    x = np.array([[-1.0, -0.5, -0.2, 0.0], [0.1, 0.3, 0.5, 2.0]])   # includes the bounds exactly
    check_op(lambda t: gn.clamp(t, lo, hi), lambda t: torch.clamp(t, lo, hi), [x])
    check_op(lambda t: t.clip(min=lo, max=hi), lambda t: t.clip(min=lo, max=hi), [x])


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="min and max"):
        gn.clamp(gn.ones(2))


@pytest.mark.parametrize("cond_shape, sa, sb", [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)),
                                                ((4,), (3, 4), ()), ((3, 1), (3, 4), (4,))])
def test_where_like_torch(cond_shape, sa, sb):
    cond = np.random.default_rng(2).random(cond_shape) < 0.5
    check_op(lambda a, b: gn.where(gn.tensor(cond), a, b),
             lambda a, b: torch.where(torch.tensor(cond), a, b), [sa, sb])


def test_where_with_scalars_and_constants():
    cond = np.array([True, False, True])
    x = np.array([1.0, -2.0, 3.0])
    check_op(lambda a: gn.where(gn.tensor(cond), a, 0.0), lambda a: torch.where(torch.tensor(cond), a, 0.0), [x])
    check_op(lambda a: gn.where(cond, -1.0, a), lambda a: torch.where(torch.tensor(cond), -1.0, a), [x])
    out = gn.where(cond, np.ones(3), np.zeros(3))
    assert out.tolist() == [1.0, 0.0, 1.0] and not out.requires_grad
    with pytest.raises(ShapeError, match=r"\(2,\).*\(3,\)"):
        gn.where(gn.tensor([True, False]), gn.ones(2), gn.ones(3))


@pytest.mark.parametrize("fn, torch_fn", [(gn.maximum, torch.maximum), (gn.minimum, torch.minimum)])
@pytest.mark.parametrize("sa, sb", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 2))])
def test_maximum_minimum_like_torch(fn, torch_fn, sa, sb):
    check_op(fn, torch_fn, [sa, sb])


@pytest.mark.parametrize("fn, torch_fn", [(gn.maximum, torch.maximum), (gn.minimum, torch.minimum)])
def test_maximum_minimum_ties_split_the_gradient(fn, torch_fn):
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 5.0, 3.0])
    check_op(fn, torch_fn, [a, b])
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    fn(x, gn.tensor([1.0, 1.0])).sum().backward()       # tie at index 0 → ½
    assert x.grad.tolist()[0] == 0.5


def test_maximum_with_scalar_and_method_forms():
    x = np.array([-1.0, 0.0, 2.0])
    check_op(lambda t: gn.maximum(t, 0.0),     # the tie at 0 splits the gradient too
             lambda t: torch.maximum(t, torch.tensor(0.0, dtype=torch.float64)), [x])
    check_op(lambda a, b: a.maximum(b), lambda a, b: a.maximum(b), [(3,), (3,)])
    check_op(lambda a, b: gn.max(a, b), lambda a, b: torch.max(a, b), [(3,), (3,)])
    check_op(lambda a, b: gn.min(a, b), lambda a, b: torch.min(a, b), [(3,), (3,)])


def test_log_of_zero_is_minus_inf_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gn.log(gn.tensor([0.0])).tolist() == [float("-inf")]
