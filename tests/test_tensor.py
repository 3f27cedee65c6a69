"""Tensor creation, dtype rules, and the autodiff graph: accumulation, retain_grad, detach,
grad modes, and the errors backward raises."""
import warnings

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.errors import GraphError, NonFiniteError


# ------------------------------------------------------------------ creation and dtypes

@pytest.mark.parametrize("data, dtype", [
    (1.5, gn.float64), ([1.0, 2.0], gn.float64), (3, gn.int64), ([[1, 2], [3, 4]], gn.int64),
    (True, gn.bool), ([1, 2.5], gn.float64),
])
def test_python_data_takes_torch_dtypes(data, dtype):
    t = gn.tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.array(data))


def test_default_dtype_can_be_float32():
    gn.set_default_dtype(gn.float32)
    try:
        assert gn.tensor([1.0]).dtype == gn.float32
        assert gn.zeros(2).dtype == gn.float32
        assert gn.tensor([1]).dtype == gn.int64
    finally:
        gn.set_default_dtype(gn.float64)
    assert gn.tensor([1.0]).dtype == gn.float64
    with pytest.raises(TypeError, match="float32 or float64"):
        gn.set_default_dtype(gn.int64)


def test_arrays_keep_their_dtype_and_tensor_copies():
    a = np.array([1.0, 2.0], dtype=np.float32)
    t = gn.tensor(a)
    assert t.dtype == gn.float32
    a[0] = 9
    assert t.tolist() == [1.0, 2.0]                 # tensor() copies
    shared = gn.from_numpy(a)
    a[1] = 7
    assert shared.tolist() == [9.0, 7.0]            # from_numpy shares
    assert gn.as_tensor(a).tolist() == [9.0, 7.0]
    assert gn.tensor(t, dtype=gn.float64).dtype == gn.float64


def test_tensor_from_torch_copies_and_keeps_dtype():
    src = torch.ones(3, dtype=torch.float64)
    t = gn.tensor(src)
    src[0] = 5
    assert t.tolist() == [1.0, 1.0, 1.0]
    assert gn.tensor(torch.ones(2)).dtype == gn.float32


@pytest.mark.parametrize("make, shape, dtype", [
    (lambda: gn.zeros(2, 3), (2, 3), gn.float64),
    (lambda: gn.ones((2, 3)), (2, 3), gn.float64),
    (lambda: gn.full((2,), 7), (2,), gn.int64),
    (lambda: gn.full((2,), 0.5), (2,), gn.float64),
    (lambda: gn.arange(5), (5,), gn.int64),
    (lambda: gn.arange(0, 1, 0.25), (4,), gn.float64),
    (lambda: gn.linspace(0, 1, 5), (5,), gn.float64),
    (lambda: gn.eye(3), (3, 3), gn.float64),
    (lambda: gn.rand(4, 2), (4, 2), gn.float64),
    (lambda: gn.randn(4, dtype=gn.float32), (4,), gn.float32),
    (lambda: gn.randint(0, 10, (3,)), (3,), gn.int64),
    (lambda: gn.randint(10, (3,)), (3,), gn.int64),
    (lambda: gn.randperm(6), (6,), gn.int64),
    (lambda: gn.zeros_like(gn.ones(2, dtype=gn.float32)), (2,), gn.float32),
])
def test_creation_functions(make, shape, dtype):
    t = make()
    assert t.shape == shape and t.dtype == dtype


