"""glassnet.autograd.grad / backward against torch.autograd on the same float64 inputs:
higher derivatives (create_graph), tuple outputs, non-leaf inputs, retain_graph, and the
errors torch raises, with torch's own words."""
import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.errors import GraphError

# torch warns that backward(create_graph=True) makes a reference cycle; that is what is tested here
pytestmark = pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")

rng = np.random.default_rng(7)
A = rng.standard_normal((3, 4))
B = rng.standard_normal((3, 4))
U = rng.standard_normal((3, 4))
V = rng.standard_normal((3, 4))


def pair(a, requires_grad=True):
    """The same float64 values as a glassnet and a torch tensor."""
    return (gn.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad),
            torch.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad))


def close(g, t, rtol=1e-9, atol=1e-12):
    assert tuple(g.shape) == tuple(t.shape)
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def torch_message(fn) -> str:
    with pytest.raises(Exception) as info:
        fn()
    return str(info.value)


# ------------------------------------------------------------------ create_graph and higher order

def test_backward_create_graph_gives_a_grad_with_a_graph_that_accumulates_like_torch():
    x, xt = pair([0.5, -1.5, 2.0])
    (x ** 3).sum().backward(create_graph=True)
    (xt ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    close(x.grad, xt.grad)                               # 3x²
    # Second backward through x.grad, without zeroing: torch adds ∂(Σ3x²)/∂x = 6x to x.grad.
    x.grad.sum().backward()
    xt.grad.sum().backward()
    close(x.grad, xt.grad)                               # 3x² + 6x
    np.testing.assert_allclose(x.grad.detach().numpy(), [3 * .25 + 3, 3 * 2.25 - 9, 12 + 12], rtol=1e-12)


def test_backward_create_graph_twice_accumulates_two_graphs():
    x, xt = pair([0.3, 1.2])
    for _ in range(2):
        (x.sin() * x).sum().backward(create_graph=True)
        (xt.sin() * xt).sum().backward(create_graph=True)
    close(x.grad, xt.grad)                               # 2 (sin x + x cos x)
    gg = gn.autograd.grad(x.grad.sum(), x)[0]
    ggt = torch.autograd.grad(xt.grad.sum(), xt)[0]
    close(gg, ggt)                                       # 2 (2 cos x − x sin x)


def test_grad_of_grad_after_zeroing_the_grad():
    x, xt = pair(A[0])
    (x.tanh() ** 2).sum().backward(create_graph=True)
    (xt.tanh() ** 2).sum().backward(create_graph=True)
    g, gt = x.grad, xt.grad
    x.grad, xt.grad = None, None
    (g * g).sum().backward()
    (gt * gt).sum().backward()
    close(x.grad, xt.grad)


def test_third_derivative_of_a_polynomial():
    # p(x) = 2x⁴ − 3x³ + x − 5:  p' = 8x³ − 9x² + 1,  p'' = 24x² − 18x,  p''' = 48x − 18
    xs = np.array([-1.0, 0.5, 2.0])
    x, xt = pair(xs)
    p, pt = 2 * x ** 4 - 3 * x ** 3 + x - 5, 2 * xt ** 4 - 3 * xt ** 3 + xt - 5
    d1, = gn.autograd.grad(p.sum(), x, create_graph=True)
    d2, = gn.autograd.grad(d1.sum(), x, create_graph=True)
    d3, = gn.autograd.grad(d2.sum(), x)
    np.testing.assert_allclose(d1.detach().numpy(), 8 * xs ** 3 - 9 * xs ** 2 + 1, rtol=1e-12)
    np.testing.assert_allclose(d2.detach().numpy(), 24 * xs ** 2 - 18 * xs, rtol=1e-12)
    np.testing.assert_allclose(d3.numpy(), [-66.0, 6.0, 78.0], rtol=1e-12)   # 48x − 18
    t1, = torch.autograd.grad(pt.sum(), xt, create_graph=True)
    t2, = torch.autograd.grad(t1.sum(), xt, create_graph=True)
    t3, = torch.autograd.grad(t2.sum(), xt)
    close(d3, t3)
    assert d1.requires_grad and d2.requires_grad and not d3.requires_grad


def test_fourth_derivative_of_exp_of_sin_like_torch():
    x, xt = pair(A[1])
    y, yt = x.sin().exp().sum(), xt.sin().exp().sum()
    for _ in range(4):
        y = gn.autograd.grad(y, x, create_graph=True)[0].sum()
        yt = torch.autograd.grad(yt, xt, create_graph=True)[0].sum()
    close(y, yt)
    np.testing.assert_allclose(gn.autograd.grad(y, x)[0].numpy(), torch.autograd.grad(yt, xt)[0].numpy(),
                               rtol=1e-9)


# ------------------------------------------------------------------ grad: outputs, inputs, grad_outputs

def test_grad_with_tuple_outputs_and_grad_outputs():
    (a, at), (b, bt) = pair(A), pair(B)
    (u, ut), (v, vt) = pair(U, False), pair(V, False)
    outs = (a * b, (a - b).sin())
    outs_t = (at * bt, (at - bt).sin())
    got = gn.autograd.grad(outs, (a, b), grad_outputs=(u, v))
    want = torch.autograd.grad(outs_t, (at, bt), grad_outputs=(ut, vt))
    assert isinstance(got, tuple) and len(got) == 2
    for g, t in zip(got, want):
        close(g, t)
    # ∂/∂a = u·b + v·cos(a − b)
    np.testing.assert_allclose(got[0].numpy(), U * B + V * np.cos(A - B), rtol=1e-12)


def test_grad_outputs_may_be_a_single_tensor_and_numbers_for_scalars():
    x, xt = pair(A)
    u, ut = pair(U, False)
    close(gn.autograd.grad(x.exp(), x, u)[0], torch.autograd.grad(xt.exp(), xt, ut)[0])
    s, st = (x * x).sum(), (xt * xt).sum()
    close(gn.autograd.grad(s, [x], [gn.tensor(3.0, dtype=gn.float64)])[0],
          torch.autograd.grad(st, [xt], [torch.tensor(3.0, dtype=torch.float64)])[0])


def test_grad_with_respect_to_non_leaf_tensors():
    x, xt = pair(A)
    h, ht = x * 2 + 1, xt * 2 + 1
    y, yt = (h.exp() * x).sum(), (ht.exp() * xt).sum()
    gh, gx = gn.autograd.grad(y, (h, x), retain_graph=True)
    th, tx = torch.autograd.grad(yt, (ht, xt), retain_graph=True)
    close(gh, th)                                        # ∂y/∂h = eʰ·x (h held fixed: no path to x)
    close(gx, tx)                                        # total: eʰ(2x + 1)
    np.testing.assert_allclose(gh.numpy(), np.exp(2 * A + 1) * A, rtol=1e-12)
    # grad leaves .grad alone
    assert x.grad is None and h.grad is None


def test_grad_of_a_leaf_output_and_a_repeated_input():
    x, xt = pair(A)
    u, ut = pair(U, False)
    close(gn.autograd.grad(x, x, u)[0], torch.autograd.grad(xt, xt, ut)[0])      # ∂x/∂x · u = u
    got = gn.autograd.grad((x * x).sum(), [x, x])
    want = torch.autograd.grad((xt * xt).sum(), [xt, xt])
    for g, t in zip(got, want):
        close(g, t)


def test_grad_does_not_touch_dot_grad_and_backward_does():
    x, _ = pair(A)
    y = (x * x).sum()
    gn.autograd.grad(y, x, retain_graph=True)
    assert x.grad is None
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * A)


