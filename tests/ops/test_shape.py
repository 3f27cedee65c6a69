"""Indexing, reshaping, joining and casting: the values move, and the gradient moves back."""
import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.errors import ShapeError
from tests.helpers import check_grad_fd, check_op

INDICES = [
    ("int", lambda: 1),
    ("negative", lambda: -1),
    ("tuple", lambda: (1, -2)),
    ("slice", lambda: slice(1, None)),
    ("slice_step", lambda: (slice(None, None, 2), slice(1, None, 3))),
    ("ellipsis", lambda: (Ellipsis, 1)),
    ("none", lambda: (None, 0)),
    ("bool_mask", lambda: np.array([[True, False, True, False, True]] * 2 + [[False] * 5] + [[True] * 5])),
    ("bool_rows", lambda: [True, False, True, True]),
    ("int_array", lambda: [0, 2]),
    ("int_array_repeated", lambda: [3, 0, 3, 3]),
    ("int_array_2d", lambda: ([0, 0, 2], [4, 4, 1])),
    ("int_array_with_slice", lambda: (slice(None), [1, 1, 0])),
    ("nested_list", lambda: [[0, 1], [1, 1]]),
]


def _torch_index(index):
    if isinstance(index, np.ndarray):
        return torch.tensor(index)
    if isinstance(index, list):
        return torch.tensor(index)
    if isinstance(index, tuple):
        return tuple(torch.tensor(p) if isinstance(p, list) else p for p in index)
    return index


@pytest.mark.parametrize("name, make", INDICES, ids=[i[0] for i in INDICES])
def test_indexing_like_torch(name, make):
    index = make()
    check_op(lambda t: t[index], lambda t: t[_torch_index(index)], [(4, 5)])


@pytest.mark.parametrize("name, make", INDICES[7:], ids=[i[0] for i in INDICES[7:]])
def test_indexing_with_a_tensor_index(name, make):
    index = make()
    if isinstance(index, tuple):
        gn_index = tuple(gn.tensor(p) if isinstance(p, list) else p for p in index)
    else:
        gn_index = gn.tensor(index)
    check_op(lambda t: t[gn_index], lambda t: t[_torch_index(index)], [(4, 5)])


def test_repeated_indices_accumulate_by_hand():
    # x[[0, 0, 2]] picks x₀ twice: ∂Σ/∂x = [2, 0, 1]
    x = gn.tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = x[[0, 0, 2]]
    assert y.tolist() == [10.0, 10.0, 30.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 1.0]


