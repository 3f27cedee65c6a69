"""sort, argsort, topk, kthvalue, median, amax / amin, any / all, unique, bincount, histc,
cumprod, isclose / allclose, meshgrid — and var / std / min / max of ops/reduction.py — against
torch: values, indices, first and second derivatives, torch's errors."""
import numpy as np
import pytest
import torch

import glassnet as gn
from tests.helpers import check_grad_fd, check_op, check_second_order

NAN = float("nan")


def _values(r):
    return r.values if hasattr(r, "values") else r


def _pair_like_torch(gn_out, th_out):
    """A (values, indices) result equal to torch's, field by field."""
    np.testing.assert_array_equal(gn_out.values.detach().numpy(), th_out.values.detach().numpy())
    np.testing.assert_array_equal(gn_out.indices.numpy(), th_out.indices.numpy())
    assert gn_out.indices.dtype == gn.int64


# ---------------------------------------------------------------- sort, argsort

@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_like_torch(dim, descending):
    out = check_op(lambda t: gn.sort(t, dim, descending).values,
                   lambda t: torch.sort(t, dim, descending).values, [(3, 4, 2)])
    x = np.random.default_rng(1).standard_normal((3, 4, 2))
    _pair_like_torch(gn.tensor(x).sort(dim=dim, descending=descending),
                     torch.tensor(x).sort(dim=dim, descending=descending))
    np.testing.assert_array_equal(gn.argsort(gn.tensor(x), dim, descending).numpy(),
                                  torch.argsort(torch.tensor(x), dim, descending).numpy())
    assert out.shape == (3, 4, 2)


def test_sort_ties_and_nan_like_torch_stable():
    # equal values keep their order (stable); NaN is the largest: last ascending, first descending
    x = [3.0, 1.0, 2.0, 1.0, NAN, 3.0]
    for descending in (False, True):
        g = gn.sort(gn.tensor(x), descending=descending, stable=True)
        t = torch.sort(torch.tensor(x), descending=descending, stable=True)
        np.testing.assert_array_equal(g.values.numpy(), t.values.numpy())
        assert g.indices.tolist() == t.indices.tolist()
    assert gn.sort(gn.tensor(x)).indices.tolist() == [1, 3, 2, 0, 5, 4]


def test_sort_by_hand_and_its_gradient():
    # sort([3, 1, 2]) = [1, 2, 3] from positions [1, 2, 0]: gradient [g₀, g₁, g₂] goes back to [g₂, g₀, g₁]
    x = gn.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, indices = gn.sort(x)
    assert values.tolist() == [1.0, 2.0, 3.0] and indices.tolist() == [1, 2, 0]
    (values * gn.tensor([10.0, 20.0, 30.0])).sum().backward()
    assert x.grad.tolist() == [30.0, 10.0, 20.0]


def test_sort_second_order_and_other_dtypes():
    check_second_order(lambda t: gn.sort(t, 0).values ** 2, lambda t: torch.sort(t, 0).values ** 2, [(4, 3)])
    _pair_like_torch(gn.sort(gn.tensor([True, False, True])), torch.sort(torch.tensor([True, False, True])))
    _pair_like_torch(gn.sort(gn.tensor([5, -1, 3]), descending=True),
                     torch.sort(torch.tensor([5, -1, 3]), descending=True))
    _pair_like_torch(gn.sort(gn.tensor(2.0)), torch.sort(torch.tensor(2.0)))
    with pytest.raises(IndexError, match="out of range"):
        gn.sort(gn.ones(3), dim=1)


# ---------------------------------------------------------------- topk, kthvalue, median

@pytest.mark.parametrize("k, dim, largest", [(2, -1, True), (1, 0, False), (3, 1, True), (0, 1, True),
                                             (4, 1, False)])
def test_topk_like_torch(k, dim, largest):
    check_op(lambda t: gn.topk(t, k, dim, largest).values, lambda t: torch.topk(t, k, dim, largest).values,
             [(3, 4)])
    x = np.random.default_rng(2).standard_normal((3, 4))
    _pair_like_torch(gn.tensor(x).topk(k, dim=dim, largest=largest),
                     torch.tensor(x).topk(k, dim=dim, largest=largest))


