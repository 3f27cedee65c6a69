"""The worked solution of any computation graph (skip connections, sums of losses, …).

Every named value is shown with its formula and numbers in the forward pass; in the
backward pass each value's adjoint v̄ = ∂L/∂v is the sum, over the values that used
it, of what each sent back — e.g. x̄ = (W⁽¹⁾)ᵀz̄ + ȳ for y = x + W⁽²⁾h + b⁽²⁾ — with
every term's numbers as the engine computed them. Values without a name that are used
once are written inline into the formula that uses them.
"""
from __future__ import annotations

import numpy as np

from ..nn.activation import ACTIVATIONS
from . import window_view
from .derivative_view import DerivativeContext, Symbols, derivative_sections
from .layer_view import LayerContext, _grad, _update_section_generic
from .notation import (ATOM, POWER, PRODUCT, SUM, Math, bar, call, fill, frac, hadamard, layer_symbol,
                       minus, name_math, neg, partial, plus, times, transpose)
from .recorder import Pass
from .solution import Equation, Paragraph, Section, Term, column
from .structure import LOSS_OPS, consumers
from .windows import CONV_OPS, MAX_POOL_OPS, VIEW_OPS

# the activations of the registry by op, and the other functions of one argument
_ACTS = {act.op: act for act in ACTIVATIONS.values() if act.op is not None}
_FUNCS = {op: act.symbol for op, act in _ACTS.items()} | {
    "exp": (r"\exp", "exp"), "log": (r"\log", "log"), "sqrt": (r"\sqrt", "√"), "abs": (r"\operatorname{abs}", "abs"),
    "log_softmax": (r"\operatorname{log\,softmax}", "log softmax")}


def display(value: np.ndarray) -> np.ndarray:
    """Vectors as columns, everything else as it is; beyond two axes the axes of length 1 are
    dropped (a (1, 1, L) signal is a vector) and any others stacked: (C, H, W) → (C·H, W)."""
    v = np.asarray(value)
    if v.ndim > 2:
        v = v.reshape(tuple(n for n in v.shape if n != 1) or (1,))
        if v.ndim > 2:
            v = v.reshape(-1, v.shape[-1])
    if v.ndim == 1 and v.size == 1:
        return v.reshape(())
    return column(v) if v.ndim == 1 else v


class GraphNames:
    """Names of the values of one pass: the user's, else z⁽ᵏ⁾/W⁽ᵏ⁾/a⁽ᵏ⁾ by linear layer, else inline."""

    def __init__(self, p: Pass, root) -> None:
        self.p = p
        self.used_by = consumers(p.nodes)
        self.names: dict[int, Math] = {}
        self.root = root
        k = 0
        for n in p.nodes:
            if n.op == "linear" or n.op in CONV_OPS:
                k += 1
                if k == 1 and not n.parents[0].is_node and n.parents[0].kind == "constant":
                    self._set(n.parents[0], Math("x"))     # the network's input, as the chain view calls it
                if not self._shown_by_a_view(n):
                    self._set(n, layer_symbol("z", k))
                for i, base in ((1, "W"), (2, "b")):
                    if len(n.parents) > i and not (n.op in CONV_OPS and n.parents[i].is_node):
                        self._set(n.parents[i], layer_symbol(base, k))
                acts = [u for u in self.used_by.get(id(n), []) if u.op in _FUNCS and u.op != "exp"]
                if len(acts) == 1:
                    self._set(acts[0], layer_symbol("a", k))
            elif n.op in MAX_POOL_OPS and not self._shown_by_a_view(n):
                self._set(n, layer_symbol("m", k or None))
        if root is not None and id(root) not in self.names and root.name is None:
            self.names[id(root)] = Math("E") if root.op == "squared_error" else Math("L")
        leaves = [l for l in p.leaves]
        inputs = [l for l in leaves if l.kind == "input" and id(l) not in self.names and l.name is None]
        for i, leaf in enumerate(inputs, 1):
            self.names[id(leaf)] = Math("x") if len(inputs) == 1 else layer_symbol("x", None, sub=str(i))
        counter = 0
        for n in p.nodes:
            if self.visible(n) and self.name(n) is None:
                counter += 1
                self.names[id(n)] = Math("v_{" + str(counter) + "}", "v" + str(counter))

    def _shown_by_a_view(self, n) -> bool:
        """The op's value is named further on, through a reshape (a problem file's conv(x, w))."""
        users = self.used_by.get(id(n), [])
        return len(users) == 1 and users[0].op in VIEW_OPS

    def _set(self, obj, m: Math) -> None:
        if obj.name is None and id(obj) not in self.names:
            self.names[id(obj)] = m

    def name(self, obj) -> Math | None:
        if obj.name is not None:
            return name_math(obj.name)
        return self.names.get(id(obj))

    def visible(self, obj) -> bool:
        """Shown as a line of its own (named, or used more than once, or the loss)."""
        if not obj.is_node:
            return True
        if obj.name is not None or id(obj) in self.names or obj is self.root:
            return True
        return len(self.used_by.get(id(obj), [])) != 1

    def expr(self, obj) -> Math:
        """The symbol of a visible value, or the inline formula of one that is not."""
        if self.visible(obj):
            m = self.name(obj)
            if m is not None:
                return m
            if not obj.is_node:
                return _leaf_fallback(obj)
        return forward_formula(obj, [self.expr(q) for q in obj.parents])


