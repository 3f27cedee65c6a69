"""Decision boundaries: seed 000 §3.1–3.3 on its 2-4-2 ReLU/softmax network."""
from __future__ import annotations

import numpy as np
import pytest
import sympy

import glassnet as gn
from glassnet import nn
from glassnet.analysis import (boundary_points, hidden_pattern, output_from_hidden, region_map,
                               unit_boundaries)
from glassnet.analysis._chain import make_linear

E = sympy.E


def seed000_net(exact: bool = False) -> nn.Sequential:
    # the seed gives W in rows notation (inputs × outputs); Linear stores (outputs × inputs)
    W1 = np.array([[1, 0, -1, 0], [0, 1, 0, -1]]).T
    W2 = np.array([[1, -1], [1, -1], [1, -1], [1, -1]]).T
    b1, b2 = np.array([-1, -1, -1, -1]), np.array([0, 2])
    conv = (lambda a: np.vectorize(sympy.Integer, otypes=[object])(a)) if exact else (lambda a: a.astype(float))
    return nn.Sequential(make_linear(conv(W1), conv(b1)), nn.ReLU(),
                         make_linear(conv(W2), conv(b2)), nn.Softmax(dim=1))


def test_each_unit_boundary_is_a_line_with_its_positive_side():
    bounds = unit_boundaries(seed000_net())
    assert [b.equation for b in bounds] == ["x₁ − 1 = 0", "x₂ − 1 = 0", "−x₁ − 1 = 0", "−x₂ − 1 = 0"]
    assert [b.solved for b in bounds] == ["x₁ = 1", "x₂ = 1", "x₁ = −1", "x₂ = −1"]
    assert [b.positive_side for b in bounds] == ["x₁ > 1", "x₂ > 1", "x₁ < −1", "x₂ < −1"]
    assert bounds[0].outputs == ("+", "0", "0")


def test_seed000_3_2_b_four_points_on_unit_one_boundary():
    pts = boundary_points(seed000_net(), unit=1, k=4)
    assert pts.shape == (2, 4)                             # a 2 × 4 matrix, one point per column
    np.testing.assert_array_equal(pts, [[1, 1, 1, 1], [0, 1, 2, 3]])
    with gn.no_grad():
        z = seed000_net()[0](gn.tensor(pts.T))._data
    np.testing.assert_array_equal(z[:, 0], 0.0)             # z₁ = 0 at each
    assert len({tuple(c) for c in pts.T}) == 4               # four different points


def test_boundary_points_of_a_slanted_line_are_exact_in_exact_mode():
    # z = x₁ + 2x₂ − 3: p₀ = (3/5, 6/5), direction (−2, 1)
    w = np.array([[sympy.Integer(1), sympy.Integer(2)]], dtype=object)
    model = nn.Sequential(make_linear(w, np.array([sympy.Integer(-3)], dtype=object)), nn.ReLU())
    pts = boundary_points(model, 1, k=3)
    assert pts[0, 0] == sympy.Rational(3, 5) and pts[1, 0] == sympy.Rational(6, 5)
    assert pts[0, 1] == sympy.Rational(-7, 5) and pts[1, 1] == sympy.Rational(11, 5)
    assert unit_boundaries(model)[0].solved == "x₂ = −(1/2)x₁ + 3/2"
    assert unit_boundaries(model)[0].positive_side == "x₂ > −(1/2)x₁ + 3/2"


def test_seed000_3_2_c_hidden_outputs_at_three_points():
    # x⁽¹⁾ = [0.5, 0.5], x⁽²⁾ = [0, 2], x⁽³⁾ = [−3, 0.5]; one column per point
    pattern = hidden_pattern(seed000_net(), [[0.5, 0.5], [0, 2], [-3, 0.5]])
    np.testing.assert_array_equal(pattern, [[0, 0, 0], [0, 1, 0], [0, 0, 2], [0, 0, 0]])


def test_seed000_3_1_a_hidden_outputs_at_3_14():
    np.testing.assert_array_equal(hidden_pattern(seed000_net(), [[3, 14]])[:, 0], [2, 13, 0, 0])


@pytest.mark.parametrize("hidden,a1,a2", [
    ([0, 0, 0, 0], E**0 / (E**0 + E**2), E**2 / (E**0 + E**2)),          # case 1: Σ f = 0 → class 2
    ([1, 0, 0, 0], sympy.Rational(1, 2), sympy.Rational(1, 2)),             # case 2: Σ f = 1 → a tie
    ([0, 2, 0, 1], E**3 / (E**3 + E**-1), E**-1 / (E**3 + E**-1)),         # case 3: Σ f = 3 → class 1
])
def test_seed000_3_3_outputs_as_expressions_in_e(hidden, a1, a2):
    out = output_from_hidden(seed000_net(), hidden)
    assert sympy.simplify(out[0] - a1) == 0 and sympy.simplify(out[1] - a2) == 0


def test_region_map_labels_the_class_that_wins():
    regions = region_map(seed000_net(), (-4, 4), (-4, 4), nx=33, ny=33)
    assert regions.label_at(0, 0) == 1          # all units off: softmax([0, 2]) → class 2
    assert regions.label_at(3, 3) == 0          # Σ f = 4 > 1 → class 1
    assert regions.label_at(-3.5, 0) == 0       # unit 3 gives 2.5
    # class 2 exactly where Σ f(z) < 1: inside the square |x₁|, |x₂| ≤ 1 plus its ReLU margin
    assert 0.05 < regions.fraction(1) < 0.35
    assert "class 1" in str(regions) and "2222" in regions.ascii()


def test_boundaries_need_two_inputs():
    with pytest.raises(ValueError, match="2-D inputs; layer 1 takes 3"):
        unit_boundaries(nn.Sequential(nn.Linear(3, 2), nn.ReLU()))


def test_exact_models_give_exact_hidden_outputs_and_regions():
    model = seed000_net(exact=True)
    pattern = hidden_pattern(model, [[0.5, 0.5], [0, 2], [-3, 0.5]])
    assert pattern.dtype == object and pattern[2, 2] == 2 and pattern[1, 1] == 1
    assert region_map(model, nx=9, ny=9).label_at(0, 0) == 1
    np.testing.assert_array_equal(boundary_points(model, 3).astype(float), [[-1, -1, -1, -1], [0, -1, -2, -3]])
