"""The worked solution of a chain of layers, as the course documents write it:
parameters, forward pass (z and a per layer), loss, backward pass (δ per layer with
the formula used), gradients, update, and the predicted class."""
from __future__ import annotations

import numpy as np

from .. import _backend
from ..nn.activation import ACTIVATIONS
from .notation import (ATOM, PRODUCT, Math, Notation, call, fill, frac, hadamard, superscript, minus,
                       partial, times)
from .recorder import Pass, Trace
from .solution import Equation, Group, Paragraph, Section, Term, column, columns, sample_count
from .structure import LOGIT_LOSSES, Chain
from .derivative_view import DerivativeContext, Symbols, derivative_sections, newton_items

Y = Math("y", "y")
ONE = Math("1", "1")


class LayerContext:
    """What the builders share across the passes of one trace."""

    def __init__(self, trace: Trace, notation: Notation, per_sample: bool) -> None:
        self.trace = trace
        self.N = notation
        self.per_sample = per_sample
        self.shown: dict[int, np.ndarray] = {}     # leaf index → the values last displayed
        self.described = False
        self.explained_forward = False
        from .numbers import Formatter
        self.fmt = Formatter()                     # build_solution sets the solution's own

    def update_rule(self, upd):
        """("sgd", η) when θ_new = θ − η ∇ (read off the optimizer or the numbers), else (name, None)."""
        opt = self.trace.optimizer
        if opt is not None:
            for group in opt.param_groups:
                if any(q is upd.leaf.tensor for q in group["params"]):
                    if type(opt).__name__ == "Newton":
                        return ("newton", group["lr"])
                    plain = (type(opt).__name__ == "SGD" and not group.get("momentum")
                             and not group.get("weight_decay") and not group.get("maximize"))
                    return ("sgd", group["lr"]) if plain else (type(opt).__name__, None)
        return _infer_sgd(upd)


def _infer_sgd(upd):
    g, before, after = upd.grad, upd.before, upd.after
    if g is None or g.shape != before.shape:
        return ("changed", None)
    if g.dtype == object:
        etas = {(b - a) / gi for b, a, gi in zip(before.reshape(-1), after.reshape(-1), g.reshape(-1))
                if gi != 0}
        etas = {e.simplify() if hasattr(e, "simplify") else e for e in etas}
        return ("sgd", etas.pop()) if len(etas) == 1 else ("changed", None)
    g = g.astype(np.float64)
    gg = float((g * g).sum())
    if gg == 0:
        return ("changed", None)
    eta = float(((before - after) * g).sum()) / gg
    eta = float(f"{eta:.10g}")
    scale = max(float(np.abs(before).max(initial=0)), float(np.abs(after).max(initial=0)), 1e-300)
    if np.allclose(after, before - eta * g, rtol=1e-9, atol=1e-12 * scale):
        return ("sgd", int(eta) if eta == int(eta) else eta)
    return ("changed", None)


# ---------------------------------------------------------------------- activations

def act_forward(name: str, z: Math) -> Math:
    """f(z) for an activation of the registry (``glassnet.nn.activation.ACTIVATIONS``)."""
    act = ACTIVATIONS.get(name)
    if act is None or act.op is None:
        return z
    if act.forward is not None:
        return fill(act.forward, z)
    return call(Math(*act.symbol), z)


def act_name(name: str) -> str:
    act = ACTIVATIONS.get(name)
    return act.name if act is not None else name


def act_prime(name: str, l, N: Notation) -> tuple[Math, Math | None]:
    """(f′(z⁽ˡ⁾) as a symbol, the same in terms of a⁽ˡ⁾ or z⁽ˡ⁾) for an elementwise activation."""
    z, a = N.z(l), N.a(l)
    act = ACTIVATIONS.get(name)
    if act is None:
        return Math(r"f'\left(" + z.latex + r"\right)", "f′(" + z.text + ")"), None
    if act.op is None:                                   # identity
        return ONE, None
    latex, text = act.symbol
    short = Math(latex + r"'\left(" + z.latex + r"\right)", text + "′(" + z.text + ")")
    return short, (fill(act.prime, z, a) if act.prime is not None else None)