def test_topk_errors_and_second_order():
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        gn.topk(gn.ones(6), 7)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        torch.topk(torch.ones(6), 7)
    check_second_order(lambda t: gn.topk(t, 2).values.exp(), lambda t: torch.topk(t, 2).values.exp(), [(3, 4)])
    _pair_like_torch(gn.topk(gn.tensor(3.0), 1), torch.topk(torch.tensor(3.0), 1))


@pytest.mark.parametrize("k, dim, keepdim", [(1, -1, False), (2, 0, True), (4, 1, False)])
def test_kthvalue_like_torch(k, dim, keepdim):
    check_op(lambda t: gn.kthvalue(t, k, dim, keepdim).values,
             lambda t: torch.kthvalue(t, k, dim, keepdim).values, [(3, 4)])
    x = np.random.default_rng(3).standard_normal((3, 4))
    _pair_like_torch(gn.tensor(x).kthvalue(k, dim, keepdim), torch.tensor(x).kthvalue(k, dim, keepdim))


def test_kthvalue_errors_like_torch():
    for k in (0, 4):
        with pytest.raises(RuntimeError, match="kthvalue\\(\\): selected number k out of range for dimension 0"):
            gn.kthvalue(gn.tensor([3.0, 1.0, 2.0]), k)
    # kthvalue([3, 1, 2], 2) = 2, at index 2
    assert tuple(v.item() for v in gn.kthvalue(gn.tensor([3.0, 1.0, 2.0]), 2)) == (2.0, 2)


@pytest.mark.parametrize("shape", [(5,), (4,), (2, 3)])
def test_median_over_everything_like_torch(shape):
    check_op(gn.median, torch.median, [shape])
    check_op(lambda t: t.nanmedian(), lambda t: t.nanmedian(), [shape])


def test_median_is_the_lower_median_and_shares_gradient_between_ties():
    # [1, 2, 2, 3]: the lower median is the 2nd smallest, 2; torch splits its gradient between both 2s
    for op in ("median", "nanmedian"):
        check_op(lambda t: getattr(t, op)(), lambda t: getattr(t, op)(), [np.array([1.0, 2.0, 2.0, 3.0])])
    assert gn.median(gn.tensor([4.0, 1.0, 3.0, 2.0])).item() == 2.0
    assert gn.median(gn.tensor([1, 5, 2, 2])).item() == 2


def test_median_with_nan_like_torch():
    x = np.array([3.0, 1.0, NAN, 4.0])
    check_op(gn.median, torch.median, [x])                   # NaN, its gradient on the NaN
    check_op(gn.nanmedian, torch.nanmedian, [x])             # NaN left out: median of [1, 3, 4] = 3
    _pair_like_torch(gn.median(gn.tensor(x), 0), torch.median(torch.tensor(x), 0))
    rows = np.array([[NAN, NAN, 1.0], [1.0, 2.0, NAN], [5.0, 1.0, 3.0]])
    _pair_like_torch(gn.median(gn.tensor(rows), 1), torch.median(torch.tensor(rows), 1))
    np.testing.assert_array_equal(gn.nanmedian(gn.tensor(rows), 1).values.numpy(),
                                  torch.nanmedian(torch.tensor(rows), 1).values.numpy())


@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, True), (-1, False)])
def test_median_with_dim_like_torch(dim, keepdim):
    check_op(lambda t: gn.median(t, dim, keepdim).values, lambda t: torch.median(t, dim, keepdim).values,
             [(3, 5)])
    x = np.random.default_rng(4).standard_normal((4, 5))
    _pair_like_torch(gn.tensor(x).median(dim, keepdim), torch.tensor(x).median(dim, keepdim))
    check_second_order(lambda t: gn.median(t, dim).values ** 3, lambda t: torch.median(t, dim).values ** 3,
                       [(3, 4)])


# ---------------------------------------------------------------- amax / amin

@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim", [(), 0, -1, (0, 2), [1, 2]])
@pytest.mark.parametrize("keepdim", [False, True])
def test_amax_amin_like_torch(name, dim, keepdim):
    check_op(lambda t: getattr(gn, name)(t, dim, keepdim), lambda t: getattr(torch, name)(t, dim, keepdim),
             [(2, 3, 4)])


@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_amin_split_the_gradient_between_ties_like_torch(name):
    x = np.array([[5.0, 1.0, 5.0, 5.0], [1.0, 1.0, 2.0, 2.0]])
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x])
    check_op(lambda t: getattr(t, name)(1), lambda t: getattr(t, name)(1), [x])
    check_op(lambda t: getattr(t, name)(0, True), lambda t: getattr(t, name)(0, True), [x])
    check_second_order(lambda t: getattr(t, name)(1) ** 2, lambda t: getattr(t, name)(1) ** 2, [x])


