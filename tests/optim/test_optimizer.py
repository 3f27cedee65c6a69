"""The Optimizer base: parameter groups, argument validation, zero_grad, closures,
state_dict layout (as torch's), load_state_dict and bit-for-bit resume through a file."""
import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.errors import ShapeError
from glassnet.nn.parameter import Parameter
from glassnet.optim import SGD, Adam, AdamW, Optimizer
from glassnet.serialization import load, save
from glassnet.tensor import Tensor


def make_params(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [Parameter(rng.standard_normal(s).astype(dtype)) for s in [(4, 3), (4,), (2, 4)]]


def set_grads(params, rng):
    for p in params:
        p.grad = Tensor._wrap(rng.standard_normal(p.shape).astype(p.dtype))


# ------------------------------------------------------------------ groups

def test_param_groups_get_the_defaults_and_keep_their_own_options():
    a, b, c = make_params()
    opt = SGD([{"params": [a, b]}, {"params": c, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert len(opt.param_groups) == 2
    g0, g1 = opt.param_groups
    assert len(g0["params"]) == 2 and g0["params"][0] is a and g0["params"][1] is b
    assert (g0["lr"], g0["momentum"], g0["nesterov"]) == (0.1, 0, False)
    assert g1["params"][0] is c and (g1["lr"], g1["momentum"]) == (0.5, 0.9)


def test_add_param_group_adds_a_group_that_steps():
    a, b, c = make_params()
    opt = SGD([a, b], lr=0.1)
    opt.add_param_group({"params": [c], "lr": 1.0})
    c0 = c._data.copy()
    c.grad = Tensor._wrap(np.ones(c.shape))
    opt.step()
    np.testing.assert_array_equal(c._data, c0 - 1.0)
    assert opt.param_groups[1]["momentum"] == 0


def test_named_parameters_are_accepted_and_names_kept_in_state_dict():
    a, b, _ = make_params()
    opt = Adam([("layer.weight", a), ("layer.bias", b)])
    assert opt.param_groups[0]["params"][0] is a
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["layer.weight", "layer.bias"]


def test_a_parameter_twice_is_an_error():
    a, b, _ = make_params()
    with pytest.raises(ValueError, match="duplicate parameters"):
        SGD([a, b, a], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [a]}, {"params": [b, a]}], lr=0.1)
    opt = SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize("params, exc, message", [
    ([], ValueError, "empty parameter list"),
    ((p for p in []), ValueError, "empty parameter list"),
    (Parameter(np.ones(2)), TypeError, "iterable of Tensors or dicts"),
    ({Parameter(np.ones(2))}, TypeError, "ordered collections"),
    ([np.ones(2)], TypeError, "can only optimize Tensors"),
    ([{"lr": 0.1}], ValueError, "'params' entry"),
])
def test_bad_params_are_rejected(params, exc, message):
    with pytest.raises(exc, match=message):
        SGD(params, lr=0.1)


def test_non_leaf_tensor_cannot_be_optimized():
    a = Parameter(np.ones(2))
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([a * 2], lr=0.1)


# ------------------------------------------------------------------ validation

@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=-1), "Invalid learning rate: -1"),
    (dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    (dict(lr=0.1, weight_decay=-1e-4), "Invalid weight_decay value: -0.0001"),
    (dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
])
def test_sgd_validates_its_arguments_like_torch(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD(make_params(), **kwargs)
    with pytest.raises(ValueError, match=message.split(":")[0]):
        torch.optim.SGD([torch.zeros(2, requires_grad=True)], **kwargs)


def test_nan_learning_rate_is_rejected():
    # torch.optim.SGD lets NaN through (it tests lr < 0); glassnet refuses it up front.
    for cls in (SGD, Adam):
        with pytest.raises(ValueError, match="Invalid learning rate: nan"):
            cls(make_params(), lr=float("nan"))


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=-0.5), "Invalid learning rate: -0.5"),
    (dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (dict(betas=(-0.1, 0.999)), "Invalid beta parameter at index 0: -0.1"),
    (dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
])
def test_adam_validates_its_arguments_like_torch(kwargs, message):
    for cls in (Adam, AdamW):
        with pytest.raises(ValueError, match=message):
            cls(make_params(), **kwargs)
    with pytest.raises(ValueError, match=message):
        torch.optim.Adam([torch.zeros(2, requires_grad=True)], **kwargs)


