"""mm, bmm, outer, addmm, baddbmm, einsum, cdist and linalg's norms against torch: values,
first and second derivatives, and torch's errors."""
import numpy as np
import pytest
import torch

import glassnet as gn
from tests.helpers import check_grad_fd, check_op, check_second_order


# ---------------------------------------------------------------- mm, bmm, outer, addmm, baddbmm

def test_mm_and_bmm_like_torch():
    check_op(gn.mm, torch.mm, [(2, 3), (3, 4)])
    check_op(lambda a, b: a.mm(b), lambda a, b: a.mm(b), [(1, 1), (1, 5)])
    check_op(gn.bmm, torch.bmm, [(2, 3, 4), (2, 4, 5)])
    check_second_order(gn.mm, torch.mm, [(2, 3), (3, 4)])
    check_second_order(gn.bmm, torch.bmm, [(2, 3, 4), (2, 4, 5)])


def test_mm_by_hand():
    # [[1, 2]] @ [[3], [4]] = 1·3 + 2·4 = 11;  ∂/∂a = bᵀ = [[3, 4]], ∂/∂b = aᵀ = [[1], [2]]
    a = gn.tensor([[1.0, 2.0]], requires_grad=True)
    b = gn.tensor([[3.0], [4.0]], requires_grad=True)
    out = gn.mm(a, b)
    assert out.tolist() == [[11.0]]
    out.sum().backward()
    assert a.grad.tolist() == [[3.0, 4.0]] and b.grad.tolist() == [[1.0], [2.0]]


@pytest.mark.parametrize("fn, shapes, words", [
    (gn.mm, [(2, 3), (4, 5)], r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    (gn.mm, [(3,), (3, 4)], "self must be a matrix"),
    (gn.mm, [(2, 3), (3,)], "mat2 must be a matrix"),
    (gn.mm, [(2, 3, 4), (4, 2)], "self must be a matrix"),
    (gn.bmm, [(2, 3), (3, 4)], "batch1 must be a 3D tensor"),
    (gn.bmm, [(2, 3, 4), (3, 4)], "batch2 must be a 3D tensor"),
    (gn.bmm, [(2, 3, 4), (3, 4, 5)], r"Expected size for first two dimensions of batch2 tensor to be: \[2, 4\] but got: \[3, 4\]"),
    (gn.bmm, [(2, 3, 4), (2, 5, 5)], r"to be: \[2, 4\] but got: \[2, 5\]"),
])
def test_mm_bmm_shape_errors_like_torch(fn, shapes, words):
    a, b = (gn.ones(*s) for s in shapes)
    with pytest.raises(RuntimeError, match=words):
        fn(a, b)
    with pytest.raises(RuntimeError):                 # torch refuses the same shapes
        getattr(torch, fn.__name__)(*(torch.ones(*s) for s in shapes))


def test_mm_bmm_refuse_mixed_dtypes():
    with pytest.raises(RuntimeError, match="same dtype"):
        gn.mm(gn.ones(2, 3, dtype=gn.float32), gn.ones(3, 2, dtype=gn.float64))
    with pytest.raises(RuntimeError, match="scalar type"):
        gn.bmm(gn.ones(1, 2, 3, dtype=gn.float32), gn.ones(1, 3, 2, dtype=gn.float64))


def test_outer_like_torch():
    check_op(gn.outer, torch.outer, [(3,), (4,)])
    check_op(lambda a, b: a.outer(b), lambda a, b: a.ger(b), [(2,), (1,)])
    check_second_order(gn.outer, torch.outer, [(3,), (2,)])
    with pytest.raises(RuntimeError, match="Expected 1-D argument self, but got 2-D"):
        gn.outer(gn.ones(2, 2), gn.ones(2))
    with pytest.raises(RuntimeError, match="Expected 1-D argument vec2, but got 0-D"):
        gn.outer(gn.ones(2), gn.tensor(1.0))


@pytest.mark.parametrize("in_shape", [(2, 4), (4,), (2, 1), (1, 1), ()])
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, -2.0), (0, 3.0)])
def test_addmm_like_torch(in_shape, beta, alpha):
    check_op(lambda i, a, b: gn.addmm(i, a, b, beta=beta, alpha=alpha),
             lambda i, a, b: torch.addmm(i, a, b, beta=beta, alpha=alpha),
             [in_shape, (2, 3), (3, 4)])


