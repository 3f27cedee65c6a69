"""``jacobian:`` and ``hessian:`` in problem files: the three forms (a function, a network, a
graph), their numbers against NumPy, a Newton step by hand, and FILE:LINE:COL errors."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

pytest.importorskip("yaml")
sp = pytest.importorskip("sympy")

from glassnet.problems import ProblemError, parse_problem_text, run_problem  # noqa: E402

NET = "network:\n  sizes: [2, 3]\n  activation: softmax\n  weights: [[[1, 0], [0, 1], [1, 1]]]\n  biases: 0\n" \
      "loss: cross_entropy\n"
TRAIN = "train: {x: [1, -1], y: [0, 0, 1]}\n"
GRAPH = "graph:\n  inputs: {z: [1, 2]}\n  constants: {y: [0, 1]}\n  nodes:\n    L: cross_entropy(z, y)\n"


def _run(text: str, exact: bool | None = None):
    return run_problem(parse_problem_text(textwrap.dedent(text), "p.yaml"), exact=exact)


def _softmax(z):
    e = np.exp(np.asarray(z, dtype=np.float64) - np.max(z))
    return e / e.sum()


def _jac(p):
    return np.diag(p) - np.outer(p, p)


def test_jacobian_of_a_function_at_a_point():
    t = _run("jacobian: {of: softmax, at: [-1, 0, 1]}\n")
    v = t.values()["1"]
    np.testing.assert_allclose(v["J"], _jac(_softmax([-1, 0, 1])), rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(v["a"].ravel(), _softmax([-1, 0, 1]), rtol=1e-15)
    text = t.to_text()
    assert text.startswith("Jacobian of the softmax\n")
    assert "v̄ = ∂L/∂v" not in text                  # no loss here, so no adjoints are mentioned


def test_jacobian_of_an_elementwise_function_is_diagonal():
    t = _run("jacobian: {of: logistic, at: [0, 2]}\n")            # an alias of sigmoid
    a = 1 / (1 + np.exp(-np.array([0.0, 2.0])))
    np.testing.assert_allclose(t.values()["1"]["J"], np.diag(a * (1 - a)), rtol=1e-13, atol=1e-17)
    assert "J = ∂a/∂z = Diag(σ′(z)) = Diag(a ∘ (1 − a))" in t.to_text()


def test_exact_jacobian_of_the_softmax():
    t = _run("exact: true\njacobian: {of: softmax, at: [-1, 0, 1]}\n")
    J = t.values()["1"]["J"]
    S = sp.exp(-1) + 1 + sp.E
    p = [sp.exp(-1) / S, 1 / S, sp.E / S]
    for i in range(3):
        for j in range(3):
            assert sp.simplify(J[i, j] - ((p[i] if i == j else 0) - p[i] * p[j])) == 0


def test_several_requests_run_in_the_file_order():
    t = _run("jacobian:\n  - {of: softmax, at: [0, 0]}\n  - {of: tanh, at: [0], title: 'tanh at 0'}\n")
    sol = t.solution()
    assert [s.title for s in sol.sections if s.level == 2] == ["Jacobian of the softmax", "tanh at 0"]
    np.testing.assert_allclose(t.values()["2"]["J"], [[1.0]])


def test_network_hessians_of_the_loss_at_the_training_data():
    t = _run(NET + TRAIN + "hessian:\n  - {of: loss, wrt: logits}\n  - {of: loss, wrt: parameters}\n"
                           "  - {wrt: input}\n")
    v = t.values()["1"]
    W = np.array([[1.0, 0], [0, 1], [1, 1]])
    x = np.array([1.0, -1])
    p = _softmax(W @ x)
    np.testing.assert_allclose(v["H[z⁽¹⁾]"], _jac(p), rtol=1e-13, atol=1e-16)           # in the logits
    np.testing.assert_allclose(v["H[x]"], W.T @ _jac(p) @ W, rtol=1e-12, atol=1e-16)     # in the input
    # in θ = (W row by row, b): ∂²L/∂W∂W = (Diag(p) − ppᵀ) ⊗ xxᵀ, with the bias as an input of 1
    xt = np.append(x, 1.0)
    kron = np.kron(_jac(p), np.outer(xt, xt))                       # θ' = (W₁₁, W₁₂, b₁, W₂₁, …)
    order = [0, 1, 3, 4, 6, 7, 2, 5, 8]                             # → (W row by row, then b)
    np.testing.assert_allclose(v["H[θ]"], kron[np.ix_(order, order)], rtol=1e-12, atol=1e-16)
    # shown after the gradients, before anything else
    text = t.to_text()
    assert text.index("Gradients") < text.index("Hessian ∂²L/∂z⁽¹⁾∂(z⁽¹⁾)ᵀ") < text.index("Hessian ∂²L/∂θ∂θᵀ")


def test_network_jacobian_of_the_output_defaults_to_the_first_training_input():
    t = _run(NET + "train: {x: [[1, -1], [2, 0]], y: [2, 0]}\njacobian: {of: output}\n")
    W = np.array([[1.0, 0], [0, 1], [1, 1]])
    np.testing.assert_allclose(t.values()["2"]["J"], _jac(_softmax(W @ [1.0, -1])) @ W, rtol=1e-12, atol=1e-16)
    assert t.solution().sections[-1].title == "Jacobian ∂a⁽¹⁾/∂x"


def test_graph_derivatives():
    t = _run(GRAPH + "hessian: {of: L, wrt: z}\njacobian: {of: L}\n")
    v = t.values()["1"]
    p = _softmax([1, 2])
    np.testing.assert_allclose(v["H"], _jac(p), rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(v["J"], (p - [0, 1]).reshape(1, 2), rtol=1e-13)   # a scalar's Jacobian: ∇ᵀ
    assert "H = ∂²L/∂z∂zᵀ = Diag(p) − ppᵀ" in t.to_text()


def _newton_problem(exact=False):
    return _run("""\
        notation: rows
        network: {sizes: [1, 1], activation: sigmoid, weights: [[[-1]]], biases: [[1]]}
        loss: {name: binary_cross_entropy, reduction: mean}
        optimizer: {name: newton}
        train: {x: [1, 2], y: [1, 0]}
        """, exact=exact)


def test_newton_step_of_logistic_regression_by_hand():
    v = _newton_problem().values()["1"]
    X = np.array([[1.0, 1], [2, 1]])                 # rows x̃ₙ = (xₙ, 1), θ = (w, b) = (−1, 1)
    y = np.array([1.0, 0])
    a = 1 / (1 + np.exp(-(X @ [-1.0, 1])))            # σ(0) = ½, σ(−1) = 0.268941
    g = X.T @ (a - y) / 2                             # ∂J/∂w = 0.0189, ∂J/∂b = −0.1155 (seed 001)
    H = X.T @ np.diag(a * (1 - a)) @ X / 2
    step = np.linalg.solve(H, g)
    np.testing.assert_allclose(v["H"], H, rtol=1e-12)
    np.testing.assert_allclose(v["dtheta"].ravel(), g, rtol=1e-12)
    np.testing.assert_allclose(v["newton_step"].ravel(), step, rtol=1e-10)
    np.testing.assert_allclose(v["W_new[1]"].ravel(), [-1 - step[0]], rtol=1e-10)
    np.testing.assert_allclose(v["W0_new[1]"].ravel(), [1 - step[1]], rtol=1e-10)
    np.testing.assert_allclose(step, [3 + np.exp(-1), -5 - np.exp(-1)], rtol=1e-10)


def test_exact_newton_step_is_3_plus_e_inverse():
    v = _newton_problem(exact=True).values()["1"]
    e = sp.E
    assert [sp.simplify(s - w) for s, w in zip(v["newton_step"].ravel(), (3 + 1 / e, -5 - 1 / e))] == [0, 0]
    assert sp.simplify(v["W_new[1]"].ravel()[0] - (-4 - 1 / e)) == 0
    # H₁₁ = ½(¼ + 4σ(−1)(1 − σ(−1))) = 1/8 + 2e/(1 + e)², shown simplified
    assert sp.simplify(v["H"][0, 0] - (sp.Rational(1, 8) + 2 * e / (1 + e) ** 2)) == 0
    assert sp.count_ops(v["H"][0, 0]) < 12


def test_newton_with_damping_and_a_learning_rate():
    v = _run("""\
        network: {sizes: [1, 1], activation: identity, weights: 1, biases: 0}
        loss: squared_error
        optimizer: {name: newton, lr: 0.5, damping: 1}
        train: {x: [1, 2], y: [0, 1]}
        """).values()["1"]
    X = np.array([[1.0, 1], [2, 1]])
    H = X.T @ X                                       # E = ½Σ(a − y)²: H = X̃ᵀX̃
    g = X.T @ (X @ [1.0, 0] - [0, 1])
    step = np.linalg.solve(H + np.eye(2), g)
    np.testing.assert_allclose(v["H"], H, rtol=1e-14)
    np.testing.assert_allclose(v["theta_new"].ravel(), [1, 0] - 0.5 * step, rtol=1e-12)


@pytest.mark.parametrize("text, line, column, message", [
    ("jacobian: {of: softmx, at: [1, 2]}\n", 1, 16, "did you mean 'softmax'"),
    ("jacobian: {of: softmax}\n", 1, 11, "needs the point: at:"),
    ("jacobian: {of: softmax, at: [1, 2], wrt: z}\n", 1, 37, "'wrt' is not needed"),
    ("jacobian: {of: softmax, at: [[1, 2]]}\n", 1, 29, "must be a number or a list of numbers"),
    ("jacobian: {of: softmax, at: [1, 2], by: 1}\n", 1, 37, "unknown key 'by'"),
    ("jacobian: {of: softmax, at: [1, 'e**']}\n", 1, 33, "cannot read"),
    ("hessian: {of: softmax, at: [1, 2]}\n", 1, 10, "a Hessian needs a function with one number"),
    ("jacobian: []\n", 1, 11, "an empty list"),
    ("jacobian: {of: softmax, at: [1, 2]}\nloss: mse\n", 2, 1, "'loss' needs a network or a graph"),
    (NET + TRAIN + "hessian: {of: loss}\n", 8, 10, "say with respect to what"),
    (NET + TRAIN + "hessian: {of: loss, wrt: logitz}\n", 8, 26, "did you mean 'logits'"),
    (NET + TRAIN + "hessian: {of: loss, wrt: logits, at: [1, 2]}\n", 8, 34, "leave out 'at'"),
    (NET + "hessian: {of: loss, wrt: logits}\n", 7, 10, "needs training data"),
    (NET + TRAIN + "jacobian: {of: output, at: [1, 2, 3]}\n", 8, 28, "each input needs 2 values"),
    (NET + TRAIN + "jacobian: {of: output, at: [[1, 2], [3, 4]]}\n", 8, 28, "at one input"),
    (NET + "jacobian: {of: output}\n", 7, 11, "say where: at:"),
    (NET + TRAIN + "jacobian: {of: loss}\n", 8, 16, "is not what a network's jacobian is of"),
    (GRAPH + "jacobian: {of: M, wrt: z}\n", 6, 16, "'M' is not one of the nodes (L)"),
    (GRAPH + "hessian: {of: L, wrt: w}\n", 6, 23, "'w' is not a given value of the graph (z, y)"),
    (GRAPH + "hessian: {of: L, wrt: z, at: [1]}\n", 6, 26, "leave out 'at'"),
    ("graph:\n  inputs: {z: [1, 2]}\n  nodes:\n    a: softmax(z)\nhessian: {of: a, wrt: z}\n", 5, 15,
     "the Hessian needs one number: 'a' has shape (2,)"),
    ("graph:\n  inputs: {z: [1, 2], w: [1, 1]}\n  nodes:\n    a: softmax(z * w)\njacobian: {of: a}\n", 5, 11,
     "say with respect to what: wrt: one of z, w"),
    (NET + TRAIN + "optimizer: {name: newton, momentum: 0.9}\n", 8, 27, "newton has no 'momentum'"),
    (NET + TRAIN + "optimizer: {name: sgd}\n", 8, 12, "sgd needs a learning rate"),
    (NET + TRAIN + "optimizer: {name: newton, lr: -1}\n", 8, 12, "lr must be > 0"),
    (NET + "optimizer: newton\n", 7, 12, "a Newton step needs training data"),
    ("network: {sizes: [1, 1], activation: identity, weights: 1}\nloss: squared_error\noptimizer: newton\n"
     "train: {x: [1, 1], y: [0, 1]}\n", 3, 12, "Hessian (plus damping λI) is singular"),
])
def test_bad_jacobian_and_hessian_sections_name_file_line_column(text, line, column, message):
    with pytest.raises(ProblemError) as info:
        run_problem(parse_problem_text(text, "p.yaml"))
    err = info.value
    assert (err.file, err.line, err.column) == ("p.yaml", line, column), str(err)
    assert message in err.message, err.message
    assert str(err).startswith(f"p.yaml:{line}:{column}: ")


def test_file_contents_are_never_evaluated():
    # a Python expression in 'of' or 'at' is a name or a number to check, never code to run
    with pytest.raises(ProblemError, match="is not a function glassnet can differentiate"):
        run_problem(parse_problem_text("jacobian: {of: '__import__(\"os\")', at: [1]}\n", "p.yaml"))
    with pytest.raises(ProblemError, match="cannot read"):
        run_problem(parse_problem_text("jacobian: {of: softmax, at: ['__import__(\"os\").getcwd()']}\n", "p.yaml"))
