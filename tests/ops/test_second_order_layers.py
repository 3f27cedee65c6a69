"""Second (and third) derivatives of the fused layer ops — linear, layer_norm, batch_norm,
dropout, embedding — against torch in float64, and a gradient penalty through a small network:
∂‖∂L/∂x‖²/∂θ for every parameter θ."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as gn
from glassnet import ops
from tests.helpers import check_second_order


# ---------------------------------------------------------------- linear

@pytest.mark.parametrize("x_shape", [(4, 3), (3,), (2, 4, 3)], ids=["2d", "1d", "3d"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_second_derivatives_like_torch(x_shape, bias):
    # y = x Wᵀ + b is bilinear in (x, W): ∂²/∂x∂W is what the check sees, and ∂/∂g of the rule
    if bias:
        check_second_order(lambda x, w, b: ops.linear(x, w, b), lambda x, w, b: F.linear(x, w, b),
                           [x_shape, (5, 3), (5,)])
    else:
        check_second_order(lambda x, w: ops.linear(x, w), lambda x, w: F.linear(x, w), [x_shape, (5, 3)])


@pytest.mark.parametrize("flags", [[True, False, True], [False, True, True], [True, True, False]])
def test_linear_second_derivatives_with_some_inputs_constant(flags):
    check_second_order(lambda x, w, b: ops.linear(x, w, b), lambda x, w, b: F.linear(x, w, b),
                       [(4, 3), (5, 3), (5,)], requires_grad=flags)


def test_linear_inside_a_nonlinearity_has_a_nonzero_hessian_like_torch():
    # tanh(x Wᵀ + b): the Hessian in W is no longer zero, so the check compares real curvature
    check_second_order(lambda x, w, b: ops.linear(x, w, b).tanh(),
                       lambda x, w, b: F.linear(x, w, b).tanh(), [(2, 4, 3), (5, 3), (5,)])


# ---------------------------------------------------------------- layer_norm

@pytest.mark.parametrize("shape, normalized", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((5,), (5,))])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_layer_norm_second_derivatives_like_torch(shape, normalized, affine):
    if affine == "both":
        check_second_order(lambda x, w, b: ops.layer_norm(x, normalized, w, b),
                           lambda x, w, b: F.layer_norm(x, normalized, w, b), [shape, normalized, normalized])
    elif affine == "weight":
        check_second_order(lambda x, w: ops.layer_norm(x, normalized, w),
                           lambda x, w: F.layer_norm(x, normalized, w), [shape, normalized])
    else:
        check_second_order(lambda x: ops.layer_norm(x, normalized, eps=1e-3),
                           lambda x: F.layer_norm(x, normalized, eps=1e-3), [shape])


def test_layer_norm_second_derivatives_with_constant_parameters_or_input():
    check_second_order(lambda x, w, b: ops.layer_norm(x, (3,), w, b),
                       lambda x, w, b: F.layer_norm(x, (3,), w, b), [(4, 3), (3,), (3,)],
                       requires_grad=[True, False, False])
    # x constant: ∂L/∂γ = Σ g x̂ still depends on g, and ∂L/∂β = Σ g
    check_second_order(lambda x, w, b: ops.layer_norm(x, (3,), w, b),
                       lambda x, w, b: F.layer_norm(x, (3,), w, b), [(4, 3), (3,), (3,)],
                       requires_grad=[False, True, True])


def _norm_composed(x, axes, w, b, eps=1e-5):
    """(x − μ)/√(σ² + ε)·γ + β from torch's primitives: the reference beyond second order."""
    centred = x - x.mean(dim=axes, keepdim=True)
    return centred / ((centred * centred).mean(dim=axes, keepdim=True) + eps).sqrt() * w + b


def _third_derivatives(tensor, grad, fn, arrays, c, v, u):
    """∂/∂(x, γ, β) of ⟨∂/∂x ⟨∂/∂x ⟨f(x)², c⟩, v⟩, u⟩, by three nested grads."""
    x, w, b = (tensor(a, requires_grad=True) for a in arrays)
    y = fn(x, w, b)
    (g1,) = grad(((y * y) * tensor(c)).sum(), [x], create_graph=True)
    (g2,) = grad((g1 * tensor(v)).sum(), [x], create_graph=True)
    return [t.detach().numpy() for t in grad((g2 * tensor(u)).sum(), [x, w, b])]


