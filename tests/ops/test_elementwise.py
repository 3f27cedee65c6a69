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


# ---------------------------------------------------------------- sin … gelu

# Values at the kinks and branch points (0, ±threshold) and far out (±30) next to random ones.
EDGES = np.array([-30.0, -3.0, -1.0, -1e-9, 0.0, 1e-9, 0.5, 1.0, 3.0, 30.0])
ABOVE_MINUS_ONE = rng.uniform(-0.9, 3.0, (3, 4))

MORE_UNARY = [
    ("sin", gn.sin, torch.sin, MIXED),
    ("cos", gn.cos, torch.cos, MIXED),
    ("log1p", gn.log1p, torch.log1p, ABOVE_MINUS_ONE),
    ("expm1", gn.expm1, torch.expm1, MIXED),
    ("sign", gn.sign, torch.sign, EDGES),
    ("erf", gn.erf, torch.erf, EDGES),
    ("erf_random", gn.erf, torch.erf, MIXED * 2),
    ("softplus", ops.softplus, F.softplus, EDGES),
    ("softplus_beta2_threshold1", lambda t: ops.softplus(t, 2.0, 1.0),
     lambda t: F.softplus(t, 2.0, 1.0), EDGES),
    ("elu", ops.elu, F.elu, EDGES),
    ("elu_alpha0.5", lambda t: ops.elu(t, 0.5), lambda t: F.elu(t, 0.5), EDGES),
    ("silu", ops.silu, F.silu, EDGES),
    ("gelu", ops.gelu, F.gelu, EDGES),
    ("gelu_random", ops.gelu, F.gelu, MIXED * 3),
    ("gelu_tanh", lambda t: ops.gelu(t, "tanh"), lambda t: F.gelu(t, approximate="tanh"), EDGES),
    ("method_sin", lambda t: t.sin(), lambda t: t.sin(), MIXED),
    ("method_log1p", lambda t: t.log1p(), lambda t: t.log1p(), ABOVE_MINUS_ONE),
    ("method_sgn", lambda t: t.sgn(), lambda t: t.sign(), EDGES),   # torch: sgn grad is a ZeroTensor
    ("method_erf", lambda t: t.erf(), lambda t: t.erf(), MIXED),
    ("method_square", lambda t: t.square(), lambda t: t.square(), MIXED),
]


@pytest.mark.parametrize("name, fn, torch_fn, x", MORE_UNARY, ids=[u[0] for u in MORE_UNARY])
def test_more_unary_like_torch(name, fn, torch_fn, x):
    check_op(fn, torch_fn, [x])


FD_POINTS = np.array([-3.0, -1.2, -0.3, 0.2, 0.9, 2.5])   # away from every kink and threshold
SMOOTH = [u for u in MORE_UNARY[:15] if u[0] != "sign"]


@pytest.mark.parametrize("name, fn, torch_fn, x", SMOOTH, ids=[u[0] for u in SMOOTH])
def test_more_unary_gradients_by_finite_differences(name, fn, torch_fn, x):
    check_grad_fd(fn, [FD_POINTS if name != "log1p" else FD_POINTS[2:]])


def test_new_functions_by_hand():
    # sin'(0) = cos 0 = 1; log1p(1e-20) = 1e-20 exactly (log(1 + x) would round to 0);
    # expm1(1e-20) = 1e-20; softplus(0) = ln 2 with slope ½; silu(0) = 0 with slope ½;
    # gelu(0) = 0 with slope Φ(0) = ½; elu(−∞) → −α
    x = gn.tensor(0.0, requires_grad=True)
    gn.sin(x).backward()
    assert x.grad.item() == 1.0
    assert gn.log1p(gn.tensor([1e-20])).item() == 1e-20 and gn.expm1(gn.tensor([1e-20])).item() == 1e-20
    for fn, value, slope in [(ops.softplus, np.log(2.0), 0.5), (ops.silu, 0.0, 0.5),
                             (ops.gelu, 0.0, 0.5), (lambda t: ops.gelu(t, "tanh"), 0.0, 0.5)]:
        z = gn.tensor([0.0], requires_grad=True)
        y = fn(z)
        y.sum().backward()
        assert y.item() == pytest.approx(value, abs=1e-16) and z.grad.item() == slope
    assert ops.elu(gn.tensor([-800.0]), 0.5).item() == -0.5


