"""Equivalent-network transforms: the seeds' formulas (002 P2, 004 Q3, 001 P1, 004 Q2) and
random networks whose outputs must agree to 1e-12."""
from __future__ import annotations

import numpy as np
import pytest
import sympy

import glassnet as gn
from glassnet import nn
from glassnet.analysis import (InsertZero, TwoClass, collapse_linear, max_difference, sigmoid_to_tanh,
                               softmax2_to_sigmoid, softmax_reduce, tanh_to_sigmoid)
from glassnet.analysis._chain import make_linear

S = sympy.Symbol


def _net(*parts) -> nn.Sequential:
    """Sequential from (W, b) pairs (W as outputs × inputs) and modules."""
    return nn.Sequential(*[make_linear(np.asarray(p[0], float), None if p[1] is None else np.asarray(p[1], float))
                           if isinstance(p, tuple) else p for p in parts])


def _random_net(rng, sizes, acts, bias=True) -> nn.Sequential:
    parts = []
    for k, (i, o) in enumerate(zip(sizes, sizes[1:])):
        parts.append((rng.normal(0, 1, (o, i)), rng.normal(0, 1, o) if bias else None))
        if k < len(acts):
            parts.append(acts[k]())
    return _net(*parts)


def _outputs(model, x):
    with gn.no_grad():
        return model(gn.tensor(x))._data


# ------------------------------------------------------------------ sigmoid ↔ tanh

def test_sigmoid_to_tanh_applies_the_seed_formulas_symbolically():
    # seed 002 P2: w*_ji⁽¹⁾ = w_ji⁽¹⁾/2, w*_j0⁽¹⁾ = w_j0⁽¹⁾/2, w*_kj⁽²⁾ = w_kj⁽²⁾/2,
    # w*_k0⁽²⁾ = w_k0⁽²⁾ + Σ_j w_kj⁽²⁾/2   (seed 004 Q3 gives the same Θ')
    model = _random_net(np.random.default_rng(0), [3, 2, 2], [nn.Sigmoid, nn.Sigmoid])
    eq = sigmoid_to_tanh(model)
    f = dict(eq.formulas)
    assert sympy.simplify(f["w1_23*"] - S("w1_23") / 2) == 0
    assert sympy.simplify(f["b1_2*"] - S("b1_2") / 2) == 0
    assert sympy.simplify(f["w2_12*"] - S("w2_12") / 2) == 0
    assert sympy.simplify(f["b2_1*"] - (S("b2_1") + S("w2_11") / 2 + S("w2_12") / 2)) == 0
    assert sympy.simplify(f["b2_2*"] - (S("b2_2") + S("w2_21") / 2 + S("w2_22") / 2)) == 0
    assert [type(m).__name__ for m in eq.model] == ["Linear", "Tanh", "Linear", "Sigmoid"]


def test_sigmoid_to_tanh_numbers_for_a_hand_checked_network():
    # hidden W = [[1, −2, 0.5], [0.3, 0.8, −1.2]], b = [0.4, −0.6]; output V = [[2, −1], [0.5, 3]], c = [0.1, −0.2]
    model = _net(([[1, -2, 0.5], [0.3, 0.8, -1.2]], [0.4, -0.6]), nn.Sigmoid(),
                 ([[2, -1], [0.5, 3]], [0.1, -0.2]), nn.Sigmoid())
    eq = sigmoid_to_tanh(model)
    W, b = eq.model[0].weight._data, eq.model[0].bias._data
    V, c = eq.model[2].weight._data, eq.model[2].bias._data
    np.testing.assert_array_equal(W, [[0.5, -1, 0.25], [0.15, 0.4, -0.6]])
    np.testing.assert_array_equal(b, [0.2, -0.3])
    np.testing.assert_array_equal(V, [[1, -0.5], [0.25, 1.5]])
    # c*_1 = 0.1 + (2 − 1)/2 = 0.6;  c*_2 = −0.2 + (0.5 + 3)/2 = 1.55
    np.testing.assert_allclose(c, [0.6, 1.55], rtol=0, atol=1e-15)
    assert eq.verified and eq.max_difference <= 1e-12


