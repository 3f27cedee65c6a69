"""layer_norm and batch_norm against torch (values and every gradient), by finite
differences, by hand, and their errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as gn
from glassnet import ops
from glassnet.errors import ShapeError
from tests.helpers import check_grad_fd, check_op


@pytest.mark.parametrize("shape, normalized", [((4, 5), (5,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)),
                                               ((5,), (5,))])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_layer_norm_like_torch(shape, normalized, affine):
    if affine == "both":
        check_op(lambda x, w, b: ops.layer_norm(x, normalized, w, b),
                 lambda x, w, b: F.layer_norm(x, normalized, w, b), [shape, normalized, normalized])
    elif affine == "weight":
        check_op(lambda x, w: ops.layer_norm(x, normalized, w),
                 lambda x, w: F.layer_norm(x, normalized, w), [shape, normalized])
    else:
        check_op(lambda x: ops.layer_norm(x, normalized, eps=1e-3),
                 lambda x: F.layer_norm(x, normalized, eps=1e-3), [shape])


def test_layer_norm_gradient_of_the_input_only():
    check_op(lambda x, w, b: ops.layer_norm(x, (3,), w, b), lambda x, w, b: F.layer_norm(x, (3,), w, b),
             [(4, 3), (3,), (3,)], requires_grad=[True, False, False])
    check_op(lambda x, w, b: ops.layer_norm(x, (3,), w, b), lambda x, w, b: F.layer_norm(x, (3,), w, b),
             [(4, 3), (3,), (3,)], requires_grad=[False, True, True])


def test_layer_norm_by_hand():
    # x = [1, 3]: μ = 2, σ² = 1, x̂ = [−1, 1]/√(1 + ε); with ε = 0: y = [−1, 1]. The gradient of
    # Σ y·[1, 0] is (1/σ)(ĝ − mean ĝ − x̂ mean(ĝ x̂)) = [1 − ½ − ½, 0 − ½ + ½] = [0, 0]:
    # moving x rigidly or scaling it leaves x̂ unchanged, so a weight on one side only sees neither
    x = gn.tensor([1.0, 3.0], requires_grad=True)
    y = ops.layer_norm(x, 2, eps=0.0)
    assert y.tolist() == [-1.0, 1.0]
    (y * gn.tensor([1.0, 0.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_layer_norm_by_finite_differences():
    check_grad_fd(lambda x, w, b: ops.layer_norm(x, (3,), w, b), [(2, 3), (3,), (3,)])


def test_layer_norm_errors_name_the_shapes():
    with pytest.raises(ShapeError, match=r"normalized_shape=\[4\].*\[\*, 4\].*\[2, 3\]"):
        ops.layer_norm(gn.zeros(2, 3), (4,))
    with pytest.raises(ShapeError, match=r"weight must have shape \(3,\), got \(2,\)"):
        ops.layer_norm(gn.zeros(2, 3), 3, weight=gn.ones(2))
    with pytest.raises(TypeError, match="float32.*float64"):
        ops.layer_norm(gn.zeros(2, 3, dtype=gn.float32), 3, weight=gn.ones(3))


BN_SHAPES = [(6, 3), (4, 3, 5), (2, 3, 4, 2)]


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_like_torch(shape, affine):
    rng = np.random.default_rng(1)
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    g_rm, g_rv, t_rm, t_rv = gn.tensor(rm), gn.tensor(rv), torch.tensor(rm), torch.tensor(rv)
    if affine:
        check_op(lambda x, w, b: ops.batch_norm(x, g_rm, g_rv, w, b, True, 0.2),
                 lambda x, w, b: F.batch_norm(x, t_rm, t_rv, w, b, True, 0.2), [shape, (3,), (3,)])
    else:
        check_op(lambda x: ops.batch_norm(x, g_rm, g_rv, training=True),
                 lambda x: F.batch_norm(x, t_rm, t_rv, training=True), [shape])
    # the running statistics moved the same way: unbiased variance, momentum on the batch side
    np.testing.assert_allclose(g_rm.numpy(), t_rm.numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(g_rv.numpy(), t_rv.numpy(), rtol=1e-14)
    assert not np.allclose(g_rm.numpy(), rm)


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batch_norm_eval_like_torch(shape):
    rng = np.random.default_rng(2)
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    check_op(lambda x, w, b: ops.batch_norm(x, gn.tensor(rm), gn.tensor(rv), w, b, False),
             lambda x, w, b: F.batch_norm(x, torch.tensor(rm), torch.tensor(rv), w, b, False),
             [shape, (3,), (3,)])


def test_batch_norm_training_without_running_stats_like_torch():
    check_op(lambda x, w, b: ops.batch_norm(x, None, None, w, b, True),
             lambda x, w, b: F.batch_norm(x, None, None, w, b, True), [(5, 3), (3,), (3,)])


def test_batch_norm_by_hand():
    # channel values [1, 3]: μ = 2, σ² = 1 (biased) → x̂ = [−1, 1] (ε = 0); the running mean moves
    # 0 → 0.1·2 = 0.2 and the running variance 1 → 0.9 + 0.1·2 = 1.1 (unbiased σ² = 2)
    rm, rv = gn.zeros(1), gn.ones(1)
    y = ops.batch_norm(gn.tensor([[1.0], [3.0]]), rm, rv, training=True, eps=0.0)
    assert y.tolist() == [[-1.0], [1.0]]
    assert rm.tolist() == pytest.approx([0.2], rel=1e-15) and rv.tolist() == pytest.approx([1.1], rel=1e-15)


def test_batch_norm_by_finite_differences():
    check_grad_fd(lambda x, w, b: ops.batch_norm(x, None, None, w, b, True), [(4, 2, 3), (2,), (2,)])


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3\)"):
        ops.batch_norm(gn.zeros(1, 3), gn.zeros(3), gn.ones(3), training=True)
    with pytest.raises(ValueError, match="running_mean and running_var must be given"):
        ops.batch_norm(gn.zeros(2, 3), None, None, training=False)
    with pytest.raises(ShapeError, match=r"running_mean should contain 3 elements.*not 4"):
        ops.batch_norm(gn.zeros(2, 3), gn.zeros(4), gn.ones(4))
    with pytest.raises(ShapeError, match=r"\(N, C\) or \(N, C, \*\).*\(3,\)"):
        ops.batch_norm(gn.zeros(3), None, None, training=True)
