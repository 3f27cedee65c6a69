"""Computation-graph drawings as Graphviz DOT and Mermaid text (seed 002 P3–P4), and as SVG or
PNG when Graphviz's ``dot`` is installed.

Three graphs can be drawn:

* ``autograd_graph(loss)``: the graph the engine recorded — every value (tensor) and every op
  that made one, walked from a result through ``_parents`` and ``_op``. Values are named by
  their ``.name``, a ``names`` mapping, or the model's parameter names. ``style='named'`` keeps
  only the named values, as a hand-drawn graph does (x → z → h → y → S → L, …).
* ``trace_graph(trace)``: the same from a ``glassnet.trace`` recording, which also holds the
  ops on constants (a target, a fixed r) that the autograd graph needs no edges for.
* ``network_graph(model)``: the units of a Linear/activation chain, each edge labelled by its
  weight (w2_11 or its value), as the seeds draw a network.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field

import numpy as np

from ..errors import GlassnetError
from ..nn import Module, Parameter
from ..tensor import Tensor
from ._chain import layers
from ._chain import sup as _sup

__all__ = ["Graph", "Node", "Edge", "GraphvizNotFound", "autograd_graph", "trace_graph",
           "network_graph", "draw", "has_graphviz"]

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

# Argument names of ops whose operands are not interchangeable: the edge labels.
ROLES: dict[str, tuple[str, ...]] = {
    "linear": ("x", "W", "b"), "sub": ("+", "−"), "div": ("numerator", "denominator"),
    "pow": ("base", "exponent"), "matmul": ("left", "right"), "where": ("if true", "if false"),
    "mse_loss": ("input", "target"), "squared_error": ("input", "target"),
    "cross_entropy": ("input", "target"), "nll_loss": ("input", "target"),
    "binary_cross_entropy": ("input", "target"), "binary_cross_entropy_with_logits": ("input", "target"),
    "hinge_loss": ("input", "target"),
}


class GraphvizNotFound(GlassnetError, RuntimeError):
    """Graphviz's ``dot`` executable is needed to render SVG or PNG."""


def has_graphviz() -> bool:
    return shutil.which("dot") is not None


@dataclass
class Node:
    id: str
    label: str
    kind: str           # 'value', 'param', 'input', 'const', 'op', 'unit'


@dataclass
class Edge:
    src: str
    dst: str
    label: str = ""


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    direction: str = "LR"

    def node(self, id_: str) -> Node:
        for n in self.nodes:
            if n.id == id_:
                return n
        raise KeyError(id_)

    def labels(self) -> list[str]:
        return [n.label for n in self.nodes]

    def edge_list(self) -> list[tuple[str, str, str]]:
        """(source label, target label, edge label) for every edge: handy in tests."""
        lab = {n.id: n.label for n in self.nodes}
        return [(lab[e.src], lab[e.dst], e.label) for e in self.edges]

    # ------------------------------------------------------------- text formats
    def to_dot(self, name: str = "G") -> str:
        shapes = {"op": "ellipse", "value": "box", "param": "box", "input": "box", "const": "box",
                  "unit": "circle"}
        styles = {"param": ', style="rounded,filled", fillcolor="#fff2cc"',
                  "input": ', style="rounded,filled", fillcolor="#dae8fc"',
                  "const": ', style="rounded,dashed"', "op": ', fontname="Helvetica-Oblique"',
                  "value": ', style="rounded"', "unit": ""}
        out = [f"digraph {_dot_id(name)} {{", f"  rankdir={self.direction};",
               '  node [fontname="Helvetica"]; edge [fontname="Helvetica", fontsize=10];']
        for n in self.nodes:
            out.append(f'  {n.id} [label="{_dot_escape(n.label)}", shape={shapes.get(n.kind, "box")}'
                       f'{styles.get(n.kind, "")}];')
        for e in self.edges:
            lab = f' [label="{_dot_escape(e.label)}"]' if e.label else ""
            out.append(f"  {e.src} -> {e.dst}{lab};")
        out.append("}")
        return "\n".join(out) + "\n"

    def to_mermaid(self) -> str:
        out = [f"graph {self.direction}"]
        for n in self.nodes:
            text = _mermaid_escape(n.label)
            if n.kind == "op":
                out.append(f'    {n.id}(("{text}"))')
            elif n.kind == "unit":
                out.append(f'    {n.id}(("{text}"))')
            else:
                out.append(f'    {n.id}["{text}"]')
        for e in self.edges:
            if e.label:
                out.append(f'    {e.src} -->|"{_mermaid_escape(e.label)}"| {e.dst}')
            else:
                out.append(f"    {e.src} --> {e.dst}")
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------- images
    def render(self, path: str, format: str | None = None) -> str:
        """Write the graph as an image (svg, png, pdf) with Graphviz's ``dot``; returns the path.

        Raises GraphvizNotFound when ``dot`` is not installed (``to_dot()`` still works)."""
        fmt = (format or os.path.splitext(path)[1].lstrip(".") or "svg").lower()
        if fmt == "dot":
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.to_dot())
            return path
        if fmt == "mmd" or fmt == "mermaid":
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.to_mermaid())
            return path
        dot = shutil.which("dot")
        if dot is None:
            raise GraphvizNotFound(
                f"rendering {fmt.upper()} needs Graphviz's 'dot' executable, which is not installed "
                f"(apt install graphviz / brew install graphviz); write .dot or .mmd text instead")
        try:
            subprocess.run([dot, f"-T{fmt}", "-o", path], input=self.to_dot().encode("utf-8"),
                           check=True, capture_output=True, timeout=120)
        except subprocess.CalledProcessError as exc:
            raise GlassnetError(f"dot failed to render {path}: {exc.stderr.decode(errors='replace').strip()}") from None
        return path

    def svg(self) -> str | None:
        """The SVG text, or None when Graphviz is not installed."""
        dot = shutil.which("dot")
        if dot is None:
            return None
        res = subprocess.run([dot, "-Tsvg"], input=self.to_dot().encode("utf-8"), check=True,
                             capture_output=True, timeout=120)
        return res.stdout.decode("utf-8")


