"""Jacobians and Hessians in worked solutions: the formula of each known case first, then the
engine's matrix — checked against NumPy (Diag(p) − ppᵀ, X̃ᵀSX̃) and, exactly, against SymPy."""
from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.nn import functional as F
from glassnet.trace.derivative_view import entry, readable
from glassnet.trace.notation import Math, Notation

sp = pytest.importorskip("sympy")

Z = [-1.0, 0.0, 1.0]


def _softmax_np(z):
    e = np.exp(np.asarray(z, dtype=np.float64) - np.max(z))
    return e / e.sum()


def _softmax_trace(z=Z, dtype=None):
    with gn.trace(title="softmax") as t:
        zt = gn.tensor(z, dtype=dtype) if dtype is not None else gn.tensor(z)
        zt.name = "z"
        a = gn.softmax(zt, 0)
        a.name = "a"
        t.jacobian(lambda v: gn.softmax(v, 0), zt, of=a)
    return t


def test_softmax_jacobian_shows_the_entry_formula_then_diag_minus_outer_then_numbers():
    t = _softmax_trace()
    J = t.values()["1"]["J"]
    p = _softmax_np(Z)
    np.testing.assert_allclose(J, np.diag(p) - np.outer(p, p), rtol=1e-13, atol=1e-16)   # seed 004 Q2.4
    md = t.to_markdown()
    i_entry = md.index(r"&= a_{i} \left(\delta_{ij} - a_{j}\right)")
    i_matrix = md.index(r"&= \operatorname{Diag}\left(a\right) - a a^\top")
    i_numbers = md.index(r"\begin{bmatrix} 0.0819251 & -0.022033 & -0.059892")
    assert i_entry < i_matrix < i_numbers
    text = t.to_text()
    assert "Jᵢⱼ = ∂aᵢ/∂zⱼ = (δᵢⱼ e^zᵢ Σₖ e^zₖ − e^zᵢ e^zⱼ)/(Σₖ e^zₖ)² = aᵢ(δᵢⱼ − aⱼ)" in text
    assert "J = ∂a/∂z = Diag(a) − aaᵀ" in text
    assert "J𝟏 = 0" in text                                # shift invariance (Q2.1)


def test_softmax_jacobian_numbers_are_put_into_the_formula():
    sol = _softmax_trace().solution()
    (eq,) = [e for s in sol.sections for e in s.items if getattr(e, "key", None) == "J"]
    p = _softmax_np(Z)
    diag_term, a_term, at_term = eq.terms
    np.testing.assert_allclose(diag_term.value, np.diag(p), rtol=1e-15)
    assert a_term.op == "-" and at_term.transpose
    np.testing.assert_allclose(a_term.value.ravel(), p, rtol=1e-15)


def test_exact_softmax_jacobian_entries_are_the_sympy_expressions():
    t = _softmax_trace(dtype=gn.exact)
    J = t.values()["1"]["J"]
    e = sp.E
    p = [sp.exp(sp.Integer(z)) / sum(sp.exp(sp.Integer(w)) for w in (-1, 0, 1)) for z in (-1, 0, 1)]
    for i in range(3):
        for j in range(3):
            want = (p[i] if i == j else 0) - p[i] * p[j]
            assert sp.simplify(J[i, j] - want) == 0, (i, j)
    assert J[0, 2] == -1 / (e ** -1 + 1 + e) ** 2           # e⁻¹·e = 1: −a₁a₃ = −1/(1 + e + e⁻¹)²
    text = t.to_text()
    assert "-1/(1 + e + e**(-1))**2" in text and "≈" in text      # exact, with the decimals beside


def test_exact_long_entries_are_shown_simplified_short_ones_as_computed():
    x, y = sp.symbols("x y")
    long = np.empty((1, 2), dtype=object)
    long[0, 0] = (2 - 2 / (1 + sp.E)) / (2 * (1 - 1 / (1 + sp.E))) + 0 * x
    long[0, 1] = ((1 - 1 / (1 + sp.E)) * (1 + sp.E) / (1 + sp.E)) / (1 - 1 / (1 + sp.E))
    out = readable(long)
    assert out[0, 0] == 1 and out[0, 1] == 1
    short = np.empty((1, 1), dtype=object)
    short[0, 0] = (1 - 1 / (1 + sp.E)) / (1 + sp.E)
    assert readable(short) is short