# ---------------------------------------------------------------------- losses

def _loss_symbol(op: str) -> Math:
    return Math("E") if op in ("squared_error",) else Math("L")


class LossInfo:
    """The loss node read for display: symbol, formula, reduction, target and δ⁽ᴸ⁾ formula."""

    def __init__(self, chain: Chain, N: Notation) -> None:
        loss = chain.loss
        self.node = loss
        self.op = loss.op
        self.symbol = _loss_symbol(loss.op)
        default = "sum" if loss.op == "squared_error" else "mean"
        self.reduction = loss.attrs.get("reduction", default)
        L = chain.layers[-1].number
        self.L = L
        inp = loss.parents[0].value
        self.outputs = inp.shape[-1] if inp.ndim else 1
        self.samples = sample_count(inp)
        if self.op in ("cross_entropy", "nll_loss"):
            self.n = self.samples
        else:
            self.n = int(inp.size)
        self.target = self._target(loss, inp)
        self.N = N

    @staticmethod
    def _target(loss, inp):
        t = loss.attrs.get("target")
        if t is None and len(loss.parents) > 1:
            t = loss.parents[1].value
        if t is None:
            return None
        t = np.asarray(t)
        if loss.op in ("cross_entropy", "nll_loss") and t.dtype.kind in "iu":
            classes = inp.shape[-1]
            onehot = np.zeros(t.shape + (classes,), dtype=inp.dtype if inp.dtype != object else object)
            if inp.dtype == object:
                onehot[...] = 0
            for idx in np.ndindex(t.shape):
                onehot[idx + (int(t[idx]),)] = 1
            return onehot
        return t

    def scale(self) -> Math | None:
        """1/n for a mean-reduced loss (None for a sum)."""
        if self.reduction != "mean" or self.n == 1:
            return None
        return Math(r"\frac{1}{" + str(self.n) + "}", "(1/" + str(self.n) + ")")

    def formula(self) -> Math:
        a, z = self.N.a(self.L), self.N.z(self.L)
        mean = self.reduction == "mean" and self.n > 1
        if self.op == "squared_error":
            pre = Math(r"\frac{1}{2 n}", "1/(2n) ") if mean else Math(r"\frac{1}{2}", "½ ")
            return pre + Math(r"\sum \left(" + a.latex + r" - y\right)^2", "Σ (" + a.text + " − y)²")
        if self.op == "mse_loss":
            pre = Math(r"\frac{1}{n}", "(1/n) ") if mean else Math("", "")
            return pre + Math(r"\sum \left(" + a.latex + r" - y\right)^2", "Σ (" + a.text + " − y)²")
        pre = Math(r"\frac{1}{n}", "(1/n) ") if mean else Math("", "")
        if self.op in ("cross_entropy",):
            return Math("-", "−") + pre + Math(r"\sum y \log " + a.latex, "Σ y log " + a.text)
        if self.op == "nll_loss":
            return Math("-", "−") + pre + Math(r"\sum y \circ " + a.latex, "Σ y ∘ " + a.text)
        if self.op == "binary_cross_entropy":
            return Math("-", "−") + pre + Math(
                r"\sum \left[y \log " + a.latex + r" + (1 - y) \log\left(1 - " + a.latex + r"\right)\right]",
                "Σ [y log " + a.text + " + (1 − y) log(1 − " + a.text + ")]")
        if self.op == "binary_cross_entropy_with_logits":
            s = act_forward("sigmoid", z)
            return Math("-", "−") + pre + Math(
                r"\sum \left[y \log " + s.latex + r" + (1 - y) \log\left(1 - " + s.latex + r"\right)\right]",
                "Σ [y log " + s.text + " + (1 − y) log(1 − " + s.text + ")]")
        if self.op == "hinge_loss":
            return pre + Math(r"\sum \max\left(0, 1 - y\, " + a.latex + r"\right)",
                              "Σ max(0, 1 − y·" + a.text + ")")
        return Math(r"\mathrm{" + self.op + "}", self.op)

    def delta_forms(self, activation: str, layer=None) -> list:
        """δ⁽ᴸ⁾ = ∂L/∂z⁽ᴸ⁾ for this loss and output activation, from general to explicit."""
        L, N = (self.L if layer is None else layer), self.N
        a, z = N.a(L), N.z(L)
        E = self.symbol
        scale = self.scale()

        def scaled(m: Math) -> Math:
            return times(scale, m.wrap(PRODUCT)) if scale is not None else m

        diff = minus(a, Y)
        short, explicit = act_prime(activation, L, N)
        if self.op in LOGIT_LOSSES and LOGIT_LOSSES[self.op] == activation and self.node.parents[0].op == "linear":
            if self.op == "cross_entropy":
                return [scaled(diff)]
            return [scaled(minus(act_forward("sigmoid", z), Y))]
        if self.op == "binary_cross_entropy" and activation == "sigmoid":
            return [hadamard(partial(E, a), short),
                    scaled(hadamard(frac(diff, hadamard(a, minus(ONE, a))), hadamard(a, minus(ONE, a)))),
                    scaled(diff)]
        if activation == "softmax" and self.op != "cross_entropy":
            jac = Math(r"\left(\operatorname{Diag}(" + a.latex + r") - " + a.latex + " " + a.latex + r"^\top\right)",
                       "(Diag(" + a.text + ") − " + a.text + a.text + "ᵀ)")
            return [times(jac, partial(E, a))]
        if self.op in ("squared_error", "mse_loss"):
            base = diff if self.op == "squared_error" else times(Math("2"), diff.wrap(ATOM))
            if activation == "identity":
                return [scaled(base)]
            forms = [scaled(hadamard(base, short))]
            if explicit is not None:
                forms.append(scaled(hadamard(base, explicit)))
            return forms
        if self.op == "hinge_loss":
            ind = Math(r"\mathbb{1}\left[y\, " + a.latex + r" \le 1\right]", "1[y·" + a.text + " ≤ 1]")
            base = hadamard(Math("-y", "−y"), ind)
            return [scaled(base if activation == "identity" else hadamard(base, short))]
        if activation == "identity":
            return [partial(E, a)]
        forms = [hadamard(partial(E, a), short)]
        if explicit is not None:
            forms.append(hadamard(partial(E, a), explicit))
        return forms


# ---------------------------------------------------------------------- the sections

def _grad(node_or_leaf, p: Pass):
    """∂L/∂value summed over the backward runs of pass ``p`` (None when none reached it)."""
    gs = [node_or_leaf.grads[r] for r in p.runs if r in node_or_leaf.grads]
    if not gs:
        return None
    out = gs[0]
    for g in gs[1:]:
        out = out + g
    return out


def _take(display: np.ndarray, sample):
    """One sample's column of a display matrix (all of them when ``sample`` is None)."""
    if sample is None or display.ndim < 2:
        return display
    return display[:, sample:sample + 1]


def _key(base: str, sample) -> str:
    return base if sample is None else f"{base}#{sample + 1}"


def _ordinal(j: int) -> str:
    words = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
    return words[j] if j < len(words) else f"{j + 1}th"


def _network_description(chain: Chain, N: Notation, info: LossInfo | None) -> list:
    first = chain.layers[0]
    sizes = [first.weight.value.shape[1]] + [l.weight.value.shape[0] for l in chain.layers]
    acts = [l.activation_name for l in chain.layers]
    if chain.loss is not None and chain.layers[-1].activation is None and chain.loss.op in LOGIT_LOSSES:
        acts[-1] = LOGIT_LOSSES[chain.loss.op]
    if len(acts) == 1:
        act_text = f"{act_name(acts[0])} activation"
    elif len(set(acts)) == 1:
        act_text = f"{act_name(acts[0])} activation in every layer"
    else:
        act_text = "activations " + ", ".join(act_name(a) for a in acts)
    chunks = [f"Network {' → '.join(str(s) for s in sizes)} ({len(chain.layers)} "
              f"layer{'s' if len(chain.layers) > 1 else ''} of weights), {act_text}"]
    if info is not None:
        chunks += ["; loss ", info.symbol + Math(" = ", " = ") + info.formula(),
                   f" ({'averaged' if info.reduction == 'mean' else 'summed'} over "
                   f"{'the samples' if info.op in ('cross_entropy', 'nll_loss') else 'the outputs and samples'})"]
    chunks.append(".")
    return chunks


