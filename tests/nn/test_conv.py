"""Conv1d / Conv2d layers against torch.nn in float64: outputs and the gradients of input,
weight and bias over random configurations; torch's initialisation, state_dict keys, repr and
construction errors; shape errors that name the layer; seed 004's numbers."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn
from glassnet.errors import ShapeError

from ._helpers import assert_close, copy_weights

TOL = 1e-10
# torch warns that it copies the input for 'same' with an even kernel; that is its business
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


def check_layer(gn_layer, torch_layer, x_shape, seed: int = 0, tol: float = TOL):
    """Same weights, same float64 input, same random upstream gradient: the outputs, the input's
    gradient and every parameter's gradient must agree."""
    torch_layer.double()
    copy_weights(gn_layer, torch_layer)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = gn_layer(gx), torch_layer(tx)
    assert out.shape == tuple(expected.shape)
    assert_close(out, expected, tol)
    upstream = rng.standard_normal(tuple(expected.shape))
    out.backward(gn.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    assert_close(gx.grad, tx.grad, tol)
    theirs = dict(torch_layer.named_parameters())
    for name, p in gn_layer.named_parameters():
        assert p.grad is not None, f"{name} got no gradient"
        assert_close(p.grad, theirs[name].grad, tol)
    return out


def _random_conv(rng: np.random.Generator, nd: int) -> tuple[dict, tuple]:
    """Constructor arguments of a random convolution, and an input shape its kernel fits."""
    pick = lambda *vals: vals[rng.integers(len(vals))]                       # noqa: E731
    groups = int(pick(1, 1, 2, 3))
    c_in, c_out = groups * int(rng.integers(1, 4)), groups * int(rng.integers(1, 4))
    k = tuple(int(v) for v in rng.integers(1, 5, nd))
    d = tuple(int(v) for v in rng.integers(1, 3, nd))
    s = tuple(int(v) for v in rng.integers(1, 4, nd))
    mode = pick("zeros", "zeros", "zeros", "reflect", "replicate", "circular")
    kind = pick("same", "valid", "int", "tuple")
    if kind == "same":
        s, pad = (1,) * nd, "same"
    elif kind == "valid":
        pad = "valid"
    elif kind == "int":
        pad = int(rng.integers(0, 3))
    else:
        pad = tuple(int(v) for v in rng.integers(0, 3, nd))
    extent = [di * (ki - 1) + 1 for di, ki in zip(d, k)]
    # ≥ the kernel, and (for reflect padding) longer than the padding
    size = tuple(int(max(e, 3) + rng.integers(0, 6)) for e in extent)
    batch = int(pick(0, 1, 3))                                               # 0: unbatched
    x_shape = ((batch,) if batch else ()) + (c_in,) + size
    kw = dict(kernel_size=k if rng.random() < 0.5 or len(set(k)) > 1 else k[0], stride=s,
              padding=pad, dilation=d, groups=groups, bias=bool(rng.random() < 0.7),
              padding_mode=mode)
    return dict(in_channels=c_in, out_channels=c_out, **kw), x_shape


CONFIGS = [(nd, *_random_conv(np.random.default_rng(100 * nd + i), nd))
           for nd in (1, 2) for i in range(30)]


@pytest.mark.parametrize("nd, kwargs, x_shape", CONFIGS,
                         ids=[f"conv{nd}d-{i}" for nd in (1, 2) for i in range(30)])
def test_conv_layer_matches_torch_values_and_gradients(nd, kwargs, x_shape):
    name = f"Conv{nd}d"
    gn_layer = getattr(nn, name)(**kwargs)
    torch_layer = getattr(torch.nn, name)(**kwargs)
    check_layer(gn_layer, torch_layer, x_shape, seed=len(str(kwargs)))
    # same parameters under the same names, and the same repr
    assert list(gn_layer.state_dict()) == list(torch_layer.state_dict())
    for key, value in torch_layer.state_dict().items():
        assert gn_layer.state_dict()[key].shape == tuple(value.shape)
    assert repr(gn_layer) == repr(torch_layer)


@pytest.mark.parametrize("args, kwargs", [
    ((3, 32, 8), dict(stride=2, padding=3)),
    ((32, 64, 3), dict(padding=1)),
    ((1, 6, 5), {}),
    ((4, 8, (3, 5)), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2, bias=False)),
    ((2, 2, 3), dict(padding="same", padding_mode="reflect")),
    ((2, 4, 3), dict(padding="valid", groups=2)),
    ((2, 2, 2), dict(padding=(0, 1), padding_mode="circular", dilation=2)),
])
def test_conv2d_repr_and_state_dict_are_torchs(args, kwargs):
    g, t = nn.Conv2d(*args, **kwargs), torch.nn.Conv2d(*args, **kwargs)
    assert repr(g) == repr(t)
    assert list(g.state_dict()) == list(t.state_dict())
    assert g.weight.shape == tuple(t.weight.shape)
    assert (g.kernel_size, g.stride, g.dilation, g.groups) == \
        (t.kernel_size, t.stride, t.dilation, t.groups)
    assert g.padding == t.padding