def test_gradient_of_a_vjp_with_respect_to_the_cotangent():
    # g(v) = vᵀ J(x) for y = x² sin x; ∂⟨g, w⟩/∂v = J w (J diagonal here) and ∂/∂x mixes both.
    x, xt = pair(A)
    v, vt = pair(U)
    w = V
    g, = gn.autograd.grad(x * x * x.sin(), x, v, create_graph=True)
    gt, = torch.autograd.grad(xt * xt * xt.sin(), xt, vt, create_graph=True)
    close(g, gt)
    assert g.requires_grad
    dv, dx = gn.autograd.grad((g * gn.tensor(w)).sum(), (v, x))
    dvt, dxt = torch.autograd.grad((gt * torch.tensor(w)).sum(), (vt, xt))
    close(dv, dvt)
    close(dx, dxt)
    np.testing.assert_allclose(dv.numpy(), (2 * A * np.sin(A) + A * A * np.cos(A)) * w, rtol=1e-12)


def test_gn_autograd_backward_of_several_tensors_with_grad_tensors():
    (a, at), (u, ut), (v, vt) = pair(A), pair(U, False), pair(V, False)
    gn.autograd.backward([a.exp(), a * a], [u, v])
    torch.autograd.backward([at.exp(), at * at], [ut, vt])
    close(a.grad, at.grad)


