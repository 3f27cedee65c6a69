"""Shape tables: every forward and backward quantity of a network and batch, with its shape
in the notation of a course document (seed 001 P2).

The shapes come from a real forward and backward pass (a copy of the model, a loss J on the
batch, every z⁽ˡ⁾ and a⁽ˡ⁾ kept with ``retain_grad``), then are written in the notation asked for:

========== =========================== ====================== =============================
notation   samples                     W⁽ˡ⁾                   b⁽ˡ⁾, layer map
========== =========================== ====================== =============================
columns    columns: X (features, N)    outputs × inputs       (out, 1);  z = W a + b   (seed 003)
rows       columns: X (features, N)    inputs × outputs       (out, 1);  z = Wᵀ a + b  (seeds 000, 001)
torch      rows: X (N, features)       outputs × inputs       (out,);    Z = A Wᵀ + b  (glassnet itself)
========== =========================== ====================== =============================

``rows`` names where the *weights'* inputs go, as seed 000 does (W is m × n, inputs × outputs);
its samples are still columns, as in seed 001's z = b + wᵀa with X (2, 100) and w⁽²⁾ (2, 3).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from ..nn import Module
from ..tensor import Tensor
from .. import ops
from ._chain import float_copy, layers
from ._chain import sup as _sup

__all__ = ["ShapeRow", "ShapeTable", "shape_table", "NOTATIONS"]

NOTATIONS = ("columns", "rows", "torch")


@dataclass
class ShapeRow:
    key: str            # ASCII key: "X", "z1", "dJ/dW2"
    symbol: str         # "z⁽¹⁾", "∂J/∂W⁽²⁾"
    shape: tuple
    how: str            # how it is computed, in the notation


@dataclass
class ShapeTable:
    """Rows in the order seed 001 lists them: X, y, then z, a, b, W of each layer, then
    ∂J/∂a, ∂J/∂z, ∂J/∂b, ∂J/∂W from the last layer back."""

    notation: str
    batch: int
    loss: str
    rows: list[ShapeRow]

    def __getitem__(self, key: str) -> tuple:
        for r in self.rows:
            if r.key == key or r.symbol == key:
                return r.shape
        raise KeyError(f"no quantity {key!r}; keys: {', '.join(r.key for r in self.rows)}")

    def as_dict(self) -> dict[str, tuple]:
        return {r.key: r.shape for r in self.rows}

    def __str__(self) -> str:
        head = f"shapes for a batch of {self.batch} ({self.notation} notation; J = {self.loss})"
        w = max(len(r.symbol) for r in self.rows)
        s = max(len(str(r.shape)) for r in self.rows)
        return "\n".join([head] + [f"  {r.symbol:<{w}}  {str(r.shape):<{s}}  {r.how}" for r in self.rows])

    def to_markdown(self) -> str:
        out = [f"| quantity | shape | computed as |", "|---|---|---|"]
        out += [f"| {r.symbol} | {r.shape} | {r.how} |" for r in self.rows]
        return "\n".join(out)


def _default_loss(last_kind: str):
    """J on the output a⁽ᴸ⁾ and targets y (both (N, K)), averaged over the batch."""
    if last_kind == "softmax":
        return "−(1/N) Σ y log a⁽ᴸ⁾ (cross-entropy)", lambda a, y: -(y * ops.log(a)).sum() / a.shape[0]
    if last_kind == "log_softmax":
        return "−(1/N) Σ y a⁽ᴸ⁾ (NLL)", lambda a, y: -(y * a).sum() / a.shape[0]
    if last_kind == "sigmoid":
        return ("−(1/N) Σ [y log a + (1 − y) log(1 − a)] (cross-entropy)",
                lambda a, y: -(y * ops.log(a) + (1 - y) * ops.log(1 - a)).sum() / a.shape[0])
    return "(1/2N) Σ (a⁽ᴸ⁾ − y)² (squared error)", lambda a, y: ((a - y) ** 2).sum() / (2 * a.shape[0])


def _targets(last_kind: str, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    if last_kind in ("softmax", "log_softmax"):
        return np.eye(k)[rng.integers(0, k, n)]             # one-hot rows
    if last_kind == "sigmoid":
        return rng.integers(0, 2, (n, k)).astype(np.float64)
    return rng.standard_normal((n, k))


def shape_table(model: Module, batch, target=None, loss=None, *, notation: str = "columns",
                seed: int = 0) -> ShapeTable:
    """The shape of X, y, z⁽ˡ⁾, a⁽ˡ⁾, W⁽ˡ⁾, b⁽ˡ⁾, ∂J/∂a⁽ˡ⁾, ∂J/∂z⁽ˡ⁾, ∂J/∂W⁽ˡ⁾, ∂J/∂b⁽ˡ⁾.

    Args:
        model: a chain of Linear and activation layers.
        batch: the number of samples N (random inputs), or the inputs themselves, laid out as
            the notation lays out samples: (features, N) for 'columns' and 'rows', (N, features)
            for 'torch'.
        target: optional targets in the same layout (default: random one-hot for a softmax
            output, random 0/1 for a sigmoid output, random numbers otherwise).
        loss: optional ``loss(a_L, y)`` on (N, K) tensors returning a scalar; default
            cross-entropy for softmax/sigmoid outputs, squared error otherwise, batch-averaged.
        notation: 'columns', 'rows' or 'torch' (see the module docstring).
    Example (seed 001 P2):
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 3), nn.Softmax(dim=1))
        >>> t = shape_table(net, 100, notation="rows")
        >>> t["X"], t["z1"], t["W2"], t["dJ/dW2"]
        ((2, 100), (2, 100), (2, 3), (2, 3))
    """
    if notation not in NOTATIONS:
        raise ValueError(f"notation must be one of {', '.join(NOTATIONS)}; got {notation!r}")
    model = copy.deepcopy(float_copy(model))            # shapes do not depend on exact values
    chain = layers(model)
    n_in = chain[0].linear.in_features
    rng = np.random.default_rng(seed)
    samples_as_columns = notation != "torch"

    def from_notation(arr, what: str, k: int) -> np.ndarray:
        arr = arr._data if isinstance(arr, Tensor) else np.asarray(arr, dtype=np.float64)
        want = (k, "N") if samples_as_columns else ("N", k)
        if arr.ndim != 2 or arr.shape[0 if samples_as_columns else 1] != k:
            raise ValueError(f"{what} must have shape {want} in {notation} notation, got {arr.shape}")
        return arr.T if samples_as_columns else arr         # → (N, k), glassnet's layout

    if isinstance(batch, (int, np.integer)):
        if batch < 1:
            raise ValueError(f"batch must be ≥ 1, got {batch}")
        x = rng.standard_normal((int(batch), n_in))
    else:
        x = from_notation(batch, "the batch X", n_in)
    n = x.shape[0]

    # forward, layer by layer, keeping every z and a
    zs, as_ = [], []
    a = Tensor._wrap(np.ascontiguousarray(x, dtype=np.float64))
    for p in model.parameters():
        p.requires_grad_(True)
        p.grad = None
    for layer in chain:
        z = layer.linear(a)
        z.retain_grad()
        a = z
        for _, module in layer.activations:
            a = module(a)
        if a is not z:
            a.retain_grad()
        zs.append(z)
        as_.append(a)

    last_kind = next((k for k in reversed(chain[-1].kinds) if k != "identity"), "identity")
    k_out = chain[-1].linear.out_features
    y = _targets(last_kind, n, k_out, rng) if target is None else from_notation(target, "the targets y", k_out)
    loss_text, default = _default_loss(last_kind)
    if loss is None:
        loss = default
    else:
        loss_text = getattr(loss, "__name__", type(loss).__name__)
    J = loss(as_[-1], Tensor._wrap(np.asarray(y, dtype=np.float64)))
    J.backward()

    def data_shape(arr: np.ndarray) -> tuple:             # (N, k) → the notation's layout
        return tuple(arr.T.shape) if samples_as_columns else tuple(arr.shape)

    def weight_shape(arr: np.ndarray) -> tuple:           # (out, in) → the notation's layout
        return tuple(arr.T.shape) if notation == "rows" else tuple(arr.shape)

    def bias_shape(arr: np.ndarray) -> tuple:             # (out,) → (out, 1) beside column samples
        return tuple(arr.reshape(-1, 1).shape) if samples_as_columns else tuple(arr.shape)

    Wt = "ᵀ" if notation == "rows" else ""
    rows = [ShapeRow("X", "X", data_shape(x), "the inputs, one sample per " +
                     ("column" if samples_as_columns else "row")),
            ShapeRow("y", "y", data_shape(np.asarray(y)), "the targets")]
    L = len(chain)
    for l, (layer, z, a) in enumerate(zip(chain, zs, as_), start=1):
        s = _sup(l)
        prev = "X" if l == 1 else f"a{_sup(l - 1)}"
        if notation == "torch":
            how_z = f"{prev} W{s}ᵀ + b{s}"
        else:
            how_z = f"W{s}{Wt} {prev} + b{s}"
        rows.append(ShapeRow(f"z{l}", f"z{s}", data_shape(z._data), how_z))
        rows.append(ShapeRow(f"a{l}", f"a{s}", data_shape(a._data),
                             f"{layer.activation}(z{s})" if a is not z else f"z{s} (no activation)"))
        if layer.linear.bias is not None:
            rows.append(ShapeRow(f"b{l}", f"b{s}", bias_shape(layer.linear.bias._data), "parameter"))
        rows.append(ShapeRow(f"W{l}", f"W{s}", weight_shape(layer.linear.weight._data),
                             "parameter, " + ("inputs × outputs" if notation == "rows" else "outputs × inputs")))
    for l in range(L, 0, -1):
        layer, z, a = chain[l - 1], zs[l - 1], as_[l - 1]
        s = _sup(l)
        prev = "X" if l == 1 else f"a{_sup(l - 1)}"
        if l == L:
            how_a = "∂J/∂a from the loss"
        elif notation == "columns":
            how_a = f"W{_sup(l + 1)}ᵀ ∂J/∂z{_sup(l + 1)}"
        elif notation == "rows":
            how_a = f"W{_sup(l + 1)} ∂J/∂z{_sup(l + 1)}"
        else:
            how_a = f"∂J/∂z{_sup(l + 1)} W{_sup(l + 1)}"
        if a is not z:
            rows.append(ShapeRow(f"dJ/da{l}", f"∂J/∂a{s}", data_shape(a.grad._data), how_a))
            mixing = any(k in ("softmax", "log_softmax") for k in layer.kinds)
            how_dz = (f"(Diag(a) − a aᵀ) ∂J/∂a{s} per sample" if mixing else
                      f"∂J/∂a{s} ∘ {layer.activation}′(z{s})")
        else:
            rows.append(ShapeRow(f"dJ/da{l}", f"∂J/∂a{s}", data_shape(z.grad._data), how_a))
            how_dz = f"∂J/∂a{s} (a{s} = z{s})"
        rows.append(ShapeRow(f"dJ/dz{l}", f"∂J/∂z{s}", data_shape(z.grad._data), how_dz))
        if layer.linear.bias is not None:
            rows.append(ShapeRow(f"dJ/db{l}", f"∂J/∂b{s}", bias_shape(layer.linear.bias.grad._data),
                                 f"∂J/∂z{s} summed over the samples"))
        how_w = {"columns": f"∂J/∂z{s} {prev}ᵀ", "rows": f"{prev} (∂J/∂z{s})ᵀ",
                 "torch": f"(∂J/∂z{s})ᵀ {prev}"}[notation]
        rows.append(ShapeRow(f"dJ/dW{l}", f"∂J/∂W{s}", weight_shape(layer.linear.weight.grad._data), how_w))
    return ShapeTable(notation, n, loss_text, rows)