def _network_step(x, y, reduction="sum"):
    model = nn.Sequential(nn.Linear(2, 3))
    with gn.no_grad():
        model[0].weight.copy_(gn.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        model[0].bias.fill_(0.0)
    xt, yt = gn.tensor(x), gn.tensor(y)
    with gn.trace(model) as t:
        z = model(xt)
        loss = F.cross_entropy(z, yt, reduction=reduction)
        loss.backward()
        t.hessian(lambda v: F.cross_entropy(v, yt, reduction=reduction), z.detach(), of=loss, wrt=z)
    return t, z.detach().numpy()


def test_cross_entropy_hessian_in_the_logits_is_diag_p_minus_p_pt():
    t, z = _network_step([[1.0, -1.0]], [2])
    H = t.values()["1"]["H"]
    p = _softmax_np(z[0])
    np.testing.assert_allclose(H, np.diag(p) - np.outer(p, p), rtol=1e-13, atol=1e-16)
    text = t.to_text()
    assert "Hessian ∂²L/∂z⁽¹⁾∂(z⁽¹⁾)ᵀ" in text
    assert "∂L/∂z⁽¹⁾ = a⁽¹⁾ − y" in text
    assert "H = ∂²L/∂z⁽¹⁾∂(z⁽¹⁾)ᵀ = Diag(a⁽¹⁾) − a⁽¹⁾(a⁽¹⁾)ᵀ" in text


def test_cross_entropy_hessian_of_a_mean_over_samples_is_block_diagonal():
    x = [[1.0, -1.0], [0.5, 2.0]]
    t, z = _network_step(x, [2, 0], reduction="mean")
    H = t.values()["1"]["H"]
    blocks = [np.diag(_softmax_np(r)) - np.outer(_softmax_np(r), _softmax_np(r)) for r in z]
    want = np.zeros((6, 6))
    want[:3, :3], want[3:, 3:] = blocks[0] / 2, blocks[1] / 2
    np.testing.assert_allclose(H, want, rtol=1e-13, atol=1e-16)
    text = t.to_text()
    assert "Diag(H₁, …, H₂)" in text and "Hₙ = (1/2)(Diag(a⁽¹⁾ₙ) − a⁽¹⁾ₙ(a⁽¹⁾ₙ)ᵀ)" in text
    # the logits of both samples, in the array's order: entry (n, c) is written z⁽¹⁾_cn
    assert "z⁽¹⁾ = (z⁽¹⁾₁₁, z⁽¹⁾₂₁, z⁽¹⁾₃₁, z⁽¹⁾₁₂, z⁽¹⁾₂₂, z⁽¹⁾₃₂)" in text


def _logistic(notation="columns"):
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    with gn.no_grad():
        model[0].weight.copy_(gn.tensor([[1.0, -2.0]]))
        model[0].bias.fill_(0.5)
    x = gn.tensor([[1.0, 2.0], [-1.0, 0.5], [0.0, 1.0]])
    y = gn.tensor([[1.0], [0.0], [1.0]])
    opt = gn.optim.Newton(model.parameters())
    with gn.trace(model, opt, notation=notation) as t:
        loss = F.binary_cross_entropy(model(x), y, reduction="sum")
        loss.backward()
        opt.step(lambda: F.binary_cross_entropy(model(x), y, reduction="sum"))
    return t


def test_logistic_regression_hessian_and_newton_step_by_hand():
    t = _logistic()
    v = t.values()["1"]
    Xt = np.array([[1.0, 2, 1], [-1, 0.5, 1], [0, 1, 1]])          # x̃ = (x, 1)
    y = np.array([1.0, 0, 1])
    theta = np.array([1.0, -2, 0.5])
    a = 1 / (1 + np.exp(-(Xt @ theta)))
    H = Xt.T @ np.diag(a * (1 - a)) @ Xt                            # Σₙ aₙ(1 − aₙ) x̃ₙx̃ₙᵀ
    g = Xt.T @ (a - y)                                              # Σₙ (aₙ − yₙ) x̃ₙ
    step = np.linalg.solve(H, g)
    np.testing.assert_allclose(v["H"], H, rtol=1e-12)
    np.testing.assert_allclose(v["dtheta"].ravel(), g, rtol=1e-12)
    np.testing.assert_allclose(v["newton_step"].ravel(), step, rtol=1e-10)
    np.testing.assert_allclose(v["theta_new"].ravel(), theta - step, rtol=1e-10)
    np.testing.assert_allclose(v["W_new[1]"].ravel(), (theta - step)[:2], rtol=1e-10)
    np.testing.assert_allclose(v["b_new[1]"].ravel(), (theta - step)[2:], rtol=1e-10)
    text = t.to_text()
    assert "H = ∂²L/∂θ∂θᵀ = Σₙ a⁽¹⁾ₙ(1 − a⁽¹⁾ₙ)x̃ₙx̃ₙᵀ = X̃ᵀDiag(a⁽¹⁾ ∘ (1 − a⁽¹⁾))X̃" in text
    assert "θ = (W⁽¹⁾₁₁, W⁽¹⁾₁₂, b⁽¹⁾), in this order" in text
    assert "θ ← θ − H⁻¹∂L/∂θ" in text and "Δθ = H⁻¹∂L/∂θ" in text
    assert text.index("Hessian ∂²L/∂θ∂θᵀ") < text.index("Update")


def test_rows_notation_names_weight_entries_inputs_first():
    text = _logistic("rows").to_text()
    assert "θ = (W⁽¹⁾₁₁, W⁽¹⁾₂₁, W₀⁽¹⁾), in this order" in text


def test_network_jacobian_in_the_input_is_the_chain_rule_product():
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 3), nn.Softmax(dim=-1))
    with gn.no_grad():
        model[0].weight.copy_(gn.tensor([[0.5, -1.0], [1.0, 0.25]]))
        model[0].bias.fill_(0.1)
        model[2].weight.copy_(gn.tensor([[1.0, -1.0], [0.5, 0.5], [-1.0, 2.0]]))
        model[2].bias.fill_(0.0)
    x = gn.tensor([[1.0, -0.5]])
    with gn.trace(model) as t:
        with gn.no_grad():
            a = model(x)
        t.jacobian(model, x, of=a)
    W1, W2 = model[0].weight.detach().numpy(), model[2].weight.detach().numpy()
    h = np.tanh(W1 @ x.numpy()[0] + 0.1)
    p = _softmax_np(W2 @ h)
    want = (np.diag(p) - np.outer(p, p)) @ W2 @ np.diag(1 - h ** 2) @ W1
    np.testing.assert_allclose(t.values()["1"]["J"], want, rtol=1e-12)
    text = t.to_text()
    assert "J = ∂a⁽²⁾/∂x = (Diag(a⁽²⁾) − a⁽²⁾(a⁽²⁾)ᵀ)W⁽²⁾D⁽¹⁾W⁽¹⁾" in text
    assert "D⁽¹⁾ = Diag(tanh′(z⁽¹⁾))" in text
    assert "Predicted class" not in text


