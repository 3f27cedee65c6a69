"""glassnet.autograd.functional (vjp, jvp, jacobian, hessian, hvp, vhp) against
torch.autograd.functional on the same float64 inputs: values, exact shapes and tuple
structure, create_graph, strict mode; the softmax Jacobian (seed 004) and the Hessian of an
MLP loss in its parameters."""
import numpy as np
import pytest
import torch
import torch.autograd.functional as TF

import glassnet as gn
import glassnet.autograd.functional as GF

# torch's vectorize=True goes through torch.jit, which warns that it is deprecated
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

rng = np.random.default_rng(5)
A = rng.standard_normal((2, 3))
B = rng.standard_normal(3)
VA = rng.standard_normal((2, 3))
VB = rng.standard_normal(3)
V2 = rng.standard_normal(2)


def G(a, requires_grad=False):
    return gn.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


def T(a, requires_grad=False):
    return torch.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


def same(g, t, rtol=1e-9, atol=1e-12, where="result"):
    """Equal structure (tuples nest the same way), shapes and values."""
    if isinstance(t, tuple):
        assert isinstance(g, tuple) and len(g) == len(t), f"{where}: {type(g).__name__} vs a {len(t)}-tuple"
        for i, (a, b) in enumerate(zip(g, t)):
            same(a, b, rtol, atol, f"{where}[{i}]")
        return
    assert isinstance(g, gn.Tensor), f"{where}: {type(g).__name__}"
    assert tuple(g.shape) == tuple(t.shape), f"{where}: shape {g.shape} vs torch {tuple(t.shape)}"
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, err_msg=where)


def lift(args, make):
    return tuple(lift(a, make) for a in args) if isinstance(args, tuple) else make(args)


# functions written once for both libraries (methods and operators only)
def one_to_one(x):
    return (x.sin() * x).sum(1)                          # (2, 3) → (2,)


def two_to_two(x, y):
    return x * y, (x @ y).exp()                          # (2, 3), (3,) → (2, 3), (2,)


def two_to_one(x, y):
    return (x * y).tanh()


def one_to_two(x):
    return x * x, x.sum()


def scalar_of_one(x):
    return (x.exp() * x.sin()).sum()


def scalar_of_two(x, y):
    return (x @ y).tanh().sum() + (y ** 3).sum()


JACOBIAN_CASES = [
    ("one_to_one", one_to_one, A),
    ("two_to_two", two_to_two, (A, B)),
    ("two_to_one", two_to_one, (A, B)),
    ("one_to_two", one_to_two, A),
    ("one_tuple_to_one", lambda x: x.exp(), (B,)),
    ("scalar_input", lambda x: x * x.exp(), 0.7),
]


@pytest.mark.parametrize("name, f, inputs", JACOBIAN_CASES, ids=[c[0] for c in JACOBIAN_CASES])
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_like_torch(name, f, inputs, vectorize):
    got = GF.jacobian(f, lift(inputs, G), vectorize=vectorize)
    want = TF.jacobian(f, lift(inputs, T), vectorize=vectorize)
    same(got, want)


def test_jacobian_forward_mode_strategy_gives_the_same_numbers():
    got = GF.jacobian(two_to_two, (G(A), G(B)), strategy="forward-mode", vectorize=True)
    want = TF.jacobian(two_to_two, (T(A), T(B)), strategy="forward-mode", vectorize=True)
    same(got, tuple(tuple(row) for row in want))        # torch's forward mode gives lists here


def test_jacobian_by_hand():
    # f(x) = x sin x (elementwise): J = Diag(sin x + x cos x)
    J = GF.jacobian(lambda x: x * x.sin(), G(B))
    np.testing.assert_allclose(J.numpy(), np.diag(np.sin(B) + B * np.cos(B)), rtol=1e-12)


HESSIAN_CASES = [
    ("one", scalar_of_one, A),
    ("two", scalar_of_two, (A, B)),
    ("one_tuple", lambda x: (x ** 4).sum(), (B,)),
    ("scalar", lambda x: x ** 4, 2.0),
    ("one_element_output", lambda x: (x * x).sum().reshape(1, 1), B),
]


@pytest.mark.parametrize("name, f, inputs", HESSIAN_CASES, ids=[c[0] for c in HESSIAN_CASES])
def test_hessian_like_torch(name, f, inputs):
    same(GF.hessian(f, lift(inputs, G)), TF.hessian(f, lift(inputs, T)))


def test_hessian_by_hand():
    # f = Σ x⁴: H = Diag(12 x²)
    H = GF.hessian(lambda x: (x ** 4).sum(), G(B))
    np.testing.assert_allclose(H.numpy(), np.diag(12 * B ** 2), rtol=1e-12)