def test_options_of_a_group_are_validated_too():
    a, b, _ = make_params()
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        SGD([{"params": [a]}, {"params": [b], "lr": -1}], lr=0.1)
    opt = Adam([a])
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 2"):
        opt.add_param_group({"params": [b], "betas": (0.9, 2)})
    with pytest.raises(TypeError, match="lr must be a number"):
        SGD([a], lr="fast")


def test_step_rejects_a_grad_of_the_wrong_shape_or_dtype():
    a, b, _ = make_params()
    opt = SGD([a, b], lr=0.1)
    b.grad = Tensor._wrap(np.ones(3))
    with pytest.raises(ShapeError, match=r"parameter 1 has shape \(4,\) but its .grad has shape \(3,\)"):
        opt.step()
    b.grad = Tensor._wrap(np.ones(4, dtype=np.float32))
    with pytest.raises(TypeError, match="parameter 1 has dtype float64 but its .grad has dtype float32"):
        opt.step()


# ------------------------------------------------------------------ zero_grad, closure

def test_zero_grad_sets_to_none_by_default():
    params = make_params()
    set_grads(params, np.random.default_rng(0))
    SGD(params, lr=0.1).zero_grad()
    assert all(p.grad is None for p in params)


def test_zero_grad_set_to_none_false_zeroes_in_place():
    params = make_params()
    set_grads(params, np.random.default_rng(0))
    arrays = [p.grad._data for p in params]
    SGD(params, lr=0.1).zero_grad(set_to_none=False)
    for p, arr in zip(params, arrays):
        assert p.grad._data is arr
        assert not arr.any()


def test_step_runs_the_closure_with_grad_enabled_and_returns_its_loss():
    p = Parameter(np.array([3.0]))
    opt = SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()          # ∂/∂θ θ² = 2θ = 6
        loss.backward()
        return loss

    with gn.no_grad():
        loss = opt.step(closure)
    assert float(loss) == 9.0
    assert p._data[0] == 3.0 - 0.25 * 6.0


def test_repr_lists_each_group_and_its_options():
    a, b, _ = make_params()
    text = repr(SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (")
    assert "Parameter Group 1" in text and "lr: 0.5" in text and "momentum: 0.9" in text


# ------------------------------------------------------------------ state_dict

def test_state_dict_has_torchs_layout():
    params = make_params()
    tparams = [torch.tensor(p._data.copy(), requires_grad=True) for p in params]
    opt = Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.1}], amsgrad=True)
    topt = torch.optim.Adam([{"params": tparams[:2]}, {"params": tparams[2:], "lr": 0.1}],
                            amsgrad=True)
    rng = np.random.default_rng(1)
    for p, tp in zip(params, tparams):
        g = rng.standard_normal(p.shape)
        p.grad, tp.grad = Tensor._wrap(g), torch.tensor(g)
    opt.step()
    topt.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]] == \
        [g["params"] for g in tsd["param_groups"]]
    assert list(sd["state"]) == [0, 1, 2] == list(tsd["state"])
    for k in sd["state"]:
        assert set(sd["state"][k]) == set(tsd["state"][k])
        for key, v in sd["state"][k].items():
            np.testing.assert_allclose(v._data, tsd["state"][k][key].numpy(), rtol=0, atol=1e-12)
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert set(g) <= set(tg)                      # torch has a few extra (foreach, fused, …)
        assert all(g[k] == tg[k] for k in g)


def test_state_dict_is_a_copy():
    params = make_params()
    opt = SGD(params, lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    set_grads(params, rng)
    opt.step()
    sd = opt.state_dict()
    saved = sd["state"][0]["momentum_buffer"]._data.copy()
    set_grads(params, rng)
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["momentum_buffer"]._data, saved)
    sd["param_groups"][0]["lr"] = 99.0
    assert opt.param_groups[0]["lr"] == 0.1


