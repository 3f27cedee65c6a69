"""Problem files: the format, and errors that name the file, line and column."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("yaml")

from glassnet.problems import ProblemError, SCHEMA_PATH, parse_problem_text, run_problem  # noqa: E402

SEED003_P1 = """\
title: seed 003 problem 1
network:
  sizes: [5, 3, 2]
  activation: sigmoid
  weights: 0.1
  biases: 0
loss: squared_error
optimizer: {name: sgd, lr: 1}
train:
  x: [1, 1, 0, 0, 0]
  y: [1, 0]
predict:
  x: [1, 0, 0, 0, 1]
"""


def _error(text: str) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        run_problem(parse_problem_text(textwrap.dedent(text), "p.yaml"))
    return info.value


def test_a_short_file_runs_seed003_problem1():
    t = run_problem(parse_problem_text(SEED003_P1))
    vals = t.values()
    np.testing.assert_allclose(vals["1"]["delta[2]"].ravel(), [-0.113937, 0.13437], atol=5e-7)
    np.testing.assert_allclose(vals["1"]["W_new[1]"][:, 0], 0.0994943, atol=5e-8)
    np.testing.assert_allclose(vals["2"]["a[2]"].ravel(), [0.59438, 0.477189], atol=5e-6)
    assert vals["2"]["class"] == 1


@pytest.mark.parametrize("text, line, column, message", [
    ("network:\n  sizes: [2, 2]\n  activaton: sigmoid\n  weights: 0\n", 3, 3, "did you mean 'activation'"),
    ("network:\n  sizes: [2, 2]\n  activation: sigmoidd\n  weights: 0\n", 3, 15, "did you mean 'sigmoid'"),
    ("network: {sizes: [2, 2]\n", 2, 1, "invalid YAML"),
    ("network:\n  sizes: [2, 3]\n  activation: tanh\n  weights:\n    - [[1, 2, 3], [4, 5, 6]]\n", 5, 7,
     "must be 3 × 2, outputs × inputs (columns notation), got 2 × 3 — it looks transposed"),
    ("network:\n  sizes: [2, 2]\n  activation: tanh\n  weights: [[[1, 2], [3]]]\n", 4, 22, "rows of different lengths"),
    ("network:\n  sizes: [2, 2]\n  activation: tanh\n  weights: 0\n  weights: 1\n", 5, 3, "appears twice"),
    ("network:\n  sizes: [2, 2]\n  activation: tanh\n  weights: 0\nloss: squared_error\n"
     "train:\n  x: [1, 2, 3]\n  y: [0, 1]\n", 7, 6, "each input needs 2 values"),
    ("network:\n  sizes: [2, 2]\n  activation: tanh\n  weights: 0\ntrain: {x: [1, 2], y: [0, 1]}\n", 5, 8,
     "training needs a 'loss'"),
    ("graph:\n  inputs: {x: [1, 2]}\n  nodes:\n    h: sigmoid(x) + W @ x\n", 4, 21, "'W' is not defined above"),
    ("graph:\n  inputs: {x: [1, 2]}\n  nodes:\n    h: 'sigmoid(x'\n", 4, 16, "cannot read the expression"),
    ("graph:\n  inputs: {x: [1, 2]}\n  nodes:\n    h: sigmoid(x)\n  loss: h\n", 4, 8, "must be one number"),
    ("network:\n  sizes: [1, 1]\n  activation: tanh\n  weights: w\n", 4, 12, "need exact mode"),
    ("title: [1]\nnetwork:\n  sizes: [1, 1]\n  activation: tanh\n  weights: 1\n", 1, 8, "must be text"),
    ("network:\n  sizes: [2, 2]\n  activation: softmax\n  weights: 0\nloss: cross_entropy\n"
     "optimizer: {name: adam, lr: 1}\n", 6, 19, "unknown name 'adam'"),
    ("network:\n  sizes: [2, 2]\n  activation: tanh\n  weights: 0\nloss: cross_entropy\n", 5, 7,
     "cross_entropy goes with a softmax output"),
    ("", 1, 1, "the file is empty"),
    ("- 1\n- 2\n", 1, 1, "must be a mapping"),
])
def test_malformed_files_name_file_line_column_and_what_was_expected(text, line, column, message):
    err = _error(text)
    assert (err.file, err.line, err.column) == ("p.yaml", line, column), str(err)
    assert message in err.message
    assert str(err).startswith(f"p.yaml:{line}:{column}: ")


def test_schema_accepts_every_example_and_rejects_a_typo():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml
    schema = json.loads(SCHEMA_PATH.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    examples = sorted(Path(__file__).resolve().parents[2].glob("examples/seed*/*.yaml"))
    assert examples
    for path in examples:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert not errors, f"{path}: {errors[0].message}"
    bad = yaml.safe_load("network: {sizes: [2, 2], activaton: tanh, weights: 0}")
    assert list(validator.iter_errors(bad))


def test_rows_notation_reads_w_as_inputs_by_outputs():
    text = ("notation: rows\nnetwork:\n  sizes: [2, 3]\n  activation: identity\n"
            "  weights: [[[1, -1, -2], [-1, 2, 1]]]\n  biases: false\npredict: {x: [1, 1]}\n")
    t = run_problem(parse_problem_text(text))
    np.testing.assert_array_equal(t.values()["1"]["z[1]"].ravel(), [0, 1, -1])    # z = Wᵀx


def test_graph_problem_with_a_skip_connection():
    text = textwrap.dedent("""\
        graph:
          parameters:
            W1: [[0.5, -0.5], [1, 0.25], [-1, 0.5]]
            b1: [0.1, 0, -0.1]
            W2: [[1, -1, 0.5], [0.5, 0.5, -1]]
            b2: [0, 0.2]
          inputs: {x: [1, -1]}
          constants: {r: [0.1, -0.2, 0.3], s: [0.5, -0.5]}
          nodes:
            z: W1 @ x + b1
            h: sigmoid(z)
            y: x + W2 @ h + b2
            S: squared_error(y, s)
            R: dot(r, h)
            L: S + R
        """)
    t = run_problem(parse_problem_text(text))
    W1 = np.array([[0.5, -0.5], [1, 0.25], [-1, 0.5]])
    W2 = np.array([[1, -1, 0.5], [0.5, 0.5, -1]])
    x = np.array([1.0, -1.0])
    h = 1 / (1 + np.exp(-(W1 @ x + [0.1, 0, -0.1])))
    y = x + W2 @ h + [0, 0.2]
    ybar = y - [0.5, -0.5]
    zbar = (W2.T @ ybar + [0.1, -0.2, 0.3]) * h * (1 - h)
    xbar = t.values()["1"]["x̄"].ravel()
    np.testing.assert_allclose(xbar, W1.T @ zbar + ybar, rtol=1e-12)
    assert "x̄ = (W⁽¹⁾)ᵀz̄ + ȳ" in t.to_text()
