"""Convolution and pooling explained, one output cell at a time.

A convolution output cell is the dot product of its input window and the kernel (plus the
bias); a max-pooling cell is the largest element of its window — the *winner*, the one
element its gradient goes back to. Both are read off the trace: the input, kernel and
output values are the recorded ones, and the sum of the products shown is the output the
engine computed (``explain_cell`` checks that it is).

The window geometry (stride, padding, dilation, groups) comes from the op's ``attrs`` when
the op hands it to the recorder, else from the layer whose forward ran the op (``nn.Conv1d``,
``nn.MaxPool2d``, … keep their configuration as attributes), else from :func:`conv1d` and
friends below, which run the op and note its geometry for the trace.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .notation import Math, join, subscript

CONV_OPS = {"conv1d": 1, "conv2d": 2}
MAX_POOL_OPS = {"max_pool1d": 1, "max_pool2d": 2}
WINDOW_OPS = {**CONV_OPS, **MAX_POOL_OPS}
# ops that keep the values and their C order, only changing the shape: a flat index into
# their output is the same flat index into their input
VIEW_OPS = {"reshape", "flatten", "squeeze", "unsqueeze", "clone", "to"}


# ---------------------------------------------------------------------- geometry

@dataclass(frozen=True)
class Geometry:
    """Where each window of a convolution or pooling lies in its input."""

    kernel: tuple
    stride: tuple
    lo: tuple                  # padding before, per spatial axis
    hi: tuple                  # padding after
    dilation: tuple
    groups: int = 1

    def window(self, pos: tuple, size: tuple) -> list:
        """(kernel offset, input position or None where the window lies in the padding)."""
        out = []
        for off in np.ndindex(*self.kernel):
            ip = tuple(p * s + k * d - l for p, k, s, d, l in zip(pos, off, self.stride, self.dilation, self.lo))
            inside = all(0 <= i < n for i, n in zip(ip, size))
            out.append((off, ip if inside else None))
        return out


def _tuple(v, nd: int) -> tuple:
    if isinstance(v, (int, np.integer)):
        return (int(v),) * nd
    v = tuple(int(x) for x in v)
    return v * nd if len(v) == 1 else v


def geometry(node) -> Geometry:
    """The geometry of a recorded convolution or pooling op (see the module docstring)."""
    nd = WINDOW_OPS[node.op]
    args = node.attrs if "stride" in node.attrs else _module_args(node)
    if args is None:
        raise ValueError(
            f"the trace does not know the stride and padding of this {node.op} (it was called "
            f"directly, not from a layer): run it from a layer (nn.Conv1d, nn.MaxPool1d, …) or "
            f"through glassnet.trace.windows.{node.op}")
    if node.op in CONV_OPS:
        kernel = tuple(node.parents[1].value.shape[2:])
    else:
        kernel = _tuple(args["kernel_size"], nd)
    stride = _tuple(args.get("stride") or kernel, nd)
    dilation = _tuple(args.get("dilation", 1), nd)
    padding = args.get("padding", 0)
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = (0,) * nd
        else:                                              # "same": the extra zero goes right
            total = tuple(d * (k - 1) for d, k in zip(dilation, kernel))
            lo = tuple(t // 2 for t in total)
            hi = tuple(t - a for t, a in zip(total, lo))
    elif isinstance(padding, tuple) and len(padding) == 2 and isinstance(padding[0], tuple):
        lo, hi = padding                                   # ((lo…), (hi…)) as the ops note it
    else:
        lo = hi = _tuple(padding, nd)
    return Geometry(kernel, stride, tuple(lo), tuple(hi), dilation, int(args.get("groups", 1)))


def _module_args(node) -> dict | None:
    m = node.module
    if m is None or not hasattr(m, "stride") or not hasattr(m, "padding"):
        return None
    padding = m.padding
    if getattr(m, "padding_mode", "zeros") != "zeros":
        padding = 0                  # the layer padded its input itself (a "pad" op) first
    return {"kernel_size": getattr(m, "kernel_size", None), "stride": m.stride, "padding": padding,
            "dilation": getattr(m, "dilation", 1), "groups": getattr(m, "groups", 1)}


# ---------------------------------------------------------------------- wrappers

def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """``F.conv1d`` that notes its geometry for an open trace (for calls outside a layer)."""
    from ..ops import conv1d as op
    return _noted(op(input, weight, bias, stride, padding, dilation, groups),
                  stride=stride, padding=padding, dilation=dilation, groups=groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """``F.conv2d`` that notes its geometry for an open trace."""
    from ..ops import conv2d as op
    return _noted(op(input, weight, bias, stride, padding, dilation, groups),
                  stride=stride, padding=padding, dilation=dilation, groups=groups)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1):
    """``F.max_pool1d`` that notes its geometry for an open trace."""
    from ..ops import max_pool1d as op
    return _noted(op(input, kernel_size, stride, padding, dilation), kernel_size=kernel_size,
                  stride=stride, padding=padding, dilation=dilation)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1):
    """``F.max_pool2d`` that notes its geometry for an open trace."""
    from ..ops import max_pool2d as op
    return _noted(op(input, kernel_size, stride, padding, dilation), kernel_size=kernel_size,
                  stride=stride, padding=padding, dilation=dilation)


def _noted(result, **attrs):
    from .recorder import note_attrs
    note_attrs(result, attrs)
    return result


# ---------------------------------------------------------------------- one cell

@dataclass
class Product:
    """One term of a convolution cell: input[x_index] · weight[w_index]."""

    x_index: tuple
    w_index: tuple
    x: object
    w: object


@dataclass
class ConvCell:
    """y[index] = b[o] + Σ x[window] · W[o, …]: the products, the bias and the recorded value."""

    node: object
    index: tuple
    products: list
    bias: object                 # b[o], or None without a bias
    bias_index: tuple | None
    value: object                # the recorded output
    grad: object = None          # ∂L/∂y[index] (None before a backward pass)


@dataclass
class PoolCell:
    """y[index] = max of the window: its elements (input index, value) and the winner."""

    node: object
    index: tuple
    window: list
    winner: tuple
    value: object
    grad: object = None


def value_at(parent, p) -> np.ndarray:
    """A parent's values when pass ``p`` used it (a parameter as it was before that pass's update)."""
    if parent.is_node:
        return parent.value
    return p.params_before.get(parent.index, parent.value)


def grad_of(obj, p):
    gs = [obj.grads[r] for r in p.runs if r in obj.grads]
    if not gs:
        return None
    out = gs[0]
    for g in gs[1:]:
        out = out + g
    return out


def _normalize(index, shape: tuple) -> tuple:
    idx = (index,) if isinstance(index, (int, np.integer)) else tuple(index)
    if len(idx) != len(shape):
        raise IndexError(f"index {tuple(idx)} has {len(idx)} entries; the output has shape {shape}")
    out = []
    for i, n in zip(idx, shape):
        i = int(i)
        if not -n <= i < n:
            raise IndexError(f"index {tuple(idx)} is out of range for the output of shape {shape}")
        out.append(i % n)
    return tuple(out)


def conv_cell(node, p, index) -> ConvCell:
    nd = CONV_OPS[node.op]
    geo = geometry(node)
    y = node.value
    idx = _normalize(index, y.shape)
    x, w = value_at(node.parents[0], p), value_at(node.parents[1], p)
    b = value_at(node.parents[2], p) if len(node.parents) > 2 else None
    unbatched = y.ndim == nd + 1
    n = None if unbatched else idx[0]
    o, pos = idx[-nd - 1], idx[-nd:]
    cg = w.shape[1]
    group = o // (w.shape[0] // geo.groups)
    products = []
    for c_local in range(cg):
        c = group * cg + c_local
        for off, ip in geo.window(pos, x.shape[-nd:]):
            if ip is None:
                continue                                   # padding: a 0 that adds nothing
            xi = (c,) + ip if unbatched else (n, c) + ip
            wi = (o, c_local) + off
            products.append(Product(xi, wi, x[xi], w[wi]))
    g = grad_of(node, p)
    return ConvCell(node, idx, products, None if b is None else b[o], None if b is None else (o,),
                    y[idx], None if g is None else g[idx])


def pool_cell(node, p, index) -> PoolCell:
    nd = MAX_POOL_OPS[node.op]
    geo = geometry(node)
    y = node.value
    idx = _normalize(index, y.shape)
    x = value_at(node.parents[0], p)
    lead, pos = idx[:-nd], idx[-nd:]
    window = [(lead + ip, x[lead + ip]) for _, ip in geo.window(pos, x.shape[-nd:]) if ip is not None]
    best = y[idx]
    winner = None
    for xi, v in window:                       # the first element holding the maximum, as the op picks
        if v == best or (v != v and best != best):
            winner = xi
            break
    if winner is None:                          # pragma: no cover - the recorded max is in the window
        raise RuntimeError(f"no element of the window equals the recorded maximum {best}")
    g = grad_of(node, p)
    return PoolCell(node, idx, window, winner, best, None if g is None else g[idx])


# ---------------------------------------------------------------------- writing a cell

def entry(sym: Math, index: tuple, brackets: bool = False) -> Math:
    """``x`` with a subscript: x₁ (text), ``x_{1}`` (LaTeX); ``index`` as written (already 1-based
    or 0-based, as the caller wants). ``brackets``: Python's x[0, 2] in the text."""
    sub = ",".join(str(i) for i in index)
    base = sym.latex
    if "_" in base:                                       # x_{1} → {x_{1}}_{2}: no double subscript
        base = "{" + base + "}"
    if not index:
        text = sym.text
    elif brackets or len(index) > 1:
        text = sym.text + "[" + ", ".join(str(i) for i in index) + "]"
    else:
        text = sym.text + subscript(sub)
    return Math(base + ("_{" + sub + "}" if index else ""), text)