def test_sign_and_step_like_gradients_are_zero():
    x = gn.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    s = gn.sign(x)
    s.sum().backward()
    assert s.tolist() == [-1.0, 0.0, 1.0] and x.grad.tolist() == [0.0, 0.0, 0.0]


def test_softplus_and_gelu_are_finite_and_silent_at_1000():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn, torch_fn in [(ops.softplus, F.softplus), (ops.gelu, F.gelu), (ops.elu, F.elu),
                             (ops.silu, F.silu), (gn.erf, torch.erf),
                             (lambda t: ops.gelu(t, "tanh"), lambda t: F.gelu(t, approximate="tanh"))]:
            out = check_op(fn, torch_fn, [x])
            assert np.isfinite(out.detach().numpy()).all()


def test_new_functions_keep_float32():
    x = gn.tensor([-0.5, 0.5, 2.0], dtype=gn.float32, requires_grad=True)
    for fn in (gn.sin, gn.cos, gn.log1p, gn.expm1, gn.sign, gn.erf, ops.softplus, ops.elu, ops.silu,
               ops.gelu, lambda t: ops.gelu(t, "tanh")):
        y = fn(x)
        y.sum().backward()
        assert y.dtype == gn.float32 and x.grad.dtype == gn.float32
        x.grad = None


def test_gelu_rejects_an_unknown_approximation():
    with pytest.raises(ValueError, match="'none', 'tanh'.*'erf'"):
        ops.gelu(gn.ones(2), approximate="erf")


def test_activations_in_exact_mode_match_float():
    # exact mode keeps e.g. gelu(1) = (1 + erf(√2/2))/2 symbolic; its value is the float one
    for fn in (ops.softplus, ops.elu, ops.silu, ops.gelu, lambda t: ops.gelu(t, "tanh"), gn.sin,
               gn.cos, gn.log1p, gn.expm1, gn.erf, gn.sign):
        x = [0, 1, 3] if fn is gn.log1p else [-2, -1, 0, 1, 3]
        xe = gn.tensor(x, dtype=gn.exact, requires_grad=True)
        xf = gn.tensor(x, dtype=gn.float64, requires_grad=True)
        ye, yf = fn(xe), fn(xf)
        ye.sum().backward()
        yf.sum().backward()
        as_float = np.vectorize(lambda v: float(v))
        np.testing.assert_allclose(as_float(ye.detach().numpy()), yf.detach().numpy(), rtol=1e-13,
                                   atol=1e-15)
        np.testing.assert_allclose(as_float(xe.grad.numpy()), xf.grad.numpy(), rtol=1e-13, atol=1e-15)
    assert str(ops.gelu(gn.tensor([1], dtype=gn.exact)).item()) == "erf(sqrt(2)/2)/2 + 1/2"


def test_sign_of_nan_is_zero_like_torch():
    x = np.array([np.nan, -0.0, 2.0, -3.0])
    assert gn.sign(gn.tensor(x)).tolist() == torch.sign(torch.tensor(x)).tolist() == [0.0, 0.0, 1.0, -1.0]
    assert gn.sign(gn.tensor([3, -2, 0])).tolist() == [1, -1, 0] and gn.sign(gn.tensor([3])).dtype == gn.int64


def test_where_broadcast_error_names_all_three_shapes():
    with pytest.raises(ShapeError, match=r"condition \(2, 3\), input \(3, 2\) and other \(\)"):
        gn.where(gn.ones(2, 3) > 0, gn.ones(3, 2), 0.0)
