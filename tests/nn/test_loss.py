"""Loss modules against torch.nn's for every reduction (value and input gradient), and the
glassnet-only HingeLoss and SquaredErrorLoss by hand."""
import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn

from ._helpers import assert_close

REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)
N, C = 6, 4
LOGITS = rng.normal(size=(N, C)) * 2
CLASSES = np.array([0, 3, 1, 1, 2, 0])
PROBS = rng.dirichlet(np.ones(C), size=N)
BINARY = rng.integers(0, 2, size=(N, C)).astype(float)
SOFT = rng.uniform(size=(N, C))
WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])


def check(g_loss, t_loss, x, target, tol=1e-12, torch_target=None):
    """Value and ∂loss/∂x of a glassnet loss module vs a torch one on the same numbers."""
    xg, xt = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    tg = gn.tensor(target)
    tt = torch.tensor(target) if torch_target is None else torch_target
    lg, lt = g_loss(xg, tg), t_loss(xt, tt)
    assert lg.shape == tuple(lt.shape)
    assert_close(lg, lt, tol)
    up = np.random.default_rng(1).normal(size=lt.shape)      # a non-trivial ∂L/∂loss for 'none'
    lg.backward(gn.tensor(up))
    lt.backward(torch.tensor(up))
    assert_close(xg.grad, xt.grad, tol)


def tensor_or_none(a, lib):
    return None if a is None else lib.tensor(a)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(reduction):
    check(nn.MSELoss(reduction=reduction), torch.nn.MSELoss(reduction=reduction), LOGITS, SOFT)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["plain", "weighted"])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_with_class_indices(reduction, weight, ignore_index, label_smoothing):
    kw = dict(reduction=reduction, ignore_index=ignore_index, label_smoothing=label_smoothing)
    check(nn.CrossEntropyLoss(weight=tensor_or_none(weight, gn), **kw),
          torch.nn.CrossEntropyLoss(weight=tensor_or_none(weight, torch), **kw), LOGITS, CLASSES)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["plain", "weighted"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_with_probability_targets(reduction, weight, label_smoothing):
    kw = dict(reduction=reduction, label_smoothing=label_smoothing)
    check(nn.CrossEntropyLoss(weight=tensor_or_none(weight, gn), **kw),
          torch.nn.CrossEntropyLoss(weight=tensor_or_none(weight, torch), **kw), LOGITS, PROBS)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_extra_dimensions(reduction):
    x = rng.normal(size=(2, C, 3, 2))                          # (N, C, d1, d2)
    t = rng.integers(0, C, size=(2, 3, 2))
    check(nn.CrossEntropyLoss(reduction=reduction, weight=gn.tensor(WEIGHT)),
          torch.nn.CrossEntropyLoss(reduction=reduction, weight=torch.tensor(WEIGHT)), x, t)


def test_cross_entropy_unbatched():
    check(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), LOGITS[0], np.array(2))


def test_cross_entropy_by_hand():
    # logits [0, ln 3]: softmax [¼, ¾]; target 1 → −ln ¾ = 0.28768…; ∂/∂x = p − y = [¼, −¼]
    x = gn.tensor([[0.0, np.log(3.0)]], requires_grad=True)
    loss = nn.CrossEntropyLoss()(x, gn.tensor([1]))
    assert loss.item() == pytest.approx(-np.log(0.75), rel=1e-15)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.25, -0.25]], rtol=1e-15)


def test_cross_entropy_is_finite_for_huge_logits():
    check(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(),
          np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]]), np.array([1, 2]))


def test_cross_entropy_errors():
    loss = nn.CrossEntropyLoss()
    with pytest.raises(IndexError, match="out of bounds"):
        loss(gn.tensor(LOGITS), gn.tensor([0, 1, 2, 3, 4, 0]))
    with pytest.raises(TypeError, match="long"):
        loss(gn.tensor(LOGITS), gn.tensor(CLASSES.astype(float)))
    with pytest.raises(gn.ShapeError, match=r"^CrossEntropyLoss\(\): .*\(6,\)"):
        loss(gn.tensor(LOGITS), gn.tensor(CLASSES[:, None]))
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.functional.cross_entropy(gn.tensor(LOGITS), gn.tensor(CLASSES), label_smoothing=1.5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["plain", "weighted"])
@pytest.mark.parametrize("ignore_index", [-100, 0])
def test_nll_loss(reduction, weight, ignore_index):
    logp = LOGITS - np.log(np.exp(LOGITS).sum(axis=1, keepdims=True))
    kw = dict(reduction=reduction, ignore_index=ignore_index)
    check(nn.NLLLoss(weight=tensor_or_none(weight, gn), **kw),
          torch.nn.NLLLoss(weight=tensor_or_none(weight, torch), **kw), logp, CLASSES)


