"""Second derivatives of the arithmetic, elementwise, reduction and shape ops against torch:
each op's derivative rule, run on Tensors, must itself have the right derivative."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassnet as gn
from glassnet import ops
from tests.helpers import check_second_order

rng = np.random.default_rng(1)
POSITIVE = rng.uniform(0.2, 2.5, (3, 4))
MIXED = rng.standard_normal((3, 4))
ROW = rng.standard_normal((1, 4))

UNARY = [
    ("exp", gn.exp, torch.exp, MIXED),
    ("log", gn.log, torch.log, POSITIVE),
    ("sqrt", gn.sqrt, torch.sqrt, POSITIVE),
    ("abs", gn.abs, torch.abs, MIXED),
    ("tanh", gn.tanh, torch.tanh, MIXED),
    ("sigmoid", gn.sigmoid, torch.sigmoid, MIXED),
    ("relu", gn.relu, torch.relu, MIXED),
    ("leaky_relu", lambda t: ops.leaky_relu(t, 0.2), lambda t: TF.leaky_relu(t, 0.2), MIXED),
    ("sin", gn.sin, torch.sin, MIXED),
    ("cos", gn.cos, torch.cos, MIXED),
    ("log1p", gn.log1p, torch.log1p, POSITIVE),
    ("expm1", gn.expm1, torch.expm1, MIXED),
    ("erf", gn.erf, torch.erf, MIXED),
    ("sign", gn.sign, torch.sign, MIXED),
    ("neg", lambda t: -t, lambda t: -t, MIXED),
    ("clamp", lambda t: gn.clamp(t, -0.5, 0.7), lambda t: torch.clamp(t, -0.5, 0.7), MIXED),
    ("softplus", lambda t: ops.softplus(t, 2.0), lambda t: TF.softplus(t, 2.0), MIXED),
    ("elu", lambda t: ops.elu(t, 0.7), lambda t: TF.elu(t, 0.7), MIXED),
    ("silu", ops.silu, TF.silu, MIXED),
    ("gelu", ops.gelu, TF.gelu, MIXED),
    ("gelu_tanh", lambda t: ops.gelu(t, "tanh"), lambda t: TF.gelu(t, approximate="tanh"), MIXED),
    ("pow_scalar", lambda t: t ** 3, lambda t: t ** 3, MIXED),
    ("pow_fraction", lambda t: t ** 1.5, lambda t: t ** 1.5, POSITIVE),
    ("rpow", lambda t: 2.0 ** t, lambda t: 2.0 ** t, MIXED),
    ("rdiv", lambda t: 3.0 / t, lambda t: 3.0 / t, POSITIVE),
    ("rsub", lambda t: 1.0 - t * t, lambda t: 1.0 - t * t, MIXED),
]


@pytest.mark.parametrize("name, fn, torch_fn, x", UNARY, ids=[u[0] for u in UNARY])
def test_unary_second_derivative_like_torch(name, fn, torch_fn, x):
    check_second_order(fn, torch_fn, [x])


BINARY = [
    ("add", lambda a, b: a + b, MIXED, ROW),
    ("sub", lambda a, b: a - b, MIXED, ROW),
    ("mul", lambda a, b: a * b, MIXED, ROW),
    ("div", lambda a, b: a / b, MIXED, POSITIVE[:1]),
    ("pow", lambda a, b: a ** b, POSITIVE, MIXED),
    ("maximum", lambda a, b: a.maximum(b) if hasattr(a, "maximum") else gn.maximum(a, b), MIXED, ROW),
    ("matmul_2d", lambda a, b: a @ b.T, MIXED, MIXED[:2]),
]


@pytest.mark.parametrize("name, fn, a, b", BINARY, ids=[b[0] for b in BINARY])
def test_binary_second_derivative_like_torch(name, fn, a, b):
    gn_fn = (lambda x, y: gn.maximum(x, y)) if name == "maximum" else fn
    th_fn = (lambda x, y: torch.maximum(x, y)) if name == "maximum" else fn
    check_second_order(gn_fn, th_fn, [a, b])


@pytest.mark.parametrize("shapes", [[(4,), (4,)], [(3, 4), (4,)], [(4,), (4, 2)], [(2, 3, 4), (4, 5)],
                                    [(2, 3, 4), (2, 4, 2)], [(1, 3, 4), (2, 4, 2)]],
                         ids=["vec.vec", "mat.vec", "vec.mat", "batch.mat", "batch.batch", "broadcast"])
def test_matmul_second_derivative_like_torch(shapes):
    check_second_order(lambda a, b: a @ b, lambda a, b: a @ b, shapes)


def test_where_second_derivative_like_torch():
    cond = MIXED > 0
    check_second_order(lambda a, b: gn.where(gn.tensor(cond), a * a, b.exp()),
                       lambda a, b: torch.where(torch.tensor(cond), a * a, b.exp()), [MIXED, ROW])


REDUCTIONS = [
    ("sum", lambda t: (t * t).sum(), lambda t: (t * t).sum()),
    ("sum_dim", lambda t: (t * t).sum(1), lambda t: (t * t).sum(1)),
    ("sum_keepdim", lambda t: (t * t).sum(0, keepdim=True), lambda t: (t * t).sum(0, keepdim=True)),
    ("mean_dims", lambda t: (t ** 3).mean((0, 1)), lambda t: (t ** 3).mean((0, 1))),
    ("prod", lambda t: t.prod(), lambda t: t.prod()),
    ("prod_dim", lambda t: t.prod(1), lambda t: t.prod(1)),
    ("prod_keepdim", lambda t: t.prod(0, keepdim=True), lambda t: t.prod(0, keepdim=True)),
    ("max", lambda t: (t * t).max(), lambda t: (t * t).max()),
    ("max_dim", lambda t: (t * t).max(1)[0], lambda t: (t * t).max(1)[0]),
    ("min_dim_keepdim", lambda t: (t ** 3).min(0, keepdim=True)[0], lambda t: (t ** 3).min(0, keepdim=True)[0]),
    ("var", lambda t: t.var(1), lambda t: t.var(1)),
    ("std", lambda t: t.std(), lambda t: t.std()),
    ("std_dim", lambda t: t.std(0), lambda t: t.std(0)),
    ("cumsum", lambda t: gn.cumsum(t * t, 1), lambda t: torch.cumsum(t * t, 1)),
    ("logsumexp", lambda t: gn.logsumexp(t, 1), lambda t: torch.logsumexp(t, 1)),
    ("logsumexp_keepdim", lambda t: gn.logsumexp(t, 0, keepdim=True), lambda t: torch.logsumexp(t, 0, keepdim=True)),
    ("norm2", lambda t: gn.norm(t), lambda t: torch.norm(t)),
    ("norm2_dim", lambda t: gn.norm(t, dim=1), lambda t: torch.norm(t, dim=1)),
    ("norm1", lambda t: gn.norm(t, 1, dim=0), lambda t: torch.norm(t, 1, dim=0)),
    ("norm3", lambda t: gn.norm(t, 3, dim=1), lambda t: torch.norm(t, 3, dim=1)),
    ("norm_inf", lambda t: gn.norm(t * t, float("inf")), lambda t: torch.norm(t * t, float("inf"))),
]


@pytest.mark.parametrize("name, fn, torch_fn", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_second_derivative_like_torch(name, fn, torch_fn):
    check_second_order(fn, torch_fn, [MIXED])


def test_prod_with_a_zero_has_the_right_second_derivative():
    x = MIXED.copy()
    x[1, 2] = 0.0
    check_second_order(lambda t: t.prod(1), lambda t: t.prod(1), [x])
    check_second_order(lambda t: t.prod(), lambda t: t.prod(), [x])


SHAPES = [
    ("reshape", lambda t: (t * t).reshape(2, 6), lambda t: (t * t).reshape(2, 6)),
    ("permute", lambda t: (t * t).permute(1, 0), lambda t: (t * t).permute(1, 0)),
    ("transpose", lambda t: (t ** 3).transpose(0, 1), lambda t: (t ** 3).transpose(0, 1)),
    ("expand", lambda t: (t[:1] ** 2).expand(3, 4) * t, lambda t: (t[:1] ** 2).expand(3, 4) * t),
    ("basic_index", lambda t: (t * t)[1:, ::2], lambda t: (t * t)[1:, ::2]),
    ("advanced_index", lambda t: (t ** 3)[[0, 2, 0]], lambda t: (t ** 3)[[0, 2, 0]]),
    ("cat", lambda t: gn.cat([t * t, t.exp()], 1), lambda t: torch.cat([t * t, t.exp()], 1)),
    ("stack", lambda t: gn.stack([t * t, t.sin()], 0), lambda t: torch.stack([t * t, t.sin()], 0)),
    ("unsqueeze_squeeze", lambda t: (t * t).unsqueeze(1).squeeze(1), lambda t: (t * t).unsqueeze(1).squeeze(1)),
]


@pytest.mark.parametrize("name, fn, torch_fn", SHAPES, ids=[s[0] for s in SHAPES])
def test_shape_op_second_derivative_like_torch(name, fn, torch_fn):
    check_second_order(fn, torch_fn, [MIXED])


def test_dtype_cast_is_differentiable_twice():
    check_second_order(lambda t: (t.float() ** 2).double(), lambda t: (t.float() ** 2).double(), [MIXED],
                       rtol=1e-6, atol=1e-6)


def test_third_derivative_of_a_polynomial():
    # p(x) = x⁴ − 2x³ + x: p‴(x) = 24x − 12
    x = gn.tensor([0.5, -1.5, 2.0], dtype=gn.float64, requires_grad=True)
    p = (x ** 4 - 2 * x ** 3 + x).sum()
    (g1,) = gn.autograd.grad(p, x, create_graph=True)
    (g2,) = gn.autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = gn.autograd.grad(g2.sum(), x)
    np.testing.assert_allclose(g1.detach().numpy(), 4 * x.detach().numpy() ** 3 - 6 * x.detach().numpy() ** 2 + 1)
    np.testing.assert_allclose(g2.detach().numpy(), 12 * x.detach().numpy() ** 2 - 12 * x.detach().numpy())
    np.testing.assert_allclose(g3.numpy(), 24 * x.detach().numpy() - 12)


def test_first_order_gradients_stay_plain_arrays():
    # the fast path: without create_graph no gradient carries a graph
    x = gn.tensor(MIXED, requires_grad=True)
    (x.exp() * x).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad
