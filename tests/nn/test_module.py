"""Module: registration, traversal, modes, state_dict, dtype casting, hooks and repr,
checked against torch.nn for the same architecture."""
import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn
from glassnet.nn.module import IncompatibleKeys

from ._helpers import assert_close, copy_weights


def build_net(lib, mod):
    """The same architecture in torch (lib=torch, mod=torch.nn) or glassnet (gn, gn.nn):
    nested blocks, a Sequential, a ModuleDict, a tied weight, persistent and
    non-persistent buffers, a bias-free layer."""

    class Block(mod.Module):
        def __init__(self, n):
            super().__init__()
            self.fc = mod.Linear(n, n)
            self.act = mod.Tanh()
            self.register_buffer("scale", lib.ones(n, dtype=lib.float64))
            self.register_buffer("scratch", lib.zeros(2, dtype=lib.float64), persistent=False)

        def forward(self, x):
            return self.act(self.fc(x)) * self.scale

    class Net(mod.Module):
        def __init__(self):
            super().__init__()
            self.inp = mod.Linear(3, 4, dtype=lib.float64)
            self.blocks = mod.Sequential(Block(4), mod.ReLU(), Block(4))
            self.heads = mod.ModuleDict({"a": mod.Linear(4, 2, bias=False), "b": mod.Linear(4, 4)})
            self.heads["b"].weight = self.blocks[0].fc.weight      # tied: one parameter, two names
            self.alpha = mod.Parameter(lib.zeros(1, dtype=lib.float64))

        def forward(self, x):
            h = self.blocks(self.inp(x))
            return self.heads["a"](self.heads["b"](h)) + self.alpha

    net = Net()
    return net.double() if lib is torch else net


@pytest.fixture
def pair():
    gn.manual_seed(0)
    g, t = build_net(gn, nn), build_net(torch, torch.nn)
    copy_weights(g, t)
    return g, t


# ------------------------------------------------------------------ registration

def test_named_parameters_names_and_order_match_torch(pair):
    g, t = pair
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in g.named_parameters(prefix="model")] == \
        [n for n, _ in t.named_parameters(prefix="model")]
    assert [n for n, _ in g.named_parameters(recurse=False)] == ["alpha"]


def test_shared_parameter_is_counted_once(pair):
    g, t = pair
    params = list(g.parameters())
    # inp 3·4 + 4, two blocks 4·4 + 4 each, head a 4·2, head b only its bias, alpha 1
    assert len(params) == len(list(t.parameters())) == 9
    assert len({id(p) for p in params}) == len(params)
    assert sum(p.numel() for p in params) == sum(p.numel() for p in t.parameters()) == 69
    assert g.heads["b"].weight is g.blocks[0].fc.weight


def test_named_buffers_include_non_persistent_ones(pair):
    g, t = pair
    assert [n for n, _ in g.named_buffers()] == [n for n, _ in t.named_buffers()] == \
        ["blocks.0.scale", "blocks.0.scratch", "blocks.2.scale", "blocks.2.scratch"]


def test_children_and_modules_match_torch(pair):
    g, t = pair
    assert [n for n, _ in g.named_children()] == [n for n, _ in t.named_children()] == \
        ["inp", "blocks", "heads"]
    assert [n for n, _ in g.named_modules()] == [n for n, _ in t.named_modules()]
    assert [type(m).__name__ for m in g.modules()] == [type(m).__name__ for m in t.modules()]


def test_a_module_used_twice_is_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.children())) == 2
    assert len(list(model.modules())) == 3
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_assigning_registers_and_reassigning_moves_between_kinds():
    m = nn.Module()
    m.w = nn.Parameter(gn.ones(2))
    m.sub = nn.Linear(1, 1)
    m.plain = gn.ones(3)                       # a plain tensor is neither parameter nor buffer
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"]
    assert list(m.state_dict()) == ["w", "sub.weight", "sub.bias"]
    m.w = nn.Linear(1, 1)                      # a parameter's name now holds a module
    assert "w" not in m._parameters and list(m._modules) == ["sub", "w"]
    m.w = None                                 # None keeps the slot, as torch does
    assert m._modules["w"] is None and list(m.state_dict()) == ["sub.weight", "sub.bias"]
    del m.sub
    with pytest.raises(AttributeError, match="sub"):
        m.sub


