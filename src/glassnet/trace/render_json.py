"""JSON for programs: every section and equation, with its key, symbol, formulas and values.

Floating-point values are written in full (Python's shortest round-trip form); exact
values as SymPy expressions in ``"exact"`` beside their floats (``null`` when symbolic)."""
from __future__ import annotations

import json

import numpy as np

from .notation import Math
from .numbers import exact_math, is_exact_number
from .solution import Group, Paragraph, Solution


def _plain(v):
    if is_exact_number(v):
        return float(v.evalf(17)) if v.is_number else None
    if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, (np.bool_, bool)):
        return int(v)
    f = float(v)
    return f if np.isfinite(f) else str(f)


def value_json(value) -> dict:
    if value is None:
        return {}
    if isinstance(value, Math):
        return {"value": value.text}
    arr = np.asarray(value)
    out = {"value": _tolist(arr, _plain)}
    if arr.dtype == object:
        out["exact"] = _tolist(arr, lambda v: exact_math(v).text if is_exact_number(v) else str(v))
    return out


def _tolist(arr: np.ndarray, fn):
    if arr.ndim == 0:
        return fn(arr.reshape(-1)[0])
    return [_tolist(a, fn) for a in arr]


def _chunks(chunks) -> str:
    return "".join(c.text if isinstance(c, Math) else str(c) for c in chunks)


def solution_dict(sol: Solution) -> dict:
    sections = []
    for sec in sol.sections:
        items = []
        flat = [e for i in sec.items for e in (i.equations if isinstance(i, Group) else [i])]
        for item in flat:
            if isinstance(item, Paragraph):
                items.append({"type": "text", "text": _chunks(item.chunks)})
                continue
            d = {"type": "equation", "key": item.key, "symbol": item.lhs.text,
                 "latex": item.lhs.latex, "assign": item.assign,
                 "formulas": [f.text for f in item.forms]}
            if item.note:
                d["note"] = _chunks(item.note)
            d.update(value_json(item.value))
            items.append(d)
        sections.append({"key": sec.key, "title": sec.title, "level": sec.level, "items": items})
    return {"title": sol.title, "notation": sol.notation, "sections": sections}


def render_json(sol: Solution) -> str:
    return json.dumps(solution_dict(sol), indent=2, ensure_ascii=False) + "\n"
