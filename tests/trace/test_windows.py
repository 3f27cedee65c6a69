"""Convolution and pooling explained: an output cell as the dot product of its window and the
kernel, a max-pooling window's winner, where the gradient goes — with hand-worked numbers."""
from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.nn import functional as F
from glassnet.trace import windows


def _conv1d(weight, bias, **kw):
    conv = nn.Conv1d(1, 1, len(weight), **kw)
    with gn.no_grad():
        conv.weight.copy_(gn.tensor([[weight]]))
        conv.bias.fill_(bias)
    return conv


def test_a_conv1d_cell_is_its_window_dot_the_kernel_plus_the_bias():
    conv = _conv1d([1.0, -1.0, 2.0], 0.5)
    x = gn.tensor([[[1.0, 2.0, -1.0, 0.0, 3.0, 1.0]]])
    with gn.trace(conv) as t:
        y = conv(x)
        (y * gn.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    e = t.explain_cell(conv, (0, 0, 1))
    # y[0, 0, 1] = 0.5 + x₁·1 + x₂·(−1) + x₃·2 = 0.5 + 2 + 1 + 0 = 3.5
    assert e.value == 3.5 == y.detach().numpy()[0, 0, 1]
    assert [(xi, wi, xv, wv) for xi, wi, xv, wv in e.products] == [
        ((0, 0, 1), (0, 0, 0), 2.0, 1.0), ((0, 0, 2), (0, 0, 1), -1.0, -1.0), ((0, 0, 3), (0, 0, 2), 0.0, 2.0)]
    text = e.to_text()
    assert "y[0, 0, 1] = b[0] + x[0, 0, 1]·W[0, 0, 0] + x[0, 0, 2]·W[0, 0, 1] + x[0, 0, 3]·W[0, 0, 2]" in text
    assert "= 0.5 + 2·1 + (-1)·(-1) + 0·2 = 3.5" in text
    assert "∂L/∂y[0, 0, 1] = 2" in text                 # the upstream gradient of this cell
    assert r"y_{0,0,1} &= b_{0} + x_{0,0,1} W_{0,0,0}" in e.to_markdown()


def test_padding_and_stride_come_from_the_layer():
    conv = _conv1d([1.0, 2.0, 3.0], 0.0, stride=2, padding=1)
    x = gn.tensor([[[4.0, 5.0, 6.0, 7.0]]])
    with gn.trace() as t:
        y = conv(x)
    # out = ⌊(4 + 2 − 3)/2⌋ + 1 = 2; cell 0 sees [0, 4, 5]: 0·1 + 4·2 + 5·3 = 23 (the padding left out),
    # cell 1 (two steps on) sees [5, 6, 7]: 5·1 + 6·2 + 7·3 = 38
    assert y.tolist() == [[[23.0, 38.0]]]
    e = t.explain_cell(conv, (0, 0, 0))
    assert e.value == 23.0
    assert [p[:2] for p in e.products] == [((0, 0, 0), (0, 0, 1)), ((0, 0, 1), (0, 0, 2))]
    assert [p[0] for p in t.explain_cell(conv, (0, 0, -1)).products] == [(0, 0, 1), (0, 0, 2), (0, 0, 3)]


def test_a_conv2d_cell_sums_every_channel_of_its_window():
    gn.manual_seed(0)
    conv = nn.Conv2d(2, 3, 2, padding=1, bias=True)
    x = gn.randn(1, 2, 3, 3)
    with gn.trace(conv) as t:
        y = conv(x)
    e = t.explain_cell(conv, (0, 2, 0, 1))
    W, b, xd = conv.weight.detach().numpy(), conv.bias.detach().numpy(), x.numpy()
    # the window of output (0, 1) starts at input (−1, 0): its top row is padding
    expected = b[2] + sum(xd[0, c, 0, j] * W[2, c, 1, kj] for c in range(2) for kj, j in ((0, 0), (1, 1)))
    assert len(e.products) == 4
    np.testing.assert_allclose(e.value, expected, rtol=1e-12)
    np.testing.assert_allclose(e.value, y.detach().numpy()[0, 2, 0, 1], rtol=0)


def test_max_pool_names_the_winner_and_sends_the_gradient_there():
    pool = nn.MaxPool1d(2)
    x = gn.tensor([[[0.0, 3.5, 5.5, 0.0, 2.0, 2.0]]], requires_grad=True)
    with gn.trace() as t:
        m = pool(x)
        (m * gn.tensor([1.0, 10.0, 100.0])).sum().backward()
    first, last = t.explain_cell(pool, (0, 0, 0)), t.explain_cell(pool, (0, 0, 2))
    assert first.winner == (0, 0, 1) and first.value == 3.5
    assert last.winner == (0, 0, 4)               # a tie: the first of the window, as the op picks
    assert "max(x[0, 0, 0], x[0, 0, 1]) = max(0, 3.5) = 3.5" in first.to_text()
    assert "goes to x[0, 0, 1] alone" in first.to_text()
    # and the engine's gradient agrees: 1, 10, 100 land on the winners only
    assert x.grad.tolist() == [[[0.0, 1.0, 10.0, 0.0, 100.0, 0.0]]]


def test_cells_are_found_by_module_path_in_a_model():
    model = nn.Sequential(_conv1d([1.0, 1.0], 0.0), nn.ReLU(), nn.MaxPool1d(2))
    with gn.trace(model) as t:
        model(gn.tensor([[[1.0, -2.0, 3.0, 4.0, -5.0]]]))
    # conv: [−1, 1, 7, −1] → ReLU [0, 1, 7, 0] → pool [1, 7]
    assert t.explain_cell("0", (0, 0, 2)).value == 7.0
    assert t.explain_cell("2", (0, 0, 1)).winner == (0, 0, 2)


def test_a_bare_functional_conv_needs_its_geometry():
    x, w = gn.tensor([[[1.0, 2.0, 3.0]]]), gn.tensor([[[1.0, 1.0]]])
    with gn.trace() as t:
        y = F.conv1d(x, w, padding=1)
        z = windows.conv1d(x, w, padding=1)          # notes stride and padding for the trace
    assert y.tolist() == z.tolist() == [[[1.0, 3.0, 5.0, 3.0]]]
    with pytest.raises(ValueError, match="stride and padding"):
        t.explain_cell(t.node_of(y), (0, 0, 0))
    e = t.explain_cell(t.node_of(z), (0, 0, 0))
    assert e.value == 1.0 and [p[0] for p in e.products] == [(0, 0, 0)]   # x[0]·w[1]; x[−1] is padding


def test_explaining_a_layer_that_did_not_run_says_what_ran():
    with gn.trace() as t:
        gn.tensor([1.0]) * 2
    with pytest.raises(ValueError, match="no convolution or max-pooling"):
        t.explain_cell(nn.Conv1d(1, 1, 2), (0, 0, 0))


def test_geometry_in_the_form_the_ops_would_hand_over():
    # what ops/conv.py would pass as attrs: padding as ((lo, …), (hi, …)) per spatial axis
    from glassnet.trace.recorder import note_attrs
    x, w = gn.tensor([[[1.0, 2.0, 3.0]]]), gn.tensor([[[1.0, 1.0]]])
    with gn.trace() as t:
        y = F.conv1d(x, w, padding=1)
        note_attrs(y, {"stride": (1,), "padding": ((1,), (1,)), "dilation": (1,), "groups": 1})
    # y[3] = x[2]·w[0] + x[3]·w[1], x[3] in the padding: 3
    e = t.explain_cell(t.node_of(y), (0, 0, 3))
    assert e.value == 3.0 and [p[0] for p in e.products] == [(0, 0, 2)]