def layer_sections(ctx: LayerContext, p: Pass, chain: Chain, key: str, several: bool) -> list:
    N = ctx.N
    training = bool(p.runs) and chain.loss is not None
    info = LossInfo(chain, N) if chain.loss is not None else None
    layers = chain.layers
    L = layers[-1].number
    n_samples = sample_count(layers[0].linear.value)
    samples = list(range(n_samples)) if (ctx.per_sample and n_samples > 1) else [None]
    subs = _output_names(chain, N, n_samples)

    if p.title:
        title = p.title
    elif training and p.updates:
        title = "Training step"
    elif training:
        title = "Forward and backward pass"
    else:
        title = "Prediction" if ctx.described else "Forward pass"
    top = Section(title, 2, [], key)
    out = [top]
    if not ctx.described:
        top.items.append(Paragraph(_network_description(chain, N, info)))
        top.items.append(Paragraph(N.describe()))
        ctx.described = True

    # ---------------------------------------------------------------- parameters
    params: list = []
    changed = False
    for layer in layers:
        for leaf in (layer.weight, layer.bias):
            if leaf is None:
                continue
            before = p.params_before.get(leaf.index, leaf.current)
            last = ctx.shown.get(leaf.index)
            if last is None or last.shape != before.shape or not _same(last, before):
                changed = True
    if changed:
        for layer in layers:
            l = layer.number
            w = p.params_before.get(layer.weight.index, layer.weight.value)
            pair = [Equation(N.W(l), value=N.show_weight(w), key=f"W[{l}]")]
            ctx.shown[layer.weight.index] = w
            if layer.bias is not None:
                b = p.params_before.get(layer.bias.index, layer.bias.value)
                pair.append(Equation(N.b(l), value=column(b), key=f"{'W0' if N.rows else 'b'}[{l}]"))
                ctx.shown[layer.bias.index] = b
            params.append(Group(pair))
        shape = "outputs × inputs" if not N.rows else "inputs × outputs"
        out.append(Section("Parameters", 3, [Paragraph(
            ["Each weight matrix ", N.W("l"), f" is {shape}; each bias ", N.b("l"), " is a column."])]
            + params, key))

    elif ctx.shown:
        top.items.append(Paragraph(["The parameters are the ones shown last"
                                    + (" (after the update above)." if _after_update(ctx, p) else ".")]))

    # ---------------------------------------------------------------- data
    x_display = columns(chain.input.value)
    with_target = training and info is not None and info.target is not None
    note = (f"The input{'s' if n_samples > 1 else ''}"
            + (f", one column per sample ({n_samples} samples)" if n_samples > 1 else "")
            + (" and the target" + ("s" if n_samples > 1 else "") if with_target else "") + ":")
    pair = [Equation(Math("x"), value=x_display, key="x")]
    if with_target:
        pair.append(Equation(Y, value=columns(info.target), key="y"))
    data = [Paragraph([note]), Group(pair)]
    out.append(Section("Input", 3, data, key))

    # ---------------------------------------------------------------- forward
    for s in samples:
        items: list = []
        if (s is None or s == 0) and not ctx.explained_forward:
            items.append(Paragraph(["Each layer applies its affine map, then its activation: ",
                                    N.z("l") + Math(" = ") + N.affine("l", N.a("l-1")), ", ",
                                    _generic_act(N), ", with ", Math(r"a^{(0)} = x", "a⁽⁰⁾ = x"), "."]))
        for layer in layers:
            l = layer.number
            inp_sym = N.a(l - 1)
            w = p.params_before.get(layer.weight.index, layer.weight.value)
            inp_val = layer.input.value
            terms = [Term("", N.show_weight(w), transpose=N.rows), Term("", _take(columns(inp_val), s))]
            if layer.bias is not None:
                b = p.params_before.get(layer.bias.index, layer.bias.value)
                terms.append(Term("+", column(b)))
            items.append(Equation(N.z(l), [N.affine(l, inp_sym, layer.bias is not None)], terms,
                                  _take(columns(layer.linear.value), s), key=_key(f"z[{l}]", s)))
            act = layer.activation_name
            if layer.activation is not None:
                items.append(Equation(N.a(l), [act_forward(act, N.z(l))], None,
                                      _take(columns(layer.activation.value), s), key=_key(f"a[{l}]", s)))
            elif layer is layers[-1] and chain.loss is not None and chain.loss.op in LOGIT_LOSSES:
                fused = LOGIT_LOSSES[chain.loss.op]
                zval = layer.linear.value
                probs = (_softmax(zval) if fused == "softmax" else _backend.sigmoid(zval))
                items.append(Equation(N.a(l), [act_forward(fused, N.z(l))], None,
                                      _take(columns(probs), s), key=_key(f"a[{l}]", s),
                                      note=[f"The {fused} of the output is part of the loss "
                                            f"(computed together with it for stability):"]))
            elif layer is not layers[-1] or chain.loss is not None:
                items.append(Equation(N.a(l), [N.z(l)], None, None, key=None,
                                      note=["No activation (identity):"]))
        ctx.explained_forward = True
        title = "Forward pass" if s is None else f"Forward pass · sample {s + 1}"
        out.append(Section(title, 3, items, key))

    # ---------------------------------------------------------------- loss
    if info is not None:
        forms = [info.formula()]
        if info.reduction == "mean" and info.n > 1 and info.op in ("squared_error", "mse_loss", "cross_entropy",
                                                                 "nll_loss", "binary_cross_entropy",
                                                                 "binary_cross_entropy_with_logits", "hinge_loss"):
            note = [f"with n = {info.n}:"]
        else:
            note = None
        loss_items = [Equation(info.symbol, forms, None, _named(chain.loss.value, subs), key="loss", note=note)]
        if subs:
            loss_items.insert(0, Paragraph(["Below, the output is written ", _subs_math(subs), "."]))
        out.append(Section("Loss", 3, loss_items, key))

    # ---------------------------------------------------------------- backward
    if training:
        E = info.symbol
        items = []
        out_act = chain.output_activation
        keep = info.op in LOGIT_LOSSES or (info.op == "binary_cross_entropy" and out_act == "sigmoid")
        general_last = info.delta_forms(out_act if keep else "generic", layer="L")
        chunks = ["The error ", Math(r"\delta^{(l)}", "δ⁽ˡ⁾") + Math(" = ") + partial(E, N.z("l")),
                  " of each layer is found from the output back. At the output ",
                  N.delta("L") + Math(" = ") + general_last[-1 if keep else 0]]
        if len(layers) > 1:
            chunks += ["; below it each layer takes the next layer's error back through its weights, ",
                       N.delta("l") + Math(" = ") + hadamard(N.backprop("l+1"), Math(r"f'(z^{(l)})", "f′(z⁽ˡ⁾)"))]
        chunks.append(".")
        items.append(Paragraph(chunks))
        for s in samples:
            if s is not None:
                items.append(Paragraph([f"Sample {s + 1}:"]))
            for layer in reversed(layers):
                l = layer.number
                g = _grad(layer.linear, p)
                if g is None:
                    continue
                if l == L:
                    forms = info.delta_forms(out_act)
                else:
                    short, explicit = act_prime(layer.activation_name, l, N)
                    forms = [hadamard(N.backprop(l + 1), short) if layer.activation is not None else N.backprop(l + 1)]
                    if explicit is not None:
                        forms.append(hadamard(N.backprop(l + 1), explicit))
                items.append(Equation(N.delta(l), forms, None, _named(_take(columns(g), s), subs),
                                      key=_key(f"delta[{l}]", s)))
            first = layers[0]
            if not first.input.is_node and first.input.kind == "input":
                gx = _grad(first.input, p)
                if gx is not None:
                    items.append(Equation(partial(E, Math("x")), [N.backprop(1)], None,
                                          _take(columns(gx), s), key=_key("dx", s),
                                          note=["The gradient with respect to the input:"]))
        out.append(Section("Backward pass", 3, items, key))

        # ------------------------------------------------------------ gradients
        items = []
        batch = n_samples > 1
        para = ["Each layer's gradients follow from its error: ",
                partial(E, N.W("l")) + Math(" = ") + N.grad_W("l", N.a("l-1")), " and ",
                partial(E, N.b("l")) + Math(" = ") + (times(N.delta("l"), Math(r"\mathbf{1}", "𝟏")) if batch
                                                       else N.delta("l"))]
        if batch:
            para.append(f" — the products sum the {n_samples} samples' contributions")
        para.append(".")
        items.append(Paragraph(para))
        for layer in reversed(layers):
            l = layer.number
            gw = _grad(layer.weight, p)
            if gw is not None:
                items.append(Equation(partial(E, N.W(l)), [N.grad_W(l, N.a(l - 1))], None,
                                      _named(N.show_weight(gw), subs), key=f"dW[{l}]"))
            if layer.bias is not None:
                gb = _grad(layer.bias, p)
                if gb is not None:
                    form = times(N.delta(l), Math(r"\mathbf{1}", "𝟏")) if batch else N.delta(l)
                    items.append(Equation(partial(E, N.b(l)), [form], None, _named(column(gb), subs),
                                          key=f"d{'W0' if N.rows else 'b'}[{l}]"))
        out.append(Section("Gradients", 3, items, key))

    # ---------------------------------------------------------------- Jacobians and Hessians
    if p.derivatives:
        out.extend(derivative_sections(ctx, p, key, chain_derivative_context(chain, N, info)))

    # ---------------------------------------------------------------- update
    if p.updates:
        out.append(_update_section(ctx, p, chain, info, key))

    # ---------------------------------------------------------------- prediction
    if not training and not p.derivatives:
        out.append(_prediction_section(chain, N, key))
    return out


