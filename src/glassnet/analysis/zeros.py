"""Structural zeros: which parameter gradients vanish for this input whatever the loss.

For a layer z = W a + b, ∂L/∂W_ji = δ_j · a_i and ∂L/∂b_j = δ_j with δ_j = ∂L/∂z_j. So
∂L/∂W_ji is zero *whatever the loss* when

* the input a_i is 0: an input feature x_i = 0, an inactive ReLU upstream (ReLU(z ≤ 0) = 0),
  a Step unit that is off; or
* ∂y/∂z_j = 0, i.e. no path carries a gradient from z_j to the output: the unit's own ReLU
  is inactive (ReLU′ = 0), it is a Step unit (Step′ = 0 everywhere), a sigmoid/tanh that
  saturates to a zero derivative, or every unit it feeds (with a nonzero weight) is blocked.

A gradient can also be zero for one loss value only (∂L/∂y = 0 when the prediction equals
the target, or paths that cancel): ``structural_zeros`` reports those separately when given
the loss, by running the real backward pass (seed 002 P3).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from ..grad_mode import no_grad
from ..nn import Module
from ..tensor import Tensor
from ._chain import Layer, as_array, input_for, layers, param_prefix
from ._chain import sup as _sup

__all__ = ["ZeroEntry", "StructuralZeros", "structural_zeros"]

GUARANTEED = "guaranteed zero"
THIS_LOSS = "zero for this loss value"
NOT_GUARANTEED = "not guaranteed zero"
NONZERO = "nonzero"

_NAMES = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "σ", "step": "Step", "leaky_relu": "LeakyReLU",
          "identity": "identity", "softmax": "softmax", "log_softmax": "log-softmax"}


def _num(v) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:.4g}"


@dataclass
class ZeroEntry:
    """One parameter entry: its state-dict name and index, a seed-style label, the verdict."""

    param: str              # e.g. "0.weight"
    index: tuple            # 0-based index into the parameter
    label: str              # e.g. "W⁽¹⁾[1, 2]" (1-based, W is outputs × inputs)
    status: str             # GUARANTEED, THIS_LOSS, NOT_GUARANTEED or NONZERO
    reason: str
    gradient: float | None = None

    @property
    def guaranteed(self) -> bool:
        return self.status == GUARANTEED


@dataclass
class StructuralZeros:
    """The verdict for every parameter entry of a model at one input (or batch).

    ``guaranteed[name]`` is a boolean array shaped like the parameter: True where ∂L/∂θ is zero
    for every loss that depends on the output. ``gradients`` holds the real gradients when a loss
    was given. ``answer("2.weight", (0, 0))`` gives the seed's YES/NO.
    """

    entries: list[ZeroEntry]
    guaranteed: dict[str, np.ndarray]
    gradients: dict[str, np.ndarray] | None = None
    notes: list[str] = field(default_factory=list)

    def entry(self, param: str, index) -> ZeroEntry:
        index = tuple(index) if np.ndim(index) else (int(index),)
        for e in self.entries:
            if e.param == param and e.index == index:
                return e
        raise KeyError(f"no entry {param}{list(index)}; parameters: {', '.join(self.guaranteed)}")

    def answer(self, param: str, index) -> str:
        """'YES' if ∂L/∂param[index] is guaranteed to be zero for this input, else 'NO'."""
        return "YES" if self.entry(param, index).guaranteed else "NO"

    def zero_entries(self) -> list[ZeroEntry]:
        return [e for e in self.entries if e.status in (GUARANTEED, THIS_LOSS)]

    def __str__(self) -> str:
        n = len(self.entries)
        g = sum(e.status == GUARANTEED for e in self.entries)
        t = sum(e.status == THIS_LOSS for e in self.entries)
        lines = [f"structural zeros: {g} of {n} parameter gradients are zero whatever the loss"
                 + (f", {t} more for this loss value only" if self.gradients is not None else "")]
        lines += [f"  note: {s}" for s in self.notes]
        width = max((len(e.label) for e in self.entries), default=0)
        for e in self.entries:
            grad = "" if e.gradient is None else f"  (∂L/∂θ = {_num(e.gradient)})"
            lines.append(f"  {e.label:<{width}}  {e.status:<20}  {e.reason}{grad}")
        return "\n".join(lines)


# ------------------------------------------------------------------ forward, recording what matters

@dataclass
class _Act:
    kind: str
    z: np.ndarray               # its input
    out: np.ndarray             # its output
    deriv: np.ndarray | None    # elementwise derivative; None for softmax-like (mixing) layers


@dataclass
class _Rec:
    layer: Layer
    a_in: np.ndarray            # (N, in)
    z: np.ndarray               # (N, out)
    acts: list[_Act]
    open_z: np.ndarray | None = None    # (N, out): True where ∂y/∂z_j can be nonzero
    why_closed: list | None = None      # [n][j] → reason text where open_z is False


def _derivative(kind: str, module, z: np.ndarray, out: np.ndarray) -> np.ndarray | None:
    """The activation's derivative at z, as its op's backward computes it."""
    positive = np.vectorize(lambda v: bool(v > 0), otypes=[bool])(z) if z.dtype == object else z > 0
    if kind == "relu":
        return positive.astype(np.float64)              # ReLU′(0) = 0, as in torch
    if kind == "step":
        return np.zeros(z.shape)
    if kind == "leaky_relu":
        return np.where(positive, 1.0, float(module.negative_slope))
    if kind == "tanh":
        return 1 - out * out
    if kind == "sigmoid":
        return out * (1 - out)
    if kind == "identity":
        return np.ones(z.shape)
    return None                                         # softmax, log_softmax: dense Jacobian


def _forward(chain: list[Layer], x: np.ndarray) -> list[_Rec]:
    recs = []
    a = Tensor._wrap(x)
    with no_grad():
        for layer in chain:
            a_in = a._data
            a = layer.linear(a)
            z = a._data
            acts = []
            for kind, module in layer.activations:
                zin = a._data
                a = module(a)
                acts.append(_Act(kind, zin, a._data, _derivative(kind, module, zin, a._data)))
            recs.append(_Rec(layer, a_in, z, acts))
    return recs


def _is_zero(v) -> bool:
    return bool(v == 0)


def _block_reason(act: _Act, n: int, j: int, l: int) -> str:
    zv = _num(act.z[n, j])
    if act.kind == "relu":
        return f"unit z{_sup(l)}_{j + 1} is inactive: ReLU′(z = {zv}) = 0"
    if act.kind == "step":
        return f"unit z{_sup(l)}_{j + 1} is a Step unit: Step′ = 0 everywhere"
    if act.kind == "leaky_relu":
        return f"LeakyReLU with slope 0 at z{_sup(l)}_{j + 1} = {zv}"
    return f"{_NAMES[act.kind]}′(z{_sup(l)}_{j + 1} = {zv}) = 0 (saturated)"


def _backward_masks(recs: list[_Rec]) -> None:
    """Fill open_z / why_closed, walking from the output back (boolean reverse mode)."""
    N = recs[0].a_in.shape[0]
    open_a = np.ones((N, recs[-1].z.shape[1]), dtype=bool)
    why_a = [[""] * open_a.shape[1] for _ in range(N)]
    for rec in reversed(recs):
        l = rec.layer.index
        open_cur, why_cur = open_a, why_a
        for act in reversed(rec.acts):
            if act.deriv is None and act.z.shape[1] == 1:
                # a softmax over one unit is the constant 1 (log-softmax: 0): its derivative is 0
                open_new = np.zeros_like(open_cur)
                why_new = [[f"{_NAMES[act.kind]} over a single unit is constant"] for _ in range(N)]
            elif act.deriv is None:                     # softmax mixes the units of a sample
                any_open = open_cur.any(axis=1, keepdims=True)
                open_new = np.broadcast_to(any_open, open_cur.shape).copy()
                why_new = [[why_cur[n][0] if not any_open[n, 0] else "" for _ in row]
                           for n, row in enumerate(why_cur)]
            else:
                nonzero = np.vectorize(lambda v: not _is_zero(v), otypes=[bool])(act.deriv)
                open_new = open_cur & nonzero
                why_new = [[why_cur[n][j] if not open_cur[n, j] else
                            (_block_reason(act, n, j, l) if not nonzero[n, j] else "")
                            for j in range(open_cur.shape[1])] for n in range(N)]
            open_cur, why_cur = open_new, why_new
        rec.open_z, rec.why_closed = open_cur, why_cur
        # through the affine map: a_i is open if it feeds an open z_j through a nonzero weight
        w = rec.layer.weight
        wnz = np.vectorize(lambda v: not _is_zero(v), otypes=[bool])(w)      # (out, in)
        open_a = (open_cur[:, :, None] & wnz[None, :, :]).any(axis=1)         # (N, in)
        why_a = []
        for n in range(N):
            row = []
            for i in range(w.shape[1]):
                fed = [j for j in range(w.shape[0]) if wnz[j, i]]
                if open_a[n, i]:
                    row.append("")
                elif not fed:
                    row.append("all its outgoing weights are 0")
                else:
                    units = ", ".join(f"z{_sup(l)}_{j + 1}" for j in fed)
                    row.append(f"every unit it feeds is blocked ({units}): no path to the output")
            why_a.append(row)


def _input_reason(recs: list[_Rec], k: int, n: int, i: int) -> str:
    """Why the input a_i of layer recs[k] is 0 for sample n."""
    if k == 0:
        return f"input x_{i + 1} = 0"
    prev = recs[k - 1]
    l = prev.layer.index
    if prev.acts:
        act = prev.acts[-1]
        zv = _num(act.z[n, i])
        if act.kind == "relu":
            return f"upstream unit a{_sup(l)}_{i + 1} = ReLU(z = {zv}) = 0 is inactive"
        if act.kind == "step":
            return f"upstream Step unit a{_sup(l)}_{i + 1} = Step(z = {zv}) = 0"
        return f"upstream unit a{_sup(l)}_{i + 1} = {_NAMES.get(act.kind, act.kind)}(z = {zv}) = 0"
    return f"upstream unit a{_sup(l)}_{i + 1} = z{_sup(l)}_{i + 1} = 0"


def _closed_reason(rec: _Rec, n: int, j: int) -> str:
    why = rec.why_closed[n][j]
    return f"∂y/∂z{_sup(rec.layer.index)}_{j + 1} = 0: {why}" if why else \
        f"∂y/∂z{_sup(rec.layer.index)}_{j + 1} = 0"


def structural_zeros(model: Module, x, loss=None, target=None) -> StructuralZeros:
    """Which ∂L/∂θ are zero for input ``x`` whatever the loss, and why (seed 002 P3).

    Args:
        model: a chain of Linear and activation layers (``nn.Sequential``).
        x: one input (features,) or a batch (N, features); with a batch an entry is guaranteed
            zero when it is for every sample.
        loss: optional; ``loss(output, target)`` (or ``loss(output)`` when ``target`` is None),
            e.g. ``nn.SquaredErrorLoss()``. Then the real gradients are computed (on a copy of
            the model) and entries that vanish for this loss value only are reported as such.
    Returns:
        StructuralZeros, whose ``answer(param, index)`` is the seed's YES/NO.
    """
    chain = layers(model)
    xa = as_array(x)
    if xa.shape[1] != chain[0].linear.in_features:
        raise ValueError(f"x has {xa.shape[1]} features but layer 1 takes {chain[0].linear.in_features}")
    recs = _forward(chain, input_for(chain[0].weight.dtype, xa))
    _backward_masks(recs)
    N = xa.shape[0]
    nonzero = np.vectorize(lambda v: not _is_zero(v), otypes=[bool])

    gradients = dy = None
    if loss is not None:
        gradients, dy = _real_gradients(model, xa, loss, target)

    entries: list[ZeroEntry] = []
    guaranteed: dict[str, np.ndarray] = {}
    notes = []
    if N > 1:
        notes.append(f"a batch of {N} samples: an entry is guaranteed zero when it is for every sample; "
                     f"reasons are given for the first sample")
    for k, rec in enumerate(recs):
        l = rec.layer.index
        pre = param_prefix(rec.layer)
        a_nz = nonzero(rec.a_in)                            # (N, in)
        # ∂L/∂W_ji = Σ_n δ_nj a_ni: possible only if some sample has both factors open
        possible_w = (rec.open_z[:, :, None] & a_nz[:, None, :]).any(axis=0)     # (out, in)
        possible_b = rec.open_z.any(axis=0)                                      # (out,)
        guaranteed[pre + "weight"] = ~possible_w
        out_f, in_f = possible_w.shape
        for j in range(out_f):
            for i in range(in_f):
                reason = _entry_reason(recs, k, j, i, possible_w[j, i], a_nz, N)
                entries.append(ZeroEntry(pre + "weight", (j, i), f"W{_sup(l)}[{j + 1}, {i + 1}]",
                                         GUARANTEED if not possible_w[j, i] else NOT_GUARANTEED, reason))
        if rec.layer.bias is not None:
            guaranteed[pre + "bias"] = ~possible_b
            for j in range(out_f):
                if possible_b[j]:
                    reason = f"∂L/∂b_{j + 1} = ∂L/∂z{_sup(l)}_{j + 1} and a path to the output is open"
                else:
                    reason = _closed_reason(rec, _first(~rec.open_z[:, j]), j)
                entries.append(ZeroEntry(pre + "bias", (j,), f"b{_sup(l)}[{j + 1}]",
                                         GUARANTEED if not possible_b[j] else NOT_GUARANTEED, reason))

    if gradients is not None:
        dy_zero = not np.any(nonzero(dy))
        for e in entries:
            g = gradients[e.param][e.index]
            e.gradient = g
            if e.status == GUARANTEED:
                if not _is_zero(g):                 # would be a bug in this analysis or the engine
                    e.status, e.reason = NONZERO, f"INCONSISTENT: predicted zero but autograd gives {g}"
            elif _is_zero(g):
                e.status = THIS_LOSS
                e.reason = ("∂L/∂y = 0 for this loss value (the prediction equals the target)" if dy_zero
                            else "the contributions of its paths cancel for this loss value")
            else:
                e.status = NONZERO
    return StructuralZeros(entries, guaranteed, gradients, notes)


def _first(mask: np.ndarray) -> int:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else 0


def _entry_reason(recs, k, j, i, possible, a_nz, N) -> str:
    rec = recs[k]
    l = rec.layer.index
    if possible:
        src = f"x_{i + 1}" if k == 0 else f"a{_sup(recs[k - 1].layer.index)}_{i + 1}"
        return (f"∂L/∂W = ∂L/∂z{_sup(l)}_{j + 1} · {src}: {src} ≠ 0 and a path to the output is open")
    # not possible for any sample: explain the first sample, giving every reason that holds
    n = 0
    reasons = []
    if not a_nz[n, i]:
        reasons.append(_input_reason(recs, k, n, i))
    if not rec.open_z[n, j]:
        reasons.append(_closed_reason(rec, n, j))
    return "; and ".join(reasons)


def chain_dtype(model: Module) -> np.dtype:
    return layers(model)[0].weight.dtype


def _real_gradients(model: Module, xa: np.ndarray, loss, target):
    m = copy.deepcopy(model)
    for p in m.parameters():
        p.grad = None
        p.requires_grad_(True)
    out = m(Tensor._wrap(input_for(chain_dtype(m), xa)))
    out.retain_grad()
    if target is not None and not isinstance(target, Tensor):
        target = Tensor._wrap(input_for(out.dtype, np.asarray(target, dtype=np.float64)))
    value = loss(out) if target is None else loss(out, target)
    value.backward()
    grads = {}
    for name, p in m.named_parameters():
        grads[name] = p.grad._data if p.grad is not None else np.zeros(p.shape)
    dy = out.grad._data if out.grad is not None else np.zeros(out.shape)
    return grads, dy