def test_backward_inputs_restricts_which_leaves_get_a_grad():
    (a, at), (b, bt) = pair(A), pair(B)
    (a * b).sum().backward(inputs=[b])
    (at * bt).sum().backward(inputs=[bt])
    assert a.grad is None and at.grad is None
    close(b.grad, bt.grad)


def test_retain_grad_on_a_non_leaf():
    x, xt = pair(A)
    h, ht = x.exp(), xt.exp()
    h.retain_grad()
    ht.retain_grad()
    (h * h).sum().backward()
    (ht * ht).sum().backward()
    close(h.grad, ht.grad)


# ------------------------------------------------------------------ retain_graph

def test_grad_twice_through_a_freed_graph_raises_like_torch():
    x, xt = pair(A)
    y, yt = x.exp().sum(), xt.exp().sum()
    gn.autograd.grad(y, x)
    torch.autograd.grad(yt, xt)
    with pytest.raises(GraphError, match="backward through the graph a second time") as info:
        gn.autograd.grad(y, x)
    assert "backward through the graph a second time" in torch_message(lambda: torch.autograd.grad(yt, xt))
    assert "retain_graph=True" in str(info.value)


def test_backward_twice_through_a_freed_graph_raises():
    x, xt = pair(A)
    y, yt = (x.sin() * x).sum(), (xt.sin() * xt).sum()
    y.backward()
    yt.backward()
    with pytest.raises(GraphError, match="backward through the graph a second time"):
        y.backward()
    assert "backward through the graph a second time" in torch_message(lambda: yt.backward())


def test_retain_graph_allows_a_second_pass_with_the_same_result():
    x, xt = pair(A)
    y, yt = (x.sin() * x).sum(), (xt.sin() * xt).sum()
    first = gn.autograd.grad(y, x, retain_graph=True)[0]
    second = gn.autograd.grad(y, x)[0]
    close(first, second)
    close(second, torch.autograd.grad(yt, xt)[0])
    with pytest.raises(GraphError):
        gn.autograd.grad(y, x)


def test_create_graph_retains_the_graph_by_default():
    x, _ = pair(A)
    y = (x * x.exp()).sum()
    gn.autograd.grad(y, x, create_graph=True)
    again = gn.autograd.grad(y, x)[0]                    # retain_graph defaults to create_graph
    np.testing.assert_allclose(again.numpy(), np.exp(A) * (1 + A), rtol=1e-12)


# ------------------------------------------------------------------ errors, in torch's words

def test_non_scalar_output_without_grad_outputs():
    x, xt = pair(A)
    words = "grad can be implicitly created only for scalar outputs"
    assert words in torch_message(lambda: torch.autograd.grad(xt * 2, xt))
    with pytest.raises(GraphError, match=words):
        gn.autograd.grad(x * 2, x)
    with pytest.raises(GraphError, match=words):
        (x * 2).backward()


def test_unused_input_without_allow_unused():
    (x, xt), (z, zt) = pair(A), pair(B)
    words = "appears to not have been used in the graph"
    message = torch_message(lambda: torch.autograd.grad((xt * 2).sum(), [xt, zt]))
    assert words in message and "allow_unused=True" in message
    with pytest.raises(GraphError, match=words) as info:
        gn.autograd.grad((x * 2).sum(), [x, z])
    assert "allow_unused=True" in str(info.value)
    assert "index 1" in message and "index 1" in str(info.value)