def _dot_id(s: str) -> str:
    return s if s.isidentifier() else f'"{_dot_escape(s)}"'


def _dot_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _mermaid_escape(s: str) -> str:
    return s.replace('"', "#quot;").replace("\n", "<br/>")


# ------------------------------------------------------------------ value graphs (autograd, trace)

@dataclass
class _Item:
    """One value of a recorded computation, whatever recorded it."""

    key: object             # unique within one graph
    parents: tuple          # keys, in argument order
    op: str                 # "" for a leaf
    name: str | None
    shape: tuple
    kind: str               # 'value', 'param', 'input', 'const'


def _build(items: list[_Item], root_key, style: str, shapes: bool) -> Graph:
    """A Graph from items listed parents first (see autograd_graph for the styles)."""
    if style not in ("full", "values", "named"):
        raise ValueError(f"style must be 'full', 'values' or 'named', got {style!r}")
    by_key = {it.key: it for it in items}
    ids = {it.key: f"v{i}" for i, it in enumerate(items)}
    counter = iter(range(1, 10 ** 9))

    def label_of(it: _Item, auto: str) -> str:
        n = it.name or auto
        if shapes and it.shape != ():
            n += f"\n{tuple(it.shape)}"
        return n

    g = Graph()
    if style in ("full", "values"):
        for it in items:
            if it.name:
                auto = ""
            else:
                auto = f"t{next(counter)}" if it.op else ("const" if it.kind == "const" else "leaf")
            g.nodes.append(Node(ids[it.key], label_of(it, auto), it.kind))
        for it in items:
            if not it.op:
                continue
            roles = ROLES.get(it.op, ())
            if style == "full":
                op_id = f"op{ids[it.key][1:]}"
                g.nodes.append(Node(op_id, it.op, "op"))
                for k, pk in enumerate(it.parents):
                    g.edges.append(Edge(ids[pk], op_id, roles[k] if k < len(roles) else ""))
                g.edges.append(Edge(op_id, ids[it.key]))
            else:
                for k, pk in enumerate(it.parents):
                    role = f" ({roles[k]})" if k < len(roles) and roles[k] else ""
                    g.edges.append(Edge(ids[pk], ids[it.key], f"{it.op}{role}"))
        return g

    # style == "named": keep the named values (and the root); link each to its nearest named
    # ancestors, the edge labelled by the ops on the way
    keep = [it for it in items if it.name or it.key == root_key]
    keep_keys = {it.key for it in keep}
    for it in keep:
        g.nodes.append(Node(ids[it.key], label_of(it, "result"), it.kind))
    for it in keep:
        found: dict[int, list[str]] = {}
        visited: set[int] = set()
        stack = [(pk, [it.op]) for pk in reversed(it.parents)]
        while stack:
            pk, ops_ = stack.pop()
            if pk in keep_keys:
                found.setdefault(pk, ops_)
                continue
            if pk in visited:
                continue
            visited.add(pk)
            p = by_key[pk]
            for qk in reversed(p.parents):
                stack.append((qk, [p.op] + ops_))
        for pk, ops_ in found.items():
            g.edges.append(Edge(ids[pk], ids[it.key], " → ".join(o for o in ops_ if o)))
    rank = {ids[it.key]: i for i, it in enumerate(items)}
    g.edges.sort(key=lambda e: (rank[e.dst], rank[e.src]))
    return g


