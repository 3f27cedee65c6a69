"""SGD: the update rule against torch.optim.SGD (float64, every option), hand-worked
numbers, exact (SymPy) mode, float32 and the pure update function."""
import itertools

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.nn.parameter import Parameter
from glassnet.optim import SGD, sgd_update
from glassnet.tensor import Tensor

SHAPES = [(3, 4), (5,), ()]


def _set_grads(params, tparams, grads):
    for p, tp, g in zip(params, tparams, grads):
        if g is None:
            p.grad, tp.grad = None, None
        else:
            p.grad = Tensor._wrap(g.copy())
            tp.grad = torch.tensor(g.copy())


def run_against_torch(groups_kwargs, steps=4, seed=0, none_at=None, dtype=np.float64):
    """Same initial parameters and gradient sequence in glassnet and torch; returns both.

    ``groups_kwargs`` is a list of per-group option dicts (one group per dict, each with
    the parameters of SHAPES); ``none_at`` = (step, param) whose grad is None at that step.
    """
    rng = np.random.default_rng(seed)
    gn_groups, t_groups, params, tparams, initial = [], [], [], [], []
    for kw in groups_kwargs:
        ps, tps = [], []
        for shape in SHAPES:
            x = rng.standard_normal(shape).astype(dtype)
            ps.append(Parameter(x.copy()))
            initial.append(x)
            tps.append(torch.tensor(x.copy(), requires_grad=True))
        gn_groups.append({"params": ps, **kw})
        t_groups.append({"params": tps, **kw})
        params += ps
        tparams += tps
    opt, topt = SGD(gn_groups), torch.optim.SGD(t_groups)
    for step in range(steps):
        grads = [rng.standard_normal(p.shape).astype(dtype) for p in params]
        if none_at is not None and none_at[0] == step:
            grads[none_at[1]] = None
        _set_grads(params, tparams, grads)
        opt.step()
        topt.step()
    # every parameter moved, so the comparisons below are not comparing starting values
    assert all(not np.array_equal(p._data, x) for p, x in zip(params, initial))
    return opt, topt, params, tparams


OPTIONS = [dict(lr=lr, momentum=m, dampening=d, weight_decay=wd, nesterov=n, maximize=mx)
           for lr, m, d, wd, n, mx in itertools.product(
               [0.1], [0.0, 0.9], [0.0, 0.3], [0.0, 0.05], [False, True], [False, True])
           if not (n and (m == 0 or d != 0))]


@pytest.mark.parametrize("kw", OPTIONS, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_sgd_matches_torch_for_every_option(kw):
    opt, topt, params, tparams = run_against_torch([kw], steps=4)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=0, atol=1e-12)
    if kw["momentum"]:
        for p, tp in zip(params, tparams):
            np.testing.assert_allclose(opt.state[p]["momentum_buffer"]._data,
                                       topt.state[tp]["momentum_buffer"].numpy(), rtol=0, atol=1e-12)
    else:
        assert len(opt.state) == 0


def test_sgd_param_groups_with_different_options_match_torch():
    groups = [dict(lr=0.1, momentum=0.9, nesterov=True),
              dict(lr=0.01, momentum=0.5, dampening=0.2, weight_decay=0.1),
              dict(lr=0.3, maximize=True)]
    _, _, params, tparams = run_against_torch(groups, steps=5, seed=3)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=0, atol=1e-12)


def test_sgd_skips_parameters_without_grad_like_torch():
    kw = dict(lr=0.1, momentum=0.9, weight_decay=0.1)
    opt, topt, params, tparams = run_against_torch([kw], steps=4, none_at=(0, 1), seed=5)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=0, atol=1e-12)


def test_parameter_whose_grad_is_none_is_not_touched():
    p, q = Parameter(np.array([1.0, 2.0])), Parameter(np.array([3.0]))
    opt = SGD([p, q], lr=0.1, momentum=0.9, weight_decay=0.5)
    p.grad = Tensor._wrap(np.array([1.0, 1.0]))
    opt.step()
    np.testing.assert_array_equal(q._data, [3.0])
    assert q not in opt.state
    np.testing.assert_allclose(p._data, [1.0 - 0.1 * 1.5, 2.0 - 0.1 * 2.0], rtol=0, atol=1e-15)


def test_momentum_by_hand():
    # θ₀ = 1, constant ∇ = 2, γ = 0.1, μ = 0.9
    # step 1: b = 2,               θ = 1 − 0.1·2    = 0.8
    # step 2: b = 0.9·2 + 2 = 3.8, θ = 0.8 − 0.1·3.8 = 0.42
    p = Parameter(np.array([1.0]))
    opt = SGD([p], lr=0.1, momentum=0.9)
    expected = [(0.8, 2.0), (0.42, 3.8)]
    for theta, b in expected:
        p.grad = Tensor._wrap(np.array([2.0]))
        opt.step()
        assert p._data[0] == pytest.approx(theta, abs=1e-15)
        assert opt.state[p]["momentum_buffer"]._data[0] == pytest.approx(b, abs=1e-15)


