"""LaTeX for a solution: matrices as ``bmatrix``, each equation as formula, then numbers.

Shared by the Markdown renderer (which wraps the same equations in ``$$``) and by the
LaTeX renderer (a fragment or a standalone ``article``)."""
from __future__ import annotations

import numpy as np

from .notation import Math
from .numbers import Formatter, is_exact_array
from .solution import Equation, Group, Paragraph, Solution


def value_latex(value, fmt: Formatter) -> str:
    """A display value: a matrix as ``bmatrix``, a scalar as a number, a Math as its LaTeX."""
    if isinstance(value, Math):
        return value.latex
    arr = np.asarray(value)
    if arr.ndim == 0:
        return fmt.number(arr.item() if arr.dtype != object else arr.reshape(-1)[0]).latex
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    rows = [" & ".join(fmt.number(v).latex for v in row) for row in arr]
    return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


def terms_latex(terms: list, fmt: Formatter) -> str:
    parts = []
    for t in terms:
        op = {"": "", "+": " + ", "-": " - ", "∘": r" \circ "}[t.op]
        body = value_latex(t.value, fmt) + (r"^\top" if t.transpose else "")
        parts.append(op + body)
    return _join_terms(parts)


def _join_terms(parts: list) -> str:
    out = ""
    for p in parts:
        if not out:
            out = p
        elif p.startswith(" "):
            out += p
        else:
            out += " " + p
    return out


def equation_parts(eq: Equation, fmt: Formatter) -> list[str]:
    """The right-hand sides of an equation, in order: formulas, numbers, value, ≈ value."""
    parts = [f.latex for f in eq.forms]
    if eq.terms:
        parts.append(terms_latex(eq.terms, fmt))
    if eq.value is not None:
        parts.append(value_latex(eq.value, fmt))
        if is_exact_array(np.asarray(eq.value)) and fmt.approx_needed(eq.value):
            parts.append(r"\approx " + value_latex(fmt.approx(eq.value), fmt))
    return parts


def equation_latex(eq: Equation, fmt: Formatter) -> str:
    """The equation as display math (no delimiters); ``aligned`` when it has several steps."""
    parts = equation_parts(eq, fmt)
    first = r" \leftarrow " if eq.assign else " = "
    if not parts:
        return eq.lhs.latex
    if len(parts) <= 2 and sum(len(p) for p in parts) < 160:
        out = eq.lhs.latex + first + parts[0]
        for p in parts[1:]:
            out += (" " if p.startswith(r"\approx") else " = ") + p
        return out
    lines = [eq.lhs.latex + (r" &\leftarrow " if eq.assign else " &= ") + parts[0]]
    for p in parts[1:]:
        lines.append((r"&" if p.startswith(r"\approx") else "&= ") + p)
    return r"\begin{aligned}" + "\n" + (r" \\" + "\n").join(lines) + "\n" + r"\end{aligned}"


def group_latex(group: Group, fmt: Formatter) -> list[str]:
    r"""Equations side by side (``, \qquad``) when each fits on one line, else one block each;
    a stacked group is one ``aligned`` block, a line per equation."""
    if group.stacked:
        lines = []
        for eq in group.equations:
            parts = equation_parts(eq, fmt)
            rhs = parts[0] + "".join((" " if p.startswith(r"\approx") else " = ") + p for p in parts[1:])
            lines.append(eq.lhs.latex + (r" &\leftarrow " if eq.assign else " &= ") + rhs)
        return [r"\begin{aligned}" + "\n" + (r" \\" + "\n").join(lines) + "\n" + r"\end{aligned}"]
    blocks = [equation_latex(eq, fmt) for eq in group.equations]
    if all(r"\begin{aligned}" not in b for b in blocks) and sum(len(b) for b in blocks) < 400:
        return [r", \qquad ".join(blocks)]
    return blocks


def inline_latex(chunks: list, escape) -> str:
    """A paragraph: text chunks escaped with ``escape``, formulas as ``$…$``."""
    out = []
    for c in chunks:
        if isinstance(c, Math):
            out.append("$" + c.latex + "$")
        else:
            out.append(escape(str(c)))
    return "".join(out)


