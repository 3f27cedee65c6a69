"""Formulas in two spellings, and the two matrix notations of the course documents.

A :class:`Math` holds one formula as LaTeX (for Markdown and LaTeX output) and as
Unicode text (for a terminal and for JSON), so every formula is written once.

*columns* (seeds 001, 003): W⁽ˡ⁾ is outputs × inputs, samples are columns,
z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾ and ∂E/∂W⁽ˡ⁾ = δ⁽ˡ⁾(a⁽ˡ⁻¹⁾)ᵀ.
*rows* (seed 000): W⁽ˡ⁾ is inputs × outputs, z⁽ˡ⁾ = (W⁽ˡ⁾)ᵀa⁽ˡ⁻¹⁾ + W₀⁽ˡ⁾ and
∂L/∂W⁽ˡ⁾ = a⁽ˡ⁻¹⁾(δ⁽ˡ⁾)ᵀ. Samples are columns in both. Internally glassnet keeps
torch's layout (a Linear weight is (out, in), samples are rows); only the display changes.
"""
from __future__ import annotations

import re
import unicodedata

NOTATIONS = ("columns", "rows")

_SUP = str.maketrans("0123456789+-=()lLnkij", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ˡᴸⁿᵏⁱʲ")
_SUB = str.maketrans("0123456789+-=()ijklmnt", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ᵢⱼₖₗₘₙₜ")

# precedence of a formula's outermost operation, for parentheses
ATOM, POWER, PRODUCT, SUM = 4, 3, 2, 1


def check_notation(notation: str) -> str:
    if notation not in NOTATIONS:
        raise ValueError(f"notation must be one of {NOTATIONS}, got {notation!r}")
    return notation


def superscript(s: str) -> str:
    """Unicode superscript of digits, signs, parentheses and l/L/n (others kept as ^s)."""
    out = s.translate(_SUP)
    return out if all(ch not in out for ch in "abcdefghmopqrstuvwxyzABCDEFGHIJKMNOPQRSTUVWXYZ") else "^" + s


def subscript(s: str) -> str:
    out = s.translate(_SUB)
    return out if out != s or not s.isalpha() else "_" + s


class Math:
    """A formula as LaTeX and as Unicode text, with the precedence of its outer operation."""

    __slots__ = ("latex", "text", "prec")

    def __init__(self, latex: str, text: str | None = None, prec: int = ATOM) -> None:
        self.latex = latex
        self.text = latex if text is None else text
        self.prec = prec

    def __add__(self, other) -> "Math":
        other = as_math(other)
        return Math(self.latex + other.latex, self.text + other.text, min(self.prec, other.prec))

    def __radd__(self, other) -> "Math":
        return as_math(other) + self

    def __eq__(self, other) -> bool:
        return isinstance(other, Math) and (self.latex, self.text) == (other.latex, other.text)

    def __hash__(self) -> int:
        return hash((self.latex, self.text))

    def __repr__(self) -> str:
        return f"Math({self.text!r})"

    def wrap(self, below: int) -> "Math":
        """Parenthesised when its outer operation binds looser than ``below``."""
        if self.prec < below:
            return Math(r"\left(" + self.latex + r"\right)", "(" + self.text + ")", ATOM)
        return self

    def with_prec(self, prec: int) -> "Math":
        return Math(self.latex, self.text, prec)


def as_math(x) -> Math:
    return x if isinstance(x, Math) else Math(str(x), str(x))


def join(items, sep) -> Math:
    items = [as_math(i) for i in items]
    if not items:
        return Math("", "")
    out = items[0]
    for i in items[1:]:
        out = out + sep + i
    return out


# ------------------------------------------------------------------ operators

def plus(a, b) -> Math:
    return (as_math(a) + Math(" + ", " + ") + as_math(b).wrap(SUM + 1)).with_prec(SUM)


def minus(a, b) -> Math:
    return (as_math(a) + Math(" - ", " − ") + as_math(b).wrap(SUM + 1)).with_prec(SUM)


def neg(a) -> Math:
    return (Math("-", "−") + as_math(a).wrap(PRODUCT + 1)).with_prec(SUM)


def times(a, b) -> Math:
    """Matrix product or product of numbers, written by juxtaposition."""
    a, b = as_math(a).wrap(PRODUCT), as_math(b).wrap(PRODUCT)
    return Math(a.latex + " " + b.latex, a.text + b.text, PRODUCT)


def hadamard(a, b) -> Math:
    a, b = as_math(a).wrap(PRODUCT), as_math(b).wrap(PRODUCT)
    return Math(a.latex + r" \circ " + b.latex, a.text + " ∘ " + b.text, PRODUCT)


def frac(a, b) -> Math:
    a, b = as_math(a), as_math(b)
    return Math(r"\frac{" + a.latex + "}{" + b.latex + "}",
                a.wrap(POWER).text + "/" + b.wrap(POWER).text, PRODUCT)


def transpose(a) -> Math:
    a = as_math(a)
    if a.prec == ATOM and _is_plain_symbol(a.text):
        return Math(a.latex + r"^\top", a.text + "ᵀ", POWER)
    w = Math(r"(" + a.latex + ")", "(" + a.text + ")")
    return Math(w.latex + r"^\top", w.text + "ᵀ", POWER)


def call(fn: Math | str, *args) -> Math:
    fn = as_math(fn)
    inner = join([as_math(a) for a in args], Math(", ", ", "))
    return Math(fn.latex + r"\left(" + inner.latex + r"\right)", fn.text + "(" + inner.text + ")")


_DECORATED = re.compile(r"(\\?[A-Za-z]+)((?:[_^]\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\})+)")


def bar(a) -> Math:
    """The adjoint v̄ = ∂L/∂v; the bar goes over the letter, not its indices: \\bar{a}^{(2)}."""
    a = as_math(a)
    m = _DECORATED.fullmatch(a.latex)
    latex = r"\bar{" + m.group(1) + "}" + m.group(2) if m else r"\bar{" + a.latex + "}"
    return Math(latex, _bar_text(a.text))


def _bar_text(t: str) -> str:
    # the macron goes over the base letter (the first character), any superscript after it;
    # NFC makes ȳ the single character U+0233 where Unicode has one
    return unicodedata.normalize("NFC", t[0] + "\u0304" + t[1:]) if t else t


def _is_plain_symbol(text: str) -> bool:
    return bool(text) and not any(ch in text for ch in "⁽(")


def partial(num, den) -> Math:
    """∂num/∂den."""
    num, den = as_math(num), as_math(den)
    return Math(r"\frac{\partial " + num.latex + r"}{\partial " + den.latex + "}",
                "∂" + num.text + "/∂" + den.text)


# ------------------------------------------------------------------ symbols

def layer_symbol(base: str, layer, base_text: str | None = None, sub: str | None = None) -> Math:
    """``W^{(2)}`` / ``W⁽²⁾``; ``layer`` None gives the bare symbol."""
    bt = base if base_text is None else base_text
    latex, text = base, bt
    if sub is not None:
        latex += "_{" + sub + "}"
        text += subscript(sub)
    if layer is not None:
        latex += "^{(" + str(layer) + ")}"
        text += superscript("(" + str(layer) + ")")
    return Math(latex, text)


_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "eta": "η", "sigma": "σ",
          "theta": "θ", "lambda": "λ", "mu": "μ", "epsilon": "ε", "phi": "φ", "omega": "ω"}


def name_math(name: str) -> Math:
    """A user's name for a value as a symbol: ``W1`` → W⁽¹⁾, ``a_1`` → a₁, ``eta`` → η."""
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    if m and len(m.group(1)) <= 2:
        return layer_symbol(_greek_latex(m.group(1)), m.group(2), _GREEK.get(m.group(1), m.group(1)))
    m = re.fullmatch(r"([A-Za-z]+)_(\w+)", name)
    if m:
        base = m.group(1)
        return Math(_greek_latex(base) + "_{" + m.group(2) + "}",
                    _GREEK.get(base, base) + subscript(m.group(2)))
    if name in _GREEK:
        return Math("\\" + name, _GREEK[name])
    if len(name) == 1 or re.fullmatch(r"[A-Za-z]'*", name):
        return Math(name, name)
    return Math(r"\mathrm{" + name.replace("_", r"\_") + "}", name)


def _greek_latex(base: str) -> str:
    return "\\" + base if base in _GREEK else base


class Notation:
    """The symbols and formulas of one notation (``columns`` or ``rows``)."""

    def __init__(self, name: str) -> None:
        self.name = check_notation(name)
        self.rows = name == "rows"

    def describe(self) -> list:
        """A sentence (chunks of text and Math) saying how matrices are laid out."""
        if self.rows:
            return ["Notation: rows — ", Math(r"W^{(l)}", "W⁽ˡ⁾"),
                    " is inputs × outputs, samples are columns, ",
                    Math(r"z^{(l)} = (W^{(l)})^\top a^{(l-1)} + W_0^{(l)}", "z⁽ˡ⁾ = (W⁽ˡ⁾)ᵀa⁽ˡ⁻¹⁾ + W₀⁽ˡ⁾"),
                    ", ", Math(r"a^{(l)} = f^{(l)}(z^{(l)})", "a⁽ˡ⁾ = f⁽ˡ⁾(z⁽ˡ⁾)"),
                    ", ", Math(r"a^{(0)} = x", "a⁽⁰⁾ = x"), "."]
        return ["Notation: columns — ", Math(r"W^{(l)}", "W⁽ˡ⁾"),
                " is outputs × inputs, samples are columns, ",
                Math(r"z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}", "z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾"),
                ", ", Math(r"a^{(l)} = f^{(l)}(z^{(l)})", "a⁽ˡ⁾ = f⁽ˡ⁾(z⁽ˡ⁾)"),
                ", ", Math(r"a^{(0)} = x", "a⁽⁰⁾ = x"), "."]

    # symbols
    def W(self, l) -> Math:
        return layer_symbol("W", l)

    def b(self, l) -> Math:
        return layer_symbol("W", l, sub="0") if self.rows else layer_symbol("b", l)

    def z(self, l) -> Math:
        return layer_symbol("z", l)

    def a(self, l) -> Math:
        return Math("x", "x") if l == 0 else layer_symbol("a", l)

    def delta(self, l) -> Math:
        return layer_symbol(r"\delta", l, "δ")

    # formulas
    def affine(self, l, input_sym: Math, bias: bool = True) -> Math:
        w = transpose(self.W(l)) if self.rows else self.W(l)
        out = times(w, input_sym)
        return plus(out, self.b(l)) if bias else out

    def grad_W(self, l, input_sym: Math) -> Math:
        if self.rows:
            return times(input_sym, transpose(self.delta(l)))
        return times(self.delta(l), transpose(input_sym))

    def backprop(self, l_next) -> Math:
        """The error sent back through layer l+1's weights: (W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾ (rows: W⁽ˡ⁺¹⁾δ⁽ˡ⁺¹⁾)."""
        w = self.W(l_next) if self.rows else transpose(self.W(l_next))
        return times(w, self.delta(l_next))

    def show_weight(self, w):
        """A Linear weight (out, in) as this notation displays it."""
        return w.T if self.rows else w


_BINDING = {"atom": ATOM, "product": PRODUCT, "sum": SUM}


def fill(template: tuple, z: Math, a: Math | None = None) -> Math:
    """A registry formula ``(LaTeX, text, binding)`` (see ``glassnet.nn.activation.Activation``)
    with ``{z}``, ``{z_atom}`` and ``{a}`` put in."""
    latex, text, binding = template
    za = z.wrap(ATOM)
    for key, m in (("{z_atom}", za), ("{z}", z), ("{a}", a)):
        if key in latex or key in text:
            if m is None:
                raise ValueError(f"the formula {text!r} needs {key}")
            latex, text = latex.replace(key, m.latex), text.replace(key, m.text)
    return Math(latex, text, _BINDING[binding])