def test_creation_values_match_torch():
    np.testing.assert_array_equal(gn.arange(1, 10, 3).numpy(), torch.arange(1, 10, 3).numpy())
    np.testing.assert_allclose(gn.linspace(-1, 1, 7).numpy(),
                               torch.linspace(-1, 1, 7, dtype=torch.float64).numpy(), atol=1e-15)
    np.testing.assert_array_equal(gn.eye(2, 3).numpy(), torch.eye(2, 3).numpy())
    assert sorted(gn.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    r = gn.randint(3, 5, (100,)).numpy()
    assert r.min() >= 3 and r.max() <= 4


def test_manual_seed_makes_random_numbers_repeat():
    gn.manual_seed(7)
    a = gn.randn(5).numpy()
    gn.manual_seed(7)
    np.testing.assert_array_equal(a, gn.randn(5).numpy())


@pytest.mark.parametrize("op", [
    lambda x: x * 2.5, lambda x: 2.5 * x, lambda x: x + 1, lambda x: x - 0.5, lambda x: 1 - x,
    lambda x: x / 3.0, lambda x: 1.0 / x, lambda x: x ** 2, lambda x: 2.0 ** x, lambda x: -x,
    lambda x: x.exp(), lambda x: x.log(), lambda x: x.sigmoid(), lambda x: x.tanh(),
    lambda x: x.relu(), lambda x: x.sqrt(), lambda x: x.sum(), lambda x: x.mean(0),
    lambda x: x.var(), lambda x: x.max(), lambda x: x.softmax(0), lambda x: x.log_softmax(0),
    lambda x: x @ x, lambda x: x.clamp(0.2, 0.9), lambda x: gn.where(x > 0.5, x, 0.0),
    lambda x: x * np.float64(2.0), lambda x: x + gn.tensor(1.0), lambda x: x * gn.tensor([1, 2, 3]),
    lambda x: x * (x > 0.5), lambda x: x.maximum(gn.tensor(0.5)),
])
def test_float32_stays_float32_through_ops(op):
    x = gn.tensor([0.25, 0.5, 0.75], dtype=gn.float32, requires_grad=True)
    out = op(x)
    assert out.dtype == gn.float32
    out.sum().backward()
    assert x.grad.dtype == gn.float32


def test_mixed_dtypes_promote_like_torch():
    f32, f64 = gn.tensor([1.0], dtype=gn.float32), gn.tensor([1.0])
    i64 = gn.tensor([1])
    assert (f32 + f64).dtype == gn.float64           # both dimensioned: the wider float
    assert (i64 * 0.5).dtype == gn.float64           # int ⊕ Python float → default dtype
    assert (i64 + 1).dtype == gn.int64
    assert (i64 + gn.tensor(1.5)).dtype == gn.float64   # a 0-d float beats dimensioned ints
    assert (gn.tensor(True) + i64).dtype == gn.int64


def test_item_len_repr_and_conversions():
    t = gn.tensor([[1.0, 2.0]], requires_grad=True)
    assert len(t) == 1 and t.ndim == 2 and t.numel() == 2 and t.size(1) == 2
    assert float(t.sum()) == 3.0
    assert "requires_grad=True" in repr(t) and "grad_fn=<sum>" in repr(t.sum())
    with pytest.raises(ValueError, match="2 elements"):
        t.item()
    with pytest.raises(GraphError, match="detach"):
        t.numpy()
    with pytest.raises(GraphError, match="floating point"):
        gn.tensor([1, 2], requires_grad=True)


# ------------------------------------------------------------------ gradients

def test_grad_of_a_small_expression_by_hand():
    # L = (a·b + a)² at a = 2, b = 3: u = a·b + a = 8, L = 64,
    # ∂L/∂a = 2u·(b + 1) = 64, ∂L/∂b = 2u·a = 32.
    a = gn.tensor(2.0, requires_grad=True)
    b = gn.tensor(3.0, requires_grad=True)
    loss = (a * b + a) ** 2
    loss.backward()
    assert loss.item() == 64.0 and a.grad.item() == 64.0 and b.grad.item() == 32.0
    assert a.is_leaf and not loss.is_leaf and loss.grad_fn == "pow"


def test_grads_accumulate_across_backward_calls():
    x = gn.tensor([1.0, -2.0], requires_grad=True)
    (x * 3).sum().backward()
    first = x.grad
    (x * x).sum().backward()                      # adds 2x = [2, −4]
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, -1.0])
    assert x.grad is first                        # the same .grad tensor, updated


