"""Second derivatives of convolution, pooling and padding against torch: each op's derivative
rule, run on Tensors (conv_input_grad, conv_weight_grad, the max-pooling scatter, the average
pooling's adjoint, the pad adjoints), must itself have the right derivative — with respect to
the inputs and to the incoming gradient."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassnet as gn
from glassnet.ops import conv1d, conv2d
from glassnet.ops.pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d, pad
from tests.helpers import check_second_order

# torch warns that it copies the input for 'same' with an even kernel; that is its business
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

CONV1D = [
    ("plain", (2, 3, 9), (4, 3, 3), False, {}),
    ("bias", (2, 3, 9), (4, 3, 3), True, {}),
    ("stride2_padding", (2, 3, 10), (4, 3, 3), True, dict(stride=2, padding=1)),
    ("dilation", (2, 2, 11), (3, 2, 3), True, dict(dilation=2, padding=2)),
    ("groups", (2, 4, 8), (6, 2, 3), True, dict(groups=2, stride=2)),
    ("same_even_kernel", (2, 2, 7), (3, 2, 4), True, dict(padding="same")),   # lo ≠ hi
    ("unbatched", (3, 8), (2, 3, 2), True, dict(padding=1)),
]


@pytest.mark.parametrize("name, x, w, bias, kw", CONV1D, ids=[c[0] for c in CONV1D])
def test_conv1d_second_derivative_like_torch(name, x, w, bias, kw):
    shapes = [x, w] + ([(w[0],)] if bias else [])
    check_second_order(lambda *a: conv1d(*a, **kw), lambda *a: TF.conv1d(*a, **kw), shapes)


CONV2D = [
    ("plain", (2, 2, 6, 5), (3, 2, 3, 2), False, {}),
    ("bias", (2, 2, 6, 5), (3, 2, 3, 2), True, {}),
    ("stride2_padding", (2, 2, 7, 8), (3, 2, 3, 3), True, dict(stride=2, padding=(1, 2))),
    ("dilation", (1, 2, 8, 7), (2, 2, 2, 3), True, dict(dilation=(2, 1), padding=1)),
    ("groups", (2, 4, 6, 6), (4, 2, 3, 3), True, dict(groups=2, stride=(1, 2))),
    ("depthwise", (2, 3, 5, 5), (3, 1, 3, 3), True, dict(groups=3, padding="same")),
    ("unbatched", (2, 5, 6), (3, 2, 2, 2), True, dict(stride=2)),
]


@pytest.mark.parametrize("name, x, w, bias, kw", CONV2D, ids=[c[0] for c in CONV2D])
def test_conv2d_second_derivative_like_torch(name, x, w, bias, kw):
    shapes = [x, w] + ([(w[0],)] if bias else [])
    check_second_order(lambda *a: conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), shapes)


@pytest.mark.parametrize("flags", [[True, False, False], [False, True, False], [False, False, True],
                                   [True, False, True]], ids=["x", "w", "b", "x_b"])
def test_conv2d_second_derivative_when_only_some_inputs_need_gradients(flags):
    kw = dict(stride=2, padding=1)
    check_second_order(lambda *a: conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw),
                       [(2, 2, 6, 7), (3, 2, 3, 3), (3,)], requires_grad=flags)


def test_conv_composed_with_a_nonlinearity_second_derivative_like_torch():
    # tanh makes the Hessian with respect to x and w non-zero: it runs through both gradient ops
    kw = dict(stride=2, padding=1, dilation=(1, 2))
    check_second_order(lambda x, w, b: conv2d(x, w, b, **kw).tanh(),
                       lambda x, w, b: TF.conv2d(x, w, b, **kw).tanh(),
                       [(2, 2, 7, 8), (3, 2, 3, 2), (3,)])
    check_second_order(lambda x, w: conv1d(x * x, w, groups=2).tanh(),
                       lambda x, w: TF.conv1d(x * x, w, groups=2).tanh(), [(2, 4, 9), (4, 2, 3)])


def _check_third_derivative(gn_fn, torch_fn, shapes, seed: int = 3) -> None:
    """L = Σ u·f(inputs); three nested gradients, each of the first two contracted with a random
    v (so the third runs the rules of the second's gradient ops): glassnet's equal torch's."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    u = rng.standard_normal(tuple(torch_fn(*[torch.tensor(a) for a in arrays]).shape))
    v1 = [rng.standard_normal(a.shape) for a in arrays]
    v2 = [rng.standard_normal(a.shape) for a in arrays]

    def third(fn, tensor, grad):
        inputs = [tensor(a, requires_grad=True) for a in arrays]
        loss = (fn(*inputs) * tensor(u)).sum()
        g1 = grad(loss, inputs, create_graph=True)
        s1 = sum((g * tensor(v)).sum() for g, v in zip(g1, v1))
        g2 = grad(s1, inputs, create_graph=True)
        s2 = sum((g * tensor(v)).sum() for g, v in zip(g2, v2))
        return [g.detach().numpy() for g in grad(s2, inputs)]

    ours = third(gn_fn, gn.tensor, gn.autograd.grad)
    theirs = third(torch_fn, torch.tensor, torch.autograd.grad)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10, err_msg=f"third derivative, input {i}")


