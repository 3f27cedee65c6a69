"""Seed 002, problem 1: a hard-threshold MLP that outputs 1 iff x₁ > x₂ > x₃ > x₄ > x₅.

Hidden unit i computes h_i = step(x_{i+1} − x_i) (step(z) = 1 if z ≥ 0 else 0), so h_i = 1
exactly when the pair i is *not* strictly descending (ties included). The output
y = step(−Σ h_i) is 1 iff every h_i = 0.

The seed's solution: W⁽¹⁾ = [[−1, 1, 0, 0, 0], [0, −1, 1, 0, 0], [0, 0, −1, 1, 0], [0, 0, 0, −1, 1]],
b⁽¹⁾ = 0, w⁽²⁾ = [−1, −1, −1, −1], b⁽²⁾ = 0. It prints b⁽¹⁾ with five zeros; the hidden layer
has four units (part 2 asks for "a 4-dimensional vector"), so that is a typo: b⁽¹⁾ ∈ R⁴.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn

W1 = [[-1.0, 1.0, 0.0, 0.0, 0.0],
      [0.0, -1.0, 1.0, 0.0, 0.0],
      [0.0, 0.0, -1.0, 1.0, 0.0],
      [0.0, 0.0, 0.0, -1.0, 1.0]]
B1 = [0.0, 0.0, 0.0, 0.0]
W2 = [[-1.0, -1.0, -1.0, -1.0]]
B2 = [0.0]


def _network() -> nn.Sequential:
    net = nn.Sequential(nn.Linear(5, 4), nn.Step(), nn.Linear(4, 1), nn.Step())
    with gn.no_grad():
        net[0].weight.copy_(gn.tensor(W1))
        net[0].bias.copy_(gn.tensor(B1))
        net[2].weight.copy_(gn.tensor(W2))
        net[2].bias.copy_(gn.tensor(B2))
    return net


def _rule(x) -> int:
    return int(all(a > b for a, b in zip(x, x[1:])))


def _outputs(xs) -> list:
    with gn.no_grad():
        return _network()(gn.tensor(np.asarray(xs, dtype=np.float64)))[:, 0].tolist()


def test_strictly_descending_inputs_give_1():
    xs = [[5, 4, 3, 2, 1], [0.5, 0.4, 0.3, 0.2, 0.1], [10, -1, -2, -30, -31],
          [1e-3, 0, -1e-3, -2e-3, -3e-3], [100, 99.5, 7, 6.999, -1e6]]
    assert _outputs(xs) == [1.0] * len(xs)


def test_hidden_units_fire_on_non_descending_pairs():
    with gn.no_grad():
        net = _network()
        x = gn.tensor([[5.0, 4.0, 4.0, 6.0, 1.0]])
        # d = x_{i+1} − x_i = [−1, 0, 2, −5]  →  h = [0, 1, 1, 0]  →  y = step(−2) = 0
        assert net[0](x).tolist() == [[-1.0, 0.0, 2.0, -5.0]]
        assert net[1](net[0](x)).tolist() == [[0.0, 1.0, 1.0, 0.0]]
        assert net(x).tolist() == [[0.0]]


@pytest.mark.parametrize("tied", [
    pattern for r in range(1, 5) for pattern in itertools.combinations(range(4), r)])
def test_every_tie_pattern_gives_0(tied):
    # Start from the descending [5, 4, 3, 2, 1] and make x_i = x_{i+1} for each i in ``tied``.
    x = [5.0, 4.0, 3.0, 2.0, 1.0]
    for i in sorted(tied, reverse=True):
        x[i] = x[i + 1]
    # exactly the pairs in ``tied`` are equal; the others stay strictly descending
    assert [i for i in range(4) if x[i] == x[i + 1]] == list(tied)
    assert all(x[i] > x[i + 1] for i in range(4) if i not in tied)
    assert _rule(x) == 0
    assert _outputs([x]) == [0.0]


def test_all_orderings_of_five_distinct_values():
    xs = [list(p) for p in itertools.permutations([1.0, 2.0, 3.0, 4.0, 5.0])]
    assert _outputs(xs) == [float(_rule(x)) for x in xs]
    assert sum(_outputs(xs)) == 1.0            # only [5, 4, 3, 2, 1]


def test_random_inputs_match_the_rule():
    rng = np.random.default_rng(2)
    continuous = rng.normal(size=(2000, 5))
    descending = -np.sort(-continuous[:200], axis=1)           # many strictly descending rows
    small_ints = rng.integers(0, 4, size=(2000, 5)).astype(np.float64)   # many ties
    xs = np.concatenate([continuous, descending, small_ints])
    expected = [float(_rule(list(x))) for x in xs]
    assert _outputs(xs) == expected
    assert 0 < sum(expected) < len(expected)                     # both answers occur