def test_amax_by_hand_and_errors():
    # amax([5, 1, 5]) = 5, taken by two entries: each gets half the gradient
    x = gn.tensor([5.0, 1.0, 5.0], requires_grad=True)
    gn.amax(x).backward()
    assert x.grad.tolist() == [0.5, 0.0, 0.5]
    assert gn.amax(gn.tensor([1, 3])).item() == 3 and gn.amax(gn.tensor([1, 3])).dtype == gn.int64
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified for input.numel\\(\\) == 0"):
        gn.amax(gn.ones(0, 3))
    assert gn.amax(gn.ones(0, 3), 1).shape == (0,)
    with pytest.raises(IndexError, match="out of range"):
        gn.amin(gn.ones(2), 1)


# ---------------------------------------------------------------- any / all

@pytest.mark.parametrize("name", ["any", "all"])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), ((0, 1), False)])
def test_any_all_like_torch(name, dim, keepdim):
    x = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])
    kwargs = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    got = getattr(gn, name)(gn.tensor(x), **kwargs)
    want = getattr(torch, name)(torch.tensor(x), **kwargs)
    assert got.dtype == gn.bool and got.tolist() == want.tolist()
    assert getattr(gn.tensor(x), name)(**kwargs).tolist() == want.tolist()


def test_any_all_dtypes_like_torch():
    assert gn.all(gn.tensor([1, 2], dtype=gn.uint8)).dtype == gn.uint8
    assert gn.any(gn.tensor([True, False])).item() is True
    assert gn.all(gn.tensor([True, False])).item() is False
    assert gn.all(gn.tensor([1, 2]), dim=0, keepdim=True).tolist() == [True]
    assert gn.all(gn.tensor([])).item() is True and gn.any(gn.tensor([])).item() is False


# ---------------------------------------------------------------- unique, bincount, histc

def test_unique_like_torch():
    x = [3, 1, 2, 1, 3]
    for kwargs in ({}, {"return_inverse": True}, {"return_counts": True},
                   {"return_inverse": True, "return_counts": True}):
        got, want = gn.unique(gn.tensor(x), **kwargs), torch.unique(torch.tensor(x), **kwargs)
        got, want = (got, want) if isinstance(want, tuple) else ((got,), (want,))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.tolist() == w.tolist() and str(g.dtype) == str(w.dtype).replace("torch.", "")
    m = [[1, 2], [3, 4]]
    inv = gn.unique(gn.tensor(m), return_inverse=True)[1]
    assert inv.shape == (2, 2) and inv.tolist() == torch.unique(torch.tensor(m), return_inverse=True)[1].tolist()


def test_unique_along_a_dim_like_torch():
    rows = [[3, 1], [2, 1], [3, 1]]
    got = gn.tensor(rows).unique(dim=0, return_inverse=True, return_counts=True)
    want = torch.tensor(rows).unique(dim=0, return_inverse=True, return_counts=True)
    for g, w in zip(got, want):
        assert g.tolist() == w.tolist()
    assert gn.unique(gn.tensor(rows), dim=1).tolist() == torch.unique(torch.tensor(rows), dim=1).tolist()


def test_bincount_like_torch():
    idx = [1, 1, 3]
    assert gn.bincount(gn.tensor(idx)).tolist() == [0, 2, 0, 1]
    assert gn.tensor(idx).bincount(minlength=6).tolist() == torch.tensor(idx).bincount(minlength=6).tolist()
    assert gn.bincount(gn.tensor([], dtype=gn.int64)).shape == (0,)
    for w, dtype in (([0.5, 0.5, 1.0], gn.float32), ([0.5, 0.5, 1.0], gn.float64), ([1, 2, 3], gn.int64)):
        got = gn.bincount(gn.tensor(idx), weights=gn.tensor(w, dtype=dtype))
        want = torch.bincount(torch.tensor(idx), weights=torch.tensor(np.array(w, dtype=np.dtype(dtype))))
        assert got.tolist() == want.tolist() and str(got.dtype) == str(want.dtype).replace("torch.", "")


