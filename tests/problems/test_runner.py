"""Running problem files: graph values that reduce to one number stay 0-d in exact mode."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("yaml")
sp = pytest.importorskip("sympy")

from glassnet.problems import parse_problem_text, run_problem  # noqa: E402

GRAPH = """
exact: true
graph:
  parameters:
    w: [0.5, -1]
    c: 2
  inputs:
    x: [3, 1]
  nodes:
    s: dot(w, x) + c
    L: s * s
"""


def test_an_exact_graph_keeps_one_number_values_0d_and_rational():
    trace = run_problem(parse_problem_text(GRAPH))
    nodes = {n.name: n for n in trace.nodes if n.name}
    # s = 0.5·3 − 1·1 + 2 = 5/2;  L = s² = 25/4;  ∂L/∂w = 2s·x = [15, 5];  ∂L/∂c = 2s = 5
    assert nodes["s"].value.shape == () and nodes["s"].value[()] == sp.Rational(5, 2)
    assert nodes["L"].value.shape == () and nodes["L"].value[()] == sp.Rational(25, 4)
    leaves = {l.name: l for l in trace.leaves}
    assert leaves["c"].value.shape == ()
    run = trace.passes[0].runs[0]
    assert leaves["w"].grads[run].tolist() == [15, 5]
    assert leaves["c"].grads[run][()] == 5
    assert all(isinstance(v, sp.Integer) for v in leaves["w"].grads[run])
    assert "\\frac{25}{4}" in trace.to_markdown()


POOL = """
graph:
  inputs:
    h: [0, 3.5, 5.5, 0, 2, 1]
  nodes:
    m: max_pool(h, 2)
    L: dot(m, m)
"""


def test_max_pool_in_a_graph_names_each_winner_and_routes_the_gradient():
    from glassnet.problems import render
    problem = parse_problem_text(POOL)
    trace = run_problem(problem)
    v = trace.values()["1"]
    # m = [max(0, 3.5), max(5.5, 0), max(2, 1)] = [3.5, 5.5, 2];  L = mᵀm, so m̄ = 2m
    assert v["m"].ravel().tolist() == [3.5, 5.5, 2.0]
    assert v["h̄"].ravel().tolist() == [0.0, 7.0, 11.0, 0.0, 4.0, 0.0]   # 2m at the winners
    md = render(trace, problem)
    assert r"m_{1} &= \max\left(h_{1}, h_{2}\right) = \max\left(0, 3.5\right) = 3.5" in md
    assert r"m_{1} \leftarrow h_{2}" in md
    assert r"\bar{h}_{2} &= \bar{m}_{1} = 7" in md


def test_a_window_size_must_be_a_whole_number():
    from glassnet.problems import ProblemError
    bad = POOL.replace("max_pool(h, 2)", "max_pool(h, 1.5)")
    with pytest.raises(ProblemError, match="whole number"):
        run_problem(parse_problem_text(bad))


@pytest.mark.parametrize("name, prime", [
    # f′(z) at z = 0.5 (w = 1, x = 0.5, b = 0), by hand
    ("silu", lambda z: 1 / (1 + np.exp(-z)) * (1 + z * (1 - 1 / (1 + np.exp(-z))))),
    ("softplus", lambda z: 1 / (1 + np.exp(-z))),
    ("elu", lambda z: 1.0),
    ("gelu", lambda z: 0.5 * (1 + __import__("math").erf(z / 2 ** 0.5)) + z * np.exp(-z * z / 2) / (2 * np.pi) ** 0.5),
])
def test_the_newer_activations_run_in_a_problem_file_with_their_derivative(name, prime):
    text = f"""
network: {{sizes: [1, 1], activation: {name}, weights: 1, biases: 0}}
loss: squared_error
train: {{x: 0.5, y: 0}}
"""
    problem = parse_problem_text(text)
    trace = run_problem(problem)
    v = trace.values()["1"]
    a = float(np.ravel(v["a[1]"])[0])
    # δ = (a − y) ∘ f′(z) with z = 0.5
    np.testing.assert_allclose(float(np.ravel(v["delta[1]"])[0]), a * prime(0.5), rtol=1e-12)
    md = trace.to_markdown()
    from glassnet.nn.activation import ACTIVATIONS
    latex = ACTIVATIONS[name].prime[0].split("{z}")[0]
    assert latex in md                              # the registry's f′ is written out
