"""Jacobians and Hessians in a worked solution: what the matrix holds, the formula of the case
(softmax: Jᵢⱼ = aᵢ(δᵢⱼ − aⱼ), J = Diag(a) − aaᵀ; cross-entropy in its logits: H = Diag(a) − aaᵀ;
logistic regression in its parameters: H = Σₙ aₙ(1 − aₙ) x̃ₙx̃ₙᵀ; a chain of layers:
J = D⁽ᴸ⁾W⁽ᴸ⁾ ⋯ D⁽¹⁾W⁽¹⁾), then the matrix the engine computed (``glassnet.trace.second_order``).

The formulas are recognised from the recorded graph — the op that made the value and the
value it was differentiated with respect to — and where a formula is written with numbers
(Diag(a) − aaᵀ with the a of the forward pass) they are values the solution already shows.
A Newton step's update (θ ← θ − η H⁻¹ ∂L/∂θ) is written here too.

Exact entries are shown as the engine left them (the softmax's (1 − a₁)a₁ stays visible),
unless SymPy's ``simplify`` at least halves the matrix's size — a second derivative through a
sigmoid comes out of the double backward pass as 44 operations where 1/8 + 2e/(1 + e)² will do;
then every entry is shown simplified (the same exact numbers).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..nn.activation import ACTIVATIONS
from .notation import (PRODUCT, Math, fill, join, layer_symbol, minus, name_math, partial, subscript, times,
                       transpose)
from .solution import Equation, Paragraph, Section, Term, column

_ACTS = {act.op: act for act in ACTIVATIONS.values() if act.op is not None}
_LIST_AT_MOST = 40              # entries listed by name; a longer θ is described by its parts

J_SYM = Math("J")
H_SYM = Math("H")
THETA = Math(r"\theta", "θ")
ONE_VEC = Math(r"\mathbf{1}", "𝟏")


# ---------------------------------------------------------------------- naming values

class Symbols:
    """How a view names recorded values (``lookup``: Node/Leaf → Math or None).

    ``transposed``: ids of weights shown transposed (rows notation), so that entry (o, i) of
    the (out, in) array is written W_{io}; ``batched``: ids of batch-first values shown with
    samples as columns, so that entry (n, f) is written v_f (one sample) or v_{fn}.
    """

    def __init__(self, lookup, transposed=(), batched=()) -> None:
        self.lookup = lookup
        self.transposed = set(transposed)
        self.batched = set(batched)

    def __call__(self, obj) -> Math | None:
        return None if obj is None else self.lookup(obj)

    def entries(self, obj, sym: Math, shape: tuple) -> list:
        """The symbol of every entry of ``obj`` (flat, in the array's own row-major order)."""
        if int(np.prod(shape, dtype=np.int64)) == 1:
            return [sym]                     # one number: the symbol itself (W⁽¹⁾, not W⁽¹⁾₁₁)
        out = []
        for idx in np.ndindex(*shape) if shape else [()]:
            if not idx:
                out.append(sym)
                continue
            if id(obj) in self.transposed and len(idx) == 2:
                idx = (idx[1], idx[0])
            elif id(obj) in self.batched and len(idx) == 2:
                idx = (idx[1],) if shape[0] == 1 else (idx[1], idx[0])
            out.append(entry(sym, [i + 1 for i in idx]))
        return out


def entry(sym: Math, idx) -> Math:
    """One entry of a symbol: a → a_i, W⁽¹⁾ → W⁽¹⁾₁₂, W₀⁽¹⁾ → W⁽¹⁾₀,₁ (an existing index is kept)."""
    idx = [str(i) for i in idx] if not isinstance(idx, str) else [idx]
    sep = "" if all(len(i) == 1 for i in idx) else ","
    sub = sep.join(idx)
    m = re.fullmatch(r"(.+?)_\{([^{}]*)\}((?:\^\{.*\})?)", sym.latex)
    if m:
        latex = m.group(1) + "_{" + m.group(2) + "," + sub + "}" + m.group(3)
    else:
        latex = sym.latex + "_{" + sub + "}"
    return Math(latex, sym.text + subscript(sub))


def diag(m: Math) -> Math:
    return Math(r"\operatorname{Diag}\left(" + m.latex + r"\right)", "Diag(" + m.text + ")")


def outer(m: Math) -> Math:
    return times(m, transpose(m))


def second_partial(f: Math, x: Math) -> Math:
    """∂²f/∂x∂xᵀ."""
    xt = transpose(x)
    return Math(r"\frac{\partial^2 " + f.latex + r"}{\partial " + x.latex + r"\, \partial " + xt.latex + "}",
                "∂²" + f.text + "/∂" + x.text + "∂" + xt.text)


def _second_entry(f: Math, x: Math) -> Math:
    xi, xj = entry(x, "i"), entry(x, "j")
    return Math(r"\frac{\partial^2 " + f.latex + r"}{\partial " + xi.latex + r"\, \partial " + xj.latex + "}",
                "∂²" + f.text + "/∂" + xi.text + "∂" + xj.text)


def _softmax_entry(a: Math) -> Math:
    """aᵢ(δᵢⱼ − aⱼ)."""
    aj = entry(a, "j")
    return times(entry(a, "i"), Math(r"\left(\delta_{ij} - " + aj.latex + r"\right)", "(δᵢⱼ − " + aj.text + ")"))


def readable(matrix: np.ndarray) -> np.ndarray:
    """An exact matrix simplified when that at least halves its size (see the module docstring)."""
    if matrix.dtype != object or matrix.size == 0:
        return matrix
    import sympy as sp
    flat = [sp.sympify(v) for v in matrix.reshape(-1)]
    before = sum(sp.count_ops(v) for v in flat)
    if before < 2 * matrix.size:          # already short: a rational or e-power per entry
        return matrix
    simple = [sp.simplify(v) for v in flat]
    if 2 * sum(sp.count_ops(v) for v in simple) > before:
        return matrix
    out = np.empty(matrix.shape, dtype=object)
    for i, v in enumerate(simple):
        out.reshape(-1)[i] = v
    return out


def _diag_matrix(values) -> np.ndarray:
    """A vector's values on a diagonal (display only: the entries are the vector's own)."""
    v = np.asarray(values).reshape(-1)
    if v.dtype != object:
        return np.diag(v)
    out = np.empty((v.size, v.size), dtype=object)
    out[...] = 0
    for i, x in enumerate(v):
        out[i, i] = x
    return out


# ---------------------------------------------------------------------- the context of a view

@dataclass
class DerivativeContext:
    """What the view that owns the pass knows: names, and for a chain its layers and loss."""

    symbols: Symbols
    loss_symbol: Math | None = None
    chain: object = None              # structure.Chain (layer view) or None (graph view)
    info: object = None               # layer_view.LossInfo or None
    notation: object = None           # notation.Notation
    probabilities: object = None      # the output softmax/sigmoid of a fused loss (display values)


@dataclass
class Form:
    """A known case: the sentence before it, the entry's formulas, the matrix's, its numbers, a remark."""

    intro: list = field(default_factory=list)
    entry: list = field(default_factory=list)
    matrix: list = field(default_factory=list)
    terms: list | None = None
    remark: list | None = None
    before: list = field(default_factory=list)    # equations shown before the matrix (p = softmax(z))


# ---------------------------------------------------------------------- sections

def derivative_sections(ctx, p, key: str, dctx: DerivativeContext) -> list:
    """One section per Jacobian or Hessian kept with pass ``p``."""
    counts: dict[str, int] = {}
    for d in p.derivatives:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    return [_section(ctx, d, key, dctx, counts[d.kind] > 1) for d in p.derivatives]


def _section(ctx, d, key: str, dctx: DerivativeContext, several: bool) -> Section:
    sym = dctx.symbols
    f = sym(d.of) if d.of is not None else (dctx.loss_symbol if d.kind == "hessian" else None)
    f = f if f is not None else Math("L" if d.kind == "hessian" else "f")
    if len(d.wrt) == 1:
        x = sym(d.wrt[0]) or Math("x")
    else:
        x = THETA
    lhs = J_SYM if d.kind == "jacobian" else H_SYM
    symbol = partial(f, x) if d.kind == "jacobian" else second_partial(f, x)
    eq_key = lhs.text + (f"[{x.text}]" if several else "")
    title = d.title or ("Jacobian " if d.kind == "jacobian" else "Hessian ") + symbol.text

    items: list = []
    form = _recognise(d, f, x, dctx)
    # the entry's definition is written here only when no equation below starts with it
    defined = [", ", entry(lhs, "ij") + Math(" = ") + (partial(entry(f, "i"), entry(x, "j")) if d.kind == "jacobian"
                                                       else _second_entry(f, x))] \
        if form is None or not form.entry else []
    if d.kind == "jacobian":
        intro = ["The Jacobian ", lhs + Math(" = ") + symbol, " holds every first derivative"] + defined + \
                [": row i holds those of ", entry(f, "i"), ", column j those with respect to ", entry(x, "j"), "."]
    else:
        intro = ["The Hessian ", lhs + Math(" = ") + symbol, " holds every second derivative"] + defined + \
                [": it is the Jacobian of the gradient ", partial(f, x), ", and symmetric."]
    items.append(Paragraph(intro))
    listing = _listing(d, x, sym)
    if listing is not None:
        items.append(Paragraph(listing))

    if form is None:
        items.append(Paragraph(["Computed by the engine (glassnet.autograd.functional): one backward pass per "
                                + ("row." if d.kind == "jacobian" else "row of H, through the gradient's own graph.")]))
        items.append(Equation(lhs, [symbol], None, readable(d.matrix), key=eq_key))
    else:
        if form.intro:
            items.append(Paragraph(form.intro))
        if form.entry:
            first = partial(entry(f, "i"), entry(x, "j")) if d.kind == "jacobian" else _second_entry(f, x)
            items.append(Equation(entry(lhs, "ij"), [first] + form.entry))
        items.extend(form.before)
        items.append(Equation(lhs, [symbol] + form.matrix, form.terms, readable(d.matrix), key=eq_key))
        if form.remark:
            items.append(Paragraph(form.remark))
    return Section(title, 3, items, key)


def _listing(d, x: Math, sym: Symbols):
    """"θ = (W⁽¹⁾₁₁, W⁽¹⁾₁₂, b⁽¹⁾₁)": the order of H's rows when it is not plain."""
    plain = len(d.wrt) == 1 and (len(d.shapes[0]) <= 1 or _one_sample(d.wrt[0], d.shapes[0], sym))
    if plain:
        return None
    names = []
    parts = []
    for w, shape in zip(d.wrt, d.shapes):
        s = sym(w) or Math("x")
        names += sym.entries(w, s, shape)
        parts.append(s)
    if len(names) <= _LIST_AT_MOST:
        chunk = x + Math(r" = \left(", " = (") + join(names, Math(", ", ", ")) + Math(r"\right)", ")")
        return [chunk, ", in this order for the rows and columns."]
    return [x + Math(r" = \left(", " = (") + join(parts, Math(", ", ", ")) + Math(r"\right)", ")"),
            f" flattened ({sum(int(np.prod(s, dtype=np.int64)) for s in d.shapes)} entries, in the order of "
            f"glassnet's arrays: a weight output by output)."]


def _one_sample(obj, shape, sym: Symbols) -> bool:
    return id(obj) in sym.batched and len(shape) == 2 and shape[0] == 1


def standalone_sections(ctx, p, key: str) -> list:
    """A pass that holds only derivatives (nothing of it was recorded): named by the tensors' names."""
    def lookup(obj):
        return name_math(obj.name) if obj is not None and obj.name else None
    top = Section(p.title or "Derivatives", 2, [], key)
    return [top] + derivative_sections(ctx, p, key, DerivativeContext(Symbols(lookup)))


# ---------------------------------------------------------------------- the known cases

def _recognise(d, f: Math, x: Math, dctx: DerivativeContext) -> Form | None:
    if len(d.wrt) == 1 and d.wrt[0] is not None:
        w = d.wrt[0]
        of = d.of if d.of is not None else (dctx.chain.loss if dctx.chain is not None else None)
        if d.kind == "jacobian" and of is not None and of.is_node and of.parents and of.parents[0] is w:
            if of.op == "softmax" and _vector_like(of.value):
                return _softmax_jacobian(of, f, x)
            if of.op in _ACTS and of.op != "softmax":
                return _activation_jacobian(of.op, f, x)
        if d.kind == "hessian" and of is not None and of.is_node:
            form = _loss_hessian_in_its_input(d, of, w, f, x, dctx)
            if form is not None:
                return form
        if d.kind == "jacobian" and dctx.chain is not None and of is not None:
            form = _chain_jacobian(d, of, w, f, x, dctx)
            if form is not None:
                return form
    if d.kind == "hessian" and dctx.chain is not None:
        return _glm_hessian(d, f, dctx)
    return None


def _vector_like(v) -> bool:
    v = np.asarray(v)
    return v.ndim == 1 or (v.ndim == 2 and v.shape[0] == 1)


def _softmax_jacobian(node, a: Math, z: Math) -> Form:
    zi, zj, ai = entry(z, "i"), entry(z, "j"), entry(a, "i")
    k = Math(r"\sum_k e^{" + entry(z, "k").latex + "}", "Σₖ e^" + entry(z, "k").text)
    quotient = Math(r"\frac{\delta_{ij} e^{" + zi.latex + r"} " + k.latex + r" - e^{" + zi.latex + r"} e^{"
                    + zj.latex + r"}}{\left(" + k.latex + r"\right)^2}",
                    "(δᵢⱼ e^" + zi.text + " " + k.text + " − e^" + zi.text + " e^" + zj.text + ")/(" + k.text + ")²",
                    PRODUCT)
    vals = np.asarray(node.value).reshape(-1)
    intro = ["Differentiating ", ai + Math(" = ") + Math(r"e^{" + zi.latex + r"} / " + k.latex, "e^" + zi.text + "/" + k.text),
             " by the quotient rule, where ", Math(r"\delta_{ij}", "δᵢⱼ"), " is 1 when i = j and 0 otherwise:"]
    remark = ["Every row and every column of J sums to 0: ", Math(r"J \mathbf{1} = 0", "J𝟏 = 0"),
              ", because adding the same c to every ", entry(z, "j"), " leaves softmax unchanged, ",
              Math(r"\operatorname{softmax}(" + z.latex + r" + c\mathbf{1}) = \operatorname{softmax}(" + z.latex + ")",
                   "softmax(" + z.text + " + c𝟏) = softmax(" + z.text + ")"),
              "; and J is symmetric."]
    return Form(intro, [quotient, _softmax_entry(a)], [minus(diag(a), outer(a))],
                [Term("", _diag_matrix(vals)), Term("-", column(vals)), Term("", column(vals), transpose=True)],
                remark)


def _activation_jacobian(op: str, a: Math, z: Math) -> Form:
    act = _ACTS[op]
    latex, text = act.symbol
    zi = entry(z, "i")
    short = Math(latex + r"'\left(" + zi.latex + r"\right)", text + "′(" + zi.text + ")")
    matrix = [diag(Math(latex + r"'\left(" + z.latex + r"\right)", text + "′(" + z.text + ")"))]
    if act.prime is not None and "{a}" in act.prime[1]:
        matrix.append(diag(fill(act.prime, z, a)))
    delta = Math(r"\delta_{ij}", "δᵢⱼ")
    return Form([f"The {act.name} acts on each entry alone, so only the diagonal is nonzero:"],
                [times(delta, short)], matrix)


def _loss_hessian_in_its_input(d, loss, w, L: Math, z: Math, dctx: DerivativeContext) -> Form | None:
    """H of a loss in the value it was computed from: cross-entropy in its logits, a sigmoid's
    binary cross-entropy in its logit, squared error in its output."""
    parent = loss.parents[0] if loss.parents else None
    n, scale = _scale(loss, dctx)
    if loss.op == "cross_entropy" and parent is w:
        probs = _probabilities(loss, w, dctx)
        if probs is None:
            return None
        a = dctx.notation.a(dctx.chain.layers[-1].number) if dctx.chain is not None else Math("p")
        samples = probs.shape[0] if probs.ndim == 2 else 1
        intro = ["Its gradient is ", partial(L, z) + Math(" = ") + _scaled(scale, minus(a, Math("y"))),
                 " (", a + Math(" = ") + Math(r"\operatorname{softmax}(" + z.latex + ")", "softmax(" + z.text + ")"),
                 "); differentiating once more gives the softmax's Jacobian"
                 + (", one block per sample:" if samples > 1 else ":")]
        before = []
        if dctx.chain is None:
            before.append(Equation(a, [Math(r"\operatorname{softmax}(" + z.latex + ")", "softmax(" + z.text + ")")],
                                   None, column(probs.reshape(-1)), key=None))
        if samples > 1:
            block = _scaled(scale, minus(diag(entry(a, "n")), outer(entry(a, "n"))))
            return Form(intro, [], [Math(r"\operatorname{Diag}\left(H_1, \ldots, H_{" + str(samples) + r"}\right)",
                                         f"Diag(H₁, …, H{subscript(str(samples))})")],
                        None, ["Each block is one sample's ", Math("H_n", "Hₙ") + Math(" = ") + block,
                               "; the logits of different samples do not interact."], before)
        vals = probs.reshape(-1)
        terms = [Term("", _diag_matrix(vals)), Term("-", column(vals)), Term("", column(vals), transpose=True)]
        if scale is not None:
            terms = None
        return Form(intro, [_scaled(scale, _softmax_entry(a))], [_scaled(scale, minus(diag(a), outer(a)))],
                    terms, ["H does not depend on the target y, and every row sums to 0 (softmax's shift invariance)."],
                    before)
    if dctx.chain is None:
        return None
    last = dctx.chain.layers[-1]
    sigmoid_logit = (loss.op == "binary_cross_entropy" and parent is last.activation and last.activation is not None
                     and last.activation.op == "sigmoid" and w is last.linear) or \
                    (loss.op == "binary_cross_entropy_with_logits" and parent is w and w is last.linear)
    if sigmoid_logit:
        a = dctx.notation.a(last.number)
        return Form(["Its gradient is ", partial(L, z) + Math(" = ") + _scaled(scale, minus(a, Math("y"))),
                     "; each ", a + Math(r" = \sigma(" + z.latex + ")", " = σ(" + z.text + ")"),
                     " depends on its own logit only, so H is diagonal:"],
                    [_scaled(scale, times(Math(r"\delta_{ij}", "δᵢⱼ"),
                                          Math(entry(a, "i").latex + r"\left(1 - " + entry(a, "i").latex + r"\right)",
                                               entry(a, "i").text + "(1 − " + entry(a, "i").text + ")", PRODUCT)))],
                    [_scaled(scale, diag(Math(a.latex + r" \circ \left(1 - " + a.latex + r"\right)",
                                              a.text + " ∘ (1 − " + a.text + ")")))])
    if loss.op == "squared_error" and parent is w:
        ident = Math("I")
        return Form(["The gradient of ½Σ(a − y)² is a − y, whose Jacobian is the identity:"],
                    [_scaled(scale, Math(r"\delta_{ij}", "δᵢⱼ"))], [_scaled(scale, ident)])
    return None


def _scale(loss, dctx):
    """(n, 1/n as Math) for a mean-reduced loss, (n, None) for a sum."""
    if dctx.info is not None and loss is dctx.chain.loss:
        return dctx.info.n, dctx.info.scale()
    return 1, None


def _scaled(scale, m: Math) -> Math:
    return times(scale, m.wrap(PRODUCT)) if scale is not None else m


def _probabilities(loss, w, dctx):
    """softmax of the logits, for display (as the forward pass shows a fused loss's output)."""
    if dctx.probabilities is not None:
        return np.asarray(dctx.probabilities)
    from ..ops.softmax import _softmax_array
    v = np.asarray(w.value)
    return _softmax_array(v, v.ndim - 1) if v.ndim else None


def _chain_jacobian(d, of, w, f: Math, x: Math, dctx: DerivativeContext) -> Form | None:
    """∂a⁽ᴸ⁾/∂x through a chain: J = D⁽ᴸ⁾W⁽ᴸ⁾ ⋯ D⁽¹⁾W⁽¹⁾, D⁽ˡ⁾ = ∂a⁽ˡ⁾/∂z⁽ˡ⁾."""
    chain, N = dctx.chain, dctx.notation
    last = chain.layers[-1]
    if w is not chain.input or of is not last.output:
        return None
    if np.asarray(w.value).ndim == 2 and np.asarray(w.value).shape[0] != 1:
        return None                         # several samples: block-diagonal, shown as computed
    factors = []
    ds = []
    for layer in reversed(chain.layers):
        l = layer.number
        op = layer.activation.op if layer.activation is not None else None
        if op == "softmax":
            a = N.a(l)
            factors.append(minus(diag(a), outer(a)).wrap(PRODUCT + 1))
        elif op is not None:
            D = layer_d(l)
            factors.append(D)
            act = _ACTS.get(op)
            sym = act.symbol if act is not None else ("f", "f")
            ds.append(D + Math(" = ") + diag(Math(sym[0] + r"'\left(" + N.z(l).latex + r"\right)",
                                                  sym[1] + "′(" + N.z(l).text + ")")))
        factors.append(transpose(N.W(l)) if N.rows else N.W(l))
    product = factors[0]
    for fct in factors[1:]:
        product = times(product, fct)
    intro = ["By the chain rule, from the output back: each layer's affine map contributes ",
             partial(N.z("l"), N.a("l-1")) + Math(" = ") + (transpose(N.W("l")) if N.rows else N.W("l")),
             " and its activation its own Jacobian"]
    if ds:
        intro += [" (", join(ds, Math(", ", ", ")), ")"]
    intro.append(":")
    return Form(intro, [], [product])


def layer_d(l) -> Math:
    return layer_symbol("D", l)


def _glm_hessian(d, L: Math, dctx: DerivativeContext) -> Form | None:
    """One layer with one output — logistic regression (sigmoid, binary cross-entropy) or least
    squares (identity, squared error) — in θ = (W, b): H = Σₙ aₙ(1 − aₙ) x̃ₙx̃ₙᵀ or Σₙ x̃ₙx̃ₙᵀ."""
    chain, info, N = dctx.chain, dctx.info, dctx.notation
    if chain is None or info is None or len(chain.layers) != 1:
        return None
    layer = chain.layers[0]
    params = (layer.weight,) + ((layer.bias,) if layer.bias is not None else ())
    if tuple(d.wrt) != params or layer.weight.value.shape[0] != 1:
        return None
    act = chain.output_activation
    logistic = act == "sigmoid" and info.op in ("binary_cross_entropy", "binary_cross_entropy_with_logits")
    squares = act == "identity" and info.op == "squared_error"
    if not (logistic or squares):
        return None
    scale = info.scale()
    a = entry(N.a(1), "n")
    xt = Math(r"\tilde{x}_n", "x̃ₙ") if layer.bias is not None else Math("x_n", "xₙ")
    Xt = Math(r"\tilde{X}", "X̃") if layer.bias is not None else Math("X")
    sum_n = Math(r"\sum_n ", "Σₙ ")
    weight = Math(a.latex + r"\left(1 - " + a.latex + r"\right)", a.text + "(1 − " + a.text + ")", PRODUCT)
    outer_x = times(xt, transpose(xt))
    if logistic:
        per = times(weight, outer_x)
        matrix = [_scaled(scale, (sum_n + per).with_prec(PRODUCT)),
                  _scaled(scale, times(times(transpose(Xt), diag(Math(N.a(1).latex + r" \circ \left(1 - " + N.a(1).latex + r"\right)",
                                                                       N.a(1).text + " ∘ (1 − " + N.a(1).text + ")"))), Xt))]
        grad = _scaled(scale, (sum_n + times(minus(a, Math("y_n", "yₙ")).wrap(PRODUCT + 1), xt)).with_prec(PRODUCT))
        intro = ["With ", xt + Math(" = ") + (Math(r"(x_n, 1)", "(xₙ, 1)") if layer.bias is not None else Math("x_n", "xₙ")),
                 (", sample n's input and a 1 for the bias," if layer.bias is not None else ","),
                 " the gradient is ", partial(L, THETA) + Math(" = ") + grad, "; differentiating it once more, with ",
                 partial(a, THETA) + Math(" = ") + times(weight, xt),
                 " (the sigmoid's derivative), each sample adds its outer product weighted by ",
                 weight, " from the forward pass (", Xt, " has the rows ", transpose(xt), "):"]
    else:
        matrix = [_scaled(scale, (sum_n + outer_x).with_prec(PRODUCT)), _scaled(scale, times(transpose(Xt), Xt))]
        intro = ["With ", xt + Math(" = ") + (Math(r"(x_n, 1)", "(xₙ, 1)") if layer.bias is not None else Math("x_n", "xₙ")),
                 ", the gradient is ", partial(L, THETA) + Math(" = ") +
                 _scaled(scale, (sum_n + times(minus(a, Math("y_n", "yₙ")).wrap(PRODUCT + 1), xt)).with_prec(PRODUCT)),
                 " and the output is linear in θ, so H does not depend on θ or y:"]
    return Form(intro, [], matrix)


# ---------------------------------------------------------------------- a Newton update

def newton_items(ctx, p, newton_d, entries, E: Math, by_leaf: dict) -> list:
    """θ ← θ − η Δθ with (H + λI)Δθ = ∂E/∂θ, then each parameter in its own shape."""
    from .layer_view import _lr_math
    step = newton_d.newton
    eta = Math(r"\eta", "η")
    one = _is_one(step.lr)
    damped = not _is_zero(step.damping)
    Hd = Math(r"\left(H + \lambda I\right)", "(H + λI)") if damped else H_SYM
    inv = Math(Hd.latex + "^{-1}", Hd.text + "⁻¹")
    grad = partial(E, THETA)
    delta = Math(r"\Delta\theta", "Δθ")
    rule = minus(THETA, delta if one else times(eta, delta))
    chunks = ["One Newton step moves all the parameters together: ",
              Math(r"\theta \leftarrow ", "θ ← ") + (minus(THETA, times(inv, grad)) if one
                                                    else minus(THETA, times(times(eta, inv), grad))),
              ", with the Hessian H above"]
    if not one:
        chunks += [" and ", eta + Math(" = ") + _lr_math(step.lr)]
    if damped:
        chunks += [" and damping ", Math(r"\lambda", "λ") + Math(" = ") + _lr_math(step.damping)]
    chunks += [". The step ", delta, " is the solution of ", Hd + Math(" ") + delta + Math(" = ") + grad,
               " (no inverse is formed)."]
    items: list = [Paragraph(chunks)]
    items.append(Equation(grad, value=column(step.gradient), key="dtheta"))
    items.append(Equation(delta, [times(inv, grad)], None, column(step.step), key="newton_step"))
    befores, afters = [], []
    for leaf in newton_d.wrt:
        u = by_leaf.get(leaf.index)
        before = u.before if u is not None else p.params_before.get(leaf.index, leaf.current)
        after = u.after if u is not None else before
        befores.append(np.asarray(before).reshape(-1))
        afters.append(np.asarray(after).reshape(-1))
    terms = [Term("", column(np.concatenate(befores)))]
    terms += [Term("-", column(step.step))] if one else [Term("-", _lr_math(step.lr)), Term("", column(step.step))]
    items.append(Equation(THETA, [rule], terms, column(np.concatenate(afters)), key="theta_new", assign=True))
    first = True
    for leaf, sym, k, show in entries:
        u = by_leaf.get(leaf.index)
        if u is None:
            continue
        items.append(Equation(sym, value=show(u.after), key=k, assign=True,
                              note=["The same, each parameter in its own shape:"] if first else None))
        first = False
        ctx.shown[leaf.index] = u.after
    return items


def _is_one(v) -> bool:
    try:
        return bool(v == 1)
    except TypeError:
        return False


def _is_zero(v) -> bool:
    try:
        return bool(v == 0)
    except TypeError:
        return False
