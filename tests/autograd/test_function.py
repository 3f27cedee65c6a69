"""Custom ops (glassnet.autograd.Function) against the same Function written for
torch.autograd.Function: values, gradients, ctx, errors, and double backward."""
import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.errors import GraphError

rng = np.random.default_rng(3)
A = rng.standard_normal((2, 3))
B = rng.standard_normal((2, 3))
U = rng.standard_normal((2, 3))


def pair(a, requires_grad=True):
    return (gn.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad),
            torch.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad))


def close(g, t, rtol=1e-9, atol=1e-12):
    assert tuple(g.shape) == tuple(t.shape)
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def both(body):
    """The same Function class for glassnet and for torch: ``body(Function)`` returns the class."""
    return body(gn.autograd.Function), body(torch.autograd.Function)


def exp_function(base):
    class Exp(base):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y                                 # d eˣ/dx = eˣ = y (the saved output)
    return Exp


def scaled_product_function(base):
    """f(a, b, k) = k·a·b + a² with a non-tensor k; backward records what it was asked for."""
    class ScaledProduct(base):
        asked = []

        @staticmethod
        def forward(ctx, a, b, k):
            ctx.save_for_backward(a, b)
            ctx.k = k
            return k * a * b + a * a

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ScaledProduct.asked.append(tuple(ctx.needs_input_grad))
            ga = g * (ctx.k * b + 2 * a) if ctx.needs_input_grad[0] else None
            gb = g * ctx.k * a if ctx.needs_input_grad[1] else None
            return ga, gb, None                          # None for the non-tensor k
    return ScaledProduct


def test_custom_exp_value_and_gradient_like_torch():
    Exp, ExpT = both(exp_function)
    x, xt = pair(A)
    y, yt = Exp.apply(x), ExpT.apply(xt)
    close(y, yt)
    assert y.requires_grad and y.grad_fn is not None
    u, ut = pair(U, False)
    y.backward(u)
    yt.backward(ut)
    close(x.grad, xt.grad)
    np.testing.assert_allclose(x.grad.numpy(), U * np.exp(A), rtol=1e-12)


def test_custom_exp_inside_a_larger_graph():
    Exp, ExpT = both(exp_function)
    x, xt = pair(A)
    (Exp.apply(x.sin()) * x).sum().backward()
    (ExpT.apply(xt.sin()) * xt).sum().backward()
    close(x.grad, xt.grad)


def test_two_inputs_and_a_non_tensor_argument():
    Op, OpT = both(scaled_product_function)
    (a, at), (b, bt) = pair(A), pair(B)
    y, yt = Op.apply(a, b, 2.5), OpT.apply(at, bt, 2.5)
    close(y, yt)
    y.sum().backward()
    yt.sum().backward()
    close(a.grad, at.grad)
    close(b.grad, bt.grad)
    np.testing.assert_allclose(b.grad.numpy(), 2.5 * A, rtol=1e-12)
    assert Op.asked == [(True, True, False)] and OpT.asked == [(True, True, False)]


def test_needs_input_grad_says_which_inputs_need_a_gradient():
    Op, OpT = both(scaled_product_function)
    (a, at), (b, bt) = pair(A, False), pair(B)
    Op.apply(a, b, -1.0).sum().backward()
    OpT.apply(at, bt, -1.0).sum().backward()
    assert Op.asked == OpT.asked == [(False, True, False)]
    assert a.grad is None
    close(b.grad, bt.grad)


def test_result_of_a_function_on_constants_does_not_require_grad():
    Exp, ExpT = both(exp_function)
    x, xt = pair(A, False)
    assert Exp.apply(x).requires_grad is ExpT.apply(xt).requires_grad is False