def test_bincount_weights_gradient_is_a_gather():
    # out[v] = Σ_{i: idx[i]=v} w[i]  ⇒  ∂L/∂w[i] = g[idx[i]]  (torch has no derivative here)
    w = gn.tensor([0.5, 0.5, 1.0], requires_grad=True)
    out = gn.bincount(gn.tensor([1, 1, 3]), weights=w)
    (out * gn.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0, 4.0]


@pytest.mark.parametrize("args, kwargs, words", [
    (([1, -1, 3],), {}, "bincount only supports 1-d non-negative integral inputs"),
    (([[1]],), {}, "bincount only supports 1-d non-negative integral inputs"),
    (([1, 2],), {"minlength": -1}, "minlength should be >= 0"),
    (([1, 2],), {"weights": [1.0]}, "weights should be 1-d and have the same length as input"),
])
def test_bincount_errors_like_torch(args, kwargs, words):
    gkw = {k: gn.tensor(v) if k == "weights" else v for k, v in kwargs.items()}
    tkw = {k: torch.tensor(v) if k == "weights" else v for k, v in kwargs.items()}
    with pytest.raises(RuntimeError, match=words):
        gn.bincount(gn.tensor(args[0]), **gkw)
    with pytest.raises(RuntimeError, match=words):
        torch.bincount(torch.tensor(args[0]), **tkw)


@pytest.mark.parametrize("x, kwargs", [
    ([1.0, 2.0, 1.0, 4.0], {"bins": 4, "min": 0, "max": 3}),
    ([1.0, 2.0, 1.0, 4.0], {"bins": 4}),
    ([2.0, 2.0], {"bins": 3}),
    ([], {"bins": 3}),
    ([0.0, 0.1, 0.2, 0.3, 0.7, 1.0, -0.1, 1.1, NAN], {"bins": 10, "min": 0, "max": 1}),
    (list(np.random.default_rng(5).standard_normal(200)), {}),
    (list(np.linspace(-1, 1, 41)), {"bins": 7, "min": -1, "max": 1}),
])
def test_histc_like_torch(x, kwargs):
    for dtype in (gn.float32, gn.float64):
        got = gn.histc(gn.tensor(x, dtype=dtype), **kwargs)
        want = torch.histc(torch.tensor(x, dtype=getattr(torch, str(dtype))), **kwargs)
        assert got.dtype == dtype and got.tolist() == want.tolist()


def test_histc_errors_like_torch():
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        gn.histc(gn.tensor([1.0, 2.0]), bins=0)
    with pytest.raises(RuntimeError, match="max must be larger than min"):
        gn.histc(gn.tensor([1.0, 2.0]), bins=3, min=3, max=1)
    with pytest.raises(RuntimeError, match="is not finite"):
        gn.histc(gn.tensor([1.0, NAN]), bins=3)
    with pytest.raises(NotImplementedError):
        gn.histc(gn.tensor([1, 2]), bins=3)


# ---------------------------------------------------------------- cumprod

@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_like_torch(dim):
    check_op(lambda t: gn.cumprod(t, dim), lambda t: torch.cumprod(t, dim), [(3, 4)])
    check_second_order(lambda t: t.cumprod(dim), lambda t: t.cumprod(dim), [(3, 4)])


ZEROS = [
    np.array([2.0, 0.0, 3.0, 4.0]),                    # one zero
    np.array([0.0, 2.0, 3.0]),                         # a zero first
    np.array([2.0, 3.0, 0.0]),                         # a zero last
    np.array([2.0, 0.0, 3.0, 0.0, 5.0]),               # two zeros
    np.array([[1.5, 0.0, 2.0], [0.0, 0.0, -1.0], [1.0, 2.0, 3.0]]),
]


@pytest.mark.parametrize("x", ZEROS)
def test_cumprod_gradient_with_zeros_like_torch(x):
    check_op(lambda t: gn.cumprod(t, -1), lambda t: torch.cumprod(t, -1), [x])
    check_op(lambda t: gn.cumprod(t, 0), lambda t: torch.cumprod(t, 0), [x])
    check_second_order(lambda t: gn.cumprod(t, -1), lambda t: torch.cumprod(t, -1), [x])


