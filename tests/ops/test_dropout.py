"""Inverted dropout: entries kept with probability 1 − p and scaled by 1/(1 − p)."""
import numpy as np
import pytest

import glassnet as gn
from glassnet import ops


def test_dropout_zeroes_and_rescales_and_backward_uses_the_same_mask():
    gn.manual_seed(0)
    x = gn.ones(200, 100, requires_grad=True)
    y = ops.dropout(x, p=0.25)
    values = y.detach().numpy()
    assert set(np.unique(values)) <= {0.0, 1 / 0.75}
    kept = values != 0
    assert abs(kept.mean() - 0.75) < 0.01                 # 20 000 draws: σ ≈ 0.003
    (y * gn.tensor(np.arange(100.0))).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept * np.arange(100.0) / 0.75, rtol=1e-15)


def test_dropout_preserves_the_mean_in_expectation():
    gn.manual_seed(1)
    x = gn.randn(100_000) + 2.0
    assert abs(ops.dropout(x, 0.5).mean().item() - x.mean().item()) < 0.05


def test_dropout_is_the_identity_in_eval_mode_and_at_p_0():
    x = gn.randn(4, 4, requires_grad=True)
    assert ops.dropout(x, 0.5, training=False) is x
    assert ops.dropout(x, 0.0) is x


def test_dropout_p_1_zeroes_everything():
    x = gn.randn(3, 3, requires_grad=True)
    y = ops.dropout(x, 1.0)
    assert not y.detach().numpy().any()
    y.sum().backward()
    assert not x.grad.numpy().any()


def test_dropout_is_reproducible_with_manual_seed_and_keeps_float32():
    x = gn.ones(50, dtype=gn.float32)
    gn.manual_seed(3)
    a = ops.dropout(x, 0.3).numpy()
    gn.manual_seed(3)
    b = ops.dropout(x, 0.3).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_bad_probabilities(p):
    with pytest.raises(ValueError, match=f"between 0 and 1, but got {p}"):
        ops.dropout(gn.ones(2), p)
