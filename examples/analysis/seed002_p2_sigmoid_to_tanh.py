"""Seed 002 P2: a network with sigmoid hidden units has an equivalent network with tanh
hidden units: w*(1) = w(1)/2, w*(2) = w(2)/2, w*_k0(2) = w_k0(2) + Σ_j w_kj(2)/2.

    python examples/analysis/seed002_p2_sigmoid_to_tanh.py
    glassnet analyze transform examples/analysis/seed002_p2.json sigmoid-to-tanh
"""
import os

from glassnet.analysis import load_spec, sigmoid_to_tanh

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    model = load_spec(os.path.join(HERE, "seed002_p2.json"))   # σ hidden units, σ outputs
    eq = sigmoid_to_tanh(model)
    print(eq)
    assert eq.verified and eq.max_difference <= 1e-12


if __name__ == "__main__":
    main()
