"""glassnet.func's grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian and functional_call
against torch.func on the same float64 inputs: values, the tree structure of results, nesting
(including through closures), and torch's errors."""
import numpy as np
import pytest
import torch
import torch.func as tfunc

import glassnet as gn
import glassnet.func as gfunc

# torch.func's transforms go through torch.jit, which warns that it is deprecated
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

rng = np.random.default_rng(9)
A = rng.standard_normal((2, 3))
B = rng.standard_normal(3)
V2 = rng.standard_normal(2)


def G(a, requires_grad=False):
    return gn.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


def T(a, requires_grad=False):
    return torch.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


def same(g, t, rtol=1e-9, atol=1e-12, where="result"):
    """Same tree (tuple / list / dict nesting), shapes and values."""
    if isinstance(t, (tuple, list)):
        assert type(g) is type(t) and len(g) == len(t), f"{where}: {type(g).__name__} vs {type(t).__name__}"
        for i, (a, b) in enumerate(zip(g, t)):
            same(a, b, rtol, atol, f"{where}[{i}]")
    elif isinstance(t, dict):
        assert isinstance(g, dict) and list(g) == list(t), f"{where}: keys"
        for k in t:
            same(g[k], t[k], rtol, atol, f"{where}[{k!r}]")
    elif isinstance(t, torch.Tensor):
        assert isinstance(g, gn.Tensor), f"{where}: {type(g).__name__}"
        assert tuple(g.shape) == tuple(t.shape), f"{where}: shape {g.shape} vs torch {tuple(t.shape)}"
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, err_msg=where)
    else:
        assert g == t, where


def both(call, *arrays):
    """``call(module, *tensors)`` with glassnet.func and glassnet tensors, and with torch.func."""
    same(call(gfunc, *[G(a) for a in arrays]), call(tfunc, *[T(a) for a in arrays]))


def f_xy(x, y):
    return (x.sin() @ y).sum()                           # scalar of (2, 3), (3,)


def vec_xy(x, y):
    return (x * y).sum(1)                                # (2,)


# ------------------------------------------------------------------ grad, grad_and_value

@pytest.mark.parametrize("argnums", [0, 1, -1, (0, 1), (1,)])
def test_grad_argnums(argnums):
    both(lambda M, x, y: M.grad(f_xy, argnums=argnums)(x, y), A, B)


def test_grad_by_hand():
    # f = Σᵢⱼ sin(xᵢⱼ) yⱼ: ∂f/∂x = cos(x)·y (broadcast), ∂f/∂y = Σᵢ sin(xᵢ)
    gx, gy = gfunc.grad(f_xy, argnums=(0, 1))(G(A), G(B))
    np.testing.assert_allclose(gx.numpy(), np.cos(A) * B, rtol=1e-12)
    np.testing.assert_allclose(gy.numpy(), np.sin(A).sum(0), rtol=1e-12)


def test_grad_has_aux():
    def f(x, y):
        return (x * y).sum(), {"double": x * 2, "y": y}
    both(lambda M, x, y: M.grad(f, has_aux=True)(x, y), A, B)
    both(lambda M, x, y: M.grad(f, argnums=(0, 1), has_aux=True)(x, y), A, B)


def test_grad_and_value():
    both(lambda M, x, y: M.grad_and_value(f_xy, argnums=(0, 1))(x, y), A, B)
    both(lambda M, x, y: M.grad_and_value(lambda x, y: ((x * y).sum(), (x * 3,)), argnums=1, has_aux=True)(x, y),
         A, B)
    g, value = gfunc.grad_and_value(f_xy)(G(A), G(B))
    assert not value.requires_grad and not g.requires_grad


def test_grad_of_a_dict_argument_and_keyword_arguments():
    both(lambda M, x, y: M.grad(lambda d, scale=1.0: (d["a"] * d["b"]).sum() * scale)({"a": x, "b": y[:2]},
                                                                                       scale=3.0), A[:, 0], B)


def test_grad_of_an_output_that_does_not_depend_on_the_input_is_zero():
    both(lambda M, x: M.grad(lambda x: (x * 0).sum() + 2.0)(x), A)


def test_nested_grad_of_grad():
    # f(x) = sin(x)·x:  f' = cos x·x + sin x,  f'' = 2cos x − x sin x,  f''' = −3sin x − x cos x
    x0 = 0.7
    both(lambda M, x: M.grad(M.grad(lambda w: w.sin() * w))(x), x0)
    third = gfunc.grad(gfunc.grad(gfunc.grad(lambda w: w.sin() * w)))(G(x0))
    np.testing.assert_allclose(third.numpy(), -3 * np.sin(x0) - x0 * np.cos(x0), rtol=1e-12)
    both(lambda M, x: M.grad(lambda z: (M.grad(lambda w: (w ** 4).sum())(z) ** 2).sum())(x), B)


