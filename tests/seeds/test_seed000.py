"""Seed 000: hinge / NLL gradients, softmax, one softmax-layer SGD step, a 2-4-2 ReLU network.

The seed writes the row notation: z = Wᵀx + W₀ with W inputs × outputs. A glassnet Linear
weight is outputs × inputs, so it holds Wᵀ, and its ``.grad`` is the transpose of the seed's
∇_W. Gradients come from autograd, updates from ``gn.optim.SGD``.
"""
from __future__ import annotations

import ast
import math

import numpy as np
import pytest

import glassnet as gn
import glassnet.optim  # noqa: F401  (gn.optim)
from glassnet import nn

F = gn.nn.functional
e = math.e


def _linear(weight_rows_notation, bias=None) -> nn.Linear:
    """A Linear layer from the seed's W (inputs × outputs) and W₀ (None: no bias at all)."""
    w = np.asarray(weight_rows_notation, dtype=np.float64)
    layer = nn.Linear(*w.shape, bias=bias is not None)
    with gn.no_grad():
        layer.weight.copy_(gn.tensor(w.T))      # (m, n) → glassnet's (n, m)
        if bias is not None:
            layer.bias.copy_(gn.tensor(np.asarray(bias, dtype=np.float64)))
    return layer


# ---------------------------------------------------------------------------------------------
# 1.1 Hinge loss with a linear unit a = wᵀx + w₀:  ∇_w L_h(ya) = 0 if ya > 1, else −y x.
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("w, w0, x, y", [
    ([0.5, -1.0], 0.25, [2.0, 1.0], 1.0),     # a = 0.25, ya = 0.25 ≤ 1: gradient −y x = [−2, −1]
    ([0.5, -1.0], 0.25, [2.0, 1.0], -1.0),    # ya = −0.25: gradient −y x = [2, 1]
    ([2.0, 1.0], 0.0, [1.0, 0.5], 1.0),       # a = 2.5, ya > 1: gradient 0
    ([1.0, 0.0], 0.0, [1.0, 3.0], 1.0),       # ya = 1 exactly: the seed's "otherwise": −y x
])
def test_1_1_hinge_loss_gradient(w, w0, x, y):
    unit = _linear([[wi] for wi in w], [w0])
    a = unit(gn.tensor([x]))
    nn.HingeLoss(reduction="sum")(a, gn.tensor([[y]])).backward()
    ya = y * a.item()
    expected = np.zeros(2) if ya > 1 else -y * np.array(x)
    np.testing.assert_allclose(unit.weight.grad.numpy()[0], expected, atol=1e-15)


# ---------------------------------------------------------------------------------------------
# 1.2 Sigmoid: σ′(z) = e^−z/(1 + e^−z)² = o(1 − o) with o = σ(z); NLL gradient x(a − y).
# ---------------------------------------------------------------------------------------------

def test_1_2_sigmoid_derivative_in_z_and_in_o():
    zs = [-3.0, -0.5, 0.0, 0.2, 2.0]
    z = gn.tensor(zs, requires_grad=True)
    o = gn.sigmoid(z)
    o.sum().backward()
    for zi, oi, gi in zip(zs, o.tolist(), z.grad.tolist()):
        # 1.2.A: e**(-z)/(1 + e**(-z))**2 ; 1.2.B: o*(1 - o)
        assert gi == pytest.approx(e ** (-zi) / (1 + e ** (-zi)) ** 2, rel=1e-12)
        assert gi == pytest.approx(oi * (1 - oi), rel=1e-12)
    # σ′(0) = ¼
    assert z.grad.tolist()[2] == 0.25


