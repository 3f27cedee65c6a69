"""Seed 002 P3: h1 receives −1, so ReLU(h1) = 0. Which of ∂L/∂w1, ∂L/∂w2, ∂L/∂w3 are
guaranteed to be 0? (w1 into h1, w2 from h1 to h3, w3 from h3 to the output.) YES, YES, NO.

    python examples/analysis/seed002_p3_structural_zeros.py
    glassnet analyze zeros examples/analysis/seed002_p3.json --x=0.5,1.5 --target=3
"""
import os

from glassnet import nn
from glassnet.analysis import load_spec, structural_zeros

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    model = load_spec(os.path.join(HERE, "seed002_p3.json"))
    report = structural_zeros(model, [0.5, 1.5], loss=nn.SquaredErrorLoss(), target=[[3.0]])
    for name, param in (("w1", "0.weight"), ("w2", "2.weight"), ("w3", "4.weight")):
        e = report.entry(param, (0, 0))
        print(f"∂L/∂{name} guaranteed zero? {report.answer(param, (0, 0)):<3}  {e.reason}")
    print()
    print(report)
    assert [report.answer(p, (0, 0)) for p in ("0.weight", "2.weight", "4.weight")] == ["YES", "YES", "NO"]


if __name__ == "__main__":
    main()
