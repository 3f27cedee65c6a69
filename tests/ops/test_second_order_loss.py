"""Second derivatives of softmax, log-softmax and every loss against torch (float64): each
derivative rule, run on Tensors, must itself have the right derivative — in the logits, in a
target that requires grad, and in the upstream gradient — for every reduction and option."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassnet as gn
from glassnet import ops
from tests.helpers import check_second_order

REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(3)
W4 = np.array([0.5, 2.0, 1.0, 3.0])


def _classes(shape, C, ignore=None):
    t = rng.integers(0, C, shape)
    if ignore is not None:
        t.reshape(-1)[::3] = ignore
    return t


def _probabilities(shape, dim):
    return torch.softmax(torch.tensor(rng.standard_normal(shape)), dim).numpy()


def _kwargs(lib, kwargs):
    """The same keyword arguments with arrays made tensors of ``lib`` (glassnet or torch)."""
    return {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


# ------------------------------------------------------------------ softmax family

@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, dim", [((5,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -1)])
def test_softmax_family_second_derivative_like_torch(name, shape, dim):
    check_second_order(lambda t: getattr(gn, name)(t, dim), lambda t: getattr(torch, name)(t, dim), [shape])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_third_derivative_like_torch(name):
    # grad of grad of grad: the rule's own rule is recorded too (u, v, w random, x fixed)
    x = rng.standard_normal((2, 4))
    u, v, w = (rng.standard_normal((2, 4)) for _ in range(3))
    results = []
    for lib in (gn, torch):
        xt = lib.tensor(x, requires_grad=True)
        (g,) = lib.autograd.grad(getattr(lib, name)(xt, 1), xt, lib.tensor(u), create_graph=True)
        (h,) = lib.autograd.grad((g * lib.tensor(v)).sum(), xt, create_graph=True)
        (k,) = lib.autograd.grad((h * lib.tensor(w)).sum(), xt)
        results.append(k.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------ cross_entropy

CE_CASES = [
    # (name, input shape, target maker, keyword arguments); "index_NC" takes the plain fast path
    ("index_NC", (5, 4), lambda: _classes((5,), 4), {}),
    ("index_NCd", (3, 4, 3), lambda: _classes((3, 3), 4), {}),
    ("index_NCdd", (2, 3, 2, 2), lambda: _classes((2, 2, 2), 3), {}),
    ("index_unbatched", (4,), lambda: np.array(2), {}),
    ("weight", (6, 4), lambda: _classes((6,), 4), {"weight": W4}),
    ("weight_NCd", (3, 4, 2), lambda: _classes((3, 2), 4), {"weight": W4}),
    ("ignore_index", (6, 4), lambda: _classes((6,), 4, ignore=-100), {}),
    ("ignore_index_1", (6, 4), lambda: _classes((6,), 4, ignore=1), {"ignore_index": 1}),
    ("smoothing", (6, 4), lambda: _classes((6,), 4), {"label_smoothing": 0.2}),
    ("smoothing_weight_ignore", (7, 4), lambda: _classes((7,), 4, ignore=-100),
     {"label_smoothing": 0.1, "weight": W4}),
    ("smoothing_NCd", (2, 4, 3), lambda: _classes((2, 3), 4), {"label_smoothing": 0.3}),
    ("prob_NC", (5, 4), lambda: _probabilities((5, 4), 1), {}),
    ("prob_NCd", (2, 4, 3), lambda: _probabilities((2, 4, 3), 1), {}),
    ("prob_unbatched", (4,), lambda: _probabilities((4,), 0), {}),
    ("prob_weight_smoothing", (5, 4), lambda: _probabilities((5, 4), 1),
     {"weight": W4, "label_smoothing": 0.25}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, shape, make_target, kwargs", CE_CASES, ids=[c[0] for c in CE_CASES])
def test_cross_entropy_second_derivative_like_torch(name, shape, make_target, kwargs, reduction):
    t = make_target()
    check_second_order(
        lambda x: ops.cross_entropy(x, gn.tensor(t), reduction=reduction, **_kwargs(gn, kwargs)),
        lambda x: TF.cross_entropy(x, torch.tensor(t), reduction=reduction, **_kwargs(torch, kwargs)),
        [shape])


def _hessian_rows(x: gn.Tensor, loss: gn.Tensor) -> np.ndarray:
    """∂²loss/∂x² of a (1, C) input, one row per second grad of one entry of the first."""
    (g,) = gn.autograd.grad(loss, x, create_graph=True)
    C = x.shape[1]
    return np.stack([gn.autograd.grad(g[0, i], x, retain_graph=True)[0].numpy()[0] for i in range(C)])


@pytest.mark.parametrize("path", ["plain", "fused"])
def test_cross_entropy_hessian_is_diag_p_minus_p_p_transpose(path):
    # ℓ = −log softmax(x)_t has ∂ℓ/∂x = p − onehot(t) and ∂²ℓ/∂x² = Diag(p) − ppᵀ, whatever t is.
    # For x = [0, ln 2, ln 5]: p = [1, 2, 5]/8 and the Hessian is
    #   [[ 7/64, −2/64, −5/64], [−2/64, 12/64, −10/64], [−5/64, −10/64, 15/64]]
    # ("fused": an ignore_index that is a class sends it off the fast path, to the fused general one).
    x = gn.tensor([[0.0, np.log(2.0), np.log(5.0)]], requires_grad=True)
    kwargs = {} if path == "plain" else {"ignore_index": 0}
    hessian = _hessian_rows(x, ops.cross_entropy(x, gn.tensor([1]), **kwargs))
    p = np.array([1.0, 2.0, 5.0]) / 8
    np.testing.assert_allclose(hessian, np.diag(p) - np.outer(p, p), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(hessian, np.array([[7, -2, -5], [-2, 12, -10], [-5, -10, 15]]) / 64,
                               rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(hessian, ops.softmax_jacobian(p), rtol=1e-13, atol=1e-15)


def test_cross_entropy_hessian_of_random_logits_from_p():
    # the same identity for random logits, p computed by NumPy
    z = rng.standard_normal(6)
    x = gn.tensor(z[None], requires_grad=True)
    hessian = _hessian_rows(x, ops.cross_entropy(x, gn.tensor([4])))
    p = np.exp(z - z.max())
    p /= p.sum()
    np.testing.assert_allclose(hessian, np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-15)


def test_cross_entropy_first_order_path_gives_same_gradient_as_recorded_one():
    # backward() (arrays) and autograd.grad(create_graph=True) (Tensors) run the same rule
    z = rng.standard_normal((4, 5))
    t = gn.tensor(_classes((4,), 5))
    x = gn.tensor(z, requires_grad=True)
    ops.cross_entropy(x, t).backward()
    y = gn.tensor(z, requires_grad=True)
    (g,) = gn.autograd.grad(ops.cross_entropy(y, t), y, create_graph=True)
    assert g.requires_grad
    np.testing.assert_allclose(g.detach().numpy(), x.grad.numpy(), rtol=1e-15, atol=1e-17)


# ------------------------------------------------------------------ nll_loss

NLL_CASES = [
    ("NC", (5, 4), lambda: _classes((5,), 4), {}),
    ("NCd", (2, 4, 3), lambda: _classes((2, 3), 4), {}),
    ("unbatched", (4,), lambda: np.array(1), {}),
    ("weight", (6, 4), lambda: _classes((6,), 4), {"weight": W4}),
    ("ignore_index", (6, 4), lambda: _classes((6,), 4, ignore=2), {"ignore_index": 2, "weight": W4}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, shape, make_target, kwargs", NLL_CASES, ids=[c[0] for c in NLL_CASES])
def test_nll_loss_second_derivative_like_torch(name, shape, make_target, kwargs, reduction):
    t = make_target()
    check_second_order(
        lambda x: ops.nll_loss(x, gn.tensor(t), reduction=reduction, **_kwargs(gn, kwargs)),
        lambda x: TF.nll_loss(x, torch.tensor(t), reduction=reduction, **_kwargs(torch, kwargs)),
        [shape])


def test_nll_of_log_softmax_hessian_like_torch():
    # composed: log_softmax's rule carries the curvature, nll's is linear
    t = _classes((5,), 4)
    check_second_order(lambda x: ops.nll_loss(gn.log_softmax(x, 1), gn.tensor(t)),
                       lambda x: TF.nll_loss(torch.log_softmax(x, 1), torch.tensor(t)), [(5, 4)])


# ------------------------------------------------------------------ regression

REGRESSION = [
    ("mse_loss", lambda r: lambda a, y: ops.mse_loss(a, y, r), lambda r: lambda a, y: TF.mse_loss(a, y, reduction=r)),
    ("l1_loss", lambda r: lambda a, y: ops.l1_loss(a, y, r), lambda r: lambda a, y: TF.l1_loss(a, y, reduction=r)),
    ("smooth_l1_loss", lambda r: lambda a, y: ops.smooth_l1_loss(a, y, r, beta=0.6),
     lambda r: lambda a, y: TF.smooth_l1_loss(a, y, reduction=r, beta=0.6)),
    ("smooth_l1_loss_beta0", lambda r: lambda a, y: ops.smooth_l1_loss(a, y, r, beta=0.0),
     lambda r: lambda a, y: TF.smooth_l1_loss(a, y, reduction=r, beta=0.0)),
    ("huber_loss", lambda r: lambda a, y: ops.huber_loss(a, y, r, delta=0.7),
     lambda r: lambda a, y: TF.huber_loss(a, y, reduction=r, delta=0.7)),
    # the seeds' E = ½ Σ (a − y)²: torch has no such loss, so it is written out there
    ("squared_error", lambda r: lambda a, y: ops.squared_error(a, y, r),
     lambda r: lambda a, y: {"sum": torch.sum, "mean": torch.mean, "none": lambda e: e}[r]((a - y) ** 2 / 2)),
]


@pytest.mark.parametrize("target_grad", [True, False], ids=["target_grad", "target_const"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, gn_loss, torch_loss", REGRESSION, ids=[c[0] for c in REGRESSION])
def test_regression_second_derivative_like_torch(name, gn_loss, torch_loss, reduction, target_grad):
    check_second_order(gn_loss(reduction), torch_loss(reduction), [(3, 4), (3, 4)],
                       requires_grad=[True, target_grad])


def test_regression_second_derivative_of_target_only():
    # the input a constant, only the target requires grad
    check_second_order(lambda a, y: ops.mse_loss(a, y), lambda a, y: TF.mse_loss(a, y), [(3, 4), (3, 4)],
                       requires_grad=[False, True])


def test_regression_gradient_penalty_like_torch():
    # ‖∂ℓ/∂a‖² differentiated again: the second derivative through a nonlinear function of the
    # first (a gradient penalty), for mse and huber
    a0, y0 = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    results = []
    for lib, mse, huber in ((gn, ops.mse_loss, ops.huber_loss), (torch, TF.mse_loss, TF.huber_loss)):
        a, y = lib.tensor(a0, requires_grad=True), lib.tensor(y0, requires_grad=True)
        loss = mse(a.tanh(), y) + huber(a * a, y)
        ga, gy = lib.autograd.grad(loss, (a, y), create_graph=True)
        penalty = (ga * ga).sum() + (gy * gy * gy).sum()
        results.append([t.detach().numpy() for t in lib.autograd.grad(penalty, (a, y))])
    for mine, theirs in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------ kl_div

@pytest.mark.parametrize("target_grad", [True, False], ids=["target_grad", "target_const"])
@pytest.mark.parametrize("log_target", [False, True], ids=["prob_target", "log_target"])
@pytest.mark.parametrize("reduction", ["batchmean", "mean", "sum", "none"])
def test_kl_div_second_derivative_like_torch(reduction, log_target, target_grad):
    x = np.log(_probabilities((3, 4), 1))
    y = _probabilities((3, 4), 1)
    y = np.log(y) if log_target else y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)          # 'mean' warns, in both libraries
        check_second_order(lambda a, b: ops.kl_div(a, b, reduction, log_target),
                           lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
                           [x, y], requires_grad=[True, target_grad])


def test_kl_div_with_zero_targets_second_derivative_like_torch():
    # 0·log 0 = 0: a zero target contributes nothing, in the loss or its derivatives in the input
    y = _probabilities((3, 4), 1)
    y[0, 1] = y[2, 3] = 0.0
    check_second_order(lambda a: ops.kl_div(a, gn.tensor(y), "sum"),
                       lambda a: TF.kl_div(a, torch.tensor(y), reduction="sum"), [(3, 4)])


# ------------------------------------------------------------------ binary

@pytest.mark.parametrize("weighted", [False, True], ids=["plain", "weight"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_second_derivative_like_torch(reduction, weighted):
    a = rng.uniform(0.05, 0.95, (3, 4))
    y = rng.uniform(0.0, 1.0, (3, 4))
    w = rng.uniform(0.5, 2.0, (4,)) if weighted else None
    # torch's double backward puts ε = 1e-12 into a + ε and 1 − a + ε: a relative 1e-11 here
    check_second_order(
        lambda t: ops.binary_cross_entropy(t, gn.tensor(y), None if w is None else gn.tensor(w), reduction),
        lambda t: TF.binary_cross_entropy(t, torch.tensor(y), None if w is None else torch.tensor(w),
                                          reduction=reduction),
        [a])


@pytest.mark.parametrize("options", ["plain", "weight", "pos_weight", "both"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_second_derivative_like_torch(reduction, options):
    y = (rng.uniform(size=(3, 4)) > 0.5).astype(np.float64)
    y[0, 0] = 0.3                                             # a soft label too
    w = rng.uniform(0.5, 2.0, (3, 1)) if options in ("weight", "both") else None
    pw = rng.uniform(0.5, 3.0, (4,)) if options in ("pos_weight", "both") else None

    def opt(lib, v):
        return None if v is None else lib.tensor(v)
    check_second_order(
        lambda t: ops.binary_cross_entropy_with_logits(t, gn.tensor(y), opt(gn, w), reduction, opt(gn, pw)),
        lambda t: TF.binary_cross_entropy_with_logits(t, torch.tensor(y), opt(torch, w), reduction=reduction,
                                                      pos_weight=opt(torch, pw)),
        [(3, 4)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_loss_second_derivative_like_torch(reduction):
    # ℓ = max(0, 1 − y·a) is piecewise linear: only the derivative in the upstream gradient is
    # not 0. Torch has no hinge loss for ±1 targets: clamp(1 − y·a, min=0) is the same function.
    y = np.where(rng.uniform(size=(3, 4)) > 0.5, 1.0, -1.0)
    reduce = {"mean": torch.mean, "sum": torch.sum, "none": lambda e: e}[reduction]
    check_second_order(lambda a: ops.hinge_loss(a, gn.tensor(y), reduction),
                       lambda a: reduce(torch.clamp(1 - torch.tensor(y) * a, min=0)), [(3, 4)])


# ------------------------------------------------------------------ through the layers

def test_loss_modules_hessian_vector_product_like_torch():
    # a two-layer network's loss: H v in the first layer's weight by double backward
    x0 = rng.standard_normal((5, 3))
    t = _classes((5,), 4)
    w1, w2 = rng.standard_normal((6, 3)), rng.standard_normal((4, 6))
    v = rng.standard_normal((6, 3))
    results = []
    for lib, F in ((gn, gn.nn.functional), (torch, TF)):
        a, b = lib.tensor(w1, requires_grad=True), lib.tensor(w2, requires_grad=True)
        loss = F.cross_entropy(F.linear(F.linear(lib.tensor(x0), a).tanh(), b), lib.tensor(t),
                               label_smoothing=0.1)
        (g,) = lib.autograd.grad(loss, a, create_graph=True)
        hv = lib.autograd.grad((g * lib.tensor(v)).sum(), (a, b))
        results.append([h.detach().numpy() for h in hv])
    for mine, theirs in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------ targets that require grad

def test_targets_that_require_grad_get_torch_gradients():
    rng = np.random.default_rng(7)
    a = rng.uniform(0.05, 0.95, (4, 3))
    y = rng.uniform(0.0, 1.0, (4, 3))
    logits = rng.standard_normal((4, 3))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    w = rng.uniform(0.5, 2.0, 3)
    cases = [
        (lambda x, t: gn.nn.functional.binary_cross_entropy(x, t),
         lambda x, t: torch.nn.functional.binary_cross_entropy(x, t), [a, y]),
        (lambda x, t: gn.nn.functional.binary_cross_entropy_with_logits(x, t, pos_weight=gn.tensor(w)),
         lambda x, t: torch.nn.functional.binary_cross_entropy_with_logits(x, t, pos_weight=torch.tensor(w)),
         [logits, y]),
        (lambda x, t: gn.nn.functional.cross_entropy(x, t, weight=gn.tensor(w), label_smoothing=0.1),
         lambda x, t: torch.nn.functional.cross_entropy(x, t, weight=torch.tensor(w), label_smoothing=0.1),
         [logits, probs]),
    ]
    for gn_fn, th_fn, shapes in cases:
        check_second_order(gn_fn, th_fn, shapes)


def test_binary_cross_entropy_weight_that_requires_grad_is_refused_as_in_torch():
    x = gn.tensor([0.3, 0.6], requires_grad=True)
    w = gn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        gn.nn.functional.binary_cross_entropy(x, gn.tensor([0.0, 1.0]), weight=w)