def test_conv2d_third_derivative_of_tanh_like_torch():
    kw = dict(stride=(1, 2), padding=1)
    _check_third_derivative(lambda x, w, b: conv2d(x, w, b, **kw).tanh(),
                            lambda x, w, b: TF.conv2d(x, w, b, **kw).tanh(),
                            [(2, 2, 6, 5), (3, 2, 3, 2), (3,)])


THIRD = [
    ("max_pool2d", lambda x: max_pool2d(x, 3, stride=2, padding=1),
     lambda x: TF.max_pool2d(x, 3, stride=2, padding=1)),
    ("avg_pool1d", lambda x: avg_pool1d(x, 3, stride=2, padding=1, count_include_pad=False),
     lambda x: TF.avg_pool1d(x, 3, stride=2, padding=1, count_include_pad=False)),
    ("pad_reflect", lambda x: pad(x, (2, 1), mode="reflect"), lambda x: TF.pad(x, (2, 1), mode="reflect")),
    ("pad_constant", lambda x: pad(x, (2, -1)), lambda x: TF.pad(x, (2, -1))),
]


@pytest.mark.parametrize("name, ours, theirs", THIRD, ids=[c[0] for c in THIRD])
def test_pooling_and_pad_third_derivative_like_torch(name, ours, theirs):
    # tanh on both sides: the third derivative runs the rules of the adjoints' adjoints
    shape = (2, 2, 7, 6) if name == "max_pool2d" else (2, 3, 8)
    _check_third_derivative(lambda x: ours(x.tanh()).tanh(), lambda x: theirs(x.tanh()).tanh(), [shape])


# Pooling is piecewise linear: the second derivatives that are not zero go through the upstream
# gradient, and, composed with a square, through the pooling's own derivative rule.
COMPOSED = {"plain": lambda f: f, "squared": lambda f: lambda x: f(x) ** 2}

MAX_POOL = [
    ("1d", max_pool1d, TF.max_pool1d, (2, 3, 9), dict(kernel_size=2)),
    ("1d_overlap_padding", max_pool1d, TF.max_pool1d, (2, 3, 10), dict(kernel_size=3, stride=2, padding=1)),
    ("1d_dilation_ceil", max_pool1d, TF.max_pool1d, (2, 2, 11),
     dict(kernel_size=2, stride=3, dilation=2, ceil_mode=True)),
    ("2d", max_pool2d, TF.max_pool2d, (2, 3, 6, 6), dict(kernel_size=2)),
    ("2d_overlap_padding", max_pool2d, TF.max_pool2d, (2, 2, 7, 6),
     dict(kernel_size=3, stride=(2, 1), padding=1)),
    ("2d_dilation_ceil", max_pool2d, TF.max_pool2d, (1, 2, 7, 8),
     dict(kernel_size=2, stride=2, dilation=(1, 2), ceil_mode=True)),
    ("2d_unbatched", max_pool2d, TF.max_pool2d, (2, 5, 5), dict(kernel_size=2, stride=1)),
]


