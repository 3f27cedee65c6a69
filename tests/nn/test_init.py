"""glassnet.nn.init against torch.nn.init: gains, fans, and the distributions (checked
statistically on large tensors), all drawn from glassnet's seeded generator."""
import math

import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn
from glassnet.nn import init


@pytest.mark.parametrize("name,param", [("linear", None), ("sigmoid", None),
                                        ("tanh", None), ("relu", None), ("selu", None),
                                        ("conv1d", None), ("conv2d", None), ("conv3d", None),
                                        ("conv_transpose1d", None), ("conv_transpose2d", None),
                                        ("conv_transpose3d", None), ("leaky_relu", None),
                                        ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5))])
def test_calculate_gain_matches_torch(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param),
                                                             rel=1e-15)


def test_unknown_nonlinearity_lists_the_choices():
    with pytest.raises(ValueError, match="'tanh'"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape", [(5, 3), (8, 4, 3, 3), (2, 6, 7)])
def test_fans_match_torch(shape):
    got = init._calculate_fan_in_and_fan_out(gn.zeros(*shape))
    assert got == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(gn.zeros(5))


def _sample(fn, shape=(500, 2000), **kw):
    gn.manual_seed(0)
    t = nn.Parameter(gn.zeros(*shape))
    assert fn(t, **kw) is t                                    # in place, returns its argument
    return t.detach().numpy().ravel()


def _assert_uniform(w, bound):
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.999 * bound
    assert abs(w.mean()) < 2e-3 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=5e-3)


def test_xavier_uniform_bound():
    # a = gain·√(6/(fan_in + fan_out)) = 2·√(6/2500) = 0.09798
    _assert_uniform(_sample(init.xavier_uniform_, gain=2.0), 2.0 * math.sqrt(6 / 2500))


def test_xavier_normal_std():
    w = _sample(init.xavier_normal_)
    assert w.std() == pytest.approx(math.sqrt(2 / 2500), rel=5e-3)
    assert abs(w.mean()) < 5e-5


@pytest.mark.parametrize("mode,fan", [("fan_in", 2000), ("fan_out", 500)])
def test_kaiming_uniform_bound(mode, fan):
    # relu: bound = √2·√(3/fan)
    _assert_uniform(_sample(init.kaiming_uniform_, mode=mode, nonlinearity="relu"),
                    math.sqrt(2) * math.sqrt(3 / fan))


def test_kaiming_uniform_with_a_sqrt5_is_torchs_linear_init():
    _assert_uniform(_sample(init.kaiming_uniform_, a=math.sqrt(5)), 1 / math.sqrt(2000))


def test_kaiming_normal_std():
    w = _sample(init.kaiming_normal_, mode="fan_out", nonlinearity="relu")
    assert w.std() == pytest.approx(math.sqrt(2 / 500), rel=5e-3)


def test_bad_mode_is_rejected():
    with pytest.raises(ValueError, match="fan_avg"):
        init.kaiming_uniform_(gn.zeros(2, 2), mode="fan_avg")


def test_uniform_and_normal_use_their_arguments():
    w = _sample(init.uniform_, a=2.0, b=5.0)
    assert w.min() >= 2.0 and w.max() < 5.0 and w.mean() == pytest.approx(3.5, abs=2e-3)
    w = _sample(init.normal_, mean=1.0, std=3.0)
    assert w.mean() == pytest.approx(1.0, abs=0.01) and w.std() == pytest.approx(3.0, rel=3e-3)


def test_constant_fills():
    t = gn.zeros(2, 3)
    assert init.constant_(t, 0.5).tolist() == [[0.5] * 3] * 2
    assert init.ones_(t).tolist() == [[1.0] * 3] * 2
    assert init.zeros_(t).tolist() == [[0.0] * 3] * 2
    assert init.eye_(t).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(gn.zeros(3))


def test_init_keeps_dtype_and_graph_and_is_seeded():
    p = nn.Parameter(gn.zeros(4, 4, dtype=gn.float32))
    gn.manual_seed(5)
    init.xavier_uniform_(p)
    first = p.detach().numpy().copy()
    gn.manual_seed(5)
    init.xavier_uniform_(p)
    assert p.dtype == gn.float32 and p.requires_grad and p.is_leaf
    np.testing.assert_array_equal(p.detach().numpy(), first)


def test_zero_element_tensors_are_left_alone_like_torch():
    for fn in (init.kaiming_uniform_, init.kaiming_normal_):
        with pytest.warns(UserWarning, match="no-op"):
            assert fn(gn.zeros(3, 0)).shape == (3, 0)          # fan_in 0: no division by zero
    assert init.xavier_uniform_(gn.zeros(0, 3)).shape == (0, 3)
    with pytest.warns(UserWarning, match="no-op"):
        lin = nn.Linear(0, 3)                                  # torch allows it too
    assert lin.weight.shape == (3, 0) and lin(gn.zeros(2, 0)).tolist() == [[0.0] * 3] * 2