def test_forward_runs_without_recording():
    seen = []

    class Probe(gn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            seen.append(y.requires_grad)
            return y

        @staticmethod
        def backward(ctx, g):
            return g * 2
    x, _ = pair(A)
    Probe.apply(x).sum().backward()
    assert seen == [False]
    np.testing.assert_allclose(x.grad.numpy(), np.full_like(A, 2.0))


def test_wrong_number_of_gradients_is_an_error_like_torch():
    def too_few(base):
        class TooFew(base):
            @staticmethod
            def forward(ctx, a, b):
                return a * b

            @staticmethod
            def backward(ctx, g):
                return g                                  # one gradient for two inputs
        return TooFew
    Op, OpT = both(too_few)
    (a, at), (b, bt) = pair(A), pair(B)
    with pytest.raises(RuntimeError) as info:
        OpT.apply(at, bt).sum().backward()
    words = "returned an incorrect number of gradients (expected 2, got 1)"
    assert words in str(info.value)
    with pytest.raises(GraphError) as info:
        Op.apply(a, b).sum().backward()
    assert words in str(info.value)


def test_gradient_of_the_wrong_shape_is_an_error():
    class BadShape(gn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return g.reshape(1)
    x, _ = pair(A)
    with pytest.raises(GraphError, match=r"returned an invalid gradient at index 0 - got \[1\] but expected "
                                         r"shape compatible with \[2, 3\]"):
        BadShape.apply(x).backward()


def test_save_for_backward_rejects_non_tensors():
    class SavesNumber(gn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3.0)
            return x

        @staticmethod
        def backward(ctx, g):
            return g
    with pytest.raises(TypeError, match="save_for_backward can only save variables"):
        SavesNumber.apply(pair(A)[0])


def test_saved_tensors_are_freed_after_backward_unless_retained():
    Exp, ExpT = both(exp_function)
    x, xt = pair(A)
    y, yt = Exp.apply(x).sum(), ExpT.apply(xt).sum()
    y.backward(retain_graph=True)
    y.backward()                                          # retained once: x.grad = 2·eˣ
    yt.backward(retain_graph=True)
    yt.backward()
    close(x.grad, xt.grad)
    with pytest.raises(GraphError, match="backward through the graph a second time"):
        y.backward()


def sort_function(base):
    """(sorted x, the sorting indices): two outputs, the second not differentiable."""
    lib = gn if base is gn.autograd.Function else torch

    class SortWithIndex(base):
        @staticmethod
        def forward(ctx, x):
            order = np.argsort(x.detach().numpy(), axis=-1)
            ctx.order = order
            idx = lib.tensor(order)
            ctx.mark_non_differentiable(idx)
            return lib.tensor(np.take_along_axis(x.detach().numpy(), order, -1)), idx

        @staticmethod
        def backward(ctx, g, g_idx):
            # the gradient of a permutation is the inverse permutation of g
            inverse = np.argsort(ctx.order, axis=-1)
            return lib.tensor(np.take_along_axis(g.detach().numpy(), inverse, -1))
    return SortWithIndex


def test_non_differentiable_outputs_and_two_outputs():
    Op, OpT = both(sort_function)
    x, xt = pair(A)
    (v, i), (vt, it) = Op.apply(x), OpT.apply(xt)
    close(v, vt)
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    assert v.requires_grad and vt.requires_grad
    assert not i.requires_grad and not it.requires_grad
    u, ut = pair(U, False)
    (v * u).sum().backward()
    (vt * ut).sum().backward()
    close(x.grad, xt.grad)


def test_double_backward_through_a_function_whose_backward_uses_ops():
    # The backward g·y uses the saved *output* y = eˣ, so its derivative in x goes through y.
    Exp, ExpT = both(exp_function)
    x, xt = pair(A)
    u, ut = pair(U)
    g, = gn.autograd.grad(Exp.apply(x), x, u, create_graph=True)
    gt, = torch.autograd.grad(ExpT.apply(xt), xt, ut, create_graph=True)
    close(g, gt)
    assert g.requires_grad
    dx, du = gn.autograd.grad((g * g).sum(), (x, u))
    dxt, dut = torch.autograd.grad((gt * gt).sum(), (xt, ut))
    close(dx, dxt)                                        # ∂(u²e²ˣ)/∂x = 2u²e²ˣ
    close(du, dut)                                        # 2u e²ˣ
    np.testing.assert_allclose(dx.numpy(), 2 * U ** 2 * np.exp(2 * A), rtol=1e-12)


def test_double_backward_through_a_function_with_two_inputs():
    Op, OpT = both(scaled_product_function)
    (a, at), (b, bt) = pair(A), pair(B)
    ga, gb = gn.autograd.grad(Op.apply(a, b, 1.5).sum(), (a, b), create_graph=True)
    gat, gbt = torch.autograd.grad(OpT.apply(at, bt, 1.5).sum(), (at, bt), create_graph=True)
    close(ga, gat)
    close(gb, gbt)
    # ga = 1.5 b + 2a: ∂Σga/∂a = 2, ∂Σga/∂b = 1.5; gb = 1.5 a: ∂Σ(gb²)/∂a = 2·1.5²·a
    h = gn.autograd.grad((ga + gb * gb).sum(), (a, b))
    ht = torch.autograd.grad((gat + gbt * gbt).sum(), (at, bt))
    for g, t in zip(h, ht):
        close(g, t)
    np.testing.assert_allclose(h[1].numpy(), np.full_like(B, 1.5), rtol=1e-12)


def test_third_derivative_through_a_custom_exp():
    Exp, ExpT = both(exp_function)
    x, xt = pair(A[0])
    y, yt = Exp.apply(x).sum(), ExpT.apply(xt).sum()
    for _ in range(3):
        y = gn.autograd.grad(y, x, create_graph=True)[0].sum()
        yt = torch.autograd.grad(yt, xt, create_graph=True)[0].sum()
    close(y, yt)
    np.testing.assert_allclose(y.detach().numpy(), np.exp(A[0]).sum(), rtol=1e-12)


def test_function_instance_and_missing_backward_errors():
    class NoBackward(gn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1
    x, _ = pair(A)
    with pytest.raises(NotImplementedError, match="You must implement either the backward or vjp method"):
        NoBackward.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match="Legacy autograd function with non-static forward method"):
        NoBackward()


def two_outputs_function(base):
    """(2x, x³) with materialize_grads off: backward sees None for an output that got no gradient."""
    class TwoOutputs(base):
        calls = []

        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(x)
            return x * 2, x ** 3

        @staticmethod
        def backward(ctx, g_double, g_cube):
            x, = ctx.saved_tensors
            TwoOutputs.calls.append((g_double is None, g_cube is None))
            total = 0
            if g_double is not None:
                total = total + 2 * g_double
            if g_cube is not None:
                total = total + 3 * x * x * g_cube
            return total
    return TwoOutputs


def test_two_outputs_one_backward_call_with_both_gradients():
    Op, OpT = both(two_outputs_function)
    x, xt = pair(A)
    (d, c), (dt, ct) = Op.apply(x), OpT.apply(xt)
    close(d, dt)
    close(c, ct)
    (d * c).sum().backward()
    (dt * ct).sum().backward()
    close(x.grad, xt.grad)                               # ∂(2x·x³)/∂x = 8x³
    np.testing.assert_allclose(x.grad.numpy(), 8 * A ** 3, rtol=1e-12)
    assert Op.calls == OpT.calls == [(False, False)]


def test_an_output_without_gradient_is_none_when_not_materialized():
    Op, OpT = both(two_outputs_function)
    x, xt = pair(A)
    Op.apply(x)[1].sum().backward()
    OpT.apply(xt)[1].sum().backward()
    assert Op.calls == OpT.calls == [(True, False)]
    close(x.grad, xt.grad)


def test_double_backward_through_a_two_output_function():
    Op, OpT = both(two_outputs_function)
    x, xt = pair(A)
    (d, c), (dt, ct) = Op.apply(x), OpT.apply(xt)
    g, = gn.autograd.grad((d * c.sin()).sum(), x, create_graph=True)
    gt, = torch.autograd.grad((dt * ct.sin()).sum(), xt, create_graph=True)
    close(g, gt)
    h, = gn.autograd.grad((g * g).sum(), x)
    ht, = torch.autograd.grad((gt * gt).sum(), xt)
    close(h, ht)


def test_extra_trailing_none_gradients_are_allowed_and_broadcast_gradients_are_summed():
    def summing(base):
        class Total(base):
            @staticmethod
            def forward(ctx, x):
                return x.sum()

            @staticmethod
            def backward(ctx, g):
                ones = (gn.ones if base is gn.autograd.Function else torch.ones)((2,) + A[0].shape,
                                                                                  dtype=x_dtype(base))
                return g * ones, None                    # (2, 3) for an input of shape (3,)
        return Total

    def x_dtype(base):
        return gn.float64 if base is gn.autograd.Function else torch.float64
    Op, OpT = both(summing)
    x, xt = pair(A[0])
    Op.apply(x).backward()
    OpT.apply(xt).backward()
    close(x.grad, xt.grad)
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_setup_context_style_function():
    def cube(base):
        class Cube(base):
            @staticmethod
            def forward(x):
                return x ** 3

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(inputs[0])

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return 3 * x * x * g
        return Cube
    Op, OpT = both(cube)
    x, xt = pair(A)
    g, = gn.autograd.grad(Op.apply(x).sum(), x, create_graph=True)
    gt, = torch.autograd.grad(OpT.apply(xt).sum(), xt, create_graph=True)
    close(g, gt)
    close(gn.autograd.grad(g.sum(), x)[0], torch.autograd.grad(gt.sum(), xt)[0])   # 6x


def test_integer_outputs_are_not_differentiable():
    def argmax_too(base):
        lib = gn if base is gn.autograd.Function else torch

        class MaxWithArgmax(base):
            @staticmethod
            def forward(ctx, x):
                k = int(np.argmax(x.detach().numpy()))
                ctx.k, ctx.n = k, x.shape[0]
                return x[k] * 1, lib.tensor(k)

            @staticmethod
            def backward(ctx, g, g_index):
                one_hot = np.zeros(ctx.n)
                one_hot[ctx.k] = 1.0
                return g * lib.tensor(one_hot)
        return MaxWithArgmax
    Op, OpT = both(argmax_too)
    x, xt = pair(A[0])
    (m, k), (mt, kt) = Op.apply(x), OpT.apply(xt)
    assert not k.requires_grad and not kt.requires_grad
    assert int(k.item()) == int(kt.item())
    m.backward()
    mt.backward()
    close(x.grad, xt.grad)
