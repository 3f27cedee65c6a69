"""max/avg pooling and pad against torch.nn.functional in float64 (values, indices and input
gradients for a random upstream gradient), ties and NaN, float32, exact numbers, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as gn
from glassnet.errors import ShapeError
from glassnet.ops.pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d, pad
from tests.helpers import check_grad_fd, check_op

TOL = dict(rtol=1e-12, atol=1e-12)


def _check(ours, theirs, shape, **kw):
    check_op(lambda x: ours(x, **kw), lambda x: theirs(x, **kw), [shape], **TOL)


MAX_CASES = [
    ((2, 3, 12), dict(kernel_size=2)),
    ((2, 3, 11), dict(kernel_size=3, stride=2, padding=1)),
    ((3, 10), dict(kernel_size=4, stride=1, padding=2, dilation=1)),               # unbatched
    ((2, 2, 13), dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)),
    ((1, 2, 10), dict(kernel_size=(3,), stride=(3,), ceil_mode=True)),
]
MAX2D_CASES = [
    ((2, 3, 8, 8), dict(kernel_size=2)),
    ((2, 3, 9, 7), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1))),
    ((3, 9, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),          # unbatched
    ((1, 2, 11, 9), dict(kernel_size=(2, 3), stride=(3, 2), dilation=(2, 1), padding=(1, 1),
                         ceil_mode=True)),
    ((2, 1, 7, 7), dict(kernel_size=3, stride=1, padding=1)),
]


@pytest.mark.parametrize("shape, kw", MAX_CASES)
def test_max_pool1d_like_torch(shape, kw):
    _check(max_pool1d, F.max_pool1d, shape, **kw)


@pytest.mark.parametrize("shape, kw", MAX2D_CASES)
def test_max_pool2d_like_torch(shape, kw):
    _check(max_pool2d, F.max_pool2d, shape, **kw)


@pytest.mark.parametrize("ours, theirs, shape, kw",
                         [(max_pool1d, F.max_pool1d, s, k) for s, k in MAX_CASES]
                         + [(max_pool2d, F.max_pool2d, s, k) for s, k in MAX2D_CASES])
def test_max_pool_return_indices_like_torch(ours, theirs, shape, kw):
    x = np.random.default_rng(3).standard_normal(shape)
    values, indices = ours(gn.tensor(x), return_indices=True, **kw)
    t_values, t_indices = theirs(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(values.numpy(), t_values.numpy())
    assert indices.dtype == gn.int64
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())


@pytest.mark.parametrize("ours, theirs, shape, kw", [
    (max_pool1d, F.max_pool1d, (2, 3, 12), dict(kernel_size=3, stride=1, padding=1)),
    (max_pool2d, F.max_pool2d, (2, 3, 8, 8), dict(kernel_size=2)),
    (max_pool2d, F.max_pool2d, (2, 3, 8, 8), dict(kernel_size=3, stride=2, padding=1)),
])
def test_max_pool_ties_send_the_gradient_to_the_first_maximum(ours, theirs, shape, kw):
    # after a ReLU, windows of equal values (zeros) are common: one element gets the gradient
    x = np.random.default_rng(0).integers(0, 2, shape).astype(np.float64)
    check_op(lambda t: ours(t, **kw), lambda t: theirs(t, **kw), [x], **TOL)


def test_max_pool_propagates_nan():
    x = np.arange(8.0).reshape(1, 1, 8)
    x[0, 0, 2] = np.nan
    ours = max_pool1d(gn.tensor(x), 2).numpy()
    np.testing.assert_array_equal(ours, F.max_pool1d(torch.tensor(x), 2).numpy())   # [1, nan, 5, 7]


def test_max_pool_by_hand():
    # windows [1, 5], [3, 2]: maxima 5 and 3; upstream g = [10, 20] goes to the maxima
    x = gn.tensor([[[1.0, 5.0, 3.0, 2.0]]], requires_grad=True)
    y = max_pool1d(x, 2)
    assert y.tolist() == [[[5.0, 3.0]]]
    y.backward(gn.tensor([[[10.0, 20.0]]]))
    assert x.grad.tolist() == [[[0.0, 10.0, 20.0, 0.0]]]


AVG_CASES = [
    ((2, 3, 12), dict(kernel_size=2)),
    ((2, 3, 11), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 11), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((3, 12), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),                # unbatched
    ((2, 2, 12), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True,
                      count_include_pad=False)),
]
AVG2D_CASES = [
    ((2, 3, 8, 8), dict(kernel_size=2)),
    ((2, 3, 11, 9), dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True)),
    ((2, 3, 11, 9), dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True,
                         count_include_pad=False)),
    ((3, 7, 7), dict(kernel_size=3, stride=1, padding=1)),                              # unbatched
    ((2, 3, 9, 9), dict(kernel_size=3, divisor_override=5)),
]


@pytest.mark.parametrize("shape, kw", AVG_CASES)
def test_avg_pool1d_like_torch(shape, kw):
    _check(avg_pool1d, F.avg_pool1d, shape, **kw)


@pytest.mark.parametrize("shape, kw", AVG2D_CASES)
def test_avg_pool2d_like_torch(shape, kw):
    _check(avg_pool2d, F.avg_pool2d, shape, **kw)


def test_pooling_gradients_by_finite_differences():
    check_grad_fd(lambda x: avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
                  [(1, 2, 5, 5)])
    check_grad_fd(lambda x: max_pool2d(x, 3, stride=2, padding=1), [(1, 2, 5, 5)])


def test_pooling_keeps_float32():
    x = gn.randn(2, 3, 8, 8, dtype=gn.float32, requires_grad=True)
    for op in (max_pool2d, avg_pool2d):
        y = op(x, 2)
        assert y.dtype == gn.float32
        x.grad = None
        y.sum().backward()
        assert x.grad.dtype == gn.float32


def test_avg_pool_with_exact_numbers_stays_exact():
    # windows [1, 2], [3, 4], [5]: with count_include_pad=False the means are 3/2, 7/2, 5
    x = gn.tensor([[[1, 2, 3, 4, 5]]], dtype=gn.exact)
    y = avg_pool1d(x, 2, ceil_mode=True)
    assert [str(v) for v in y.tolist()[0][0]] == ["3/2", "7/2", "5"]


def _pool_error(match, fn, shape=(1, 2, 8), *args, **kw):
    with pytest.raises(ShapeError, match=match):
        fn(gn.zeros(*shape), *args, **kw)


def test_pooling_errors():
    _pool_error(r"max_pool1d: padding should be at most half of the effective \(dilated\) "
                r"kernel size, but got padding=\(2,\), kernel_size=\(3,\)", max_pool1d, (1, 2, 8),
                3, padding=2)
    _pool_error(r"avg_pool2d: padding should be at most half of the kernel size", avg_pool2d,
                (1, 1, 4, 4), 3, padding=2)
    _pool_error("kernel_size must be greater than zero", max_pool1d, (1, 2, 8), 0)
    _pool_error("stride must be greater than zero", max_pool1d, (1, 2, 8), 2, stride=0)
    _pool_error("negative padding", avg_pool1d, (1, 2, 8), 2, padding=-1)
    _pool_error(r"too small for kernel_size=\(10,\)", max_pool1d, (1, 2, 8), 10)
    _pool_error(r"max_pool1d: expected a 2-D \(unbatched\) or 3-D \(batched\) input.*"
                r"\(2, 3, 4, 5\)", max_pool1d, (2, 3, 4, 5), 2)
    _pool_error(r"max_pool2d: expected .*got input of shape \(8,\)", max_pool2d, (8,), 2)


# ---------------------------------------------------------------- pad

PAD_CASES = [
    ((2, 3, 5), (1, 2), "constant", 0.0),
    ((2, 3, 5), (1, 2, -1, 3), "constant", 1.5),           # a negative amount crops
    ((2, 3, 5), (-2, -1), "constant", None),
    ((2, 3, 4, 5), (1, 1, 2, 0, 1, 1), "constant", -2.0),   # three dimensions, incl. channels
    ((2, 3, 5), (2, 3), "reflect", None),
    ((2, 3, 5, 4), (1, 3, 2, 1), "reflect", None),
    ((2, 3, 5), (4, 2), "replicate", None),
    ((2, 3, 5, 4), (3, 2, 2, 1), "replicate", None),
    ((2, 3, 5), (4, 2), "circular", None),
    ((2, 3, 5, 4), (3, 2, 2, 1), "circular", None),
]


@pytest.mark.parametrize("shape, amounts, mode, value", PAD_CASES)
def test_pad_like_torch(shape, amounts, mode, value):
    kw = dict(mode=mode) if value is None else dict(mode=mode, value=value)
    _check(pad, F.pad, shape, pad=amounts, **kw)


def test_pad_order_is_last_dimension_first():
    x = gn.zeros(1, 2, 3)
    assert pad(x, (1, 2)).shape == (1, 2, 6)
    assert pad(x, (1, 2, 3, 4)).shape == (1, 9, 6)


def test_pad_errors():
    x = gn.zeros(1, 3)
    with pytest.raises(ShapeError, match="divisible by 2"):
        pad(x, (1, 1, 1))
    with pytest.raises(ShapeError, match="at most two times the input dimension"):
        pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(ShapeError, match="less than the corresponding input dimension"):
        pad(x, (3, 3), mode="reflect")
    with pytest.raises(ShapeError, match="negative output size"):
        pad(x, (-2, -2))
    with pytest.raises(ValueError, match="unknown padding mode 'foo'"):
        pad(x, (1, 1), mode="foo")
