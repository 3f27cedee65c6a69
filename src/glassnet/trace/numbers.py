"""Numbers as the seeds print them: 6 significant digits (``%.6g``), or fixed decimals;
exact values (SymPy) as expressions in e, with a decimal approximation beside them."""
from __future__ import annotations

import math
import numbers
import re

import numpy as np

from .notation import Math

_EXP = re.compile(r"^(-?[\d.]+)e([+-])0*(\d+)$")


class Formatter:
    """Turns one number into a :class:`Math` (LaTeX and text).

    Args:
        digits: significant digits (6, as the seeds print: 0.549834, -0.0626465).
        decimals: fixed digits after the point instead (``--decimals 3``: 0.705).
        zero_below: floats smaller than this in magnitude print as 0 — the rounding noise
            of a sum that is 0 on paper (e.g. 1.1e-17 where the seed writes 0). None: off.
    """

    def __init__(self, digits: int = 6, decimals: int | None = None, zero_below: float | None = 1e-12) -> None:
        if not isinstance(digits, int) or digits < 1:
            raise ValueError(f"digits must be an integer ≥ 1, got {digits!r}")
        if decimals is not None and (not isinstance(decimals, int) or decimals < 0):
            raise ValueError(f"decimals must be an integer ≥ 0, got {decimals!r}")
        self.digits = digits
        self.decimals = decimals
        self.zero_below = zero_below

    # ------------------------------------------------------------------ floats
    def float_text(self, v: float) -> str:
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if self.zero_below is not None and abs(v) < self.zero_below:
            v = 0.0
        s = f"{v:.{self.decimals}f}" if self.decimals is not None else f"{v:.{self.digits}g}"
        if s.startswith("-") and float(s) == 0:
            s = s[1:]
        return s

    def float_math(self, v: float) -> Math:
        t = self.float_text(v)
        m = _EXP.match(t)
        if m:
            sign = "-" if m.group(2) == "-" else ""
            latex = m.group(1) + r" \times 10^{" + sign + m.group(3) + "}"
        elif t in ("inf", "-inf", "nan"):
            latex = {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\mathrm{NaN}"}[t]
        else:
            latex = t
        return Math(latex, t)

    # ------------------------------------------------------------------ any value
    def number(self, v) -> Math:
        if is_exact_number(v):
            return exact_math(v)
        if isinstance(v, (bool, np.bool_)):
            return Math(str(int(v)))
        if isinstance(v, (numbers.Integral, np.integer)):
            return Math(str(int(v)))
        return self.float_math(float(v))

    def approx_needed(self, values) -> bool:
        """True when exact values include one that is not a rational number (e, log, …)."""
        for v in np.asarray(values, dtype=object).reshape(-1):
            if is_exact_number(v) and not v.is_Rational and v.is_number:
                return True
        return False

    def approx(self, values) -> np.ndarray:
        """Floats for exact values (SymPy's evalf at 17 digits)."""
        arr = np.asarray(values, dtype=object)
        out = np.empty(arr.shape, dtype=np.float64)
        flat, fo = arr.reshape(-1), out.reshape(-1)
        for i, v in enumerate(flat):
            fo[i] = float(v.evalf(17)) if is_exact_number(v) else float(v)
        return out


def is_exact_number(v) -> bool:
    """A SymPy expression (exact number or symbolic)."""
    return hasattr(v, "free_symbols") and hasattr(v, "evalf")


def is_exact_array(a) -> bool:
    return isinstance(a, np.ndarray) and a.dtype == object


def is_symbolic(values) -> bool:
    arr = np.asarray(values, dtype=object).reshape(-1)
    return any(is_exact_number(v) and v.free_symbols for v in arr)


# ------------------------------------------------------------------ SymPy printing

_printers = {}


def _printer_classes():
    if _printers:
        return _printers
    from sympy.printing.latex import LatexPrinter
    from sympy.printing.str import StrPrinter

    class TextPrinter(StrPrinter):
        """SymPy's str, with e written as the seeds write it: ``e**2``, ``e**(-1)``, ``e``."""

        def _print_Exp1(self, expr):
            return "e"

        def _print_exp(self, expr):
            arg = expr.args[0]
            s = self._print(arg)
            if arg.is_Integer and arg >= 0 or arg.is_Symbol:
                return "e**" + s
            return "e**(" + s + ")"

        def _print_Function(self, expr):
            return StrPrinter._print_Function(self, expr)

    class TexPrinter(LatexPrinter):
        pass

    _printers["text"] = TextPrinter(dict(order="none"))
    _printers["latex"] = TexPrinter(dict(order="none"))
    return _printers


_sigma_class = []


def _sigma():
    if not _sigma_class:
        import sympy as sp

        class sigma(sp.Function):
            """σ(u), for display only: 1/(1 + e^(−u)) in a symbolic result."""

            def _latex(self, printer):
                return r"\sigma\left(" + printer._print(self.args[0]) + r"\right)"

            def _sympystr(self, printer):
                return "σ(" + printer._print(self.args[0]) + ")"

        _sigma_class.append(sigma)
    return _sigma_class[0]


def sigma_form(expr):
    """Write 1/(1 + e^(−u)) as σ(u) in a symbolic expression (σ(z)(1 − σ(z)), not a tower of e)."""
    import sympy as sp
    if not getattr(expr, "free_symbols", None):
        return expr
    sigma = _sigma()

    def is_sigmoid(e):
        if not (e.is_Pow and e.exp == -1 and e.base.is_Add and len(e.base.args) == 2):
            return False
        one, other = sorted(e.base.args, key=lambda t: 0 if t == 1 else 1)
        return one == 1 and isinstance(other, sp.exp)

    def to_sigma(e):
        other = next(t for t in e.base.args if t != 1)
        return sigma(-other.args[0])

    return expr.replace(is_sigmoid, to_sigma)


def exact_math(v) -> Math:
    """A SymPy value as LaTeX (``\\frac{1}{1 + e^{2}}``) and text (``1/(1 + e**2)``)."""
    p = _printer_classes()
    v = sigma_form(v)
    return Math(p["latex"].doprint(v), p["text"].doprint(v))
