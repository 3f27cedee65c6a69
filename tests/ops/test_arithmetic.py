"""+ − × ÷ ** @ against torch, with broadcasting undone in the backward."""
import operator
import warnings

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.errors import ShapeError
from tests.helpers import check_grad_fd, check_op

BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}

# (shape of a, shape of b): equal, scalar-like 0-d, (N, 1) with (N,), rank growth on both sides
BROADCAST_SHAPES = [
    ((3, 4), (3, 4)), ((3, 4), ()), ((), (3, 4)), ((), ()), ((4, 1), (4,)), ((4,), (4, 1)),
    ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((2, 1, 4), (3, 1)), ((1,), (2, 3)),
]


def _away_from_zero(shape, seed=1):
    """Values with |x| ≥ 0.5, so division and its gradient stay well conditioned."""
    x = np.random.default_rng(seed).uniform(0.5, 2.0, shape)
    return x * np.where(np.random.default_rng(seed + 1).random(shape) < 0.5, -1, 1)


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("sa, sb", BROADCAST_SHAPES)
def test_binary_ops_broadcast_like_torch(name, sa, sb):
    op = BINARY[name]
    check_op(op, op, [np.random.default_rng(0).standard_normal(sa), _away_from_zero(sb)])


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_ops_with_one_input_not_requiring_grad(name):
    op = BINARY[name]
    check_op(op, op, [(3, 2), _away_from_zero((2,))], requires_grad=[False, True])
    check_op(op, op, [(3, 2), _away_from_zero((2,))], requires_grad=[True, False])


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("scalar", [2.5, -3])
def test_python_scalars_on_both_sides(name, scalar):
    op = BINARY[name]
    x = _away_from_zero((2, 3))
    check_op(lambda t: op(t, scalar), lambda t: op(t, scalar), [x])
    check_op(lambda t: op(scalar, t), lambda t: op(scalar, t), [x])


@pytest.mark.parametrize("name", list(BINARY))
def test_ndarray_operands_on_both_sides(name):
    op = BINARY[name]
    const = _away_from_zero((3, 1), seed=5)
    x = _away_from_zero((3, 4))
    out = check_op(lambda t: op(t, const), lambda t: op(t, torch.tensor(const)), [x])
    assert isinstance(out, gn.Tensor)
    out = check_op(lambda t: op(const, t), lambda t: op(torch.tensor(const), t), [x])
    assert isinstance(out, gn.Tensor)


def test_numpy_scalar_operands():
    x = _away_from_zero((3,))
    for s in (np.float64(1.5), np.int64(2), np.float32(0.5)):
        for op in BINARY.values():
            check_op(lambda t: op(t, s), lambda t: op(t, torch.tensor(float(s), dtype=torch.float64)), [x])
            check_op(lambda t: op(s, t), lambda t: op(torch.tensor(float(s), dtype=torch.float64), t), [x])


def test_division_and_subtraction_by_hand():
    # a = 6, b = 3: a/b = 2, ∂/∂a = 1/b = 1/3, ∂/∂b = −a/b² = −2/3; 1 − b: ∂/∂b = −1
    a = gn.tensor(6.0, requires_grad=True)
    b = gn.tensor(3.0, requires_grad=True)
    (a / b + (1 - b)).backward()
    assert a.grad.item() == pytest.approx(1 / 3, abs=1e-16)
    assert b.grad.item() == pytest.approx(-2 / 3 - 1, abs=1e-16)


def test_neg_and_pos():
    check_op(lambda t: -t, lambda t: -t, [(2, 3)])
    x = gn.tensor([1.0])
    assert (+x) is x


@pytest.mark.parametrize("exponent", [2, 3.0, 0.5, -1.5, 0])
def test_pow_scalar_exponent(exponent):
    x = np.random.default_rng(0).uniform(0.5, 2.0, (3, 4))
    check_op(lambda t: t ** exponent, lambda t: t ** exponent, [x])


def test_pow_zero_exponent_has_zero_gradient_even_at_zero():
    x = gn.tensor([0.0, 2.0], requires_grad=True)
    (x ** 0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("sa, sb", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), ()), ((), (2, 2))])
def test_pow_tensor_exponent(sa, sb):
    base = np.random.default_rng(0).uniform(0.5, 2.0, sa)
    check_op(lambda a, b: a ** b, lambda a, b: a ** b, [base, np.random.default_rng(1).standard_normal(sb)])


def test_pow_scalar_base():
    check_op(lambda t: 2.0 ** t, lambda t: 2.0 ** t, [(3, 2)])
    check_op(lambda t: 0.5 ** t, lambda t: 0.5 ** t, [(4,)])


def test_pow_tensor_exponent_by_hand():
    # a^b at a = 2, b = 3: 8; ∂/∂a = b·a^(b−1) = 12; ∂/∂b = a^b·ln a = 8 ln 2
    a = gn.tensor(2.0, requires_grad=True)
    b = gn.tensor(3.0, requires_grad=True)
    (a ** b).backward()
    assert a.grad.item() == 12.0
    assert b.grad.item() == pytest.approx(8 * np.log(2), rel=1e-15)