def test_assigning_a_plain_tensor_to_a_parameter_name_is_a_type_error():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="weight"):
        lin.weight = gn.ones(2, 2)
    lin.bias = None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]


def test_assigning_before_init_is_an_attribute_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)
    with pytest.raises(AttributeError, match="__init__"):
        Bad()


def test_register_buffer_rejects_non_tensors():
    with pytest.raises(TypeError, match="buf"):
        nn.Module().register_buffer("buf", [1.0, 2.0])


def test_get_submodule(pair):
    g, _ = pair
    assert g.get_submodule("blocks.2.fc") is g.blocks[2].fc
    with pytest.raises(AttributeError, match="nope"):
        g.get_submodule("blocks.nope")


def test_missing_forward_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(gn.ones(1))


# ------------------------------------------------------------------ modes and grads

def test_train_and_eval_reach_every_submodule(pair):
    g, _ = pair
    assert all(m.training for m in g.modules())
    assert g.eval() is g
    assert not any(m.training for m in g.modules())
    g.blocks.train()
    assert g.blocks[2].act.training and not g.training and not g.inp.training
    assert g.train() is g and all(m.training for m in g.modules())
    with pytest.raises(ValueError):
        g.train("no")


def test_zero_grad_sets_to_none_or_zeros(pair):
    g, _ = pair
    g(gn.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in g.parameters())
    g.zero_grad(set_to_none=False)
    for p in g.parameters():
        assert p.grad.shape == p.shape and not p.grad.numpy().any()
    g.zero_grad()
    assert all(p.grad is None for p in g.parameters())


def test_forward_and_gradients_match_torch_with_tied_weights(pair):
    g, t = pair
    x = np.random.default_rng(1).normal(size=(6, 3))
    out_g = g(gn.tensor(x))
    out_t = t(torch.tensor(x))
    assert_close(out_g, out_t)
    (out_g ** 2).sum().backward()
    (out_t ** 2).sum().backward()
    for (name, pg), (_, pt) in zip(g.named_parameters(), t.named_parameters()):
        assert_close(pg.grad, pt.grad)


def test_requires_grad_false_freezes_parameters():
    lin = nn.Linear(2, 2)
    assert lin.requires_grad_(False) is lin
    assert not any(p.requires_grad for p in lin.parameters())
    assert not lin(gn.ones(1, 2)).requires_grad


# ------------------------------------------------------------------ state_dict

def test_state_dict_keys_match_torch(pair):
    g, t = pair
    assert list(g.state_dict()) == list(t.state_dict())
    assert "blocks.0.scratch" not in g.state_dict()          # non-persistent buffer
    assert "heads.b.weight" in g.state_dict()                 # tied weight under both names


def test_state_dict_values_are_detached_and_share_memory():
    lin = nn.Linear(2, 3)
    sd = lin.state_dict()
    assert not sd["weight"].requires_grad
    assert isinstance(sd["weight"], gn.Tensor) and not isinstance(sd["weight"], nn.Parameter)
    assert lin.state_dict(keep_vars=True)["weight"] is lin.weight
    with gn.no_grad():
        lin.weight[0, 0] = 7.0
    assert sd["weight"].numpy()[0, 0] == 7.0


def test_load_state_dict_copies_values_in_place():
    src, dst = nn.Linear(3, 2), nn.Linear(3, 2)
    weight = dst.weight
    assert dst.load_state_dict(src.state_dict()) == IncompatibleKeys([], [])
    assert dst.weight is weight                               # same parameter object, new values
    assert_close(dst.weight, src.weight)
    with gn.no_grad():
        src.weight[0, 0] = 99.0                                # a copy, not shared
    assert dst.weight.detach().numpy()[0, 0] != 99.0


def test_load_state_dict_strict_errors_name_the_keys():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    sd = model.state_dict()
    del sd["2.bias"]
    sd["2.extra"] = gn.zeros(1)
    with pytest.raises(RuntimeError) as exc:
        model.load_state_dict(sd)
    msg = str(exc.value)
    assert msg.startswith("Error(s) in loading state_dict for Sequential")
    lines = msg.split("\n\t")                                # torch's order
    assert lines[1].startswith('Missing key(s) in state_dict: "2.bias"')
    assert lines[2].startswith('Unexpected key(s) in state_dict: "2.extra"')