def number(fmt, v) -> Math:
    """A number for a product, in parentheses when negative: (−1)·2."""
    m = fmt.number(v)
    if m.text.startswith(("-", "−")) or " " in m.text:
        return Math(r"\left(" + m.latex + r"\right)", "(" + m.text + ")")
    return m


def dot(pairs) -> Math:
    """a₁b₁ + a₂b₂ + … for (a, b) Math pairs (products by juxtaposition; x[0, 1]·W[0, 0] in text
    where an index is written in brackets)."""
    terms = [Math(a.latex + " " + b.latex, a.text + ("·" if a.text.endswith("]") else "") + b.text)
             for a, b in pairs]
    return join(terms, Math(" + ", " + ")) if terms else Math("0")


def numeric_dot(fmt, pairs) -> Math:
    """1 · 2 + (−1) · 3 + … for pairs of numbers."""
    terms = []
    for a, b in pairs:
        ma, mb = number(fmt, a), number(fmt, b)
        terms.append(Math(ma.latex + r" \cdot " + mb.latex, ma.text + "·" + mb.text))
    return join(terms, Math(" + ", " + ")) if terms else Math("0")


def _accumulate(target: Math, g: Math, factor: Math) -> Math:
    """∂L/∂target += g·factor."""
    return Math(r"\partial L/\partial " + target.latex + r" \mathrel{+}= " + g.latex + r" \cdot " + factor.latex,
                "∂L/∂" + target.text + " += " + g.text + "·" + factor.text)


