"""Renderers: Markdown with bmatrix, LaTeX, text, JSON; options; byte-identical output."""
from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as gn
import glassnet.optim  # noqa: F401
from glassnet import nn


def _traced_step(notation="columns", batch=False):
    model = nn.Sequential(nn.Linear(5, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid())
    with gn.no_grad():
        for layer in (model[0], model[2]):
            layer.weight.fill_(0.1)
            layer.bias.fill_(0.0)
    opt = gn.optim.SGD(model.parameters(), lr=1.0)
    x = [[1.0, 1, 0, 0, 0], [0, 0, 1, 1, 0]] if batch else [[1.0, 1, 0, 0, 0]]
    y = [[1.0, 0], [0, 1]] if batch else [[1.0, 0]]
    with gn.trace(model, opt, title="Seed 003 · Problem 1", notation=notation) as t:
        loss = nn.SquaredErrorLoss()(model(gn.tensor(x)), gn.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return t


def test_markdown_shows_formulas_before_numbers_with_bmatrix():
    md = _traced_step().to_markdown()
    assert md.startswith("# Seed 003 · Problem 1\n")
    assert r"\begin{bmatrix}" in md
    # δ⁽²⁾: the formula, its explicit form, then the seed's numbers
    i_formula = md.index(r"\delta^{(2)} &= \left(a^{(2)} - y\right) \circ \sigma'\left(z^{(2)}\right)")
    i_numbers = md.index(r"\begin{bmatrix} -0.113937 \\ 0.13437 \end{bmatrix}")
    assert i_formula < i_numbers
    assert r"\frac{\partial E}{\partial W^{(2)}} = \delta^{(2)} (a^{(1)})^\top" in md
    assert r"W^{(2)} \leftarrow W^{(2)} - \eta \frac{\partial E}{\partial W^{(2)}}" in md
    assert r"\eta = 1" in md


def test_rendering_is_deterministic_across_runs():
    a, b = _traced_step(), _traced_step()
    for method in ("to_markdown", "to_text", "to_json", "to_latex"):
        assert getattr(a, method)() == getattr(b, method)()
        assert getattr(a, method)() == getattr(a, method)()


def test_rows_notation_shows_w_transposed_and_the_bias_as_w0():
    cols = _traced_step("columns").values()["1"]
    rows = _traced_step("rows").values()["1"]
    assert cols["W[1]"].shape == (3, 5) and rows["W[1]"].shape == (5, 3)
    np.testing.assert_array_equal(rows["dW[1]"], cols["dW[1]"].T)
    assert "W0[1]" in rows and "b[1]" in cols
    md = _traced_step("rows").to_markdown()
    assert r"z^{(1)} &= (W^{(1)})^\top x + W_{0}^{(1)}" in md
    assert r"\frac{\partial E}{\partial W^{(1)}} &= x (\delta^{(1)})^\top" in md


def test_digits_and_decimals():
    t = _traced_step()
    assert "0.549834" in t.to_text()
    assert "0.5498" in t.to_text(digits=4) and "0.549834" not in t.to_text(digits=4)
    assert "0.550" in t.to_text(decimals=3)
    with pytest.raises(ValueError):
        t.to_text(decimals=-1)


def test_batch_columns_and_per_sample_blocks():
    t = _traced_step(batch=True)
    vals = t.values()["1"]
    assert vals["z[1]"].shape == (3, 2)             # one column per sample
    text = t.to_text(per_sample=True)
    assert "Forward pass · sample 1" in text and "Forward pass · sample 2" in text
    per = t.values(per_sample=True)["1"]
    np.testing.assert_array_equal(per["z[1]#2"], vals["z[1]"][:, 1:2])
    # the bias gradient sums the samples' errors: ∂E/∂b = δ 𝟏
    np.testing.assert_allclose(vals["db[2]"][:, 0], vals["delta[2]"].sum(axis=1), rtol=1e-15)


def test_json_holds_every_value_in_full_precision():
    t = _traced_step()
    data = json.loads(t.to_json())
    eqs = {i["key"]: i for s in data["sections"] for i in s["items"] if i["type"] == "equation"}
    assert eqs["delta[2]"]["formulas"][0] == "(a⁽²⁾ − y) ∘ σ′(z⁽²⁾)"
    assert eqs["delta[2]"]["value"][0][0] == pytest.approx(-0.113937, abs=5e-7)
    assert eqs["W_new[1]"]["assign"] is True
    assert data["notation"] == "columns"


def test_jupyter_reprs_and_standalone_latex():
    t = _traced_step()
    assert t._repr_markdown_() == t.to_markdown()
    latex = t._repr_latex_()
    assert latex.startswith("$$") and r"\begin{aligned}" in latex
    doc = t.to_latex(standalone=True)
    assert doc.startswith(r"\documentclass{article}") and doc.rstrip().endswith(r"\end{document}")


def test_text_draws_matrices_side_by_side():
    text = _traced_step().to_text()
    assert "z⁽¹⁾ = W⁽¹⁾x + b⁽¹⁾" in text
    assert "⎡0.1  0.1  0.1  0.1  0.1⎤ ⎢1⎥" in text