def test_input_that_does_not_require_grad():
    (x, xt), (w, wt) = pair(A), pair(B, False)
    words = "does not require grad"
    assert words in torch_message(lambda: torch.autograd.grad((xt * wt).sum(), [xt, wt]))
    with pytest.raises(GraphError, match=words):
        gn.autograd.grad((x * w).sum(), [x, w])


def test_output_that_does_not_require_grad():
    (x, xt), (w, wt) = pair(A), pair(B, False)
    words = "element 0 of tensors does not require grad and does not have a grad_fn"
    assert words in torch_message(lambda: torch.autograd.grad((wt * 2).sum(), xt))
    with pytest.raises(GraphError, match=words):
        gn.autograd.grad((w * 2).sum(), x)
    with pytest.raises(GraphError, match=words):
        (w * 2).sum().backward()


def test_grad_outputs_of_the_wrong_shape():
    x, xt = pair(A)
    words = "Mismatch in shape: grad_output[0] has a shape of"
    assert words in torch_message(lambda: torch.autograd.grad(xt * 2, xt, torch.ones(4, dtype=torch.float64)))
    with pytest.raises(GraphError, match=r"Mismatch in shape: grad_output\[0\] has a shape of"):
        gn.autograd.grad(x * 2, x, gn.ones(4, dtype=gn.float64))


def test_allow_unused_gives_none_and_materialize_grads_gives_zeros():
    (x, xt), (z, zt) = pair(A), pair(B)
    got = gn.autograd.grad((x * 3).sum(), [x, z], allow_unused=True, retain_graph=True)
    want = torch.autograd.grad((xt * 3).sum(), [xt, zt], allow_unused=True, retain_graph=True)
    assert got[1] is None and want[1] is None
    close(got[0], want[0])
    got = gn.autograd.grad((x * 3).sum(), [x, z], materialize_grads=True)
    want = torch.autograd.grad((xt * 3).sum(), [xt, zt], materialize_grads=True)
    close(got[1], want[1])
    np.testing.assert_array_equal(got[1].numpy(), np.zeros_like(B))


def test_materialize_grads_with_allow_unused_false_is_a_value_error():
    x, xt = pair(A)
    words = "Expected allow_unused to be True or not passed when materialize_grads=True"
    with pytest.raises(ValueError) as info:
        torch.autograd.grad((xt * 2).sum(), xt, allow_unused=False, materialize_grads=True)
    assert words in str(info.value)
    with pytest.raises(ValueError, match=words):
        gn.autograd.grad((x * 2).sum(), x, allow_unused=False, materialize_grads=True)


def test_materialized_zero_of_an_unused_input_in_a_second_derivative():
    # y = a·b is linear in a: ∂²y/∂a² is unused (zero), ∂²y/∂a∂b = 1
    (a, at), (b, bt) = pair(A[0]), pair(B[0])
    ga, = gn.autograd.grad((a * b).sum(), a, create_graph=True)
    gat, = torch.autograd.grad((at * bt).sum(), at, create_graph=True)
    got = gn.autograd.grad(ga.sum(), [a, b], materialize_grads=True)
    want = torch.autograd.grad(gat.sum(), [at, bt], materialize_grads=True)
    for g, t in zip(got, want):
        close(g, t)


def test_is_grads_batched_stacks_one_vjp_per_row_like_torch():
    (x, xt), (z, zt) = pair(A[0]), pair(B[0])
    basis = np.eye(4)
    got = gn.autograd.grad(x.exp() * z.sum(), [x, z], gn.tensor(basis), is_grads_batched=True)
    want = torch.autograd.grad(xt.exp() * zt.sum(), [xt, zt], torch.tensor(basis), is_grads_batched=True)
    for g, t in zip(got, want):
        close(g, t)
    # the rows of the Jacobian of eˣ·Σz with respect to x: Diag(eˣ)·Σz
    np.testing.assert_allclose(got[0].numpy(), np.diag(np.exp(A[0])) * B[0].sum(), rtol=1e-12)
    assert got[1].shape == (4, 4)