@dataclass
class Symbols:
    """How an explanation names the tensors: input, kernel, bias, output; indices from ``base``."""

    x: Math = field(default_factory=lambda: Math("x"))
    w: Math = field(default_factory=lambda: Math("W"))
    b: Math = field(default_factory=lambda: Math("b"))
    y: Math = field(default_factory=lambda: Math("y"))
    base: int = 0

    def at(self, sym: Math, index: tuple) -> Math:
        return entry(sym, tuple(i + self.base for i in index), brackets=self.base == 0)


def cell_equations(cell, fmt, s: Symbols) -> list:
    """The cell as equations (formula with symbols, the numbers, the value) and a sentence each
    on where its gradient goes."""
    from .solution import Equation, Paragraph, Term
    lhs = s.at(s.y, cell.index)
    out = []
    if isinstance(cell, ConvCell):
        pairs = [(s.at(s.x, q.x_index), s.at(s.w, q.w_index)) for q in cell.products]
        nums = [(q.x, q.w) for q in cell.products]
        form, numbers = dot(pairs), numeric_dot(fmt, nums)
        if cell.bias is not None:
            bsym = s.at(s.b, cell.bias_index)
            form = Math(bsym.latex + " + ", bsym.text + " + ") + form
            numbers = Math(number(fmt, cell.bias).latex + " + ", number(fmt, cell.bias).text + " + ") + numbers
        out.append(Equation(lhs, [form], [Term("", numbers)], np.asarray(cell.value)))
        if cell.grad is not None and cell.products:
            g = fmt.number(cell.grad)
            q = cell.products[0]
            xs, ws = s.at(s.x, q.x_index), s.at(s.w, q.w_index)
            dy = Math(r"\partial L/\partial " + lhs.latex, "∂L/∂" + lhs.text)
            out.append(Paragraph([
                "Backward: its gradient ", dy, " = ", g, " goes back along every product: times the "
                "kernel entry to the input (", _accumulate(xs, g, ws), ", …) and times the input to the "
                "kernel entry (", _accumulate(ws, g, xs), ", …)."]))
    else:
        args = join([s.at(s.x, xi) for xi, _ in cell.window], Math(", ", ", "))
        vals = join([fmt.number(v) for _, v in cell.window], Math(", ", ", "))
        out.append(Equation(lhs, [Math(r"\max\left(" + args.latex + r"\right)", "max(" + args.text + ")")],
                            [Term("", Math(r"\max\left(" + vals.latex + r"\right)", "max(" + vals.text + ")"))],
                            np.asarray(cell.value)))
        win = s.at(s.x, cell.winner)
        chunks = ["The winner is ", win, " (the first element of the window holding the maximum)"]
        if cell.grad is not None:
            g = fmt.number(cell.grad)
            chunks += [": the cell's gradient ", g, " goes to ", win, " alone, the rest of the window gets 0"]
        chunks.append(".")
        out.append(Paragraph(chunks))
    return out


