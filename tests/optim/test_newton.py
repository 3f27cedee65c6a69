"""Newton: θ ← θ − η (H + λI)⁻¹∇L over all parameters; exact on a quadratic in one step."""
from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.nn import functional as F
from glassnet.optim import Newton, newton_direction
from glassnet.optim.newton import SingularHessianError


def _least_squares():
    model = nn.Linear(2, 1)
    with gn.no_grad():
        model.weight.fill_(0.0)
        model.bias.fill_(0.0)
    X = np.array([[1.0, 2.0], [0.0, 1.0], [3.0, -1.0], [1.0, 1.0]])
    y = np.array([[1.0], [0.0], [2.0], [1.5]])
    return model, gn.tensor(X), gn.tensor(y), X, y


def test_one_step_solves_least_squares_exactly():
    # E = ½‖X̃θ − y‖² is quadratic: H = X̃ᵀX̃, and one Newton step lands on the normal equations' θ*
    model, x, y, X, Y = _least_squares()
    opt = Newton(model.parameters())
    loss = opt.step(lambda: F.squared_error(model(x), y, reduction="sum"))
    Xt = np.hstack([X, np.ones((4, 1))])
    theta = np.linalg.solve(Xt.T @ Xt, Xt.T @ Y).ravel()
    np.testing.assert_allclose(model.weight.detach().numpy().ravel(), theta[:2], rtol=1e-12)
    np.testing.assert_allclose(model.bias.detach().numpy(), theta[2:], rtol=1e-12)
    np.testing.assert_allclose(opt.state[model.weight]["hessian"].numpy(), Xt.T @ Xt, rtol=1e-14)
    np.testing.assert_allclose(loss.item(), 0.5 * (Y ** 2).sum())          # the loss before the step


def test_the_gradient_it_uses_matches_backward():
    model, x, y, _, _ = _least_squares()
    F.squared_error(model(x), y, reduction="sum").backward()
    expected = np.concatenate([model.weight.grad.numpy().ravel(), model.bias.grad.numpy()])
    opt = Newton(model.parameters())
    opt.step(lambda: F.squared_error(model(x), y, reduction="sum"))
    np.testing.assert_allclose(opt.state[model.weight]["gradient"].numpy(), expected, rtol=1e-14)


def test_lr_and_damping():
    model, x, y, X, Y = _least_squares()
    opt = Newton(model.parameters(), lr=0.5, damping=2.0)
    opt.step(lambda: F.squared_error(model(x), y, reduction="sum"))
    Xt = np.hstack([X, np.ones((4, 1))])
    g = -(Xt.T @ Y).ravel()                                  # ∇ at θ = 0
    step = np.linalg.solve(Xt.T @ Xt + 2 * np.eye(3), g)
    got = np.concatenate([model.weight.detach().numpy().ravel(), model.bias.detach().numpy()])
    np.testing.assert_allclose(got, -0.5 * step, rtol=1e-12)


def test_logistic_regression_against_torch_hessian():
    torch = pytest.importorskip("torch")
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 1.0]])
    Y = np.array([[1.0], [0.0], [1.0]])
    model = nn.Linear(2, 1)
    with gn.no_grad():
        model.weight.copy_(gn.tensor([[1.0, -2.0]]))
        model.bias.fill_(0.5)
    opt = Newton(model.parameters())
    opt.step(lambda: F.binary_cross_entropy_with_logits(model(gn.tensor(X)), gn.tensor(Y)))

    def loss(theta):
        z = torch.tensor(X) @ theta[:2] + theta[2]
        return torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(Y).ravel())
    theta0 = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    H = torch.autograd.functional.hessian(loss, theta0).numpy()
    g = torch.autograd.functional.jacobian(loss, theta0).numpy()
    np.testing.assert_allclose(opt.state[model.weight]["hessian"].numpy(), H, rtol=1e-12)
    got = np.concatenate([model.weight.detach().numpy().ravel(), model.bias.detach().numpy()])
    np.testing.assert_allclose(got, theta0.numpy() - np.linalg.solve(H, g), rtol=1e-10)


def test_exact_step():
    sp = pytest.importorskip("sympy")
    w = gn.tensor([2], dtype=gn.exact, requires_grad=True)
    opt = Newton([w])
    opt.step(lambda: (w ** 4).sum())                         # f = w⁴: Δ = 4w³ / 12w² = w/3
    assert w.detach()._data[0] == sp.Rational(4, 3)


def test_errors():
    model, x, y, _, _ = _least_squares()
    opt = Newton(model.parameters())
    with pytest.raises(TypeError, match="needs a closure"):
        opt.step()
    with pytest.raises(TypeError, match="tensor with one element"):
        opt.step(lambda: model(x))
    with pytest.raises(ValueError, match="lr must be > 0"):
        Newton(model.parameters(), lr=0)
    with pytest.raises(ValueError, match="damping must be ≥ 0"):
        Newton(model.parameters(), damping=-1)
    with pytest.raises(ValueError, match="parameter groups"):
        Newton([{"params": [model.weight]}, {"params": [model.bias]}])
    # a linear loss has H = 0: no Newton step
    with pytest.raises(SingularHessianError, match="singular"):
        opt.step(lambda: model(x).sum())
    with pytest.raises(SingularHessianError):
        newton_direction(np.zeros((2, 2)), np.ones(2))