def chain_derivative_context(chain: Chain, N: Notation, info) -> DerivativeContext:
    """How a chain's values are named in its Jacobians and Hessians (z⁽ˡ⁾, a⁽ˡ⁾, W⁽ˡ⁾, b⁽ˡ⁾, x, L)."""
    names: dict[int, Math] = {id(chain.input): Math("x")}
    batched = [id(chain.input)]
    for layer in chain.layers:
        l = layer.number
        names[id(layer.linear)] = N.z(l)
        batched.append(id(layer.linear))
        if layer.activation is not None:
            names[id(layer.activation)] = N.a(l)
            batched.append(id(layer.activation))
        names[id(layer.weight)] = N.W(l)
        if layer.bias is not None:
            names[id(layer.bias)] = N.b(l)
    if chain.loss is not None and info is not None:
        names[id(chain.loss)] = info.symbol
    transposed = [id(layer.weight) for layer in chain.layers] if N.rows else []
    last = chain.layers[-1]
    probs = None
    if chain.loss is not None and chain.loss.op == "cross_entropy" and last.activation is None:
        probs = _softmax(last.linear.value)
    return DerivativeContext(Symbols(lambda obj: names.get(id(obj)), transposed, batched),
                             info.symbol if info is not None else Math("L"), chain, info, N, probs)


