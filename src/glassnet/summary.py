"""``summary(model, input_size)``: every layer's output shape and parameter count, like
torchinfo's ``summary`` and Keras' ``model.summary()``.

The shapes come from a real forward pass on zeros (with forward hooks recording what each
module returns), so they are the shapes the model computes, not a second calculation that
could disagree with it. Seed 004, question 4::

    >>> model = nn.Sequential(nn.Conv2d(3, 32, 8, stride=2, padding=3), nn.MaxPool2d(2),
    ...                       nn.Conv2d(32, 64, 3, padding=1))
    >>> s = summary(model, (3, 128, 128))
    >>> s.output_shape, s.output_numel, s.rows[-1].params
    ((1, 64, 32, 32), 65536, 18496)
    >>> s.rows[-1].param_counts
    {'weight': 18432, 'bias': 64}
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _backend
from .errors import ShapeError
from .grad_mode import no_grad
from .nn.module import Module
from .tensor import Tensor

__all__ = ["summary", "Summary", "LayerRow"]


@dataclass
class LayerRow:
    """One module call of the forward pass."""
    name: str                  # dotted path in the model: "" (the model), "0", "features.conv1"
    type: str                  # class name: "Conv2d"
    description: str           # the module's short_repr(): "Conv2d(3 → 32, k=8, s=2, p=3)"
    depth: int                 # 0 for the model, 1 for its children, …
    output_shape: tuple | None  # None if the call did not finish (shapes stopped fitting there)
    params: int                # parameters the module holds itself (children's not included)
    trainable: int             # … of which requires_grad
    param_counts: dict = field(default_factory=dict)   # {"weight": 18432, "bias": 64}
    param_shapes: dict = field(default_factory=dict)   # {"weight": (64, 32, 3, 3), "bias": (64,)}
    repeated: bool = False     # a second call of the same module: its parameters are counted once

    @property
    def output_numel(self) -> int | None:
        """Values per sample: the product of the output shape without its batch dimension."""
        if self.output_shape is None:
            return None
        return math.prod(self.output_shape[1:]) if len(self.output_shape) > 1 else 1

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "description": self.description,
                "depth": self.depth,
                "output_shape": None if self.output_shape is None else list(self.output_shape),
                "params": self.params, "trainable": self.trainable,
                "param_counts": dict(self.param_counts),
                "param_shapes": {k: list(v) for k, v in self.param_shapes.items()},
                "repeated": self.repeated}


@dataclass
class Summary:
    """The rows of a summary (one per module call, in call order) and the model's totals."""
    model_type: str
    input_shape: tuple                      # the input the forward ran on (batch included)
    dtype: str
    rows: list
    output_shape: tuple | None
    total_params: int
    trainable_params: int
    failed_at: LayerRow | None = None       # the layer where the shapes stopped fitting
    error: str | None = None

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def output_numel(self) -> int | None:
        """Values the model outputs per sample (64·32·32 = 65,536 for seed 004's CNN)."""
        if self.output_shape is None:
            return None
        return math.prod(self.output_shape[1:]) if len(self.output_shape) > 1 else 1

    def __getitem__(self, name: str) -> LayerRow:
        """The first row of the module named ``name`` ("0", "conv1", "features.2")."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no layer named {name!r} in the summary; layers: "
                       f"{[r.name for r in self.rows if r.name]}")

    def to_dict(self) -> dict:
        return {"model": self.model_type, "input_shape": list(self.input_shape),
                "dtype": self.dtype, "rows": [r.to_dict() for r in self.rows],
                "output_shape": None if self.output_shape is None else list(self.output_shape),
                "output_numel": self.output_numel, "total_params": self.total_params,
                "trainable_params": self.trainable_params,
                "non_trainable_params": self.non_trainable_params, "error": self.error}

    def __str__(self) -> str:
        return _render(self)

    def __repr__(self) -> str:
        return (f"Summary({self.model_type}, input {self.input_shape}, {len(self.rows)} rows, "
                f"{self.total_params:,} params)")


def summary(model: Module, input_size, dtype=None, batch_size: int = 1, *,
            verbose: bool = False) -> Summary:
    """Run ``model`` on zeros of shape (batch_size, *input_size) and record every layer.

    Args:
        model: any Module.
        input_size: the shape of one sample, without the batch dimension: (3, 128, 128).
        dtype: the input's dtype (default: that of the model's first floating parameter).
        batch_size: samples in the forward pass (default 1); shapes print with it as N.
        verbose: also print the summary.
    Returns:
        a ``Summary`` (``str()`` gives the table; ``.rows``, ``.total_params``, … for programs).
    Raises:
        ShapeError: the shapes stop fitting somewhere; the message names that layer and shows
            the layers that ran before it with their output shapes.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: model must be a glassnet.nn.Module, got {type(model).__name__}")
    size = _as_size(input_size)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"summary: batch_size must be a positive int, got {batch_size!r}")
    dt = _backend.as_dtype(dtype) if dtype is not None else _model_dtype(model)
    x = Tensor._wrap(np.zeros((batch_size,) + size, dtype=dt))
    names = {id(m): n for n, m in model.named_modules()}
    rows: list[LayerRow] = []
    open_rows: list[LayerRow] = []          # rows whose forward has started but not finished
    seen: set[int] = set()

    def pre_hook(module, args):
        name = names.get(id(module), "?")
        repeated = id(module) in seen
        seen.add(id(module))
        own = [(n, p) for n, p in module._parameters.items() if p is not None]
        row = LayerRow(
            name=name, type=type(module).__name__, description=_describe(module),
            depth=0 if name == "" else name.count(".") + 1, output_shape=None,
            params=0 if repeated else sum(p.numel() for _, p in own),
            trainable=0 if repeated else sum(p.numel() for _, p in own if p.requires_grad),
            param_counts={n: p.numel() for n, p in own},
            param_shapes={n: tuple(p.shape) for n, p in own}, repeated=repeated)
        rows.append(row)
        open_rows.append(row)

    def post_hook(module, args, out):
        row = open_rows.pop()
        row.output_shape = _shape_of(out)

    handles = []
    for m in model.modules():
        handles.append(m.register_forward_pre_hook(pre_hook))
        handles.append(m.register_forward_hook(post_hook))
    was_training = [(m, m.training) for m in model.modules()]
    model.eval()                             # dropout off, batch norm on its running statistics
    out, error = None, None
    try:
        with no_grad():
            out = model(x)
    except ShapeError as exc:
        error = exc
    finally:
        for h in handles:
            h.remove()
        for m, mode in was_training:
            object.__setattr__(m, "training", mode)

    params = list(model.parameters())
    result = Summary(
        model_type=type(model).__name__, input_shape=(batch_size,) + size, dtype=str(np.dtype(dt)),
        rows=rows, output_shape=None if out is None else _shape_of(out),
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad))
    if error is not None:
        # the innermost call that never returned is where the shapes stopped fitting
        result.failed_at = open_rows[-1] if open_rows else None
        result.error = str(error)
        where = (f"layer {result.failed_at.name or result.failed_at.type} "
                 f"({result.failed_at.description})" if result.failed_at else "the model")
        raise ShapeError(
            f"summary: the shapes stop fitting at {where} for input "
            f"{_fmt_shape(result.input_shape, batch_size)} (N = {batch_size}; input_size is one "
            f"sample, without the batch dimension):\n  {error}\n\n{_render(result)}") from None
    if verbose:
        print(result)
    return result