@pytest.mark.parametrize("seed", range(6))
def test_sigmoid_tanh_round_trip_on_random_deep_networks(seed):
    rng = np.random.default_rng(seed)
    depth = 1 + seed % 3
    sizes = [int(rng.integers(1, 6)) for _ in range(depth + 2)]
    acts = [nn.Sigmoid] * depth + ([nn.Sigmoid] if seed % 2 else [])
    model = _random_net(rng, sizes, acts, bias=seed % 3 != 1)
    x = rng.normal(0, 2, (64, sizes[0]))
    to_tanh = sigmoid_to_tanh(model)
    assert sum(isinstance(m, nn.Tanh) for m in to_tanh.model) == depth
    np.testing.assert_allclose(_outputs(to_tanh.model, x), _outputs(model, x), rtol=0, atol=1e-12)
    back = tanh_to_sigmoid(to_tanh.model)
    assert not any(isinstance(m, nn.Tanh) for m in back.model)
    np.testing.assert_allclose(_outputs(back.model, x), _outputs(model, x), rtol=0, atol=1e-12)
    assert to_tanh.max_difference <= 1e-12 and back.max_difference <= 1e-12
    for p, q in zip(model.parameters(), back.model.parameters()):
        if p.shape == q.shape:
            np.testing.assert_allclose(q._data, p._data, rtol=0, atol=1e-12)


def test_tanh_to_sigmoid_formulas_double_and_subtract_the_outgoing_sum():
    # tanh(z) = 2σ(2z) − 1:  W* = 2W, b* = 2b;  V* = 2V, c*_k = c_k − Σ_j V_kj
    model = _random_net(np.random.default_rng(3), [2, 2, 1], [nn.Tanh])
    f = dict(tanh_to_sigmoid(model).formulas)
    assert sympy.simplify(f["w1_12*"] - 2 * S("w1_12")) == 0
    assert sympy.simplify(f["b1_1*"] - 2 * S("b1_1")) == 0
    assert sympy.simplify(f["w2_11*"] - 2 * S("w2_11")) == 0
    assert sympy.simplify(f["b2_1*"] - (S("b2_1") - S("w2_11") - S("w2_12"))) == 0


def test_sigmoid_to_tanh_is_exact_on_exact_models():
    W = np.array([[sympy.Rational(1, 3), sympy.Integer(-1)]], dtype=object)
    V = np.array([[sympy.Integer(3)]], dtype=object)
    model = nn.Sequential(make_linear(W, np.array([sympy.Integer(1)], dtype=object)), nn.Sigmoid(),
                          make_linear(V, np.array([sympy.Integer(0)], dtype=object)))
    eq = sigmoid_to_tanh(model)
    assert eq.model[0].weight._data[0, 0] == sympy.Rational(1, 6)
    assert eq.model[0].bias._data[0] == sympy.Rational(1, 2)
    assert eq.model[2].weight._data[0, 0] == sympy.Rational(3, 2)
    assert eq.model[2].bias._data[0] == sympy.Rational(3, 2)       # 0 + 3/2
    assert eq.verified                                             # checked on float copies


def test_sigmoid_to_tanh_needs_a_hidden_sigmoid():
    with pytest.raises(ValueError, match="no hidden Sigmoid"):
        sigmoid_to_tanh(_net(([[1.0, 2.0]], [0.0]), nn.Sigmoid()))
    with pytest.raises(ValueError, match="does not directly follow a Linear"):
        sigmoid_to_tanh(_net(([[1.0]], [0.0]), nn.ReLU(), nn.Sigmoid(), ([[1.0]], [0.0])))


# ------------------------------------------------------------------ collapse