def _output_names(chain: Chain, N: Notation, n_samples: int):
    """For symbolic results of one sample: the output units' expressions → symbols a_1, a_2, …

    so that gradients read as the seeds write them, ∂L/∂w₁ = x₁(a₁ − y), instead of repeating
    the whole expression of a₁ inside every entry.
    """
    from .numbers import is_symbolic
    last = chain.layers[-1]
    vals = last.output.value
    if n_samples != 1 or vals.dtype != object or not is_symbolic(vals) or last.activation is None:
        return None
    import sympy as sp
    subs = {}
    for j, v in enumerate(vals.reshape(-1)):
        if v.free_symbols and not v.is_Symbol:
            subs[v] = sp.Symbol(f"a_{j + 1}")
    return subs or None


def _subs_math(subs) -> Math:
    from .numbers import exact_math
    from .notation import join
    parts = [exact_math(sym) + Math(" = ") + exact_math(expr) for expr, sym in subs.items()]
    return join(parts, Math(", ", ", "))


def _named(value, subs):
    if subs is None or value is None or getattr(value, "dtype", None) != object:
        return value
    out = np.empty(value.shape, dtype=object)
    for idx in np.ndindex(value.shape):
        out[idx] = value[idx].subs(subs)
    return out


def _after_update(ctx: LayerContext, p: Pass) -> bool:
    earlier = [q for q in ctx.trace.passes if q.index < p.index]
    return any(q.updates for q in earlier)