# ---------------------------------------------------------------- helpers

def _as_size(input_size) -> tuple:
    if isinstance(input_size, (int, np.integer)) and not isinstance(input_size, bool):
        input_size = (input_size,)
    try:
        size = tuple(int(s) for s in input_size)
    except (TypeError, ValueError):
        raise TypeError(f"summary: input_size must be a tuple of ints such as (3, 128, 128), "
                        f"got {input_size!r}") from None
    if any(s < 0 for s in size):
        raise ValueError(f"summary: input_size must not have negative sizes, got {size}")
    return size


def _model_dtype(model: Module):
    for p in model.parameters():
        if _backend.is_floating(p.dtype):
            return p.dtype
    return _backend.get_default_dtype()


def _shape_of(out):
    """A tensor's shape; for a tuple/list output (e.g. return_indices), the first tensor's."""
    if isinstance(out, Tensor):
        return tuple(out.shape)
    if isinstance(out, (tuple, list)):
        for o in out:
            if isinstance(o, Tensor):
                return tuple(o.shape)
    return None


def _describe(module: Module) -> str:
    text = module.short_repr().replace("\n", " ").removesuffix("()")     # "ReLU()" → "ReLU"
    return text if len(text) <= 48 else text[:47] + "…"


def _fmt_shape(shape, batch_size: int) -> str:
    """(1, 64, 32, 32) → '(N, 64, 32, 32)': the batch dimension written as N."""
    if shape is None:
        return "--"
    if len(shape) >= 1 and shape[0] == batch_size and len(shape) > 1:
        return "(" + ", ".join(["N"] + [str(s) for s in shape[1:]]) + ")"
    return str(tuple(shape))


def _fmt_params(row: LayerRow) -> tuple[str, str]:
    if row.repeated:
        return "(shared)", ""
    if not row.param_counts:
        return "--", ""
    # "weight 64×32×3×3 = 18,432; bias 64": where each count comes from
    shapes = "; ".join(f"{n} {'×'.join(map(str, s)) or '1'}"
                       + (f" = {row.param_counts[n]:,}" if len(s) > 1 else "")
                       for n, s in row.param_shapes.items())
    return f"{row.params:,}", shapes


def _render(s: Summary) -> str:
    batch = s.input_shape[0]
    table = []
    for row in s.rows:
        layer = ("  " * row.depth) + (f"{row.name}: " if row.name else "") + row.description
        shape = ("✗ shapes stop fitting here" if row is s.failed_at else
                 _fmt_shape(row.output_shape, batch))
        params, shapes = _fmt_params(row)
        table.append((layer, shape, params, shapes))
    head = ("Layer", "Output shape", "Params", "Parameters")
    widths = [max(len(head[i]), *(len(r[i]) for r in table)) if table else len(head[i])
              for i in range(4)]

    def line(cells):
        return (f"{cells[0]:<{widths[0]}}  {cells[1]:<{widths[1]}}  {cells[2]:>{widths[2]}}  "
                f"{cells[3]}").rstrip()
    rule = "=" * (sum(widths) + 6)
    lines = [line(head), rule] + [line(r) for r in table] + [rule]
    lines.append(f"Input: {_fmt_shape(s.input_shape, batch)} with N = {batch}, {s.dtype}")
    if s.output_shape is not None:
        lines.append(f"Output: {_fmt_shape(s.output_shape, batch)}, {s.output_numel:,} values "
                     f"per sample")
    lines.append(f"Total params: {s.total_params:,}")
    lines.append(f"Trainable params: {s.trainable_params:,}")
    lines.append(f"Non-trainable params: {s.non_trainable_params:,}")
    return "\n".join(lines)