def test_log_softmax_then_nll_equals_cross_entropy():
    x = gn.tensor(LOGITS)
    a = nn.NLLLoss()(nn.LogSoftmax(dim=1)(x), gn.tensor(CLASSES))
    b = nn.CrossEntropyLoss()(x, gn.tensor(CLASSES))
    assert a.item() == pytest.approx(b.item(), rel=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["plain", "weighted"])
@pytest.mark.parametrize("target", [BINARY, SOFT], ids=["binary", "soft"])
def test_bce_loss(reduction, weight, target):
    probs = 1 / (1 + np.exp(-LOGITS))
    check(nn.BCELoss(weight=tensor_or_none(weight, gn), reduction=reduction),
          torch.nn.BCELoss(weight=tensor_or_none(weight, torch), reduction=reduction), probs, target)


def test_bce_loss_clamps_log_zero_like_torch():
    # a = 0 with y = 1 costs −max(log 0, −100) = 100, as in torch
    check(nn.BCELoss(reduction="none"), torch.nn.BCELoss(reduction="none"),
          np.array([0.0, 1.0, 0.5]), np.array([0.0, 1.0, 1.0]))
    assert nn.BCELoss()(gn.tensor([0.0]), gn.tensor([1.0])).item() == 100.0


def test_bce_loss_rejects_inputs_outside_zero_one():
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.BCELoss()(gn.tensor([1.5]), gn.tensor([1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, WEIGHT], ids=["plain", "weighted"])
@pytest.mark.parametrize("pos_weight", [None, np.array([1.0, 3.0, 0.5, 2.0])], ids=["", "pos_weight"])
@pytest.mark.parametrize("target", [BINARY, SOFT], ids=["binary", "soft"])
def test_bce_with_logits_loss(reduction, weight, pos_weight, target):
    check(nn.BCEWithLogitsLoss(weight=tensor_or_none(weight, gn), reduction=reduction,
                               pos_weight=tensor_or_none(pos_weight, gn)),
          torch.nn.BCEWithLogitsLoss(weight=tensor_or_none(weight, torch), reduction=reduction,
                                     pos_weight=tensor_or_none(pos_weight, torch)), LOGITS, target)


def test_bce_with_logits_is_finite_for_huge_logits():
    check(nn.BCEWithLogitsLoss(reduction="sum"), torch.nn.BCEWithLogitsLoss(reduction="sum"),
          np.array([-1000.0, 1000.0, -1000.0, 1000.0]), np.array([0.0, 1.0, 1.0, 0.0]))


def test_weights_are_buffers_like_torch():
    w = gn.tensor(WEIGHT)
    g = nn.BCEWithLogitsLoss(weight=w, pos_weight=gn.tensor(WEIGHT))
    t = torch.nn.BCEWithLogitsLoss(weight=torch.tensor(WEIGHT), pos_weight=torch.tensor(WEIGHT))
    assert list(g.state_dict()) == list(t.state_dict()) == ["weight", "pos_weight"]
    assert list(nn.CrossEntropyLoss(weight=w).state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == [] == list(torch.nn.CrossEntropyLoss().state_dict())
    assert list(nn.CrossEntropyLoss().parameters()) == []


def test_invalid_reduction_lists_the_choices():
    for cls in (nn.MSELoss, nn.CrossEntropyLoss, nn.HingeLoss, nn.SquaredErrorLoss, nn.BCELoss):
        with pytest.raises(ValueError, match="'mean', 'sum', 'none'.*'avg'"):
            cls(reduction="avg")


def test_a_loss_never_broadcasts_n_by_1_against_n():
    with pytest.raises(gn.ShapeError, match=r"\(4, 1\).*\(4,\)"):
        nn.MSELoss()(gn.zeros(4, 1), gn.zeros(4))


# ------------------------------------------------------------------ the seeds' losses by hand

def test_squared_error_loss_defaults_to_half_the_sum():
    a = gn.tensor([[1.0, 2.0], [0.5, -1.0]], requires_grad=True)
    y = gn.tensor([[0.0, 2.0], [1.5, 1.0]])
    # E = ½[(1−0)² + 0² + (0.5−1.5)² + (−1−1)²] = ½(1 + 0 + 1 + 4) = 3
    loss = nn.SquaredErrorLoss()(a, y)
    assert loss.item() == 3.0
    loss.backward()
    assert a.grad.tolist() == [[1.0, 0.0], [-1.0, -2.0]]     # ∂E/∂a = a − y
    assert repr(nn.SquaredErrorLoss()) == "SquaredErrorLoss()"


def test_squared_error_loss_other_reductions():
    a, y = gn.tensor([1.0, 3.0]), gn.tensor([0.0, 0.0])
    assert nn.SquaredErrorLoss(reduction="mean")(a, y).item() == 2.5   # ½(1 + 9)/2
    assert nn.SquaredErrorLoss(reduction="none")(a, y).tolist() == [0.5, 4.5]
    assert repr(nn.SquaredErrorLoss(reduction="mean")) == "SquaredErrorLoss(reduction='mean')"
    # ½·MSE·n = SquaredErrorLoss(sum), checked against torch on random numbers
    t = torch.nn.MSELoss(reduction="sum")(torch.tensor(LOGITS), torch.tensor(SOFT)).item() / 2
    assert nn.SquaredErrorLoss()(gn.tensor(LOGITS), gn.tensor(SOFT)).item() == pytest.approx(t, rel=1e-14)


def test_hinge_loss_defaults_to_the_mean():
    a = gn.tensor([2.0, 0.5, -0.5, 1.0], requires_grad=True)
    y = gn.tensor([1.0, 1.0, 1.0, -1.0])
    # margins y·a = 2, 0.5, −0.5, −1 → max(0, 1 − m) = 0, 0.5, 1.5, 2 → mean 1.0
    loss = nn.HingeLoss()(a, y)
    assert loss.item() == 1.0
    loss.backward()
    assert a.grad.tolist() == [0.0, -0.25, -0.25, 0.25]        # −y/n where y·a ≤ 1
    assert nn.HingeLoss(reduction="sum")(a, y).item() == 4.0
    assert nn.HingeLoss(reduction="none")(a, y).tolist() == [0.0, 0.5, 1.5, 2.0]


def test_hinge_loss_at_the_margin_takes_the_seeds_subgradient():
    a = gn.tensor([1.0], requires_grad=True)                   # y·a = 1 exactly: loss 0, grad −y
    loss = nn.HingeLoss(reduction="sum")(a, gn.tensor([1.0]))
    loss.backward()
    assert loss.item() == 0.0 and a.grad.tolist() == [-1.0]


def test_hinge_loss_matches_torch_composition():
    y = np.where(BINARY > 0, 1.0, -1.0)
    for reduction in REDUCTIONS:
        def torch_hinge(a, t, reduction=reduction):
            per = torch.clamp(1 - t * a, min=0)
            return per.mean() if reduction == "mean" else per.sum() if reduction == "sum" else per
        check(nn.HingeLoss(reduction=reduction), torch_hinge, LOGITS, y)


def test_hinge_loss_wants_plus_minus_one_targets():
    with pytest.raises(ValueError, match="2·label − 1"):
        nn.HingeLoss()(gn.tensor([0.3, 0.1]), gn.tensor([0.0, 1.0]))


# ------------------------------------------------------------------ L1, smooth L1, Huber, KL

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, kw", [("L1Loss", {}), ("SmoothL1Loss", {}), ("SmoothL1Loss", {"beta": 0.3}),
                                      ("HuberLoss", {}), ("HuberLoss", {"delta": 0.4})])