def test_conv1d_repr_is_torchs():
    for args, kw in [((1, 25, 5), dict(stride=2, padding=1)), ((25, 25, 3), dict(bias=False)),
                     ((2, 4, 3), dict(padding="same", dilation=3, groups=2))]:
        assert repr(nn.Conv1d(*args, **kw)) == repr(torch.nn.Conv1d(*args, **kw))


def test_state_dict_loads_into_torch_and_back():
    g = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(6, 16, 5, bias=False))
    t = torch.nn.Sequential(torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.ReLU(),
                            torch.nn.MaxPool2d(2), torch.nn.Conv2d(6, 16, 5, bias=False)).double()
    copy_weights(g, t)                                  # glassnet → torch, by torch's keys
    assert list(g.state_dict()) == list(t.state_dict()) == ["0.weight", "0.bias", "3.weight"]
    g2 = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                       nn.Conv2d(6, 16, 5, bias=False))
    g2.load_state_dict({k: gn.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28))
    assert_close(g2(gn.tensor(x)), t(torch.tensor(x)))


# ---------------------------------------------------------------- initialisation

def test_init_is_torchs_kaiming_uniform_with_bias_bound_one_over_sqrt_fan_in():
    gn.manual_seed(0)
    conv = nn.Conv2d(16, 4000, (5, 5))              # fan_in = 16·5·5 = 400: bound 1/20 = 0.05
    bound = 1 / math.sqrt(400)
    w, b = conv.weight.detach().numpy().ravel(), conv.bias.detach().numpy()
    # kaiming_uniform(a=√5): gain √(2/(1 + 5)) = 1/√3, bound gain·√(3/fan_in) = 1/√fan_in
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.999 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.99 * bound
    # U(−b, b) has std b/√3 = 0.02887; 1.6·10⁶ draws pin it to well under 1 %
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=5e-3)
    assert abs(w.mean()) < 2e-4
    assert b.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_grouped_init_uses_in_channels_per_group():
    gn.manual_seed(1)
    conv = nn.Conv1d(8, 600, 3, groups=4)           # fan_in = 8/4 · 3 = 6: bound 1/√6 = 0.408
    w = conv.weight.detach().numpy()
    assert w.shape == (600, 2, 3)
    assert 0.4 < np.abs(w).max() <= 1 / math.sqrt(6)


def test_init_is_reproducible_and_dtype_is_honoured():
    gn.manual_seed(3)
    a = nn.Conv1d(2, 3, 4)
    gn.manual_seed(3)
    b = nn.Conv1d(2, 3, 4)
    assert_close(a.weight, b.weight, tol=0)
    assert_close(a.bias, b.bias, tol=0)
    assert a.weight.dtype == gn.float64
    c = nn.Conv2d(1, 2, 3, dtype=gn.float32)
    assert c.weight.dtype == c.bias.dtype == gn.float32
    assert c(gn.zeros(1, 1, 5, 5, dtype=gn.float32)).dtype == gn.float32


# ---------------------------------------------------------------- construction errors

@pytest.mark.parametrize("args, kwargs", [
    ((4, 4, 3), dict(groups=0)),
    ((3, 4, 3), dict(groups=2)),
    ((4, 3, 3), dict(groups=2)),
    ((2, 2, 3), dict(padding="same", stride=2)),
])
def test_construction_errors_are_torchs(args, kwargs):
    with pytest.raises(ValueError) as theirs:
        torch.nn.Conv2d(*args, **kwargs)
    with pytest.raises(ValueError) as ours:
        nn.Conv2d(*args, **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_bad_padding_string_and_padding_mode_name_the_choices():
    with pytest.raises(ValueError, match="Invalid padding string 'full', should be one of"):
        nn.Conv1d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match=re.escape("padding_mode must be one of")
                       + ".*'circular'.*but got padding_mode='mirror'"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match=r"kernel_size must be an int or a tuple of 2 ints"):
        nn.Conv2d(1, 1, (3, 3, 3))
    with pytest.raises(ValueError, match="must be positive.*stride=\\(0,\\)"):
        nn.Conv1d(1, 1, 3, stride=0)