PRODUCT_CASES = [
    # (name, function, inputs, v for vjp (output-shaped), v for jvp/hvp/vhp (input-shaped))
    ("one", one_to_one, A, V2, VA),
    ("two", two_to_two, (A, B), (VA, V2), (VA, VB)),
    ("one_tuple", lambda x: (x.exp(),), (B,), (VB,), (VB,)),
]


@pytest.mark.parametrize("name, f, inputs, v_out, v_in", PRODUCT_CASES, ids=[c[0] for c in PRODUCT_CASES])
def test_vjp_and_jvp_like_torch(name, f, inputs, v_out, v_in):
    same(GF.vjp(f, lift(inputs, G), lift(v_out, G)), TF.vjp(f, lift(inputs, T), lift(v_out, T)))
    same(GF.jvp(f, lift(inputs, G), lift(v_in, G)), TF.jvp(f, lift(inputs, T), lift(v_in, T)))


@pytest.mark.parametrize("fn", ["hvp", "vhp"])
@pytest.mark.parametrize("f, inputs, v", [(scalar_of_one, A, VA), (scalar_of_two, (A, B), (VA, VB))],
                         ids=["one", "two"])
def test_hvp_and_vhp_like_torch(fn, f, inputs, v):
    same(getattr(GF, fn)(f, lift(inputs, G), lift(v, G)), getattr(TF, fn)(f, lift(inputs, T), lift(v, T)))


def test_v_may_be_left_out_for_one_element_outputs_and_inputs():
    same(GF.vjp(scalar_of_one, G(A)), TF.vjp(scalar_of_one, T(A)))
    f = lambda x: x * x.exp()                            # noqa: E731
    same(GF.jvp(f, G(0.3)), TF.jvp(f, T(0.3)))
    same(GF.hvp(lambda x: x ** 3, G(0.3)), TF.hvp(lambda x: x ** 3, T(0.3)))
    same(GF.vhp(lambda x: x ** 3, G(0.3)), TF.vhp(lambda x: x ** 3, T(0.3)))


def test_products_agree_with_the_jacobian_and_hessian():
    x = G(A)
    J = GF.jacobian(one_to_one, x).numpy().reshape(2, 6)
    np.testing.assert_allclose(GF.vjp(one_to_one, x, G(V2))[1].numpy().reshape(-1), V2 @ J, rtol=1e-12)
    np.testing.assert_allclose(GF.jvp(one_to_one, x, G(VA))[1].numpy(), J @ VA.reshape(-1), rtol=1e-12)
    H = GF.hessian(scalar_of_one, x).numpy().reshape(6, 6)
    np.testing.assert_allclose(GF.hvp(scalar_of_one, x, G(VA))[1].numpy().reshape(-1), H @ VA.reshape(-1),
                               rtol=1e-12)


def test_results_are_detached_without_create_graph():
    x = G(A, True)
    out, g = GF.vjp(one_to_one, x, G(V2))
    assert not out.requires_grad and not g.requires_grad
    assert not GF.jacobian(one_to_one, x).requires_grad
    assert not GF.hessian(scalar_of_one, x).requires_grad
    assert x.grad is None


# ------------------------------------------------------------------ create_graph

def grads_both(g_out, t_out, g_wrt, t_wrt):
    """∂Σ(out²)/∂wrt in both libraries."""
    got = gn.autograd.grad((g_out * g_out).sum(), g_wrt, allow_unused=True, materialize_grads=True)
    want = torch.autograd.grad((t_out * t_out).sum(), t_wrt, allow_unused=True, materialize_grads=True)
    same(tuple(got), tuple(want))


def test_create_graph_jacobian_and_hessian_are_differentiable():
    x, xt = G(A, True), T(A, True)
    J, Jt = GF.jacobian(one_to_one, x, create_graph=True), TF.jacobian(one_to_one, xt, create_graph=True)
    same(J, Jt)
    assert J.requires_grad
    grads_both(J, Jt, (x,), (xt,))
    H, Ht = GF.hessian(scalar_of_one, x, create_graph=True), TF.hessian(scalar_of_one, xt, create_graph=True)
    same(H, Ht)
    grads_both(H, Ht, (x,), (xt,))                       # third derivatives


@pytest.mark.parametrize("fn", ["vjp", "jvp", "hvp", "vhp"])
def test_create_graph_products_are_differentiable_in_inputs_and_v(fn):
    f = one_to_one if fn in ("vjp", "jvp") else scalar_of_one
    v = V2 if fn == "vjp" else VA
    x, xt, u, ut = G(A, True), T(A, True), G(v, True), T(v, True)
    out, r = getattr(GF, fn)(f, x, u, create_graph=True)
    out_t, rt = getattr(TF, fn)(f, xt, ut, create_graph=True)
    same((out, r), (out_t, rt))
    assert r.requires_grad
    grads_both(r, rt, (x, u), (xt, ut))