@pytest.mark.parametrize("op", ["layer_norm", "batch_norm"])
def test_norm_third_derivatives_like_torch_composed(op):
    # x̂ and 1/σ are rebuilt from x with ops, so a third derivative still sees them move. torch's
    # fused layer_norm / batch_norm get this wrong (their double backward treats the saved μ and
    # 1/σ as constants: pytorch/pytorch#175754, #186256), so torch's composed formula is the reference
    rng = np.random.default_rng(1)
    shape, axes, pshape, bshape = (((3, 4), (1,), (4,), (4,)) if op == "layer_norm"
                                   else ((4, 3, 2), (0, 2), (3,), (3, 1)))
    arrays = [rng.standard_normal(shape), rng.standard_normal(pshape), rng.standard_normal(pshape)]
    c, v, u = (rng.standard_normal(shape) for _ in range(3))
    if op == "layer_norm":
        fn = lambda x, w, b: ops.layer_norm(x, (4,), w, b)                     # noqa: E731
    else:
        fn = lambda x, w, b: ops.batch_norm(x, None, None, w, b, training=True)  # noqa: E731
    got = _third_derivatives(gn.tensor, gn.autograd.grad, fn, arrays, c, v, u)
    want = _third_derivatives(torch.tensor, torch.autograd.grad,
                              lambda x, w, b: _norm_composed(x, axes, w.reshape(bshape), b.reshape(bshape)),
                              arrays, c, v, u)
    for name, a, b in zip(["x", "weight", "bias"], got, want):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10, err_msg=f"third derivative, {name}")


# ---------------------------------------------------------------- batch_norm

@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_second_derivatives_like_torch(shape, affine):
    # the batch's μ and σ² depend on x, so ∂²/∂x² has the terms through the statistics
    if affine:
        check_second_order(lambda x, w, b: ops.batch_norm(x, None, None, w, b, training=True),
                           lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                           [shape, (3,), (3,)])
    else:
        check_second_order(lambda x: ops.batch_norm(x, None, None, training=True, eps=1e-3),
                           lambda x: F.batch_norm(x, None, None, training=True, eps=1e-3), [shape])


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_eval_second_derivatives_like_torch(affine):
    # running statistics are constants: y is affine in x, but ∂L/∂γ = Σ g x̂ depends on x
    rng = np.random.default_rng(2)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    stats_gn = lambda: (gn.tensor(mean), gn.tensor(var))           # noqa: E731
    stats_th = lambda: (torch.tensor(mean), torch.tensor(var))     # noqa: E731
    if affine:
        check_second_order(lambda x, w, b: ops.batch_norm(x, *stats_gn(), w, b, training=False),
                           lambda x, w, b: F.batch_norm(x, *stats_th(), w, b, training=False),
                           [(4, 3, 2), (3,), (3,)])
    else:
        check_second_order(lambda x: ops.batch_norm(x, *stats_gn(), training=False).tanh(),
                           lambda x: F.batch_norm(x, *stats_th(), training=False).tanh(), [(4, 3, 2)])


