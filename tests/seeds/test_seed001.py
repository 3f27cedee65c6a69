"""Seed 001, problem 3: logistic vs two-class multinomial regression, one mean-reduced step.

The seed gives the activations directly (a = 0.5 and 0.269 for x = 1, 2). They are the
activations of the models with the parameters it states: logistic b = 1, w = −1 gives
σ(1 − 1) = 0.5 and σ(1 − 2) = σ(−1) = 0.268941; multinomial b = [0, 1], w = [0, −1] gives
softmax([0, 0]) = [0.5, 0.5] and softmax([0, −1]) = [0.731059, 0.268941]. The seed computes with
a = 0.269 rounded to three decimals; glassnet with the exact σ(−1). Every printed value agrees
at its printed precision; the exact values are noted beside each.

Learning rate: (b) and (d) say α = 0.1 but both compute with α = 0.01; the arithmetic wins.
J is the mean over the m = 2 observations (BCELoss / CrossEntropyLoss with reduction 'mean').
"""
from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.optim  # noqa: F401  (gn.optim)
from glassnet import nn

F = gn.nn.functional

X = [[1.0], [2.0]]          # one feature, two observations (rows)
Y = [1.0, 0.0]              # 1 = cat, 0 = dog
ALPHA = 0.01


def _logistic(b: float = 1.0, w: float = -1.0):
    model = nn.Linear(1, 1)
    with gn.no_grad():
        model.weight.fill_(w)
        model.bias.fill_(b)
    z = model(gn.tensor(X))                               # z = b + w x = [0, −1]
    z.retain_grad()
    a = gn.sigmoid(z)
    nn.BCELoss(reduction="mean")(a, gn.tensor(Y).reshape(2, 1)).backward()
    return model, z, a


def _multinomial(b=(0.0, 1.0), w=(0.0, -1.0)):
    # The seed's w is 1 × 2 (its own correction "should be w = [0 −1]"); glassnet's is 2 × 1.
    model = nn.Linear(1, 2)
    with gn.no_grad():
        model.weight.copy_(gn.tensor([[w[0]], [w[1]]]))
        model.bias.copy_(gn.tensor(list(b)))
    z = model(gn.tensor(X))                               # z = [[0, 0], [0, −1]]
    z.retain_grad()
    # cat is class 2 of the multinomial model (index 1), dog class 1 (index 0): y = [1, 0]
    nn.CrossEntropyLoss(reduction="mean")(z, gn.tensor([1, 0])).backward()
    return model, z


def test_b_logistic_activations_are_the_seeds(assert_printed):
    _, _, a = _logistic()
    # a = σ(0) = 0.5, σ(−1) = 0.268941 → printed 0.5, 0.269
    assert_printed(a[:, 0], "[0.5, 0.269]", min_decimals=3)


def test_b_logistic_gradients(assert_printed):
    model, z, _ = _logistic()
    # i. ∂J/∂z: the seed prints the per-observation a − y = [0.5 − 1, 0.269 − 0] = [−0.5, 0.269];
    #    with J the mean, autograd's ∂J/∂z⁽ⁱ⁾ = (a⁽ⁱ⁾ − y⁽ⁱ⁾)/m, so m·z.grad is the seed's row
    #    (exact: [−0.5, 0.268941]).
    assert_printed(2 * z.grad[:, 0], "[-0.5, 0.269]", min_decimals=3)
    # ii. ∂J/∂b = ½(−0.5 + 0.269) = −0.1155  (exact ½(−0.5 + 0.268941) = −0.115529)
    assert_printed(model.bias.grad, "[-0.1155]")
    # iii. ∂J/∂w = ½(1·(−0.5) + 2·0.269) = 0.019  (exact 0.018941)
    assert_printed(model.weight.grad, "[[0.019]]")


def test_b_logistic_update(assert_printed):
    model, _, _ = _logistic()
    gn.optim.SGD(model.parameters(), lr=ALPHA).step()
    # iv. b = 1 − 0.01·(−0.1155) = 1.001155  (exact 1.00115529)
    assert_printed(model.bias, "[1.001155]")
    # w = −1 − 0.01·0.019 = −1.00019  (exact −1.00018941)
    assert_printed(model.weight, "[[-1.00019]]")


