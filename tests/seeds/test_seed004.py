"""Seed 004, questions 1 and 2: sigmoid output with CE vs MSE, and the softmax identities."""
from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn

F = gn.nn.functional

# (a, y): pre-activation output a and binary target y
CASES = [(-3.0, 1.0), (-0.4, 0.0), (0.0, 1.0), (0.0, 0.0), (1.7, 1.0), (2.5, 0.0), (6.0, 0.0)]


@pytest.mark.parametrize("a_value, y", CASES)
def test_1_4_cross_entropy_derivative_is_f_minus_y(a_value, y):
    # f = σ(a), L_CE = −y log f − (1 − y) log(1 − f):  ∂L_CE/∂a = f − y
    a = gn.tensor([a_value], requires_grad=True)
    f = gn.sigmoid(a)
    nn.BCELoss(reduction="sum")(f, gn.tensor([y])).backward()
    f_value = 1 / (1 + math.exp(-a_value))
    assert a.grad.item() == pytest.approx(f_value - y, rel=1e-12)


@pytest.mark.parametrize("a_value, y", CASES)
def test_1_6_squared_error_derivative_is_f_minus_y_times_f_one_minus_f(a_value, y):
    # L_MSE = ½(f − y)²:  ∂L_MSE/∂a = (f − y) f (1 − f)
    a = gn.tensor([a_value], requires_grad=True)
    f = gn.sigmoid(a)
    nn.SquaredErrorLoss()(f, gn.tensor([y])).backward()
    f_value = 1 / (1 + math.exp(-a_value))
    assert a.grad.item() == pytest.approx((f_value - y) * f_value * (1 - f_value), rel=1e-12)


def test_1_7_mse_gradient_vanishes_on_confident_mistakes_while_ce_does_not():
    # a = −10, y = 1: f ≈ 4.5e-5. CE gradient f − y ≈ −1; MSE gradient ≈ −4.5e-5
    grads = {}
    for name, loss in (("ce", nn.BCELoss(reduction="sum")), ("mse", nn.SquaredErrorLoss())):
        a = gn.tensor([-10.0], requires_grad=True)
        loss(gn.sigmoid(a), gn.tensor([1.0])).backward()
        grads[name] = a.grad.item()
    assert grads["ce"] == pytest.approx(-1 + 4.5398e-5, rel=1e-4)
    assert abs(grads["mse"]) < 5e-5
    assert abs(grads["ce"]) > 10_000 * abs(grads["mse"])


VECTORS = [[-1.0, 0.0, 1.0], [0.3, -2.0, 5.0, 1.1], [2.0, 2.0], [1e-3, -4.0, 0.0, 7.5, -0.25]]


@pytest.mark.parametrize("x", VECTORS)
@pytest.mark.parametrize("c", [-100.0, -1.5, 3.0, 700.0])
def test_2_1_softmax_is_shift_invariant(x, c):
    # S(x + c) = S(x)
    p = F.softmax(gn.tensor(x), dim=0).numpy()
    q = F.softmax(gn.tensor(x) + c, dim=0).numpy()
    np.testing.assert_allclose(q, p, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("x1, x2", [(0.0, 0.0), (1.0, -1.0), (-2.5, 0.5), (10.0, 3.0)])
def test_2_2_two_class_softmax_is_a_sigmoid(x1, x2):
    # S(x) = [σ(z), 1 − σ(z)] with z = x₁ − x₂
    p = F.softmax(gn.tensor([x1, x2]), dim=0).tolist()
    s = gn.sigmoid(gn.tensor(x1 - x2)).item()
    assert p == pytest.approx([s, 1 - s], rel=1e-14, abs=1e-16)


@pytest.mark.parametrize("x", VECTORS)
def test_2_3_softmax_needs_k_minus_1_parameters(x):
    # S(x) = S([0, x₂ − x₁, …, x_K − x₁])
    y = [0.0] + [xi - x[0] for xi in x[1:]]
    np.testing.assert_allclose(F.softmax(gn.tensor(y), dim=0).numpy(),
                               F.softmax(gn.tensor(x), dim=0).numpy(), rtol=1e-13)


@pytest.mark.parametrize("x", VECTORS)
def test_2_4_softmax_jacobian_is_diag_p_minus_p_pt(x):
    # J_ij = ∂S(x)_i/∂x_j = S_i(δ_ij − S_j): row i by autograd of S(x)_i
    k = len(x)
    rows = []
    for i in range(k):
        xt = gn.tensor(x, requires_grad=True)
        F.softmax(xt, dim=0)[i].backward()
        rows.append(xt.grad.numpy())
    jacobian = np.stack(rows)
    p = F.softmax(gn.tensor(x), dim=0).numpy()
    np.testing.assert_allclose(jacobian, np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(gn.ops.softmax_jacobian(p), jacobian, rtol=1e-12, atol=1e-16)
    # rows sum to 0 (Σ_i S_i = 1 whatever x is) and J is symmetric
    np.testing.assert_allclose(jacobian.sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_allclose(jacobian, jacobian.T, atol=1e-16)


def test_2_4_jacobian_of_the_seed_000_softmax():
    # p = S([−1, 0, 1]) = [0.0900306, 0.244728, 0.665241];  J = Diag(p) − ppᵀ
    e = math.e
    p = np.array([e ** -1, 1.0, e]) / (e ** -1 + 1 + e)
    expected = np.diag(p) - np.outer(p, p)
    rows = []
    for i in range(3):
        xt = gn.tensor([-1.0, 0.0, 1.0], requires_grad=True)
        F.softmax(xt, dim=0)[i].backward()
        rows.append(xt.grad.numpy())
    np.testing.assert_allclose(np.stack(rows), expected, rtol=1e-13)
    # e.g. J₁₁ = p₁(1 − p₁) = 0.0819251, J₁₃ = −p₁p₃ = −0.0598920
    assert round(rows[0][0], 7) == 0.0819251
    assert round(rows[0][2], 7) == -0.059892
