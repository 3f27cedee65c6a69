"""Shape tables: seed 001 P2 (observations in columns, w in inputs × outputs) and the other
notations, all read from a real forward/backward run."""
from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.analysis import shape_table

# seed 001 P2: 2 features, 2 ReLU hidden units, 3 softmax outputs, 100 observations in columns
SEED001_P2 = {
    "X": (2, 100), "y": (3, 100), "z1": (2, 100), "a1": (2, 100), "b1": (2, 1), "W1": (2, 2),
    "z2": (3, 100), "a2": (3, 100), "b2": (3, 1), "W2": (2, 3),
    "dJ/da2": (3, 100), "dJ/dz2": (3, 100), "dJ/db2": (3, 1), "dJ/dW2": (2, 3),
    "dJ/da1": (2, 100), "dJ/dz1": (2, 100), "dJ/db1": (2, 1), "dJ/dW1": (2, 2),
}


def _seed001_net():
    gn.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 3), nn.Softmax(dim=1))


def test_seed001_p2_shapes_in_the_seeds_convention():
    # seed 001 writes z = b + wᵀa with X (2, 100): samples as columns, w inputs × outputs ("rows")
    table = shape_table(_seed001_net(), 100, notation="rows")
    assert table.as_dict() == SEED001_P2
    assert [r.key for r in table.rows] == list(SEED001_P2)      # the seed's order too


def test_columns_notation_has_w_outputs_by_inputs():
    table = shape_table(_seed001_net(), 100, notation="columns")
    assert table["W2"] == (3, 2) and table["dJ/dW2"] == (3, 2)
    assert table["X"] == (2, 100) and table["z2"] == (3, 100) and table["b2"] == (3, 1)


def test_torch_notation_is_glassnets_own_layout():
    table = shape_table(_seed001_net(), 7, notation="torch")
    assert table["X"] == (7, 2) and table["a1"] == (7, 2) and table["dJ/dz2"] == (7, 3)
    assert table["W2"] == (3, 2) and table["b2"] == (3,) and table["dJ/db1"] == (2,)


def test_shapes_come_from_the_real_arrays_of_a_given_batch():
    # a 5-3-2 sigmoid network (seed 003) with a batch of 4 given in columns, targets too
    net = nn.Sequential(nn.Linear(5, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid())
    X = np.random.default_rng(0).normal(size=(5, 4))
    Y = np.array([[1.0, 0, 0, 1], [0, 1, 1, 0]])
    table = shape_table(net, X, Y, loss=lambda a, y: ((a - y) ** 2).sum() / 2, notation="columns")
    assert table.batch == 4
    assert table["X"] == (5, 4) and table["y"] == (2, 4)
    assert table["W1"] == (3, 5) and table["dJ/dW1"] == (3, 5) and table["dJ/da1"] == (3, 4)
    assert table.loss == "<lambda>"


def test_a_layer_without_activation_has_a_equal_to_z():
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    table = shape_table(net, 10, notation="columns")
    assert table["a2"] == table["z2"] == (2, 10)
    assert table["dJ/da2"] == (2, 10)
    assert "no activation" in str(table)


def test_a_batch_in_the_wrong_layout_is_a_clear_error():
    with pytest.raises(ValueError, match=r"must have shape \(2, 'N'\) in columns notation, got \(100, 2\)"):
        shape_table(_seed001_net(), np.zeros((100, 2)), notation="columns")
    with pytest.raises(ValueError, match="notation must be one of"):
        shape_table(_seed001_net(), 3, notation="batch")


def test_the_table_prints_symbols_shapes_and_formulas():
    text = str(shape_table(_seed001_net(), 100, notation="rows"))
    assert "W⁽²⁾      (2, 3)    parameter, inputs × outputs" in text
    assert "∂J/∂W⁽²⁾  (2, 3)    a⁽¹⁾ (∂J/∂z⁽²⁾)ᵀ" in text
    md = shape_table(_seed001_net(), 100, notation="rows").to_markdown()
    assert "| ∂J/∂b⁽¹⁾ | (2, 1) |" in md