def test_addmm_baddbmm_second_order_and_methods():
    check_second_order(lambda i, a, b: i.addmm(a, b, beta=0.5, alpha=2),
                       lambda i, a, b: i.addmm(a, b, beta=0.5, alpha=2), [(2, 4), (2, 3), (3, 4)])
    check_op(lambda i, a, b: i.baddbmm(a, b, beta=2, alpha=0.5),
             lambda i, a, b: i.baddbmm(a, b, beta=2, alpha=0.5), [(2, 3, 4), (2, 3, 5), (2, 5, 4)])
    check_second_order(gn.baddbmm, torch.baddbmm, [(3, 4), (2, 3, 5), (2, 5, 4)])


def test_addmm_with_beta_zero_ignores_nan_in_input():
    # torch: β = 0 means input is not read at all, so NaN in it does not reach the result
    nan = gn.tensor([[float("nan")]])
    assert gn.addmm(nan, gn.ones(1, 1), gn.ones(1, 1), beta=0).tolist() == [[1.0]]


def test_addmm_input_must_broadcast_to_the_product():
    with pytest.raises(RuntimeError, match=r"\(3, 1\)"):
        gn.addmm(gn.ones(3, 1), gn.ones(2, 3), gn.ones(3, 2))
    with pytest.raises(RuntimeError):
        torch.addmm(torch.ones(3, 1), torch.ones(2, 3), torch.ones(3, 2))
    with pytest.raises(RuntimeError, match="broadcast"):
        gn.baddbmm(gn.ones(5, 3, 3), gn.ones(2, 3, 4), gn.ones(2, 4, 3))


# ---------------------------------------------------------------- einsum

EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),                 # matrix product
    ("ij,jk", [(2, 3), (3, 4)]),                     # implicit output: ik
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),        # batched
    ("ii->", [(3, 3)]),                              # trace
    ("ii", [(3, 3)]),                                # implicit trace
    ("ii->i", [(3, 3)]),                             # diagonal
    ("iji->j", [(3, 2, 3)]),                         # diagonal over non-adjacent dimensions
    ("ij->", [(2, 3)]),                              # sum
    ("ij->j", [(2, 3)]),                             # sum over i
    ("ij->ji", [(2, 3)]),                            # transpose
    ("ba", [(2, 3)]),                                # implicit output is sorted: ab, a transpose
    ("i,j->ij", [(2,), (3,)]),                       # outer
    ("i,i->", [(4,), (4,)]),                         # dot
    ("i,i->i", [(4,), (4,)]),                        # elementwise
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,j->i", [(2, 3), (3,)]),                     # matrix-vector
    ("ij,kl->ijkl", [(2, 3), (1, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),      # a chain of three
    ("bi,bj,bk->ijk", [(2, 2), (2, 3), (2, 2)]),
    ("ijk,ikl->", [(2, 3, 2), (2, 2, 4)]),
    ("...ij->...ji", [(2, 3, 4)]),                   # ellipsis
    ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 4)]),
    ("...ij,...jk", [(5, 2, 3), (3, 4)]),            # ellipsis broadcasting against none
    ("i...,i...->...", [(3, 2), (3, 2)]),
    ("...,...->...", [(2, 3), (3,)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("i,i->i", [(1,), (3,)]),                        # a size-1 label broadcasts
    ("ij,ij->i", [(2, 1), (2, 3)]),
    ("i j , j k -> i k", [(2, 3), (3, 2)]),          # spaces are ignored
    ("Ab,bc->Ac", [(2, 3), (3, 2)]),                 # upper-case labels
    ("aB,Bc", [(2, 3), (3, 2)]),                     # implicit: B is summed; A–Z before a–z
    ("i->", [(0,)]),                                 # empty operand
    ("->", [()]),                                    # 0-d
    (",i->i", [(), (3,)]),
]


@pytest.mark.parametrize("eq, shapes", EQUATIONS)
def test_einsum_like_torch(eq, shapes):
    check_op(lambda *ts: gn.einsum(eq, *ts), lambda *ts: torch.einsum(eq, *ts), shapes)


@pytest.mark.parametrize("eq, shapes", [e for e in EQUATIONS if e[0] in (
    "ij,jk->ik", "ii->i", "iji->j", "ij->j", "i,i->", "ij,jk,kl->il", "...ij,...jk", "i,i->i",
    "ij,ij->i", "bi,bj,bk->ijk", "ii")])
def test_einsum_second_order_like_torch(eq, shapes):
    check_second_order(lambda *ts: gn.einsum(eq, *ts), lambda *ts: torch.einsum(eq, *ts), shapes)


def test_einsum_third_order_of_a_cubic():
    # f(x) = Σᵢⱼₖ xᵢxⱼxₖ Tᵢⱼₖ with T all ones = (Σx)³;  f''' = 6 in every direction: ∂³f/∂x₀³ = 6
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    t = gn.ones(2, 2, 2, dtype=gn.float64)
    f = gn.einsum("i,j,k,ijk->", x, x, x, t)
    assert f.item() == 27.0                                  # (1 + 2)³
    (g,) = gn.autograd.grad(f, x, create_graph=True)         # 3(Σx)² = 27 each
    assert g.tolist() == [27.0, 27.0]
    (h,) = gn.autograd.grad(g[0], x, create_graph=True)      # 6 Σx = 18 each
    assert h.tolist() == [18.0, 18.0]
    (k,) = gn.autograd.grad(h[0], x)
    assert k.tolist() == [6.0, 6.0]


def test_einsum_list_and_sublist_forms():
    a, b = gn.randn(2, 3, dtype=gn.float64), gn.randn(3, 4, dtype=gn.float64)
    ref = gn.einsum("ij,jk->ik", a, b).numpy()
    np.testing.assert_allclose(gn.einsum("ij,jk->ik", [a, b]).numpy(), ref)
    np.testing.assert_allclose(gn.einsum(a, [0, 1], b, [1, 2], [0, 2]).numpy(), ref)
    np.testing.assert_allclose(gn.einsum(a, [Ellipsis, 1], b, [1, 2]).numpy(), ref)


def test_einsum_exact_mode():
    a = gn.tensor([[1, 2], [3, 4]], dtype=gn.exact, requires_grad=True)
    out = gn.einsum("ij,jk->ik", a, a)
    assert [[str(v) for v in row] for row in out.tolist()] == [["7", "10"], ["15", "22"]]
    gn.einsum("ii->", out).backward()                        # d tr(A²)/dA = 2Aᵀ
    assert [[str(v) for v in row] for row in a.grad.tolist()] == [["2", "6"], ["4", "8"]]


@pytest.mark.parametrize("eq, shapes, words", [
    ("ij,jk", [(2, 3), (4, 5)], "subscript j has size 4 for operand 1 which does not broadcast "
                                "with previously seen size 3"),
    ("ij,jk->ik", [(2, 3)], "fewer operands were provided than specified in the equation"),
    ("ij", [(2, 3), (2,)], "more operands were provided than specified in the equation"),
    ("ij->ijk", [(2, 3)], "output subscript k does not appear in the equation for any input operand"),
    ("ijk->i", [(2, 3)], r"the number of subscripts in the equation \(3\) does not match the number "
                         r"of dimensions \(2\) for operand 0 and no ellipsis was given"),
    ("ij->jj", [(2, 3)], "output subscript j appears more than once in the output"),
    ("i1->i", [(2, 3)], "invalid subscript given at index 1 in the equation string, subscripts "
                        r"must be in \[a-zA-Z\]"),
    ("ii", [(2, 3)], "subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"),
    ("ijk...->i", [(2, 3)], r"number of subscripts in the equation \(3\) is more than the number "
                            r"of dimensions \(2\) for operand 0"),
])
def test_einsum_errors_like_torch(eq, shapes, words):
    with pytest.raises(RuntimeError, match=words):
        gn.einsum(eq, *(gn.ones(*s) for s in shapes))
    with pytest.raises(RuntimeError, match=words):
        torch.einsum(eq, *(torch.ones(*s) for s in shapes))


def test_einsum_refuses_mixed_dtypes_and_non_tensors():
    with pytest.raises(RuntimeError, match="dtype"):
        gn.einsum("ij,jk->ik", gn.ones(2, 2, dtype=gn.float32), gn.ones(2, 2, dtype=gn.float64))
    with pytest.raises(TypeError, match="expected Tensor as element 0"):
        gn.einsum("ij->", 1)


# ---------------------------------------------------------------- cdist

@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf"), 0.0])
def test_cdist_like_torch(p):
    check_op(lambda a, b: gn.cdist(a, b, p=p), lambda a, b: torch.cdist(a, b, p=p),
             [(4, 3), (5, 3)], rtol=1e-10, atol=1e-12)


def test_cdist_batched_and_broadcast_like_torch():
    check_op(gn.cdist, torch.cdist, [(2, 4, 3), (2, 5, 3)], rtol=1e-10)
    check_op(gn.cdist, torch.cdist, [(2, 1, 3, 4), (3, 5, 4)], rtol=1e-10)


def test_cdist_matrix_product_route_like_torch():
    # more than 25 points (or compute_mode='use_mm_for_euclid_dist'): √(‖a‖² + ‖b‖² − 2a·b), as torch
    check_op(gn.cdist, torch.cdist, [(30, 3), (20, 3)], rtol=1e-8, atol=1e-10)
    check_op(gn.cdist, torch.cdist, [(2, 1, 30, 3), (3, 20, 3)], rtol=1e-8, atol=1e-10)
    mode = "use_mm_for_euclid_dist"
    check_op(lambda a, b: gn.cdist(a, b, compute_mode=mode), lambda a, b: torch.cdist(a, b, compute_mode=mode),
             [(3, 3), (2, 3)], rtol=1e-8, atol=1e-10)
    check_second_order(gn.cdist, lambda x, y: (x[..., :, None, :] - y[..., None, :, :]).norm(dim=-1),
                       [(2, 30, 3), (20, 3)], rtol=1e-7, atol=1e-9)
    mode = "donot_use_mm_for_euclid_dist"
    check_op(lambda a, b: gn.cdist(a, b, compute_mode=mode), lambda a, b: torch.cdist(a, b, compute_mode=mode),
             [(30, 3), (26, 3)])


def test_cdist_gradient_is_zero_at_zero_distance():
    # the same point in both sets: the distance 0 is a kink, and torch's gradient there is 0
    pts = np.array([[0.0, 1.0], [2.0, -1.0]])
    x1, x2 = gn.tensor(pts, requires_grad=True), gn.tensor(pts, requires_grad=True)
    t1, t2 = torch.tensor(pts, requires_grad=True), torch.tensor(pts, requires_grad=True)
    gn.cdist(x1, x2).sum().backward()
    torch.cdist(t1, t2).sum().backward()
    np.testing.assert_allclose(x1.grad.numpy(), t1.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(x2.grad.numpy(), t2.grad.numpy(), atol=1e-12)


def test_cdist_by_hand_and_second_order():
    # ‖(0, 0) − (3, 4)‖₂ = 5;  ‖·‖₁ = 7
    a, b = gn.tensor([[0.0, 0.0]]), gn.tensor([[3.0, 4.0]])
    assert gn.cdist(a, b).item() == 5.0 and gn.cdist(a, b, p=1).item() == 7.0
    check_grad_fd(lambda x, y: gn.cdist(x, y), [(3, 2), (2, 2)])
    # the Hessian of the distance: composed ops, so it is differentiable again
    # (torch's cdist has no second derivative: compare with the same distance composed in torch)
    check_second_order(gn.cdist, lambda x, y: (x[:, None] - y[None]).norm(dim=-1), [(3, 2), (2, 2)])
    check_second_order(lambda x, y: gn.cdist(x, y, p=3), lambda x, y: (x[:, None] - y[None]).norm(p=3, dim=-1),
                       [(3, 2), (2, 2)])


@pytest.mark.parametrize("a, b, p, words", [
    ((3,), (2, 3), 2.0, "cdist only supports at least 2D tensors, X1 got: 1D"),
    ((2, 3), (2, 5), 2.0, "X1 and X2 must have the same number of columns. X1: 3 X2: 5"),
    ((2, 3), (2, 3), -1.0, "cdist only supports non-negative p values"),
    ((2, 3, 4), (3, 5, 4), 2.0, "cannot be broadcast"),
])
def test_cdist_errors_like_torch(a, b, p, words):
    with pytest.raises(RuntimeError, match=words):
        gn.cdist(gn.ones(*a), gn.ones(*b), p=p)
    with pytest.raises(RuntimeError):
        torch.cdist(torch.ones(*a), torch.ones(*b), p=p)
    with pytest.raises(RuntimeError, match="floating-point"):
        gn.cdist(gn.tensor([[1, 2]]), gn.tensor([[1, 2]]))


# ---------------------------------------------------------------- linalg norms

@pytest.mark.parametrize("ord", ["fro", 1, -1, float("inf"), float("-inf")])
def test_matrix_norm_like_torch(ord):
    x = np.array([[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]])       # distinct column and row sums
    check_op(lambda t: gn.linalg.matrix_norm(t, ord), lambda t: torch.linalg.matrix_norm(t, ord), [x])
    check_op(lambda t: gn.linalg.norm(t, ord), lambda t: torch.linalg.norm(t, ord), [x])
    check_op(lambda t: gn.linalg.matrix_norm(t, ord, dim=(0, 2), keepdim=True),
             lambda t: torch.linalg.matrix_norm(t, ord, dim=(0, 2), keepdim=True), [(2, 3, 4)])


def test_matrix_norm_ties_share_the_gradient_like_torch():
    x = np.array([[1.0, 2.0], [2.0, 1.0]])                   # both columns sum to 3
    check_op(lambda t: gn.linalg.matrix_norm(t, 1), lambda t: torch.linalg.matrix_norm(t, 1), [x])


@pytest.mark.parametrize("ord, dim, keepdim", [
    (None, None, False), (None, 1, True), (3, 0, False), (float("inf"), -1, False),
    (None, (0, 1), False), ("fro", (1, 0), True), (1, None, False), (0.5, None, False),
])
def test_linalg_norm_like_torch(ord, dim, keepdim):
    shape = (3,) if ord in (1, 0.5) and dim is None else (2, 3)
    check_op(lambda t: gn.linalg.norm(t, ord, dim, keepdim), lambda t: torch.linalg.norm(t, ord, dim, keepdim),
             [shape], rtol=1e-10)
    check_op(lambda t: gn.linalg.vector_norm(t, 2, dim=(0, 1)), lambda t: torch.linalg.vector_norm(t, 2, dim=(0, 1)),
             [(2, 3)])


def test_linalg_norm_over_everything_and_second_order():
    check_op(gn.linalg.norm, torch.linalg.norm, [(2, 3, 4)])
    check_second_order(gn.linalg.norm, torch.linalg.norm, [(2, 3)])


def test_linalg_norm_errors_like_torch():
    with pytest.raises(RuntimeError, match="If dim is not specified but ord is, the input must be 1D or 2D. Got 3D"):
        gn.linalg.norm(gn.ones(2, 3, 4), 1)
    with pytest.raises(RuntimeError, match="dim must be a 2-tuple. Got 0"):
        gn.linalg.norm(gn.ones(2, 3), "fro", dim=0)
    with pytest.raises(RuntimeError, match="must have at least 2 dimensions"):
        gn.linalg.matrix_norm(gn.ones(3))
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        gn.linalg.matrix_norm(gn.ones(2, 2), 3)
    with pytest.raises(NotImplementedError, match="singular values"):
        gn.linalg.matrix_norm(gn.ones(2, 2), "nuc")
    with pytest.raises(TypeError, match="ord"):
        gn.linalg.vector_norm(gn.ones(2, 2), "fro")