class CellExplanation:
    """One output cell of a convolution or max-pooling, as a short worked solution.

    ``str()`` / ``to_text()`` for a terminal, ``to_markdown()`` (LaTeX math) and, in Jupyter,
    the rendered Markdown. Indices count from 0, as in Python (``y[0, 1, 2]``).
    """

    def __init__(self, cell, title: str, symbols: Symbols | None = None, digits: int = 6) -> None:
        self.cell = cell
        self.title = title
        self.symbols = symbols or Symbols()
        self.digits = digits

    @property
    def value(self):
        return self.cell.value

    @property
    def products(self) -> list:
        """(input index, kernel index, input value, kernel value) of every term (convolutions)."""
        return [(q.x_index, q.w_index, q.x, q.w) for q in getattr(self.cell, "products", [])]

    @property
    def winner(self) -> tuple | None:
        """The input index of the window's maximum (max-pooling)."""
        return getattr(self.cell, "winner", None)

    def solution(self):
        from .numbers import Formatter
        from .solution import Paragraph, Section, Solution
        fmt = Formatter(self.digits)
        s = self.symbols
        items = []
        if isinstance(self.cell, ConvCell):
            items.append(Paragraph(["The output cell is the dot product of its input window and the kernel",
                                    " plus the bias" if self.cell.bias is not None else "",
                                    " (inputs in the padding are 0 and left out):"]))
        else:
            items.append(Paragraph(["The output cell is the largest element of its window:"]))
        items += cell_equations(self.cell, fmt, s)
        return Solution(None, "columns", [Section(self.title, 3, items)], self.digits)

    def to_text(self) -> str:
        from .render_text import render_text
        return render_text(self.solution())

    def to_markdown(self) -> str:
        from .render_markdown import render_markdown
        return render_markdown(self.solution())

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"<CellExplanation {self.title}: {self.cell.value}>"


def all_cells(node, p) -> list:
    """Every output cell of a recorded convolution or max-pooling, in C order."""
    make = conv_cell if node.op in CONV_OPS else pool_cell
    return [make(node, p, idx) for idx in np.ndindex(*node.value.shape)]


def explain(trace, layer, index, occurrence: int = -1) -> CellExplanation:
    """See :meth:`glassnet.trace.Trace.explain_cell`."""
    nodes = _window_nodes(trace, layer)
    if not nodes:
        what = f"layer {layer!r}" if isinstance(layer, str) else type(layer).__name__
        raise ValueError(f"the trace recorded no convolution or max-pooling for {what} "
                         f"(recorded ops: {sorted({n.op for n in trace.nodes}) or 'none'})")
    try:
        node = nodes[occurrence]
    except IndexError:
        raise IndexError(f"the layer ran {len(nodes)} time(s) in the trace; occurrence {occurrence} "
                         f"does not exist") from None
    p = trace.passes[node.pass_index]
    cell = conv_cell(node, p, index) if node.op in CONV_OPS else pool_cell(node, p, index)
    _check(cell)
    label = node.module_path or (type(node.module).__name__ if node.module is not None else node.op)
    what = type(node.module).__name__ if node.module is not None else node.op
    title = f"{label} · {what} · output {list(cell.index)}" if label != what else f"{what} · output {list(cell.index)}"
    return CellExplanation(cell, title)


def _window_nodes(trace, layer) -> list:
    from .recorder import Node
    if isinstance(layer, Node):
        return [layer] if layer.op in WINDOW_OPS else []
    out = []
    for n in trace.nodes:
        if n.op not in WINDOW_OPS:
            continue
        if isinstance(layer, str):
            if n.module_path == layer or (n.tensor.name is not None and n.tensor.name == layer):
                out.append(n)
        elif n.module is layer or n.tensor is layer:
            out.append(n)
    return out


def _check(cell) -> None:
    """The products shown must add up to the output the engine computed."""
    if not isinstance(cell, ConvCell):
        return
    total = sum((q.x * q.w for q in cell.products), 0)
    if cell.bias is not None:
        total = total + cell.bias
    v = cell.value
    if getattr(v, "free_symbols", None) is not None or getattr(total, "free_symbols", None) is not None:
        import sympy as sp
        ok = sp.simplify(total - v) == 0
    else:
        ok = abs(float(total) - float(v)) <= 1e-9 * max(1.0, abs(float(v)))
    if not ok:                                  # pragma: no cover - a geometry the trace misread
        raise RuntimeError(f"the window read for {cell.index} sums to {total}, but the op computed {v}: "
                           f"the trace misread the convolution's geometry")


__all__ = ["CellExplanation", "Geometry", "conv1d", "conv2d", "geometry", "max_pool1d", "max_pool2d"]