# ---------------------------------------------------------------------- LaTeX documents

_TEXT_MAP = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}", "$": r"\$",
             "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
             "→": r"$\to$", "×": r"$\times$", "—": "---", "–": "--", "·": r"$\cdot$", "½": r"$\frac{1}{2}$",
             "≥": r"$\geq$", "≤": r"$\leq$", "∘": r"$\circ$", "η": r"$\eta$", "σ": r"$\sigma$",
             "δ": r"$\delta$", "…": r"\ldots{}", "’": "'", "“": "``", "”": "''", "−": "-"}


_SUPERS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ᵀˡᴸ", "0123456789+-()TlL"))
_SUBS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₍₎ᵢⱼₖ", "0123456789+-()ijk"))
_GREEK_TEXT = {"α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "λ": r"\lambda", "μ": r"\mu",
               "θ": r"\theta", "∂": r"\partial", "Σ": r"\Sigma", "‖": r"\|", "∈": r"\in", "≠": r"\neq",
               "≈": r"\approx", "ŷ": r"\hat{y}", "𝟏": r"\mathbf{1}", "←": r"\leftarrow", "′": "'"}


def escape_text(s: str) -> str:
    """Plain text for LaTeX: specials escaped, Unicode math (x⁽¹⁾, ᵀ, ₂, →) as inline math."""
    out = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch in _SUPERS or ch in _SUBS:
            table, mark = (_SUPERS, "^") if ch in _SUPERS else (_SUBS, "_")
            j = i
            while j < len(s) and s[j] in table:
                j += 1
            run = "".join(table[c] for c in s[i:j]).replace("T", r"\top")
            out.append("$" + mark + "{" + run + "}$")
            i = j
            continue
        if ch in _GREEK_TEXT:
            out.append("$" + _GREEK_TEXT[ch] + "$")
        else:
            out.append(_TEXT_MAP.get(ch, ch))
        i += 1
    return "".join(out)


def render_latex(sol: Solution, standalone: bool = False) -> str:
    fmt = Formatter(sol.digits, sol.decimals)
    lines: list[str] = []
    if standalone:
        lines += [r"\documentclass{article}", r"\usepackage{amsmath,amssymb,bbm}",
                  r"\usepackage[margin=2cm]{geometry}", r"\allowdisplaybreaks", r"\begin{document}", ""]
    if sol.title:
        lines += [r"\section*{" + escape_text(sol.title) + "}", ""]
    for para in sol.intro:
        lines += [inline_latex(para.chunks, escape_text), ""]
    for sec in sol.sections:
        cmd = r"\subsection*" if sec.level <= 2 else r"\subsubsection*"
        lines += [cmd + "{" + escape_text(sec.title) + "}", ""]
        for item in sec.items:
            if isinstance(item, Paragraph):
                lines += [inline_latex(item.chunks, escape_text), ""]
            elif isinstance(item, Group):
                for block in group_latex(item, fmt):
                    lines += [r"\[", block, r"\]", ""]
            else:
                if item.note:
                    lines += [inline_latex(item.note, escape_text), ""]
                lines += [r"\[", equation_latex(item, fmt), r"\]", ""]
    if standalone:
        lines += [r"\end{document}"]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_math_only(sol: Solution) -> str:
    """Display math only (for Jupyter's ``_repr_latex_``): every equation, headings as text."""
    fmt = Formatter(sol.digits, sol.decimals)
    rows = []
    for sec in sol.sections:
        eqs = [e for i in sec.items for e in (i.equations if isinstance(i, Group) else [i])
               if isinstance(e, Equation)]
        if not eqs:
            continue
        rows.append(r"&\textbf{" + escape_text(sec.title).replace("$", "") + "}")
        for eq in eqs:
            parts = equation_parts(eq, fmt)
            rows.append(eq.lhs.latex + (r" &\leftarrow " if eq.assign else " &= ")
                        + (" = ".join(parts) if parts else ""))
    return "$$\n" + r"\begin{aligned}" + "\n" + (r" \\" + "\n").join(rows) + "\n" + r"\end{aligned}" + "\n$$"
