"""Plain text for a terminal: Unicode symbols and matrices drawn with ⎡ ⎤ brackets,
laid side by side as they would be written on paper."""
from __future__ import annotations

import numpy as np

from .notation import Math
from .numbers import Formatter, is_exact_array
from .solution import Equation, Group, Paragraph, Solution


class Block:
    """Lines of equal width, drawn side by side with other blocks (centred vertically)."""

    def __init__(self, lines: list[str]) -> None:
        width = max((len(l) for l in lines), default=0)
        self.lines = [l.ljust(width) for l in lines]
        self.width = width

    @property
    def height(self) -> int:
        return len(self.lines)


def hjoin(blocks: list[Block], gap: str = "") -> Block:
    height = max(b.height for b in blocks)
    rows = [""] * height
    for k, b in enumerate(blocks):
        top = (height - b.height) // 2
        for r in range(height):
            i = r - top
            piece = b.lines[i] if 0 <= i < b.height else " " * b.width
            rows[r] += (gap if k else "") + piece
    return Block(rows)


def matrix_block(value, fmt: Formatter, transpose: bool = False) -> Block:
    if isinstance(value, Math):
        return Block([value.text])
    arr = np.asarray(value)
    if arr.ndim == 0:
        return Block([fmt.number(arr.item() if arr.dtype != object else arr.reshape(-1)[0]).text])
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    cells = [[fmt.number(v).text for v in row] for row in arr]
    widths = [max(len(cells[r][c]) for r in range(len(cells))) for c in range(arr.shape[1])]
    body = ["  ".join(cells[r][c].rjust(widths[c]) for c in range(arr.shape[1])) for r in range(len(cells))]
    t = "ᵀ" if transpose else ""
    if len(body) == 1:
        return Block(["[" + body[0] + "]" + t])
    lines = []
    for r, line in enumerate(body):
        left, right = ("⎡", "⎤") if r == 0 else ("⎣", "⎦") if r == len(body) - 1 else ("⎢", "⎥")
        lines.append(left + line + right + (t if r == 0 else " " * len(t)))
    return Block(lines)


def _terms_block(terms, fmt: Formatter) -> Block:
    blocks = []
    for t in terms:
        if t.op:
            blocks.append(Block([" " + {"-": "−"}.get(t.op, t.op) + " "]))
        elif blocks:
            blocks.append(Block([" "]))
        blocks.append(matrix_block(t.value, fmt, t.transpose))
    return hjoin(blocks)


def equation_text(eq: Equation, fmt: Formatter) -> list[str]:
    rhs: list[Block] = [Block([f.text]) for f in eq.forms]
    if eq.terms:
        rhs.append(_terms_block(eq.terms, fmt))
    approx = None
    if eq.value is not None:
        rhs.append(matrix_block(eq.value, fmt))
        if is_exact_array(np.asarray(eq.value)) and fmt.approx_needed(eq.value):
            approx = matrix_block(fmt.approx(eq.value), fmt)
    lhs = eq.lhs.text
    first = " ← " if eq.assign else " = "
    if not rhs:
        return [lhs]
    out: list[str] = []
    # single-line right-hand sides stay on one line: z⁽¹⁾ = W⁽¹⁾x + b⁽¹⁾ = …
    head = Block([lhs + first])
    pad = Block([" " * len(lhs) + " = "])
    row: list[Block] = [head]
    rows: list[Block] = []
    for b in rhs:
        if len(row) == 1:
            row.append(b)
            continue
        if b.height == 1 and all(x.height == 1 for x in row) and sum(x.width for x in row) + 3 + b.width < 100:
            row += [Block([" = "]), b]
            continue
        rows.append(hjoin(row))
        row = [pad, b]
    if approx is not None:
        rows.append(hjoin(row))
        row = [Block([" " * len(lhs) + " ≈ "]), approx]
    rows.append(hjoin(row))
    for r in rows:
        out += [l.rstrip() for l in r.lines]
    return out


def render_text(sol: Solution) -> str:
    fmt = Formatter(sol.digits, sol.decimals)
    lines: list[str] = []
    if sol.title:
        lines += [sol.title, "=" * len(sol.title), ""]
    for para in sol.intro:
        lines += [_chunks(para.chunks), ""]
    for sec in sol.sections:
        underline = "=" if sec.level <= 1 else "-" if sec.level == 2 else "·"
        lines += [sec.title, underline * len(sec.title), ""]
        for item in sec.items:
            if isinstance(item, Paragraph):
                lines += [_chunks(item.chunks), ""]
                continue
            if isinstance(item, Group):
                blocks = [Block(equation_text(eq, fmt)) for eq in item.equations]
                if item.stacked:
                    lines += [l.rstrip() for b in blocks for l in b.lines] + [""]
                elif sum(b.width for b in blocks) < 110:
                    joined = hjoin([blocks[0]] + [x for b in blocks[1:] for x in (Block(["    "]), b)])
                    lines += [l.rstrip() for l in joined.lines] + [""]
                else:
                    for b in blocks:
                        lines += [l.rstrip() for l in b.lines] + [""]
                continue
            if item.note:
                lines += [_chunks(item.note)]
            lines += equation_text(item, fmt) + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _chunks(chunks) -> str:
    return "".join(c.text if isinstance(c, Math) else str(c) for c in chunks)