def test_collapse_linear_gives_seed_001_p1_formulas():
    # b* = b1⁽²⁾ + b1⁽¹⁾w11⁽²⁾ + b2⁽¹⁾w12⁽²⁾,  w*11 = w11⁽²⁾w11⁽¹⁾ + w12⁽²⁾w21⁽¹⁾,
    # w*12 = w11⁽²⁾w12⁽¹⁾ + w12⁽²⁾w22⁽¹⁾   (our w{l}_{ji}: layer l, unit j, input i)
    model = _net(([[0.5, -1.0], [2.0, 0.25]], [0.1, -0.3]), nn.Identity(), ([[1.5, -0.5]], [0.2]), nn.Sigmoid())
    eq = collapse_linear(model)
    f = dict(eq.formulas)
    assert set(f) == {"w1_11*", "w1_12*", "b1_1*"}
    assert sympy.expand(f["b1_1*"] - (S("b2_1") + S("b1_1") * S("w2_11") + S("b1_2") * S("w2_12"))) == 0
    assert sympy.expand(f["w1_11*"] - (S("w2_11") * S("w1_11") + S("w2_12") * S("w1_21"))) == 0
    assert sympy.expand(f["w1_12*"] - (S("w2_11") * S("w1_12") + S("w2_12") * S("w1_22"))) == 0
    # numbers: w* = [1.5·0.5 − 0.5·2, 1.5·(−1) − 0.5·0.25] = [−0.25, −1.625]; b* = 0.15 + 0.15 + 0.2
    np.testing.assert_allclose(eq.model[0].weight._data, [[-0.25, -1.625]], rtol=0, atol=1e-15)
    np.testing.assert_allclose(eq.model[0].bias._data, [0.5], rtol=0, atol=1e-15)
    assert [type(m).__name__ for m in eq.model] == ["Linear", "Sigmoid"]
    assert eq.max_difference <= 1e-12


@pytest.mark.parametrize("seed", range(5))
def test_collapse_linear_on_random_chains(seed):
    rng = np.random.default_rng(10 + seed)
    sizes = [int(rng.integers(1, 6)) for _ in range(5)]
    parts = []
    for k, (i, o) in enumerate(zip(sizes, sizes[1:])):
        parts.append((rng.normal(0, 1, (o, i)), rng.normal(0, 1, o) if (seed + k) % 2 else None))
        if k == 1:
            parts.append(nn.Tanh())
        elif k == 0:
            parts.append(nn.Identity())
    model = _net(*parts)
    eq = collapse_linear(model)
    # Linear Identity Linear Tanh Linear Linear → Linear Tanh Linear
    assert [type(m).__name__ for m in eq.model] == ["Linear", "Tanh", "Linear"]
    x = rng.normal(0, 2, (50, sizes[0]))
    np.testing.assert_allclose(_outputs(eq.model, x), _outputs(model, x), rtol=0, atol=1e-12)


def test_collapse_linear_refuses_a_model_with_nothing_to_merge():
    with pytest.raises(ValueError, match="no two Linear layers"):
        collapse_linear(_net(([[1.0]], [0.0]), nn.ReLU(), ([[1.0]], [0.0])))


# ------------------------------------------------------------------ softmax

def test_softmax2_to_sigmoid_uses_the_logit_difference():
    # seed 004 Q2.2: S(x) = [σ(z), 1 − σ(z)] with z = x₁ − x₂
    model = _net(([[1.0, 2.0], [0.5, -1.0]], [0.3, -0.2]), nn.Softmax(dim=1))
    eq = softmax2_to_sigmoid(model)
    f = dict(eq.formulas)
    assert sympy.expand(f["w1_12*"] - (S("w1_12") - S("w1_22"))) == 0
    assert sympy.expand(f["b1_1*"] - (S("b1_1") - S("b1_2"))) == 0
    np.testing.assert_allclose(eq.model[0].weight._data, [[0.5, 3.0]])
    np.testing.assert_allclose(eq.model[0].bias._data, [0.5])
    assert isinstance(eq.model[1], nn.Sigmoid) and isinstance(eq.model[2], TwoClass)
    assert eq.max_difference <= 1e-12