def test_nesterov_and_dampening_by_hand():
    # Nesterov, θ₀ = 1, ∇ = 2, γ = 0.1, μ = 0.9: b = 2, g = 2 + 0.9·2 = 3.8, θ = 1 − 0.38 = 0.62
    p = Parameter(np.array([1.0]))
    opt = SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    p.grad = Tensor._wrap(np.array([2.0]))
    opt.step()
    assert p._data[0] == pytest.approx(0.62, abs=1e-15)
    # Dampening τ = 0.5 is not applied on the first step: b₁ = 2; b₂ = 0.9·2 + 0.5·2 = 2.8
    p = Parameter(np.array([1.0]))
    opt = SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    for _ in range(2):
        p.grad = Tensor._wrap(np.array([2.0]))
        opt.step()
    assert opt.state[p]["momentum_buffer"]._data[0] == pytest.approx(2.8, abs=1e-15)
    assert p._data[0] == pytest.approx(1 - 0.2 - 0.28, abs=1e-15)


def test_training_a_quadratic_through_autograd_matches_torch():
    # L(θ) = Σ (θ − c)², gradients from glassnet's own backward; closure returns the loss.
    rng = np.random.default_rng(7)
    x0, c = rng.standard_normal(6), rng.standard_normal(6)
    p, tp = Parameter(x0.copy()), torch.tensor(x0.copy(), requires_grad=True)
    opt = SGD([p], lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)
    topt = torch.optim.SGD([tp], lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)
    ct = gn.tensor(c)

    def closure():
        opt.zero_grad()
        loss = ((p - ct) ** 2).sum()
        loss.backward()
        return loss

    def tclosure():
        topt.zero_grad()
        loss = ((tp - torch.tensor(c)) ** 2).sum()
        loss.backward()
        return loss.detach()

    losses = [float(opt.step(closure)) for _ in range(6)]
    tlosses = [float(topt.step(tclosure)) for _ in range(6)]
    np.testing.assert_allclose(losses, tlosses, rtol=0, atol=1e-12)
    np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=0, atol=1e-12)
    assert losses[-1] < losses[0] / 4     # it does descend


def test_float32_stays_float32_even_with_numpy_float64_options():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(8).astype(np.float32)
    p, tp = Parameter(x.copy()), torch.tensor(x.copy(), requires_grad=True)
    opt = SGD([p], lr=np.float64(0.1), momentum=np.float64(0.9), weight_decay=np.float64(0.01),
              nesterov=True)
    topt = torch.optim.SGD([tp], lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True)
    for _ in range(3):
        g = rng.standard_normal(8).astype(np.float32)
        p.grad, tp.grad = Tensor._wrap(g.copy()), torch.tensor(g.copy())
        opt.step()
        topt.step()
    assert p._data.dtype == np.float32
    assert opt.state[p]["momentum_buffer"].dtype == np.float32
    np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=0, atol=1e-6)


def test_update_happens_in_place_on_the_parameter_array():
    p = Parameter(np.array([1.0, 2.0]))
    arr = p._data
    opt = SGD([p], lr=0.5)
    p.grad = Tensor._wrap(np.array([1.0, -1.0]))
    opt.step()
    assert p._data is arr
    np.testing.assert_array_equal(arr, [0.5, 2.5])


def test_sgd_update_reads_grad_only_and_returns_the_buffer():
    param, grad = np.array([1.0, -1.0]), np.array([0.5, 0.25])
    buf = sgd_update(param, grad, None, lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.1,
                     nesterov=True, maximize=True)
    np.testing.assert_array_equal(grad, [0.5, 0.25])
    # g = −∇ + 0.1θ = [−0.4, −0.35]; b = g; update g + 0.9 b = 1.9 g; θ − 0.1·1.9 g
    np.testing.assert_allclose(buf, [-0.4, -0.35], rtol=0, atol=1e-15)
    np.testing.assert_allclose(param, [1.0 + 0.076, -1.0 + 0.0665], rtol=0, atol=1e-15)
    assert buf is not grad


def test_exact_mode_gives_fractions():
    # θ = 1, ∇ = 3, γ = 1/10, μ = 1/2, λ = 1/100
    # step 1: g = 3 + 1/100 = 301/100, b = g, θ = 1 − 301/1000 = 699/1000
    # step 2: g = 3 + 699/100000, b = 301/200 + g = 451199/100000, θ = 699/1000 − b/10 = 247801/1000000
    sympy = pytest.importorskip("sympy")
    R = sympy.Rational
    p = Parameter(np.array([R(1)], dtype=object))
    opt = SGD([p], lr=R(1, 10), momentum=R(1, 2), weight_decay=R(1, 100))
    for _ in range(2):
        p.grad = Tensor._wrap(np.array([R(3)], dtype=object))
        opt.step()
    assert p._data[0] == R(247801, 1000000)
    assert opt.state[p]["momentum_buffer"]._data[0] == R(451199, 100000)