def _generic_act(N: Notation) -> Math:
    return N.a("l") + Math(" = ") + Math(r"f^{(l)}\left(z^{(l)}\right)", "f⁽ˡ⁾(z⁽ˡ⁾)")


def _softmax(z: np.ndarray) -> np.ndarray:
    from ..ops.softmax import _softmax_array
    return _softmax_array(z, z.ndim - 1 if z.ndim else 0)


def _same(a, b) -> bool:
    if a.dtype == object or b.dtype == object:
        return all(x == y for x, y in zip(a.reshape(-1), b.reshape(-1)))
    return bool(np.array_equal(a, b))


def _update_section(ctx: LayerContext, p: Pass, chain: Chain, info, key: str) -> Section:
    N = ctx.N
    E = info.symbol if info is not None else Math("L")
    entries = []
    for layer in reversed(chain.layers):
        l = layer.number
        entries.append((layer.weight, N.W(l), f"W_new[{l}]", N.show_weight))
        if layer.bias is not None:
            entries.append((layer.bias, N.b(l), f"{'W0' if N.rows else 'b'}_new[{l}]", column))
    return Section("Update", 3, _update_items(ctx, p, entries, E), key)


def _update_section_generic(ctx: LayerContext, p: Pass, names, root, key: str) -> Section:
    from .graph_view import display
    E = names.expr(root) if root is not None else Math("L")
    entries = [(u.leaf, names.expr(u.leaf), names.expr(u.leaf).text + "_new", display) for u in p.updates]
    return Section("Update", 3, _update_items(ctx, p, entries, E), key)


def _update_items(ctx: LayerContext, p: Pass, entries, E: Math) -> list:
    by_leaf = {u.leaf.index: u for u in p.updates}
    rules = {i: ctx.update_rule(u) for i, u in by_leaf.items()}
    etas = {repr(r[1]) for r in rules.values() if r[0] == "sgd"}
    kinds = {r[0] for r in rules.values()}
    newton = next((d for d in p.derivatives if d.newton is not None), None)
    if kinds == {"newton"} and newton is not None:
        return newton_items(ctx, p, newton, entries, E, by_leaf)
    items: list = []
    eta = Math(r"\eta", "η")
    if kinds == {"sgd"} and len(etas) == 1:
        lr = next(r[1] for r in rules.values())
        items.append(Paragraph(["One gradient-descent step with learning rate ",
                                eta + Math(" = ") + _lr_math(lr), ": every parameter moves against its gradient, ",
                                Math(r"\theta \leftarrow \theta - \eta\, \frac{\partial " + E.latex + r"}{\partial \theta}",
                                     "θ ← θ − η ∂" + E.text + "/∂θ"), "."]))
    elif ctx.trace.optimizer is not None:
        items.append(Paragraph([f"One step of {type(ctx.trace.optimizer).__name__}; the new parameters:"]))
    else:
        items.append(Paragraph(["The parameters after the update:"]))
    for leaf, sym, k, show in entries:
        u = by_leaf.get(leaf.index)
        if u is None:
            g = _grad(leaf, p)
            zero = g is not None and _all_zero(g)
            items.append(Paragraph([sym, " is unchanged: its gradient is 0, so the step leaves it as it was."
                                    if zero else " is not updated."]))
            continue
        rule = rules[leaf.index]
        forms = [minus(sym, times(eta, partial(E, sym)))] if rule[0] == "sgd" else []
        items.append(Equation(sym, forms, None, show(u.after), key=k, assign=True))
        ctx.shown[leaf.index] = u.after
    return items


