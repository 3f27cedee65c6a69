"""sum, mean, var, std, max / min and argmax / argmin against torch."""
import numpy as np
import pytest
import torch

import glassnet as gn
from tests.helpers import check_grad_fd, check_op

DIMS = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)]


@pytest.mark.parametrize("name", ["sum", "mean"])
def test_sum_mean_over_everything_like_torch(name):
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [(2, 3, 4)])


@pytest.mark.parametrize("name", ["sum", "mean"])
@pytest.mark.parametrize("dim", DIMS[1:])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_mean_over_dims_like_torch(name, dim, keepdim):
    check_op(lambda t: getattr(gn, name)(t, dim=dim, keepdim=keepdim),
             lambda t: getattr(torch, name)(t, dim=dim, keepdim=keepdim), [(2, 3, 4)])


def test_sum_mean_by_hand():
    # Σ [[1, 2], [3, 4]] over dim 0 = [4, 6]; mean over dim 1 = [1.5, 3.5], ∂mean/∂x = 1/2
    x = gn.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.sum(0).tolist() == [4.0, 6.0]
    m = x.mean(1)
    assert m.tolist() == [1.5, 3.5]
    m.sum().backward()
    assert x.grad.tolist() == [[0.5, 0.5], [0.5, 0.5]]


def test_sum_of_0d_and_bool_tensors():
    check_op(lambda t: t.sum(0), lambda t: t.sum(0), [()])
    check_op(lambda t: t.mean(-1), lambda t: t.mean(-1), [()])
    mask = gn.tensor([True, False, True])
    assert mask.sum().dtype == gn.int64 and mask.sum().item() == 2
    assert gn.tensor([1, 2]).sum(dtype=gn.float32).dtype == gn.float32


def test_mean_of_integers_raises():
    with pytest.raises(TypeError, match="floating point"):
        gn.tensor([1, 2]).mean()


def test_reduction_over_a_bad_dim_raises():
    with pytest.raises(IndexError, match="dimension 3 is out of range"):
        gn.ones(2, 3).sum(3)
    with pytest.raises(ValueError, match="twice"):
        gn.ones(2, 3).sum((1, -1))


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("dim", [None, 0, (0, 2)])
@pytest.mark.parametrize("unbiased", [True, False])
def test_var_std_like_torch(name, dim, unbiased):
    check_op(lambda t: getattr(t, name)(dim=dim, unbiased=unbiased),
             lambda t: getattr(t, name)(dim=dim, unbiased=unbiased), [(2, 3, 4)])
    check_op(lambda t: getattr(t, name)(dim=dim, keepdim=True) if dim is not None else getattr(t, name)(),
             lambda t: getattr(t, name)(dim=dim, keepdim=True) if dim is not None else getattr(t, name)(),
             [(2, 3, 4)])


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_without_dim(name):
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [(3, 4)])


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_without_dim_share_the_gradient_between_ties(name):
    x = np.array([[1.0, 3.0, 3.0], [-2.0, 3.0, -2.0]])     # max 3 three times, min −2 twice
    out = check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x])
    g = gn.tensor(x, requires_grad=True)
    getattr(g, name)().backward()
    share = 1 / 3 if name == "max" else 1 / 2
    assert out.item() == (3.0 if name == "max" else -2.0)
    np.testing.assert_allclose(g.grad.numpy(), (x == out.item()) * share, rtol=1e-15)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1, 2])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_over_dim_like_torch(name, dim, keepdim):
    check_op(lambda t: getattr(t, name)(dim=dim, keepdim=keepdim).values,
             lambda t: getattr(t, name)(dim=dim, keepdim=keepdim).values, [(2, 3, 4)])
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    ours = getattr(gn.tensor(x), name)(dim, keepdim)
    theirs = getattr(torch.tensor(x), name)(dim, keepdim)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    values, indices = ours                          # unpacks like torch's named tuple
    assert indices.dtype == gn.int64 and values.shape == tuple(theirs.values.shape)


def test_max_over_dim_by_hand():
    # max over rows of [[1, 5], [7, 2]]: values [5, 7] at [1, 0]; the gradient goes to those entries
    x = gn.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    values, indices = gn.max(x, dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    (values * gn.tensor([10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [[0.0, 10.0], [100.0, 0.0]]


def test_max_of_empty_tensor_raises():
    with pytest.raises(RuntimeError, match="empty"):
        gn.zeros(0).max()


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), (-1, False)])
def test_argmax_argmin_like_torch(name, dim, keepdim):
    x = np.random.default_rng(3).standard_normal((3, 4))
    ours = getattr(gn, name)(gn.tensor(x), dim=dim, keepdim=keepdim)
    theirs = getattr(torch, name)(torch.tensor(x), dim=dim, keepdim=keepdim)
    assert ours.dtype == gn.int64 and not ours.requires_grad
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.shape == tuple(theirs.shape)


def test_argmax_picks_the_first_of_ties():
    assert gn.tensor([1.0, 3.0, 3.0]).argmax().item() == 1


def test_composed_reductions_by_finite_differences():
    check_grad_fd(lambda t: t.std(dim=1) + t.var(0).sum() + t.max(dim=0).values.mean(), [(3, 4)])
