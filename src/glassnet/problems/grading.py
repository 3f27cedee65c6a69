"""Grading hand answers against a problem's worked solution (``glassnet check``).

An answers file is YAML mapping the keys of the solution (as in ``--format json``:
``z[1]``, ``a[2]``, ``delta[2]``, ``dW[1]``, ``db[1]``, ``W_new[1]``, ``loss``, ``class`` …)
to the student's numbers. A key applies to part 1 of the solution unless prefixed with
the part: ``"2:class"``. Each entry is right when it is within half a unit of the last
digit the student wrote (``0.114`` ± 0.0005), or within ``tolerance:`` / ``--tolerance``;
answers written as expressions (``"1/(1 + e**2)"``) are compared exactly against exact
solutions. The report lists every answer and names the first step, in the order of the
solution, where the student's numbers leave the correct path.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .source import ProblemError, Source, load_file
from .spec import Reader

_DIGITS = re.compile(r"^[+-]?\d*(?:\.(\d*))?(?:[eE]([+-]?\d+))?$")


@dataclass
class Verdict:
    part: str
    key: str
    correct: bool
    expected: np.ndarray
    given: np.ndarray
    order: int
    section: str
    message: str = ""


def _digit_tolerance(text: str | None) -> float | None:
    """Half a unit of the last written digit: "0.114" → 0.0005, "2" → 0.5, "1e-3" → 5e-4."""
    if text is None:
        return None
    m = _DIGITS.match(text.strip())
    if not m:
        return None
    decimals = len(m.group(1) or "")
    exponent = int(m.group(2) or 0)
    return 0.5 * 10.0 ** (exponent - decimals)


def _order(solution) -> dict:
    """(part, key) → (position in the solution, section title)."""
    from ..trace.solution import Equation, Group
    out, n = {}, 0
    for sec in solution.sections:
        for item in sec.items:
            for eq in (item.equations if isinstance(item, Group) else [item]):
                if isinstance(eq, Equation) and eq.key is not None:
                    out[(sec.key, eq.key)] = (n, sec.title)
                    n += 1
    return out


def grade(trace, answers_path, tolerance: float | None = None) -> list[Verdict]:
    """Compare an answers file with the trace's solution; verdicts in the solution's order."""
    from ..trace.exact import parse_expression
    data, source = load_file(answers_path)
    r = Reader(data, source)
    if not isinstance(data, dict):
        raise source.error((), "an answers file is a mapping of solution keys to values, e.g. delta[2]: [-0.114, 0.134]")
    solution = trace.solution()
    values = solution.values()
    order = _order(solution)
    if "tolerance" in data:
        file_tol = r.number(("tolerance",))
        if not isinstance(file_tol, (int, float)) or file_tol < 0:
            raise source.error(("tolerance",), "tolerance must be a number ≥ 0")
        tolerance = file_tol if tolerance is None else tolerance
    verdicts = []
    for raw_key in data:
        if raw_key == "tolerance":
            continue
        key = str(raw_key)
        part, _, name = key.rpartition(":")
        part = part or "1"
        if part not in values or name not in values[part]:
            known = ", ".join(values.get(part, {})) or "none"
            raise source.key_error((raw_key,), f"the solution has no {name!r} in part {part} (it has: {known})")
        expected = np.asarray(values[part][name], dtype=object)
        given = r.values((raw_key,), ndim=(0, 1, 2))
        g = given.values
        if g.size != expected.size:
            raise source.error((raw_key,), f"{name} has {expected.size} entr{'y' if expected.size == 1 else 'ies'} "
                                           f"(shape {expected.shape}), the answer has {g.size}")
        if g.shape != expected.shape and not (g.ndim <= 1 or 1 in expected.shape or expected.ndim <= 1):
            raise source.error((raw_key,), f"{name} is {expected.shape[0]} × {expected.shape[1]}, "
                                           f"the answer is {' × '.join(map(str, g.shape))}")
        g = g.reshape(expected.shape)
        texts = given.texts.reshape(expected.shape)
        ok = True
        for idx in np.ndindex(expected.shape):
            want, have, text = expected[idx], g[idx], texts[idx]
            if isinstance(have, str):
                have_v = parse_expression(have)
                if hasattr(want, "free_symbols"):
                    import sympy
                    if sympy.simplify(have_v - want) != 0:
                        ok = False
                    continue
                have = float(have_v.evalf(17))
            want_f = float(want.evalf(17)) if hasattr(want, "evalf") else float(want)
            tol = tolerance if tolerance is not None else _digit_tolerance(text)
            tol = 1e-9 * max(1.0, abs(want_f)) if tol is None else tol
            if not abs(float(have) - want_f) <= tol * (1 + 1e-9) + 1e-15:
                ok = False
        pos, section = order.get((part, name), (10**9, ""))
        verdicts.append(Verdict(part, name, ok, expected, g, pos, section))
    verdicts.sort(key=lambda v: (int(v.part) if v.part.isdigit() else 0, v.order))
    return verdicts


def report(verdicts: list[Verdict], digits: int = 6) -> str:
    """A plain-text report: one line per answer, then where the answers first go wrong."""
    from ..trace.numbers import Formatter
    fmt = Formatter(digits)

    def show(a):
        a = np.asarray(a, dtype=object)
        if a.ndim == 0:
            return fmt.number(a.reshape(-1)[0]).text
        rows = [" ".join(fmt.number(v).text for v in row) for row in np.atleast_2d(a)]
        return "[" + "; ".join(rows) + "]"

    lines = []
    for v in verdicts:
        label = v.key if v.part == "1" else f"{v.part}:{v.key}"
        if v.correct:
            lines.append(f"  ✓ {label}")
        else:
            lines.append(f"  ✗ {label}: expected {show(v.expected)}, got {show(v.given)}")
    wrong = [v for v in verdicts if not v.correct]
    right = len(verdicts) - len(wrong)
    lines.append("")
    lines.append(f"{right} of {len(verdicts)} answers are right.")
    if wrong:
        first = wrong[0]
        label = first.key if first.part == "1" else f"{first.part}:{first.key}"
        where = f" ({first.section})" if first.section else ""
        before = [v for v in verdicts if (v.part, v.order) < (first.part, first.order)]
        lines.append(f"The answers leave the correct path at {label}{where}"
                     + (": everything before it is right." if before else "."))
        later_right = [v for v in verdicts if v.correct and (v.part, v.order) > (first.part, first.order)]
        if later_right:
            lines.append("Later answers that are right anyway: "
                         + ", ".join(v.key if v.part == "1" else f"{v.part}:{v.key}" for v in later_right) + ".")
    return "\n".join(lines) + "\n"