def test_d_multinomial_activations_are_the_seeds(assert_printed):
    model, z = _multinomial()
    a = F.softmax(z, dim=1)
    # x = 1: softmax[0, 0] = [0.5, 0.5];  x = 2: softmax[0, −1] = [0.731059, 0.268941]
    assert_printed(a, "[[0.5, 0.5], [0.731, 0.269]]", min_decimals=3)


def test_d_multinomial_gradients(assert_printed):
    model, z = _multinomial()
    # i. ∂J/∂z, one column per observation: [[0.5, −0.269], [−0.5, 0.269]] (per-observation
    #    a − y; autograd's mean-reduced z.grad is that over m = 2, and transposed)
    assert_printed(2 * z.grad.T, "[[0.5, -0.269], [-0.5, 0.269]]", min_decimals=3)
    # ii. ∂J/∂b = ½([0.5, −0.5] + [−0.269, 0.269]) = [0.1155, −0.1155]  (exact ±0.115529)
    assert_printed(model.bias.grad, "[0.1155, -0.1155]")
    # iii. ∂J/∂w = ½(1·[0.5, −0.5] + 2·[−0.269, 0.269]) = [−0.019, 0.019]  (exact ∓0.018941);
    #     the seed's w is 1 × 2, glassnet's weight 2 × 1
    assert_printed(model.weight.grad.T, "[[-0.019, 0.019]]")


def test_d_multinomial_update(assert_printed):
    model, _ = _multinomial()
    gn.optim.SGD(model.parameters(), lr=ALPHA).step()
    # iv. b = [0, 1] − 0.01·[0.1155, −0.1155] = [−0.001155, 1.001155]
    assert_printed(model.bias, "[-0.001155, 1.001155]")
    # w = [0, −1] − 0.01·[−0.019, 0.019] = [0.00019, −1.00019]
    assert_printed(model.weight.T, "[[0.00019, -1.00019]]")


@pytest.mark.parametrize("b, w, b2, w2", [
    (1.0, -1.0, 1.0, -1.0),        # the seed's parameters: multinomial b₁ = w₁ = 0
    (0.3, 0.7, 1.3, 0.2),          # any b₁, w₁ with b₂ − b₁ = b, w₂ − w₁ = w
])
def test_e_logistic_update_equals_multinomial_update_of_b2_w2(b, w, b2, w2):
    b1, w1 = b2 - b, w2 - w
    logistic, _, a_logistic = _logistic(b, w)
    multinomial, z = _multinomial((b1, b2), (w1, w2))
    # the two models give the same probability of "cat": a⁽ⁱ⁾ (logistic) = a₂⁽ⁱ⁾ (multinomial)
    np.testing.assert_allclose(F.softmax(z, dim=1).detach().numpy()[:, 1],
                               a_logistic.detach().numpy()[:, 0], rtol=1e-14)
    # ... so their gradients agree on b₂, w₂, and b₁, w₁ get the opposite (softmax sums to 1)
    gb, gw = logistic.bias.grad.item(), logistic.weight.grad.item()
    assert multinomial.bias.grad.tolist() == pytest.approx([-gb, gb], rel=1e-13)
    assert multinomial.weight.grad.numpy()[:, 0].tolist() == pytest.approx([-gw, gw], rel=1e-13)
    # and one SGD step moves b and b₂, w and w₂ by the same amount
    gn.optim.SGD(logistic.parameters(), lr=ALPHA).step()
    gn.optim.SGD(multinomial.parameters(), lr=ALPHA).step()
    assert logistic.bias.item() - b == pytest.approx(multinomial.bias.tolist()[1] - b2, rel=1e-12)
    assert logistic.weight.item() - w == pytest.approx(multinomial.weight.tolist()[1][0] - w2,
                                                       rel=1e-12)
