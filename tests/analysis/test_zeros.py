"""Structural zeros: seed 002 P3's YES/YES/NO, and agreement with autograd's zeros on random
networks across random losses."""
from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.analysis import structural_zeros
from glassnet.analysis._chain import make_linear
from glassnet.analysis.zeros import GUARANTEED, NONZERO, NOT_GUARANTEED, THIS_LOSS


def _seed002_p3() -> nn.Sequential:
    """x (2) → h₁, h₂ → h₃, h₄ → y, ReLU on every unit. w₁ = W⁽¹⁾[1,1] (x₁ → h₁),
    w₂ = W⁽²⁾[1,1] (h₁ → h₃), w₃ = W⁽³⁾[1,1] (h₃ → y)."""
    return nn.Sequential(
        make_linear(np.array([[1.0, -1.0], [1.0, 1.0]]), np.zeros(2)), nn.ReLU(),
        make_linear(np.array([[2.0, 1.0], [-1.0, 1.5]]), np.array([0.5, 0.5])), nn.ReLU(),
        make_linear(np.array([[1.0, 0.5]]), np.array([0.1])), nn.ReLU())


X_P3 = [0.5, 1.5]      # z₁ = 0.5 − 1.5 = −1: h₁ = ReLU(−1) = 0, as the seed supposes


def test_seed002_p3_w1_and_w2_are_guaranteed_zero_w3_is_not():
    report = structural_zeros(_seed002_p3(), X_P3)
    assert report.answer("0.weight", (0, 0)) == "YES"       # w₁: ReLU′(z₁ = −1) = 0
    assert report.answer("2.weight", (0, 0)) == "YES"       # w₂: its input h₁ = 0
    assert report.answer("4.weight", (0, 0)) == "NO"        # w₃: ∂L/∂y · ReLU′(z) · h₃, none forced to 0
    assert "ReLU′(z = -1) = 0" in report.entry("0.weight", (0, 0)).reason
    assert "a⁽¹⁾_1 = ReLU(z = -1) = 0" in report.entry("2.weight", (0, 0)).reason
    # every weight into h₁ and out of h₁ is zero; b₁ too
    np.testing.assert_array_equal(report.guaranteed["0.weight"], [[True, True], [False, False]])
    np.testing.assert_array_equal(report.guaranteed["0.bias"], [True, False])
    np.testing.assert_array_equal(report.guaranteed["2.weight"], [[True, False], [True, False]])
    np.testing.assert_array_equal(report.guaranteed["4.weight"], [[False, False]])


def test_seed002_p3_with_the_squared_error_runs_the_real_backward():
    report = structural_zeros(_seed002_p3(), X_P3, loss=nn.SquaredErrorLoss(), target=[[3.0]])
    w1, w2, w3 = (report.entry(n, (0, 0)) for n in ("0.weight", "2.weight", "4.weight"))
    assert w1.status == GUARANTEED and w1.gradient == 0
    assert w2.status == GUARANTEED and w2.gradient == 0
    # y = ReLU(1·h₃ + 0.5·h₄ + 0.1) with h₂ = 2, h₃ = ReLU(1·2 + 0.5) = 2.5, h₄ = ReLU(1.5·2 + 0.5) = 3.5:
    # y = 2.5 + 1.75 + 0.1 = 4.35; ∂L/∂w₃ = (y − t)·h₃ = 1.35 · 2.5 = 3.375
    assert w3.status == NONZERO and w3.gradient == pytest.approx(3.375, abs=1e-12)


def test_a_gradient_zero_only_because_the_prediction_is_right_is_not_structural():
    model = _seed002_p3()
    report = structural_zeros(model, X_P3, loss=nn.SquaredErrorLoss(), target=[[4.35]])
    w3 = report.entry("4.weight", (0, 0))
    # t = y exactly: ∂L/∂y = 0, so every gradient vanishes, but only for this loss value
    y = model(gn.tensor([X_P3]))._data[0, 0]
    report = structural_zeros(model, X_P3, loss=nn.SquaredErrorLoss(), target=[[y]])
    w3 = report.entry("4.weight", (0, 0))
    assert w3.status == THIS_LOSS and "∂L/∂y = 0" in w3.reason
    assert report.entry("0.weight", (0, 0)).status == GUARANTEED


def test_a_zero_input_feature_zeroes_its_weights_in_layer_one():
    report = structural_zeros(_seed002_p3(), [0.0, 2.0])     # z₁ = −2 as well
    e = report.entry("0.weight", (1, 0))                      # x₁ → h₂: x₁ = 0
    assert e.guaranteed and e.reason == "input x_1 = 0"
    assert not report.entry("0.weight", (1, 1)).guaranteed


def test_step_units_block_every_gradient_before_them():
    # seed 002 P1's network: Step′ = 0 everywhere, so no parameter gets a gradient
    W = np.zeros((4, 5))
    for i in range(4):
        W[i, i], W[i, i + 1] = -1.0, 1.0
    model = nn.Sequential(make_linear(W, np.zeros(4)), nn.Step(),
                          make_linear(-np.ones((1, 4)), np.zeros(1)), nn.Step())
    report = structural_zeros(model, [5.0, 4.0, 3.0, 2.0, 1.0], loss=nn.SquaredErrorLoss(), target=[[0.0]])
    assert all(e.status == GUARANTEED for e in report.entries)
    assert "Step′ = 0" in report.entry("2.weight", (0, 0)).reason


