"""Equivalent-network transforms: a new model that computes the same function, the formulas
that produce its parameters, and a check on random inputs.

* ``sigmoid_to_tanh``: σ(z) = ½ tanh(z/2) + ½ (seed 002 P2, seed 004 Q3): the hidden layer's
  W and b are halved, the next layer's W is halved and its bias gains ½ Σ_j W_kj.
* ``tanh_to_sigmoid``: tanh(z) = 2σ(2z) − 1, the inverse: doubled, and the bias loses Σ_j W_kj.
* ``collapse_linear``: affine layers with no nonlinearity between them merge,
  W* = W⁽²⁾W⁽¹⁾ and b* = W⁽²⁾b⁽¹⁾ + b⁽²⁾ (seed 001 P1's w*, b*).
* ``softmax2_to_sigmoid``: S(z) = [σ(z₁ − z₂), 1 − σ(z₁ − z₂)] (seed 004 Q2.2).
* ``softmax_reduce``: S(z) = S([0, z₂ − z₁, …, z_K − z₁]), K − 1 free logits (seed 004 Q2.3).

Each transform is written once, as arithmetic on the parameter arrays, and run twice: on the
model's numbers (giving the new model) and on SymPy symbols w1_ji, b1_j (giving the formulas),
so the formulas printed are the ones that were applied. Exact models (dtype ``gn.exact``) are
transformed exactly.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import ops
from ..grad_mode import no_grad
from ..nn import Module, Sigmoid, Tanh
from ..tensor import Tensor
from ._chain import kind_of, flat_modules, rebuild

__all__ = ["Equivalence", "sigmoid_to_tanh", "tanh_to_sigmoid", "collapse_linear",
           "softmax2_to_sigmoid", "softmax_reduce", "TwoClass", "InsertZero", "max_difference"]


# ------------------------------------------------------------------ helper layers

class TwoClass(Module):
    """[p, 1 − p] from one probability p (or [1 − p, p] with ``positive=1``): the two-class
    softmax written with a single sigmoid output."""

    def __init__(self, positive: int = 0) -> None:
        super().__init__()
        if positive not in (0, 1):
            raise ValueError(f"positive must be 0 or 1, got {positive!r}")
        self.positive = positive

    def forward(self, p):
        pair = [p, 1 - p] if self.positive == 0 else [1 - p, p]
        return ops.cat(pair, dim=-1)            # (N, 1) → (N, 2)

    def extra_repr(self) -> str:
        return f"positive={self.positive}"


class InsertZero(Module):
    """Insert a logit fixed at 0 at position ``index``: (N, K − 1) → (N, K)."""

    def __init__(self, index: int = 0) -> None:
        super().__init__()
        self.index = index

    def forward(self, z):
        zero = Tensor._wrap(np.zeros(z.shape[:-1] + (1,), dtype=z.dtype))
        parts = [z[..., :self.index], zero, z[..., self.index:]]
        return ops.cat([p for p in parts if p.shape[-1]], dim=-1)

    def extra_repr(self) -> str:
        return f"index={self.index}"


# ------------------------------------------------------------------ the result

@dataclass
class Equivalence:
    """A model equivalent to ``original``, how it was made, and how well it was checked.

    ``rules`` are the general formulas applied; ``formulas`` (needs SymPy) gives every new
    parameter as an expression in the old ones, e.g. ``('b2_1*', b2_1 + w2_11/2 + w2_12/2)``.
    ``max_difference`` is max |f(x) − f*(x)| over ``n_checked`` random inputs (None when the
    parameters are symbolic); ``verified`` says whether it is within ``tolerance``.
    """

    name: str
    original: Module
    model: Module
    rules: list[str]
    max_difference: float | None
    n_checked: int
    tolerance: float
    compared: str = "outputs"
    _symbolic: Callable | None = field(default=None, repr=False)
    _formulas: list | None = field(default=None, repr=False)

    @property
    def verified(self) -> bool:
        return self.max_difference is not None and self.max_difference <= self.tolerance

    @property
    def formulas(self) -> list[tuple[str, object]]:
        """(new parameter, SymPy expression in the original parameters) for every entry."""
        if self._formulas is None:
            self._formulas = self._symbolic() if self._symbolic else []
        return self._formulas

    def formula(self, name: str):
        """The expression for one new parameter, e.g. ``formula('b1_1*')``."""
        for n, e in self.formulas:
            if n == name:
                return e
        raise KeyError(f"no parameter {name!r}; the new parameters are "
                       f"{', '.join(n for n, _ in self.formulas)}")

    def __str__(self) -> str:
        lines = [f"{self.name}: a network that computes the same function", ""]
        lines += [f"  {r}".rstrip() for r in self.rules]
        try:
            formulas = self.formulas
        except ImportError:
            formulas = []
        if formulas:
            lines += ["", "  parameters of the equivalent network:"]
            shown = formulas if len(formulas) <= 60 else formulas[:60]
            lines += [f"    {n} = {e}" for n, e in shown]
            if len(formulas) > len(shown):
                lines.append(f"    … and {len(formulas) - len(shown)} more")
        lines += ["", "  equivalent model:"] + ["    " + s for s in repr(self.model).splitlines()]
        values = [(n, p._data) for n, p in self.model.named_parameters()]
        if sum(v.size for _, v in values) <= 60:
            lines += ["  with"] + [f"    {n} = {_array_text(v)}" for n, v in values]
        if self.max_difference is None:
            lines.append("\n  check: parameters are symbolic, no numeric check")
        else:
            mark = "✓" if self.verified else "✗ NOT EQUIVALENT"
            lines.append(f"\n  check: max |f(x) − f*(x)| = {self.max_difference:.3g} over {self.n_checked} "
                         f"random inputs ({self.compared}) {mark}")
        return "\n".join(lines)


def _array_text(a: np.ndarray) -> str:
    if a.dtype == object:
        return str(a.tolist())
    return np.array2string(a, separator=", ", precision=6, suppress_small=True).replace("\n", "")


# ------------------------------------------------------------------ the engine of the transforms
# Items: the model's leaf modules in order, each Linear replaced by a (W, b) pair of arrays.

def _items(model: Module) -> list:
    out = []
    for _, m in flat_modules(model):
        if kind_of(m) == "linear":
            out.append((m.weight._data.copy(), None if m.bias is None else m.bias._data.copy()))
        else:
            out.append(m)
    return out


def _is_affine(item) -> bool:
    return isinstance(item, tuple)


def _scale(a: np.ndarray, num: int, den: int = 1) -> np.ndarray:
    """a · num/den, exactly for object (SymPy) arrays."""
    if a.dtype == object:
        import sympy
        return a * sympy.Rational(num, den)
    return a * (num / den)


def _zeros_like_bias(w: np.ndarray) -> np.ndarray:
    return np.zeros(w.shape[0], dtype=w.dtype)


def _neighbour_affines(items: list, k: int, what: str) -> tuple[int, int | None]:
    """Indices of the Linear directly before item k and of the one directly after (or None)."""
    if k == 0 or not _is_affine(items[k - 1]):
        raise ValueError(f"the {what} at position {k} does not directly follow a Linear layer, so its "
                         f"input cannot be rescaled")
    nxt = k + 1 if k + 1 < len(items) and _is_affine(items[k + 1]) else None
    return k - 1, nxt


def _swap_activation(items: list, source: type, factor: tuple[int, int], shift: tuple[int, int],
                     target: Callable[[], Module], what: str) -> tuple[list, list[int]]:
    """Replace each hidden ``source`` activation g (one between two Linear layers) by h where
    g(z) = α h(z·α) + β (σ → tanh: α = ½, β = ½; tanh → σ: α = 2, β = −1).

    The layer before is scaled by ``factor`` = α, the next layer's W too, and its bias gains
    ``shift`` = β times Σ_j W_kj (both given as (numerator, denominator)).
    """
    items = list(items)
    changed = []
    num, den = factor
    for k, it in enumerate(items):
        if _is_affine(it) or type(it) is not source:
            continue
        prev, nxt = _neighbour_affines(items, k, what)
        if nxt is None:
            continue                            # an output activation stays as it is
        w1, b1 = items[prev]
        items[prev] = (_scale(w1, num, den), None if b1 is None else _scale(b1, num, den))
        items[k] = target()
        w2, b2 = items[nxt]
        b2 = _zeros_like_bias(w2) if b2 is None else b2
        # V g(z) + c = (αV) h(αz) + (c + β Σ_j V_kj)
        items[nxt] = (_scale(w2, num, den), b2 + _scale(w2.sum(axis=1), *shift))
        changed.append(k)
    return items, changed


def _sig2tanh(items):
    # σ(z) = ½ tanh(z/2) + ½: scale z by ½, the outgoing weights by ½, add ½ Σ_j W_kj.
    return _swap_activation(items, Sigmoid, (1, 2), (1, 2), Tanh, "Sigmoid")


def _tanh2sig(items):
    # tanh(z) = 2σ(2z) − 1: scale z by 2, the outgoing weights by 2, subtract Σ_j W_kj.
    return _swap_activation(items, Tanh, (2, 1), (-1, 1), Sigmoid, "Tanh")


def _collapse(items):
    items = list(items)
    merged = []
    i = 0
    while i < len(items):
        if not _is_affine(items[i]):
            i += 1
            continue
        j = i + 1
        while j < len(items) and not _is_affine(items[j]) and kind_of(items[j]) == "identity":
            j += 1
        if j < len(items) and _is_affine(items[j]):
            (w1, b1), (w2, b2) = items[i], items[j]
            w = w2 @ w1                                     # (out, mid) @ (mid, in) → (out, in)
            if b1 is None and b2 is None:
                b = None
            else:
                b = (w2 @ b1 if b1 is not None else _zeros_like_bias(w2)) + \
                    (b2 if b2 is not None else _zeros_like_bias(w2))
            items[i:j + 1] = [(w, b)]
            merged.append(i)
            continue                                        # it may merge with the next one too
        i += 1
    return items, merged


def _last_affine(items: list, what: str) -> tuple[int, str]:
    """Index of the output Linear and the kind of what follows it ('softmax', … or 'logits')."""
    tail = len(items) - 1
    while tail >= 0 and not _is_affine(items[tail]) and kind_of(items[tail]) == "identity":
        tail -= 1
    if tail >= 0 and _is_affine(items[tail]):
        return tail, "logits"
    if tail >= 1 and kind_of(items[tail]) in ("softmax", "log_softmax") and _is_affine(items[tail - 1]):
        dim = items[tail].dim
        w = items[tail - 1][0]
        if dim not in (-1, 1):
            raise ValueError(f"{what}: the final {type(items[tail]).__name__} has dim={dim}; it must run "
                             f"over the classes (dim=-1 or 1) of (N, {w.shape[0]}) outputs")
        return tail - 1, kind_of(items[tail])
    raise ValueError(f"{what}: the model must end with Linear(…, K) optionally followed by Softmax "
                     f"(or LogSoftmax); it ends with {type(items[-1]).__name__}")


def _softmax2(items, positive: int):
    k, tail = _last_affine(items, "softmax2_to_sigmoid")
    w, b = items[k]
    if w.shape[0] != 2:
        raise ValueError(f"softmax2_to_sigmoid needs 2 classes, the output layer has {w.shape[0]}; "
                         f"use softmax_reduce for K classes")
    if tail == "log_softmax":
        raise ValueError("softmax2_to_sigmoid: the model ends with LogSoftmax; a sigmoid gives "
                         "probabilities, so use a model ending with Softmax (or softmax_reduce)")
    other = 1 - positive
    # S(z)_pos = e^{z_pos} / (e^{z_pos} + e^{z_other}) = σ(z_pos − z_other)
    wz = w[positive:positive + 1] - w[other:other + 1]
    bz = None if b is None else b[positive:positive + 1] - b[other:other + 1]
    return items[:k] + [(wz, bz), Sigmoid(), TwoClass(positive)], tail


def _reduce(items, reference: int):
    k, tail = _last_affine(items, "softmax_reduce")
    w, b = items[k]
    K = w.shape[0]
    if not 0 <= reference < K:
        raise ValueError(f"reference must be a class in 0 … {K - 1}, got {reference}")
    keep = [c for c in range(K) if c != reference]
    # S(z) = S(z − z_ref): logit c becomes z_c − z_ref, the reference logit 0
    wz = w[keep] - w[reference:reference + 1]
    bz = None if b is None else b[keep] - b[reference:reference + 1]
    new = items[:k] + [(wz, bz), InsertZero(reference)] + items[k + 1:]
    return new, tail


# ------------------------------------------------------------------ symbols and checks

def _symbol_name(prefix: str, layer: int, idx: tuple[int, ...], wide: bool) -> str:
    sep = "_" if wide else ""
    return f"{prefix}{layer}_" + sep.join(str(i + 1) for i in idx)


def _symbolic_items(items: list) -> list:
    """The same items with each parameter entry a SymPy symbol: w{l}_{ji}, b{l}_{j} (1-based)."""
    import sympy
    out, layer = [], 0
    for it in items:
        if not _is_affine(it):
            out.append(it)
            continue
        layer += 1
        w, b = it
        wide = max(w.shape) > 9
        ws = np.empty(w.shape, dtype=object)
        for idx in np.ndindex(*w.shape):
            ws[idx] = sympy.Symbol(_symbol_name("w", layer, idx, wide))
        bs = None
        if b is not None:
            bs = np.empty(b.shape, dtype=object)
            for (j,) in np.ndindex(*b.shape):
                bs[j] = sympy.Symbol(_symbol_name("b", layer, (j,), wide))
        out.append((ws, bs))
    return out


def _formulas_of(items: list) -> list[tuple[str, object]]:
    import sympy
    out, layer = [], 0
    for it in items:
        if not _is_affine(it):
            continue
        layer += 1
        w, b = it
        wide = max(w.shape) > 9
        for idx in np.ndindex(*w.shape):
            out.append((_symbol_name("w", layer, idx, wide) + "*", sympy.simplify(sympy.sympify(w[idx]))))
        if b is not None:
            for (j,) in np.ndindex(*b.shape):
                out.append((_symbol_name("b", layer, (j,), wide) + "*", sympy.simplify(sympy.sympify(b[j]))))
    return out


def _float_copy(model: Module) -> Module | None:
    m = copy.deepcopy(model)
    try:
        for p in m.parameters():
            p._data = np.asarray(p._data, dtype=np.float64)
    except (TypeError, ValueError):
        return None                                         # free symbols: nothing to evaluate
    return m


def _in_features(model: Module) -> int:
    for _, m in flat_modules(model):
        if kind_of(m) == "linear":
            return m.in_features
    raise TypeError("the model has no Linear layer")


def max_difference(a: Module, b: Module, n: int = 256, seed: int = 0, scale: float = 2.0,
                   softmax_a: bool = False, softmax_b: bool = False) -> float | None:
    """max |a(x) − b(x)| over ``n`` inputs x ~ N(0, scale²) (float64); None if symbolic.

    With ``softmax_a`` (``softmax_b``) the outputs of ``a`` (``b``), logits, pass through a
    softmax first.
    """
    fa, fb = _float_copy(a), _float_copy(b)
    if fa is None or fb is None:
        return None
    x = Tensor._wrap(np.random.default_rng(seed).normal(0.0, scale, (n, _in_features(a))))
    with no_grad():
        ya, yb = fa(x), fb(x)
        if softmax_a:
            ya = ops.softmax(ya, -1)
        if softmax_b:
            yb = ops.softmax(yb, -1)
    if ya.shape != yb.shape:
        return float("inf")
    return float(np.max(np.abs(ya._data - yb._data))) if ya._data.size else 0.0


def _finish(name: str, model: Module, new_items: list, rules: list[str], core: Callable,
            tolerance: float, n_check: int, softmax_a: bool = False, softmax_b: bool = False,
            compared: str = "outputs") -> Equivalence:
    new_model = rebuild(new_items)
    diff = max_difference(model, new_model, n=n_check, softmax_a=softmax_a, softmax_b=softmax_b)

    def symbolic():
        sym_new = core(_symbolic_items(_items(model)))
        return _formulas_of(sym_new)
    return Equivalence(name, model, new_model, rules, diff, n_check, tolerance, compared, symbolic)


# ------------------------------------------------------------------ public transforms

def sigmoid_to_tanh(model: Module, *, tolerance: float = 1e-9, n_check: int = 256) -> Equivalence:
    """An equivalent network whose hidden sigmoid units are tanh units (seed 002 P2, 004 Q3).

    σ(z) = ½ tanh(z/2) + ½, so with W, b the layer before a hidden σ and V, c the layer after:
    W* = W/2, b* = b/2, V* = V/2, c*_k = c_k + ½ Σ_j V_kj. An output sigmoid is kept.

    Example:
        >>> eq = sigmoid_to_tanh(nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 2)))
        >>> eq.model, eq.verified, eq.formula("b2_1*")
    """
    new, changed = _sig2tanh(_items(model))
    if not changed:
        raise ValueError("sigmoid_to_tanh: the model has no hidden Sigmoid layer (one between two "
                         "Linear layers)")
    rules = ["σ(z) = ½ tanh(z/2) + ½", ""]
    for k in changed:
        rules.append(f"hidden σ at position {k}: the Linear before it: W* = W/2, b* = b/2;")
        rules.append("  the Linear after it: W*_kj = W_kj/2, b*_k = b_k + ½ Σ_j W_kj")
    return _finish("sigmoid_to_tanh", model, new, rules, lambda it: _sig2tanh(it)[0], tolerance, n_check)


def tanh_to_sigmoid(model: Module, *, tolerance: float = 1e-9, n_check: int = 256) -> Equivalence:
    """An equivalent network whose hidden tanh units are sigmoid units (inverse of sigmoid_to_tanh).

    tanh(z) = 2σ(2z) − 1: W* = 2W, b* = 2b before the unit; V* = 2V, c*_k = c_k − Σ_j V_kj after.
    """
    new, changed = _tanh2sig(_items(model))
    if not changed:
        raise ValueError("tanh_to_sigmoid: the model has no hidden Tanh layer (one between two "
                         "Linear layers)")
    rules = ["tanh(z) = 2σ(2z) − 1", ""]
    for k in changed:
        rules.append(f"hidden tanh at position {k}: the Linear before it: W* = 2W, b* = 2b;")
        rules.append("  the Linear after it: W*_kj = 2 W_kj, b*_k = b_k − Σ_j W_kj")
    return _finish("tanh_to_sigmoid", model, new, rules, lambda it: _tanh2sig(it)[0], tolerance, n_check)


def collapse_linear(model: Module, *, tolerance: float = 1e-9, n_check: int = 256) -> Equivalence:
    """Merge consecutive affine layers with no nonlinearity between them (seed 001 P1).

    z = W⁽²⁾(W⁽¹⁾x + b⁽¹⁾) + b⁽²⁾ = W* x + b* with W* = W⁽²⁾W⁽¹⁾, b* = W⁽²⁾b⁽¹⁾ + b⁽²⁾.
    Identity (and eval-mode Dropout, Flatten) layers between them are dropped.
    """
    new, merged = _collapse(_items(model))
    if not merged:
        raise ValueError("collapse_linear: no two Linear layers follow each other without a "
                         "nonlinearity between them")
    rules = ["W⁽²⁾(W⁽¹⁾x + b⁽¹⁾) + b⁽²⁾ = W* x + b*  with  W* = W⁽²⁾ W⁽¹⁾,  b* = W⁽²⁾ b⁽¹⁾ + b⁽²⁾",
             f"{len(merged)} merge(s); a hidden layer without a nonlinearity adds nothing to what "
             f"the model can represent"]
    return _finish("collapse_linear", model, new, rules, lambda it: _collapse(it)[0], tolerance, n_check)


def softmax2_to_sigmoid(model: Module, *, positive: int = 0, tolerance: float = 1e-9,
                        n_check: int = 256) -> Equivalence:
    """A two-class softmax output as one sigmoid unit (seed 004 Q2.2).

    S(z) = [σ(z₁ − z₂), 1 − σ(z₁ − z₂)]: the output layer becomes one unit with
    w* = w₁ − w₂, b* = b₁ − b₂, then σ, then ``TwoClass`` giving [p, 1 − p]. With
    ``positive=1`` the sigmoid gives class 1's probability instead (seed 001 P3's logistic model).
    A model that ends in logits (no Softmax) is compared after a softmax of its outputs.
    """
    new, tail = _softmax2(_items(model), positive)
    pos, oth = positive + 1, 2 - positive
    rules = [f"S(z) = [σ(z₁ − z₂), 1 − σ(z₁ − z₂)]" if positive == 0 else
             "S(z) = [1 − σ(z₂ − z₁), σ(z₂ − z₁)]",
             f"output unit: w* = w_{pos} − w_{oth},  b* = b_{pos} − b_{oth}; then σ and TwoClass"]
    return _finish("softmax2_to_sigmoid", model, new, rules, lambda it: _softmax2(it, positive)[0],
                   tolerance, n_check, softmax_a=tail == "logits",
                   compared="softmax of the original logits" if tail == "logits" else "outputs")


def softmax_reduce(model: Module, *, reference: int = 0, tolerance: float = 1e-9,
                   n_check: int = 256) -> Equivalence:
    """A K-class softmax output with K − 1 free logits (seed 004 Q2.3).

    S(z) = S(z − z_r) = S([0, z₂ − z₁, …, z_K − z₁]) for r = 1: the output layer keeps K − 1
    units, w*_c = w_c − w_r, b*_c = b_c − b_r, and ``InsertZero`` puts the fixed 0 logit back.
    """
    new, tail = _reduce(_items(model), reference)
    r = reference + 1
    rules = ["S(z + c) = S(z) for any scalar c, so S(z) = S(z − z_r)",
             f"reference class r = {r}: w*_c = w_c − w_{r},  b*_c = b_c − b_{r} for c ≠ {r}; "
             f"logit {r} is fixed at 0"]
    return _finish("softmax_reduce", model, new, rules, lambda it: _reduce(it, reference)[0],
                   tolerance, n_check, softmax_a=tail == "logits", softmax_b=tail == "logits",
                   compared="softmax of both models' logits" if tail == "logits" else "outputs")
