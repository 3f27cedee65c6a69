"""Rule checks: does a (hand-made) network compute a rule, ties and edge cases included?

``check_rule(model, rule)`` runs the model on the inputs a hand-made network gets wrong —
all-equal inputs, ties between any two inputs, near ties (gaps of 10⁻⁹), every ordering of
distinct values, small grids that contain the domain's boundary values, large and tiny
magnitudes — plus random points, and compares each answer with a Python predicate. Seed 002 P1:
a Step network that outputs 1 iff x₁ > x₂ > x₃ > x₄ > x₅ must output 0 whenever two are equal.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..grad_mode import no_grad
from ..nn import Module
from ..tensor import Tensor
from ._chain import flat_modules, float_copy, kind_of

__all__ = ["Counterexample", "RuleCheck", "check_rule", "edge_cases", "RULES"]

# Named rules for the command line (strict orderings, as seed 002 P1 asks).
RULES: dict[str, Callable[[np.ndarray], bool]] = {
    "descending": lambda x: bool(np.all(x[:-1] > x[1:])),
    "ascending": lambda x: bool(np.all(x[:-1] < x[1:])),
    "nondecreasing": lambda x: bool(np.all(x[:-1] <= x[1:])),
    "nonincreasing": lambda x: bool(np.all(x[:-1] >= x[1:])),
    "all-positive": lambda x: bool(np.all(x > 0)),
    "any-positive": lambda x: bool(np.any(x > 0)),
    "sum-positive": lambda x: bool(np.sum(x) > 0),
}


@dataclass
class Counterexample:
    x: np.ndarray
    category: str
    expected: object        # what the rule says
    got: object             # what the model's decision says
    output: np.ndarray      # the model's raw output

    def __str__(self) -> str:
        xs = "[" + ", ".join(_fmt(v) for v in self.x) + "]"
        out = ", ".join(_fmt(v) for v in np.ravel(self.output))
        return f"x = {xs} ({self.category}): the rule says {_fmt(self.expected)}, the model says " \
               f"{_fmt(self.got)} (output {out})"


def _fmt(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.10g}"
    return str(v)


@dataclass
class RuleCheck:
    passed: bool
    n_checked: int
    counterexamples: list[Counterexample]
    checked_by_category: dict[str, int] = field(default_factory=dict)
    failed_by_category: dict[str, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        cats = ", ".join(f"{c} {n}" for c, n in self.checked_by_category.items())
        if self.passed:
            return f"rule check PASSED on {self.n_checked} inputs ({cats})"
        fails = ", ".join(f"{c} {n}" for c, n in self.failed_by_category.items() if n)
        total = sum(self.failed_by_category.values())
        lines = [f"rule check FAILED: {total} of {self.n_checked} inputs disagree ({fails})",
                 "counterexamples:"]
        lines += [f"  {c}" for c in self.counterexamples]
        return "\n".join(lines)


def edge_cases(d: int, low: float = -2.0, high: float = 2.0, n_random: int = 2000,
               seed: int = 0) -> list[tuple[str, np.ndarray]]:
    """(category, inputs (n, d)) for the edge cases of a rule on d real inputs in [low, high]."""
    if not low < high:
        raise ValueError(f"domain must have low < high, got ({low}, {high})")
    rng = np.random.default_rng(seed)
    mid = (low + high) / 2
    span = high - low
    # values: the bounds, the middle, 0 and ±1 when inside
    values = sorted({low, high, mid, *(v for v in (-1.0, 0.0, 1.0) if low <= v <= high)})
    distinct = np.linspace(low, high, d) if d > 1 else np.array([mid])
    out: list[tuple[str, np.ndarray]] = []

    out.append(("all equal", np.array([[v] * d for v in values + [low + span / 3]], dtype=np.float64)))

    orders = _permutations(d, rng, limit=720)
    strict = distinct[orders]                       # every (or many) ordering of distinct values
    out.append(("distinct values, every order", strict))

    ties = []
    for row in strict[:120]:
        for i, j in itertools.combinations(range(d), 2):
            for src, dst in ((i, j), (j, i)):
                t = row.copy()
                t[dst] = t[src]
                ties.append(t)
    if ties:
        out.append(("two inputs tied", np.unique(np.array(ties), axis=0)))

    near = []
    for row in (np.sort(distinct)[::-1], np.sort(distinct)):
        for i in range(d - 1):
            for eps in (1e-9, -1e-9, 1e-6, -1e-6):
                t = row.copy()
                t[i + 1] = t[i] + eps
                near.append(t)
    if near:
        out.append(("near ties (gap 1e-9, 1e-6)", np.array(near)))

    k = len(values)
    while k ** d > 20000 and k > 2:
        k -= 1
    grid_vals = values if k == len(values) else list(np.linspace(low, high, k))
    grid = np.array(list(itertools.product(grid_vals, repeat=d)), dtype=np.float64)
    out.append((f"grid of {k} values incl. the bounds", grid))

    out.append(("random integers (many ties)",
                rng.integers(math.ceil(low), math.floor(high) + 1, (n_random // 2, d)).astype(np.float64)
                if math.floor(high) >= math.ceil(low) else rng.uniform(low, high, (1, d))))
    out.append(("random points", rng.uniform(low, high, (n_random, d))))
    scale = max(abs(low), abs(high), 1.0)
    out.append(("large and tiny magnitudes",
                np.concatenate([strict[:60] * 1e6 / scale, strict[:60] * 1e-12 / scale])))
    return out


def _permutations(d: int, rng: np.random.Generator, limit: int) -> np.ndarray:
    if math.factorial(d) <= limit:
        return np.array(list(itertools.permutations(range(d))), dtype=int).reshape(-1, d)
    perms = [np.arange(d), np.arange(d)[::-1]]
    perms += [rng.permutation(d) for _ in range(limit - 2)]
    return np.array(perms)


def _in_features(model: Module) -> int:
    for _, m in flat_modules(model):
        if kind_of(m) == "linear":
            return m.in_features
    raise TypeError("could not find the number of inputs; pass n_inputs=")


def _default_decision(out: np.ndarray) -> np.ndarray:
    """One output: 1 if it is ≥ ½ (a Step's 1, a sigmoid's probability); several: the argmax."""
    if out.ndim == 1 or out.shape[1] == 1:
        return (out.reshape(-1) >= 0.5).astype(int)
    return out.argmax(axis=1)


def check_rule(model: Module | Callable, rule: Callable[[np.ndarray], object], domain=(-2.0, 2.0), *,
               decision: Callable[[np.ndarray], np.ndarray] | None = None, points=None,
               n_inputs: int | None = None, n_random: int = 2000, seed: int = 0,
               max_counterexamples: int = 10, per_category: int = 3) -> RuleCheck:
    """Test ``model`` against ``rule`` on edge cases and random points (seed 002 P1).

    Args:
        model: a Module (or any callable) mapping a (N, d) tensor to outputs.
        rule: the intended function of one input x (a 1-D array): a bool, or a class index
            when the model has several outputs.
        domain: (low, high) for the values tried (bounds, grids, random points).
        decision: maps the (N, K) output array to (N,) answers; default 1 if the output is ≥ ½
            for one output (a Step network's 1), the argmax for several.
        points: extra inputs (n, d) to try, reported as "given points".
    Returns:
        RuleCheck: ``passed``, the number of failures per category, and up to
        ``max_counterexamples`` counterexamples (at most ``per_category`` from each category).
    """
    d = n_inputs or _in_features(model)
    low, high = (float(domain[0]), float(domain[1]))
    cases = edge_cases(d, low, high, n_random, seed)
    if points is not None:
        cases.insert(0, ("given points", np.atleast_2d(np.asarray(points, dtype=np.float64))))
    decide = decision or _default_decision
    if isinstance(model, Module):
        model = float_copy(model)                   # the edge cases are float inputs
    checked, failed, examples = {}, {}, []
    for category, xs in cases:
        if xs.shape[1] != d:
            raise ValueError(f"points must have {d} columns, got shape {xs.shape}")
        with no_grad():
            out = model(Tensor._wrap(xs))
        out = np.asarray(out._data if isinstance(out, Tensor) else out, dtype=np.float64)
        got = np.asarray(decide(out))
        checked[category] = len(xs)
        failed[category] = 0
        for x, o, g in zip(xs, out, got):
            want = rule(x.copy())
            if _as_answer(want) != _as_answer(g):
                failed[category] += 1
                if len(examples) < max_counterexamples and failed[category] <= per_category:
                    examples.append(Counterexample(x, category, want, g, o))
    return RuleCheck(not any(failed.values()), sum(checked.values()), examples, checked, failed)


def _as_answer(v):
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return int(v)
    return v.item() if isinstance(v, np.generic) else v
