"""Per-student variants of a problem (``glassnet variants``): the same structure, new numbers.

Weights, biases and inputs (a graph's parameters and inputs, a Jacobian's point) are redrawn as small
integers or simple fractions (±1/2, ±1/4, ±1/5, ±1/10 multiples); targets, sizes,
activations, the loss, the optimizer and the problem's title stay (the parts' titles,
which may quote the old numbers, are dropped). A constant initialiser
(``weights: 0.1``) stays a constant, with a new value. The same ``seed`` gives the same
variants.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from .source import load_file

_STEPS = (Fraction(1, 10), Fraction(1, 5), Fraction(1, 4), Fraction(1, 2), Fraction(1))


def _draw(rng: np.random.Generator, like):
    """A simple number of about the size of ``like``: an integer, or a short decimal."""
    step = _STEPS[int(rng.integers(len(_STEPS)))]
    scale = max(1, min(10, int(round(abs(float(like)) / float(step))) if like else 1))
    k = int(rng.integers(-max(2, scale), max(2, scale) + 1))
    v = step * k
    return int(v) if v.denominator == 1 else float(v)


def _redraw(rng, value):
    if isinstance(value, list):
        return [_redraw(rng, v) for v in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return _draw(rng, value)


def make_variant(data: dict, rng: np.random.Generator) -> dict:
    out = _copy(data)
    net = out.get("network")
    if isinstance(net, dict):
        for key in ("weights", "biases"):
            if key in net and net[key] is not False and not (isinstance(net[key], str)):
                net[key] = _redraw(rng, net[key])
    graph = out.get("graph")
    if isinstance(graph, dict):
        for group in ("parameters", "inputs"):
            if isinstance(graph.get(group), dict):
                graph[group] = {k: _redraw(rng, v) for k, v in graph[group].items()}
    # a part's title may quote the old numbers ("the class of x_new = [1 0 0 0 1]ᵀ"): drop it
    train = out.get("train")
    if isinstance(train, dict) and "x" in train:
        train["x"] = _redraw(rng, train["x"])
        train.pop("title", None)
    pred = out.get("predict")
    for p in (pred if isinstance(pred, list) else [pred] if isinstance(pred, dict) else []):
        if "x" in p:
            p["x"] = _redraw(rng, p["x"])
            p.pop("title", None)
    jac = out.get("jacobian")                 # the point of a Jacobian, as an input
    for j in (jac if isinstance(jac, list) else [jac] if isinstance(jac, dict) else []):
        if "at" in j:
            j["at"] = _redraw(rng, j["at"])
            j.pop("title", None)
    return out


def _copy(v):
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


def write_variants(path, out_dir, count: int, seed: int, key_format: str = "markdown") -> list[Path]:
    """Write ``count`` variants of the problem file and an answer key for each; returns their paths."""
    import yaml

    from . import load_problem, render, run_problem
    data, _ = load_file(path)
    load_problem(path)                      # the original must be valid
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    stem = Path(path).stem
    ext = {"markdown": "md", "text": "txt", "json": "json", "latex": "tex"}[key_format]
    written = []
    width = len(str(count))
    for i in range(1, count + 1):
        variant = make_variant(data, rng)
        if variant.get("title"):
            variant["title"] = f"{variant['title']} (variant {i})"
        name = f"{stem}_variant{i:0{width}d}"
        target = out_dir / f"{name}.yaml"
        target.write_text(f"# Variant {i} of {Path(path).name} (seed {seed})\n"
                          + yaml.safe_dump(variant, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None),
                          encoding="utf-8")
        problem = load_problem(target)
        key = out_dir / f"{name}.key.{ext}"
        key.write_text(render(run_problem(problem), problem, key_format), encoding="utf-8")
        written += [target, key]
    return written