def test_an_unknown_case_is_shown_by_its_definition_and_the_engine():
    with gn.trace() as t:
        x = gn.tensor([1.0, 2.0])
        x.name = "x"
        f = (x ** 3).sum()
        f.name = "f"
        t.hessian(lambda v: (v ** 3).sum(), x, of=f)
    np.testing.assert_allclose(t.values()["1"]["H"], np.diag([6.0, 12.0]))
    text = t.to_text()
    assert "Hᵢⱼ = ∂²f/∂xᵢ∂xⱼ" in text and "glassnet.autograd.functional" in text


def test_json_has_the_derivative_with_its_formulas_and_full_values():
    data = json.loads(_softmax_trace().to_json())
    eqs = {i["key"]: i for s in data["sections"] for i in s["items"] if i["type"] == "equation" and i["key"]}
    assert eqs["J"]["formulas"] == ["∂a/∂z", "Diag(a) − aaᵀ"]
    p = _softmax_np(Z)
    np.testing.assert_allclose(eqs["J"]["value"], np.diag(p) - np.outer(p, p), rtol=1e-13, atol=1e-16)
    latex = _softmax_trace().to_latex(standalone=True)
    assert r"\operatorname{Diag}\left(a\right) - a a^\top" in latex


def test_entry_symbols_keep_an_existing_index():
    N = Notation("rows")
    assert entry(N.b(1), "2").latex == "W_{0,2}^{(1)}"
    assert entry(N.a(2), "i").latex == "a^{(2)}_{i}" and entry(N.a(2), "i").text == "a⁽²⁾ᵢ"
    assert entry(Math("z"), [1, 12]).text == "z₁,₁₂"
