"""to_torch / from_torch: the same numbers out, layer for layer."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import glassnet as gn
from glassnet import nn
from glassnet.export import ExportError, from_torch, to_torch

X2 = np.random.default_rng(0).standard_normal((6, 1, 8, 8))


def _conv_net():
    gn.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding="valid", bias=False), nn.Tanh()),
        nn.AvgPool2d(1), nn.Flatten(), nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(8, 8), nn.Sigmoid(), nn.Identity(), nn.Linear(8, 3), nn.LogSoftmax(dim=1))


def _mlp(dtype=None):
    gn.manual_seed(1)
    m = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3), nn.Softmax(dim=1))
    return m.to(dtype) if dtype else m


def _out(model, x):
    model.eval()
    with gn.no_grad():
        return model(gn.tensor(x)).numpy()


def test_conv_net_to_torch_gives_the_same_outputs():
    m = _conv_net()
    t = to_torch(m).eval()
    assert isinstance(t, torch.nn.Sequential) and len(t) == 14
    assert list(t.state_dict()) == list(m.state_dict())               # "3.0.weight": nesting kept
    np.testing.assert_allclose(t(torch.from_numpy(X2)).detach().numpy(), _out(m, X2), rtol=1e-12, atol=1e-12)
    assert t[0].weight.dtype == torch.float64


def test_round_trip_through_torch_keeps_every_weight():
    m = _conv_net()
    back = from_torch(to_torch(m))
    a, b = m.state_dict(), back.state_dict()
    assert len(a) == len(b) == 9
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k].numpy(), b[k].numpy())
    np.testing.assert_array_equal(_out(back, X2), _out(m, X2))


def test_from_torch_module_trained_in_torch():
    torch.manual_seed(0)
    t = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2)).double()
    x = np.random.default_rng(2).standard_normal((10, 4))
    g = from_torch(t)
    assert isinstance(g[0], nn.Linear) and g[0].weight.shape == (6, 4)
    np.testing.assert_allclose(_out(g, x), t(torch.from_numpy(x)).detach().numpy(), rtol=1e-12, atol=1e-12)


def test_float32_models_stay_float32():
    m = _mlp("float32")
    t = to_torch(m)
    assert t[0].weight.dtype == torch.float32
    assert from_torch(t)[0].weight.dtype == np.float32


def test_training_mode_is_carried():
    m = _mlp()
    assert to_torch(m).training and not to_torch(m.eval()).training


def test_layers_without_counterpart_are_named():
    with pytest.raises(ExportError, match=r"Sequential\[1\] Step has no PyTorch counterpart"):
        to_torch(nn.Sequential(nn.Linear(2, 2), nn.Step()))
    with pytest.raises(ExportError, match=r"Sequential\[1\] BatchNorm1d has no glassnet counterpart"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2)))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x) * 2

    with pytest.raises(ExportError, match="custom module whose forward cannot be read"):
        to_torch(Net())
