"""Convolutions and max-pooling in a worked solution (the graph view), in seed 004's notation.

``x ∗ w`` is the valid and ``x ∗̃ w`` the full convolution *without* kernel flipping
(a cross-correlation, as torch computes it): (x ∗ w)ₙ = Σⱼ xₙ₊ⱼ₋₁wⱼ, (x ∗̃ w)ₙ = Σⱼ xₙ₊ⱼ₋ₖwⱼ.
Backpropagation through a valid convolution is a full convolution with the flipped kernel,
h̄ = ā ∗̃ flip(w), and through a full one a valid one, h̄ = ā ∗ flip(w) (seed 004, 5.3 and 5.6).

Besides the formula, every output cell is written as the dot product of its window and the
kernel, with the numbers; every max-pooling window names its winner, where its gradient goes;
and the gradients are written entry by entry the same way.
"""
from __future__ import annotations

import numpy as np

from .notation import PRODUCT, Math, bar, call, plus
from .solution import Equation, Group, Paragraph, Term
from .windows import (CONV_OPS, MAX_POOL_OPS, VIEW_OPS, WINDOW_OPS, all_cells, dot, entry, geometry,
                      grad_of, numeric_dot)

# every cell is written out when a value has at most this many (else the first one, as an example)
MAX_CELLS = 16

CONV = Math(r"\ast", "∗")
FULL = Math(r"\mathbin{\tilde{\ast}}", "∗̃")


def _kind(node) -> str | None:
    """"valid" / "full" for a 1-D, stride-1 convolution of one channel, else None (or no geometry)."""
    try:
        geo = geometry(node)
    except ValueError:
        return None
    w = node.parents[1].value
    if (len(geo.kernel) != 1 or geo.stride != (1,) or geo.dilation != (1,) or geo.groups != 1
            or w.shape[0] != 1 or w.shape[1] != 1):
        return None
    k = geo.kernel[0]
    if geo.lo == geo.hi == (0,):
        return "valid"
    if geo.lo == geo.hi == (k - 1,):
        return "full"
    return None


def _op(a: Math, sign: Math, b: Math) -> Math:
    a, b = a.wrap(PRODUCT + 1), b.wrap(PRODUCT + 1)
    return Math(a.latex + " " + sign.latex + " " + b.latex, a.text + " " + sign.text + " " + b.text, PRODUCT)


def _flip(m: Math) -> Math:
    return call(Math(r"\operatorname{flip}", "flip"), m)


def _geometry_note(node) -> str:
    try:
        geo = geometry(node)
    except ValueError:
        return ""
    parts = []
    if any(s != 1 for s in geo.stride):
        parts.append("s=" + ",".join(map(str, geo.stride)))
    if geo.lo != geo.hi or any(geo.lo):
        parts.append("p=" + ",".join(map(str, geo.lo)) + ("" if geo.lo == geo.hi else "/" + ",".join(map(str, geo.hi))))
    if any(d != 1 for d in geo.dilation):
        parts.append("d=" + ",".join(map(str, geo.dilation)))
    if geo.groups != 1:
        parts.append(f"g={geo.groups}")
    return ", ".join(parts)


def forward_formula(node, P: list) -> Math | None:
    """The formula of a convolution or max-pooling from its operands' expressions ``P``."""
    if node.op in CONV_OPS:
        kind = _kind(node)
        if kind == "full":
            out = _op(P[0], FULL, P[1])
        else:
            note = _geometry_note(node)
            sign = CONV if not note else Math(r"\ast_{" + note.replace(", ", r",\,") + "}", "∗[" + note + "]")
            out = _op(P[0], sign, P[1])
        return plus(out, P[2]) if len(P) > 2 else out
    if node.op in MAX_POOL_OPS:
        try:
            k = ",".join(map(str, geometry(node).kernel))
        except ValueError:
            k = ""
        return call(Math(r"\operatorname{maxpool}_{" + k + "}", "maxpool" + (f"[{k}]" if k else "")), P[0])
    return None


def vjp_formula(node, i: int, U: Math, P: list) -> Math | None:
    """What a convolution or max-pooling sends back to operand ``i`` given the adjoint ``U``."""
    if node.op in MAX_POOL_OPS:
        return call(Math(r"\operatorname{unpool}", "unpool"), U)
    if node.op not in CONV_OPS:
        return None
    if i == 2:                                         # the bias: each channel sums its cells
        return Math(r"\sum ", "Σ ") + U.wrap(PRODUCT)
    kind = _kind(node)
    if kind == "valid":       # seed 004 5.3: ∇h L = ∇a L ∗̃ flip(w);  ∇w L = h ∗ ∇a L
        return _op(U, FULL, _flip(P[1])) if i == 0 else _op(P[0], CONV, U)
    if kind == "full":        # seed 004 5.6: ∇h L = ∇a L ∗ flip(w);  ∇w L = flip(∇a L ∗ h)
        return _op(U, CONV, _flip(P[1])) if i == 0 else _flip(_op(U, CONV, P[0]))
    return None


