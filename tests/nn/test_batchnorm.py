"""BatchNorm1d / BatchNorm2d against torch.nn over several training steps and in eval mode:
outputs, every gradient, running statistics, num_batches_tracked, state_dict and repr."""
import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn
from glassnet.errors import ShapeError

from ._helpers import assert_close, copy_weights

rng = np.random.default_rng(0)


def pair(cls_name, *args, **kwargs):
    g, t = getattr(nn, cls_name)(*args, **kwargs), getattr(torch.nn, cls_name)(*args, **kwargs).double()
    with torch.no_grad():                                  # non-trivial γ, β (defaults are 1, 0)
        if t.weight is not None:
            t.weight.copy_(torch.tensor(rng.uniform(0.5, 1.5, t.weight.shape)))
        if t.bias is not None:
            t.bias.copy_(torch.tensor(rng.standard_normal(t.bias.shape)))
    g.load_state_dict({k: gn.tensor(v.numpy()) for k, v in t.state_dict().items()})
    return g, t


def step(g, t, x):
    """One forward/backward with the same input and upstream gradient; compares everything."""
    xg, xt = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg, yt = g(xg), t(xt)
    assert_close(yg, yt)
    up = rng.standard_normal(x.shape)
    yg.backward(gn.tensor(up))
    yt.backward(torch.tensor(up))
    assert_close(xg.grad, xt.grad)
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    for (name, pg), (_, pt) in zip(g.named_parameters(), t.named_parameters()):
        assert_close(pg.grad, pt.grad)
        pg.grad, pt.grad = None, None
    assert [n for n, _ in g.named_buffers()] == [n for n, _ in t.named_buffers()]
    for (name, bg), (_, bt) in zip(g.named_buffers(), t.named_buffers()):
        if name == "num_batches_tracked":
            assert bg.item() == bt.item()
        else:
            assert_close(bg, bt, 1e-14)


@pytest.mark.parametrize("cls_name, shape", [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 5)),
                                             ("BatchNorm2d", (4, 3, 2, 3))])
@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"momentum": 0.3, "eps": 1e-3},
                                    {"affine": False}, {"bias": False}, {"track_running_stats": False}],
                         ids=["default", "cumulative", "momentum0.3", "no_affine", "no_bias", "untracked"])
def test_training_steps_then_eval_like_torch(cls_name, shape, kwargs):
    g, t = pair(cls_name, 3, **kwargs)
    for _ in range(3):
        step(g, t, rng.standard_normal(shape) * 2 + 1)
    g.eval(), t.eval()
    step(g, t, rng.standard_normal(shape))                # running stats (or batch stats if untracked)
    if kwargs.get("track_running_stats", True):
        assert g.num_batches_tracked.item() == 3 and g.num_batches_tracked.dtype == gn.int64


def test_running_statistics_by_hand():
    # batch [[1], [3]]: mean 2, unbiased variance 2 → running_mean 0.1·2 = 0.2,
    # running_var 0.9·1 + 0.1·2 = 1.1; with momentum None, one batch gives mean 2, var 2 exactly
    bn = nn.BatchNorm1d(1)
    bn(gn.tensor([[1.0], [3.0]]))
    assert bn.running_mean.item() == pytest.approx(0.2, rel=1e-15)
    assert bn.running_var.item() == pytest.approx(1.1, rel=1e-15)
    cumulative = nn.BatchNorm1d(1, momentum=None)
    cumulative(gn.tensor([[1.0], [3.0]]))
    assert cumulative.running_mean.item() == 2.0 and cumulative.running_var.item() == 2.0
    assert cumulative.num_batches_tracked.item() == 1


def test_eval_mode_leaves_running_statistics_alone():
    bn = nn.BatchNorm1d(2).eval()
    y = bn(gn.tensor([[1.0, 2.0], [3.0, 5.0]]))
    assert bn.running_mean.tolist() == [0.0, 0.0] and bn.num_batches_tracked.item() == 0
    np.testing.assert_allclose(y.detach().numpy(), np.array([[1.0, 2.0], [3.0, 5.0]]) / np.sqrt(1 + 1e-5),
                               rtol=1e-15)


def test_state_dict_keys_repr_and_round_trip_with_torch():
    for cls_name in ("BatchNorm1d", "BatchNorm2d"):
        g, t = getattr(nn, cls_name)(4), getattr(torch.nn, cls_name)(4)
        assert list(g.state_dict()) == list(t.state_dict())
        assert repr(g) == repr(t)
    g = nn.BatchNorm1d(3, momentum=None, affine=False, track_running_stats=False)
    t = torch.nn.BatchNorm1d(3, momentum=None, affine=False, track_running_stats=False)
    assert repr(g) == repr(t) and list(g.state_dict()) == [] and list(g.parameters()) == []
    trained = nn.BatchNorm1d(3)
    trained(gn.randn(5, 3))
    fresh = nn.BatchNorm1d(3)
    fresh.load_state_dict(trained.state_dict())
    assert fresh.running_var.tolist() == trained.running_var.tolist()
    assert fresh.num_batches_tracked.item() == 1


def test_float32_and_reset():
    bn = nn.BatchNorm1d(2).float()
    y = bn(gn.randn(4, 2, dtype=gn.float32))
    assert y.dtype == gn.float32 and bn.running_mean.dtype == gn.float32
    assert bn.num_batches_tracked.dtype == gn.int64
    bn.reset_running_stats()
    assert bn.running_mean.tolist() == [0.0, 0.0] and bn.num_batches_tracked.item() == 0


def test_in_a_model_trained_with_sgd_like_torch():
    gm = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3))
    tm = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(),
                             torch.nn.Linear(6, 3)).double()
    copy_weights(gm, tm)
    go, to = gn.optim.SGD(gm.parameters(), lr=0.1), torch.optim.SGD(tm.parameters(), lr=0.1)
    for _ in range(3):
        x, y = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
        lg = nn.CrossEntropyLoss()(gm(gn.tensor(x)), gn.tensor(y))
        lt = torch.nn.CrossEntropyLoss()(tm(torch.tensor(x)), torch.tensor(y))
        assert_close(lg, lt)
        go.zero_grad(), to.zero_grad()
        lg.backward(), lt.backward()
        go.step(), to.step()
    gm.eval(), tm.eval()
    x = rng.standard_normal((5, 4))
    assert_close(gm(gn.tensor(x)), tm(torch.tensor(x)))
    assert_close(gm[1].running_var, tm[1].running_var)


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(ShapeError, match=r"BatchNorm1d.*2D or 3D input.*4D input of shape \(2, 3, 4, 5\)"):
        nn.BatchNorm1d(3)(gn.zeros(2, 3, 4, 5))
    with pytest.raises(ShapeError, match=r"BatchNorm2d.*4D input.*\(2, 3\)"):
        nn.BatchNorm2d(3)(gn.zeros(2, 3))
    with pytest.raises(ShapeError, match=r"expects 3 channels.*\(4, 5\)"):
        nn.BatchNorm1d(3)(gn.zeros(4, 5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(gn.zeros(1, 3))
    assert nn.BatchNorm1d(3).eval()(gn.zeros(1, 3)).shape == (1, 3)   # fine in eval mode
    with pytest.raises(ValueError, match="num_features must be > 0"):
        nn.BatchNorm1d(0)
