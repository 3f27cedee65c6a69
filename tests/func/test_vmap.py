"""glassnet.func.vmap against torch.func.vmap: in_dims / out_dims, nesting, composition with
grad (per-sample gradients of an MLP loss), and torch's errors. glassnet's vmap is a loop
over the mapped index, which warns once; the numbers must be the batched ones."""
import importlib

import numpy as np
import pytest
import torch
import torch.func as tfunc

import glassnet as gn
import glassnet.func as gfunc

pytestmark = [
    pytest.mark.filterwarnings("ignore:glassnet.func.vmap runs the function once per index"),
    pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning"),
]

vmap_module = importlib.import_module("glassnet.func.vmap")     # the module, not the function
rng = np.random.default_rng(13)
A = rng.standard_normal((4, 3))
B = rng.standard_normal(3)
C = rng.standard_normal((3, 4))


def G(a):
    return gn.tensor(np.array(a, dtype=np.float64))


def T(a):
    return torch.tensor(np.array(a, dtype=np.float64))


def same(g, t, rtol=1e-9, atol=1e-12, where="result"):
    if isinstance(t, (tuple, list)):
        assert type(g) is type(t) and len(g) == len(t), f"{where}: {type(g).__name__} vs {type(t).__name__}"
        for i, (a, b) in enumerate(zip(g, t)):
            same(a, b, rtol, atol, f"{where}[{i}]")
    elif isinstance(t, dict):
        assert isinstance(g, dict) and list(g) == list(t), f"{where}: keys"
        for k in t:
            same(g[k], t[k], rtol, atol, f"{where}[{k!r}]")
    else:
        assert isinstance(g, gn.Tensor), f"{where}: {type(g).__name__}"
        assert tuple(g.shape) == tuple(t.shape), f"{where}: shape {g.shape} vs torch {tuple(t.shape)}"
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, err_msg=where)


def both(call, *arrays):
    same(call(gfunc, *[G(a) for a in arrays]), call(tfunc, *[T(a) for a in arrays]))


CASES = [
    ("row_function", lambda M, x: M.vmap(lambda r: r.sin() * r.sum())(x), [A]),
    ("in_dims_1", lambda M, x: M.vmap(lambda col: col * 2, in_dims=1)(x), [A]),
    ("in_dims_negative", lambda M, x: M.vmap(lambda col: col.exp(), in_dims=-1)(x), [A]),
    ("unmapped_input", lambda M, x, b: M.vmap(lambda r, b: r * b, in_dims=(0, None))(x, b), [A, B]),
    ("nested_in_dims", lambda M, x, c, b: M.vmap(lambda p, b: p[0] * p[1] + b, in_dims=((0, 1), None))((x, c), b),
     [A, C, B]),
    ("one_dim_for_a_tuple", lambda M, x: M.vmap(lambda p: p[0] * p[1], in_dims=(0,))((x, x)), [A]),
    ("dict_input", lambda M, x: M.vmap(lambda d: d["a"] * 2)({"a": x}), [A]),
    ("out_dims_1", lambda M, x: M.vmap(lambda r: r * 2, out_dims=1)(x), [A]),
    ("out_dims_tuple", lambda M, x: M.vmap(lambda r: (r * 2, r.sum()), out_dims=(1, 0))(x), [A]),
    ("out_dims_none", lambda M, x, b: M.vmap(lambda r, b: (r * 2, b), in_dims=(0, None), out_dims=(0, None))(x, b),
     [A, B]),
    ("scalar_results", lambda M, x: M.vmap(lambda r: r.sum())(x), [A]),
    ("matrix_vector", lambda M, x, c: M.vmap(lambda r, m: m @ r, in_dims=(0, None))(x, c.T), [A, C]),
    ("nested_vmap", lambda M, x: M.vmap(M.vmap(lambda e: e * e))(x), [A]),
    ("nested_vmap_outer_product", lambda M, x, b: M.vmap(lambda r: M.vmap(lambda e: e * r)(b))(x), [A, B]),
    ("keyword_arguments", lambda M, x: M.vmap(lambda r, scale=1.0: r * scale)(x, scale=3.0), [A]),
    ("non_tensor_unmapped", lambda M, x: M.vmap(lambda r, k: r * k, in_dims=(0, None))(x, 2.0), [A]),
    ("chunk_size", lambda M, x: M.vmap(lambda r: r * 2, chunk_size=3)(x), [A]),
    ("list_input", lambda M, x: M.vmap(lambda l: l[0] * l[1])([x, x]), [A]),
]


@pytest.mark.parametrize("name, call, arrays", CASES, ids=[c[0] for c in CASES])
def test_vmap_like_torch(name, call, arrays):
    both(call, *arrays)


def test_vmap_is_the_loop_it_replaces():
    got = gfunc.vmap(lambda r, m: (m @ r).tanh(), in_dims=(1, None))(G(C), G(A))        # columns of C
    loop = np.stack([np.tanh(A @ C[:, i]) for i in range(4)])
    np.testing.assert_allclose(got.numpy(), loop, rtol=1e-12)


def test_vmap_warns_once_that_it_is_a_loop(monkeypatch):
    monkeypatch.setattr(vmap_module, "_warned", [False])
    with pytest.warns(RuntimeWarning, match="runs the function once per index"):
        gfunc.vmap(lambda r: r * 2)(G(A))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gfunc.vmap(lambda r: r * 2)(G(A))                 # second time: silent


