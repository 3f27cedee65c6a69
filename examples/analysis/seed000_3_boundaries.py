"""Seed 000 §3.2–3.3: the hidden units' decision boundaries of the 2-4-2 ReLU/softmax network,
points on unit 1's boundary, the hidden outputs at three points, and the output in each case.

    python examples/analysis/seed000_3_boundaries.py
    glassnet analyze boundaries examples/analysis/seed000_3.json --unit 1 --points='0.5,0.5;0,2;-3,0.5' --regions
"""
import os

import numpy as np

from glassnet.analysis import (boundary_points, hidden_pattern, load_spec, output_from_hidden, region_map,
                               unit_boundaries)

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    model = load_spec(os.path.join(HERE, "seed000_3.json"))     # the seed's W in rows notation

    print("3.2.A  each unit's boundary z = 0 is a line:")
    for unit in unit_boundaries(model):
        print("      ", unit)

    pts = boundary_points(model, unit=1, k=4)
    print("\n3.2.B  four points on unit 1's boundary (columns):", pts.astype(int).tolist())

    pattern = hidden_pattern(model, [[0.5, 0.5], [0, 2], [-3, 0.5]])
    print("3.2.C  hidden outputs at x(1), x(2), x(3) (columns):", pattern.astype(int).tolist())
    assert pattern.tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 2], [0, 0, 0]]

    print("\n3.3    outputs when f(z1) + … + f(z4) = 0, 1, 3 (exact):")
    for hidden in ([0, 0, 0, 0], [1, 0, 0, 0], [3, 0, 0, 0]):
        a1, a2 = output_from_hidden(model, hidden)
        winner = "class 1" if float(a1) > float(a2) else "class 2" if float(a2) > float(a1) else "a tie"
        print(f"       Σf = {sum(hidden)}:  a1 = {a1},  a2 = {a2}  → {winner}")

    print()
    print(region_map(model, (-3, 3), (-3, 3), nx=37, ny=19))
    assert np.array_equal(pts, [[1, 1, 1, 1], [0, 1, 2, 3]])


if __name__ == "__main__":
    main()
