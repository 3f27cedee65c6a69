"""Adam and AdamW: the update rule against torch (float64, every option), state against
torch's, hand-worked first step, float32, exact mode."""
import itertools

import numpy as np
import pytest
import torch

from glassnet.nn.parameter import Parameter
from glassnet.optim import Adam, AdamW, adam_update
from glassnet.tensor import Tensor

SHAPES = [(3, 4), (5,), ()]


def run_against_torch(cls, tcls, groups_kwargs, steps=5, seed=0, none_at=None, dtype=np.float64):
    """Same initial parameters and gradients in glassnet and torch (one group per kwargs dict)."""
    rng = np.random.default_rng(seed)
    gn_groups, t_groups, params, tparams, initial = [], [], [], [], []
    for kw in groups_kwargs:
        ps, tps = [], []
        for shape in SHAPES:
            x = rng.standard_normal(shape).astype(dtype)
            ps.append(Parameter(x.copy()))
            tps.append(torch.tensor(x.copy(), requires_grad=True))
            initial.append(x)
        gn_groups.append({"params": ps, **kw})
        t_groups.append({"params": tps, **kw})
        params += ps
        tparams += tps
    opt, topt = cls(gn_groups), tcls(t_groups)
    for step in range(steps):
        for i, (p, tp) in enumerate(zip(params, tparams)):
            g = rng.standard_normal(p.shape).astype(dtype)
            if none_at == (step, i):
                p.grad, tp.grad = None, None
            else:
                p.grad, tp.grad = Tensor._wrap(g.copy()), torch.tensor(g.copy())
        opt.step()
        topt.step()
    assert all(not np.array_equal(p._data, x) for p, x in zip(params, initial))
    return opt, topt, params, tparams


def assert_same_state(opt, topt, params, tparams):
    for p, tp in zip(params, tparams):
        s, ts = opt.state[p], topt.state[tp]
        assert set(s) == set(ts)
        assert s["step"].dtype == np.float32 and float(s["step"]) == float(ts["step"])
        for key in s:
            if key != "step":
                np.testing.assert_allclose(s[key]._data, ts[key].numpy(), rtol=0, atol=1e-12)


OPTIONS = [dict(lr=0.05, betas=b, eps=e, weight_decay=wd, amsgrad=a, maximize=m)
           for b, e, wd, a, m in itertools.product(
               [(0.9, 0.999), (0.3, 0.5)],          # β₁ = 0.3: torch's lerp takes its other branch
               [1e-8, 1e-3], [0.0, 0.1], [False, True], [False, True])]


def _id(kw):
    return "-".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("kw", OPTIONS, ids=_id)
def test_adam_matches_torch_for_every_option(kw):
    opt, topt, params, tparams = run_against_torch(Adam, torch.optim.Adam, [kw])
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=0, atol=1e-12)
    assert_same_state(opt, topt, params, tparams)


@pytest.mark.parametrize("kw", [dict(lr=0.05, weight_decay=wd, amsgrad=a, maximize=m)
                                for wd, a, m in itertools.product([0.0, 0.1, 0.5], [False, True],
                                                                  [False, True])], ids=_id)
def test_adamw_matches_torch_for_every_option(kw):
    opt, topt, params, tparams = run_against_torch(AdamW, torch.optim.AdamW, [kw])
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=0, atol=1e-12)
    assert_same_state(opt, topt, params, tparams)


def test_adamw_default_weight_decay_matches_torch_and_differs_from_adam():
    opt, _, params, tparams = run_against_torch(AdamW, torch.optim.AdamW, [{}], seed=4)
    assert opt.param_groups[0]["weight_decay"] == 1e-2
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=0, atol=1e-12)
    _, _, adam_params, _ = run_against_torch(Adam, torch.optim.Adam, [{"weight_decay": 1e-2}], seed=4)
    assert np.abs(params[0]._data - adam_params[0]._data).max() > 1e-7


def test_adam_param_groups_match_torch():
    groups = [dict(lr=0.1, amsgrad=True), dict(lr=0.001, betas=(0.5, 0.9), weight_decay=0.2),
              dict(lr=0.02, maximize=True, eps=1e-4)]
    opt, topt, params, tparams = run_against_torch(Adam, torch.optim.Adam, groups, seed=2)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=0, atol=1e-12)
    assert_same_state(opt, topt, params, tparams)


