"""Every problem file in examples/seed*/ regenerates its committed solution byte for byte,
and the solution holds the numbers the seed prints (to the precision the seed prints them).

To refresh a solution after a deliberate change:
    glassnet solve examples/seed003/problem1.yaml -o examples/seed003/problem1.md
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("yaml")
sp = pytest.importorskip("sympy")

from glassnet.problems import load_problem, render, run_problem  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FILES = sorted(EXAMPLES.glob("seed*/*.yaml"))
_NUMBER = re.compile(r"-?\d+(?:\.(\d*))?")
_cache: dict = {}


def _solved(name: str):
    if name not in _cache:
        problem = load_problem(EXAMPLES / name)
        _cache[name] = (problem, run_problem(problem))
    return _cache[name]


def values(name: str, part: str = "1") -> dict:
    return _solved(name)[1].values()[part]


def _float(v):
    return float(v.evalf(17)) if hasattr(v, "evalf") else float(v)


def check(actual, printed: str, units: float = 0.5) -> None:
    """``actual`` equals the seed's ``printed`` numbers, each to ½ unit of its last printed digit.

    A printed row stands for every row of ``actual`` (the seeds repeat equal rows).
    """
    expected = np.array(ast.literal_eval(printed), dtype=np.float64)
    decimals = np.array([len(m.group(1) or "") for m in _NUMBER.finditer(printed)])
    atol = units * 10.0 ** -decimals.reshape(expected.shape)
    got = np.vectorize(_float, otypes=[np.float64])(np.asarray(actual, dtype=object))
    got = got.reshape(-1) if expected.ndim == 1 and got.ndim == 2 and 1 in got.shape else got
    expected, atol = np.broadcast_arrays(expected, atol)
    if got.shape != expected.shape:
        expected, atol = np.broadcast_to(expected, got.shape), np.broadcast_to(atol, got.shape)
    bad = ~(np.abs(got - expected) <= atol * (1 + 1e-9))
    assert not bad.any(), f"printed {printed}\n got {got}"


def test_every_seed_has_examples():
    seeds = {p.parent.name for p in FILES}
    assert {"seed000", "seed001", "seed002", "seed003", "seed004"} <= seeds


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_committed_solution_regenerates_byte_for_byte(path):
    committed = path.with_suffix(".md")
    assert committed.exists(), f"no committed solution beside {path.name}; run: glassnet solve {path} -o {committed}"
    problem, trace = _solved(f"{path.parent.name}/{path.name}")
    assert render(trace, problem, "markdown") == committed.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------- seed 003

def test_seed003_problem1_every_printed_number():
    v = values("seed003/problem1.yaml")
    check(v["z[1]"], "[0.2, 0.2, 0.2]")
    check(v["a[1]"], "[0.549834, 0.549834, 0.549834]")
    check(v["z[2]"], "[0.16495, 0.16495]")
    check(v["a[2]"], "[0.541144, 0.541144]")
    check(v["delta[2]"], "[-0.113937, 0.13437]")
    check(v["delta[1]"], "[0.00050575, 0.00050575, 0.00050575]")
    check(v["dW[2]"], "[[-0.0626465, -0.0626465, -0.0626465], [0.0738812, 0.0738812, 0.0738812]]")
    check(v["db[2]"], "[-0.113937, 0.13437]")
    check(v["dW[1]"], "[[0.00050575, 0.00050575, 0, 0, 0]]")
    check(v["db[1]"], "[0.00050575, 0.00050575, 0.00050575]")
    check(v["W_new[2]"], "[[0.162647, 0.162647, 0.162647], [0.0261188, 0.0261188, 0.0261188]]")
    check(v["b_new[2]"], "[0.113937, -0.13437]")
    check(v["W_new[1]"], "[[0.0994943, 0.0994943, 0.1, 0.1, 0.1]]")
    check(v["b_new[1]"], "[-0.00050575, -0.00050575, -0.00050575]")
    p = values("seed003/problem1.yaml", "2")               # (b) x_new with the new weights
    check(p["z[1]"], "[0.198989, 0.198989, 0.198989]")
    check(p["a[1]"], "[0.549584, 0.549584, 0.549584]")
    check(p["z[2]"], "[0.382101, -0.0913066]")
    check(p["a[2]"], "[0.59438, 0.477189]")
    assert p["class"] == 1                                  # "the first class"
    md = (EXAMPLES / "seed003" / "problem1.md").read_text(encoding="utf-8")
    for printed in ("0.549834", "0.16495", "0.541144", "-0.113937", "0.13437", "-0.0626465", "0.0738812",
                    "0.162647", "0.0261188", "0.0994943", "0.198989", "0.549584", "0.382101", "-0.0913066",
                    "0.59438", "0.477189"):
        assert printed in md


def test_seed003_problem2b_batch_step():
    v = values("seed003/problem2b.yaml")
    check(v["z[1]"], "[[0.2, 1]]")
    check(v["a[1]"], "[[0.197375, 0.761594]]")
    check(v["z[2]"], "[[0.0789501, 0.304638]]")
    check(v["a[2]"], "[[0.0787865, 0.295551]]")
    check(v["z[3]"], "[[0.0236359, 0.0886653]]", units=1)      # the seed's last digit is off by one
    check(v["a[3]"], "[[0.0236316, 0.0884337]]", units=1)
    check(v["delta[3]"], "[[0.0236183, 0.0877421], [-0.975823, 0.0877421], [0.0236183, -0.904437]]", units=1)
    check(v["delta[2]"], "[[-0.0922822, -0.0665279]]")
    check(v["delta[1]"], "[[-0.0266062, -0.008382]]")
    check(v["dW[3]"], "[[0.0277931, 0.0277931, 0.0277931], [-0.0509494, -0.0509494, -0.0509494], "
                      "[-0.265447, -0.265447, -0.265447]]")
    check(v["dW[2]"], "[[-0.0688815, -0.0688815, -0.0688815, -0.0688815]]")
    check(v["dW[1]"], "[[-0.0266062, 0, -0.110426, 0]]")
    check(v["W_new[3]"], "[[0.0972207, 0.0972207, 0.0972207], [0.105095, 0.105095, 0.105095], "
                         "[0.126545, 0.126545, 0.126545]]")
    check(v["W_new[2]"], "[[0.106888, 0.106888, 0.106888, 0.106888]]")
    check(v["W_new[1]"], "[[0.102661, 0.1, 0.111043, 0.1]]")
    # The seed prints ∂E/∂b and the new b with one column per sample: each column is −η δ of that
    # sample (a bias is one vector, so the step uses their sum, δ𝟏, which the solution shows).
    check(-0.1 * v["delta[3]"], "[[-0.00236184, -0.0087742], [0.0975823, -0.0087742], [-0.00236184, 0.0904437]]",
          units=1)
    check(-0.1 * v["delta[2]"], "[[0.00922822, 0.00665279]]")
    check(-0.1 * v["delta[1]"], "[[0.00266062, 0.0008382]]")
    np.testing.assert_allclose(v["db[3]"][:, 0], v["delta[3]"].sum(axis=1))


def test_seed003_problem2a_first_sample_alone():
    v = values("seed003/problem2a.yaml")
    check(v["a[1]"], "[0.197375, 0.197375, 0.197375, 0.197375]")
    check(v["a[3]"], "[0.0236316, 0.0236316, 0.0236316]", units=1)
    check(v["delta[3]"], "[0.0236183, -0.975823, 0.0236183]", units=1)
    check(v["delta[2]"], "[-0.0922822, -0.0922822, -0.0922822]")
    check(v["delta[1]"], "[-0.0266062, -0.0266062, -0.0266062, -0.0266062]")


def test_seed003_problem3_softmax_cross_entropy():
    v = values("seed003/problem3.yaml")
    check(v["a[3]"], "[[0.333333, 0.333333]]")
    check(v["delta[3]"], "[[0.333333, 0.333333], [-0.666667, 0.333333], [0.333333, -0.666667]]")
    assert np.all(np.abs(v["delta[2]"]) < 1e-15) and np.all(np.abs(v["delta[1]"]) < 1e-15)   # they vanish
    check(v["dW[3]"], "[[0.124779, 0.124779, 0.124779], [0.0459927, 0.0459927, 0.0459927], "
                      "[-0.170772, -0.170772, -0.170772]]")
    check(v["W_new[3]"], "[[0.0875221, 0.0875221, 0.0875221], [0.0954007, 0.0954007, 0.0954007], "
                         "[0.117077, 0.117077, 0.117077]]")
    check(-0.1 * v["delta[3]"], "[[-0.0333333, -0.0333333], [0.0666667, -0.0333333], [-0.0333333, 0.0666667]]")
    md = (EXAMPLES / "seed003" / "problem3.md").read_text(encoding="utf-8")
    assert r"W^{(2)}$ is unchanged" in md and r"W^{(1)}$ is unchanged" in md
    assert r"\delta^{(2)} &= (W^{(3)})^\top \delta^{(3)}" in md
    assert "0 & 0" in md                                    # δ⁽²⁾ and δ⁽¹⁾ print as zeros


# ---------------------------------------------------------------------------------- seed 000

E = sp.E


def test_seed000_1_2_sigmoid_derivative():
    z = sp.Symbol("z")
    zbar = values("seed000/s1_2_sigmoid_derivative.yaml")["z̄"]
    assert sp.simplify(zbar - sp.exp(-z) / (1 + sp.exp(-z)) ** 2) == 0           # 1.2.A: e**(-z)/(1 + e**(-z))**2
    md = (EXAMPLES / "seed000" / "s1_2_sigmoid_derivative.md").read_text(encoding="utf-8")
    assert r"\left(1 - \sigma\left(z\right)\right) \sigma\left(z\right)" in md   # 1.2.B: o(1 − o)


def test_seed000_1_2_nll_gradient_is_x_times_a_minus_y():
    x1, x2, a1, y = sp.symbols("x1 x2 a_1 y")
    dw = values("seed000/s1_2_nll_gradient.yaml")["dW[1]"]
    assert sp.simplify(dw[0, 0] - x1 * (a1 - y)) == 0 and sp.simplify(dw[1, 0] - x2 * (a1 - y)) == 0
    md = (EXAMPLES / "seed000" / "s1_2_nll_gradient.md").read_text(encoding="utf-8")
    assert r"x_{1} \left(a_{1} - y\right)" in md


def test_seed000_2a_softmax_in_e():
    a = values("seed000/s2a_softmax.yaml")["a"]
    denominator = E**-1 + 1 + E
    for got, want in zip(a.ravel(), (E**-1 / denominator, 1 / denominator, E / denominator)):
        assert sp.simplify(got - want) == 0
    check(a, "[0.09, 0.24, 0.66]", units=1)                 # the seed truncates 0.665 to 0.66


def test_seed000_2b_nll():
    nll = values("seed000/s2b_nll.yaml")["NLL"]
    assert sp.simplify(nll - (-sp.log(sp.Rational(1, 5)))) == 0           # −log(.2)
    problem, trace = _solved("seed000/s2b_nll.yaml")
    assert "log(5)" in render(trace, problem, "text")


def test_seed000_2c_to_2f_softmax_layer_step():
    v = values("seed000/s2c_softmax_step.yaml")
    # 2.C: ∇_W NLL = x(a − y)ᵀ, 2.D: P(class 1) = a₂ before the step
    check(v["dW[1]"], "[[0.245, -0.335, 0.090], [0.245, -0.335, 0.090]]")
    check(v["a[1]"][1], "0.665")
    check(v["W_new[1]"], "[[0.87763576, -0.83262048, -2.04501529], [-1.12236424, 2.16737952, 0.95498471]]")
    check(values("seed000/s2c_softmax_step.yaml", "2")["a[1]"][1], "0.772")   # 2.F


def test_seed000_3_network_outputs_and_e_expressions():
    v = values("seed000/s3_network.yaml", "1")                 # 3.1: x = (3, 14)
    check(v["a[1]"], "[2, 13, 0, 0]")
    check(v["a[2]"], "[1, 0]")
    c = values("seed000/s3_network.yaml", "2")                 # 3.2.C
    check(c["a[1]"], "[[0, 0, 0], [0, 1, 0], [0, 0, 2], [0, 0, 0]]")
    case1 = values("seed000/s3_network.yaml", "3")["a[2]"].ravel()
    assert case1[0] == E**0 / (E**0 + E**2) and case1[1] == E**2 / (E**0 + E**2)
    case2 = values("seed000/s3_network.yaml", "4")["a[2]"].ravel()
    assert list(case2) == [sp.Rational(1, 2), sp.Rational(1, 2)]
    case3 = values("seed000/s3_network.yaml", "5")["a[2]"].ravel()
    assert case3[0] == E**3 / (E**3 + E**-1) and case3[1] == E**-1 / (E**3 + E**-1)
    md = (EXAMPLES / "seed000" / "s3_network.md").read_text(encoding="utf-8")
    assert r"\frac{1}{1 + e^{2}}" in md and r"\frac{e^{2}}{1 + e^{2}}" in md
    assert [values("seed000/s3_network.yaml", k)["class"] for k in "345"] == [2, 1, 1]


# ---------------------------------------------------------------------------------- seed 001

def test_seed001_problem3b_logistic_step():
    v = values("seed001/problem3b.yaml")
    check(v["a[1]"], "[0.5, 0.269]")
    check(2 * v["delta[1]"], "[-0.5, 0.269]")     # the seed's ∂J/∂z is a − y; δ = ∂J/∂z = (1/m)(a − y)
    check(v["dW0[1]"], "-0.1155")
    check(v["dW[1]"], "0.019")
    check(v["W0_new[1]"], "1.001155")
    check(v["W_new[1]"], "-1.00019")


def test_seed001_problem3d_multinomial_step():
    v = values("seed001/problem3d.yaml")
    check(v["a[1]"], "[[0.5, 0.731], [0.5, 0.269]]")
    check(2 * v["delta[1]"], "[[0.5, -0.269], [-0.5, 0.269]]")
    check(v["dW0[1]"], "[0.1155, -0.1155]")
    check(v["dW[1]"], "[[-0.019, 0.019]]")
    check(v["W0_new[1]"], "[-0.001155, 1.001155]")
    check(v["W_new[1]"], "[[0.00019, -1.00019]]")


# ---------------------------------------------------------------------------------- seed 002

def test_seed002_problem1_threshold_network():
    v = values("seed002/problem1.yaml")
    check(v["W[1]"], "[[-1, 1, 0, 0, 0], [0, -1, 1, 0, 0], [0, 0, -1, 1, 0], [0, 0, 0, -1, 1]]")
    check(v["W[2]"], "[[-1, -1, -1, -1]]")
    x = v["x"].T
    rule = [int(all(a > b for a, b in zip(row, row[1:]))) for row in x]
    assert list(np.ravel(v["class"])) == rule == [1, 0, 0, 1, 0]


def test_seed002_problem4_backprop_to_the_input():
    v = values("seed002/problem4.yaml")
    W1 = np.array([[0.5, -0.5], [1, 0.25], [-1, 0.5]])
    W2 = np.array([[1, -1, 0.5], [0.5, 0.5, -1]])
    ybar, zbar = v["ȳ"].ravel(), v["z̄"].ravel()
    np.testing.assert_allclose(v["x̄"].ravel(), W1.T @ zbar + ybar, rtol=1e-12)   # x̄ = W⁽¹⁾ᵀz̄ + ȳ
    np.testing.assert_allclose(v["h̄"].ravel(), W2.T @ ybar + [0.1, -0.2, 0.3], rtol=1e-12)   # h̄ = W⁽²⁾ᵀȳ + r R̄
    md = (EXAMPLES / "seed002" / "problem4.md").read_text(encoding="utf-8")
    assert r"\bar{x} &= (W^{(1)})^\top \bar{z} + \bar{y}" in md
    assert r"\bar{h} &= (W^{(2)})^\top \bar{y} + r \bar{R}" in md


# ---------------------------------------------------------------------------------- seed 004

def test_seed004_q5_valid_convolutions_by_hand():
    v = values("seed004/q5_valid.yaml")
    # x = [1, 2, −1, 0, 3, 1], w¹ = [1, −1, 2]:  a¹ₙ = xₙ − xₙ₊₁ + 2xₙ₊₂ (5.1: |a¹| = 6 − 3 + 1 = 4)
    check(v["a⁽¹⁾"], "[-3, 3, 5, -1]")
    check(v["h⁽¹⁾"], "[0, 3, 5, 0]")
    # w² = [2, −1]:  a²ᵢ = 2h¹ᵢ − h¹ᵢ₊₁, |a²| = d − k₁ − k₂ + 2 = 3
    check(v["a⁽²⁾"], "[-3, 1, 10]")
    check(v["L"], "2.5")                                  # ½((0 − 0)² + (1 − 2)² + (10 − 8)²)
    check(v["ā⁽²⁾"], "[0, -1, 2]")                        # (h² − y) ∘ 1[a² > 0]
    # 5.3: ∇h¹L = ∇a²L ∗̃ flip(w²): h̄¹ₙ = −ā²ₙ₋₁ + 2ā²ₙ = [0, 0·(−1) + (−1)·2, (−1)(−1) + 2·2, 2·(−1)]
    check(v["h̄⁽¹⁾"], "[0, -2, 5, -2]")
    check(v["∂L/∂w⁽²⁾"], "[7, -5]")                       # h¹ ∗ ā²: [−3 + 10, −5]
    check(v["∂L/∂w⁽¹⁾"], "[-9, 2, 15]")                   # x ∗ ā¹ with ā¹ = [0, −2, 5, 0]
    md = (EXAMPLES / "seed004" / "q5_valid.md").read_text(encoding="utf-8")
    assert r"\bar{h}^{(1)} = \bar{a}^{(2)} \mathbin{\tilde{\ast}} \operatorname{flip}\left(w^{(2)}\right)" in md
    # seed 004 eq. (12): (∇h¹L)ₙ = Σᵢ (∇a²L)ᵢ w²ₙ₋ᵢ₊₁, entry by entry with its numbers
    assert (r"\bar{h}^{(1)}_{3} &= \bar{a}^{(2)}_{2} w^{(2)}_{2} + \bar{a}^{(2)}_{3} w^{(2)}_{1} = "
            r"\left(-1\right) \cdot \left(-1\right) + 2 \cdot 2 = 5") in md
    assert r"a^{(1)}_{1} &= x_{1} w^{(1)}_{1} + x_{2} w^{(1)}_{2} + x_{3} w^{(1)}_{3}" in md


def test_seed004_q5_full_convolutions_by_hand():
    v = values("seed004/q5_full.yaml")
    # x = [1, 2, −1, 3] ∗̃ [1, −1, 2]: a¹ₙ = Σⱼ xₙ₊ⱼ₋₃wⱼ, |a¹| = 4 + 3 − 1 = 6
    check(v["a⁽¹⁾"], "[2, 3, -3, 9, -4, 3]")
    # 5.4: |a²| = d + k₁ + k₂ − 2 = 4 + 3 + 2 − 2 = 7
    check(v["a⁽²⁾"], "[-2, 1, 6, -9, 18, -3, 6]")
    check(v["L"], "31")                                   # Σ h² = 1 + 6 + 18 + 6
    # 5.6: ∇h¹L = ∇a²L ∗ flip(w²), flip(w²) = [−1, 2]: h̄¹ₙ = −ā²ₙ + 2ā²ₙ₊₁ with ā² = 1[a² > 0]
    check(v["h̄⁽¹⁾"], "[2, 1, -1, 2, -1, 2]")
    check(v["∂L/∂w⁽¹⁾"], "[10, -1, 10]")                  # flip(ā¹ ∗ x)
    check(v["∂L/∂w⁽²⁾"], "[17, 3]")                       # flip(ā² ∗ h¹) = flip([3, 17])
    md = (EXAMPLES / "seed004" / "q5_full.md").read_text(encoding="utf-8")
    assert r"\bar{h}^{(1)} = \bar{a}^{(2)} \ast \operatorname{flip}\left(w^{(2)}\right)" in md
    assert r"a^{(1)}_{1} &= x_{1} w^{(1)}_{3} = 1 \cdot 2 = 2" in md     # the window hangs off the left


# ------------------------------------------------------------------- Jacobians and Hessians

def test_seed004_q2_4_softmax_jacobian_is_diag_p_minus_p_pt():
    J = values("seed004/q2_4_softmax_jacobian.yaml")["J"]
    p = np.exp([-1.0, 0, 1]) / np.exp([-1.0, 0, 1]).sum()
    np.testing.assert_allclose(J, np.diag(p) - np.outer(p, p), rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(J.sum(axis=1), 0, atol=1e-16)           # 2.1: shift invariance
    md = (EXAMPLES / "seed004" / "q2_4_softmax_jacobian.md").read_text(encoding="utf-8")
    assert r"&= a_{i} \left(\delta_{ij} - a_{j}\right)" in md          # the seed's S(x)ᵢ(δᵢⱼ − S(x)ⱼ)
    assert r"&= \operatorname{Diag}\left(a\right) - a a^\top" in md    # Diag(p) − ppᵀ
    for printed in ("0.0819251", "-0.022033", "-0.059892", "0.184836", "-0.162803", "0.222695"):
        assert printed in md


def test_seed004_q2_4_softmax_jacobian_exactly():
    J = values("seed004/q2_4_softmax_jacobian_exact.yaml")["J"]
    S = E**-1 + 1 + E
    p = [E**-1 / S, 1 / S, E / S]
    for i in range(3):
        for j in range(3):
            assert sp.simplify(J[i, j] - ((p[i] if i == j else 0) - p[i] * p[j])) == 0
    assert J[0, 2] == -1 / S**2                                         # −a₁a₃ = −e⁻¹·e/S²
    md = (EXAMPLES / "seed004" / "q2_4_softmax_jacobian_exact.md").read_text(encoding="utf-8")
    assert r"- \frac{1}{\left(1 + e + e^{-1}\right)^{2}}" in md


def test_seed001_problem3b_newton_step():
    v = values("seed001/problem3b_newton.yaml")
    check(v["dW[1]"], "0.0189")                                          # the seed's gradient, as in 3(b)
    check(v["dW0[1]"], "-0.1155")
    # H = ½ Σₙ aₙ(1 − aₙ) x̃ₙx̃ₙᵀ, x̃ = (x, 1), a = (½, σ(−1)):  ½[¼(1 1; 1 1) + 0.196612(4 2; 2 1)]
    check(v["H"], "[[0.518224, 0.321612], [0.321612, 0.223306]]")
    check(v["newton_step"], "[3.36788, -5.36788]")                      # H⁻¹∇J = (3 + e⁻¹, −5 − e⁻¹)
    check(v["W_new[1]"], "-4.36788")
    check(v["W0_new[1]"], "6.36788")
    check(values("seed001/problem3b_newton.yaml", "2")["a[1]"], "[0.880797, 0.0856551]")