@pytest.mark.parametrize("positive", [0, 1])
def test_softmax2_to_sigmoid_on_random_networks(positive):
    rng = np.random.default_rng(positive)
    model = _random_net(rng, [3, 4, 2], [nn.ReLU, lambda: nn.Softmax(dim=1)])
    eq = softmax2_to_sigmoid(model, positive=positive)
    x = rng.normal(0, 2, (80, 3))
    out = _outputs(eq.model, x)
    np.testing.assert_allclose(out, _outputs(model, x), rtol=0, atol=1e-12)
    # the sigmoid itself is the probability of class `positive` (seed 001 P3: cat = class 2)
    logistic = eq.model[:-1]
    np.testing.assert_allclose(_outputs(logistic, x)[:, 0], out[:, positive], rtol=0, atol=1e-15)


def test_softmax2_to_sigmoid_of_a_logits_model_matches_its_softmax():
    rng = np.random.default_rng(7)
    model = _random_net(rng, [2, 3, 2], [nn.Tanh])
    eq = softmax2_to_sigmoid(model)
    x = rng.normal(0, 2, (40, 2))
    with gn.no_grad():
        expected = gn.softmax(model(gn.tensor(x)), 1)._data
    np.testing.assert_allclose(_outputs(eq.model, x), expected, rtol=0, atol=1e-12)
    assert eq.verified and "softmax" in eq.compared


def test_softmax2_to_sigmoid_needs_two_classes():
    with pytest.raises(ValueError, match="needs 2 classes"):
        softmax2_to_sigmoid(_random_net(np.random.default_rng(0), [2, 3], [lambda: nn.Softmax(dim=1)]))


@pytest.mark.parametrize("K,reference", [(3, 0), (4, 2), (2, 1)])
def test_softmax_reduce_keeps_the_probabilities_with_k_minus_1_logits(K, reference):
    # seed 004 Q2.3: S(x) = S([0, x₂ − x₁, …, x_K − x₁])
    rng = np.random.default_rng(K)
    model = _random_net(rng, [3, 5, K], [nn.Sigmoid, lambda: nn.Softmax(dim=1)])
    eq = softmax_reduce(model, reference=reference)
    lin = eq.model[2]
    assert lin.out_features == K - 1 and isinstance(eq.model[3], InsertZero)
    x = rng.normal(0, 2, (60, 3))
    np.testing.assert_allclose(_outputs(eq.model, x), _outputs(model, x), rtol=0, atol=1e-12)
    f = dict(eq.formulas)
    r = reference + 1
    c = 1 if reference != 0 else 2        # the first class that is not the reference
    assert sympy.expand(f["w2_11*"] - (S(f"w2_{c}1") - S(f"w2_{r}1"))) == 0


def test_softmax_reduce_on_logits_compares_probabilities():
    rng = np.random.default_rng(5)
    model = _random_net(rng, [2, 3], [])
    eq = softmax_reduce(model)
    x = rng.normal(0, 1, (30, 2))
    with gn.no_grad():
        p_old = gn.softmax(model(gn.tensor(x)), 1)._data
        z_new = eq.model(gn.tensor(x))._data
    np.testing.assert_array_equal(z_new[:, 0], 0.0)
    np.testing.assert_allclose(np.exp(z_new) / np.exp(z_new).sum(1, keepdims=True), p_old, rtol=0, atol=1e-12)
    assert eq.verified


def test_max_difference_detects_a_different_function():
    rng = np.random.default_rng(0)
    a = _random_net(rng, [2, 2, 1], [nn.Sigmoid])
    b = _random_net(rng, [2, 2, 1], [nn.Sigmoid])
    assert max_difference(a, b) > 1e-3
    assert max_difference(a, a) == 0.0


def test_equivalence_prints_rules_formulas_and_check():
    text = str(sigmoid_to_tanh(_random_net(np.random.default_rng(1), [2, 2, 1], [nn.Sigmoid])))
    assert "σ(z) = ½ tanh(z/2) + ½" in text
    assert "b2_1* = b2_1 + w2_11/2 + w2_12/2" in text
    assert "✓" in text
