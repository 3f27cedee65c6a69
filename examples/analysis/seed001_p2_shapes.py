"""Seed 001 P2: the shape of every forward and backward quantity for 2 features, 2 ReLU
hidden units, 3 softmax outputs and 100 observations in columns (the seed's z = b + wᵀa,
so w is inputs × outputs: glassnet's 'rows' notation).

    python examples/analysis/seed001_p2_shapes.py
    glassnet analyze shapes examples/analysis/seed001_p2.json --notation rows
"""
import os

from glassnet.analysis import load_spec, shape_table

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    model = load_spec(os.path.join(HERE, "seed001_p2.json"))
    table = shape_table(model, 100, notation="rows")
    print(table)
    assert table["z1"] == (2, 100) and table["W2"] == (2, 3) and table["dJ/dW2"] == (2, 3)


if __name__ == "__main__":
    main()