def test_nested_grad_through_a_closure():
    # the inner function captures the outer transform's input y: the inner gradient 2xy must be
    # recorded for the outer one, ∂Σ(2xy)²/∂y = 8x²y
    x0, y0 = B, rng.standard_normal(3)

    def outer(M, y, x):
        return M.grad(lambda y: (M.grad(lambda x: (x * x * y).sum())(x) ** 2).sum())(y)
    both(outer, y0, x0)
    np.testing.assert_allclose(outer(gfunc, G(y0), G(x0)).numpy(), 8 * x0 ** 2 * y0, rtol=1e-12)
    both(lambda M, y, x: M.grad(lambda y: M.jacrev(lambda x: x * x * y)(x).sum())(y), y0, x0)
    both(lambda M, y, x: M.grad(lambda y: M.jacfwd(lambda x: x * x * y)(x).sum())(y), y0, x0)
    both(lambda M, y, x: M.grad(lambda y: M.jvp(lambda x: x * x * y, (x,), (y,))[1].sum())(y), y0, x0)


def test_results_do_not_require_grad_unless_they_depend_on_outside_tensors():
    g = gfunc.grad(lambda y: (gfunc.grad(lambda x: (x * x * y).sum())(G(B)) ** 2).sum())(G(A[0]))
    assert not g.requires_grad
    # a tensor that requires grad, captured from outside: the result keeps its graph (as torch)
    w, wt = G(B, True), T(B, True)
    g = gfunc.grad(lambda x: (x * x * w).sum())(G(A[0]))
    gt = tfunc.grad(lambda x: (x * x * wt).sum())(T(A[0]))
    assert g.requires_grad and gt.requires_grad
    g.sum().backward()
    gt.sum().backward()
    same(w.grad, wt.grad)                                # ∂Σ(2xw)/∂w = 2x


def test_grad_with_respect_to_a_tensor_that_requires_grad_stays_connected():
    x, xt = G(B, True), T(B, True)
    g, gt = gfunc.grad(lambda z: (z ** 3).sum())(x), tfunc.grad(lambda z: (z ** 3).sum())(xt)
    same(g, gt)
    same(gn.autograd.grad(g.sum(), x)[0], torch.autograd.grad(gt.sum(), xt)[0])       # 6x


def torch_message(fn) -> str:
    with pytest.raises(Exception) as info:
        fn()
    return str(info.value)


GRAD_ERRORS = [
    ("non_scalar_output", lambda M, x: M.grad(lambda x: x * 2)(x)),
    ("one_element_but_not_0_d", lambda M, x: M.grad(lambda x: x.sum().reshape(1))(x)),
    ("aux_not_a_pair", lambda M, x: M.grad(lambda x: x.sum(), has_aux=True)(x)),
    ("not_a_tensor", lambda M, x: M.grad(lambda x: 3.0)(x)),
    ("argnums_empty", lambda M, x: M.grad(lambda x: x.sum(), argnums=())(x)),
]


@pytest.mark.parametrize("name, call", GRAD_ERRORS, ids=[e[0] for e in GRAD_ERRORS])
def test_grad_errors_like_torch(name, call):
    message = torch_message(lambda: call(tfunc, T(A)))
    with pytest.raises(RuntimeError) as info:
        call(gfunc, G(A))
    assert str(info.value) == message


def test_argnums_out_of_range_and_of_the_wrong_type():
    words = torch_message(lambda: tfunc.grad(f_xy, argnums=2)(T(A), T(B)))
    assert words == "Got argnum=2, but only 2 positional inputs"
    with pytest.raises(RuntimeError, match="Got argnum=2, but only 2 positional inputs"):
        gfunc.grad(f_xy, argnums=2)(G(A), G(B))
    with pytest.raises(RuntimeError, match=r"argnums must be int or Tuple\[int, ...\], got: <class 'float'>"):
        gfunc.grad(f_xy, argnums=0.5)(G(A), G(B))


def test_grad_of_an_integer_tensor_is_an_error():
    words = "only Tensors of floating point dtype can require gradients"
    assert words in torch_message(lambda: tfunc.grad(lambda x: (x * 2).sum())(torch.ones(3, dtype=torch.long)))
    with pytest.raises(RuntimeError, match=words):
        gfunc.grad(lambda x: (x * 2).sum())(gn.tensor([1, 2, 3]))