def test_gradients_flow_through_vmap():
    x, xt = gn.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    (gfunc.vmap(lambda r: (r ** 3).sum())(x) * G(np.arange(4.0))).sum().backward()
    (tfunc.vmap(lambda r: (r ** 3).sum())(xt) * T(np.arange(4.0))).sum().backward()
    same(x.grad, xt.grad)                                # 3x² times the row's weight
    both(lambda M, x: M.vmap(M.grad(lambda r: (r ** 3).sum()))(x), A)
    both(lambda M, x: M.grad(lambda z: M.vmap(lambda r: (r ** 3).sum())(z).sum())(x), A)
    both(lambda M, x: M.vmap(M.jacrev(lambda r: r.sin()))(x), A)


# ------------------------------------------------------------------ per-sample gradients

def mlp_pair():
    torch.manual_seed(2)
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2)).double()
    gnet = gn.nn.Sequential(gn.nn.Linear(3, 6), gn.nn.Tanh(), gn.nn.Linear(6, 2))
    with gn.no_grad():
        for (name, p), (tname, tp) in zip(gnet.named_parameters(), tnet.named_parameters()):
            assert name == tname
            p.copy_(gn.tensor(tp.detach().numpy().copy()))
    return gnet, tnet


def per_sample_loss(M, net, loss):
    """The loss of one sample (x, y), as a function of the parameters (torch.func's recipe)."""
    def f(params, x, y):
        out = M.functional_call(net, params, (x.unsqueeze(0),))
        return loss(out, y.unsqueeze(0))
    return f


def mse(out, y):
    return ((out - y) ** 2).mean()


@pytest.mark.parametrize("loss_name", ["mse", "cross_entropy"])
def test_per_sample_gradients_of_an_mlp_loss(loss_name):
    gnet, tnet = mlp_pair()
    x = rng.standard_normal((5, 3))
    if loss_name == "mse":
        y = rng.standard_normal((5, 2))
        loss_gn = loss_t = mse
        Y, Yt = G(y), T(y)
    else:
        y = np.array([0, 1, 1, 0, 1])
        loss_gn, loss_t = gn.nn.functional.cross_entropy, torch.nn.functional.cross_entropy
        Y, Yt = gn.tensor(y), torch.tensor(y)
    params = {k: v.detach() for k, v in gnet.named_parameters()}
    params_t = {k: v.detach() for k, v in tnet.named_parameters()}
    f_gn = per_sample_loss(gfunc, gnet, loss_gn)
    f_t = per_sample_loss(tfunc, tnet, loss_t)

    got = gfunc.vmap(gfunc.grad(f_gn), in_dims=(None, 0, 0))(params, G(x), Y)
    want = tfunc.vmap(tfunc.grad(f_t), in_dims=(None, 0, 0))(params_t, T(x), Yt)
    same(got, want)
    assert got["0.weight"].shape == (5, 6, 3)             # one (6, 3) gradient per sample
    # the loop it stands for: one grad per sample
    for i in range(5):
        single = gfunc.grad(f_gn)(params, G(x)[i], Y[i])
        for k in params:
            np.testing.assert_allclose(got[k][i].numpy(), single[k].numpy(), rtol=1e-12)
    # and their mean is the gradient of the mean loss, from an ordinary backward
    out = gnet(G(x))
    (loss_gn(out, Y) if loss_name == "cross_entropy" else ((out - Y) ** 2).mean(1).mean()).backward()
    for k, p in gnet.named_parameters():
        np.testing.assert_allclose(got[k].numpy().mean(0), p.grad.numpy(), rtol=1e-9, atol=1e-14)


# ------------------------------------------------------------------ errors, in torch's words

def torch_error(call):
    with pytest.raises(Exception) as info:
        call(tfunc, T)
    return info.value


def vmap_f(r, s=None):
    return r


ERRORS = [
    ("mismatched_sizes", lambda M, X: M.vmap(lambda a, b: a.sum() + b.sum())(X(A), X(C))),
    ("in_dim_too_large", lambda M, X: M.vmap(vmap_f, in_dims=2)(X(A))),
    ("in_dim_too_small", lambda M, X: M.vmap(vmap_f, in_dims=-3)(X(A))),
    ("zero_dim_input", lambda M, X: M.vmap(vmap_f)(X(B).sum())),
    ("no_batched_input", lambda M, X: M.vmap(vmap_f, in_dims=(None, None))(X(A), X(B))),
    ("in_dims_none", lambda M, X: M.vmap(vmap_f, in_dims=None)(X(A))),
    ("no_inputs", lambda M, X: M.vmap(lambda: 1)()),
    ("in_dims_of_the_wrong_type", lambda M, X: M.vmap(vmap_f, in_dims="0")(X(A))),
    ("mapped_non_tensor", lambda M, X: M.vmap(vmap_f, in_dims=(0, 0))(X(A), 2.0)),
    ("non_tensor_output", lambda M, X: M.vmap(lambda a: 3.0)(X(A))),
    ("out_dim_out_of_range", lambda M, X: M.vmap(vmap_f, out_dims=3)(X(A))),
    ("bad_randomness", lambda M, X: M.vmap(vmap_f, randomness="bad")(X(A))),
]


@pytest.mark.parametrize("name, call", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_like_torch(name, call):
    expected = torch_error(call)
    with pytest.raises(type(expected)) as info:
        call(gfunc, G)
    assert str(info.value) == str(expected)


def test_in_dims_of_the_wrong_length():
    expected = torch_error(lambda M, X: M.vmap(vmap_f, in_dims=(0,))(X(A), X(B)))
    words = "in_dims is not compatible with the structure of `inputs`"
    assert words in str(expected)
    with pytest.raises(ValueError, match=words):
        gfunc.vmap(vmap_f, in_dims=(0,))(G(A), G(B))