def _walk(root: Tensor) -> list[Tensor]:
    """Every tensor reachable from root through _parents, parents before children."""
    seen, order, stack = set(), [], [(root, False)]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        for p in reversed(t._parents):
            if id(p) not in seen:
                stack.append((p, False))
    return order


def _name_map(names, model: Module | None) -> dict[int, str]:
    out: dict[int, str] = {}
    if model is not None:
        for n, p in model.named_parameters():
            out[id(p)] = n
    if names:
        for k, v in names.items():
            if isinstance(k, Tensor):
                out[id(k)] = str(v)
            elif isinstance(v, Tensor):
                out[id(v)] = str(k)
            else:
                raise TypeError("names must map tensors to names (or names to tensors)")
    return out


def autograd_graph(root: Tensor, names=None, model: Module | None = None, *, style: str = "full",
                   shapes: bool = True) -> Graph:
    """The computation graph that produced ``root`` (e.g. a loss), walked through ``_parents``.

    Args:
        root: the result whose graph is drawn (any tensor made by ops on tensors that require grad).
        names: {tensor: "name"} (or {"name": tensor}) for values to label; a tensor's ``.name``
            is used too, and ``model``'s parameter names.
        style: 'full' (values and op nodes), 'values' (values only, edges labelled by the op) or
            'named' (named values only, edges labelled by the ops between them: a hand-drawn graph).
        shapes: add each value's shape to its label.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"autograd_graph draws the graph behind a Tensor, got {type(root).__name__}")
    if not root._parents:
        raise ValueError("this tensor has no recorded graph: it is a leaf, or it was computed without "
                         "any input that requires grad (or under no_grad)")
    nm = _name_map(names, model)

    def kind(t: Tensor) -> str:
        if t._parents:
            return "value"
        if t.requires_grad:
            return "param" if isinstance(t, Parameter) else "input"
        return "const"
    items = [_Item(id(t), tuple(id(p) for p in t._parents), t._op if t._parents else "",
                   nm.get(id(t)) or t.name, tuple(t.shape), kind(t)) for t in _walk(root)]
    return _build(items, id(root), style, shapes)


def trace_graph(trace, root=None, *, pass_index: int | None = None, style: str = "full",
                shapes: bool = True) -> Graph:
    """The graph of one pass of a ``glassnet.trace`` recording (default: the last pass with ops).

    Unlike the autograd graph, a trace holds every op, also those on constants; values are
    named by their ``.name`` and the traced model's parameter names. ``root``: a Tensor whose
    ancestors alone are drawn (default: the whole pass).
    """
    passes = [p for p in trace.passes if p.nodes]
    if not passes:
        raise ValueError("the trace recorded no operations")
    if pass_index is None:
        p = passes[-1]
    else:
        matches = [q for q in trace.passes if q.index == pass_index]
        if not matches or not matches[0].nodes:
            raise ValueError(f"the trace has no pass {pass_index} with operations; passes: "
                             f"{[q.index for q in passes]}")
        p = matches[0]
    kinds = {"parameter": "param", "input": "input", "constant": "const"}
    items, seen = [], set()

    def key(x) -> str:
        return f"n{x.index}" if x.is_node else f"l{x.index}"

    def add_leaf(leaf) -> None:
        if key(leaf) in seen:
            return
        seen.add(key(leaf))
        items.append(_Item(key(leaf), (), "", leaf.name or trace.parameter_name(leaf),
                           tuple(np.shape(leaf.value)), kinds.get(leaf.kind, "const")))
    wanted = None
    if root is not None:
        node = trace.node_of(root)
        if node is None:
            raise ValueError("root was not recorded by this trace")
        wanted, stack = set(), [node]
        while stack:
            x = stack.pop()
            if key(x) in wanted:
                continue
            wanted.add(key(x))
            stack.extend(x.parents)
    for node in p.nodes:
        if wanted is not None and key(node) not in wanted:
            continue
        for parent in node.parents:
            if not parent.is_node:
                add_leaf(parent)
            elif key(parent) not in seen:                   # made in an earlier pass: a leaf here
                seen.add(key(parent))
                items.append(_Item(key(parent), (), "", parent.name, tuple(np.shape(parent.value)), "value"))
        seen.add(key(node))
        items.append(_Item(key(node), tuple(key(q) for q in node.parents), node.op, node.name,
                           tuple(np.shape(node.value)), "value"))
    root_key = key(trace.node_of(root)) if root is not None else items[-1].key
    return _build(items, root_key, style, shapes)


# ------------------------------------------------------------------ the unit graph of a network

def network_graph(model: Module, weights: str = "symbols", *, bias: bool = False,
                  hide_zero: bool = False) -> Graph:
    """The units of a Linear/activation chain with each connection labelled by its weight.

    Args:
        weights: 'symbols' (w2_11: layer 2, to unit 1 from unit 1), 'values' (the numbers) or
            'none'.
        bias: draw each bias as an edge from a constant-1 node.
        hide_zero: leave out connections whose weight is exactly 0 (a sparse hand-made network).
    """
    if weights not in ("symbols", "values", "none"):
        raise ValueError(f"weights must be 'symbols', 'values' or 'none', got {weights!r}")
    chain = layers(model)
    g = Graph()
    d = chain[0].linear.in_features
    prev = []
    for i in range(d):
        g.nodes.append(Node(f"x{i + 1}", f"x{str(i + 1).translate(_SUB)}", "input"))
        prev.append(f"x{i + 1}")
    L = len(chain)
    for layer in chain:
        l = layer.index
        w = layer.weight
        b = layer.bias
        act = layer.activation
        cur = []
        for j in range(w.shape[0]):
            nid = f"l{l}u{j + 1}"
            base = f"y{str(j + 1).translate(_SUB)}" if l == L else f"h{_sup(l)}{str(j + 1).translate(_SUB)}"
            g.nodes.append(Node(nid, f"{base}\n{act}" if act != "identity" else base, "unit"))
            cur.append(nid)
            for i, src in enumerate(prev):
                v = w[j, i]
                if hide_zero and _is_zero(v):
                    continue
                g.edges.append(Edge(src, nid, _weight_label(weights, f"w{l}_{j + 1}{i + 1}", v)))
            if bias and b is not None:
                one = f"one{l}"
                if not any(n.id == one for n in g.nodes):
                    g.nodes.append(Node(one, "1", "const"))
                if not (hide_zero and _is_zero(b[j])):
                    g.edges.append(Edge(one, nid, _weight_label(weights, f"b{l}_{j + 1}", b[j])))
        prev = cur
    return g


def _is_zero(v) -> bool:
    return bool(v == 0)


def _weight_label(mode: str, symbol: str, value) -> str:
    if mode == "none":
        return ""
    if mode == "symbols":
        return symbol
    try:
        f = float(value)
        return str(int(f)) if f.is_integer() else f"{f:.4g}"
    except (TypeError, ValueError):
        return str(value)


def draw(obj, **kwargs) -> Graph:
    """``autograd_graph`` for a Tensor, ``network_graph`` for a Module, ``trace_graph`` for a
    ``glassnet.trace`` recording."""
    if isinstance(obj, Tensor):
        return autograd_graph(obj, **kwargs)
    if isinstance(obj, Module):
        return network_graph(obj, **kwargs)
    if hasattr(obj, "passes") and hasattr(obj, "node_of"):
        return trace_graph(obj, **kwargs)
    raise TypeError(f"draw takes a Tensor (its autograd graph), a Module (its units) or a trace, "
                    f"got {type(obj).__name__}")