def test_pow_gradients_by_finite_differences():
    base = np.random.default_rng(3).uniform(0.5, 2.0, (2, 3))
    check_grad_fd(lambda a, b: a ** b, [base, (3,)])


@pytest.mark.parametrize("sa, sb", [
    ((4,), (4,)),               # dot product → 0-d
    ((4,), (4, 3)),             # vector · matrix
    ((2, 4), (4,)),             # matrix · vector
    ((2, 4), (4, 3)),
    ((5, 2, 4), (4, 3)),        # batched · matrix
    ((2, 4), (5, 4, 3)),        # matrix · batched
    ((5, 2, 4), (5, 4, 3)),
    ((5, 1, 2, 4), (3, 4, 2)),  # batch dimensions broadcast
    ((4,), (5, 4, 3)),          # vector · batched
    ((5, 2, 4), (4,)),          # batched · vector
])
def test_matmul_like_torch(sa, sb):
    check_op(lambda a, b: a @ b, lambda a, b: a @ b, [sa, sb])


def test_matmul_by_hand_and_with_ndarray():
    # [[1, 2]] @ [[3], [4]] = [[11]];  ∂/∂A = g Bᵀ = [[3, 4]],  ∂/∂B = Aᵀ g = [[1], [2]]
    a = gn.tensor([[1.0, 2.0]], requires_grad=True)
    b = gn.tensor([[3.0], [4.0]], requires_grad=True)
    out = a @ b
    out.sum().backward()
    assert out.tolist() == [[11.0]] and a.grad.tolist() == [[3.0, 4.0]] and b.grad.tolist() == [[1.0], [2.0]]
    m = np.array([[1.0, 0.0], [0.0, 2.0]])
    assert (m @ gn.tensor([1.0, 1.0])).tolist() == [1.0, 2.0]
    assert gn.matmul(gn.tensor([1.0, 1.0]), m).tolist() == [1.0, 2.0]


@pytest.mark.parametrize("sa, sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)), ((4, 2, 3), (4, 2))])
def test_matmul_shape_mismatch_names_both_shapes(sa, sb):
    with pytest.raises(ShapeError) as info:
        gn.ones(sa) @ gn.ones(sb)
    assert str(sa) in str(info.value) and str(sb) in str(info.value)


def test_matmul_batch_mismatch_and_0d():
    with pytest.raises(ShapeError, match=r"\(2, 3, 4\).*\(5, 4, 2\)|batch"):
        gn.ones(2, 3, 4) @ gn.ones(5, 4, 2)
    with pytest.raises(ShapeError, match="at least one dimension"):
        gn.ones(3) @ gn.tensor(2.0)


@pytest.mark.parametrize("name", list(BINARY))
def test_broadcast_mismatch_raises_shape_error_naming_both_shapes(name):
    with pytest.raises(ShapeError, match=r"\(3, 4\) and \(3,\)"):
        BINARY[name](gn.ones(3, 4), gn.ones(3))
    with pytest.raises(ValueError):                # ShapeError is also a ValueError
        BINARY[name](gn.ones(2), np.ones(3))


def test_division_by_zero_gives_inf_like_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # NumPy warns where torch is silent
        out = gn.tensor([1.0, -1.0]) / gn.tensor([0.0, 0.0])
    assert out.tolist() == [float("inf"), float("-inf")]


@pytest.mark.parametrize("base, exponent", [
    ([0.0, 0.0, 3.0, -2.0], [-1.0, 1.0, 0.0, 3.0]),   # 0^−1 = inf, 0^0, a^0, a negative base
    ([0.0, 2.0, 0.0], [0.0, 0.5, 2.0]),
])
def test_pow_gradients_at_zero_and_negative_bases_follow_torch(base, exponent):
    # torch: ∂/∂a is 0 where b = 0; ∂/∂b is 0 where a = 0 and b ≥ 0, NaN for a < 0.
    a, b = gn.tensor(base, requires_grad=True), gn.tensor(exponent, requires_grad=True)
    ta = torch.tensor(base, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(exponent, dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # no NumPy warnings leak out either
        (a ** b).backward(gn.ones(len(base)))
    (ta ** tb).backward(torch.ones(len(base), dtype=torch.float64))
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-12)


def test_scalar_base_pow_gradient_is_zero_at_a_zero_base():
    b = gn.tensor([0.0, 1.0, 2.0], requires_grad=True)
    (0.0 ** b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 0.0, 0.0])


def test_matmul_refuses_mixed_dtypes_like_torch():
    with pytest.raises(TypeError, match="float32 and float64"):
        gn.ones(2, 3, dtype=gn.float32) @ gn.ones(3, 2)
