"""``glassnet summary``: each layer's output shape and parameter count for a model.

    glassnet summary ARCH.yaml --input 3,128,128               # an architecture spec
    glassnet summary ARCH.yaml --weights model.gnz --input …   # … checked against saved weights
    glassnet summary model.gnz                                 # a state_dict alone: names, shapes
    glassnet summary runs/digits                               # a run of glassnet train

A state_dict file (``glassnet.save(model.state_dict(), …)``) holds names and arrays but no
architecture, so output shapes need an architecture spec: a YAML or JSON list of layers,
each a glassnet.nn class name with its arguments (positional, then a mapping of keywords)::

    input: [3, 128, 128]          # optional; --input overrides it
    layers:
      - Conv2d: [3, 32, 8, {stride: 2, padding: 3}]
      - MaxPool2d: 2
      - Conv2d: [32, 64, 3, {padding: 1}]
      - ReLU                      # no arguments
      - Flatten
      - Linear: {in_features: 65536, out_features: 10}

The layers form an ``nn.Sequential`` (keys 0, 1, …, as in its state_dict). Names match
case-insensitively and without underscores (``relu``, ``max_pool2d``, ``leaky_relu``). A spec
may also be just the list of layers, and may name its weights file (``weights: model.gnz``,
relative to the spec). Nothing in a spec runs as code.
"""
from __future__ import annotations

import json
import os
import re

from .._specfile import read_structured
from ..errors import GlassnetError

__all__ = ["SummarySpecError", "LAYERS", "model_from_spec", "read_spec", "register", "run"]


class SummarySpecError(GlassnetError, ValueError):
    """An architecture spec, input size or weights file that cannot be used."""