# ---------------------------------------------------------------------- entry by entry

def window_source(n, names):
    """The convolution or pooling node whose values the visible value ``n`` shows (``n`` itself,
    or through reshapes written inline), else None."""
    m = n
    while m.is_node and m.op in VIEW_OPS and (m is n or not names.visible(m)):
        m = m.parents[0]
    if m.is_node and m.op in WINDOW_OPS and (m is n or not names.visible(m)):
        return m
    return None


def _visible(obj, names):
    """An operand of an op, followed down through inline reshapes to the value the solution names."""
    while obj.is_node and obj.op in VIEW_OPS and not names.visible(obj):
        obj = obj.parents[0]
    return obj


def _index(vis, shape: tuple, index: tuple) -> tuple:
    """``index`` into an array of ``shape`` as the 1-based index of the same entry of ``vis``
    (reshapes keep the flat order), leaving out axes of length 1."""
    vshape = vis.value.shape
    flat = int(np.ravel_multi_index(index, shape)) if shape else 0
    full = np.unravel_index(flat, vshape) if vshape else ()
    return tuple(int(i) + 1 for i, n in zip(full, vshape) if n > 1)


def _pick(cells: list) -> tuple[list, bool]:
    return (cells, True) if len(cells) <= MAX_CELLS else (cells[:1], False)


def forward_rows(n, names, p, fmt) -> list:
    """Each cell of a convolution (a dot product) or max-pooling (a maximum), after ``n``'s equation."""
    src = window_source(n, names)
    if src is None:
        return []
    try:
        cells = all_cells(src, p)
    except ValueError:                       # no geometry known: the formula alone
        return []
    ysym = names.expr(n)
    xv = _visible(src.parents[0], names)
    xsym, xshape = names.expr(xv), src.parents[0].value.shape
    shown, every = _pick(cells)
    rows = []
    if src.op in CONV_OPS:
        wv = _visible(src.parents[1], names)
        wsym, wshape = names.expr(wv), src.parents[1].value.shape
        bv = _visible(src.parents[2], names) if len(src.parents) > 2 else None
        for c in shown:
            pairs = [(entry(xsym, _index(xv, xshape, q.x_index)), entry(wsym, _index(wv, wshape, q.w_index)))
                     for q in c.products]
            form, numbers = dot(pairs), numeric_dot(fmt, [(q.x, q.w) for q in c.products])
            if bv is not None:
                bsym = entry(names.expr(bv), _index(bv, src.parents[2].value.shape, c.bias_index))
                form, numbers = plus(bsym, form), plus(fmt.number(c.bias), numbers)
            rows.append(Equation(entry(ysym, _index(n, src.value.shape, c.index)), [form],
                                 [Term("", numbers)], np.asarray(c.value)))
        kind = _kind(src)
        if kind is not None:                 # seed 004 5.1 / 5.4: how many entries
            d, k, m = src.parents[0].value.shape[-1], src.parents[1].value.shape[-1], src.value.shape[-1]
            size = f"{d} − {k} + 1 = {m}" if kind == "valid" else f"{d} + {k} − 1 = {m}"
            lead = [f"A {kind} convolution of {d} entries by a kernel of {k} has {size} entries; each is "
                    f"the dot product of a window of ", xsym, " with the kernel ", wsym]
        else:
            lead = ["Each entry is the dot product of a window of ", xsym, " with the kernel ", wsym]
        if _padded(src):
            lead += [" (entries outside ", xsym, " count as 0)"]
        lead.append(":" if every else "; the first of them:")
        return [Paragraph(lead), Group(rows, stacked=True)]
    for c in shown:
        args = [entry(xsym, _index(xv, xshape, xi)) for xi, _ in c.window]
        form = call(Math(r"\max", "max"), *args)
        numbers = call(Math(r"\max", "max"), *[fmt.number(v) for _, v in c.window])
        rows.append(Equation(entry(ysym, _index(n, src.value.shape, c.index)), [form], [Term("", numbers)],
                             np.asarray(c.value)))
    winners = [entry(ysym, _index(n, src.value.shape, c.index)) + Math(r" \leftarrow ", " ← ")
               + entry(xsym, _index(xv, xshape, c.winner)) for c in shown]
    chunks = ["Each entry is the largest of its window" + (":" if every else "; the first of them:")]
    return [Paragraph(chunks), Group(rows, stacked=True),
            Paragraph(["The winners, where each window's gradient will go: "] + _listing(winners) + ["."])]