@pytest.mark.parametrize("x, y", [([1.0, 2.0], 1.0), ([1.0, 2.0], 0.0), ([-0.5, 3.0], 1.0)])
def test_1_2_nll_gradient_of_a_sigmoid_unit_is_x_times_a_minus_y(x, y):
    # a = σ(wᵀx + w₀), NLL(a, y) = −y log a − (1 − y) log(1 − a):  1.2.F ∂/∂w₁ = x₁(a − y),
    # 1.2.G ∇_W = x(a − y)
    unit = _linear([[0.3], [-0.2]], [0.1])
    a = gn.sigmoid(unit(gn.tensor([x])))
    nn.BCELoss(reduction="sum")(a, gn.tensor([[y]])).backward()
    np.testing.assert_allclose(unit.weight.grad.numpy()[0], np.array(x) * (a.item() - y), rtol=1e-12)
    assert unit.bias.grad.item() == pytest.approx(a.item() - y, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# 2 Softmax and multiclass NLL
# ---------------------------------------------------------------------------------------------

def test_2_a_softmax_of_minus1_0_1(assert_printed):
    p = F.softmax(gn.tensor([-1.0, 0.0, 1.0]), dim=0)
    # p = [e⁻¹, e⁰, e¹]/(e⁻¹ + e⁰ + e¹) = [0.0900306, 0.244728, 0.665241]
    np.testing.assert_allclose(p.numpy(), np.array([e ** -1, 1, e]) / (e ** -1 + 1 + e), rtol=1e-14)
    # The seed answers [0.09, 0.24, 0.66]: two decimals *truncated*, not rounded (0.665241
    # rounds to 0.67; 0.66 is 5.2e-3 away, more than half a unit). So the seed's values are the
    # truncations of glassnet's, and the rounded ones differ only in the last entry.
    assert [math.floor(v * 100) / 100 for v in p.tolist()] == [0.09, 0.24, 0.66]
    assert_printed(p[:2], "[0.09, 0.24]")
    assert [round(v, 2) for v in p.tolist()] == [0.09, 0.24, 0.67]


def test_2_b_nll_is_minus_log_point_2():
    # NLL(a, y) = −Σ y_j log a_j with a = [.3, .5, .2], y = [0, 0, 1]:  −log .2 = 1.6094379
    a = gn.tensor([[0.3, 0.5, 0.2]])
    loss = nn.NLLLoss()(gn.log(a), gn.tensor([2]))
    assert loss.item() == pytest.approx(-math.log(0.2), rel=1e-15)
    assert round(loss.item(), 7) == 1.6094379


# 2.C–2.F: W = [[1, −1, −2], [−1, 2, 1]] (2 inputs × 3 outputs), x = [1, 1]ᵀ, class 1. "Assume
# the biases are zero" and only W is updated (2.E asks for W; 2.F uses "the new weight matrix"),
# so the layer has no bias: a trained W₀ would move to −0.5(a − y) and 2.F would become 0.815791.
W_2C = [[1.0, -1.0, -2.0], [-1.0, 2.0, 1.0]]
X_2C = [[1.0, 1.0]]
# 2.E, printed: W after one step at 0.5
W_2E = "[[0.87763576, -0.83262048, -2.04501529], [-1.12236424, 2.16737952, 0.95498471]]"


def _softmax_layer_2c():
    layer = _linear(W_2C)
    z = layer(gn.tensor(X_2C))                           # z = Wᵀx = [0, 1, −1]
    loss = nn.CrossEntropyLoss(reduction="sum")(z, gn.tensor([1]))
    loss.backward()
    return layer, z


def test_2_c_gradient_is_x_times_a_minus_y():
    layer, z = _softmax_layer_2c()
    np.testing.assert_array_equal(z.detach().numpy(), [[0.0, 1.0, -1.0]])
    a = F.softmax(z, dim=1).detach().numpy()[0]           # [0.244728, 0.665241, 0.0900306]
    y = np.array([0.0, 1.0, 0.0])
    grad_rows = layer.weight.grad.numpy().T               # (3, 2) → the seed's (2, 3) ∇_W
    # ∇_W NLL = x (a − y)ᵀ: both rows [0.2447, −0.3348, 0.0900] since x = [1, 1]
    np.testing.assert_allclose(grad_rows, np.outer([1.0, 1.0], a - y), rtol=1e-14)
    # ... which is (W − W_new)/0.5 of the seed's printed 2.E answer (8 decimals, so 1e-8 here)
    w_new = np.array(ast.literal_eval(W_2E))
    np.testing.assert_allclose(grad_rows, (np.array(W_2C) - w_new) / 0.5, atol=1e-8 + 1e-15)
    # to the three decimals 2.C asks for
    np.testing.assert_array_equal(np.round(grad_rows, 3),
                                  [[0.245, -0.335, 0.09], [0.245, -0.335, 0.09]])


def test_2_d_to_2_f_one_sgd_step_at_0_5(assert_printed):
    layer, z = _softmax_layer_2c()
    # 2.D: P(class 1) before = e¹/(e⁰ + e¹ + e⁻¹) = 0.665241 (the answer is not printed)
    p_before = F.softmax(z, dim=1)[0, 1].item()
    assert p_before == pytest.approx(e / (1 + e + e ** -1), rel=1e-14)
    assert round(p_before, 6) == 0.665241
    # 2.E: W ← W − 0.5 ∇_W NLL; the seed's W is the transposed glassnet weight
    gn.optim.SGD(layer.parameters(), lr=0.5).step()
    assert_printed(layer.weight.T, W_2E)
    # 2.F: P(class 1) after: z = W_newᵀx = [−0.24472848, 1.33475904, −1.09003058]
    with gn.no_grad():
        p_after = F.softmax(layer(gn.tensor(X_2C)), dim=1)[0, 1].item()
    z_new = np.array(ast.literal_eval(W_2E)).sum(axis=0)              # Wᵀ[1, 1]ᵀ, from the printed 2.E
    assert p_after == pytest.approx(math.exp(z_new[1]) / np.exp(z_new).sum(), abs=1e-8)
    assert round(p_after, 6) == 0.772453     # (2.F's answer is not printed in the seed)
    assert p_after > p_before


# ---------------------------------------------------------------------------------------------
# 3 The 2-4-2 network: ReLU hidden layer, softmax output (row notation).
# ---------------------------------------------------------------------------------------------

W1 = [[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, -1.0]]
W01 = [-1.0, -1.0, -1.0, -1.0]
W2 = [[1.0, -1.0], [1.0, -1.0], [1.0, -1.0], [1.0, -1.0]]
W02 = [0.0, 2.0]


def _network() -> nn.Sequential:
    return nn.Sequential(_linear(W1, W01), nn.ReLU(), _linear(W2, W02), nn.Softmax(dim=1))


def test_3_1_output_at_3_14():
    net = _network()
    x = gn.tensor([[3.0, 14.0]])
    hidden = net[1](net[0](x))
    # z¹ = [3 − 1, 14 − 1, −3 − 1, −14 − 1] = [2, 13, −4, −15];  a¹ = max(z¹, 0)
    assert hidden.tolist() == [[2.0, 13.0, 0.0, 0.0]]
    # z² = [15 + 0, −15 + 2] = [15, −13];  a² = softmax z² = [1/(1 + e⁻²⁸), e⁻²⁸/(1 + e⁻²⁸)]
    out = net(x).detach().numpy()[0]
    np.testing.assert_allclose(out, [1.0, 0.0], atol=1e-12)            # the printed [1, 0]
    np.testing.assert_allclose(out, [e ** 15 / (e ** 15 + e ** -13), e ** -13 / (e ** 15 + e ** -13)],
                               rtol=1e-12, atol=1e-25)


def test_3_2_c_hidden_outputs_at_three_points():
    net = _network()
    points = gn.tensor([[0.5, 0.5], [0.0, 2.0], [-3.0, 0.5]])
    hidden = net[1](net[0](points))
    # columns = points:  x⁽¹⁾: z¹ = [−.5, −.5, −1.5, −1.5] → 0 ; x⁽²⁾: [−1, 1, −1, −3] → unit 2 = 1 ;
    # x⁽³⁾: [−4, −.5, 2, −1.5] → unit 3 = 2
    assert hidden.T.tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 2], [0, 0, 0]]