def test_regression_loss_modules(reduction, name, kw):
    check(getattr(nn, name)(reduction=reduction, **kw), getattr(torch.nn, name)(reduction=reduction, **kw),
          LOGITS, SOFT)


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_loss_module(reduction, log_target):
    logq = LOGITS - np.log(np.exp(LOGITS).sum(axis=1, keepdims=True))
    target = np.log(PROBS) if log_target else PROBS
    check(nn.KLDivLoss(reduction=reduction, log_target=log_target),
          torch.nn.KLDivLoss(reduction=reduction, log_target=log_target), logq, target)


def test_new_loss_modules_repr_and_errors():
    assert repr(nn.L1Loss()) == "L1Loss()" and repr(nn.KLDivLoss()) == "KLDivLoss()"
    assert repr(nn.HuberLoss(reduction="sum")) == "HuberLoss(reduction='sum')"
    assert nn.SmoothL1Loss(beta=0.5).beta == 0.5 and nn.HuberLoss(delta=2.0).delta == 2.0
    for cls in (nn.L1Loss, nn.SmoothL1Loss, nn.HuberLoss):
        with pytest.raises(ValueError, match="'mean', 'sum', 'none'.*'avg'"):
            cls(reduction="avg")
    with pytest.raises(ValueError, match="'batchmean'.*'avg'"):
        nn.KLDivLoss(reduction="avg")