def test_tensor_used_in_several_places_gets_every_path():
    # y = x·x + 3x + x  ⇒  dy/dx = 2x + 4 = 10 at x = 3
    x = gn.tensor(3.0, requires_grad=True)
    h = x * 3
    y = x * x + h + x
    y.backward()
    assert x.grad.item() == 10.0
    # the same through a shared intermediate used twice (diamond): z = h·h, h = 2x ⇒ 8x
    x.grad = None
    h = 2 * x
    (h * h).backward()
    assert x.grad.item() == 24.0


def test_matches_torch_on_a_shared_graph():
    rng = np.random.default_rng(0)
    w, v = rng.standard_normal((3, 3)), rng.standard_normal(3)
    gw, gv = gn.tensor(w, requires_grad=True), gn.tensor(v, requires_grad=True)
    tw, tv = torch.tensor(w, requires_grad=True), torch.tensor(v, requires_grad=True)
    for W, V, lib in ((gw, gv, gn), (tw, tv, torch)):
        h = lib.tanh(W @ V)
        out = (W @ h + h * V).sum() + (h @ h)
        out.backward()
    np.testing.assert_allclose(gw.grad.numpy(), tw.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gv.grad.numpy(), tv.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_retain_grad_keeps_an_intermediate_gradient():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    z = h * h
    (z.sum()).backward()
    np.testing.assert_array_equal(h.grad.numpy(), [4.0, 8.0])    # 2h
    np.testing.assert_array_equal(x.grad.numpy(), [8.0, 16.0])   # 2h · 2
    assert h.retains_grad and z.grad is None


def test_retained_and_leaf_grads_do_not_share_memory():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    h = x + 0.0
    h.retain_grad()
    (h + x).sum().backward()
    h.grad._data[0] = 100.0
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_leaf_grads_never_share_memory():
    a = gn.tensor([1.0, 2.0], requires_grad=True)
    b = gn.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    with gn.no_grad():
        a.grad.mul_(10)
        a.grad[0] = -1.0
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])
    assert a.grad.numpy().flags.writeable and b.grad.numpy().flags.writeable
    c = gn.tensor([1.0], requires_grad=True)
    d = c.reshape(1)
    (d + c).sum().backward()
    c.grad.numpy()[0] = 7.0                        # a writable array of its own
    assert not np.shares_memory(c.grad.numpy(), a.grad.numpy())


def test_backward_with_explicit_gradient():
    x = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    up = np.array([1.0, 10.0, 100.0])
    (x * x).backward(gn.tensor(up))
    np.testing.assert_array_equal(x.grad.numpy(), 2 * np.array([1.0, 2.0, 3.0]) * up)
    up[0] = 0                                     # the seed was copied
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 40.0, 600.0])
    with pytest.raises(GraphError, match=r"grad_output\[0\] has a shape of \(2,\)"):
        (x * 2).backward(gn.tensor([1.0, 1.0]))