def test_cumprod_by_hand_at_a_zero():
    # y = [2, 0, 0] from x = [2, 0, 3];  ∂(Σy)/∂x₁ = x₀ + x₀x₂ = 2 + 6 = 8, ∂/∂x₀ = 1 + x₁ + x₁x₂ = 1,
    # ∂/∂x₂ = x₀x₁ = 0 — no 0/0 from dividing by x₁
    x = gn.tensor([2.0, 0.0, 3.0], requires_grad=True)
    y = gn.cumprod(x, 0)
    assert y.tolist() == [2.0, 0.0, 0.0]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 8.0, 0.0]


def test_cumprod_dtypes_and_third_order():
    assert gn.cumprod(gn.tensor([1, 2, 3]), 0).tolist() == [1, 2, 6]
    assert gn.cumprod(gn.tensor([True, True]), 0).dtype == gn.int64
    assert gn.cumprod(gn.tensor([1, 2, 3]), 0, dtype=gn.float64).dtype == gn.float64
    check_op(lambda t: gn.cumprod(t, 0), lambda t: torch.cumprod(t, 0), [()])
    # Π of [a, b, c] at the end is abc: ∂³/∂a∂b∂c = 1, also at a = 0
    x = gn.tensor([0.0, 2.0, 3.0], requires_grad=True)
    last = gn.cumprod(x, 0)[2]
    (g,) = gn.autograd.grad(last, x, create_graph=True)
    (h,) = gn.autograd.grad(g[0], x, create_graph=True)
    (k,) = gn.autograd.grad(h[1], x)
    assert k.tolist() == [0.0, 0.0, 1.0]
    check_grad_fd(lambda t: gn.cumprod(t, 1), [np.array([[1.0, 0.0, 2.0, 0.5]])])


# ---------------------------------------------------------------- isclose, allclose

def test_isclose_like_torch():
    a = [1.0, NAN, float("inf"), float("-inf"), 1.0, 1.0, 0.0]
    b = [1.0, NAN, float("inf"), float("inf"), 1.0 + 1e-6, 1.1, 1e-9]
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.2}, {"atol": 0, "rtol": 0}, {"rtol": 0, "atol": 1e-10}):
        assert gn.isclose(gn.tensor(a), gn.tensor(b), **kwargs).tolist() == \
            torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs).tolist()
        assert gn.tensor(a).allclose(gn.tensor(b), **kwargs) == torch.tensor(a).allclose(torch.tensor(b), **kwargs)
    assert gn.isclose(gn.tensor([1, 5]), gn.tensor([2, 5]), rtol=1, atol=0).tolist() == [True, True]
    assert gn.isclose(gn.tensor([True]), gn.tensor([False])).tolist() == [False]
    assert gn.allclose(gn.tensor([1.0, 2.0]), gn.tensor([1.0])) is False       # broadcast: 2 ≠ 1
    assert gn.allclose(gn.tensor([[1.0, 2.0]]), gn.tensor([1.0, 2.0 + 1e-9])) is True


def test_isclose_errors_like_torch():
    with pytest.raises(RuntimeError, match="did not match"):
        gn.isclose(gn.tensor([1.0], dtype=gn.float32), gn.tensor([1.0], dtype=gn.float64))
    with pytest.raises(RuntimeError, match="rtol must be greater than or equal to zero, but got -1"):
        gn.isclose(gn.tensor([1.0]), gn.tensor([1.0]), rtol=-1)
    with pytest.raises(RuntimeError, match="broadcast"):
        gn.allclose(gn.tensor([1.0, 2.0]), gn.tensor([1.0, 2.0, 3.0]))


# ---------------------------------------------------------------- meshgrid

@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("shapes", [[(2,), (3,)], [(2,), (3,), (4,)], [(3,)], [(), (3,)]])
def test_meshgrid_like_torch(indexing, shapes):
    # every grid at once (stacked), so that each input has a gradient
    check_op(lambda *ts: gn.stack(gn.meshgrid(*ts, indexing=indexing)),
             lambda *ts: torch.stack(torch.meshgrid(*ts, indexing=indexing)), shapes)
    check_second_order(lambda *ts: gn.stack(gn.meshgrid(*ts, indexing=indexing)) ** 2,
                       lambda *ts: torch.stack(torch.meshgrid(*ts, indexing=indexing)) ** 2, shapes)
    got = gn.meshgrid([gn.ones(*s) for s in shapes], indexing=indexing)
    assert isinstance(got, tuple) and len(got) == len(shapes)


