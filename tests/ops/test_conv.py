"""conv1d / conv2d against torch.nn.functional in float64: values and the gradients of input,
weight and bias over random shapes, strides, paddings ('same', 'valid', ints, tuples),
dilations and groups; float32 stays float32; hand-worked numbers; the errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as gn
from glassnet.errors import ShapeError
from glassnet.ops.conv import conv1d, conv2d
from glassnet.ops.pooling import max_pool2d
from tests.helpers import check_grad_fd, check_op

TOL = dict(rtol=1e-10, atol=1e-10)
# torch warns that it copies the input for 'same' with an even kernel; that is its business
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


def _random_config(rng: np.random.Generator, nd: int) -> dict:
    """One random convolution whose kernel fits its padded input."""
    pick = lambda *vals: vals[rng.integers(len(vals))]                       # noqa: E731
    groups = int(pick(1, 1, 2, 3))
    c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    k = tuple(int(v) for v in rng.integers(1, 5, nd))
    d = tuple(int(v) for v in rng.integers(1, 3, nd))
    s = tuple(int(v) for v in rng.integers(1, 4, nd))
    padding = pick("same", "valid", "int", "tuple")
    if padding == "same":
        s = (1,) * nd
        pad = "same"
    elif padding == "valid":
        pad = "valid"
    elif padding == "int":
        pad = int(rng.integers(0, 3))
    else:
        pad = tuple(int(v) for v in rng.integers(0, 3, nd))
    extent = [di * (ki - 1) + 1 for di, ki in zip(d, k)]
    size = tuple(int(e + rng.integers(0, 6)) for e in extent)              # ≥ the kernel
    batch = int(pick(0, 1, 3))                                             # 0: unbatched
    x_shape = ((batch,) if batch else ()) + (c_in,) + size
    as_arg = lambda t: t[0] if nd == 1 and rng.random() < 0.5 else t      # noqa: E731
    return dict(x=x_shape, w=(c_out, c_in // groups) + k, bias=bool(rng.random() < 0.7),
                kw=dict(stride=as_arg(s), padding=pad, dilation=as_arg(d), groups=groups))


CONFIGS = [(nd, _random_config(np.random.default_rng(1000 * nd + i), nd))
           for nd in (1, 2) for i in range(40)]


@pytest.mark.parametrize("nd, cfg", CONFIGS, ids=[f"{nd}d-{i}" for nd in (1, 2) for i in range(40)])
def test_conv_matches_torch_values_and_gradients(nd, cfg):
    ours, theirs = (conv1d, F.conv1d) if nd == 1 else (conv2d, F.conv2d)
    kw = cfg["kw"]
    shapes = [cfg["x"], cfg["w"]] + ([(cfg["w"][0],)] if cfg["bias"] else [])
    check_op(lambda *a: ours(*a, **kw), lambda *a: theirs(*a, **kw), shapes, seed=len(str(cfg)),
             **TOL)


@pytest.mark.parametrize("padding", ["same", "valid", 0, 2, (1, 3)])
def test_conv2d_padding_kinds_with_even_kernels_and_dilation(padding):
    # 'same' with an even dilated extent pads one more zero at the bottom/right (torch's rule)
    kw = dict(padding=padding, dilation=(1, 3))
    check_op(lambda x, w, b: conv2d(x, w, b, **kw), lambda x, w, b: F.conv2d(x, w, b, **kw),
             [(2, 3, 9, 10), (4, 3, 2, 3), (4,)], **TOL)


@pytest.mark.parametrize("flags", [[False, True, True], [True, False, False],
                                   [True, True, False], [False, False, True]])
def test_conv_computes_only_the_gradients_that_are_needed(flags):
    kw = dict(stride=2, padding=1)
    check_op(lambda x, w, b: conv1d(x, w, b, **kw), lambda x, w, b: F.conv1d(x, w, b, **kw),
             [(3, 2, 11), (5, 2, 3), (5,)], requires_grad=flags, **TOL)


def test_depthwise_conv2d_like_torch():
    # groups = in_channels = out_channels: one filter per channel
    kw = dict(groups=4, padding=1, stride=(2, 1))
    check_op(lambda x, w, b: conv2d(x, w, b, **kw), lambda x, w, b: F.conv2d(x, w, b, **kw),
             [(2, 4, 7, 6), (4, 1, 3, 3), (4,)], **TOL)


def test_conv_gradients_by_finite_differences():
    check_grad_fd(lambda x, w, b: conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2),
                                         groups=2), [(2, 4, 5, 6), (2, 2, 2, 2), (2,)])


def test_conv1d_by_hand():
    # (x ★ w)_l = Σ_j x_{l+j} w_j with x = [1, 2, 3, 4], w = [1, 0, 2], b = 0.5:
    #   y₀ = 1·1 + 2·0 + 3·2 + ½ = 7.5,  y₁ = 2·1 + 3·0 + 4·2 + ½ = 10.5
    # upstream g = [1, −1]:  ∂L/∂x_i = Σ_l g_l w_{i−l} = [1, −1, 2, −2],
    #   ∂L/∂w_j = Σ_l g_l x_{l+j} = [1−2, 2−3, 3−4] = [−1, −1, −1],  ∂L/∂b = Σ g = 0
    x = gn.tensor([[[1.0, 2.0, 3.0, 4.0]]], requires_grad=True)
    w = gn.tensor([[[1.0, 0.0, 2.0]]], requires_grad=True)
    b = gn.tensor([0.5], requires_grad=True)
    y = conv1d(x, w, b)
    assert y.tolist() == [[[7.5, 10.5]]]
    y.backward(gn.tensor([[[1.0, -1.0]]]))
    assert x.grad.tolist() == [[[1.0, -1.0, 2.0, -2.0]]]
    assert w.grad.tolist() == [[[-1.0, -1.0, -1.0]]] and b.grad.tolist() == [0.0]


def test_conv_keeps_float32():
    x = gn.randn(2, 3, 8, 8, dtype=gn.float32, requires_grad=True)
    w = gn.randn(4, 3, 3, 3, dtype=gn.float32, requires_grad=True)
    b = gn.zeros(4, dtype=gn.float32, requires_grad=True)
    y = conv2d(x, w, b, padding="same")
    assert y.dtype == gn.float32
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == gn.float32
    expected = F.conv2d(torch.tensor(x.detach().numpy()), torch.tensor(w.detach().numpy()),
                        padding="same")
    np.testing.assert_allclose(y.detach().numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)


def test_conv_unbatched_input_gives_unbatched_output():
    x, w = gn.randn(3, 10), gn.randn(2, 3, 4)
    assert conv1d(x, w).shape == (2, 7)
    assert conv2d(gn.randn(3, 6, 5), gn.randn(2, 3, 2, 2), stride=2).shape == (2, 3, 2)


def test_conv_with_exact_numbers():
    # exact (SymPy) values go through the same im2col + GEMM
    x = gn.tensor([[[1, 2, 3, 4]]], dtype=gn.exact)
    w = gn.tensor([[[1, 0, 2]]], dtype=gn.exact)
    assert conv1d(x, w, padding=1).tolist() == [[[4, 7, 10, 3]]]


def test_seed004_q4_1_output_size_and_parameters_of_a_small_cnn():
    # (3, 128, 128) → 32 kernels 8×8, stride 2, padding 3: ⌊(128 + 6 − 8)/2⌋ + 1 = 64
    #   → 2×2 max pooling: 32 → 64 kernels 3×3, padding 1: 32.  64·32·32 = 65536 values,
    #   and the last layer has 64·32·3·3 = 18432 weights.
    x = gn.zeros(1, 3, 128, 128)
    w1, w3 = gn.zeros(32, 3, 8, 8), gn.zeros(64, 32, 3, 3)
    h = conv2d(x, w1, stride=2, padding=3)
    assert h.shape == (1, 32, 64, 64)
    h = max_pool2d(h, 2)
    assert h.shape == (1, 32, 32, 32)
    out = conv2d(h, w3, padding=1)
    assert out.shape == (1, 64, 32, 32) and out.numel() == 65536
    assert w3.numel() == 18432


# ---------------------------------------------------------------- errors

def _conv_error(match, fn=conv1d, x=(2, 3, 8), w=(4, 3, 3), **kw):
    with pytest.raises(ShapeError, match=match):
        fn(gn.zeros(*x), gn.zeros(*w), **kw)


def test_kernel_larger_than_padded_input_is_an_error():
    _conv_error(r"conv1d: kernel of size \(9,\).*larger than the padded input of size \(8,\)",
                w=(4, 3, 9))
    _conv_error(r"conv2d: kernel .*\(3, 3\).*dilated extent \(5, 5\).*padded input.*\(4, 6\)",
                fn=conv2d, x=(1, 1, 4, 4), w=(1, 1, 3, 3), dilation=2, padding=(0, 1))
    conv1d(gn.zeros(1, 1, 2), gn.zeros(1, 1, 4), padding=1)              # 2 + 2 = 4 fits


def test_wrong_channel_count_is_an_error():
    _conv_error(r"conv1d: given groups=1, weight of shape \(4, 2, 3\) expects input "
                r"\(2, 3, 8\) to have 2 channels, but it has 3", w=(4, 2, 3))
    _conv_error(r"conv2d.*to have 1 channels, but it has 3", fn=conv2d, x=(64, 3, 28, 28),
                w=(6, 1, 5, 5))


def test_channels_not_divisible_by_groups_is_an_error():
    _conv_error(r"conv1d: given groups=2, the input's 3 channels are not divisible", w=(4, 1, 3),
                groups=2)
    _conv_error(r"out_channels must be divisible by 2.*\(3, 2, 3\)", x=(2, 4, 8), w=(3, 2, 3),
                groups=2)


def test_wrong_ndim_is_an_error():
    _conv_error(r"conv1d: expected a 2-D \(unbatched\) or 3-D \(batched\) input.*\(2, 3, 8, 1\)",
                x=(2, 3, 8, 1))
    _conv_error(r"conv2d: expected a 3-D .* or 4-D .*got input of shape \(3, 8\)", fn=conv2d,
                x=(3, 8), w=(1, 3, 2, 2))
    _conv_error(r"conv1d: weight must be 3-D.*\(4, 3\)", w=(4, 3))
    _conv_error(r"expected bias of shape \(4,\).*\(3,\)", bias=gn.zeros(3))


def test_same_padding_with_stride_is_torchs_error():
    _conv_error("padding='same' is not supported for strided convolutions", padding="same",
                stride=2)
    with pytest.raises(ValueError, match="invalid padding string 'foo'"):
        conv1d(gn.zeros(2, 3, 8), gn.zeros(4, 3, 3), padding="foo")


def test_negative_padding_zero_stride_and_bad_tuples_are_errors():
    _conv_error("negative padding is not supported", padding=-1)
    _conv_error("non-positive stride is not supported", stride=0)
    _conv_error("non-positive dilation is not supported", dilation=0)
    _conv_error("non-positive groups is not supported", groups=0)
    _conv_error(r"expected padding to be a single integer value or a list of 2 values.*"
                r"\[1, 2, 3\]", fn=conv2d, x=(1, 3, 5, 5), w=(2, 3, 3, 3), padding=(1, 2, 3))
    _conv_error(r"stride.*list of 1 values", stride=(1, 2))


def test_dtype_mismatch_is_a_type_error():
    with pytest.raises(TypeError, match="conv1d: input is float32 but weight is float64"):
        conv1d(gn.zeros(2, 3, 8, dtype=gn.float32), gn.zeros(4, 3, 3))
