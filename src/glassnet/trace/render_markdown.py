"""Markdown with LaTeX math: headings, a short line per step, and each equation as a
``$$`` block — the formula first, then the numbers, as the course documents write them."""
from __future__ import annotations

from .numbers import Formatter
from .render_latex import equation_latex, group_latex, inline_latex
from .solution import Group, Paragraph, Solution


def _escape(s: str) -> str:
    # Markdown emphasis characters in plain text would start italics
    return s.replace("*", r"\*").replace("_", r"\_")


def render_markdown(sol: Solution) -> str:
    fmt = Formatter(sol.digits, sol.decimals)
    lines: list[str] = []
    if sol.title:
        lines += ["# " + sol.title, ""]
    for para in sol.intro:
        lines += [inline_latex(para.chunks, _escape), ""]
    for sec in sol.sections:
        lines += ["#" * (sec.level) + " " + sec.title, ""]
        for item in sec.items:
            if isinstance(item, Paragraph):
                lines += [inline_latex(item.chunks, _escape), ""]
                continue
            if isinstance(item, Group):
                for block in group_latex(item, fmt):
                    lines += ["$$", block, "$$", ""]
                continue
            if item.note:
                lines += [inline_latex(item.note, _escape), ""]
            lines += ["$$", equation_latex(item, fmt), "$$", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
