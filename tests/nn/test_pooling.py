"""MaxPool1d/2d and AvgPool1d/2d layers against torch.nn in float64: outputs and input
gradients over random configurations, indices, repr identical to torch's, shape errors that
name the layer."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn
from glassnet.errors import ShapeError

from ._helpers import assert_close

TOL = 1e-12


def _random_pool(rng: np.random.Generator, kind: str, nd: int) -> tuple[dict, tuple]:
    """Constructor arguments of a random pooling layer and an input shape it fits."""
    k = tuple(int(v) for v in rng.integers(1, 4, nd))
    s = tuple(int(v) for v in rng.integers(1, 4, nd))
    p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)         # torch: p ≤ k/2
    kw = dict(kernel_size=k[0] if nd == 1 or rng.random() < 0.3 else k,
              stride=None if rng.random() < 0.3 else (s[0] if nd == 1 else s),
              padding=p[0] if nd == 1 else p, ceil_mode=bool(rng.random() < 0.4))
    if kind == "max":
        d = tuple(int(v) for v in rng.integers(1, 3, nd))
        kw["dilation"] = d[0] if nd == 1 else d
        extent = [di * (ki - 1) + 1 for di, ki in zip(d, k)]
    else:
        kw["count_include_pad"] = bool(rng.random() < 0.5)
        extent = list(k)
    size = tuple(int(e + rng.integers(0, 7)) for e in extent)
    batch = int(rng.integers(0, 3))                                    # 0: unbatched
    return kw, ((batch,) if batch else ()) + (int(rng.integers(1, 4)),) + size


CONFIGS = [(kind, nd, *_random_pool(np.random.default_rng(10 * nd + i + (kind == "avg") * 500),
                                   kind, nd))
           for kind in ("max", "avg") for nd in (1, 2) for i in range(15)]


@pytest.mark.parametrize("kind, nd, kwargs, x_shape", CONFIGS,
                         ids=[f"{k}{nd}d-{i}" for k in ("max", "avg") for nd in (1, 2)
                              for i in range(15)])
def test_pool_layer_matches_torch_values_gradients_and_repr(kind, nd, kwargs, x_shape):
    name = f"{'Max' if kind == 'max' else 'Avg'}Pool{nd}d"
    g, t = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(g) == repr(t)
    rng = np.random.default_rng(len(str(kwargs)))
    x = rng.standard_normal(x_shape)
    gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = g(gx), t(tx)
    assert_close(out, expected, TOL)
    up = rng.standard_normal(tuple(expected.shape))
    out.backward(gn.tensor(up))
    expected.backward(torch.tensor(up))
    assert_close(gx.grad, tx.grad, TOL)
    assert g.state_dict() == {} and list(t.state_dict()) == []


@pytest.mark.parametrize("name, args, kwargs", [
    ("MaxPool1d", (2,), {}),
    ("MaxPool1d", (3, 2, 1), dict(dilation=2, return_indices=True, ceil_mode=True)),
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", ((3, 2),), dict(stride=(2, 1), padding=1)),
    ("AvgPool1d", (2,), {}),
    ("AvgPool1d", (4, 2, 2), dict(ceil_mode=True, count_include_pad=False)),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3, 1, 1), dict(divisor_override=2)),
])
def test_repr_and_attributes_are_torchs(name, args, kwargs):
    g, t = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(g) == repr(t)
    for attr in ("kernel_size", "stride", "padding", "ceil_mode"):
        assert getattr(g, attr) == getattr(t, attr), attr


def test_max_pool_returns_torchs_indices():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 9))
    g, t = nn.MaxPool2d(3, 2, 1, return_indices=True), torch.nn.MaxPool2d(3, 2, 1, return_indices=True)
    (gy, gi), (ty, ti) = g(gn.tensor(x)), t(torch.tensor(x))
    assert_close(gy, ty)
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())


def test_avg_pool2d_divisor_override_like_torch():
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    g = nn.AvgPool2d(2, divisor_override=3)(gn.tensor(x))
    t = torch.nn.AvgPool2d(2, divisor_override=3)(torch.tensor(x))
    assert_close(g, t)
    # top-left window of channel 0: (0 + 1 + 4 + 5) / 3 = 10/3
    assert g[0, 0, 0, 0].item() == pytest.approx(10 / 3)


def test_seed004_q4_pooling_halves_each_side():
    # 2×2 non-overlapping max pooling: (32, 64, 64) → (32, 32, 32)
    assert nn.MaxPool2d(2)(gn.zeros(1, 32, 64, 64)).shape == (1, 32, 32, 32)
    # each output is the maximum of its 2×2 block: [[1, 2], [5, 6]] → 6, etc.
    x = gn.tensor(np.arange(1.0, 17.0).reshape(1, 1, 4, 4))
    assert nn.MaxPool2d(2)(x).tolist() == [[[[6.0, 8.0], [14.0, 16.0]]]]
    assert nn.AvgPool2d(2)(x).tolist() == [[[[3.5, 5.5], [11.5, 13.5]]]]


def test_short_repr():
    assert nn.MaxPool2d(2).short_repr() == "MaxPool2d(k=2)"
    assert nn.MaxPool2d(3, stride=2, padding=1).short_repr() == "MaxPool2d(k=3, s=2, p=1)"
    assert nn.AvgPool1d(4, 2).short_repr() == "AvgPool1d(k=4, s=2)"
    assert nn.AvgPool2d((2, 3)).short_repr() == "AvgPool2d(k=(2, 3))"


def test_input_too_small_names_the_layer():
    with pytest.raises(ShapeError, match=r"^Sequential\[1\] MaxPool2d\(k=2\): max_pool2d: input "
                                         r"of shape \(1, 2, 1, 1\) is too small"):
        nn.Sequential(nn.MaxPool2d(2), nn.MaxPool2d(2))(gn.zeros(1, 2, 2, 2))
    with pytest.raises(ShapeError, match=r"^AvgPool1d\(k=2\): avg_pool1d: expected a 2-D"):
        nn.AvgPool1d(2)(gn.zeros(1, 1, 4, 4))


def test_padding_larger_than_half_the_kernel_is_torchs_rule():
    with pytest.raises(ShapeError, match="padding should be at most half"):
        nn.MaxPool1d(2, padding=2)(gn.zeros(1, 1, 8))
    with pytest.raises(RuntimeError):
        torch.nn.MaxPool1d(2, padding=2)(torch.zeros(1, 1, 8))