def test_load_state_dict_non_strict_reports_like_torch():
    g = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    t = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    sd_g, sd_t = g.state_dict(), t.state_dict()
    for sd in (sd_g, sd_t):
        del sd["0.weight"]
        sd["9.weight"] = sd["2.weight"]
    got = g.load_state_dict(sd_g, strict=False)
    expected = t.load_state_dict(sd_t, strict=False)
    assert got.missing_keys == expected.missing_keys == ["0.weight"]
    assert got.unexpected_keys == expected.unexpected_keys == ["9.weight"]


def test_load_state_dict_size_mismatch_raises_even_when_not_strict():
    model = nn.Linear(3, 2)
    for strict in (True, False):
        with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with "
                           r"shape \(3, 2\) from checkpoint, the shape in current model is \(2, 3\)"):
            model.load_state_dict({"weight": gn.zeros(3, 2), "bias": gn.zeros(2)}, strict=strict)
    assert model.weight.detach().numpy().any()                          # nothing was loaded


def test_loading_a_torch_state_dict_as_numpy_reproduces_torch(pair):
    g, t = pair
    torch.manual_seed(3)
    fresh = build_net(torch, torch.nn)
    g.load_state_dict({k: v.numpy() for k, v in fresh.state_dict().items()})
    x = np.random.default_rng(2).normal(size=(4, 3))
    assert_close(g(gn.tensor(x)), fresh(torch.tensor(x)))


def test_loading_float32_torch_weights_casts_to_the_models_dtype():
    torch.manual_seed(0)
    t = torch.nn.Linear(4, 3)                                  # float32
    g = nn.Linear(4, 3)                                        # float64
    g.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    assert g.weight.dtype == gn.float64
    assert_close(g.weight, t.weight.double(), tol=0)


# ------------------------------------------------------------------ dtype

def test_to_float32_keeps_everything_float32_end_to_end():
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Dropout(0.5), nn.Linear(5, 4))
    loss_fn = nn.CrossEntropyLoss(weight=gn.tensor([1.0, 2.0, 1.0, 0.5]), label_smoothing=0.1)
    assert model.to(gn.float32) is model
    loss_fn.to(gn.float32)
    assert all(p.dtype == gn.float32 for p in model.parameters())
    assert loss_fn.weight.dtype == gn.float32
    x = gn.randn(8, 3, dtype=gn.float32)
    out = model(x)
    loss = loss_fn(out, gn.tensor([0, 1, 2, 3, 0, 1, 2, 3]))
    assert out.dtype == gn.float32 and loss.dtype == gn.float32
    loss.backward()
    assert all(p.grad.dtype == gn.float32 for p in model.parameters())
    for other in (nn.MSELoss(), nn.SquaredErrorLoss(), nn.BCEWithLogitsLoss()):
        assert other(out, gn.zeros(8, 4)).dtype == gn.float32   # a float64 target is cast
    assert nn.HingeLoss()(out, gn.ones(8, 4)).dtype == gn.float32
    import glassnet.optim
    for opt in (glassnet.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                glassnet.optim.Adam(model.parameters(), lr=0.1, amsgrad=True)):
        opt.step()
        opt.step()
        assert all(p.dtype == gn.float32 for p in model.parameters())
    assert model.double() is model and model[0].weight.dtype == gn.float64


def test_to_accepts_cpu_and_rejects_other_devices_and_integer_dtypes():
    lin = nn.Linear(2, 2)
    assert lin.to("cpu") is lin and lin.cpu() is lin
    assert lin.to("cpu", non_blocking=True) is lin
    assert lin.to("cpu", gn.float32).weight.dtype == gn.float32
    assert lin.to(dtype="float64").weight.dtype == gn.float64
    with pytest.raises(ValueError, match="cuda"):
        lin.to("cuda")
    with pytest.raises(TypeError, match="floating"):
        lin.to(gn.int64)


