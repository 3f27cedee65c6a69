"""Seed 004 Q3: y_k = Σ_j ω_kj(2) σ(Σ_i ω_ji(1) x_i + ω_j0(1)) + ω_k0(2) has an equivalent
tanh network with ω̃(1) = ω(1)/2, ω̃_kj(2) = ω_kj(2)/2, ω̃_k0(2) = ω_k0(2) + Σ_j ω_kj(2)/2
(linear outputs, unlike seed 002 P2). Run here exactly, on SymPy numbers.

    python examples/analysis/seed004_q3_sigmoid_to_tanh.py
"""
import sympy

from glassnet.analysis import model_from_spec, sigmoid_to_tanh


def main() -> None:
    spec = {"exact": True, "layers": [
        {"linear": {"weight": [[1, "-1/3"], [2, 5]], "bias": [1, -2]}}, "sigmoid",
        {"linear": {"weight": [[3, -1], ["1/2", 4]], "bias": [0, 1]}}]}
    eq = sigmoid_to_tanh(model_from_spec(spec))
    print(eq)
    c = eq.model[2].bias._data
    assert c[0] == 0 + sympy.Rational(3 - 1, 2) and c[1] == 1 + sympy.Rational(1, 2) * (sympy.Rational(1, 2) + 4)


if __name__ == "__main__":
    main()