def test_negative_step_slices_like_numpy():
    # torch has no negative steps; glassnet follows NumPy: x[::-2] of [0, 1, 2, 3, 4] = [4, 2, 0]
    x = gn.tensor([0.0, 1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x[::-2]
    assert y.tolist() == [4.0, 2.0, 0.0]
    (y * gn.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 2.0, 0.0, 1.0]


def test_index_out_of_range_raises_index_error():
    with pytest.raises(IndexError, match=r"shape \(2, 3\)"):
        gn.ones(2, 3)[5]


@pytest.mark.parametrize("shape_in, shape_out", [((2, 6), (3, 4)), ((2, 6), (-1,)), ((2, 3, 2), (6, -1)),
                                                 ((1,), ()), ((), (1, 1))])
def test_reshape_and_view_like_torch(shape_in, shape_out):
    check_op(lambda t: t.reshape(shape_out), lambda t: t.reshape(shape_out), [shape_in])
    check_op(lambda t: t.view(shape_out), lambda t: t.view(shape_out), [shape_in])


def test_reshape_mismatch_raises_shape_error():
    with pytest.raises(ShapeError, match=r"\(4, 4\).*\(2, 6\)"):
        gn.ones(2, 6).reshape(4, 4)


@pytest.mark.parametrize("start, end", [(0, -1), (1, -1), (1, 2), (0, 0)])
def test_flatten_like_torch(start, end):
    check_op(lambda t: t.flatten(start, end), lambda t: t.flatten(start, end), [(2, 3, 4)])


@pytest.mark.parametrize("dims", [(2, 0, 1), (1, 2, 0), (0, 1, 2), (-1, 0, 1)])
def test_permute_like_torch(dims):
    check_op(lambda t: t.permute(*dims), lambda t: t.permute(*dims), [(2, 3, 4)])
    check_op(lambda t: gn.permute(t, dims), lambda t: torch.permute(t, dims), [(2, 3, 4)])


@pytest.mark.parametrize("d0, d1", [(0, 1), (0, 2), (-1, 1), (2, 2)])
def test_transpose_like_torch(d0, d1):
    check_op(lambda t: t.transpose(d0, d1), lambda t: t.transpose(d0, d1), [(2, 3, 4)])


def test_matrix_transposes():
    check_op(lambda t: t.t(), lambda t: t.t(), [(2, 3)])
    check_op(lambda t: t.T, lambda t: t.T, [(2, 3)])
    check_op(lambda t: t.mT, lambda t: t.mT, [(4, 2, 3)])
    check_op(lambda t: t.t(), lambda t: t.t(), [(3,)])
    with pytest.raises(ShapeError, match="permute"):
        gn.ones(2, 3).permute(1, 0, 2)


@pytest.mark.parametrize("dim", [None, 0, 2, -1, 1])
def test_squeeze_like_torch(dim):
    kw = {} if dim is None else {"dim": dim}
    check_op(lambda t: t.squeeze(**kw), lambda t: t.squeeze(**kw), [(1, 3, 1)])


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_unsqueeze_like_torch(dim):
    check_op(lambda t: t.unsqueeze(dim), lambda t: t.unsqueeze(dim), [(2, 3)])
    check_op(lambda t: gn.unsqueeze(t, dim), lambda t: torch.unsqueeze(t, dim), [(2, 3)])


@pytest.mark.parametrize("shape_in, sizes", [((3, 1), (3, 4)), ((3, 1), (2, 3, 4)), ((1,), (5,)),
                                             ((3, 1), (-1, 4)), ((), (2, 2))])
def test_expand_like_torch(shape_in, sizes):
    check_op(lambda t: t.expand(*sizes), lambda t: t.expand(*sizes), [shape_in])


def test_expand_as_and_mismatch():
    check_op(lambda a, b: a.expand_as(b), lambda a, b: a.expand_as(b), [(1, 3), (2, 3)], requires_grad=[True, False])
    with pytest.raises(ShapeError, match=r"\(2,\).*\(3,\)"):
        gn.ones(2).expand(3)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_like_torch(dim):
    shapes = [(2, 3, 4), (2, 3, 4), (2, 3, 4)]
    shapes = [tuple(n + i if d == dim % 3 else n for d, n in enumerate(s)) for i, s in enumerate(shapes)]
    check_op(lambda *ts: gn.cat(ts, dim), lambda *ts: torch.cat(ts, dim), shapes)
    check_op(lambda *ts: gn.cat(list(ts), dim=dim), lambda *ts: torch.cat(ts, dim=dim), shapes,
             requires_grad=[True, False, True])


def test_cat_and_stack_errors():
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(2, 4\)"):
        gn.cat([gn.ones(2, 3), gn.ones(2, 4)], 0)
    with pytest.raises(ShapeError, match="same shape"):
        gn.stack([gn.ones(2), gn.ones(3)])
    with pytest.raises(ValueError, match="non-empty"):
        gn.cat([])


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack_like_torch(dim):
    check_op(lambda *ts: gn.stack(ts, dim), lambda *ts: torch.stack(ts, dim), [(2, 3)] * 3)


def test_clone_and_contiguous():
    check_op(lambda t: t.clone() * 2, lambda t: t.clone() * 2, [(2, 2)])
    x = gn.tensor([1.0, 2.0])
    c = x.clone()
    c[0] = 9.0
    assert x.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("to", ["float", "double"])
def test_float_casts_carry_gradient_back_in_the_input_dtype(to):
    x = gn.tensor([1.5, -2.0], dtype=gn.float32 if to == "double" else gn.float64, requires_grad=True)
    y = getattr(x, to)()
    assert y.dtype == (gn.float64 if to == "double" else gn.float32)
    (y * y).sum().backward()
    assert x.grad.dtype == x.dtype
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -4.0])


def test_other_casts():
    x = gn.tensor([1.7, -2.2], requires_grad=True)
    assert x.long().tolist() == [1, -2] and not x.long().requires_grad
    assert x.int().dtype == gn.int32 and x.bool().tolist() == [True, True]
    assert x.to(gn.float32).dtype == gn.float32 and x.to("float32").dtype == gn.float32
    assert x.to("cpu") is x and x.to(x) is x and x.double() is x
    assert x.to(gn.tensor([1])).dtype == gn.int64
    assert x.type(gn.float32).dtype == gn.float32
    with pytest.raises(ValueError, match="CPU"):
        x.to("cuda")


def test_shape_ops_compose_by_finite_differences():
    check_grad_fd(lambda a, b: gn.cat([a.t(), b.unsqueeze(0)], 0)[[0, 2, 2], 1:].reshape(-1)
                  * gn.stack([a[0], a[1]], 1).flatten()[:3], [(2, 3), (2,)])


def test_casting_to_exact_reads_each_float_as_its_decimal():
    sp = pytest.importorskip("sympy")
    x = gn.tensor([0.1, -2.25], requires_grad=True)
    e = x.to(gn.exact)
    assert e.tolist() == [sp.Rational(1, 10), sp.Rational(-9, 4)]
    assert gn.tensor([0.1], dtype=gn.float32).to(gn.exact).item() == sp.Rational(1, 10)  # not 0.1000000015
    (e * 3).sum().backward()                         # the gradient comes back as float64
    assert x.grad.dtype == gn.float64 and x.grad.tolist() == [3.0, 3.0]


def test_basic_indexing_returns_a_view_so_in_place_updates_reach_the_tensor():
    w = gn.ones(2, 3)
    with gn.no_grad():
        w[0].fill_(0.0)          # a row
        w[:, 1].zero_()          # a column
        w[1, 2].fill_(5.0)       # one element (a 0-d view)
    np.testing.assert_array_equal(w.numpy(), [[0, 0, 0], [1, 0, 5]])


def test_squeeze_takes_a_tuple_of_dims():
    assert gn.ones(1, 3, 1).squeeze((0, 2)).shape == torch.ones(1, 3, 1).squeeze((0, 2)).shape == (3,)
