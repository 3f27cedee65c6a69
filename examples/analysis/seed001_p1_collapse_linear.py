"""Seed 001 P1: a hidden layer with a linear activation collapses into logistic regression,
with b* = b1[2] + b1[1] w11[2] + b2[1] w12[2], w*11 = w11[2] w11[1] + w12[2] w21[1], …

    python examples/analysis/seed001_p1_collapse_linear.py
    glassnet analyze transform examples/analysis/seed001_p1.json collapse-linear
"""
import os

from glassnet.analysis import collapse_linear, load_spec

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    model = load_spec(os.path.join(HERE, "seed001_p1.json"))  # 2 → 2 (identity) → 1 (sigmoid)
    eq = collapse_linear(model)
    print(eq)
    # in glassnet's names w{l}_{ji}: b* = b2_1 + b1_1 w2_11 + b1_2 w2_12, as the seed writes it
    print("\nb*   =", eq.formula("b1_1*"))
    print("w*11 =", eq.formula("w1_11*"))
    print("w*12 =", eq.formula("w1_12*"))
    assert eq.verified


if __name__ == "__main__":
    main()
