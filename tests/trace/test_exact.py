"""Exact mode: rationals stay rationals, e stays e, symbols give symbolic gradients."""
from __future__ import annotations

import sys

import numpy as np
import pytest

sp = pytest.importorskip("sympy")

import glassnet as gn  # noqa: E402
from glassnet import nn  # noqa: E402
from glassnet.trace.exact import exact_module, exact_tensor, parse_expression, to_exact  # noqa: E402
from glassnet.trace.numbers import exact_math  # noqa: E402

E = sp.E


def test_decimals_written_in_a_file_become_exact_rationals():
    assert to_exact(0.1) == sp.Rational(1, 10)
    assert to_exact(0.269, "0.269") == sp.Rational(269, 1000)
    assert to_exact(3) == 3 and isinstance(to_exact(3), sp.Integer)
    assert to_exact(0.1 + 0.2) != sp.Rational(3, 10)     # no tolerance: 0.30000000000000004 stays itself


def test_expressions_are_parsed_without_eval():
    assert parse_expression("e**2/(1 + e**2)") == E**2 / (1 + E**2)
    assert parse_expression("1/3") == sp.Rational(1, 3)
    assert parse_expression("x1*(a1 - y)") == sp.Symbol("x1") * (sp.Symbol("a1") - sp.Symbol("y"))
    for bad in ("__import__('os').system('true')", "().__class__", "e^2", "lambda: 1"):
        with pytest.raises(ValueError):
            parse_expression(bad)


def test_softmax_of_minus_one_zero_one_in_e():
    a = gn.softmax(exact_tensor([-1, 0, 1]), dim=0).numpy()
    expected = [E**-1 / (E**-1 + 1 + E), 1 / (E**-1 + 1 + E), E / (E**-1 + 1 + E)]
    for got, want in zip(a, expected):
        assert sp.simplify(got - want) == 0
    # seed 000 2.A prints [0.09, 0.24, 0.66] (truncated: 0.665 → 0.66)
    np.testing.assert_allclose([float(v) for v in a], [0.09, 0.24, 0.66], atol=1e-2)


def test_seed000_network_case1_output_is_one_over_one_plus_e_squared():
    # rows notation W (inputs × outputs) → glassnet weight (outputs × inputs)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2), nn.Softmax(dim=-1))
    model[0].weight._data = np.array([[1, 0, -1, 0], [0, 1, 0, -1]], dtype=object).T.copy()
    model[0].bias._data = np.array([-1, -1, -1, -1], dtype=object)
    model[2].weight._data = np.array([[1, -1]] * 4, dtype=object).T.copy()
    model[2].bias._data = np.array([0, 2], dtype=object)
    exact_module(model)
    with gn.trace(model, notation="rows") as t:
        with gn.no_grad():
            out = model(exact_tensor([[0, 0]])).numpy()[0]
    assert out[0] == 1 / (1 + E**2) and out[1] == E**2 / (1 + E**2)
    text = t.to_text()
    assert "1/(1 + e**2)" in text and "e**2/(1 + e**2)" in text
    assert "0.119203" in text                       # the decimal beside the exact value
    assert r"\frac{1}{1 + e^{2}}" in t.to_markdown()


def test_symbolic_nll_gradient_is_x_times_a_minus_y():
    x1, x2, w1, w2, w0, y = sp.symbols("x1 x2 w1 w2 w0 y")
    unit = nn.Linear(2, 1)
    unit.weight._data = np.array([[w1, w2]], dtype=object)
    unit.bias._data = np.array([w0], dtype=object)
    x = exact_tensor([[x1, x2]])
    with gn.trace(unit, notation="rows") as t:
        a = gn.sigmoid(unit(x))
        nn.functional.binary_cross_entropy(a, exact_tensor([[y]]), reduction="sum").backward()
    grad = unit.weight.grad.numpy()[0]
    a1 = 1 / (1 + sp.exp(-(w1 * x1 + w2 * x2 + w0)))
    assert sp.simplify(grad[0] - x1 * (a1 - y)) == 0
    text = t.to_text()
    assert "x1*(a_1 - y)" in text and "x2*(a_1 - y)" in text


def test_sigmoid_derivative_reads_sigma_times_one_minus_sigma():
    z = sp.Symbol("z")
    expr = (1 / (1 + sp.exp(-z))) * (1 - 1 / (1 + sp.exp(-z)))
    m = exact_math(expr)
    assert "σ(z)" in m.text and "(1 - σ(z))" in m.text
    assert r"\sigma\left(z\right)" in m.latex


def test_a_missing_sympy_names_the_extra_to_install(monkeypatch):
    from glassnet.trace import exact
    monkeypatch.setitem(sys.modules, "sympy", None)
    with pytest.raises(ImportError, match=r"pip install 'glassnet\[exact\]'"):
        exact.sympy_module()