# ---------------------------------------------------------------- shape errors at forward

def test_wrong_channel_count_names_the_layer_and_shapes():
    model = nn.Sequential(nn.Identity(), nn.ReLU(), nn.Conv2d(3, 32, 8, stride=2, padding=3))
    with pytest.raises(ShapeError) as err:
        model(gn.zeros(2, 4, 128, 128))                     # 4 channels where 3 are expected
    assert str(err.value) == ("Sequential[2] Conv2d(3 → 32, k=8, s=2, p=3): expects 3 input "
                              "channels, got 4 (input of shape (2, 4, 128, 128))")


def test_wrong_ndim_and_kernel_too_large_name_the_layer():
    with pytest.raises(ShapeError, match=r"^Conv1d\(1 → 25, k=5, s=2, p=1\): expects input of "
                                         r"shape \(N, 1, L\) or unbatched \(1, L\), got 4-D"):
        nn.Conv1d(1, 25, 5, stride=2, padding=1)(gn.zeros(1, 1, 1, 40))
    with pytest.raises(ShapeError, match=r"^Sequential\[1\] Conv2d\(6 → 16, k=5\): conv2d: "
                                         r"kernel of size \(5, 5\).*larger than the padded input"):
        nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(6, 16, 5))(gn.zeros(1, 6, 8, 8))


def test_short_repr_leaves_out_defaults():
    assert nn.Conv2d(32, 64, 3, padding=1).short_repr() == "Conv2d(32 → 64, k=3, p=1)"
    assert nn.Conv2d(4, 8, (3, 5), dilation=2, groups=4, padding="same",
                     padding_mode="reflect").short_repr() == \
        "Conv2d(4 → 8, k=(3, 5), p=same, d=2, g=4, reflect)"
    assert nn.Conv1d(1, 25, 5, stride=2).short_repr() == "Conv1d(1 → 25, k=5, s=2)"


# ---------------------------------------------------------------- seed 004 and training

def test_seed004_q4_output_size_and_parameter_count():
    # 3×128×128 → 32 kernels 8×8, stride 2, pad 3: ⌊(128 + 2·3 − 8)/2⌋ + 1 = 64 → 32×64×64
    #   → 2×2 max pooling → 32×32×32 → 64 kernels 3×3, pad 1: ⌊(32 + 2 − 3)/1⌋ + 1 = 32
    model = nn.Sequential(nn.Conv2d(3, 32, 8, stride=2, padding=3), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1))
    out = model(gn.zeros(1, 3, 128, 128))
    assert out.shape == (1, 64, 32, 32) and out[0].numel() == 65536       # 64·32·32
    last = model[2]
    assert last.weight.numel() == 18432                                   # 64·32·3·3
    assert last.weight.numel() + last.bias.numel() == 18496               # + 64 biases


def test_mnist1d_cnn_shapes():
    # length 40 → ⌊(40 + 2 − 5)/2⌋ + 1 = 19 → ⌊(19 + 2 − 3)/2⌋ + 1 = 10 → 5: 25·5 = 125 features
    x = gn.zeros(100, 1, 40)
    h = nn.Conv1d(1, 25, 5, stride=2, padding=1)(x)
    assert h.shape == (100, 25, 19)
    h = nn.Conv1d(25, 25, 3, stride=2, padding=1)(h)
    assert h.shape == (100, 25, 10)
    assert nn.Conv1d(25, 25, 3, stride=2, padding=1)(h).shape == (100, 25, 5)


def test_small_cnn_trains_like_torch():
    # three Adam steps on a small CNN with every layer kind: losses and weights agree
    def build(mod):
        return mod.Sequential(mod.Conv2d(2, 4, 3, padding=1), mod.ReLU(), mod.MaxPool2d(2),
                              mod.Conv2d(4, 3, 2, stride=2), mod.ReLU(), mod.AvgPool2d(2),
                              mod.Flatten(), mod.Linear(3, 3))
    g, t = build(nn), build(torch.nn).double()
    copy_weights(g, t)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 2, 8, 8)), rng.integers(0, 3, 5)
    g_opt = gn.optim.Adam(g.parameters(), lr=0.01)
    t_opt = torch.optim.Adam(t.parameters(), lr=0.01)
    for _ in range(3):
        g_opt.zero_grad(), t_opt.zero_grad()
        gl = nn.CrossEntropyLoss()(g(gn.tensor(x)), gn.tensor(y))
        tl = torch.nn.CrossEntropyLoss()(t(torch.tensor(x)), torch.tensor(y))
        gl.backward(), tl.backward()
        g_opt.step(), t_opt.step()
        assert gl.item() == pytest.approx(tl.item(), abs=1e-12)
    for (name, p), q in zip(g.named_parameters(), t.parameters()):
        assert_close(p, q, 1e-10)