@pytest.mark.parametrize("x, hidden_sum, expected, predicted", [
    # Σ f(z¹) = 0 → z² = [0, 2]:  a² = [e**0/(e**0 + e**2), e**2/(e**0 + e**2)], class 2
    ([0.5, 0.5], 0, [e ** 0 / (e ** 0 + e ** 2), e ** 2 / (e ** 0 + e ** 2)], 1),
    # Σ f(z¹) = 1 → z² = [1, 1]:  a² = [1/2, 1/2], a tie
    ([0.0, 2.0], 1, [1 / 2, 1 / 2], None),
    # Σ f(z¹) = 3 → z² = [3, −1]: a² = [e**3/(e**3 + e**-1), e**-1/(e**3 + e**-1)], class 1
    ([4.0, 1.0], 3, [e ** 3 / (e ** 3 + e ** -1), e ** -1 / (e ** 3 + e ** -1)], 0),
])
def test_3_3_outputs_as_powers_of_e(x, hidden_sum, expected, predicted):
    net = _network()
    xt = gn.tensor([x])
    assert net[1](net[0](xt)).sum().item() == hidden_sum
    out = net(xt).detach().numpy()[0]
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    if predicted is None:
        assert out[0] == out[1]
    else:
        assert int(np.argmax(out)) == predicted