def _leaf_fallback(leaf) -> Math:
    v = leaf.value
    if v.ndim == 0:
        from .numbers import Formatter
        return Formatter().number(v.item() if v.dtype != object else v.reshape(-1)[0])
    return Math(r"c_{" + str(leaf.index) + "}", "c" + str(leaf.index))


def _scalars(node):
    """(a, b) for an op with a Python-number operand: ``a`` the number of ``2 − x``, ``b`` that
    of ``x − 2`` (as Math; None where there is none)."""
    v = node.attrs.get("scalar")
    if v is None:
        return None, None
    from .numbers import Formatter
    m = Formatter(12).number(v)
    return (m, None) if node.attrs.get("scalar_first") else (None, m)


def forward_formula(node, P: list) -> Math:
    """The formula that made ``node`` from its parents' expressions ``P``."""
    op = node.op
    if op in window_view.WINDOW_OPS:
        f = window_view.forward_formula(node, P)
        if f is not None:
            return f
    ctx_a, ctx_b = _scalars(node)
    if op == "add":
        if len(P) == 1:
            return plus(P[0], ctx_b if ctx_b is not None else ctx_a)
        return plus(P[0], P[1])
    if op == "sub":
        if len(P) == 1:
            return minus(P[0], ctx_b) if ctx_b is not None else minus(ctx_a, P[0])
        return minus(P[0], P[1])
    if op == "neg":
        return neg(P[0])
    if op == "mul":
        if len(P) == 1:
            return times(ctx_b if ctx_b is not None else ctx_a, P[0])
        if _is_scalar_like(node, 0) or _is_scalar_like(node, 1):
            return times(P[0], P[1])
        return hadamard(P[0], P[1])
    if op == "div":
        if len(P) == 1:
            return frac(P[0], ctx_b) if ctx_b is not None else frac(ctx_a, P[0])
        return frac(P[0], P[1])
    if op == "pow":
        if ctx_a is not None:                       # 2 ** x
            base, k = ctx_a.wrap(ATOM), P[0]
        else:
            base, k = P[0].wrap(ATOM), (ctx_b if ctx_b is not None else P[1])
        return Math(base.latex + "^{" + k.latex + "}", base.text + "^" + k.wrap(ATOM).text, POWER)
    if op == "matmul":
        a = node.parents[0].value
        if a.ndim == 1:
            return times(transpose(P[0]), P[1])
        return times(P[0], P[1])
    if op == "linear":
        out = times(P[1], P[0])
        return plus(out, P[2]) if len(P) > 2 else out
    if op in _FUNCS:
        latex, text = _FUNCS[op]
        return call(Math(latex, text), P[0])
    if op == "sum":
        return Math(r"\sum ", "Σ ") + P[0].wrap(PRODUCT)
    if op == "mean":
        return call(Math(r"\operatorname{mean}", "mean"), P[0])
    if op == "squared_error":
        d = minus(P[0], P[1]) if len(P) > 1 else minus(P[0], Math("y"))
        return Math(r"\frac{1}{2} \left\lVert " + d.latex + r" \right\rVert^2", "½‖" + d.text + "‖²", PRODUCT)
    if op == "mse_loss":
        d = minus(P[0], P[1]) if len(P) > 1 else minus(P[0], Math("y"))
        return call(Math(r"\operatorname{mean}", "mean"), Math(r"\left(" + d.latex + r"\right)^2", "(" + d.text + ")²"))
    if op == "cross_entropy":
        return Math(r"-\sum y \log \operatorname{softmax}\left(" + P[0].latex + r"\right)",
                    "−Σ y log softmax(" + P[0].text + ")", SUM)
    if op == "binary_cross_entropy":
        a = P[0]
        return Math(r"-\sum \left[y \log " + a.wrap(ATOM).latex + r" + (1 - y)\log\left(1 - " + a.latex + r"\right)\right]",
                    "−Σ [y log " + a.wrap(ATOM).text + " + (1 − y) log(1 − " + a.text + ")]", SUM)
    if op in ("transpose", "permute"):
        return transpose(P[0])
    if op in ("reshape", "flatten", "squeeze", "unsqueeze", "clone", "to", "expand"):
        return P[0]
    if op == "index":
        return call(Math(r"\operatorname{index}", "index"), P[0])
    return call(Math(r"\operatorname{" + op.replace("_", r"\_") + "}", op), *P)