def _padded(node) -> bool:
    try:
        geo = geometry(node)
    except ValueError:
        return False
    return any(geo.lo) or any(geo.hi)


def _listing(items: list) -> list:
    out = []
    for k, m in enumerate(items):
        if k:
            out.append(", ")
        out.append(m)
    return out


def backward_rows(obj, names, p, fmt, lhs_base: Math) -> list:
    """The adjoint of ``obj`` entry by entry when its one user is a convolution or max-pooling:
    h̄ₙ = Σ ā_i w_j over the cells whose window met hₙ (the transposed convolution, written out),
    w̄ⱼ = Σ ā_i h_… for a kernel, and for max-pooling the window gradients at their winners."""
    users = names.used_by.get(id(obj), [])
    if len(users) != 1:
        return []
    user = users[0]
    while user.op in VIEW_OPS and not names.visible(user) and len(names.used_by.get(id(user), [])) == 1:
        user = names.used_by[id(user)][0]
    if user.op not in WINDOW_OPS:
        return []
    slot = next((i for i, q in enumerate(user.parents) if _visible(q, names) is obj), None)
    if slot is None or slot == 2:
        return []
    try:
        cells = all_cells(user, p)
    except ValueError:
        return []
    g_out = grad_of(user, p)
    total = grad_of(obj, p)
    if g_out is None or total is None:
        return []
    out_vis = _out_visible(user, names)
    usym = bar(names.expr(out_vis))
    oshape = user.value.shape
    operand = user.parents[slot]
    shape = operand.value.shape
    terms: dict = {}
    if user.op in CONV_OPS:
        xv = _visible(user.parents[0], names)
        wv = _visible(user.parents[1], names)
        for c in cells:
            u = (entry(usym, _index(out_vis, oshape, c.index)), g_out[c.index])
            for q in c.products:
                if slot == 0:
                    terms.setdefault(q.x_index, []).append((u, (entry(names.expr(wv), _index(wv, user.parents[1].value.shape, q.w_index)), q.w)))
                else:
                    terms.setdefault(q.w_index, []).append((u, (entry(names.expr(xv), _index(xv, user.parents[0].value.shape, q.x_index)), q.x)))
    else:
        for c in cells:
            u = (entry(usym, _index(out_vis, oshape, c.index)), g_out[c.index])
            terms.setdefault(c.winner, []).append((u, None))
    flat_total = np.asarray(total).reshape(-1)
    rows = []
    for idx in np.ndindex(*shape):
        if idx not in terms:
            continue
        t = terms[idx]
        if user.op in CONV_OPS:
            pairs = [(a[0], b[0]) for a, b in t]
            form, numbers = dot(pairs), numeric_dot(fmt, [(a[1], b[1]) for a, b in t])
        else:
            form = _sum([a[0] for a, _ in t])
            numbers = _sum([fmt.number(a[1]) for a, _ in t])
        value = flat_total[int(np.ravel_multi_index(idx, shape)) if shape else 0]
        plain = len(t) == 1 and user.op not in CONV_OPS       # h̄ₙ = m̄ⱼ = value: nothing to add up
        rows.append(Equation(entry(lhs_base, _index(obj, shape, idx)), [form],
                             None if plain else [Term("", numbers)], np.asarray(value)))
    shown, every = _pick(rows)
    if user.op in CONV_OPS:
        what = "the outputs whose window met it" if slot == 0 else "the outputs, each times the input it met"
        lead = ["Entry by entry: each entry of ", lhs_base, f" collects the gradients of {what}",
                " times the kernel entry between them" if slot == 0 else "",
                ":" if every else "; the first of them:"]
    else:
        lead = ["Entry by entry: each window's gradient goes to its winner; every other entry of ", lhs_base,
                " is 0" + (":" if every else "; the first of them:")]
    return [Paragraph(lead), Group(shown, stacked=True)]


def _out_visible(node, names):
    """The visible value that shows a window op's output (itself, or a reshape of it)."""
    m = node
    while not names.visible(m):
        users = names.used_by.get(id(m), [])
        if len(users) != 1 or users[0].op not in VIEW_OPS:
            break
        m = users[0]
    return m


def _sum(items: list) -> Math:
    out = items[0]
    for m in items[1:]:
        out = plus(out, m)
    return out


__all__ = ["forward_formula", "vjp_formula", "forward_rows", "backward_rows", "window_source"]
