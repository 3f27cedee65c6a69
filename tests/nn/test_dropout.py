"""Dropout: inverted scaling in training, the identity in eval mode, the edge cases
p = 0 and p = 1, and reproducibility with glassnet.manual_seed."""
import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn


def test_training_zeroes_a_fraction_p_and_scales_the_rest():
    gn.manual_seed(0)
    p = 0.3
    x = gn.ones(200, 500)
    y = nn.Dropout(p)(x).numpy()
    kept = y != 0
    # 10⁵ Bernoulli(0.7) draws: the kept fraction has std 0.0014
    assert kept.mean() == pytest.approx(1 - p, abs=0.006)
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-15)  # 1/0.7 = 1.428…
    assert y.mean() == pytest.approx(1.0, abs=0.01)               # expectation preserved


def test_gradient_uses_the_same_mask_and_scale():
    gn.manual_seed(1)
    x = gn.tensor(np.arange(1.0, 41.0).reshape(4, 10), requires_grad=True)
    y = nn.Dropout(0.5)(x)
    y.sum().backward()
    mask = y.detach().numpy() != 0
    np.testing.assert_array_equal(x.grad.numpy(), np.where(mask, 2.0, 0.0))
    np.testing.assert_array_equal(y.detach().numpy(), np.where(mask, 2 * x.detach().numpy(), 0))


def test_eval_mode_is_the_identity():
    drop = nn.Dropout(0.9)
    drop.eval()
    x = gn.randn(50, 4, requires_grad=True)
    y = drop(x)
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy())
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((50, 4)))


def test_eval_of_a_parent_turns_dropout_off():
    model = nn.Sequential(nn.Identity(), nn.Dropout(0.5))
    x = gn.ones(100, 10)
    assert (model(x).numpy() == 0).any()
    model.eval()
    assert (model(x).numpy() == 1).all()


def test_p_zero_keeps_everything_and_p_one_drops_everything():
    x = gn.randn(20, 5, requires_grad=True)
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).detach().numpy(), x.detach().numpy())
    y = nn.Dropout(1.0)(x)
    assert not y.detach().numpy().any() and np.isfinite(y.detach().numpy()).all()
    y.sum().backward()
    assert not x.grad.numpy().any()
    with torch.no_grad():
        assert not torch.nn.Dropout(1.0)(torch.ones(3)).any()   # torch agrees


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_invalid_p_is_rejected(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(p)


def test_manual_seed_makes_masks_reproducible():
    x = gn.ones(10, 10)
    gn.manual_seed(123)
    a = nn.Dropout(0.5)(x).numpy()
    b = nn.Dropout(0.5)(x).numpy()
    gn.manual_seed(123)
    c = nn.Dropout(0.5)(x).numpy()
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)


def test_float32_stays_float32():
    x = gn.ones(5, 5, dtype=gn.float32)
    y = nn.Dropout(0.2)(x)
    assert y.dtype == gn.float32
    assert set(np.unique(y.numpy())) <= {np.float32(0), np.float32(1 / 0.8)}


def test_functional_dropout_follows_the_training_flag():
    x = gn.ones(100)
    assert (nn.functional.dropout(x, 0.5, training=False).numpy() == 1).all()
    assert (nn.functional.dropout(x, 0.5, training=True).numpy() == 0).any()


def test_repr_matches_torch():
    assert repr(nn.Dropout(0.25)) == repr(torch.nn.Dropout(0.25))