def test_load_state_dict_restores_options_and_casts_state_to_the_parameter_dtype():
    p64 = make_params(dtype=np.float64)
    opt = SGD(p64, lr=0.3, momentum=0.9)
    set_grads(p64, np.random.default_rng(0))
    opt.step()
    p32 = make_params(dtype=np.float32)
    opt32 = SGD(p32, lr=0.01)
    opt32.load_state_dict(opt.state_dict())
    assert opt32.param_groups[0]["lr"] == 0.3 and opt32.param_groups[0]["momentum"] == 0.9
    assert opt32.param_groups[0]["params"][0] is p32[0]
    buf = opt32.state[p32[0]]["momentum_buffer"]
    assert buf.dtype == np.float32
    np.testing.assert_allclose(buf._data, opt.state[p64[0]]["momentum_buffer"]._data, rtol=1e-6)


def test_load_state_dict_rejects_a_state_dict_that_does_not_fit():
    params = make_params()
    sd = SGD([{"params": params[:2]}, {"params": params[2:]}], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        SGD(params, lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="no 'param_groups' entry"):
        SGD(params, lr=0.1).load_state_dict({"state": {}})

    opt = SGD(params, lr=0.1, momentum=0.9)
    set_grads(params, np.random.default_rng(0))
    opt.step()
    sd = opt.state_dict()
    other = [Parameter(np.zeros((3, 4))), Parameter(np.zeros(4)), Parameter(np.zeros((2, 4)))]
    with pytest.raises(ShapeError, match=r"'momentum_buffer' of shape \(4, 3\) for parameter 0"):
        SGD(other, lr=0.1, momentum=0.9).load_state_dict(sd)


def test_adamw_stays_decoupled_after_loading_an_adam_state_dict():
    params = make_params()
    sd = Adam(params, lr=0.1, weight_decay=0.1).state_dict()
    opt = AdamW(make_params())
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True
    assert opt.param_groups[0]["weight_decay"] == 0.1


@pytest.mark.parametrize("make_opt", [
    lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: SGD([{"params": ps[:1], "lr": 0.2}, {"params": ps[1:], "momentum": 0.5,
                                                      "dampening": 0.5}], lr=0.05),
    lambda ps: Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.1),
    lambda ps: AdamW([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.1, "maximize": True}]),
], ids=["sgd-nesterov", "sgd-groups", "adam-amsgrad", "adamw-groups"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_resume_from_a_saved_checkpoint_continues_bit_for_bit(tmp_path, make_opt, dtype):
    rng = np.random.default_rng(11)
    grads = [[rng.standard_normal(s).astype(dtype) for s in [(4, 3), (4,), (2, 4)]]
             for _ in range(6)]

    def apply(params, opt, gs):
        for p, g in zip(params, gs):
            p.grad = Tensor._wrap(g.copy())
        opt.step()

    params = make_params(dtype=dtype)
    opt = make_opt(params)
    for gs in grads[:3]:
        apply(params, opt, gs)
    path = tmp_path / "ckpt.gn"
    save({"params": [p.detach() for p in params], "optim": opt.state_dict()}, path)
    for gs in grads[3:]:
        apply(params, opt, gs)

    ckpt = load(path)
    params2 = [Parameter(t._data) for t in ckpt["params"]]
    opt2 = make_opt(params2)
    opt2.load_state_dict(ckpt["optim"])
    for gs in grads[3:]:
        apply(params2, opt2, gs)
    for p, q in zip(params, params2):
        assert q.dtype == dtype
        np.testing.assert_array_equal(p._data, q._data)
    for p, q in zip(params, params2):
        for key, v in opt.state[p].items():
            np.testing.assert_array_equal(v._data, opt2.state[q][key]._data)


def test_base_optimizer_step_is_abstract():
    with pytest.raises(NotImplementedError):
        Optimizer(make_params(), {}).step()