# ---------------------------------------------------------------- recycled scratch arrays
# The conv op recycles its private arrays (padded input, im2col columns, ∂L/∂columns) between
# calls; these pin down that recycling never mixes up two live graphs or leaves stale values.

def _torch_conv2d_grads(x, w, b, **kw):
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    y = torch.nn.functional.conv2d(tx, tw, tb, **kw)
    y.backward(torch.ones_like(y))
    return y.detach().numpy(), tx.grad.numpy(), tw.grad.numpy()


def test_two_live_graphs_keep_their_own_columns():
    rng = np.random.default_rng(0)
    conv = nn.Conv2d(3, 4, 3, padding=1)
    xs = [rng.standard_normal((2, 3, 6, 6)) for _ in range(2)]
    ins = [gn.tensor(x, requires_grad=True) for x in xs]
    outs = [conv(x) for x in ins]                     # both graphs alive, same shapes
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    for x, gx, y in zip(xs, ins, outs):
        conv.weight.grad = None
        y.backward(gn.ones(*y.shape))
        ty, tgx, tgw = _torch_conv2d_grads(x, w, b, padding=1)
        assert_close(y, ty)
        assert_close(gx.grad, tgx)
        assert_close(conv.weight.grad, tgw)


def test_retained_graph_keeps_its_columns_through_other_calls():
    rng = np.random.default_rng(1)
    conv = nn.Conv1d(2, 3, 3, stride=2)
    x = gn.tensor(rng.standard_normal((4, 2, 9)))
    loss = conv(x).sum()
    loss.backward(retain_graph=True)
    first = conv.weight.grad.numpy().copy()
    for _ in range(3):                                 # other calls of the same shapes
        conv(gn.tensor(rng.standard_normal((4, 2, 9)))).sum().backward()
    conv.weight.grad = None
    loss.backward()                                    # the retained graph, again
    assert_close(conv.weight.grad, first, tol=0)


def test_recycled_padded_input_has_a_zero_border_whatever_came_before():
    # padding 1 on width 30 and padding 2 on width 28 both pad to 32: a buffer shared between
    # them would leave the first call's values in the second's border
    rng = np.random.default_rng(2)
    w = rng.standard_normal((2, 1, 3, 3))
    for size, pad in [(30, 1), (28, 2), (30, 1), (28, 2)]:
        x = rng.standard_normal((1, 1, size, size)) + 5
        got = gn.nn.functional.conv2d(gn.tensor(x), gn.tensor(w), padding=pad)
        expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding=pad)
        assert_close(got, expected)


def test_stacked_layers_hand_on_batch_last_arrays_and_agree_with_torch():
    # the second conv takes the first one's (batch-last) output without copying it
    g = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.Conv2d(3, 4, 2), nn.MaxPool2d(2),
                      nn.Conv2d(4, 2, 1))
    t = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.ReLU(), torch.nn.Conv2d(3, 4, 2),
                            torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 2, 1))
    check_layer(g, t, (3, 2, 9, 9), seed=3)


def test_scratch_pool_recycles_and_respects_its_limit():
    from glassnet.ops.conv import _Scratch
    pool = _Scratch(limit=900)
    a = pool.take(("k",), (10,), np.float64)                 # 80 bytes
    base = a.base
    del a                                                   # handed back
    b = pool.take(("k",), (10,), np.float64)
    assert b.base is base                                   # the same buffer again
    c = pool.take(("k",), (10,), np.float64)
    assert c.base is not base                               # b still holds it
    del b, c
    assert pool.held == 160
    big = pool.take(("big",), (100,), np.float64)           # 800 + 160 > 900: the others go
    del big
    assert pool.held == 800 and list(pool.free) == [("big", (100,), "<f8")]
    huge = pool.take(("huge",), (200,), np.float64)         # over the limit: never kept
    del huge
    assert pool.held == 800
