"""Rule checks: seed 002 P1's descending-order Step network passes, one that fires on ties
fails with a tie as counterexample."""
from __future__ import annotations

import numpy as np
import pytest

from glassnet import nn
from glassnet.analysis import RULES, check_rule, edge_cases
from glassnet.analysis._chain import make_linear


def _step_net(W, b, w2, b2) -> nn.Sequential:
    return nn.Sequential(make_linear(np.asarray(W, float), np.asarray(b, float)), nn.Step(),
                         make_linear(np.asarray([w2], float), np.asarray([b2], float)), nn.Step())


def _differences(sign: float) -> np.ndarray:
    W = np.zeros((4, 5))
    for i in range(4):
        W[i, i], W[i, i + 1] = -sign, sign
    return W


def descending(x) -> bool:
    return all(x[i] > x[i + 1] for i in range(4))


def test_seed002_p1_network_computes_the_strict_descending_rule():
    # the seed's answer: h_i = Step(x_{i+1} − x_i) fires when NOT x_i > x_{i+1}; y = Step(−Σh)
    model = _step_net(_differences(1.0), np.zeros(4), [-1, -1, -1, -1], 0)
    result = check_rule(model, descending)
    assert result.passed and bool(result)
    assert result.counterexamples == []
    assert result.checked_by_category["two inputs tied"] > 0
    assert result.n_checked > 5000


def test_a_network_that_fires_on_ties_fails_with_a_tie():
    # marking scheme A: h_i = Step(x_i − x_{i+1}) fires for x_i ≥ x_{i+1}; y = Step(Σh − 4)
    model = _step_net(_differences(-1.0), np.zeros(4), [1, 1, 1, 1], -4)
    result = check_rule(model, descending)
    assert not result.passed
    assert result.failed_by_category["two inputs tied"] > 0
    assert result.failed_by_category["random points"] == 0      # random reals never tie
    assert result.failed_by_category["distinct values, every order"] == 0
    for c in result.counterexamples:
        x = c.x
        assert c.expected is False and c.got == 1
        assert np.all(x[:-1] >= x[1:]) and np.any(x[:-1] == x[1:])   # descending with a tie
    tie = next(c for c in result.counterexamples if c.category == "two inputs tied")
    assert "the rule says 0, the model says 1" in str(tie)
    assert "FAILED" in str(result)


def test_a_bias_off_by_one_is_caught_on_distinct_orders():
    # y = Step(−Σh + 1) lets one out-of-order pair through
    model = _step_net(_differences(1.0), np.zeros(4), [-1, -1, -1, -1], 1)
    result = check_rule(model, descending)
    assert result.failed_by_category["distinct values, every order"] > 0


def test_edge_cases_contain_ties_orders_and_bounds():
    cases = dict(edge_cases(3, -1.0, 1.0, n_random=10))
    strict = cases["distinct values, every order"]
    assert len(strict) == 6 and {tuple(r) for r in strict} >= {(1.0, 0.0, -1.0), (-1.0, 0.0, 1.0)}
    ties = cases["two inputs tied"]
    assert all(len(set(r)) < 3 for r in ties)
    assert cases["all equal"].min() == -1.0 and cases["all equal"].max() == 1.0
    grid = cases["grid of 3 values incl. the bounds"]
    assert len(grid) == 27
    with pytest.raises(ValueError, match="low < high"):
        edge_cases(2, 1.0, 1.0)


def test_several_outputs_are_read_as_classes():
    # class = argmax of [x₁ − x₂, x₂ − x₁]: 0 iff x₁ > x₂ (ties go to class 0, argmax's first)
    model = nn.Sequential(make_linear(np.array([[1.0, -1.0], [-1.0, 1.0]]), np.zeros(2)))
    assert check_rule(model, lambda x: 0 if x[0] >= x[1] else 1).passed
    result = check_rule(model, lambda x: 0 if x[0] > x[1] else 1)
    assert not result.passed and result.failed_by_category["all equal"] == 6


def test_given_points_are_checked_first():
    model = _step_net(_differences(-1.0), np.zeros(4), [1, 1, 1, 1], -4)
    result = check_rule(model, RULES["descending"], points=[[5, 4, 4, 2, 1]])
    assert result.counterexamples[0].category == "given points"
    np.testing.assert_array_equal(result.counterexamples[0].x, [5, 4, 4, 2, 1])


def test_exact_models_are_checked_on_float_copies():
    import sympy
    W = np.vectorize(sympy.Integer, otypes=[object])(_differences(1.0).astype(int))
    model = nn.Sequential(make_linear(W, np.array([sympy.Integer(0)] * 4, dtype=object)), nn.Step(),
                          make_linear(np.array([[sympy.Integer(-1)] * 4], dtype=object),
                                      np.array([sympy.Integer(0)], dtype=object)), nn.Step())
    assert check_rule(model, descending, n_random=100).passed
    assert model[0].weight._data.dtype == object                 # the model itself is untouched