def test_adam_skips_parameters_without_grad_and_their_step_does_not_advance():
    opt, topt, params, tparams = run_against_torch(Adam, torch.optim.Adam, [dict(lr=0.1)],
                                                   none_at=(1, 0), seed=6)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=0, atol=1e-12)
    assert float(opt.state[params[0]]["step"]) == 4.0
    assert float(opt.state[params[1]]["step"]) == 5.0


def test_first_adam_step_moves_each_coordinate_by_lr():
    # t = 1: m = (1 − β₁) g, v = (1 − β₂) g², so m / (1 − β₁) / √(v / (1 − β₂)) = g / |g| and,
    # with ε = 0, θ₁ = θ₀ − γ · sign(g) whatever the size of g.
    p = Parameter(np.array([1.0, -2.0, 0.5]))
    opt = Adam([p], lr=0.1, eps=0.0)
    p.grad = Tensor._wrap(np.array([0.5, -3.0, 1e-4]))
    opt.step()
    np.testing.assert_allclose(p._data, [0.9, -1.9, 0.4], rtol=0, atol=1e-12)
    np.testing.assert_allclose(opt.state[p]["exp_avg"]._data, [0.05, -0.3, 1e-5], rtol=1e-12)
    np.testing.assert_allclose(opt.state[p]["exp_avg_sq"]._data, [0.00025, 0.009, 1e-11],
                               rtol=1e-12)


def test_amsgrad_keeps_the_running_maximum():
    p = Parameter(np.array([0.0]))
    opt = Adam([p], lr=0.1, betas=(0.0, 0.5), amsgrad=True)
    for g in (4.0, 0.0):
        p.grad = Tensor._wrap(np.array([g]))
        opt.step()
    # v₁ = 0.5·16 = 8, v₂ = 0.5·8 = 4; the maximum stays 8
    assert opt.state[p]["exp_avg_sq"]._data[0] == pytest.approx(4.0)
    assert opt.state[p]["max_exp_avg_sq"]._data[0] == pytest.approx(8.0)


def test_float32_stays_float32_and_agrees_with_torch_float32():
    rng = np.random.default_rng(8)
    x = rng.standard_normal(10).astype(np.float32)
    p, tp = Parameter(x.copy()), torch.tensor(x.copy(), requires_grad=True)
    opt = Adam([p], lr=np.float64(0.01), betas=(np.float64(0.9), 0.999), weight_decay=0.1,
               amsgrad=True)
    topt = torch.optim.Adam([tp], lr=0.01, weight_decay=0.1, amsgrad=True)
    for _ in range(5):
        g = rng.standard_normal(10).astype(np.float32)
        p.grad, tp.grad = Tensor._wrap(g.copy()), torch.tensor(g.copy())
        opt.step()
        topt.step()
    assert p._data.dtype == np.float32
    assert {k: v.dtype for k, v in opt.state[p].items() if k != "step"} == {
        "exp_avg": np.float32, "exp_avg_sq": np.float32, "max_exp_avg_sq": np.float32}
    np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=0, atol=1e-6)


def test_adam_update_is_in_place_and_reads_grad_only():
    param, grad = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    m, v = np.zeros(2), np.zeros(2)
    before = param
    adam_update(param, grad, m, v, None, 1, lr=0.1, beta1=0.9, beta2=0.999, eps=0.0,
                weight_decay=0.0, maximize=True)
    assert param is before
    np.testing.assert_array_equal(grad, [0.5, -0.5])
    np.testing.assert_allclose(param, [1.1, 1.9], rtol=0, atol=1e-12)   # maximize: uphill


def test_exact_mode_first_step_is_exact():
    # θ = 1, g = 3, γ = 1/10, β = (9/10, 999/1000), ε = 0: θ₁ = 1 − 1/10 = 9/10 exactly.
    sympy = pytest.importorskip("sympy")
    R = sympy.Rational
    p = Parameter(np.array([R(1), R(2)], dtype=object))
    opt = Adam([p], lr=R(1, 10), betas=(R(9, 10), R(999, 1000)), eps=0)
    p.grad = Tensor._wrap(np.array([R(3), R(-1)], dtype=object))
    opt.step()
    assert list(p._data) == [R(9, 10), R(21, 10)]
    assert list(opt.state[p]["exp_avg"]._data) == [R(3, 10), R(-1, 10)]