def test_create_graph_with_inputs_that_do_not_require_grad_still_gives_a_graph():
    # torch: the function runs on a fresh leaf, so the result has a graph (to that leaf only)
    H, Ht = GF.hessian(scalar_of_one, G(A), create_graph=True), TF.hessian(scalar_of_one, T(A), create_graph=True)
    assert H.requires_grad == Ht.requires_grad is True
    same(H, Ht)


# ------------------------------------------------------------------ strict mode and errors

def torch_error(fn) -> str:
    with pytest.raises(RuntimeError) as info:
        fn()
    return str(info.value)


def ignores_y(x, y):
    return x * 2


STRICT_CASES = [
    ("jacobian_unused_input", lambda M, X: M.jacobian(ignores_y, (X(A), X(B)), strict=True)),
    ("jacobian_constant_output", lambda M, X: M.jacobian(lambda x: x.detach() * 1, X(A), strict=True)),
    ("vjp_unused_input", lambda M, X: M.vjp(ignores_y, (X(A), X(B)), X(VA), strict=True)),
    ("jvp_unused_input", lambda M, X: M.jvp(ignores_y, (X(A), X(B)), (X(VA), X(VB)), strict=True)),
    ("hessian_linear", lambda M, X: M.hessian(lambda x: x.sum(), X(A), strict=True)),
    ("hessian_unused_input", lambda M, X: M.hessian(lambda x, y: (x * x).sum(), (X(A), X(B)), strict=True)),
    ("hvp_linear", lambda M, X: M.hvp(lambda x: x.sum(), X(A), X(VA), strict=True)),
    ("vhp_linear", lambda M, X: M.vhp(lambda x: x.sum(), X(A), X(VA), strict=True)),
    ("strict_and_vectorize", lambda M, X: M.jacobian(one_to_one, X(A), strict=True, vectorize=True)),
    ("strict_create_graph_linear", lambda M, X: M.jacobian(lambda x: 3 * x, X(B), strict=True,
                                                            create_graph=True)),
]


@pytest.mark.parametrize("name, call", STRICT_CASES, ids=[c[0] for c in STRICT_CASES])
def test_strict_mode_errors_say_what_torch_says(name, call):
    message = torch_error(lambda: call(TF, T))
    with pytest.raises(RuntimeError) as info:
        call(GF, G)
    assert str(info.value) == message


def test_without_strict_unused_inputs_get_zeros():
    got, want = GF.jacobian(ignores_y, (G(A), G(B))), TF.jacobian(ignores_y, (T(A), T(B)))
    same(got, want)
    np.testing.assert_array_equal(got[1].numpy(), 0.0)
    same(GF.vjp(ignores_y, (G(A), G(B)), G(VA)), TF.vjp(ignores_y, (T(A), T(B)), T(VA)))
    same(GF.hessian(lambda x: x.sum(), G(A)), TF.hessian(lambda x: x.sum(), T(A)))


BAD_CALLS = [
    ("vjp_v_needed", lambda M, X: M.vjp(one_to_one, X(A))),
    ("vjp_v_wrong_size", lambda M, X: M.vjp(one_to_one, X(A), X(B))),
    ("jvp_v_needed", lambda M, X: M.jvp(one_to_one, X(A))),
    ("jvp_v_wrong_length", lambda M, X: M.jvp(two_to_one, (X(A), X(B)), (X(VA),))),
    ("jvp_v_entry_wrong_size", lambda M, X: M.jvp(two_to_one, (X(A), X(B)), (X(VA), X(V2)))),
    ("hessian_of_a_vector", lambda M, X: M.hessian(lambda x: x * 1, X(A))),
    ("hessian_of_a_tuple", lambda M, X: M.hessian(lambda x: (x.sum(),), X(A))),
    ("hvp_of_a_vector", lambda M, X: M.hvp(lambda x: x * 1, X(A), X(VA))),
]