def _is_scalar_like(node, i) -> bool:
    return i < len(node.parents) and node.parents[i].value.ndim == 0


def vjp_formula(node, i: int, U: Math, P: list, names: GraphNames) -> Math:
    """What ``node`` sends back to its parent ``i`` given its adjoint ``U`` (a formula)."""
    op = node.op
    if op in window_view.WINDOW_OPS:
        f = window_view.vjp_formula(node, i, U, P)
        if f is not None:
            return f
    if op in ("add", "reshape", "flatten", "squeeze", "unsqueeze", "clone", "to", "expand"):
        return U
    ctx_a, ctx_b = _scalars(node)
    if op == "sub":
        if len(P) == 1:
            return U if ctx_b is not None else neg(U)
        return U if i == 0 else neg(U)
    if op == "neg":
        return neg(U)
    if op == "mul":
        if len(P) == 1:
            return times(ctx_b or ctx_a, U)
        other = P[1 - i]
        if _is_scalar_like(node, 1 - i) or U.text in ("1",):
            return times(other, U)
        return hadamard(U, other)
    if op == "div":
        if len(P) == 1:
            if ctx_b is not None:
                return frac(U, ctx_b)
            return neg(frac(times(ctx_a, U), Math(P[0].wrap(ATOM).latex + "^2", P[0].wrap(ATOM).text + "²")))
        if i == 0:
            return frac(U, P[1])
        return neg(frac(hadamard(U, P[0]), Math(P[1].wrap(ATOM).latex + "^2", P[1].wrap(ATOM).text + "²")))
    if op == "matmul":
        a, b = node.parents[0].value, node.parents[1].value
        if a.ndim == 1 and b.ndim == 1:          # aᵀb: a scalar
            return times(P[1 - i], U)
        if a.ndim == 1:                          # xᵀW
            return times(P[1], U) if i == 0 else times(P[0], transpose(U))
        if i == 0:
            return times(U, transpose(P[1]))
        return times(transpose(P[0]), U)
    if op == "linear":
        if i == 0:
            return times(transpose(P[1]), U)
        if i == 1:
            return times(U, transpose(P[0]))
        return U
    act = _ACTS.get(op)
    if act is not None and op != "softmax":          # U ∘ f′(z), f′ from the registry
        if act.prime is not None and act.prime[1] == "0":
            return Math("0")                         # step: no gradient
        form = act.prime_z or act.prime
        if form is not None and "{a}" not in form[1]:
            return hadamard(U, fill(form, P[0]))
        latex, text = act.symbol
        return hadamard(U, Math(latex + r"'\left(" + P[0].latex + r"\right)", text + "′(" + P[0].text + ")"))
    if op == "exp":
        return hadamard(U, Math(r"e^{" + P[0].latex + "}", "e^" + P[0].wrap(ATOM).text))
    if op == "log":
        return frac(U, P[0])
    if op == "softmax":
        s = names.expr(node)
        jac = Math(r"\left(\operatorname{Diag}(" + s.latex + r") - " + s.latex + " " + s.latex + r"^\top\right)",
                   "(Diag(" + s.text + ") − " + s.text + s.text + "ᵀ)")
        return times(jac, U)
    if op == "sum":
        return U
    if op == "mean":
        return frac(U, Math("n"))
    if op == "squared_error":
        d = minus(P[0], P[1]) if len(P) > 1 else minus(P[0], Math("y"))
        return times(U, d.wrap(ATOM)) if i == 0 else neg(times(U, d.wrap(ATOM)))
    if op == "cross_entropy":
        return times(U, Math(r"\left(\operatorname{softmax}(" + P[0].latex + r") - y\right)",
                             "(softmax(" + P[0].text + ") − y)"))
    if op in ("transpose", "permute"):
        return transpose(U)
    return times(transpose(partial(names.expr(node), P[i])), U)