def test_meshgrid_default_is_ij_and_errors():
    x, y = gn.meshgrid(gn.tensor([1, 2]), gn.tensor([1, 2, 3]))
    assert x.tolist() == [[1, 1, 1], [2, 2, 2]] and y.tolist() == [[1, 2, 3], [1, 2, 3]]
    with pytest.raises(RuntimeError, match='indexing must be one of "xy" or "ij", but received: foo'):
        gn.meshgrid(gn.ones(2), indexing="foo")
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
        gn.meshgrid(gn.ones(1, 2), gn.ones(3))
    with pytest.raises(RuntimeError, match="same dtype"):
        gn.meshgrid(gn.tensor([1.0]), gn.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="non-empty"):
        gn.meshgrid()


# ---------------------------------------------------------------- var / std / min / max (ops/reduction.py)

@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": (0, 2), "keepdim": True}, {"correction": 0},
                                    {"dim": 1, "correction": 2}, {"unbiased": False}, {"dim": -1, "unbiased": True},
                                    {"dim": [0, 1], "correction": 1.5}])
def test_var_std_options_like_torch(name, kwargs):
    check_op(lambda t: getattr(t, name)(**kwargs), lambda t: getattr(t, name)(**kwargs), [(3, 4, 5)])
    check_op(lambda t: getattr(gn, name)(t, **kwargs), lambda t: getattr(torch, name)(t, **kwargs), [(3, 4, 5)])
    check_second_order(lambda t: getattr(t, name)(**kwargs), lambda t: getattr(t, name)(**kwargs), [(2, 3, 4)])


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_positional_and_too_few_degrees_of_freedom_like_torch(name):
    check_op(lambda t: getattr(gn, name)(t, 1, False, True), lambda t: getattr(torch, name)(t, 1, False, True),
             [(2, 3)])
    # n − correction ≤ 0: torch divides by max(0, n − correction) — 0/0 = NaN, x/0 = inf
    for x, corr in (([1.0], 1), ([1.0, 2.0], 2), ([1.0, 2.0], 3), ([3.0], 0)):
        with np.errstate(all="ignore"):
            got = getattr(gn, name)(gn.tensor(x), correction=corr).item()
        with pytest.warns(UserWarning) if corr >= len(x) else _nothing():
            want = getattr(torch, name)(torch.tensor(x, dtype=torch.float64), correction=corr).item()
        np.testing.assert_equal(got, want)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_var_of_integers_raises_like_torch():
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        gn.var(gn.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        gn.tensor([1, 2]).std()


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, True), (-1, False)])
def test_max_min_with_dim_like_torch(name, dim, keepdim):
    check_op(lambda t: getattr(t, name)(dim, keepdim).values, lambda t: getattr(t, name)(dim, keepdim).values,
             [(3, 4)])
    check_op(lambda t: getattr(gn, name)(t, dim=dim, keepdim=keepdim)[0],
             lambda t: getattr(torch, name)(t, dim=dim, keepdim=keepdim)[0], [(3, 4)])
    x = np.array([[5.0, 1.0, 5.0], [NAN, 2.0, NAN], [0.0, -1.0, -1.0]])
    _pair_like_torch(getattr(gn.tensor(x), name)(dim, keepdim), getattr(torch.tensor(x), name)(dim, keepdim))
    check_second_order(lambda t: getattr(t, name)(dim).values ** 2, lambda t: getattr(t, name)(dim).values ** 2,
                       [(3, 4)])


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_over_everything_and_errors_like_torch(name):
    x = np.array([[5.0, 1.0, 5.0], [-1.0, 2.0, -1.0]])     # ties: the gradient is shared
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x])
    _pair_like_torch(getattr(gn.tensor(2.0), name)(0), getattr(torch.tensor(2.0), name)(0))
    _pair_like_torch(getattr(gn.tensor([1, 3, 3]), name)(0), getattr(torch.tensor([1, 3, 3]), name)(0))
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified for input.numel\\(\\) == 0"):
        getattr(gn.tensor([]), name)()
    with pytest.raises(IndexError, match="Expected reduction dim 0 to have non-zero size"):
        getattr(gn.tensor([]), name)(0)
    assert getattr(gn, name)(gn.tensor([1.0, 4.0]), gn.tensor([2.0, 3.0])).tolist() == \
        getattr(torch, name)(torch.tensor([1.0, 4.0]), torch.tensor([2.0, 3.0])).tolist()