def test_backward_inputs_limits_which_leaves_get_grads():
    a = gn.tensor(2.0, requires_grad=True)
    b = gn.tensor(3.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 3.0 and b.grad is None


def test_detach_cuts_the_graph_and_shares_memory():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    y = x * d                                      # d is a constant here
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    e = x.detach()
    e.numpy()[0] = 5.0
    assert x.detach().tolist() == [5.0, 2.0]


def test_no_grad_as_context_manager_and_decorator():
    x = gn.tensor([1.0], requires_grad=True)
    with gn.no_grad():
        y = x * 2
        assert not gn.is_grad_enabled()
        with gn.enable_grad():
            z = x * 2
    assert gn.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert z.requires_grad

    @gn.no_grad()
    def called():
        return x * 2, gn.is_grad_enabled()

    @gn.no_grad
    def bare():
        return x * 2

    out, enabled = called()
    assert not out.requires_grad and not enabled and gn.is_grad_enabled()
    assert not bare().requires_grad and gn.is_grad_enabled()
    with gn.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert gn.is_grad_enabled()


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(KeyError):
        with gn.no_grad():
            raise KeyError
    assert gn.is_grad_enabled()


def test_backward_of_non_scalar_needs_a_gradient():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(GraphError, match=r"scalar outputs.*shape \(2,\)"):
        (x * 2).backward()
    with pytest.raises(RuntimeError):             # GraphError is a RuntimeError, as in torch
        (x * 2).backward()


def test_second_backward_through_a_freed_graph_raises():
    x = gn.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()                                  # allowed: the graph was retained
    assert x.grad.item() == 8.0
    with pytest.raises(GraphError, match="second time"):
        y.backward()
    # a graph freed by one loss cannot be reused by another through a shared part
    h = x * 3
    (h * 2).backward()
    with pytest.raises(GraphError, match="retain_graph=True"):
        (h * 4).backward()


def test_backward_on_a_tensor_not_requiring_grad_raises():
    with pytest.raises(GraphError, match="does not require grad"):
        (gn.tensor([1.0]) * 2).sum().backward()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_loss_raises_before_backward(bad):
    x = gn.tensor([bad, 1.0], requires_grad=True)
    with pytest.raises(NonFiniteError, match="non-finite loss"):
        x.sum().backward()
    assert x.grad is None
    with pytest.raises(FloatingPointError):
        x.sum().backward()


def test_log_of_zero_loss_raises_non_finite():
    p = gn.tensor([0.0, 0.5], requires_grad=True)
    with pytest.raises(NonFiniteError, match="log"):
        (-p.log()).sum().backward()


def test_deep_chain_backward_without_recursion_error():
    x = gn.tensor(1.5, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert y.item() == 100_001.5 and x.grad.item() == 1.0
    del y                                          # freeing a deep graph must not recurse either


def test_inplace_update_of_a_tensor_requiring_grad_raises():
    w = gn.tensor([1.0, 2.0], requires_grad=True)
    for update in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.zero_(),
                   lambda: w.__setitem__(0, 5.0), lambda: w.copy_(gn.ones(2))):
        with pytest.raises(GraphError, match="no_grad"):
            update()
    assert w.tolist() == [1.0, 2.0]
    with gn.no_grad():                            # the optimizer's way
        w.sub_(gn.tensor([0.5, 0.5]), alpha=2)
        w[1] = 4.0
    assert w.tolist() == [0.0, 4.0]
    plain = gn.tensor([1.0, 2.0])
    plain += 1
    plain.clamp_(max=2.5)
    assert plain.tolist() == [2.0, 2.5]


def test_requires_grad_on_non_leaf_and_integer_tensors():
    x = gn.tensor([1.0], requires_grad=True)
    with pytest.raises(GraphError, match="leaf"):
        (x * 2).requires_grad_(False)
    with pytest.raises(GraphError, match="retain_grad"):
        gn.tensor([1.0]).retain_grad()


def test_operations_on_tensors_not_requiring_grad_build_no_graph():
    a, b = gn.tensor([1.0]), gn.tensor([2.0])
    c = a * b + a
    assert not c.requires_grad and c.is_leaf


def test_comparisons_return_bool_tensors_without_graph():
    x = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = x > 1.5
    assert m.dtype == gn.bool and m.tolist() == [False, True, True] and not m.requires_grad
    assert (x == x).numpy().all() and (x != 2.0).tolist() == [True, False, True]
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(m)


def test_no_warnings_from_basic_training_step():
    w = gn.tensor(np.ones((2, 3)), requires_grad=True)
    x = gn.tensor(np.arange(6.0).reshape(3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = ((x @ w).relu() ** 2).mean()
        loss.backward()
        with gn.no_grad():
            w -= 0.1 * w.grad
    # ∂mean((xw)²)/∂w = 2 xᵀ(xw) / 9 with every entry of xw positive here
    expected = 1 - 0.1 * 2 * x.numpy().T @ (x.numpy() @ np.ones((2, 3))) / 9
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-14)


def test_backward_refuses_values_changed_in_place_after_forward():
    # y = Σ x∘c saves c for ∂y/∂x = c; changing c afterwards would make x.grad silently wrong.
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    c = gn.tensor([3.0, 4.0])
    y = (x * c).sum()
    c.add_(1)
    with pytest.raises(gn.GraphError, match="modified by an in-place operation"):
        y.backward()
    y = (x * c).sum()          # a fresh graph sees the new values: ∂y/∂x = c = [4, 5]
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 5.0])