def test_batch_norm_eval_double_backward_ignores_later_changes_of_the_running_mean():
    # the rule keeps the running mean of its own forward pass, as torch's saved tensors do
    x, w = gn.randn(4, 3, requires_grad=True), gn.randn(3, requires_grad=True)
    mean, var = gn.randn(3), gn.ones(3)
    y = ops.batch_norm(x, mean, var, w, None, training=False)
    xt, wt = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (x, w))
    yt = F.batch_norm(xt, torch.tensor(mean.numpy()), torch.tensor(var.numpy()), wt, None, training=False)
    ops.batch_norm(gn.randn(8, 3), mean, var, training=True)      # moves mean in place
    (gw,) = gn.autograd.grad((y * y).sum(), [w], create_graph=True)
    (gwt,) = torch.autograd.grad((yt * yt).sum(), [wt], create_graph=True)
    (hx,) = gn.autograd.grad(gw.sum(), [x])
    (hxt,) = torch.autograd.grad(gwt.sum(), [xt])
    np.testing.assert_allclose(hx.numpy(), hxt.numpy(), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- dropout

def _mask(shape, p, seed):
    """The mask ∈ {0, 1/(1 − p)} that dropout draws after manual_seed(seed), for this shape."""
    gn.manual_seed(seed)
    return ops.dropout(gn.ones(*shape), p).numpy()


@pytest.mark.parametrize("p", [0.3, 1.0])
def test_dropout_second_derivatives_use_the_same_mask_like_torch(p):
    # dropout(tanh x)·x: torch's side multiplies by the very mask glassnet draws after the same seed
    mask = torch.tensor(_mask((6, 5), p, seed=7))

    def gn_fn(x):
        gn.manual_seed(7)
        return ops.dropout(x.tanh(), p) * x
    check_second_order(gn_fn, lambda x: x.tanh() * mask * x, [(6, 5)])


def test_dropout_alone_is_linear_so_its_second_derivative_is_zero():
    mask = torch.tensor(_mask((4, 3), 0.5, seed=3))

    def gn_fn(x):
        gn.manual_seed(3)
        return ops.dropout(x, 0.5)
    check_second_order(gn_fn, lambda x: x * mask, [(4, 3)])


# ---------------------------------------------------------------- embedding

INDICES = np.array([[1, 4, 1], [0, 4, 2]])      # 1 and 4 repeat; 2 is the padding row below


@pytest.mark.parametrize("padding_idx", [None, 2])
@pytest.mark.parametrize("idx", [INDICES, np.array(2)], ids=["2d", "0d"])
def test_embedding_second_derivatives_like_torch(padding_idx, idx):
    # the lookup is linear in W: the check compares ∂/∂g of the scatter-add (a gather) and zeros
    check_second_order(lambda w: ops.embedding(gn.tensor(idx), w, padding_idx),
                       lambda w: F.embedding(torch.tensor(idx), w, padding_idx), [(5, 3)])


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_through_a_nonlinearity_second_derivatives_like_torch(padding_idx):
    # tanh(W[i])²: the Hessian in W is block diagonal by row, summed over repeated indices
    check_second_order(lambda w: ops.embedding(gn.tensor(INDICES), w, padding_idx).tanh() ** 2,
                       lambda w: F.embedding(torch.tensor(INDICES), w, padding_idx).tanh() ** 2, [(5, 3)])


# ---------------------------------------------------------------- gradient penalty

def _twin_models(norm: str):
    """The same small network in glassnet and torch (float64, equal parameters)."""
    def build(nn):
        layers = [nn.Linear(3, 6)]
        if norm == "layer":
            layers.append(nn.LayerNorm(6))
        elif norm == "batch":
            layers.append(nn.BatchNorm1d(6))
        layers += [nn.Tanh(), nn.Linear(6, 2)]
        return nn.Sequential(*layers)
    gn.manual_seed(0)
    model = build(gn.nn).double()
    twin = build(torch.nn).double()
    with torch.no_grad():
        for (name, p), (tname, q) in zip(model.named_parameters(), twin.named_parameters()):
            assert name == tname
            rng = np.random.default_rng(len(name))
            values = p.detach().numpy() + 0.3 * rng.standard_normal(p.shape)   # γ ≠ 1, β ≠ 0
            p.data = gn.tensor(values)
            q.copy_(torch.tensor(values))
    return model, twin


@pytest.mark.parametrize("norm", ["none", "layer", "batch"])
def test_gradient_penalty_through_an_mlp_like_torch(norm):
    # P = ‖∂L/∂x‖² with L = mean((f(x) − y)²); ∂P/∂θ needs the second derivatives of every layer
    model, twin = _twin_models(norm)
    rng = np.random.default_rng(5)
    xa, ya = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))

    x = gn.tensor(xa, requires_grad=True)
    loss = ((model(x) - gn.tensor(ya)) ** 2).mean()
    (gx,) = gn.autograd.grad(loss, [x], create_graph=True)
    (gx * gx).sum().backward()

    xt = torch.tensor(xa, requires_grad=True)
    loss_t = ((twin(xt) - torch.tensor(ya)) ** 2).mean()
    (gxt,) = torch.autograd.grad(loss_t, [xt], create_graph=True)
    (gxt * gxt).sum().backward()

    np.testing.assert_allclose(gx.detach().numpy(), gxt.detach().numpy(), rtol=1e-9, atol=1e-12)
    for (name, p), (_, q) in zip(model.named_parameters(), twin.named_parameters()):
        assert p.grad is not None, name
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=f"∂‖∂L/∂x‖²/∂{name}")