# ------------------------------------------------------------------ vjp, jvp

def test_vjp():
    both(lambda M, x, y, v: M.vjp(vec_xy, x, y)[1](v), A, B, V2)
    both(lambda M, x, y, v: M.vjp(vec_xy, x, y)[0], A, B, V2)
    both(lambda M, x, y, v: M.vjp(lambda x, y: (vec_xy(x, y), y.exp()), x, y)[1]((v, y)), A, B, V2)
    both(lambda M, x, v: M.vjp(lambda d: d["a"].exp().sum(1), {"a": x})[1](v), A, V2)


def test_vjp_has_aux_and_can_be_called_twice():
    both(lambda M, x, v: M.vjp(lambda x: (x.exp().sum(1), x * 3), x, has_aux=True)[2], A, V2)
    out, vjp_fn = gfunc.vjp(vec_xy, G(A), G(B))
    first, second = vjp_fn(G(V2)), vjp_fn(G(2 * V2))
    same(second, tuple(torch.tensor(2 * g.numpy()) for g in first))


def test_vjp_with_a_cotangent_that_requires_grad_is_differentiable_in_it():
    v, vt = G(V2, True), T(V2, True)
    gx, _ = gfunc.vjp(vec_xy, G(A), G(B))[1](v)
    gxt, _ = tfunc.vjp(vec_xy, T(A), T(B))[1](vt)
    same(gx, gxt)
    same(gn.autograd.grad((gx * gx).sum(), v)[0], torch.autograd.grad((gxt * gxt).sum(), vt)[0])


def test_vjp_cotangent_of_the_wrong_shape():
    _, vjp_fn = gfunc.vjp(vec_xy, G(A), G(B))
    _, vjp_fn_t = tfunc.vjp(vec_xy, T(A), T(B))
    message = torch_message(lambda: vjp_fn_t(torch.ones(3, dtype=torch.float64)))
    assert "Mismatch in shape: grad_output[0] has a shape of" in message
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of"):
        vjp_fn(gn.ones(3))


def test_jvp():
    both(lambda M, x, y, t, s: M.jvp(vec_xy, (x, y), (t, s)), A, B, 2 * A, B)
    both(lambda M, x, y, t, s: M.jvp(lambda x, y: (vec_xy(x, y), y.exp()), (x, y), (t, s)), A, B, 2 * A, B)
    both(lambda M, x, t: M.jvp(lambda x: (x.exp(), x * 2), (x,), (t,), has_aux=True), A, A)
    # J t by hand: d/dε Σⱼ (x + εt)ᵢⱼ yⱼ = Σⱼ tᵢⱼ yⱼ
    _, jt = gfunc.jvp(vec_xy, (G(A), G(B)), (G(2 * A), G(np.zeros(3))))
    np.testing.assert_allclose(jt.numpy(), (2 * A) @ B, rtol=1e-12)


def test_jvp_errors_like_torch():
    for call in (lambda M, X: M.jvp(lambda x: x * 2, [X(B)], [X(B)]),
                 lambda M, X: M.jvp(lambda x: x * 2, (X(B),), (X(B), X(B)))):
        words = torch_message(lambda: call(tfunc, T)).split(" For example")[0].split(" E.g.")[0]
        with pytest.raises(RuntimeError) as info:
            call(gfunc, G)
        assert words in str(info.value)
    message = torch_message(lambda: tfunc.jvp(lambda x: x * 2, (T(B),), (T(V2),)))
    with pytest.raises(RuntimeError) as info:
        gfunc.jvp(lambda x: x * 2, (G(B),), (G(V2),))
    assert str(info.value) == message


# ------------------------------------------------------------------ jacrev, jacfwd, hessian

@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_jacobians_argnums(jac, argnums):
    both(lambda M, x, y: getattr(M, jac)(vec_xy, argnums=argnums)(x, y), A, B)


@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
def test_jacobians_of_tree_outputs_and_inputs(jac):
    both(lambda M, x, y: getattr(M, jac)(lambda x, y: (vec_xy(x, y), y), argnums=(0, 1))(x, y), A, B)
    both(lambda M, x: getattr(M, jac)(lambda x: {"s": x.sum(1), "x": x})(x), A)
    both(lambda M, x, y: getattr(M, jac)(lambda d: d["p"] * d["q"])({"p": x[0], "q": y}), A, B)
    both(lambda M, x: getattr(M, jac)(lambda x: (x * x).sum())(x), A)              # scalar output


