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


# ---------------------------------------------------------------- prod, cumsum, logsumexp, norms

WITH_ZEROS = np.array([[0.5, 0.0, -2.0, 1.5], [0.0, 0.0, 3.0, -1.0], [1.2, -0.7, 0.9, 2.0]])


@pytest.mark.parametrize("dim, keepdim", [(None, False), (None, True), (0, False), (1, True), (-1, False)])
@pytest.mark.parametrize("x", [(3, 4), WITH_ZEROS], ids=["random", "with_zeros"])
def test_prod_like_torch(dim, keepdim, x):
    # torch.prod(x) has no keepdim form without dim: compare with the reshaped product
    if dim is None:
        check_op(lambda t: t.prod(keepdim=keepdim) if keepdim else gn.prod(t),
                 lambda t: t.prod().reshape(1, 1) if keepdim else torch.prod(t), [x])
    else:
        check_op(lambda t: t.prod(dim, keepdim=keepdim), lambda t: t.prod(dim, keepdim=keepdim), [x])


def test_prod_by_hand_at_zeros():
    # x = [2, 0, 3]: Π = 0, ∂Π/∂x = [0·3, 2·3, 2·0] = [0, 6, 0] (out/x would give NaN at the zero)
    x = gn.tensor([2.0, 0.0, 3.0], requires_grad=True)
    p = x.prod()
    p.backward()
    assert p.item() == 0.0 and x.grad.tolist() == [0.0, 6.0, 0.0]
    check_op(lambda t: t.prod(0), lambda t: t.prod(0), [()])
    assert gn.tensor([[1, 2], [3, 4]]).prod(1).tolist() == [2, 12]


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_like_torch(dim):
    check_op(lambda t: t.cumsum(dim), lambda t: t.cumsum(dim), [(3, 4)])
    check_op(lambda t: gn.cumsum(t, dim=dim), lambda t: torch.cumsum(t, dim=dim), [(2, 3, 4)])


def test_cumsum_by_hand():
    # y = [1, 1+2, 1+2+3]; ∂(Σ y)/∂x = [3, 2, 1] (x₀ appears in all three partial sums)
    x = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.cumsum(0)
    y.sum().backward()
    assert y.tolist() == [1.0, 3.0, 6.0] and x.grad.tolist() == [3.0, 2.0, 1.0]


@pytest.mark.parametrize("dim", [0, 1, -1, (0, 2), (0, 1, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp_like_torch(dim, keepdim):
    check_op(lambda t: gn.logsumexp(t, dim, keepdim), lambda t: torch.logsumexp(t, dim, keepdim),
             [(2, 3, 4)])


def test_logsumexp_is_stable_and_handles_minus_inf():
    # log(e^1000 + e^1000) = 1000 + log 2 (a naive sum overflows); −inf entries contribute 0
    x = np.array([[1000.0, 1000.0], [-1000.0, -np.inf], [5.0, -np.inf]])
    out = check_op(lambda t: t.logsumexp(1), lambda t: t.logsumexp(1), [x])
    np.testing.assert_allclose(out.detach().numpy(), [1000 + np.log(2), -1000.0, 5.0], rtol=1e-15)
    assert gn.logsumexp(gn.tensor([-np.inf, -np.inf]), 0).item() == -np.inf


NORM_CASES = [2, 1, 3, 0.5, 1.5, float("inf"), float("-inf"), -1]


@pytest.mark.parametrize("p", NORM_CASES)
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_vector_norm_like_torch(p, dim, keepdim):
    check_op(lambda t: gn.linalg.vector_norm(t, p, dim, keepdim),
             lambda t: torch.linalg.vector_norm(t, p, dim, keepdim), [(2, 3, 4)])


@pytest.mark.parametrize("p", NORM_CASES + [0])
def test_vector_norm_at_zeros_like_torch(p):
    # entries of 0 and an all-zero row: torch's gradient is 0 there (no NaN from 0/0 or 0^(p−1))
    x = np.array([[0.0, 0.0, 0.0], [0.0, 3.0, -4.0], [1.0, -1.0, 1.0]])    # ties for ±inf in row 2
    if p == 0:                                  # torch returns no gradient at all; glassnet zeros
        out = gn.linalg.vector_norm(gn.tensor(x, requires_grad=True), 0, 1)
        assert out.tolist() == [0.0, 2.0, 3.0]
        return
    check_op(lambda t: gn.linalg.vector_norm(t, p, 1), lambda t: torch.linalg.vector_norm(t, p, 1), [x])


def test_norm_method_like_torch():
    check_op(lambda t: t.norm(), lambda t: t.norm(), [(3, 4)])
    check_op(lambda t: t.norm(dim=1), lambda t: t.norm(dim=1), [(3, 4)])
    check_op(lambda t: t.norm(p=1, dim=0, keepdim=True), lambda t: t.norm(p=1, dim=0, keepdim=True),
             [(3, 4)])
    check_op(lambda t: gn.norm(t, "fro", (0, 1)), lambda t: torch.norm(t, "fro", (0, 1)), [(3, 4)])
    check_op(lambda t: gn.norm(t, float("inf")), lambda t: torch.norm(t, float("inf")), [(3, 4)])


def test_norm_by_hand():
    # ‖(3, 4)‖ = 5, ∂/∂x = x/5; ‖(3, −4)‖₁ = 7, ∂/∂x = sign(x); ‖0‖ = 0 with gradient 0
    x = gn.tensor([3.0, 4.0], requires_grad=True)
    n = x.norm()
    n.backward()
    assert n.item() == 5.0 and x.grad.tolist() == pytest.approx([0.6, 0.8], rel=1e-15)
    y = gn.tensor([3.0, -4.0], requires_grad=True)
    y.norm(1).backward()
    assert y.grad.tolist() == [1.0, -1.0]
    z = gn.zeros(3, requires_grad=True)
    z.norm().backward()
    assert z.grad.tolist() == [0.0, 0.0, 0.0]


def test_norm_rejects_bad_orders_and_integer_tensors():
    with pytest.raises(NotImplementedError, match="nuclear"):
        gn.ones(2, 2).norm("nuc")
    with pytest.raises(ValueError, match="'fro'.*got 'max'"):
        gn.ones(2, 2).norm("max")
    with pytest.raises(TypeError, match="ord must be a number.*'fro'"):
        gn.linalg.vector_norm(gn.ones(2), "fro")
    with pytest.raises(TypeError, match="floating point.*int64"):
        gn.linalg.vector_norm(gn.tensor([3, 4]))
    assert gn.linalg.vector_norm(gn.tensor([3, 4]), dtype=gn.float64).item() == 5.0


def test_new_reductions_by_finite_differences():
    check_grad_fd(lambda t: t.prod(1) + t.cumsum(0)[-1] + t.logsumexp(0) + t.norm(dim=0)
                  + t.norm(3, dim=0), [(3, 3)])


def test_std_of_a_constant_has_zero_gradient_not_nan():
    x = gn.tensor([3.0, 3.0, 3.0], requires_grad=True)
    x.std().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


def test_std_gradient_matches_torch():
    data = [[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]]
    x = gn.tensor(data, requires_grad=True)
    t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    x.std(dim=1).sum().backward()
    t.std(dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_sum_over_an_empty_dim_list_reduces_everything_as_torch():
    assert gn.ones(2, 3).sum(dim=[]).item() == torch.ones(2, 3).sum(dim=[]).item() == 6.0
