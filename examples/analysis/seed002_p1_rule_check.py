"""Seed 002 P1: does the hand-made Step network output 1 iff x1 > x2 > x3 > x4 > x5,
ties included? The seed's answer passes; a network that fires on ties fails.

    python examples/analysis/seed002_p1_rule_check.py
    glassnet analyze rule examples/analysis/seed002_p1.json --rule descending
"""
import os

from glassnet.analysis import check_rule, load_spec

HERE = os.path.dirname(os.path.abspath(__file__))


def descending(x) -> bool:
    return all(x[i] > x[i + 1] for i in range(len(x) - 1))


def main() -> None:
    answer = check_rule(load_spec(os.path.join(HERE, "seed002_p1.json")), descending)
    print("the seed's network:", answer)
    ties = check_rule(load_spec(os.path.join(HERE, "seed002_p1_ties.json")), descending)
    print("\nhidden units that fire on x_i − x_(i+1) ≥ 0:", ties)
    assert answer.passed and not ties.passed


if __name__ == "__main__":
    main()
