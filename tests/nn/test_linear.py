"""Linear and Identity: shapes, torch's initialisation, values and gradients vs torch,
and the teaching error for samples passed as columns."""
import math

import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn

from ._helpers import assert_close, copy_weights


def test_weight_is_out_by_in_and_bias_has_out_entries():
    lin = nn.Linear(3, 2)
    assert lin.weight.shape == (2, 3) and lin.bias.shape == (2,)
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad
    assert lin.weight.dtype == gn.float64                     # glassnet's default dtype
    assert nn.Linear(3, 2, dtype=gn.float32).weight.dtype == gn.float32
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]


def test_bias_false_has_no_bias_like_torch():
    g, t = nn.Linear(3, 2, bias=False), torch.nn.Linear(3, 2, bias=False)
    assert g.bias is None
    assert list(g.state_dict()) == list(t.state_dict()) == ["weight"]
    assert repr(g) == repr(t)


def test_negative_sizes_are_rejected():
    with pytest.raises(ValueError, match="in_features=-1"):
        nn.Linear(-1, 2)


def test_init_is_uniform_within_one_over_sqrt_fan_in():
    gn.manual_seed(0)
    fan_in = 400
    lin = nn.Linear(fan_in, 2500)                               # 10⁶ weights, 2500 biases
    bound = 1 / math.sqrt(fan_in)                               # 0.05
    w = lin.weight.detach().numpy().ravel()
    b = lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.999 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.99 * bound
    # U(−b, b): mean 0, std b/√3 = 0.02887; with 10⁶ samples the std of the mean is 2.9e−5
    assert abs(w.mean()) < 2e-4
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=5e-3)
    # each quarter of [−b, b] holds a quarter of the weights (a coarse uniformity check)
    counts = np.histogram(w, bins=4, range=(-bound, bound))[0] / w.size
    np.testing.assert_allclose(counts, 0.25, atol=3e-3)
    assert b.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_init_is_reproducible_with_manual_seed_and_reset_parameters_redraws():
    gn.manual_seed(7)
    a = nn.Linear(4, 3)
    gn.manual_seed(7)
    b = nn.Linear(4, 3)
    assert_close(a.weight, b.weight, tol=0)
    assert_close(a.bias, b.bias, tol=0)
    before = a.weight.detach().numpy().copy()
    a.reset_parameters()
    assert not np.array_equal(before, a.weight.detach().numpy())


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (3,), (2, 4, 3)], ids=["batch", "unbatched", "3d"])
def test_forward_and_backward_match_torch(bias, shape):
    gn.manual_seed(1)
    g = nn.Linear(3, 2, bias=bias)
    t = torch.nn.Linear(3, 2, bias=bias).double()
    copy_weights(g, t)
    x = np.random.default_rng(0).normal(size=shape)
    xg, xt = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg, yt = g(xg), t(xt)
    assert yg.shape == tuple(yt.shape)
    assert_close(yg, yt)
    up = np.random.default_rng(1).normal(size=yt.shape)
    yg.backward(gn.tensor(up))
    yt.backward(torch.tensor(up))
    assert_close(xg.grad, xt.grad)
    assert_close(g.weight.grad, t.weight.grad)
    if bias:
        assert_close(g.bias.grad, t.bias.grad)


def test_by_hand_z_equals_w_x_plus_b():
    lin = nn.Linear(2, 1)
    lin.load_state_dict({"weight": np.array([[2.0, -1.0]]), "bias": np.array([0.5])})
    # z = 2·3 − 1·4 + 0.5 = 2.5
    assert lin(gn.tensor([[3.0, 4.0]])).tolist() == [[2.5]]


def test_samples_as_columns_get_the_teaching_error():
    lin = nn.Linear(3, 2)
    with pytest.raises(gn.ShapeError) as exc:
        lin(gn.randn(3, 5))                                    # 5 samples as columns
    msg = str(exc.value)
    assert msg.startswith("Linear(3 → 2): ")
    assert "(N, 3)" in msg and "(3, 5)" in msg
    assert "columns" in msg and "x.T" in msg
    assert isinstance(exc.value, ValueError) and isinstance(exc.value, RuntimeError)


def test_a_wrong_width_gets_no_columns_hint():
    with pytest.raises(gn.ShapeError) as exc:
        nn.Linear(3, 2)(gn.randn(5, 4))
    assert "(N, 3)" in str(exc.value) and "(5, 4)" in str(exc.value)
    assert "columns" not in str(exc.value)


def test_error_inside_sequential_names_the_position():
    model = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(3, 2))
    with pytest.raises(gn.ShapeError) as exc:
        model(gn.randn(6, 5))
    msg = str(exc.value)
    assert msg.startswith("Sequential[2] Linear(3 → 2): expects input of shape (N, 3)")
    assert "(6, 4)" in msg and msg.count("Sequential") == 1


def test_columns_error_inside_sequential_starts_with_the_location():
    model = nn.Sequential(nn.Identity(), nn.Identity(), nn.Linear(3, 2))
    with pytest.raises(gn.ShapeError, match=r"^Sequential\[2\] Linear\(3 → 2\): .*columns"):
        model(gn.randn(3, 8))


def test_error_in_a_nested_model_names_the_attribute_path():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(3, 1))

        def forward(self, x):
            return self.body(x)
    with pytest.raises(gn.ShapeError, match=r"^Net\.body\[2\] Linear\(3 → 1\): "):
        Net()(gn.randn(2, 4))


def test_location_is_not_left_over_for_the_next_call():
    model = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(gn.ShapeError):
        model(gn.randn(1, 3))
    with pytest.raises(gn.ShapeError, match=r"^Linear\(4 → 1\): "):
        nn.Linear(4, 1)(gn.randn(1, 2))


def test_identity_passes_input_through_and_ignores_arguments():
    x = gn.randn(2, 3)
    assert nn.Identity(54, unused="x")(x) is x
    assert repr(nn.Identity()) == repr(torch.nn.Identity()) == "Identity()"
