"""Activation layers: values and derivatives against torch (including at 0), the seeds'
Step, and softmax's dimension rules."""
import warnings

import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn

from ._helpers import assert_close

# Values around the kinks (0) and far out in the tails (±1000 must stay finite).
X = np.array([[-1000.0, -3.0, -0.5, 0.0], [0.0, 0.25, 2.0, 1000.0]])

PAIRS = {
    "ReLU": (lambda: nn.ReLU(), lambda: torch.nn.ReLU()),
    "LeakyReLU": (lambda: nn.LeakyReLU(), lambda: torch.nn.LeakyReLU()),
    "LeakyReLU(0.2)": (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    "Tanh": (lambda: nn.Tanh(), lambda: torch.nn.Tanh()),
    "Sigmoid": (lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid()),
    "Softmax(1)": (lambda: nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1)),
    "Softmax(0)": (lambda: nn.Softmax(dim=0), lambda: torch.nn.Softmax(dim=0)),
    "LogSoftmax(1)": (lambda: nn.LogSoftmax(dim=1), lambda: torch.nn.LogSoftmax(dim=1)),
    "LogSoftmax(-1)": (lambda: nn.LogSoftmax(dim=-1), lambda: torch.nn.LogSoftmax(dim=-1)),
    "Identity": (lambda: nn.Identity(), lambda: torch.nn.Identity()),
    "GELU": (lambda: nn.GELU(), lambda: torch.nn.GELU()),
    "GELU(tanh)": (lambda: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh")),
    "ELU": (lambda: nn.ELU(), lambda: torch.nn.ELU()),
    "ELU(0.5)": (lambda: nn.ELU(alpha=0.5), lambda: torch.nn.ELU(alpha=0.5)),
    "SiLU": (lambda: nn.SiLU(), lambda: torch.nn.SiLU()),
    "Softplus": (lambda: nn.Softplus(), lambda: torch.nn.Softplus()),
    "Softplus(2, 1)": (lambda: nn.Softplus(beta=2.0, threshold=1.0),
                       lambda: torch.nn.Softplus(beta=2.0, threshold=1.0)),
    "Softsign": (lambda: nn.Softsign(), lambda: torch.nn.Softsign()),
}


@pytest.mark.parametrize("name", PAIRS)
def test_value_and_gradient_match_torch(name):
    make_g, make_t = PAIRS[name]
    x = X if "Softmax" not in name else X / 100       # keep the softmax's inputs in a useful range
    xg, xt = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg, yt = make_g()(xg), make_t()(xt)
    assert np.isfinite(yg.detach().numpy()).all()
    assert_close(yg, yt)
    up = np.random.default_rng(0).normal(size=x.shape)
    yg.backward(gn.tensor(up))
    yt.backward(torch.tensor(up))
    assert_close(xg.grad, xt.grad)
    assert repr(make_g()) == repr(make_t())


def test_derivatives_at_zero_are_torchs():
    # ReLU′(0) = 0; LeakyReLU′(0) = slope (the z > 0 branch is strict); tanh′(0) = 1; σ′(0) = ¼
    for layer, expected in [(nn.ReLU(), 0.0), (nn.LeakyReLU(0.1), 0.1), (nn.Tanh(), 1.0),
                            (nn.Sigmoid(), 0.25)]:
        z = gn.tensor([0.0], requires_grad=True)
        layer(z).sum().backward()
        assert z.grad.tolist() == [expected], type(layer).__name__


def test_sigmoid_saturates_without_overflow():
    z = gn.tensor([-1000.0, 1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = nn.Sigmoid()(z)
        a.sum().backward()
    assert a.tolist() == [0.0, 1.0] and z.grad.tolist() == [0.0, 0.0]


def test_step_is_the_seeds_hard_threshold_with_zero_gradient():
    z = gn.tensor([-2.0, -1e-9, 0.0, 3.0], requires_grad=True)
    a = nn.Step()(z)
    assert a.tolist() == [0.0, 0.0, 1.0, 1.0]                 # 1 if z ≥ 0
    (a * gn.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert z.grad.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert repr(nn.Step()) == "Step()"


def test_softmax_by_hand():
    # softmax([0, ln 3]) = [1/4, 3/4]
    p = nn.Softmax(dim=-1)(gn.tensor([0.0, np.log(3.0)]))
    np.testing.assert_allclose(p.numpy(), [0.25, 0.75], rtol=1e-15)


@pytest.mark.parametrize("shape", [(4,), (2, 4), (2, 3, 4)])
def test_softmax_without_dim_warns_and_picks_torchs_dimension(shape):
    x = np.random.default_rng(0).normal(size=shape)
    with pytest.warns(UserWarning, match="dim=X"):
        got = nn.Softmax()(gn.tensor(x))
    with pytest.warns(UserWarning):
        expected = torch.nn.Softmax()(torch.tensor(x))
    assert_close(got, expected)
    with pytest.warns(UserWarning, match="dim=X"):
        got = nn.LogSoftmax()(gn.tensor(x))
    with pytest.warns(UserWarning):
        expected = torch.nn.LogSoftmax()(torch.tensor(x))
    assert_close(got, expected)


def test_activations_keep_float32():
    x = gn.randn(3, 4, dtype=gn.float32)
    for layer in (nn.ReLU(), nn.LeakyReLU(), nn.Tanh(), nn.Sigmoid(), nn.Step(),
                  nn.Softmax(dim=1), nn.LogSoftmax(dim=1)):
        assert layer(x).dtype == gn.float32, type(layer).__name__


def test_inplace_is_accepted_and_shown_like_torch():
    assert repr(nn.ReLU(inplace=True)) == repr(torch.nn.ReLU(inplace=True))
    assert repr(nn.LeakyReLU(0.2, inplace=True)) == repr(torch.nn.LeakyReLU(0.2, inplace=True))
    x = gn.tensor([-1.0, 1.0])
    assert nn.ReLU(inplace=True)(x).tolist() == [0.0, 1.0]


def test_new_activation_derivatives_at_zero_are_torchs():
    # GELU′(0) = Φ(0) = ½; SiLU′(0) = σ(0) = ½; Softplus′(0) = σ(0) = ½; Softsign′(0) = 1;
    # ELU′(0) = α (the z ≤ 0 branch, as torch)
    for layer, expected in [(nn.GELU(), 0.5), (nn.GELU("tanh"), 0.5), (nn.SiLU(), 0.5),
                            (nn.Softplus(), 0.5), (nn.Softsign(), 1.0), (nn.ELU(0.3), 0.3)]:
        z = gn.tensor([0.0], requires_grad=True)
        layer(z).sum().backward()
        assert z.grad.item() == expected, layer


def test_gelu_layer_rejects_an_unknown_approximation():
    with pytest.raises(ValueError, match="approximate must be one of"):
        nn.GELU("fast")


# ------------------------------------------------------------------ the registry

def test_every_registry_entry_makes_a_layer_that_records_its_op():
    from glassnet.nn.activation import ACTIVATIONS
    for name, act in ACTIVATIONS.items():
        layer = act.make()
        with gn.trace() as t:
            layer(gn.tensor([[-1.0, 0.5]]))
        assert [n.op for n in t.nodes] == ([act.op] if act.op else []), name


def test_the_problem_files_and_the_trainer_read_the_same_registry():
    from glassnet.nn.activation import ACTIVATIONS
    from glassnet.problems.spec import ACTIVATIONS as PROBLEM_NAMES
    from glassnet.train.models import ACTIVATIONS as TRAIN, mlp
    assert set(PROBLEM_NAMES) == set(ACTIVATIONS) >= {"gelu", "elu", "silu", "softplus", "leaky_relu"}
    assert {"gelu", "elu", "silu", "softplus"} <= set(TRAIN)
    assert isinstance(mlp([2, 3, 1], "gelu")[1], gn.nn.GELU)
