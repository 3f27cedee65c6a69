"""Losses against torch.nn.functional with every reduction, the glassnet-only hinge and squared
error by hand and by finite differences, stability at ±1000, and the errors bad targets get."""
import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as gn
from glassnet import ops
from glassnet.errors import ShapeError
from tests.helpers import check_grad_fd, check_op

REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)


def _classes(shape, C, ignore=None):
    t = rng.integers(0, C, shape)
    if ignore is not None:
        t.reshape(-1)[::3] = ignore
    return t


def _probabilities(shape, dim):
    return torch.softmax(torch.tensor(rng.standard_normal(shape)), dim).numpy()


# ------------------------------------------------------------------ cross_entropy

CE_CASES = [
    # (name, input shape, target maker, keyword arguments)
    ("index_NC", (5, 4), lambda: _classes((5,), 4), {}),
    ("index_NCd", (3, 4, 6), lambda: _classes((3, 6), 4), {}),
    ("index_NCdd", (2, 3, 2, 2), lambda: _classes((2, 2, 2), 3), {}),
    ("index_unbatched", (4,), lambda: np.array(2), {}),
    ("weight", (6, 4), lambda: _classes((6,), 4), {"weight": np.array([0.5, 2.0, 1.0, 3.0])}),
    ("weight_NCd", (3, 4, 5), lambda: _classes((3, 5), 4), {"weight": np.array([0.5, 2.0, 1.0, 3.0])}),
    ("ignore_index", (6, 4), lambda: _classes((6,), 4, ignore=-100), {}),
    ("ignore_index_1", (6, 4), lambda: _classes((6,), 4, ignore=1), {"ignore_index": 1}),
    ("smoothing", (6, 4), lambda: _classes((6,), 4), {"label_smoothing": 0.2}),
    ("smoothing_weight_ignore", (7, 4), lambda: _classes((7,), 4, ignore=-100),
     {"label_smoothing": 0.1, "weight": np.array([0.5, 2.0, 1.0, 3.0])}),
    ("smoothing_NCd", (2, 4, 3), lambda: _classes((2, 3), 4), {"label_smoothing": 0.3}),
    ("prob_NC", (5, 4), lambda: _probabilities((5, 4), 1), {}),
    ("prob_NCd", (2, 4, 3), lambda: _probabilities((2, 4, 3), 1), {}),
    ("prob_unbatched", (4,), lambda: _probabilities((4,), 0), {}),
    ("prob_weight_smoothing", (5, 4), lambda: _probabilities((5, 4), 1),
     {"weight": np.array([0.5, 2.0, 1.0, 3.0]), "label_smoothing": 0.25}),
]


def _kwargs(lib, kwargs):
    """The same keyword arguments with arrays made tensors of ``lib`` (glassnet or torch)."""
    return {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, shape, make_target, kwargs", CE_CASES, ids=[c[0] for c in CE_CASES])
def test_cross_entropy_like_torch(name, shape, make_target, kwargs, reduction):
    target = make_target()
    check_op(lambda x: ops.cross_entropy(x, gn.tensor(target), reduction=reduction, **_kwargs(gn, kwargs)),
             lambda x: F.cross_entropy(x, torch.tensor(target), reduction=reduction, **_kwargs(torch, kwargs)),
             [shape])


def test_cross_entropy_accepts_arrays_and_lists_as_targets():
    x = rng.standard_normal((3, 4))
    check_op(lambda t: ops.cross_entropy(t, [0, 3, 1], weight=[1.0, 2.0, 3.0, 4.0]),
             lambda t: F.cross_entropy(t, torch.tensor([0, 3, 1]),
                                       weight=torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)), [x])


def test_cross_entropy_by_hand():
    # logits [0, ln 3] → p = [1/4, 3/4]; target 1: ℓ = −ln(3/4); ∂ℓ/∂z = p − onehot = [1/4, −1/4]
    z = gn.tensor([[0.0, np.log(3.0)]], requires_grad=True)
    loss = ops.cross_entropy(z, gn.tensor([1]))
    loss.backward()
    assert loss.item() == pytest.approx(-np.log(0.75), rel=1e-15)
    np.testing.assert_allclose(z.grad.numpy(), [[0.25, -0.25]], rtol=1e-15)