def _all_zero(g: np.ndarray) -> bool:
    """0 on paper: exactly 0, or (floats) below the display's rounding-noise floor."""
    if g.dtype == object:
        return all(v == 0 for v in g.reshape(-1))
    return bool(np.all(np.abs(g) < 1e-12))


def _lr_math(lr) -> Math:
    from .numbers import Formatter, exact_math, is_exact_number
    if is_exact_number(lr):
        return exact_math(lr)
    return Formatter(12).number(lr)


def _prediction_section(chain: Chain, N: Notation, key: str) -> Section:
    last = chain.layers[-1]
    L = last.number
    out_vals = last.output.value
    act = chain.output_activation
    if last.activation is None and act in ("softmax", "sigmoid") and chain.loss is not None:
        out_vals = _softmax(last.linear.value) if act == "softmax" else _backend.sigmoid(last.linear.value)
    vals = np.atleast_2d(out_vals) if out_vals.ndim else out_vals.reshape(1, 1)
    items: list = []
    units = vals.shape[-1]
    if units > 1:
        items.append(Paragraph(["The predicted class is the output unit with the largest value, ",
                                Math(r"\arg\max_j a^{(" + str(L) + r")}_j", "argmaxⱼ a" + superscript("(" + str(L) + ")") + "ⱼ"), "."]))
        classes = []
        for i in range(vals.shape[0]):
            row = vals[i]
            j = _argmax(row)
            classes.append(j + 1)
            who = f"Sample {i + 1}: class" if vals.shape[0] > 1 else "Class"
            items.append(Paragraph([f"{who} {j + 1} (the {_ordinal(j)} of {units} outputs, "
                                    f"index {j} counting from 0)."]))
        items.append(Equation(Math(r"\hat{y}", "ŷ"), value=_classes(classes), key="class"))
    else:
        if act == "sigmoid":
            items.append(Paragraph(["With one sigmoid output the class is 1 when ",
                                    Math(r"a^{(" + str(L) + r")} \ge \tfrac{1}{2}", "a⁽" + str(L) + "⁾ ≥ ½"),
                                    " and 0 otherwise."]))
            cls = [1 if float(_num(v)) >= 0.5 else 0 for v in vals.reshape(-1)]
        elif act == "step":
            items.append(Paragraph(["The hard-threshold output is the class itself (1 or 0)."]))
            cls = [int(float(_num(v))) for v in vals.reshape(-1)]
        else:
            items.append(Paragraph(["The class is the sign of the output."]))
            cls = [1 if float(_num(v)) >= 0 else -1 for v in vals.reshape(-1)]
        items.append(Equation(Math(r"\hat{y}", "ŷ"), value=_classes(cls), key="class"))
    return Section("Predicted class", 3, items, key)


def _classes(classes: list) -> np.ndarray:
    arr = np.array(classes, dtype=np.int64)
    return arr.reshape(()) if arr.size == 1 else arr.reshape(1, -1)


def _num(v):
    return v.evalf(30) if hasattr(v, "evalf") else v


def _argmax(row) -> int:
    if row.dtype == object:
        vals = [float(_num(v)) for v in row]
        return int(np.argmax(vals))
    return int(np.argmax(row))
