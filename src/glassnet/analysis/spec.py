"""Network specs: a small JSON (or YAML) file that names a feed-forward network's layers and,
optionally, its weights — what the ``glassnet analyze`` commands read (they also read the
``network:`` section of a problem file, see ``load_network``).

Example (seed 000 §3, weights in the seed's row notation, W inputs × outputs)::

    {"notation": "rows",
     "layers": [
        {"linear": {"weight": [[1, 0, -1, 0], [0, 1, 0, -1]], "bias": [-1, -1, -1, -1]}},
        "relu",
        {"linear": {"weight": [[1, -1], [1, -1], [1, -1], [1, -1]], "bias": [0, 2]}},
        {"softmax": {"dim": 1}}]}

Keys:
  ``layers``: a list; each entry is an activation name (``relu``, ``tanh``, ``sigmoid``,
      ``step``, ``softmax``, ``log_softmax``, ``identity``, ``leaky_relu``), a one-key mapping
      from such a name to its options (``{"leaky_relu": {"negative_slope": 0.1}}``), or
      ``{"linear": …}`` with ``[in, out]`` or a mapping of ``in``, ``out``, ``weight``, ``bias``
      (``bias: false`` for none). Missing weights are initialised randomly (``seed``).
  ``notation``: how weights are written: ``columns`` (W is outputs × inputs, the default, as
      glassnet and seed 003 store it) or ``rows`` (W is inputs × outputs, seeds 000 and 001).
  ``weights``: a state_dict file written by ``glassnet.save`` (path relative to the spec), loaded
      over the layers — keys ``0.weight``, ``0.bias``, … as in ``model.state_dict()``.
  ``exact``: true to hold the parameters as exact SymPy rationals (``gn.exact``); numbers may
      then be written as strings such as ``"1/3"``.
  ``seed``: the random seed for weights that are not given.

Nothing in a spec is evaluated as code: numbers are numbers, and exact strings must read as
integers, decimals or fractions.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any

import numpy as np

from .._specfile import read_structured
from ..errors import GlassnetError
from .. import nn
from ..nn.activation import ACTIVATIONS as ACTIVATION_REGISTRY
from ._chain import flat_modules, kind_of, make_linear

__all__ = ["SpecError", "load_spec", "load_network", "model_from_spec", "spec_from_model", "save_spec", "ACTIVATIONS"]


class SpecError(GlassnetError, ValueError):
    """A network spec that cannot be read; the message names the file and the entry."""


# Activation names → layer classes, from the one registry (glassnet.nn.activation), and log-softmax.
ACTIVATIONS: dict[str, type] = {name: act.layer for name, act in ACTIVATION_REGISTRY.items()}
ACTIVATIONS["log_softmax"] = nn.LogSoftmax
_DEFAULT_OPTIONS = {"softmax": {"dim": 1}, "log_softmax": {"dim": 1}}
_OPTIONS = {"leaky_relu": {"negative_slope"}, "softmax": {"dim"}, "log_softmax": {"dim"}, "elu": {"alpha"},
            "gelu": {"approximate"}, "softplus": {"beta", "threshold"}}
_EXACT_NUMBER = re.compile(r"^\s*-?\d+(\.\d+)?(\s*/\s*-?\d+)?\s*$")


def _read(path: str):
    return read_structured(path, SpecError, "network spec")


def load_spec(path: str):
    """Read a spec file (``.json``, or ``.yaml``/``.yml`` when PyYAML is installed) into a model."""
    return model_from_spec(_read(path), base_dir=os.path.dirname(os.path.abspath(path)), source=path)


def load_network(path: str, exact: bool | None = None):
    """A model from a network spec, or from a problem file's ``network:`` section
    (``glassnet.problems``; its notation, exact mode and weights as the file gives them)."""
    data = _read(path)
    if isinstance(data, dict) and "network" in data and "layers" not in data:
        from ..problems import load_problem
        from ..problems.runner import _Numbers, build_model
        problem = load_problem(path)
        if problem.network is None:
            raise SpecError(f"{path}: the problem has no network: section (a computation graph "
                            f"cannot be analysed as a network)")
        return build_model(problem, _Numbers(problem, problem.exact if exact is None else exact))
    if exact is not None and isinstance(data, dict):
        data = dict(data, exact=exact)
    return model_from_spec(data, base_dir=os.path.dirname(os.path.abspath(path)), source=path)


def _array(value, what: str, exact: bool, source: str) -> np.ndarray:
    if exact:
        import sympy

        def conv(v):
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                raise SpecError(f"{source}: {what}: {v!r} is not a number")
            if isinstance(v, str):
                if not _EXACT_NUMBER.match(v):
                    raise SpecError(f"{source}: {what}: {v!r} is not a number such as 3, -0.5 or 1/3")
                return sympy.Rational(v.replace(" ", ""))
            return sympy.nsimplify(v, rational=True) if isinstance(v, float) else sympy.Integer(v)
        try:
            arr = np.asarray(value, dtype=object)
        except ValueError:
            raise SpecError(f"{source}: {what} is ragged (rows of different lengths)") from None
        return np.vectorize(conv, otypes=[object])(arr) if arr.size else arr
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise SpecError(f"{source}: {what} must be a list of numbers (rows of equal length); "
                        f"got {value!r}") from None
    return arr


def model_from_spec(spec: dict, base_dir: str = ".", source: str = "<spec>") -> nn.Sequential:
    """Build the ``nn.Sequential`` a spec describes (see the module docstring)."""
    if not isinstance(spec, dict) or "layers" not in spec:
        raise SpecError(f"{source}: a network spec is a mapping with a 'layers' list")
    notation = spec.get("notation", "columns")
    if notation not in ("columns", "rows"):
        raise SpecError(f"{source}: notation must be 'columns' (W outputs × inputs) or 'rows' "
                        f"(W inputs × outputs), got {notation!r}")
    unknown = set(spec) - {"layers", "notation", "weights", "exact", "seed", "description", "name"}
    if unknown:
        raise SpecError(f"{source}: unknown key(s) {', '.join(sorted(unknown))}; valid keys are layers, "
                        f"notation, weights, exact, seed, description, name")
    exact = bool(spec.get("exact", False))
    rng = np.random.default_rng(spec.get("seed", 0))
    modules = []
    prev_out = None
    for n, entry in enumerate(spec["layers"]):
        where = f"layers[{n}]"
        if isinstance(entry, str):
            name, opts = entry, {}
        elif isinstance(entry, dict) and len(entry) == 1:
            name, opts = next(iter(entry.items()))
        else:
            raise SpecError(f"{source}: {where} must be an activation name or a one-key mapping, got {entry!r}")
        if name == "linear":
            modules.append(_linear(opts, where, notation, exact, rng, prev_out, source))
            prev_out = modules[-1].out_features
            continue
        if name not in ACTIVATIONS:
            raise SpecError(f"{source}: {where}: unknown layer {name!r}; choose linear or one of "
                            f"{', '.join(ACTIVATIONS)}")
        opts = dict(_DEFAULT_OPTIONS.get(name, {}), **(opts or {}))
        bad = set(opts) - _OPTIONS.get(name, set())
        if bad:
            raise SpecError(f"{source}: {where}: {name} takes no option(s) {', '.join(sorted(bad))}")
        modules.append(ACTIVATIONS[name](**opts))
    if not modules:
        raise SpecError(f"{source}: 'layers' is empty")
    model = nn.Sequential(*modules)
    if spec.get("weights"):
        path = os.path.join(base_dir, spec["weights"])
        from ..serialization import load
        state = load(path)
        try:
            model.load_state_dict(state)
        except (KeyError, RuntimeError, ValueError) as exc:
            raise SpecError(f"{source}: the weights in {path} do not fit the layers: {exc}") from None
    return model


def _linear(opts, where: str, notation: str, exact: bool, rng, prev_out, source: str) -> nn.Linear:
    if isinstance(opts, (list, tuple)):
        if len(opts) != 2:
            raise SpecError(f"{source}: {where}: linear: [in, out] needs two sizes, got {opts!r}")
        opts = {"in": opts[0], "out": opts[1]}
    if not isinstance(opts, dict):
        raise SpecError(f"{source}: {where}: linear takes [in, out] or a mapping of in, out, weight, bias")
    bad = set(opts) - {"in", "out", "weight", "bias"}
    if bad:
        raise SpecError(f"{source}: {where}: linear has no key(s) {', '.join(sorted(bad))} (in, out, weight, bias)")
    w = opts.get("weight")
    if w is not None:
        w = _array(w, f"{where}.weight", exact, source)
        if w.ndim != 2:
            raise SpecError(f"{source}: {where}.weight must be a matrix, got shape {w.shape}")
        if notation == "rows":
            w = w.T                                     # inputs × outputs → glassnet's (out, in)
    n_in = opts.get("in", w.shape[1] if w is not None else prev_out)
    n_out = opts.get("out", w.shape[0] if w is not None else None)
    if n_in is None or n_out is None:
        raise SpecError(f"{source}: {where}: linear needs its sizes (in, out) or a weight matrix")
    if w is not None and w.shape != (n_out, n_in):
        want = (n_in, n_out) if notation == "rows" else (n_out, n_in)
        raise SpecError(f"{source}: {where}.weight must be {want[0]} × {want[1]} in {notation} notation "
                        f"(in={n_in}, out={n_out}), got {w.T.shape if notation == 'rows' else w.shape}")
    if prev_out is not None and n_in != prev_out:
        raise SpecError(f"{source}: {where}: takes {n_in} inputs but the layer before gives {prev_out}")
    bound = 1 / np.sqrt(n_in) if n_in else 0.0
    if w is None:
        w = rng.uniform(-bound, bound, (n_out, n_in))
        if exact:
            w = _array(w, where, True, source)
    b = opts.get("bias", True)
    if b is False or b is None:
        b = None
    elif b is True:
        b = rng.uniform(-bound, bound, n_out)
        if exact:
            b = _array(b, where, True, source)
    else:
        b = _array(b, f"{where}.bias", exact, source).reshape(-1)
        if b.shape != (n_out,):
            raise SpecError(f"{source}: {where}.bias must have {n_out} entries, got {b.size}")
    return make_linear(w, b)


def spec_from_model(model, notation: str = "columns") -> dict:
    """The spec of a model (a chain of Linear and activation layers), weights included."""
    if notation not in ("columns", "rows"):
        raise ValueError(f"notation must be 'columns' or 'rows', got {notation!r}")
    exact = False
    layers_out: list[Any] = []
    names = {cls: name for name, cls in ACTIVATIONS.items()}
    try:
        modules = [m for _, m in flat_modules(model)]
    except TypeError as exc:
        raise SpecError(f"the model cannot be written as a spec: {exc}") from None
    for m in modules:
        kind = kind_of(m)
        if kind == "linear":
            w = m.weight._data
            exact |= w.dtype == object
            w = w.T if notation == "rows" else w
            entry = {"weight": _plain(w)}
            entry["bias"] = _plain(m.bias._data) if m.bias is not None else False
            layers_out.append({"linear": entry})
        elif type(m) in names:
            name = names[type(m)]
            if name in ("softmax", "log_softmax"):
                layers_out.append({name: {"dim": m.dim}})
            elif name == "leaky_relu":
                layers_out.append({name: {"negative_slope": m.negative_slope}})
            else:
                layers_out.append(name)
        else:
            raise SpecError(f"{type(m).__name__} cannot be written in a spec")
    spec: dict[str, Any] = {"notation": notation}
    if exact:
        spec["exact"] = True
    spec["layers"] = layers_out
    return spec


def _plain(a: np.ndarray):
    if a.dtype == object:
        import sympy

        def conv(v):
            v = sympy.nsimplify(v)
            if not v.is_Rational:
                raise SpecError(f"the exact value {v} is not rational and cannot be written in a spec")
            return int(v) if v.is_Integer else str(v)
        return np.vectorize(conv, otypes=[object])(a).tolist()
    return [_plain_num(v) for v in a.tolist()] if a.ndim == 1 else [[_plain_num(v) for v in r] for r in a.tolist()]


def _plain_num(v: float):
    return int(v) if float(v).is_integer() and abs(v) < 2 ** 53 else float(v)


def save_spec(model, path: str, notation: str = "columns") -> None:
    """Write ``spec_from_model(model, notation)`` as JSON (or YAML for .yaml/.yml)."""
    spec = spec_from_model(model, notation)
    if path.endswith((".yaml", ".yml")):
        import yaml
        text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
    else:
        text = _json_compact(spec)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _json_compact(spec: dict) -> str:
    """JSON with one layer per line and each matrix on one line, for reading by people."""
    head = {k: v for k, v in spec.items() if k != "layers"}
    lines = ["{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in head.items()) + ","]
    lines.append(' "layers": [')
    body = [f"    {json.dumps(layer, ensure_ascii=False)}" for layer in spec["layers"]]
    lines.append(",\n".join(body))
    lines.append(" ]}")
    return "\n".join(lines) + "\n"
