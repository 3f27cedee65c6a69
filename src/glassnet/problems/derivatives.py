"""``jacobian:`` and ``hessian:`` in a problem file — what to differentiate, with respect to what,
and where — read with the file's positions, and run through ``Trace.jacobian`` / ``Trace.hessian``.

=========  ============================================  =====================================
problem    ``jacobian: {of, wrt, at}``                   ``hessian: {of, wrt}``
=========  ============================================  =====================================
function   of: softmax, sigmoid, tanh, … ; at: z         (use a graph: a scalar is needed)
network    of: output; wrt: input; at: x (default: the   of: loss; wrt: logits | input |
           first training input)                         parameters — at the training data
graph      of: a node; wrt: a given value                of: a one-number node; wrt: a value
=========  ============================================  =====================================

Each may be one mapping or a list of them. The engine computes every matrix
(``glassnet.autograd.functional``); nothing in the file is evaluated as Python.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn.activation import ACTIVATIONS as _REGISTRY
from .spec import ACTIVATION_ALIASES, Reader, Values

KINDS = ("jacobian", "hessian")
FUNCTIONS = tuple(name for name, act in _REGISTRY.items() if act.op is not None)
NETWORK_OF = {"jacobian": ("output",), "hessian": ("loss",)}
NETWORK_WRT = {"jacobian": ("input",), "hessian": ("logits", "input", "parameters")}
WRT_ALIASES = {"x": "input", "inputs": "input", "z": "logits", "theta": "parameters", "params": "parameters",
               "weights": "parameters"}

_KEYS = {"of": "what is differentiated: a function (softmax, …), output or loss (a network), a node (a graph)",
         "wrt": "with respect to: input, logits or parameters (a network), a given value (a graph)",
         "at": "the point: the function's argument z, or the network's input x",
         "title": "a heading for this part"}


@dataclass
class DerivativeSpec:
    kind: str                    # "jacobian" | "hessian"
    of: str                      # a function name, "output", "loss", or a graph node
    wrt: str | None              # "input", "logits", "parameters", a graph value, or None (a function)
    at: Values | None            # the point (a function's z, a network's x), as written
    title: str | None
    path: tuple


def parse_derivatives(r: Reader, top: dict, network, graph, train, predict) -> list:
    """Every ``jacobian:`` and ``hessian:`` request, checked against the rest of the problem."""
    out = []
    for kind in [k for k in top if k in KINDS]:          # in the file's order
        v = r.get((kind,))
        if isinstance(v, list):
            if not v:
                raise r.error((kind,), f"an empty list: give {kind}: {{of: …}} or a list of them")
            paths = [(kind, i) for i in range(len(v))]
        else:
            paths = [(kind,)]
        for path in paths:
            out.append(_one(r, kind, path, network, graph, train, predict))
    return out


def _one(r: Reader, kind: str, path: tuple, network, graph, train, predict) -> DerivativeSpec:
    d = r.mapping(path, _KEYS, required=("of",) if network is None else ())
    title = r.string(path + ("title",), default=None)
    if network is not None:
        return _network_request(r, kind, path, d, title, network, train, predict)
    if graph is not None:
        return _graph_request(r, kind, path, d, title, graph)
    return _function_request(r, kind, path, d, title)


def _function_request(r: Reader, kind: str, path, d: dict, title) -> DerivativeSpec:
    if kind == "hessian":
        raise r.error(path, "a Hessian needs a function with one number as its value: write a graph "
                            "(graph: {inputs: {z: …}, constants: {y: …}, nodes: {L: cross_entropy(z, y)}}) "
                            "and hessian: {of: L, wrt: z}")
    of = _choice(r, path + ("of",), FUNCTIONS, ACTIVATION_ALIASES, "a function glassnet can differentiate here")
    if "wrt" in d:
        raise r.source.key_error(path + ("wrt",), f"'wrt' is not needed: {of} is a function of one vector z "
                                                  f"(given by 'at')")
    if "at" not in d:
        raise r.error(path, f"the Jacobian of {of} needs the point: at: [-1, 0, 1]")
    at = r.values(path + ("at",), ndim=(0, 1))
    return DerivativeSpec(kind, of, None, at, title, path)


def _network_request(r: Reader, kind: str, path, d: dict, title, network, train, predict) -> DerivativeSpec:
    of = _choice(r, path + ("of",), NETWORK_OF[kind], {}, f"what a network's {kind} is of") if "of" in d \
        else NETWORK_OF[kind][0]
    if kind == "hessian" and "wrt" not in d:
        raise r.error(path, "say with respect to what: wrt: logits, input or parameters")
    wrt = _choice(r, path + ("wrt",), NETWORK_WRT[kind], WRT_ALIASES,
                  f"what a network's {kind} is taken with respect to") if "wrt" in d \
        else NETWORK_WRT[kind][0]
    if kind == "hessian":
        if "at" in d:
            raise r.source.key_error(path + ("at",), "the Hessian of the loss is taken at the training data "
                                                     "(train: x, y) and the parameters; leave out 'at'")
        if train is None:
            raise r.error(path, "the Hessian of the loss needs training data: train: {x: …, y: …} (and a loss)")
        return DerivativeSpec(kind, of, wrt, None, title, path)
    if "at" in d:
        from .spec import _samples
        at = _samples(r, r.values(path + ("at",), ndim=(0, 1, 2)), network.inputs, "input")
        if at.shape[0] != 1:
            raise r.error(path + ("at",), f"the Jacobian is taken at one input: give {network.inputs} "
                                          f"number{'s' if network.inputs != 1 else ''}, got {at.shape[0]} samples")
        return DerivativeSpec(kind, of, wrt, at, title, path)
    first = train if train is not None else (predict[0] if predict else None)
    if first is None:
        raise r.error(path, f"say where: at: the input x ({network.inputs} number{'s' if network.inputs != 1 else ''})")
    x = first.x
    at = Values(x.values[:1], x.texts[:1], x.path)
    return DerivativeSpec(kind, of, wrt, at, title, path)


def _choice(r: Reader, path, choices, aliases, what: str) -> str:
    """A name from ``choices`` (``Reader.string``'s rule), the error saying what kind of name."""
    import difflib
    v = r.get(path)
    if not isinstance(v, str):
        raise r.error(path, f"{path[-1]!r} must be a name, got {v!r}")
    key = v.strip().lower().replace("-", "_").replace(" ", "_")
    key = aliases.get(key, key)
    if key not in choices:
        hint = difflib.get_close_matches(key, list(choices), n=1)
        raise r.error(path, f"{v!r} is not {what}" + (f" — did you mean {hint[0]!r}?" if hint else "")
                            + f" (choose one of: {', '.join(choices)})")
    return key


def _graph_request(r: Reader, kind: str, path, d: dict, title, graph) -> DerivativeSpec:
    nodes = [name for name, _, _ in graph.nodes]
    of = r.string(path + ("of",))
    if of not in nodes:
        raise r.error(path + ("of",), f"{of!r} is not one of the nodes ({', '.join(nodes)})")
    given = list(graph.parameters) + list(graph.inputs) + list(graph.constants)
    if "at" in d:
        raise r.source.key_error(path + ("at",), "a graph's values are given under graph: (parameters, inputs, "
                                                 "constants); leave out 'at'")
    if "wrt" in d:
        wrt = r.string(path + ("wrt",))
        if wrt not in given:
            raise r.error(path + ("wrt",), f"{wrt!r} is not a given value of the graph "
                                           f"({', '.join(given) or 'none'}); name a parameter, input or constant")
    else:
        varying = list(graph.parameters) + list(graph.inputs)
        if len(varying) != 1:
            raise r.error(path, "say with respect to what: wrt: one of " + ", ".join(given))
        wrt = varying[0]
    return DerivativeSpec(kind, of, wrt, None, title, path)


# ---------------------------------------------------------------------- running them

def title_of(spec: DerivativeSpec) -> str:
    if spec.title:
        return spec.title
    word = "Jacobian" if spec.kind == "jacobian" else "Hessian"
    if spec.wrt is None:
        return f"{word} of the {spec.of}"
    what = {"output": "the output", "loss": "the loss"}.get(spec.of, spec.of)
    how = {"input": "the input", "logits": "the logits", "parameters": "the parameters"}.get(spec.wrt, spec.wrt)
    return f"{word} of {what} with respect to {how}"


def run_function(trace, spec: DerivativeSpec, num) -> None:
    """Jacobian of a function of the registry at z: z and a = f(z) are shown, then J."""
    from ..tensor import Tensor
    trace.section(title_of(spec))
    z = Tensor._wrap(np.asarray(num.array(spec.at)).reshape(-1))
    z.name = "z"
    f = _REGISTRY[spec.of].make()
    a = f(z)
    a.name = "a"
    trace.jacobian(lambda v: f(v), z, of=a, title=spec.title)


def run_network_jacobian(trace, spec: DerivativeSpec, model, num, fused_softmax: bool) -> None:
    """∂a⁽ᴸ⁾/∂x at one input (after training and predictions: at the parameters shown last)."""
    from .. import ops
    from ..grad_mode import no_grad
    from ..tensor import Tensor
    trace.section(title_of(spec))
    x = Tensor._wrap(num.array(spec.at))

    def output(v):
        out = model(v)
        return ops.softmax(out, dim=-1) if fused_softmax else out
    with no_grad():
        a = output(x)
    trace.jacobian(output, x, of=a, title=spec.title)


def run_loss_hessian(trace, spec: DerivativeSpec, model, x, loss, loss_of) -> None:
    """∂²L/∂(·)² at the training data, kept with the training step's pass (after its gradients).

    ``loss_of(out)`` is the problem's loss of the model's output; ``loss`` the recorded one.
    """
    from ..func import functional_call
    if spec.wrt == "parameters":
        names = [n for n, _ in model.named_parameters()]
        params = [p for _, p in model.named_parameters()]

        def f(*ps):
            return loss_of(functional_call(model, dict(zip(names, ps)), (x,)))
        trace.hessian(f, tuple(params), of=loss, wrt=tuple(params), title=spec.title)
        return
    if spec.wrt == "input":
        trace.hessian(lambda v: loss_of(model(v)), x, of=loss, wrt=x, title=spec.title)
        return
    # the logits: the last Linear's output, read off the recorded pass; the loss of the logits goes
    # through the output activation that follows them (none for a fused softmax)
    node = _last_linear(trace, loss)
    head = _head(model)
    z = node.tensor
    trace.hessian(lambda v: loss_of(head(v)), z.detach(), of=loss, wrt=z, title=spec.title)


def _last_linear(trace, loss):
    p = trace.passes[trace.node_of(loss).pass_index]
    return [n for n in p.nodes if n.op == "linear"][-1]


def _head(model):
    """The modules after the last Linear (the output activation), as a function."""
    from ..nn import Linear
    mods = list(model)
    last = max(i for i, m in enumerate(mods) if isinstance(m, Linear))
    tail = mods[last + 1:]

    def head(v):
        for m in tail:
            v = m(v)
        return v
    return head


def run_graph_derivative(trace, spec: DerivativeSpec, problem, scope: dict, values: dict, evaluate_from) -> None:
    """d(node)/d(given value) in a graph: ``evaluate_from(scope)`` recomputes every node."""
    out = values[spec.of]
    if spec.kind == "hessian" and out.numel() != 1:
        raise problem.error(spec.path + ("of",), f"the Hessian needs one number: {spec.of!r} has shape "
                                                 f"{tuple(out.shape)} (wrap it in sum(…))")
    given = scope[spec.wrt]

    def f(v):
        local = dict(scope)
        local[spec.wrt] = v
        return evaluate_from(local)[spec.of]
    method = trace.jacobian if spec.kind == "jacobian" else trace.hessian
    method(f, given.detach(), of=out, wrt=given, title=spec.title)