def test_float32_input_into_float64_model_names_both_dtypes():
    with pytest.raises(TypeError, match="float32.*float64"):
        nn.Linear(2, 2)(gn.ones(1, 2, dtype=gn.float32))


# ------------------------------------------------------------------ hooks

def test_forward_hook_sees_inputs_and_can_replace_output():
    lin = nn.Linear(2, 1)
    seen = []
    handle = lin.register_forward_hook(lambda m, inp, out: seen.append((m, inp, out)))
    x = gn.ones(3, 2)
    out = lin(x)
    assert seen[0][0] is lin and seen[0][1][0] is x and seen[0][2] is out
    handle.remove()
    lin(x)
    assert len(seen) == 1
    with lin.register_forward_hook(lambda m, inp, out: out * 0):
        assert not lin(x).detach().numpy().any()
    assert lin(x).detach().numpy().any()                                # removed when the block ends


def test_forward_pre_hook_can_replace_the_input():
    model = nn.Sequential(nn.Identity())
    handle = model.register_forward_pre_hook(lambda m, inp: inp[0] * 2)
    assert model(gn.tensor([1.0, 3.0])).tolist() == [2.0, 6.0]
    handle.remove()
    assert model(gn.tensor([1.0, 3.0])).tolist() == [1.0, 3.0]


def test_hooks_on_submodules_collect_activations_in_order():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    names = []
    for name, m in model.named_children():
        m.register_forward_hook(lambda m, i, o, name=name: names.append((name, o.shape)))
    model(gn.ones(4, 2))
    assert names == [("0", (4, 3)), ("1", (4, 3)), ("2", (4, 1))]


# ------------------------------------------------------------------ repr

def test_repr_matches_torch_for_a_sequential():
    def build(mod):
        return mod.Sequential(mod.Linear(3, 4), mod.ReLU(), mod.LeakyReLU(0.2), mod.Tanh(),
                              mod.Sigmoid(), mod.Dropout(0.25), mod.Linear(4, 2, bias=False),
                              mod.Softmax(dim=1), mod.LogSoftmax(dim=1), mod.Flatten(),
                              mod.Identity(), mod.Sequential(mod.Linear(2, 2), mod.ReLU()))
    assert repr(build(nn)) == repr(build(torch.nn))


def test_repr_matches_torch_for_a_custom_module(pair):
    g, t = pair
    assert repr(g) == repr(t)


def test_parameter_repr_matches_torch():
    assert repr(nn.Parameter(gn.tensor([1.0, 2.0]))) == \
        repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))


def test_modules_are_not_pickled():
    import pickle
    with pytest.raises(TypeError, match="state_dict"):
        pickle.dumps(nn.Linear(1, 1))


def test_deepcopy_gives_an_independent_model():
    import copy
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    model[0].weight.grad = gn.ones(2, 2)
    clone = copy.deepcopy(model)
    assert isinstance(clone[0].weight, nn.Parameter) and clone[0].weight.requires_grad
    assert clone[0].weight is not model[0].weight
    assert_close(clone[0].weight, model[0].weight, tol=0)
    assert_close(clone[0].weight.grad, model[0].weight.grad, tol=0)
    with gn.no_grad():
        model[0].weight[0, 0] = 5.0
    assert clone[0].weight.detach().numpy()[0, 0] != 5.0


def test_exact_layers_hold_sympy_numbers_not_floats():
    sp = pytest.importorskip("sympy")
    gn.manual_seed(0)
    lin = nn.Linear(3, 2, dtype=gn.exact)
    assert all(isinstance(v, sp.Rational) for v in lin.weight.detach().numpy().reshape(-1))
    net = nn.Linear(2, 1)
    with gn.no_grad():
        net.weight.copy_(gn.tensor([[0.1, -0.5]]))
        net.bias.fill_(0.25)
    net.to(gn.exact)
    assert net.weight.dtype == gn.exact
    assert net.weight.detach().numpy().tolist() == [[sp.Rational(1, 10), sp.Rational(-1, 2)]]
    # z = 0.1·2 − 0.5·1 + 0.25 = −1/20 exactly
    assert net(gn.tensor([[2, 1]], dtype=gn.exact)).item() == sp.Rational(-1, 20)