def _root_of(p: Pass):
    """The node a backward run started from (the loss)."""
    for r in p.runs:
        started = [n for n in p.nodes if r in n.grads]
        if started:
            return max(started, key=lambda n: n.tensor._seq)
    losses = [n for n in p.nodes if n.op in LOSS_OPS]
    return losses[-1] if losses else None


def _upstream(node, names: GraphNames, p: Pass) -> Math:
    """The adjoint of ``node`` as a formula: its own bar, or (inline) what its user sends back."""
    if names.visible(node):
        return bar(names.expr(node))
    user = names.used_by[id(node)][0]
    i = next(k for k, q in enumerate(user.parents) if q is node)
    return vjp_formula(user, i, _upstream(user, names, p), [names.expr(q) for q in user.parents], names)


def _edges(obj, names: GraphNames, p: Pass) -> list:
    """(formula, numbers) for every term of obj's adjoint, in the order the values were made."""
    terms = []
    for user in names.used_by.get(id(obj), []):
        for i, q in enumerate(user.parents):
            if q is not obj:
                continue
            sent = [user.edge_grads[r][i] for r in p.runs if r in user.edge_grads and user.edge_grads[r][i] is not None]
            if not sent:
                continue
            total = sent[0]
            for s in sent[1:]:
                total = total + s
            formula = vjp_formula(user, i, _upstream(user, names, p), [names.expr(q2) for q2 in user.parents], names)
            terms.append((formula, total))
    return terms