def test_a_softmax_over_one_unit_is_constant():
    model = nn.Sequential(make_linear(np.ones((1, 2)), np.zeros(1)), nn.Softmax(dim=1))
    report = structural_zeros(model, [1.0, 2.0])
    assert all(e.guaranteed for e in report.entries)


_ACTS = [nn.ReLU, nn.Tanh, nn.Sigmoid, nn.Step, lambda: nn.LeakyReLU(0.1), nn.Identity, nn.ReLU, nn.ReLU]


def _random_case(seed: int):
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(2, 6)) for _ in range(int(rng.integers(2, 5)))]
    mods = []
    for k, (i, o) in enumerate(zip(sizes, sizes[1:])):
        w = rng.normal(0, 1, (o, i))
        w[rng.random((o, i)) < 0.15] = 0.0                          # a few zero weights
        mods.append(make_linear(w, rng.normal(0, 0.5, o) if rng.random() < 0.8 else None))
        if k < len(sizes) - 2:
            mods.append(_ACTS[int(rng.integers(0, len(_ACTS)))]())
    last = rng.integers(0, 4)
    if last == 1 and sizes[-1] > 1:
        mods.append(nn.Softmax(dim=1))
    elif last == 2:
        mods.append(nn.ReLU())
    n = 1 if seed % 3 else 3
    x = rng.normal(0, 1, (n, sizes[0]))
    x[:, rng.random(sizes[0]) < 0.25] = 0.0                         # some zero input features
    return nn.Sequential(*mods), x, sizes[-1], rng


@pytest.mark.parametrize("seed", range(40))
def test_structural_zeros_agree_with_autograd_across_random_losses(seed):
    model, x, k, rng = _random_case(seed)
    report = structural_zeros(model, x)
    grads = {name: [] for name, _ in model.named_parameters()}
    for _ in range(4):                                               # L = Σ u ∘ y, u random
        u = gn.tensor(rng.normal(0, 1, (x.shape[0], k)))
        model.zero_grad()
        (model(gn.tensor(x)) * u).sum().backward()
        for name, p in model.named_parameters():
            grads[name].append(p.grad._data.copy() if p.grad is not None else np.zeros(p.shape))
    for name, mask in report.guaranteed.items():
        g = np.stack(grads[name])
        # guaranteed zero ⇒ exactly zero for every loss
        assert np.all(g[:, mask] == 0), f"{name}: guaranteed zero but autograd gives {g[:, mask]}"
        # not guaranteed ⇒ nonzero for some loss (random weights: no exact cancellation)
        assert np.all(np.any(g[:, ~mask] != 0, axis=0)), f"{name}: zero for every loss but not reported"


def test_statuses_with_a_loss_match_the_real_gradients():
    model, x, k, rng = _random_case(4)
    target = rng.normal(0, 1, (x.shape[0], k))
    report = structural_zeros(model, x, loss=nn.SquaredErrorLoss(), target=target)
    for e in report.entries:
        assert e.status in (GUARANTEED, THIS_LOSS, NONZERO)
        assert (e.gradient == 0) == (e.status != NONZERO)
        assert e.status != NOT_GUARANTEED


def test_report_text_lists_each_entry_and_a_summary():
    text = str(structural_zeros(_seed002_p3(), X_P3))
    assert text.startswith("structural zeros: 5 of 15 parameter gradients are zero whatever the loss")
    assert "W⁽²⁾[1, 1]  guaranteed zero" in text


def test_bad_input_size_is_a_clear_error():
    with pytest.raises(ValueError, match="x has 3 features but layer 1 takes 2"):
        structural_zeros(_seed002_p3(), [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="chain of Linear and activation layers"):
        structural_zeros(nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5).eval(), nn.Flatten(), nn.Linear(2, 1),
                                       _Odd()), [1.0, 2.0])


class _Odd(nn.Module):
    def forward(self, x):
        return x


def test_exact_models_are_analysed_exactly():
    import sympy
    I = sympy.Integer
    W = np.array([[I(1), I(-1)], [I(1), I(1)]], dtype=object)
    model = nn.Sequential(make_linear(W, np.array([I(0), I(0)], dtype=object)), nn.ReLU(),
                          make_linear(np.array([[I(2), I(3)]], dtype=object), np.array([I(0)], dtype=object)))
    report = structural_zeros(model, [0.5, 1.5], loss=nn.SquaredErrorLoss(), target=[[1.0]])
    assert report.answer("0.weight", (0, 1)) == "YES" and report.answer("2.weight", (0, 1)) == "NO"
    # ∂L/∂W⁽²⁾[1, 2] = (y − t)·h₂ = (3·2 − 1)·2 = 10, exactly
    assert report.entry("2.weight", (0, 1)).gradient == 10
