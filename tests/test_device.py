"""torch's device idioms on glassnet: device('cpu'), cuda.is_available(), .to(device), device=."""
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn


def test_the_usual_device_line_picks_the_cpu():
    dev = gn.device("cuda" if gn.cuda.is_available() else "cpu")
    assert gn.cuda.is_available() is False and gn.cuda.device_count() == 0
    assert gn.backends.mps.is_available() is False
    assert repr(dev) == repr(torch.device("cpu")) == "device(type='cpu')"
    assert str(dev) == "cpu" and dev.type == "cpu" and dev.index is None


def test_device_equality_and_index_like_torch():
    assert gn.device("cpu") == gn.device("cpu") and gn.device("cpu:0") == gn.device("cpu", 0)
    assert gn.device("cpu") != gn.device("cpu:0") and gn.device("cpu") != "cpu"   # as torch
    assert (torch.device("cpu") != "cpu") and repr(gn.device("cpu:1")) == repr(torch.device("cpu:1"))
    assert gn.device(gn.device("cpu:1")).index == 1
    assert len({gn.device("cpu"), gn.device("cpu")}) == 1


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps", "meta"])
def test_other_devices_raise_saying_glassnet_runs_on_the_cpu(name):
    with pytest.raises(ValueError, match=f"CPU only.*'{name}'.*is_available"):
        gn.device(name)
    with pytest.raises(ValueError, match="CPU only"):
        gn.zeros(2, device=name)
    with pytest.raises(ValueError, match="CPU only"):
        gn.ones(2).to(name)
    with pytest.raises(ValueError, match="CPU only"):
        nn.Linear(2, 2).to(device=name)


def test_bad_device_strings_and_types():
    with pytest.raises(ValueError, match="cpu:0"):
        gn.device("cpu:x")
    with pytest.raises(ValueError, match="non-negative"):
        gn.device("cpu", -1)
    with pytest.raises(TypeError, match="string"):
        gn.device(0)


def test_tensors_and_models_move_to_a_device_object():
    dev = gn.device("cpu")
    x = gn.tensor([1.0, 2.0], device=dev)
    assert x.device == dev and x.is_cuda is False
    assert x.to(dev) is x and x.to(dev, gn.float32).dtype == gn.float32
    assert x.to(device=dev, dtype=gn.float32).dtype == gn.float32
    model = nn.Linear(2, 1)
    assert model.to(dev) is model and model.to(dev, gn.float32).weight.dtype == gn.float32
    assert model.to(gn.ones(1, dtype=gn.float64)).weight.dtype == gn.float64   # to(tensor): its dtype
    with pytest.raises(ValueError, match="CPU only"):
        model.cuda()
    with pytest.raises(ValueError, match="CPU only"):
        x.cuda()


def test_creation_functions_accept_device():
    dev = gn.device("cpu")
    for make in (lambda: gn.zeros(2, device=dev), lambda: gn.ones(2, device="cpu"),
                 lambda: gn.empty(2, device=dev), lambda: gn.full((2,), 1.0, device=dev),
                 lambda: gn.arange(2, device=dev), lambda: gn.linspace(0, 1, 2, device=dev),
                 lambda: gn.eye(2, device=dev), lambda: gn.rand(2, device=dev),
                 lambda: gn.randn(2, device=dev), lambda: gn.randint(0, 3, (2,), device=dev),
                 lambda: gn.randperm(2, device=dev), lambda: gn.as_tensor([1.0], device=dev),
                 lambda: gn.zeros_like(gn.ones(2), device=dev), lambda: gn.ones_like(gn.ones(2), device=dev),
                 lambda: gn.full_like(gn.ones(2), 3.0, device=dev), lambda: gn.tensor([1], device="cpu:0")):
        assert make().device == dev


def test_cuda_seeding_is_accepted_and_cudnn_flags_can_be_set():
    gn.cuda.manual_seed(0)
    gn.cuda.manual_seed_all(0)
    gn.backends.cudnn.deterministic = True
    assert gn.backends.cudnn.deterministic is True
    gn.backends.cudnn.deterministic = False


def test_layers_accept_device():
    dev = gn.device("cpu")
    for layer in (nn.Linear(2, 3, device=dev), nn.LayerNorm(3, device="cpu"), nn.BatchNorm1d(3, device=dev)):
        assert all(p.device == dev for p in layer.parameters())
    with pytest.raises(ValueError, match="CPU only"):
        nn.Linear(2, 3, device="cuda")
