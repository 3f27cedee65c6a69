"""Sequential, ModuleList and ModuleDict: indexing, slicing, length, iteration, growth."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn

from ._helpers import assert_close, copy_weights


@pytest.fixture
def seq():
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh())


def test_sequential_applies_modules_in_order():
    gn.manual_seed(0)
    g = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh())
    t = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 4),
                            torch.nn.Tanh()).double()
    copy_weights(g, t)
    x = np.random.default_rng(0).normal(size=(5, 2))
    assert_close(g(gn.tensor(x)), t(torch.tensor(x)))


def test_indexing_and_negative_index(seq):
    assert isinstance(seq[0], nn.Linear) and seq[0].out_features == 3
    assert seq[-1] is seq[3] and isinstance(seq[-1], nn.Tanh)
    assert seq[-4] is seq[0]
    with pytest.raises(IndexError, match="out of range"):
        seq[4]
    with pytest.raises(IndexError):
        seq[-5]


def test_slicing_returns_a_sequential_sharing_the_modules(seq):
    head = seq[:2]
    assert type(head) is nn.Sequential and len(head) == 2
    assert head[0] is seq[0] and head[1] is seq[1]
    tail = seq[2:]
    assert list(tail._modules) == ["2", "3"]                   # torch keeps the original keys
    assert list(tail.state_dict()) == ["2.weight", "2.bias"]
    assert [type(m).__name__ for m in seq[::-1]] == ["Tanh", "Linear", "ReLU", "Linear"]
    x = gn.randn(4, 2)
    assert_close(tail(head(x)), seq(x), tol=0)


def test_len_and_iter(seq):
    assert len(seq) == 4
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear", "Tanh"]
    assert len(nn.Sequential()) == 0


def test_append_adds_the_next_index(seq):
    assert seq.append(nn.Linear(4, 1)) is seq
    assert len(seq) == 5 and list(seq._modules)[-1] == "4"
    assert seq(gn.randn(3, 2)).shape == (3, 1)
    assert "4.weight" in seq.state_dict()


def test_setitem_replaces_a_module(seq):
    seq[1] = nn.Sigmoid()
    assert isinstance(seq[1], nn.Sigmoid)
    seq[-1] = nn.Identity()
    assert isinstance(seq[3], nn.Identity) and len(seq) == 4


def test_delitem_renumbers_like_torch_so_append_does_not_overwrite(seq):
    last = seq[3]
    del seq[0]
    assert list(seq._modules) == ["0", "1", "2"]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and seq[2] is last and isinstance(seq[3], nn.Sigmoid)
    del seq[1:3]
    assert list(seq._modules) == ["0", "1"] and isinstance(seq[1], nn.Sigmoid)


def test_ordered_dict_names_the_layers_like_torch():
    def build(mod):
        return mod.Sequential(OrderedDict([("hidden", mod.Linear(2, 3)), ("act", mod.ReLU()),
                                           ("out", mod.Linear(3, 1))]))
    g, t = build(nn), build(torch.nn)
    assert list(g.state_dict()) == list(t.state_dict()) == \
        ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert g.hidden is g[0] and repr(g) == repr(t)


def test_module_list_registers_parameters_and_indexes():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and layers[-1] is layers[2]
    assert len(list(layers.parameters())) == 6
    layers.append(nn.ReLU()).extend([nn.Linear(2, 1)])
    assert len(layers) == 5 and isinstance(layers[4], nn.Linear)
    sub = layers[1:3]
    assert type(sub) is nn.ModuleList and sub[0] is layers[1]
    assert list(layers.state_dict())[:2] == ["0.weight", "0.bias"]
    t = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)])
    t.append(torch.nn.ReLU()).extend([torch.nn.Linear(2, 1)])
    assert list(layers.state_dict()) == list(t.state_dict())
    # (torch folds equal neighbours into "(0-2): 3 x Linear(…)"; glassnet lists each one)
    g2 = nn.ModuleList([nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)])
    t2 = torch.nn.ModuleList([torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)])
    assert repr(g2) == repr(t2)


def test_module_list_inside_a_model_is_found():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 1)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x
    net = Net()
    assert [n for n, _ in net.named_parameters()] == \
        ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert net(gn.ones(3, 2)).shape == (3, 1)


def test_module_dict():
    d = nn.ModuleDict({"enc": nn.Linear(2, 3), "dec": nn.Linear(3, 2)})
    assert len(d) == 2 and "enc" in d and "x" not in d
    assert list(d) == list(d.keys()) == ["enc", "dec"]
    d["act"] = nn.ReLU()
    assert [k for k, _ in d.items()] == ["enc", "dec", "act"]
    assert isinstance(list(d.values())[2], nn.ReLU)
    assert list(d.state_dict()) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    with pytest.raises(KeyError):
        d["missing"]
    pairs = nn.ModuleDict([("a", nn.ReLU()), ("b", nn.Tanh())])   # torch accepts pairs too
    assert list(pairs) == ["a", "b"]
