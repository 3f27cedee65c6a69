"""Seed 004 Q2: softmax is shift-invariant (2.1), a two-class softmax is a sigmoid of the
logit difference (2.2), and K classes need only K − 1 free logits (2.3).

    python examples/analysis/seed004_q2_softmax.py
    glassnet analyze transform examples/analysis/seed004_q2.json softmax-reduce
"""
import os

import numpy as np

from glassnet import nn
from glassnet.analysis import load_spec, softmax2_to_sigmoid, softmax_reduce
from glassnet.analysis._chain import make_linear

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    model = load_spec(os.path.join(HERE, "seed004_q2.json"))      # Linear(2, 3) + Softmax
    reduced = softmax_reduce(model)
    print(reduced)
    print("\ny_1 =", reduced.formula("w1_11*"), "(the weight of x₁ in z₂ − z₁)")

    two = nn.Sequential(make_linear(np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([0.3, -0.2])),
                        nn.Softmax(dim=1))
    eq = softmax2_to_sigmoid(two)
    print("\n" + str(eq))
    assert reduced.verified and eq.verified


if __name__ == "__main__":
    main()
