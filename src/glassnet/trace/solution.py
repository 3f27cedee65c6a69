"""A worked solution as data: sections of short paragraphs and equations.

The builders (``layer_view`` for chains of layers, ``graph_view`` for any other graph)
turn a :class:`~glassnet.trace.recorder.Trace` into a :class:`Solution`; the renderers
(Markdown, LaTeX, text, JSON) only lay it out. Values are display-ready: matrices in
the chosen notation with samples as columns, exact values kept as SymPy expressions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .notation import Math, Notation


@dataclass
class Term:
    """One piece of an equation with the numbers put in: ``op`` then ``value``."""

    op: str                 # "", "+", "-", "∘" — written before the value
    value: Any              # a display matrix, a scalar, or a Math
    transpose: bool = False


@dataclass
class Equation:
    """``lhs = form₁ = form₂ = terms = value`` (``←`` instead of the first ``=`` for an update)."""

    lhs: Math
    forms: list = field(default_factory=list)
    terms: list | None = None
    value: Any = None
    key: str | None = None
    assign: bool = False
    note: list | None = None          # a sentence (chunks of str and Math) shown before it


@dataclass
class Group:
    """Equations written side by side (W⁽ˡ⁾ and b⁽ˡ⁾ of one layer), or ``stacked``: one per line,
    aligned at their ``=`` (the entries of a convolution, one dot product each)."""

    equations: list
    stacked: bool = False


@dataclass
class Paragraph:
    chunks: list                      # str (plain text) and Math (inline formulas)


@dataclass
class Section:
    title: str
    level: int = 2
    items: list = field(default_factory=list)
    key: str | None = None


@dataclass
class Solution:
    title: str | None
    notation: str
    sections: list
    digits: int = 6
    decimals: int | None = None
    intro: list = field(default_factory=list)

    def values(self) -> dict:
        """Every keyed value: ``{section key: {"z[1]": matrix, …}}``."""
        out: dict[str, dict] = {}
        for s in self.sections:
            for item in s.items:
                for eq in (item.equations if isinstance(item, Group) else [item]):
                    if isinstance(eq, Equation) and eq.key is not None and s.key is not None:
                        out.setdefault(s.key, {})[eq.key] = eq.value
        return out


# ---------------------------------------------------------------------- display helpers

def columns(arr) -> np.ndarray:
    """Samples as columns: (N, F) → (F, N); a single sample (F,) → (F, 1); 0-d stays."""
    a = np.asarray(arr)
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return a.reshape(-1, 1)
    if a.ndim > 2:
        a = a.reshape(a.shape[0], -1)          # (N, …) → (N, F)
    return a.T


def column(vec) -> np.ndarray:
    """A vector (F,) as a column (F, 1)."""
    return np.asarray(vec).reshape(-1, 1)


def sample_count(arr) -> int:
    a = np.asarray(arr)
    return 1 if a.ndim <= 1 else a.shape[0]


def build_solution(trace, *, notation: str | None = None, digits: int = 6, decimals: int | None = None,
                   per_sample: bool = False, title: str | None = None) -> Solution:
    """Turn a trace into a :class:`Solution` (see ``Trace.to_markdown`` for the options)."""
    from .graph_view import graph_sections
    from .layer_view import LayerContext, layer_sections
    from .numbers import Formatter
    from .structure import find_chain

    fmt = Formatter(digits, decimals)    # validates the options early
    note = Notation(notation or trace.notation)
    ctx = LayerContext(trace, note, per_sample)
    ctx.fmt = fmt                        # for numbers written into formulas (1·2 + 3·4)
    sections: list[Section] = []
    passes = [p for p in trace.passes if p.nodes or p.derivatives]
    for number, p in enumerate(passes, 1):
        chain = find_chain(p) if p.nodes else None
        key = str(number)
        if not p.nodes:                  # a Jacobian or Hessian of values computed off the record
            from .derivative_view import standalone_sections
            sections.extend(standalone_sections(ctx, p, key))
        elif chain is not None:
            sections.extend(layer_sections(ctx, p, chain, key, several=len(passes) > 1))
        else:
            sections.extend(graph_sections(ctx, p, key, several=len(passes) > 1))
    return Solution(title if title is not None else trace.title, note.name, sections, digits,
                    decimals, intro=[])
