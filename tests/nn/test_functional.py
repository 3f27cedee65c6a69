"""glassnet.nn.functional against torch.nn.functional, called the way torch code calls them."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassnet as gn
import glassnet.nn.functional as F

from ._helpers import assert_close

rng = np.random.default_rng(0)
X = rng.normal(size=(4, 5))


def both(fn_g, fn_t, x=X, **kw):
    """Value and input gradient of F.<name>(x, **kw) in both libraries."""
    xg, xt = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg, yt = fn_g(xg, **kw), fn_t(xt, **kw)
    assert_close(yg, yt)
    up = np.random.default_rng(1).normal(size=yt.shape)
    yg.backward(gn.tensor(up))
    yt.backward(torch.tensor(up))
    assert_close(xg.grad, xt.grad)


@pytest.mark.parametrize("name,kw", [
    ("relu", {}), ("relu", {"inplace": False}), ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.3}), ("tanh", {}), ("sigmoid", {}),
    ("softmax", {"dim": 1}), ("softmax", {"dim": 0}), ("log_softmax", {"dim": -1}),
    ("log_softmax", {"dim": 1, "dtype": torch.float64}),
])
def test_activation_functions_match_torch(name, kw):
    kw_g = {k: (gn.float64 if v is torch.float64 else v) for k, v in kw.items()}
    both(lambda x, **_: getattr(F, name)(x, **kw_g), lambda x, **_: getattr(TF, name)(x, **kw))


def test_positional_arguments_follow_torch():
    x = gn.tensor(X)
    assert_close(F.leaky_relu(x, 0.2), TF.leaky_relu(torch.tensor(X), 0.2))
    assert_close(F.softmax(x, 1), TF.softmax(torch.tensor(X), 1))
    assert_close(F.dropout(x, 0.5, False), torch.tensor(X))


def test_softmax_without_dim_warns_and_uses_torchs_implicit_dim():
    x = rng.normal(size=(2, 3, 4))                            # 3-d: torch picks dim 0
    with pytest.warns(UserWarning, match="dim=X") as record:
        got = F.softmax(gn.tensor(x))
    assert record[0].filename == __file__                     # points at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = TF.softmax(torch.tensor(x))
    assert_close(got, expected)


def test_softmax_dtype_casts_first():
    y = F.softmax(gn.tensor(X, dtype=gn.float64), dim=1, dtype=gn.float32)
    assert y.dtype == gn.float32


@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(bias):
    w, b = rng.normal(size=(3, 5)), rng.normal(size=3)
    wg, wt = gn.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    bg = gn.tensor(b, requires_grad=True) if bias else None
    bt = torch.tensor(b, requires_grad=True) if bias else None
    yg, yt = F.linear(gn.tensor(X), wg, bg), TF.linear(torch.tensor(X), wt, bt)
    assert_close(yg, yt)
    yg.sum().backward()
    yt.sum().backward()
    assert_close(wg.grad, wt.grad)
    if bias:
        assert_close(bg.grad, bt.grad)


def test_losses_with_torch_keywords():
    t = rng.integers(0, 5, size=4)
    p = 1 / (1 + np.exp(-X))
    y01 = (rng.uniform(size=X.shape) > 0.5).astype(float)
    g, tt = gn.tensor, torch.tensor
    w = rng.uniform(0.5, 2, size=5)
    assert_close(F.cross_entropy(g(X), g(t), weight=g(w), label_smoothing=0.1, reduction="sum"),
                 TF.cross_entropy(tt(X), tt(t), weight=tt(w), label_smoothing=0.1, reduction="sum"))
    assert_close(F.nll_loss(F.log_softmax(g(X), dim=1), g(t), ignore_index=2),
                 TF.nll_loss(TF.log_softmax(tt(X), dim=1), tt(t), ignore_index=2))
    assert_close(F.mse_loss(g(X), g(p), reduction="none"), TF.mse_loss(tt(X), tt(p), reduction="none"))
    assert_close(F.binary_cross_entropy(g(p), g(y01), weight=g(w)),
                 TF.binary_cross_entropy(tt(p), tt(y01), weight=tt(w)))
    assert_close(F.binary_cross_entropy_with_logits(g(X), g(y01), pos_weight=g(w)),
                 TF.binary_cross_entropy_with_logits(tt(X), tt(y01), pos_weight=tt(w)))


def test_seed_losses():
    a, y = gn.tensor([1.0, -2.0]), gn.tensor([0.0, 0.0])
    assert F.squared_error(a, y).item() == 2.5                 # ½(1 + 4)
    assert F.squared_error_loss is F.squared_error
    assert F.hinge_loss(gn.tensor([0.5, 2.0]), gn.tensor([1.0, -1.0])).item() == 1.75  # (0.5 + 3)/2
    assert F.step(gn.tensor([-1.0, 0.0])).tolist() == [0.0, 1.0]


def test_one_hot_matches_torch():
    t = np.array([[0, 2], [1, 3]])
    got = F.one_hot(gn.tensor(t))
    expected = TF.one_hot(torch.tensor(t))
    assert got.dtype == gn.int64 and got.tolist() == expected.tolist()
    assert F.one_hot(gn.tensor([1]), num_classes=4).tolist() == [[0, 1, 0, 0]]


def test_one_hot_errors():
    with pytest.raises(TypeError, match="index tensors"):
        F.one_hot(gn.tensor([0.0, 1.0]))
    with pytest.raises(gn.ShapeError, match="0 … 2"):
        F.one_hot(gn.tensor([0, 3]), num_classes=3)


def test_identity():
    x = gn.tensor(X)
    assert F.identity(x) is x


def test_every_name_in_all_exists():
    missing = [n for n in F.__all__ if not hasattr(F, n)]
    assert not missing