def test_cross_entropy_gradients_by_finite_differences():
    t = gn.tensor(_classes((3,), 4))
    w = gn.tensor([1.0, 2.0, 0.5, 1.0])
    check_grad_fd(lambda x: ops.cross_entropy(x, t, label_smoothing=0.1, weight=w), [(3, 4)])


def test_cross_entropy_all_ignored_is_nan_like_torch():
    x = rng.standard_normal((2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # 0/0: NumPy warns where torch is silent
        ours = ops.cross_entropy(gn.tensor(x), gn.tensor([-100, -100]))
    theirs = F.cross_entropy(torch.tensor(x), torch.tensor([-100, -100]))
    assert np.isnan(ours.item()) and np.isnan(theirs.item())


# ------------------------------------------------------------------ nll_loss

NLL_CASES = [
    ("NC", (5, 4), lambda: _classes((5,), 4), {}),
    ("NCd", (3, 4, 6), lambda: _classes((3, 6), 4), {}),
    ("unbatched", (4,), lambda: np.array(3), {}),
    ("weight", (6, 4), lambda: _classes((6,), 4), {"weight": np.array([0.5, 2.0, 1.0, 3.0])}),
    ("ignore_index", (6, 4), lambda: _classes((6,), 4, ignore=-100), {}),
    ("weight_ignore_NCd", (3, 4, 5), lambda: _classes((3, 5), 4, ignore=2),
     {"weight": np.array([0.5, 2.0, 1.0, 3.0]), "ignore_index": 2}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, shape, make_target, kwargs", NLL_CASES, ids=[c[0] for c in NLL_CASES])
def test_nll_loss_like_torch(name, shape, make_target, kwargs, reduction):
    target, dim = make_target(), 0 if len(shape) == 1 else 1
    check_op(lambda x: ops.nll_loss(gn.log_softmax(x, dim), gn.tensor(target), reduction=reduction,
                                    **_kwargs(gn, kwargs)),
             lambda x: F.nll_loss(torch.log_softmax(x, dim), torch.tensor(target), reduction=reduction,
                                  **_kwargs(torch, kwargs)),
             [shape])


def test_nll_loss_by_hand():
    # ℓ = −(w₂·x[0, 2] + w₀·x[1, 0]) / (w₂ + w₀) with w = [1, 1, 3]: −(3·(−0.5) + (−2)) / 4 = 0.875
    x = gn.tensor([[-1.0, -1.0, -0.5], [-2.0, -0.1, -3.0]], requires_grad=True)
    loss = ops.nll_loss(x, gn.tensor([2, 0]), weight=gn.tensor([1.0, 1.0, 3.0]))
    loss.backward()
    assert loss.item() == 0.875
    assert x.grad.tolist() == [[0.0, 0.0, -0.75], [-0.25, 0.0, 0.0]]


# ------------------------------------------------------------------ regression

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (4, 3), ()])
def test_mse_loss_like_torch(reduction, shape):
    check_op(lambda a, y: ops.mse_loss(a, y, reduction=reduction),
             lambda a, y: F.mse_loss(a, y, reduction=reduction), [shape, shape])
    check_op(lambda a, y: ops.mse_loss(a, y, reduction=reduction),
             lambda a, y: F.mse_loss(a, y, reduction=reduction), [shape, shape], requires_grad=[True, False])


def test_mse_loss_by_hand():
    # a = [1, 2], y = [0, 4]: mean((a − y)²) = (1 + 4)/2 = 2.5, ∂/∂a = 2(a − y)/2 = [1, −2]
    a = gn.tensor([1.0, 2.0], requires_grad=True)
    loss = ops.mse_loss(a, [0.0, 4.0])
    loss.backward()
    assert loss.item() == 2.5 and a.grad.tolist() == [1.0, -2.0]


@pytest.mark.parametrize("reduction, value, grad", [
    # a = [1, 2, 0.5], y = [0, 4, 0.5]: ½Σ(a − y)² = ½(1 + 4 + 0) = 2.5, ∂E/∂a = a − y = [1, −2, 0]
    ("sum", 2.5, [1.0, -2.0, 0.0]),
    ("mean", 2.5 / 3, [1 / 3, -2 / 3, 0.0]),
    ("none", [0.5, 2.0, 0.0], [1.0, -2.0, 0.0]),
])
def test_squared_error_by_hand(reduction, value, grad):
    a = gn.tensor([1.0, 2.0, 0.5], requires_grad=True)
    loss = ops.squared_error(a, gn.tensor([0.0, 4.0, 0.5]), reduction=reduction)
    loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), value, rtol=1e-15)
    np.testing.assert_allclose(a.grad.numpy(), grad, rtol=1e-15)