@pytest.mark.parametrize("composed", list(COMPOSED))
@pytest.mark.parametrize("name, ours, theirs, shape, kw", MAX_POOL, ids=[c[0] for c in MAX_POOL])
def test_max_pool_second_derivative_like_torch(name, ours, theirs, shape, kw, composed):
    wrap = COMPOSED[composed]
    check_second_order(wrap(lambda x: ours(x, **kw)), wrap(lambda x: theirs(x, **kw)), [shape])


AVG_POOL = [
    ("1d", avg_pool1d, TF.avg_pool1d, (2, 3, 9), dict(kernel_size=3)),
    ("1d_overlap_padding", avg_pool1d, TF.avg_pool1d, (2, 3, 10), dict(kernel_size=3, stride=2, padding=1)),
    ("1d_exclude_pad_ceil", avg_pool1d, TF.avg_pool1d, (2, 2, 10),
     dict(kernel_size=4, stride=3, padding=2, ceil_mode=True, count_include_pad=False)),
    ("2d", avg_pool2d, TF.avg_pool2d, (2, 3, 6, 6), dict(kernel_size=2)),
    ("2d_overlap_padding", avg_pool2d, TF.avg_pool2d, (2, 2, 7, 6),
     dict(kernel_size=3, stride=(2, 1), padding=1)),
    ("2d_exclude_pad_ceil", avg_pool2d, TF.avg_pool2d, (1, 2, 7, 8),
     dict(kernel_size=(3, 2), stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("2d_divisor_override", avg_pool2d, TF.avg_pool2d, (2, 2, 6, 7),
     dict(kernel_size=3, stride=2, padding=1, divisor_override=5)),
    ("2d_unbatched", avg_pool2d, TF.avg_pool2d, (2, 5, 5), dict(kernel_size=2, stride=1)),
]


@pytest.mark.parametrize("composed", list(COMPOSED))
@pytest.mark.parametrize("name, ours, theirs, shape, kw", AVG_POOL, ids=[c[0] for c in AVG_POOL])
def test_avg_pool_second_derivative_like_torch(name, ours, theirs, shape, kw, composed):
    wrap = COMPOSED[composed]
    check_second_order(wrap(lambda x: ours(x, **kw)), wrap(lambda x: theirs(x, **kw)), [shape])


PAD = [
    ("constant", (2, 3, 5), (1, 2), dict()),
    ("constant_value_2d", (2, 3, 4, 5), (2, 1, 0, 3), dict(value=1.5)),
    ("constant_crop", (2, 3, 4, 6), (-1, 2, 1, -2), dict()),        # negative amounts crop
    ("reflect_1d", (2, 3, 6), (2, 3), dict(mode="reflect")),
    ("reflect_2d", (2, 2, 5, 6), (1, 2, 3, 1), dict(mode="reflect")),
    ("replicate_1d", (2, 3, 4), (3, 2), dict(mode="replicate")),
    ("replicate_2d", (2, 2, 4, 5), (2, 1, 1, 3), dict(mode="replicate")),
    ("circular_1d", (2, 3, 5), (2, 4), dict(mode="circular")),
    ("circular_2d", (1, 2, 4, 5), (1, 3, 2, 2), dict(mode="circular")),
]


@pytest.mark.parametrize("composed", list(COMPOSED))
@pytest.mark.parametrize("name, shape, amounts, kw", PAD, ids=[c[0] for c in PAD])
def test_pad_second_derivative_like_torch(name, shape, amounts, kw, composed):
    wrap = COMPOSED[composed]
    check_second_order(wrap(lambda x: pad(x, amounts, **kw)), wrap(lambda x: TF.pad(x, amounts, **kw)),
                       [shape])


def test_pooling_after_conv_second_derivative_like_torch():
    # a small CNN block: the gradient ops meet each other's memory orders (batch-last outputs)
    def block(conv, maxp, avgp, padf):
        def f(x, w, b):
            h = conv(padf(x, (1, 1, 2, 0), mode="reflect"), w, b, stride=1).tanh()
            return avgp(maxp(h, kernel_size=2, stride=1), kernel_size=2)
        return f
    check_second_order(block(conv2d, max_pool2d, avg_pool2d, pad),
                       block(TF.conv2d, TF.max_pool2d, TF.avg_pool2d, TF.pad),
                       [(2, 2, 6, 7), (3, 2, 3, 3), (3,)])
