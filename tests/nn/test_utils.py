"""glassnet.nn.utils against torch.nn.utils: gradient clipping and parameter vectors."""
import math

import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn
from glassnet.nn.utils import (clip_grad_norm_, clip_grad_value_, parameters_to_vector,
                               vector_to_parameters)

from ._helpers import assert_close, copy_weights


def models_with_grads(seed=0):
    """The same small MLP in both libraries with the same gradients (one layer frozen)."""
    rng = np.random.default_rng(seed)
    gm = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Linear(2, 2))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2),
                             torch.nn.Linear(2, 2)).double()
    copy_weights(gm, tm)
    gm[3].requires_grad_(False), tm[3].requires_grad_(False)     # parameters without .grad
    x, y = rng.standard_normal((5, 3)) * 3, rng.standard_normal((5, 2))
    nn.MSELoss()(gm(gn.tensor(x)), gn.tensor(y)).backward()
    torch.nn.MSELoss()(tm(torch.tensor(x)), torch.tensor(y)).backward()
    return gm, tm


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, 0.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.1, 1e6])
def test_clip_grad_norm_like_torch(norm_type, max_norm):
    gm, tm = models_with_grads()
    total_g = clip_grad_norm_(gm.parameters(), max_norm, norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(tm.parameters(), max_norm, norm_type)
    assert isinstance(total_g, gn.Tensor) and total_g.shape == () and not total_g.requires_grad
    assert_close(total_g, total_t)
    for pg, pt in zip(gm.parameters(), tm.parameters()):
        if pt.grad is None:
            assert pg.grad is None
        else:
            assert_close(pg.grad, pt.grad)


def test_clip_grad_norm_by_hand():
    # gradients (3, 4) and (12): total ‖·‖₂ = 13; max_norm 6.5 scales by 6.5/(13 + 1e-6) ≈ ½
    a, b = gn.zeros(2, requires_grad=True), gn.zeros(1, requires_grad=True)
    a.grad, b.grad = gn.tensor([3.0, 4.0]), gn.tensor([12.0])
    grad_tensor = a.grad
    total = clip_grad_norm_([a, b], 6.5)
    assert total.item() == 13.0
    coef = 6.5 / (13 + 1e-6)
    assert a.grad is grad_tensor                          # scaled in place, as torch
    np.testing.assert_allclose(a.grad.numpy(), [3 * coef, 4 * coef], rtol=1e-15)
    np.testing.assert_allclose(b.grad.numpy(), [12 * coef], rtol=1e-15)
    assert clip_grad_norm_(a, 100.0).item() == pytest.approx(5 * coef, rel=1e-15)   # one tensor too


def test_clip_grad_norm_without_gradients_and_non_finite():
    assert clip_grad_norm_([gn.zeros(2, requires_grad=True)], 1.0).item() == 0.0
    assert clip_grad_norm_([], 1.0).item() == 0.0
    p = gn.zeros(2, requires_grad=True)
    p.grad = gn.tensor([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0.*non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert p.grad.tolist() == [np.inf, 1.0]               # untouched when it raises
    assert clip_grad_norm_([p], 1.0).item() == np.inf     # torch scales by 1/inf = 0
    assert np.isnan(p.grad.tolist()[0]) and p.grad.tolist()[1] == 0.0   # inf·0, 1·0
    with pytest.raises(ValueError, match="norm_type"):
        clip_grad_norm_([p], 1.0, norm_type="fro")


def test_clip_grad_value_like_torch():
    gm, tm = models_with_grads(1)
    assert clip_grad_value_(gm.parameters(), 0.05) is None
    torch.nn.utils.clip_grad_value_(tm.parameters(), 0.05)
    for pg, pt in zip(gm.parameters(), tm.parameters()):
        if pt.grad is not None:
            assert_close(pg.grad, pt.grad)
            assert np.abs(pg.grad.numpy()).max() <= 0.05
    p = gn.zeros(3, requires_grad=True)
    p.grad = gn.tensor([-2.0, 0.5, 3.0])
    clip_grad_value_(p, 1)
    assert p.grad.tolist() == [-1.0, 0.5, 1.0]


def test_parameters_to_vector_like_torch_and_differentiable():
    gm, tm = models_with_grads()
    vg = parameters_to_vector(gm.parameters())
    vt = torch.nn.utils.parameters_to_vector(tm.parameters())
    assert_close(vg, vt)
    assert vg.shape == (4 * 3 + 4 + 4 * 2 + 2 + 2 * 2 + 2,) and vg.requires_grad
    gm.zero_grad()
    (vg * gn.arange(vg.shape[0], dtype=gn.float64)).sum().backward()
    assert gm[0].weight.grad.tolist()[0] == [0.0, 1.0, 2.0]   # each entry gets its own index back
    assert gm[0].bias.grad.tolist() == [12.0, 13.0, 14.0, 15.0]


def test_vector_to_parameters_like_torch():
    gm, tm = models_with_grads()
    v = np.arange(32, dtype=float) / 10
    vector_to_parameters(gn.tensor(v), gm.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(v), tm.parameters())
    for pg, pt in zip(gm.parameters(), tm.parameters()):
        assert_close(pg, pt)
    x = np.ones((2, 3))
    assert_close(gm(gn.tensor(x)), tm(torch.tensor(x)))
    vg, vt = gn.tensor(v), torch.tensor(v)               # afterwards the parameters are views of vec
    vector_to_parameters(vg, gm.parameters())
    torch.nn.utils.vector_to_parameters(vt, tm.parameters())
    vg[0], vt[0] = 100.0, 100.0
    assert gm[0].weight.tolist()[0][0] == tm[0].weight.tolist()[0][0] == 100.0
    with pytest.raises(gn.ShapeError, match=r"32 entries.*\(31,\)"):
        vector_to_parameters(gn.zeros(31), gm.parameters())
    with pytest.raises(TypeError, match="expected Tensor, but got: ndarray"):
        vector_to_parameters(np.zeros(32), gm.parameters())