def _key(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _layer_registry() -> dict:
    """Every layer class of glassnet.nn by normalised name (losses and containers left out)."""
    from .. import nn
    skip = {"Module", "ModuleList", "ModuleDict", "Sequential", "Parameter"}
    return {_key(name): cls for name, cls in vars(nn).items()
            if isinstance(cls, type) and issubclass(cls, nn.Module) and name not in skip
            and not name.endswith("Loss")}


LAYERS: dict[str, type] = _layer_registry()


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "summary", help="print each layer's output shape and parameter count",
        description="Run a model on zeros and print, for each layer, its output shape and its "
                    "parameters, with the totals (like torchinfo / Keras model.summary()). FILE is "
                    "an architecture spec (.yaml, .yml, .json), a state_dict saved by glassnet.save "
                    "(names and shapes only, unless --arch gives the architecture), or a run "
                    "directory of glassnet train.",
        epilog="Spec example (YAML):  layers: [{Conv2d: [3, 32, 8, {stride: 2, padding: 3}]}, "
               "{MaxPool2d: 2}, {Conv2d: [32, 64, 3, {padding: 1}]}]")
    p.add_argument("file", metavar="FILE", help="architecture spec, model file or run directory")
    p.add_argument("--input", metavar="C,H,W",
                   help="the shape of one sample, without the batch dimension (3,128,128)")
    p.add_argument("--weights", metavar="MODEL", help="a state_dict to load into the spec's model")
    p.add_argument("--arch", metavar="SPEC", help="the architecture spec of a model file")
    p.add_argument("--batch-size", type=int, default=1, help="samples in the forward pass (default 1)")
    p.add_argument("--dtype", choices=["float64", "float32"], default=None,
                   help="the input's dtype (default: the model's)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..summary import summary
    path = args.file
    if not os.path.exists(path):
        raise SummarySpecError(f"{path}: no such file or directory")
    if os.path.isdir(path) or (_is_glassnet_file(path) and not args.arch
                               and _has_run_config(path)):
        model, input_size = _run_model(path)
        spec_input, weights = None, None
    elif _is_glassnet_file(path):
        if not args.arch:
            return _print_state_dict(path, args.json)
        model, spec_input, _ = model_from_spec(args.arch)
        weights = path
        input_size = None
    else:
        if args.arch:
            raise SummarySpecError(f"{path} is an architecture spec already; --arch is for model files")
        model, spec_input, spec_weights = model_from_spec(path)
        weights, input_size = args.weights or spec_weights, None
    if weights:
        _load_weights(model, weights)
    if args.input:
        input_size = parse_input(args.input)
    elif input_size is None:
        input_size = spec_input if spec_input is not None else _guess_input(model)
    if input_size is None:
        raise SummarySpecError(f"{path}: give the shape of one sample with --input (e.g. --input "
                               f"3,128,128 for RGB images of 128×128), or 'input:' in the spec")
    if args.batch_size < 1:
        raise SummarySpecError(f"--batch-size must be ≥ 1, got {args.batch_size}")
    result = summary(model, input_size, dtype=args.dtype, batch_size=args.batch_size)
    print(json.dumps(result.to_dict(), ensure_ascii=False) if args.json else result)
    return 0


# ---------------------------------------------------------------- specs

def read_spec(path: str):
    """The parsed contents of a YAML or JSON spec file."""
    return read_structured(path, SummarySpecError, "architecture spec")


def model_from_spec(path: str):
    """(nn.Sequential, input size or None, weights path or None) from a spec file."""
    from .. import nn
    data = read_spec(path)
    input_size = weights = None
    if isinstance(data, dict):
        unknown = set(data) - {"layers", "input", "weights"}
        if unknown:
            raise SummarySpecError(f"{path}: unknown key(s) {sorted(unknown)}; a spec has "
                                   f"'layers', and optionally 'input' and 'weights'")
        if "layers" not in data:
            raise SummarySpecError(f"{path}: no 'layers' list")
        if data.get("input") is not None:
            input_size = parse_input(data["input"], f"{path}: input")
        if data.get("weights"):
            weights = os.path.join(os.path.dirname(path), str(data["weights"]))
        layers = data["layers"]
    else:
        layers = data
    if not isinstance(layers, list) or not layers:
        raise SummarySpecError(f"{path}: the layers must be a non-empty list, such as "
                               f"[{{Conv2d: [3, 32, 8]}}, ReLU]")
    return nn.Sequential(*[_layer(entry, i, path) for i, entry in enumerate(layers)]), \
        input_size, weights


def _layer(entry, index: int, path: str):
    """One entry: ``"ReLU"``, ``{"MaxPool2d": 2}``, ``{"Conv2d": [3, 32, 8, {"stride": 2}]}``,
    ``{"Linear": {"in_features": 4, "out_features": 2}}``."""
    where = f"{path}, layer {index}"
    if isinstance(entry, str):
        name, value = entry, None
    elif isinstance(entry, dict) and len(entry) == 1:
        (name, value), = entry.items()
    else:
        raise SummarySpecError(f"{where}: expected a layer name or a one-key mapping such as "
                               f"{{Conv2d: [3, 32, 8]}}, got {entry!r}")
    cls = LAYERS.get(_key(str(name)))
    if cls is None:
        raise SummarySpecError(f"{where}: unknown layer {name!r}; choose one of "
                               f"{', '.join(sorted(c.__name__ for c in LAYERS.values()))}")
    if value is None:
        args, kwargs = [], {}
    elif isinstance(value, dict):
        args, kwargs = [], value
    elif isinstance(value, list):
        args, kwargs = value, {}
        if args and isinstance(args[-1], dict):
            args, kwargs = args[:-1], args[-1]
    else:
        args, kwargs = [value], {}
    args = [_tuples(a) for a in args]
    kwargs = {str(k): _tuples(v) for k, v in kwargs.items()}
    try:
        return cls(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        shown = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
        raise SummarySpecError(f"{where}: {cls.__name__}({shown}): {exc}") from None


def _tuples(value):
    """YAML / JSON lists become tuples: kernel_size [3, 5] → (3, 5), as a Python call writes it."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def parse_input(value, what: str = "--input") -> tuple:
    """'3,128,128', '3x128x128', '3×128×128' or [3, 128, 128] → (3, 128, 128)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        parts = [p for p in re.split(r"[,x×*\s()\[\]]+", str(value).strip()) if p]
    try:
        size = tuple(int(p) for p in parts)
    except ValueError:
        size = ()
    if not size or any(s <= 0 for s in size):
        raise SummarySpecError(f"{what}: expected the shape of one sample as positive integers "
                               f"such as 3,128,128, got {value!r}")
    return size


def _guess_input(model):
    """An MLP's input size is its first Linear's in_features; other models need --input."""
    from .. import nn
    first = next(iter(model), None)
    if isinstance(first, nn.Linear):
        return (first.in_features,)
    return None


# ---------------------------------------------------------------- model files

def _is_glassnet_file(path: str) -> bool:
    from ..serialization import MAGIC
    if not os.path.isfile(path):
        return False
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def _has_run_config(path: str) -> bool:
    return os.path.isfile(os.path.join(os.path.dirname(path) or ".", "config.json"))


def _run_model(path: str):
    """A run of glassnet train: its model (config.json gives the architecture) and input size."""
    try:
        from ..train.models import load_run as load_run_model
    except ImportError:                                            # pragma: no cover
        raise SummarySpecError(f"{path}: reading runs of glassnet train needs its command") from None
    model, cfg = load_run_model(path)
    return model, (int(cfg["model"]["sizes"][0]),)


def _load_state_dict(path: str) -> dict:
    from ..serialization import load
    from ..tensor import Tensor
    obj = load(path)
    if isinstance(obj, dict) and not all(isinstance(v, Tensor) for v in obj.values()):
        for key in ("model", "model_state_dict", "state_dict"):     # a training checkpoint
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not all(isinstance(v, Tensor) for v in obj.values()):
        raise SummarySpecError(f"{path}: not a state_dict (a mapping of names to tensors)")
    return obj


def _load_weights(model, path: str) -> None:
    state = _load_state_dict(path)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise SummarySpecError(f"{path}: the weights do not fit the architecture: {exc}") from None


def _print_state_dict(path: str, as_json: bool) -> int:
    """What a state_dict alone can tell: each tensor's name, shape and size, and the total."""
    state = _load_state_dict(path)
    rows = [(name, tuple(t.shape), t.numel()) for name, t in state.items()]
    total = sum(n for *_, n in rows)
    if as_json:
        print(json.dumps({"file": path, "tensors": [{"name": n, "shape": list(s), "numel": c}
                                                    for n, s, c in rows], "total": total}))
        return 0
    print(f"{path}: a state_dict — names and shapes only (it holds no architecture; for output "
          f"shapes give one: glassnet summary {path} --arch SPEC.yaml --input …)")
    w = max([4] + [len(n) for n, *_ in rows])
    sw = max([5] + [len("×".join(map(str, s))) for _, s, _ in rows])
    print(f"{'Name':<{w}}  {'Shape':<{sw}}  {'Values':>10}")
    print("=" * (w + sw + 14))
    for name, shape, n in rows:
        print(f"{name:<{w}}  {'×'.join(map(str, shape)) or 'scalar':<{sw}}  {n:>10,}")
    print("=" * (w + sw + 14))
    print(f"Total: {total:,} values in {len(rows)} tensors")
    return 0