@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
def test_jacobians_has_aux(jac):
    both(lambda M, x: getattr(M, jac)(lambda x: (x.sum(1), x * 2), has_aux=True)(x), A)


def test_jacobian_by_hand():
    # ∂(x·y)ᵢ/∂yⱼ = xᵢⱼ
    np.testing.assert_allclose(gfunc.jacrev(vec_xy, argnums=1)(G(A), G(B)).numpy(), A, rtol=1e-12)
    np.testing.assert_allclose(gfunc.jacfwd(vec_xy, argnums=1)(G(A), G(B)).numpy(), A, rtol=1e-12)


def test_hessian():
    both(lambda M, x: M.hessian(lambda x: (x.sin() * x).sum())(x), A)
    both(lambda M, x, y: M.hessian(f_xy, argnums=(0, 1))(x, y), A, B)
    both(lambda M, x, y: M.hessian(lambda x, y: (x.sin() @ y.exp()).sum(), argnums=1)(x, y), A, B)
    # Σ x³: H = Diag(6x)
    np.testing.assert_allclose(gfunc.hessian(lambda x: (x ** 3).sum())(G(B)).numpy(), np.diag(6 * B), rtol=1e-12)


def test_compositions_of_jacobians():
    both(lambda M, x: M.jacfwd(M.jacrev(lambda x: x.sin() * x.sum()))(x), B)
    both(lambda M, x: M.jacrev(M.jacrev(lambda x: x.sin() * x.sum()))(x), B)
    both(lambda M, x: M.jacrev(M.grad(lambda x: (x.sin() * x.sum()).sum()))(x), B)
    both(lambda M, x: M.grad(lambda x: M.jacrev(lambda z: z.sin() * z.sum())(x).sum())(x), B)


def test_jacrev_of_a_non_tensor_output_is_an_error():
    with pytest.raises(RuntimeError, match="expected f.* to return only tensors"):
        gfunc.jacrev(lambda x: 3.0)(G(B))


# ------------------------------------------------------------------ functional_call

def mlp_pair():
    torch.manual_seed(1)
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)).double()
    gnet = gn.nn.Sequential(gn.nn.Linear(3, 5), gn.nn.Tanh(), gn.nn.Linear(5, 2))
    with gn.no_grad():
        for (name, p), (tname, tp) in zip(gnet.named_parameters(), tnet.named_parameters()):
            assert name == tname
            p.copy_(gn.tensor(tp.detach().numpy().copy()))
    return gnet, tnet


def test_functional_call_uses_the_given_parameters_and_restores_the_module():
    gnet, tnet = mlp_pair()
    x = rng.standard_normal((4, 3))
    new = {"2.weight": rng.standard_normal((2, 5)), "2.bias": rng.standard_normal(2)}
    got = gfunc.functional_call(gnet, {k: G(v) for k, v in new.items()}, (G(x),))
    want = tfunc.functional_call(tnet, {k: T(v) for k, v in new.items()}, (T(x),))
    same(got, want)
    same(gnet(G(x)), tnet(T(x)))                          # the originals are back
    # several dicts and a single (non-tuple) argument
    got = gfunc.functional_call(gnet, ({"2.weight": G(new["2.weight"])}, {"2.bias": G(new["2.bias"])}), G(x))
    same(got, want)


def test_grad_of_a_loss_in_parameters_via_functional_call():
    gnet, tnet = mlp_pair()
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))

    def loss(M, net, X):
        def f(params):
            return ((M.functional_call(net, params, (X(x),)) - X(y)) ** 2).mean()
        return f
    params = {k: v.detach() for k, v in gnet.named_parameters()}
    params_t = {k: v.detach() for k, v in tnet.named_parameters()}
    same(gfunc.grad(loss(gfunc, gnet, G))(params), tfunc.grad(loss(tfunc, tnet, T))(params_t))
    # and the reference: backward through the module itself
    ((gnet(G(x)) - G(y)) ** 2).mean().backward()
    grads = gfunc.grad(loss(gfunc, gnet, G))(params)
    for k, p in gnet.named_parameters():
        np.testing.assert_allclose(grads[k].numpy(), p.grad.numpy(), rtol=1e-12)


def test_functional_call_unknown_name_and_strict():
    gnet, _ = mlp_pair()
    with pytest.raises(AttributeError, match="nope"):
        gfunc.functional_call(gnet, {"nope": G(B)}, (G(A),))
    with pytest.raises(RuntimeError, match="missing keys"):
        gfunc.functional_call(gnet, {"0.bias": G(np.zeros(5))}, (G(A),), strict=True)