def test_squared_error_defaults_to_sum_and_matches_half_mse_sum():
    a, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    check_op(lambda a, y: ops.squared_error(a, y), lambda a, y: F.mse_loss(a, y, reduction="sum") / 2, [a, y])
    check_grad_fd(lambda a, y: ops.squared_error(a, y, reduction="none"), [(2, 3), (2, 3)])


# ------------------------------------------------------------------ binary

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape", [None, (4, 3), (3,)])
def test_binary_cross_entropy_like_torch(reduction, weight_shape):
    a = rng.uniform(0.05, 0.95, (4, 3))
    y = rng.uniform(0, 1, (4, 3)).round()
    w = None if weight_shape is None else rng.uniform(0.5, 2.0, weight_shape)
    check_op(lambda t: ops.binary_cross_entropy(t, gn.tensor(y), weight=None if w is None else gn.tensor(w),
                                                reduction=reduction),
             lambda t: F.binary_cross_entropy(t, torch.tensor(y), weight=None if w is None else torch.tensor(w),
                                              reduction=reduction), [a])


def test_binary_cross_entropy_soft_targets_and_saturated_inputs_like_torch():
    a = np.array([0.0, 1.0, 1e-15, 0.3, 1.0 - 1e-12])
    y = np.array([0.0, 1.0, 0.5, 0.25, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_op(lambda t: ops.binary_cross_entropy(t, gn.tensor(y), reduction="none"),
                 lambda t: F.binary_cross_entropy(t, torch.tensor(y), reduction="none"), [a],
                 rtol=1e-8)    # a(1 − a) below 1e-12 is clamped; torch's clamp is float32(1e-12)
    # a = 0 with y = 1: log is clamped at −100, as in torch
    assert ops.binary_cross_entropy(gn.tensor([0.0]), gn.tensor([1.0])).item() == 100.0


def test_binary_cross_entropy_rejects_non_probabilities():
    with pytest.raises(ValueError, match="between 0 and 1"):
        ops.binary_cross_entropy(gn.tensor([1.5]), gn.tensor([1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight, pos_weight", [(None, None), ((4, 3), None), (None, (3,)), ((3,), (3,)),
                                                (None, (4, 3))])
def test_binary_cross_entropy_with_logits_like_torch(reduction, weight, pos_weight):
    y = rng.uniform(0, 1, (4, 3))
    w = None if weight is None else rng.uniform(0.5, 2.0, weight)
    pw = None if pos_weight is None else rng.uniform(0.5, 3.0, pos_weight)
    check_op(lambda x: ops.binary_cross_entropy_with_logits(
                 x, gn.tensor(y), weight=None if w is None else gn.tensor(w), reduction=reduction,
                 pos_weight=None if pw is None else gn.tensor(pw)),
             lambda x: F.binary_cross_entropy_with_logits(
                 x, torch.tensor(y), weight=None if w is None else torch.tensor(w), reduction=reduction,
                 pos_weight=None if pw is None else torch.tensor(pw)), [(4, 3)])


def test_binary_cross_entropy_with_logits_by_finite_differences():
    y = gn.tensor(rng.uniform(0, 1, (2, 3)))
    pw = gn.tensor([2.0, 0.5, 1.0])
    check_grad_fd(lambda x: ops.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction="none"), [(2, 3)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_loss_by_hand(reduction):
    # a = [2, −1, 0.5, 3], y = [1, −1, 1, −1]: y·a = [2, 1, 0.5, −3],
    # max(0, 1 − y·a) = [0, 0, 0.5, 4]; ∂/∂a = −y where y·a ≤ 1 (at y·a = 1 too), else 0
    a = gn.tensor([2.0, -1.0, 0.5, 3.0], requires_grad=True)
    loss = ops.hinge_loss(a, gn.tensor([1.0, -1.0, 1.0, -1.0]), reduction=reduction)
    per, grad = np.array([0.0, 0.0, 0.5, 4.0]), np.array([0.0, 1.0, -1.0, 1.0])
    value = {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    np.testing.assert_allclose(loss.detach().numpy(), value, rtol=1e-15)
    loss.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), grad / (4 if reduction == "mean" else 1), rtol=1e-15)


def test_hinge_loss_matches_torch_composition_and_finite_differences():
    a = rng.uniform(-2, 2, (5, 3))
    y = np.where(rng.random((5, 3)) < 0.5, -1.0, 1.0)
    check_op(lambda t: ops.hinge_loss(t, gn.tensor(y)),
             lambda t: torch.clamp(1 - torch.tensor(y) * t, min=0).mean(), [a])
    check_grad_fd(lambda t: ops.hinge_loss(t, gn.tensor(y), reduction="none"), [a])


def test_hinge_loss_rejects_0_1_labels():
    with pytest.raises(ValueError, match="−1 or \\+1"):
        ops.hinge_loss(gn.tensor([0.3, 0.1]), gn.tensor([0.0, 1.0]))


# ------------------------------------------------------------------ stability

def test_losses_are_finite_and_silent_at_plus_minus_1000():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for target in (np.array([1, 0]), np.array([0, 2])):
            out = check_op(lambda x: ops.cross_entropy(x, gn.tensor(target)),
                           lambda x: F.cross_entropy(x, torch.tensor(target)), [logits])
            assert np.isfinite(out.item())
        y = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
        pw = np.array([2.0])
        out = check_op(lambda x: ops.binary_cross_entropy_with_logits(x, gn.tensor(y), pos_weight=gn.tensor(pw)),
                       lambda x: F.binary_cross_entropy_with_logits(x, torch.tensor(y),
                                                                    pos_weight=torch.tensor(pw)), [logits])
        assert np.isfinite(out.item())
        out = check_op(lambda x: ops.binary_cross_entropy(gn.sigmoid(x), gn.tensor(y)),
                       lambda x: F.binary_cross_entropy(torch.sigmoid(x), torch.tensor(y)), [logits])
        assert np.isfinite(out.item())


def test_losses_keep_float32():
    x = gn.tensor([[0.5, -0.5]], dtype=gn.float32, requires_grad=True)
    y = [[1.0, 0.0]]
    for loss in (ops.cross_entropy(x, gn.tensor([1])), ops.cross_entropy(x, gn.tensor([1]), label_smoothing=0.1),
                 ops.mse_loss(x, gn.tensor(y)), ops.binary_cross_entropy_with_logits(x, y),
                 ops.hinge_loss(x, [[1.0, -1.0]]), ops.squared_error(x, y)):
        assert loss.dtype == gn.float32
        x.grad = None
        loss.backward()
        assert x.grad.dtype == gn.float32


# ------------------------------------------------------------------ errors

def test_class_index_out_of_range_names_the_index_and_class_count():
    for loss in (ops.cross_entropy, ops.nll_loss):
        with pytest.raises(IndexError, match=r"target 5 is out of bounds for 3 classes"):
            loss(gn.zeros(2, 3), gn.tensor([0, 5]))
        with pytest.raises(IndexError, match=r"target -1 .* 3 classes"):
            loss(gn.zeros(2, 3), gn.tensor([-1, 0]))


@pytest.mark.parametrize("target_shape", [(3,), (2, 1), (2, 4), ()])
def test_class_target_of_wrong_shape_raises_shape_error(target_shape):
    for loss in (ops.cross_entropy, ops.nll_loss):
        with pytest.raises(ShapeError, match=re.escape("input of shape (2, 3)") + ".*" + re.escape(
                f"got target of shape {target_shape}")):
            loss(gn.zeros(2, 3), gn.zeros(target_shape, dtype=gn.int64))


def test_float_class_targets_raise_type_error():
    with pytest.raises(TypeError, match="integers"):
        ops.cross_entropy(gn.zeros(2, 3), gn.tensor([0.0, 1.0]))


@pytest.mark.parametrize("loss", [ops.mse_loss, ops.squared_error, ops.binary_cross_entropy,
                                  ops.binary_cross_entropy_with_logits, ops.hinge_loss])
@pytest.mark.parametrize("sa, sy", [((4, 1), (4,)), ((4,), (4, 1)), ((4,), (1,)), ((2, 3), (3,))])
def test_loss_never_broadcasts_input_against_target(loss, sa, sy):
    with pytest.raises(ShapeError, match=re.escape(f"input has shape {sa} but target has shape {sy}")):
        loss(gn.full(sa, 0.5), gn.ones(sy))


@pytest.mark.parametrize("loss, args", [
    (ops.cross_entropy, (gn.zeros(2, 3), gn.tensor([0, 1]))),
    (ops.nll_loss, (gn.zeros(2, 3), gn.tensor([0, 1]))),
    (ops.mse_loss, (gn.zeros(2), gn.zeros(2))),
    (ops.squared_error, (gn.zeros(2), gn.zeros(2))),
    (ops.binary_cross_entropy, (gn.full((2,), 0.5), gn.zeros(2))),
    (ops.binary_cross_entropy_with_logits, (gn.zeros(2), gn.zeros(2))),
    (ops.hinge_loss, (gn.zeros(2), gn.ones(2))),
])
def test_unknown_reduction_lists_the_choices(loss, args):
    with pytest.raises(ValueError, match=r"reduction must be one of \('mean', 'sum', 'none'\), got 'avg'"):
        loss(*args, reduction="avg")


def test_bad_weight_and_smoothing_arguments():
    with pytest.raises(ShapeError, match=r"\(3,\).*\(2,\)"):
        ops.cross_entropy(gn.zeros(2, 3), gn.tensor([0, 1]), weight=gn.ones(2))
    with pytest.raises(ValueError, match="label_smoothing"):
        ops.cross_entropy(gn.zeros(2, 3), gn.tensor([0, 1]), label_smoothing=1.5)


# ------------------------------------------------------------------ L1, smooth L1, Huber, KL

# differences a − y that sit on both sides of β = δ = 1 (and of 0.5), and exactly on them
A_EDGE = np.array([[-2.0, -1.0, -0.6, -0.2], [0.0, 0.3, 1.0, 2.5]])
Y_EDGE = np.zeros((2, 4))

REGRESSION = [
    ("l1", ops.l1_loss, F.l1_loss, {}),
    ("smooth_l1", ops.smooth_l1_loss, F.smooth_l1_loss, {}),
    ("smooth_l1_beta0.5", ops.smooth_l1_loss, F.smooth_l1_loss, {"beta": 0.5}),
    ("smooth_l1_beta0", ops.smooth_l1_loss, F.smooth_l1_loss, {"beta": 0.0}),
    ("huber", ops.huber_loss, F.huber_loss, {}),
    ("huber_delta0.5", ops.huber_loss, F.huber_loss, {"delta": 0.5}),
    ("huber_delta2", ops.huber_loss, F.huber_loss, {"delta": 2.0}),
]


@pytest.mark.parametrize("name, loss, torch_loss, kw", REGRESSION, ids=[r[0] for r in REGRESSION])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_like_torch(name, loss, torch_loss, kw, reduction):
    check_op(lambda a, y: loss(a, y, reduction=reduction, **kw),
             lambda a, y: torch_loss(a, y, reduction=reduction, **kw), [(4, 3), (4, 3)])
    check_op(lambda a, y: loss(a, y, reduction=reduction, **kw),                 # at the branch points
             lambda a, y: torch_loss(a, y, reduction=reduction, **kw), [A_EDGE, Y_EDGE])


@pytest.mark.parametrize("name, loss, torch_loss, kw", REGRESSION, ids=[r[0] for r in REGRESSION])
def test_regression_losses_by_finite_differences(name, loss, torch_loss, kw):
    a = np.array([-2.3, -0.8, -0.1, 0.35, 0.7, 1.9])          # off 0 and off ±β, ±δ
    check_grad_fd(lambda t: loss(t, gn.zeros(6), reduction="none", **kw), [a])


def test_smooth_l1_and_huber_by_hand():
    # d = [0.5, 3]: smooth L1 (β = 1) = [½·0.25, 3 − ½] = [0.125, 2.5], ∂ = [0.5, 1];
    # Huber (δ = 2) = [½·0.25, 2(3 − 1)] = [0.125, 4], ∂ = [0.5, 2]; L1 = [0.5, 3], ∂ = [1, 1]
    for loss, kw, value, grad in [(ops.smooth_l1_loss, {}, [0.125, 2.5], [0.5, 1.0]),
                                  (ops.huber_loss, {"delta": 2.0}, [0.125, 4.0], [0.5, 2.0]),
                                  (ops.l1_loss, {}, [0.5, 3.0], [1.0, 1.0])]:
        a = gn.tensor([0.5, 3.0], requires_grad=True)
        out = loss(a, gn.zeros(2), reduction="none", **kw)
        out.sum().backward()
        assert out.tolist() == value and a.grad.tolist() == grad


def test_smooth_l1_and_huber_reject_bad_parameters():
    with pytest.raises(ValueError, match="beta must be ≥ 0, got -1"):
        ops.smooth_l1_loss(gn.zeros(2), gn.zeros(2), beta=-1)
    with pytest.raises(ValueError, match="delta must be > 0, got 0"):
        ops.huber_loss(gn.zeros(2), gn.zeros(2), delta=0)


LOG_Q = np.log(rng.dirichlet(np.ones(4), size=3))
P = rng.dirichlet(np.ones(4), size=3)
P_WITH_ZERO = np.array([[0.0, 0.5, 0.5, 0.0], [0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0]])


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_like_torch(reduction, log_target):
    target = np.log(P) if log_target else P
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                   # 'mean' warns in both libraries
        check_op(lambda x, y: ops.kl_div(x, y, reduction=reduction, log_target=log_target),
                 lambda x, y: F.kl_div(x, y, reduction=reduction, log_target=log_target), [LOG_Q, target])


def test_kl_div_with_zero_target_probabilities_like_torch():
    # 0·log 0 counts as 0; the input gradient there is −0 (torch's target gradient there is NaN)
    check_op(lambda x, y: ops.kl_div(x, y, reduction="batchmean"),
             lambda x, y: F.kl_div(x, y, reduction="batchmean"), [LOG_Q, P_WITH_ZERO],
             requires_grad=[True, False])
    x, y = gn.tensor(LOG_Q, requires_grad=True), gn.tensor(P_WITH_ZERO, requires_grad=True)
    ops.kl_div(x, y, reduction="sum").backward()
    xt, yt = torch.tensor(LOG_Q, requires_grad=True), torch.tensor(P_WITH_ZERO, requires_grad=True)
    F.kl_div(xt, yt, reduction="sum").backward()
    np.testing.assert_array_equal(np.isnan(y.grad.numpy()), np.isnan(yt.grad.numpy()))
    np.testing.assert_allclose(y.grad.numpy(), yt.grad.numpy(), rtol=1e-12)


def test_kl_div_batchmean_is_the_kl_divergence():
    # KL(p ‖ q) = Σ p log(p/q): p = [½, ½], q = [¼, ¾] → ½ log 2 + ½ log(2/3)
    kl = ops.kl_div(gn.log(gn.tensor([[0.25, 0.75]])), gn.tensor([[0.5, 0.5]]), reduction="batchmean")
    assert kl.item() == pytest.approx(0.5 * np.log(2) + 0.5 * np.log(2 / 3), rel=1e-15)


def test_kl_div_mean_warns_and_unknown_reduction_raises():
    with pytest.warns(UserWarning, match="batchmean"):
        ops.kl_div(gn.zeros(2, 2), gn.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="'batchmean'.*got 'avg'"):
        ops.kl_div(gn.zeros(2, 2), gn.full((2, 2), 0.5), reduction="avg")


@pytest.mark.parametrize("loss", [ops.l1_loss, ops.smooth_l1_loss, ops.huber_loss, ops.kl_div])
def test_new_losses_never_broadcast(loss):
    with pytest.raises(ShapeError, match=re.escape("input has shape (4, 1) but target has shape (4,)")):
        loss(gn.full((4, 1), 0.5), gn.ones(4), reduction="sum")


def test_new_losses_keep_float32():
    x = gn.tensor([[0.5, -0.5]], dtype=gn.float32, requires_grad=True)
    y = [[1.0, 0.0]]
    for loss in (ops.l1_loss(x, y), ops.smooth_l1_loss(x, y), ops.huber_loss(x, y),
                 ops.kl_div(x, y, reduction="batchmean")):
        x.grad = None
        loss.backward()
        assert loss.dtype == gn.float32 and x.grad.dtype == gn.float32


# ------------------------------------------------------------------ exact mode

def test_exact_cross_entropy_with_label_smoothing():
    # z = [1, 2], class 1, ε = 1/10: q = [ε/2, 1 − ε + ε/2] = [1/20, 19/20];
    # ℓ = log(e + e²) − Σ q z = log(e + e²) − (1/20 + 38/20) = log(e + e²) − 39/20;
    # ∂ℓ/∂z = softmax(z) − q (it used to raise "unsupported operand … 'Add' and 'bool'")
    x = gn.tensor([[1, 2]], dtype=gn.exact, requires_grad=True)
    loss = ops.cross_entropy(x, gn.tensor([1]), label_smoothing=0.1)
    loss.backward()
    assert str(loss.item()) == "-39/20 + log(E + exp(2))"
    assert [str(v) for v in x.grad.numpy().reshape(-1)] == ["-1/20 + E/(E + exp(2))",
                                                             "-19/20 + exp(2)/(E + exp(2))"]
    expected = F.cross_entropy(torch.tensor([[1.0, 2.0]]), torch.tensor([1]), label_smoothing=0.1)
    assert float(loss.item()) == pytest.approx(expected.item(), rel=1e-6)


def test_exact_class_losses_stay_exact():
    # one sample: the mean divides by 1 (the count of counted samples), which must stay an integer
    x = gn.tensor([[1, 2]], dtype=gn.exact, requires_grad=True)
    assert str(ops.nll_loss(x, gn.tensor([1])).item()) == "-2"
    assert str(ops.nll_loss(x, gn.tensor([1]), ignore_index=0).item()) == "-2"
    two = gn.tensor([[1, 2], [0, 1]], dtype=gn.exact)
    assert str(ops.cross_entropy(two, gn.tensor([1, 0]), ignore_index=0).item()) == "-2 + log(E + exp(2))"
    weighted = ops.cross_entropy(two, gn.tensor([1, 0]), weight=gn.tensor([1, 2], dtype=gn.exact))
    assert str(weighted.item()) == "-4/3 + log(1 + E)/3 + 2*log(E + exp(2))/3"
    assert str(ops.mse_loss(gn.tensor([1, 2], dtype=gn.exact), gn.tensor([0, 0], dtype=gn.exact)).item()) == "5/2"


def test_a_target_that_requires_grad_is_never_cast_out_of_the_graph():
    x = gn.tensor([1.0, 2.0])
    y = gn.tensor([0.0, 0.0], dtype=gn.float32, requires_grad=True)
    with pytest.raises(TypeError, match="target that requires grad"):
        ops.mse_loss(x, y)
