"""Problem files → a validated :class:`Problem`, with ``file:line:col`` errors.

The format is documented in ``docs/problem-files.md`` and described by
``schema.json`` (for editors and other tools). Validation here does not need the
``jsonschema`` package: every read goes through :class:`Reader`, which knows where
each value was written and says what was expected there.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np

from ..nn.activation import ACTIVATIONS as _REGISTRY
from .source import ProblemError, Source, load_file, load_source

ACTIVATIONS = tuple(_REGISTRY)            # the names of glassnet.nn.activation.ACTIVATIONS
ACTIVATION_ALIASES = {"linear": "identity", "none": "identity", "logistic": "sigmoid",
                      "threshold": "step", "hard_threshold": "step"}
LOSSES = ("squared_error", "mse", "cross_entropy", "binary_cross_entropy", "hinge")
LOSS_ALIASES = {"se": "squared_error", "sse": "squared_error", "mse_loss": "mse", "ce": "cross_entropy",
                "nll": "cross_entropy", "log_loss": "binary_cross_entropy", "bce": "binary_cross_entropy",
                "logistic": "binary_cross_entropy", "hinge_loss": "hinge"}
OPTIMIZERS = ("sgd", "newton")
NOTATIONS = ("columns", "rows")

_MISSING = object()


@dataclass
class Values:
    """Numbers as written in the file: Python values, their source text, and where they are."""

    values: np.ndarray              # object array of int / float / str
    texts: np.ndarray               # the same shape: each value's text as written (or None)
    path: tuple

    @property
    def shape(self) -> tuple:
        return self.values.shape


@dataclass
class LayerSpec:
    units: int
    activation: str
    weight: Values | float | str | None      # a matrix (in the file's notation), a constant, "random"
    bias: Values | float | str | None | bool  # a vector, a constant, False (no bias)
    path: tuple = ()


@dataclass
class NetworkSpec:
    inputs: int
    layers: list
    seed: int | None = None
    path: tuple = ()


@dataclass
class GraphSpec:
    parameters: dict          # name → Values
    inputs: dict
    constants: dict
    nodes: list               # [(name, expression, path)]
    loss: str | None
    path: tuple = ()


@dataclass
class DataSpec:
    x: Values
    y: Values | None = None
    title: str | None = None
    path: tuple = ()


@dataclass
class Problem:
    title: str | None
    notation: str
    exact: bool
    network: NetworkSpec | None
    graph: GraphSpec | None
    loss: str | None
    reduction: str
    optimizer: dict | None
    steps: int
    train: DataSpec | None
    predict: list
    show: dict
    source: Source = field(repr=False, default=None)
    derivatives: list = field(default_factory=list)     # derivatives.DerivativeSpec, in file order

    def error(self, path: tuple, message: str) -> ProblemError:
        return self.source.error(path, message)


class Reader:
    """Typed access to the parsed data; every failure names the file, line and column."""

    def __init__(self, data, source: Source) -> None:
        self.data, self.source = data, source

    def error(self, path, message) -> ProblemError:
        return self.source.error(tuple(path), message)

    def get(self, path, default=_MISSING):
        node = self.data
        for k in path:
            if isinstance(node, dict) and k in node:
                node = node[k]
            elif isinstance(node, list) and isinstance(k, int) and k < len(node):
                node = node[k]
            else:
                if default is _MISSING:
                    raise self.error(path[:-1], f"missing {path[-1]!r}")
                return default
        return node

    def mapping(self, path, allowed: dict, required=()) -> dict:
        node = self.get(path)
        where = "the file" if not path else f"{path[-1]!r}"
        if not isinstance(node, dict):
            raise self.error(path, f"{where} must be a mapping (key: value lines), got {_kind(node)}")
        for key in node:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), list(allowed), n=1)
                msg = f"unknown key {key!r}" + (f" — did you mean {hint[0]!r}?" if hint else "")
                raise self.source.key_error(tuple(path) + (key,), msg + f" (expected one of: {', '.join(allowed)})")
        for key in required:
            if key not in node:
                raise self.error(path, f"{where} needs {key!r}: {allowed[key]}")
        return node

    def string(self, path, choices=None, aliases=None, default=_MISSING) -> str:
        v = self.get(path, default)
        if v is default and default is not _MISSING:
            return v
        if not isinstance(v, str):
            raise self.error(path, f"{path[-1]!r} must be text, got {_kind(v)}")
        if choices is not None:
            key = v.strip().lower().replace("-", "_").replace(" ", "_")
            key = (aliases or {}).get(key, key)
            if key not in choices:
                hint = difflib.get_close_matches(key, list(choices), n=1)
                raise self.error(path, f"unknown {path[-1]} {v!r}" + (f" — did you mean {hint[0]!r}?" if hint else "")
                                 + f" (choose one of: {', '.join(choices)})")
            return key
        return v

    def integer(self, path, minimum=None, default=_MISSING) -> int:
        v = self.get(path, default)
        if v is default and default is not _MISSING:
            return v
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.error(path, f"{path[-1]!r} must be a whole number, got {_kind(v)}")
        if minimum is not None and v < minimum:
            raise self.error(path, f"{path[-1]!r} must be ≥ {minimum}, got {v}")
        return v

    def boolean(self, path, default=_MISSING) -> bool:
        v = self.get(path, default)
        if v is default and default is not _MISSING:
            return v
        if not isinstance(v, bool):
            raise self.error(path, f"{path[-1]!r} must be true or false, got {_kind(v)}")
        return v

    def number(self, path, default=_MISSING):
        v = self.get(path, default)
        if v is default and default is not _MISSING:
            return v
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise self.error(path, f"{path[-1]!r} must be a number, got {_kind(v)}")
        if isinstance(v, str):
            _check_expression(self, path, v)
        return v

    def values(self, path, ndim=None) -> Values:
        """A number, a list of numbers, or a list of equally long lists (a matrix)."""
        v = self.get(path)
        arr, texts = self._nested(v, tuple(path))
        if ndim is not None and arr.ndim not in ndim:
            names = {0: "a number", 1: "a list of numbers", 2: "a matrix (a list of rows)"}
            raise self.error(path, f"{path[-1]!r} must be {' or '.join(names[d] for d in ndim)}, "
                                   f"got {names.get(arr.ndim, f'{arr.ndim} nested lists')}")
        return Values(arr, texts, tuple(path))

    def _nested(self, v, path):
        if isinstance(v, list):
            if not v:
                raise self.error(path, "an empty list: expected numbers")
            parts = [self._nested(x, path + (i,)) for i, x in enumerate(v)]
            shapes = {p[0].shape for p in parts}
            if len(shapes) > 1:
                lengths = [len(x) if isinstance(x, list) else 1 for x in v]
                first = lengths[0]
                bad = next(i for i, n in enumerate(lengths) if n != first) if len(set(lengths)) > 1 else 0
                raise self.error(path + (bad,), f"rows of different lengths ({first} and {lengths[bad]}): "
                                                f"every row of a matrix needs the same number of entries")
            shape = (len(v),) + parts[0][0].shape
            values = np.empty(shape, dtype=object)
            texts = np.empty(shape, dtype=object)
            for i, (a, t) in enumerate(parts):
                for idx in np.ndindex(a.shape):
                    values[(i,) + idx] = a[idx]
                    texts[(i,) + idx] = t[idx]
            return values, texts
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise self.error(path, f"expected a number, got {_kind(v)}")
        if isinstance(v, str):
            _check_expression(self, path, v)
        a = np.empty((), dtype=object)
        a[()] = v
        t = np.empty((), dtype=object)
        t[()] = self.source.text(path)
        return a, t


def _check_expression(reader: Reader, path, text: str) -> None:
    from ..trace.exact import parse_expression
    try:
        parse_expression(text)
    except ValueError as exc:
        raise reader.error(path, str(exc)) from None
    except ImportError as exc:  # pragma: no cover - SymPy missing
        raise reader.error(path, f"{text!r} is an expression: {exc}") from None


def _kind(v) -> str:
    if v is None:
        return "nothing (an empty value)"
    if isinstance(v, bool):
        return f"{str(v).lower()} (true/false)"
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return f"the text {v!r}"
    return f"{type(v).__name__} {v!r}"


# ---------------------------------------------------------------------- the top level

_TOP = {
    "title": "a heading for the solution",
    "notation": "columns (W is outputs × inputs) or rows (W is inputs × outputs)",
    "exact": "true to compute with exact numbers (SymPy)",
    "network": "a chain of layers: sizes, activation, weights, biases",
    "graph": "a computation graph: parameters, inputs, constants, nodes, loss",
    "loss": "squared_error, mse, cross_entropy, binary_cross_entropy or hinge",
    "optimizer": "the update rule, e.g. {name: sgd, lr: 1} or {name: newton}",
    "steps": "how many training steps (default 1)",
    "train": "the training data: x (and y)",
    "predict": "inputs to classify after training: {x: …} or a list of them",
    "show": "rendering options: per_sample, digits, decimals",
    "jacobian": "a Jacobian to show: {of: softmax, at: [-1, 0, 1]}, {of: output, wrt: input}, or a list",
    "hessian": "a Hessian to show: {of: loss, wrt: logits | input | parameters}, or a list",
}


def load_problem(path) -> Problem:
    """Read and validate a problem file."""
    data, source = load_file(path)
    return parse_problem(data, source)


def parse_problem_text(text: str, file: str = "<problem>") -> Problem:
    data, source = load_source(text, file)
    return parse_problem(data, source)


def parse_problem(data, source: Source) -> Problem:
    r = Reader(data, source)
    top = r.mapping((), _TOP)
    if "network" not in top and "graph" not in top and "jacobian" not in top and "hessian" not in top:
        raise r.error((), "a problem needs a 'network' (a chain of layers) or a 'graph' (a computation graph), "
                          "or a 'jacobian' of a function ({of: softmax, at: [-1, 0, 1]})")
    if "network" in top and "graph" in top:
        raise r.error(("graph",), "give either 'network' or 'graph', not both")
    title = r.string(("title",), default=None)
    notation = r.string(("notation",), NOTATIONS, default="columns")
    exact = r.boolean(("exact",), default=False)
    network = _network(r, notation) if "network" in top else None
    graph = _graph(r) if "graph" in top else None
    loss, reduction = _loss(r) if "loss" in top else (None, "sum")
    if network is not None and "train" in top and loss is None:
        raise r.error(("train",), "training needs a 'loss' (e.g. loss: squared_error)")
    optimizer = _optimizer(r) if "optimizer" in top else None
    steps = r.integer(("steps",), minimum=0, default=1)
    train = _data(r, ("train",), network, with_y=network is not None) if "train" in top else None
    if graph is not None and train is not None:
        raise r.error(("train",), "a graph problem gives its values under graph: inputs / constants, not 'train'")
    if train is not None and optimizer is None and steps > 0 and network is not None:
        optimizer = None      # forward and backward only, no update
    predict = []
    if "predict" in top:
        if graph is not None:
            raise r.error(("predict",), "'predict' needs a network")
        p = r.get(("predict",))
        items = p if isinstance(p, list) and p and isinstance(p[0], dict) else [p]
        for i, _ in enumerate(items):
            path = ("predict", i) if items is p else ("predict",)
            predict.append(_data(r, path, network, with_y=False))
    show = _show(r) if "show" in top else {}
    if network is None and graph is None:
        for key in ("loss", "optimizer", "train", "predict"):
            if key in top:
                raise r.source.key_error((key,), f"'{key}' needs a network or a graph; a Jacobian of a "
                                                 f"function needs only 'jacobian: {{of: …, at: …}}'")
    from .derivatives import parse_derivatives
    derivatives = parse_derivatives(r, top, network, graph, train, predict)
    if optimizer is not None and optimizer["name"] == "newton" and network is not None and train is None:
        raise r.error(("optimizer",), "a Newton step needs training data: train: {x: …, y: …}")
    return Problem(title, notation, exact, network, graph, loss, reduction, optimizer, steps, train,
                   predict, show, source, derivatives)


def _activation_list(r: Reader, net: dict, n_layers: int) -> list:
    if "activation" not in net:
        raise r.error(("network",), "the network needs 'activation': one name for every layer "
                                    "or a list with one per layer (" + ", ".join(ACTIVATIONS) + ")")
    v = r.get(("network", "activation"))
    if isinstance(v, list):
        if len(v) != n_layers:
            raise r.error(("network", "activation"), f"{len(v)} activations for {n_layers} layers: give one "
                                                     f"per layer (or one name for all)")
        return [r.string(("network", "activation", i), ACTIVATIONS, ACTIVATION_ALIASES) for i in range(n_layers)]
    name = r.string(("network", "activation"), ACTIVATIONS, ACTIVATION_ALIASES)
    return [name] * n_layers


def _network(r: Reader, notation: str) -> NetworkSpec:
    path = ("network",)
    net = r.mapping(path, {"sizes": "the number of units in each layer, input first: [5, 3, 2]",
                           "activation": "one name, or a list with one per layer",
                           "weights": "a number (every weight), 'random', or a list of matrices",
                           "biases": "a number (every bias), false (no biases), or a list of vectors",
                           "seed": "the random seed for weights: random"},
                    required=("sizes",))
    sizes_v = r.get(path + ("sizes",))
    if not isinstance(sizes_v, list) or len(sizes_v) < 2:
        raise r.error(path + ("sizes",), "sizes must be a list of at least two layer sizes, input first: [5, 3, 2]")
    sizes = [r.integer(path + ("sizes", i), minimum=1) for i in range(len(sizes_v))]
    n = len(sizes) - 1
    acts = _activation_list(r, net, n)
    layers = []
    w_all = net.get("weights", _MISSING)
    b_all = net.get("biases", 0)
    for l in range(n):
        out_f, in_f = sizes[l + 1], sizes[l]
        want_w = (in_f, out_f) if notation == "rows" else (out_f, in_f)
        weight = _per_layer(r, path + ("weights",), w_all, l, n, want_w, "weight matrix", notation)
        if b_all is False:
            bias = False
        else:
            bias = _per_layer(r, path + ("biases",), b_all, l, n, (out_f,), "bias vector", notation)
        layers.append(LayerSpec(out_f, acts[l], weight, bias, path))
    seed = r.integer(path + ("seed",), default=None)
    if w_all is _MISSING:
        raise r.error(path, "the network needs 'weights': a number for every weight (weights: 0.1), "
                            "'random' (with seed:), or one matrix per layer")
    return NetworkSpec(sizes[0], layers, seed, path)


def _per_layer(r: Reader, path, value, l: int, n: int, shape: tuple, what: str, notation: str):
    if isinstance(value, str) and value.strip().lower() == "random":
        return "random"
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        if r.get(path, None) is not None:
            r.number(path)
        return value
    if not isinstance(value, list):
        raise r.error(path, f"expected a number, 'random', or a list with one {what} per layer, got {_kind(value)}")
    if len(value) != n:
        raise r.error(path, f"{len(value)} entries for {n} layers: give one {what} per layer")
    v = r.values(path + (l,), ndim=(0, 1, 2))
    if v.values.ndim == 0:
        return v.values[()]
    want = shape
    got = v.shape
    if len(want) == 1 and got in ((want[0], 1), (1, want[0])):
        v = Values(v.values.reshape(-1), v.texts.reshape(-1), v.path)
        got = v.shape
    if got != want:
        if len(want) == 2:
            layout = "inputs × outputs (rows notation)" if notation == "rows" else "outputs × inputs (columns notation)"
            hint = " — it looks transposed" if got == want[::-1] else ""
            raise r.error(path + (l,), f"layer {l + 1}'s weight matrix must be {want[0]} × {want[1]}, "
                                       f"{layout}, got {got[0]} × {got[1] if len(got) > 1 else 1}{hint}")
        raise r.error(path + (l,), f"layer {l + 1}'s bias must have {want[0]} entries, got {int(np.prod(got))}")
    return v


def _loss(r: Reader):
    v = r.get(("loss",))
    if isinstance(v, dict):
        r.mapping(("loss",), {"name": "the loss", "reduction": "sum (default, as the seeds) or mean"},
                  required=("name",))
        name = r.string(("loss", "name"), LOSSES, LOSS_ALIASES)
        red = r.string(("loss", "reduction"), ("sum", "mean"), default="sum")
        return name, red
    return r.string(("loss",), LOSSES, LOSS_ALIASES), "sum"


def _optimizer(r: Reader) -> dict:
    path = ("optimizer",)
    v = r.get(path)
    if isinstance(v, str):
        if r.string(path, OPTIMIZERS) == "newton":
            return {"name": "newton", "lr": 1, "lr_text": None}
        raise r.error(path, "optimizer needs a learning rate: optimizer: {name: sgd, lr: 0.1}")
    opt = r.mapping(path, {"name": "sgd or newton", "lr": "the learning rate η (newton: default 1)",
                           "momentum": "momentum μ (sgd, default 0)", "weight_decay": "L2 penalty λ (sgd, default 0)",
                           "damping": "λ added to the Hessian's diagonal (newton, default 0)"}, required=("name",))
    name = r.string(path + ("name",), OPTIMIZERS)
    options = {"sgd": ("momentum", "weight_decay"), "newton": ("damping",)}[name]
    for k in ("momentum", "weight_decay", "damping"):
        if k in opt and k not in options:
            raise r.source.key_error(path + (k,), f"{name} has no {k!r} (its options: lr, {', '.join(options)})")
    if name == "sgd" and "lr" not in opt:
        raise r.error(path, "sgd needs a learning rate: optimizer: {name: sgd, lr: 0.1}")
    out = {"name": name, "lr": r.number(path + ("lr",), default=1), "lr_text": r.source.text(path + ("lr",))}
    for k in options:
        if k in opt:
            out[k] = r.number(path + (k,))
    return out


def _data(r: Reader, path, network: NetworkSpec | None, with_y: bool) -> DataSpec:
    d = r.mapping(path, {"x": "the input(s): one sample as a list, or a list of samples",
                         "y": "the target(s), one per sample", "title": "a heading for this part"},
                  required=("x",))
    title = r.string(path + ("title",), default=None)
    x = r.values(path + ("x",), ndim=(0, 1, 2))
    x = _samples(r, x, network.inputs if network else None, "input")
    y = None
    if with_y:
        if "y" not in d:
            raise r.error(path, "training data needs targets 'y' (one per sample)")
        outputs = network.layers[-1].units if network else None
        y = r.values(path + ("y",), ndim=(0, 1, 2))
        y = _samples(r, y, outputs, "target", allow_labels=True)
        if y.shape[0] != x.shape[0]:
            raise r.error(path + ("y",), f"{y.shape[0]} targets for {x.shape[0]} samples: give one target per sample")
    elif "y" in d:
        y = _samples(r, r.values(path + ("y",), ndim=(0, 1, 2)), None, "target", allow_labels=True)
    return DataSpec(x, y, title, tuple(path))


def _samples(r: Reader, v: Values, size: int | None, what: str, allow_labels: bool = False) -> Values:
    """Values as (samples, features): a flat list is one sample — or, for size 1, one value per sample."""
    arr, texts = v.values, v.texts
    if arr.ndim == 0:
        arr, texts = arr.reshape(1, 1), texts.reshape(1, 1)
    elif arr.ndim == 1:
        if size is not None and len(arr) == size:
            arr, texts = arr.reshape(1, -1), texts.reshape(1, -1)
        elif size == 1 or (allow_labels and size is not None and size > 1):
            arr, texts = arr.reshape(-1, 1), texts.reshape(-1, 1)
        else:
            arr, texts = arr.reshape(1, -1), texts.reshape(1, -1)
    if size is not None and arr.shape[1] != size:
        if allow_labels and arr.shape[1] == 1 and size > 1:
            return Values(arr, texts, v.path)        # class labels 0 … C−1
        raise r.error(v.path, f"each {what} needs {size} value{'s' if size != 1 else ''} "
                              f"(the network has {size} {'inputs' if what == 'input' else 'outputs'}), "
                              f"got {arr.shape[1]}")
    return Values(arr, texts, v.path)


def _show(r: Reader) -> dict:
    path = ("show",)
    r.mapping(path, {"per_sample": "true: one block per sample instead of a column per sample",
                     "digits": "significant digits (default 6)",
                     "decimals": "fixed decimals instead of significant digits"})
    out = {}
    if "per_sample" in r.get(path):
        out["per_sample"] = r.boolean(path + ("per_sample",))
    if "digits" in r.get(path):
        out["digits"] = r.integer(path + ("digits",), minimum=1)
    if "decimals" in r.get(path):
        out["decimals"] = r.integer(path + ("decimals",), minimum=0)
    return out


def _graph(r: Reader) -> GraphSpec:
    path = ("graph",)
    g = r.mapping(path, {"parameters": "named values that are trained (gradients are shown)",
                         "inputs": "named inputs whose gradients are shown (∂L/∂x)",
                         "constants": "named values without gradients",
                         "nodes": "name: expression, computed in order",
                         "loss": "the node to differentiate (default: the last one)"},
                  required=("nodes",))
    seen: dict = {}
    groups = {}
    for group in ("parameters", "inputs", "constants"):
        entries = {}
        if group in g:
            r.mapping(path + (group,), {k: "" for k in r.get(path + (group,)) or {}})
            for name in r.get(path + (group,)):
                _check_name(r, path + (group, name), name, seen)
                entries[name] = r.values(path + (group, name), ndim=(0, 1, 2))
        groups[group] = entries
    nodes_v = r.get(path + ("nodes",))
    if not isinstance(nodes_v, dict) or not nodes_v:
        raise r.error(path + ("nodes",), "nodes must be a mapping of name: expression, e.g. h: sigmoid(W1 @ x + b1)")
    nodes = []
    for name in nodes_v:
        _check_name(r, path + ("nodes", name), name, seen)
        expr = r.get(path + ("nodes", name))
        if isinstance(expr, (int, float)) and not isinstance(expr, bool):
            expr = str(expr)
        if not isinstance(expr, str):
            raise r.error(path + ("nodes", name), f"node {name!r} must be an expression such as sigmoid(z), "
                                                  f"got {_kind(expr)}")
        nodes.append((name, expr, path + ("nodes", name)))
    loss = r.string(path + ("loss",), default=None)
    if loss is not None and loss not in nodes_v:
        raise r.error(path + ("loss",), f"the loss {loss!r} is not one of the nodes ({', '.join(nodes_v)})")
    return GraphSpec(groups["parameters"], groups["inputs"], groups["constants"], nodes, loss, path)


_RESERVED = {"sigmoid", "tanh", "relu", "step", "softmax", "exp", "log", "sum", "mean", "dot",
             "squared_error", "cross_entropy", "binary_cross_entropy", "e", "pi", "sqrt", "conv",
             "conv_full", "max_pool"}


def _check_name(r: Reader, path, name, seen: dict) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise r.error(path, f"{name!r} is not a usable name (letters, digits and _, not starting with a digit)")
    if name in _RESERVED:
        raise r.error(path, f"{name!r} is the name of a function; choose another name")
    if name in seen:
        raise r.error(path, f"the name {name!r} is already used (at line {r.source.where(seen[name])[0]})")
    seen[name] = path