@pytest.mark.parametrize("name, call", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_misuse_errors_say_what_torch_says(name, call):
    message = torch_error(lambda: call(TF, T))
    with pytest.raises(RuntimeError) as info:
        call(GF, G)
    assert str(info.value) == message.replace("torch.Size([2, 3])", "(2, 3)").replace(
        "torch.Size([3])", "(3,)").replace("torch.Size([2])", "(2,)")


def test_non_tensor_inputs_and_outputs_are_type_errors():
    for M, X in ((TF, T), (GF, G)):
        with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
            M.jacobian(lambda x: x, 3.0)
        with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
            M.jacobian(lambda x: 3.0, X(A))


# ------------------------------------------------------------------ softmax (seed 004, Q2.1 and Q2.4)

def test_softmax_jacobian_is_diag_p_minus_p_p_transpose():
    x = rng.standard_normal(5)
    J = GF.jacobian(lambda z: gn.softmax(z, dim=0), G(x))
    p = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    np.testing.assert_allclose(J.numpy(), np.diag(p) - np.outer(p, p), rtol=1e-9, atol=1e-15)
    same(J, TF.jacobian(lambda z: torch.softmax(z, 0), T(x)))
    # J is symmetric and J·1 = 0: adding c to every entry (moving along 1) changes nothing
    np.testing.assert_allclose(J.numpy(), J.numpy().T, atol=1e-15)
    np.testing.assert_allclose(J.numpy() @ np.ones(5), 0.0, atol=1e-15)
    np.testing.assert_allclose(J.numpy().sum(0), 0.0, atol=1e-15)


def test_softmax_is_shift_invariant():
    x = rng.standard_normal((2, 5))
    for c in (-3.0, 0.5, 40.0):
        np.testing.assert_allclose(gn.softmax(G(x) + c, dim=1).numpy(), gn.softmax(G(x), dim=1).numpy(),
                                   rtol=1e-12)
    # the jvp along the all-ones direction is zero, in each row
    _, jv = GF.jvp(lambda z: gn.softmax(z, dim=1), G(x), G(np.ones((2, 5))))
    _, jvt = TF.jvp(lambda z: torch.softmax(z, 1), T(x), T(np.ones((2, 5))))
    same(jv, jvt, atol=1e-15)
    np.testing.assert_allclose(jv.numpy(), 0.0, atol=1e-15)


def test_softmax_jacobian_with_create_graph_like_torch():
    x, xt = G(B, True), T(B, True)
    J = GF.jacobian(lambda z: gn.softmax(z, dim=0), x, create_graph=True)
    Jt = TF.jacobian(lambda z: torch.softmax(z, 0), xt, create_graph=True)
    grads_both(J, Jt, (x,), (xt,))


# ------------------------------------------------------------------ an MLP loss in its parameters

def mlp_pair():
    torch.manual_seed(0)
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    gnet = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.Tanh(), gn.nn.Linear(4, 2))
    with gn.no_grad():
        for (name, p), (tname, tp) in zip(gnet.named_parameters(), tnet.named_parameters()):
            assert name == tname
            p.copy_(gn.tensor(tp.detach().numpy().copy()))
    return gnet, tnet


def test_hessian_of_an_mlp_loss_in_its_parameters():
    gnet, tnet = mlp_pair()
    names = [n for n, _ in gnet.named_parameters()]
    x = rng.standard_normal((5, 3))
    y = rng.standard_normal((5, 2))

    def loss_gn(*params):
        out = gn.func.functional_call(gnet, dict(zip(names, params)), (G(x),))
        return ((out - G(y)) ** 2).mean()

    def loss_torch(*params):
        out = torch.func.functional_call(tnet, dict(zip(names, params)), (T(x),))
        return ((out - T(y)) ** 2).mean()
    params_gn = tuple(p.detach() for p in gnet.parameters())
    params_t = tuple(p.detach() for p in tnet.parameters())
    H = GF.hessian(loss_gn, params_gn)
    Ht = TF.hessian(loss_torch, params_t)
    same(H, Ht)
    assert H[0][2].shape == (4, 3, 2, 4)                # ∂²L/∂W₁∂W₂: W₁ is (4, 3), W₂ is (2, 4)
    # the Hessian is symmetric: block (i, j) is block (j, i) transposed
    n1 = 4 * 3
    np.testing.assert_allclose(H[0][2].numpy().reshape(n1, 8), H[2][0].numpy().reshape(8, n1).T, rtol=1e-12)
    # the module keeps its own parameters after functional_call
    for p, q in zip(gnet.parameters(), params_gn):
        np.testing.assert_array_equal(p.detach().numpy(), q.numpy())


def test_hvp_of_a_conv_loss_in_input_and_weight_like_torch():
    # conv's derivative rules are themselves convolutions: Hv needs them differentiated once more
    image, weight = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    v_image, v_weight = rng.standard_normal(image.shape), rng.standard_normal(weight.shape)

    def loss_gn(x, w):
        return (gn.nn.functional.conv2d(x, w, padding=1).tanh() ** 2).sum()

    def loss_t(x, w):
        return (torch.nn.functional.conv2d(x, w, padding=1).tanh() ** 2).sum()
    same(GF.hvp(loss_gn, (G(image), G(weight)), (G(v_image), G(v_weight))),
         TF.hvp(loss_t, (T(image), T(weight)), (T(v_image), T(v_weight))))