def test_item_assignment_after_forward_is_detected_too():
    w = gn.tensor([[1.0, 2.0]], requires_grad=True)
    x = gn.tensor([[3.0], [4.0]])
    out = (w @ x).sum()
    x[0, 0] = 10.0
    with pytest.raises(gn.GraphError, match="'matmul' op"):
        out.backward()


# ------------------------------------------------------------------ the exact dtype

def test_exact_tensors_from_python_numbers_hold_sympy_numbers():
    sp = pytest.importorskip("sympy")
    # ints → Integer, so the mean of [1, 2] is 3/2, not Python's 1.5
    m = gn.tensor([1, 2], dtype=gn.exact).mean()
    assert m.item() == sp.Rational(3, 2) and isinstance(m.item(), sp.Rational)
    # floats → the decimal they were written as: 2.5 → 5/2, 0.1 → 1/10
    t = gn.tensor([2.5, 0.1, 3], dtype=gn.exact)
    assert t.tolist() == [sp.Rational(5, 2), sp.Rational(1, 10), 3]
    assert all(isinstance(v, sp.Rational) for v in t.tolist())
    # mixed SymPy and Python data takes the exact dtype, and its floats become rationals too
    u = gn.tensor([sp.E, 0.5])
    assert u.dtype == gn.exact and u.tolist() == [sp.E, sp.Rational(1, 2)]
    with pytest.raises(ValueError, match="finite"):
        gn.tensor([float("nan")], dtype=gn.exact)


def test_augmented_assignment_inside_the_graph_is_recorded_like_torch():
    # h += 1 on a non-leaf (ResNet's `out += identity`) is allowed and differentiable.
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h += 1
    h *= 3                      # h = 3(2x + 1): ∂Σh/∂x = 6
    h.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    z = gn.zeros(2)
    z += x                      # a constant plus a tensor that requires grad joins the graph
    assert z.requires_grad


def test_in_place_update_of_a_parameter_under_grad_mode_is_refused():
    w = gn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(GraphError, match="leaf tensor that requires grad"):
        w += 1
    with pytest.raises(GraphError, match="add_"):
        w.add_(1)


def test_item_assignment_of_a_value_that_requires_grad_is_refused():
    w = gn.tensor([1.0, 2.0], requires_grad=True)
    out = gn.zeros(3)
    with pytest.raises(GraphError, match="stack / cat / where"):
        out[0] = w[0] * 2


def test_an_optimizer_step_between_forward_and_backward_is_caught():
    # The classic mistake: the graph saved w, then step() changed w in place.
    w = gn.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.grad = gn.tensor([1.0, 1.0])
    gn.optim.SGD([w], lr=0.5).step()
    with pytest.raises(GraphError, match="modified by an in-place operation"):
        loss.backward()


@pytest.mark.parametrize("change", [
    lambda w: w.detach().mul_(10),                   # detach() shares the values and the version
    lambda w: w.view(-1).mul_(10),                   # so do views
    lambda w: w.T.add_(1),
    lambda w: w[0].fill_(0),
])
def test_in_place_changes_through_views_and_detach_are_caught(change):
    w = gn.tensor([[1.0, 2.0]], requires_grad=True)
    loss = (w * w).sum()
    with gn.no_grad():
        change(w)
    with pytest.raises(GraphError, match="modified by an in-place operation"):
        loss.backward()


def test_data_does_not_share_the_version_counter_as_in_torch():
    # .data is the documented escape hatch: torch does not track changes made through it.
    w = gn.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * 3).sum()
    w.data.mul_(10)
    loss.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])