def graph_sections(ctx: LayerContext, p: Pass, key: str, several: bool) -> list:
    root = _root_of(p)
    names = GraphNames(p, root)
    title = p.title or ("Computation" if not p.runs else "Forward and backward pass")
    top = Section(title, 2, [], key)
    out = [top]
    if not ctx.described:
        if p.derivatives and not any(q.runs for q in ctx.trace.passes):     # no loss to take adjoints of
            top.items.append(Paragraph(["Every value is computed from the ones before it."]))
        else:
            top.items.append(Paragraph(["Every value is computed from the ones before it; ",
                                        Math(r"\bar{v} = \partial L / \partial v", "v̄ = ∂L/∂v"),
                                        " is the gradient of the loss with respect to v."]))
        ctx.described = True

    # ---------------------------------------------------------------- given values
    given = []
    order = {"parameter": 0, "input": 1, "constant": 2}
    for leaf in sorted(p.leaves, key=lambda l: order[l.kind]):
        if not any(leaf is q for n in p.nodes for q in n.parents):
            continue
        sym = names.expr(leaf)
        value = p.params_before.get(leaf.index, leaf.value)
        given.append(Equation(sym, value=display(value), key=_text_key(sym), note=None))
        if leaf.kind == "parameter":
            ctx.shown[leaf.index] = value
    if given:
        out.append(Section("Given", 3, given, key))

    # ---------------------------------------------------------------- forward
    items = []
    for n in p.nodes:
        if not names.visible(n):
            continue
        if not _matters(n, p, root):
            continue
        sym = names.expr(n)
        formula = forward_formula(n, [names.expr(q) for q in n.parents])
        items.append(Equation(sym, [formula], None, display(n.value), key=_text_key(sym)))
        items += window_view.forward_rows(n, names, p, ctx.fmt)
    out.append(Section("Forward pass", 3, items, key))

    # ---------------------------------------------------------------- backward
    if p.runs and root is not None:
        items = [Paragraph(["From the loss back, each adjoint adds up what every value that used it sends back "
                            "(the chain rule along each path):"])]
        rsym = names.expr(root)
        items.append(Equation(bar(rsym), [partial(rsym, rsym)], None, display(_grad(root, p)), key=_text_key(bar(rsym))))
        for n in reversed(p.nodes):
            if n is root or not names.visible(n) or _grad(n, p) is None:
                continue
            items.append(_adjoint_equation(n, names, p, bar(names.expr(n))))
            items += window_view.backward_rows(n, names, p, ctx.fmt, bar(names.expr(n)))
        inputs = [l for l in p.leaves if l.kind == "input" and _grad(l, p) is not None]
        for leaf in inputs:
            items.append(_adjoint_equation(leaf, names, p, bar(names.expr(leaf)), note=["The gradient with respect to the input:"]))
            items += window_view.backward_rows(leaf, names, p, ctx.fmt, bar(names.expr(leaf)))
        out.append(Section("Backward pass", 3, items, key))
        params = [l for l in p.leaves if l.kind == "parameter" and _grad(l, p) is not None]
        if params:
            items = []
            L = rsym
            for leaf in params:
                items.append(_adjoint_equation(leaf, names, p, partial(L, names.expr(leaf))))
                items += window_view.backward_rows(leaf, names, p, ctx.fmt, bar(names.expr(leaf)))
            out.append(Section("Parameter gradients", 3, items, key))
    if p.derivatives:
        symbols = Symbols(lambda obj: names.expr(obj) if _in_pass(obj, p) else (name_math(obj.name) if obj.name else None))
        out.extend(derivative_sections(ctx, p, key, DerivativeContext(
            symbols, names.expr(root) if root is not None else Math("L"))))
    if p.updates:
        out.append(_update_section_generic(ctx, p, names, root, key))
    return out


def _in_pass(obj, p: Pass) -> bool:
    return any(obj is n for n in p.nodes) or any(obj is l for l in p.leaves) \
        or any(obj is q for n in p.nodes for q in n.parents)


def _matters(n, p: Pass, root) -> bool:
    return True


def _adjoint_equation(obj, names: GraphNames, p: Pass, lhs: Math, note=None) -> Equation:
    terms = _edges(obj, names, p)
    total = _grad(obj, p)
    forms = []
    numbers = None
    if terms:
        f = terms[0][0]
        for t in terms[1:]:
            f = plus(f, t[0])
        forms.append(f)
        if len(terms) > 1:
            numbers = [Term("" if k == 0 else "+", display(t[1])) for k, t in enumerate(terms)]
    return Equation(lhs, forms, numbers, display(total) if total is not None else None,
                    key=_text_key(lhs), note=note)


def _text_key(m: Math) -> str:
    return m.text
