"""Decision boundaries of a network on 2-D inputs (seed 000 §3.2–3.3).

Each first-layer unit j has pre-activation z_j = w_j · x + b_j, so its boundary z_j = 0 is a
line; the unit's output is positive on one side (a ReLU gives "+" there and exactly 0 on the
other). ``unit_boundaries`` describes each line, ``boundary_points`` gives points on it (as the
columns of a 2 × k matrix, the seed's answer format), ``hidden_pattern`` the units' outputs at
given points (one column per point), ``region_map`` the class the whole network predicts over
a grid, and ``output_from_hidden`` the network's output for given hidden values, exactly
(e.g. ``e**2/(1 + e**2)``).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from ..grad_mode import no_grad
from ..nn import Module, Sequential
from ..tensor import Tensor
from ._chain import Layer, flat_modules, float_copy, input_for, layers

__all__ = ["UnitBoundary", "RegionMap", "unit_boundaries", "boundary_points", "hidden_pattern",
           "region_map", "output_from_hidden"]

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

# What a unit outputs on each side of its line: (where z > 0, where z < 0, on the line z = 0).
_SIDES = {
    "relu": ("+", "0", "0"),
    "step": ("1", "0", "1"),
    "sigmoid": ("> ½", "< ½", "½"),
    "tanh": ("> 0", "< 0", "0"),
    "identity": ("> 0", "< 0", "0"),
    "leaky_relu": ("+", "< 0", "0"),
}


def _n(v) -> str:
    """A number as the seeds print it: 1, -0.5, 1/3 (exact values stay exact)."""
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not isinstance(v, (float, np.floating)) and not f.is_integer():
        return str(v)                               # a SymPy rational such as 1/3
    return str(int(f)) if f.is_integer() else f"{f:.6g}"


def _t(v) -> str:
    """A number inside a formula: a true minus sign."""
    return _n(v).replace("-", "−")


def _term(coef, var: str, first: bool) -> str:
    c = float(coef)
    if c == 0:
        return ""
    sign = "−" if c < 0 else ("" if first else "+")
    mag = abs(coef) if not isinstance(coef, float) else abs(c)
    text = _n(mag)
    body = var if float(mag) == 1 else (f"({text}){var}" if "/" in text else f"{text}{var}")
    return f"{sign} {body}".strip() if not first else f"{'−' if c < 0 else ''}{body}"


def _affine_text(w, b) -> str:
    parts = []
    for k, c in enumerate(w):
        t = _term(c, f"x{str(k + 1).translate(_SUB)}", not parts)
        if t:
            parts.append(t)
    if float(b) != 0 or not parts:
        parts.append(_t(b) if not parts else f"{'−' if float(b) < 0 else '+'} {_n(abs(b))}")
    return " ".join(parts)


@dataclass
class UnitBoundary:
    """The line z_j = w · x + b = 0 of first-layer unit ``unit`` (1-based)."""

    unit: int
    w: np.ndarray           # (2,)
    b: object
    activation: str

    @property
    def equation(self) -> str:
        return f"{_affine_text(self.w, self.b)} = 0"

    @property
    def solved(self) -> str:
        """The line solved for x₂ (or for x₁ when it is vertical): 'x₁ = 1', 'x₂ = −x₁ + 3'."""
        w1, w2 = self.w
        if float(w2) == 0:
            if float(w1) == 0:
                return "no line (both weights are 0)"
            return f"x₁ = {_t(_div(-self.b, w1))}"
        return f"x₂ = {_affine_text([_div(-w1, w2)], _div(-self.b, w2))}"

    @property
    def positive_side(self) -> str:
        """Where z > 0, as an inequality."""
        w1, w2 = self.w
        if float(w2) != 0:
            rhs = _affine_text([_div(-w1, w2)], _div(-self.b, w2))
            return f"x₂ {'>' if float(w2) > 0 else '<'} {rhs}"
        if float(w1) != 0:
            return f"x₁ {'>' if float(w1) > 0 else '<'} {_t(_div(-self.b, w1))}"
        return "everywhere" if float(self.b) > 0 else "nowhere"

    @property
    def outputs(self) -> tuple[str, str, str]:
        """The unit's output where z > 0, where z < 0 and on the line."""
        return _SIDES.get(self.activation, ("z > 0", "z < 0", "z = 0"))

    def points(self, k: int = 4) -> np.ndarray:
        """k points on the line as the columns of a (2, k) matrix: p₀ + t·(−w₂, w₁), t = 0 … k−1,
        where p₀ = −b w / |w|² is the point of the line nearest the origin."""
        w = np.asarray(self.w)
        norm2 = w[0] * w[0] + w[1] * w[1]
        if float(norm2) == 0:
            raise ValueError(f"unit {self.unit} has zero weights: z = {_n(self.b)} has no boundary line")
        p0 = np.array([_div(-self.b * w[0], norm2), _div(-self.b * w[1], norm2)], dtype=w.dtype)
        direction = np.array([-w[1], w[0]], dtype=w.dtype)
        return np.stack([p0 + t * direction for t in range(k)], axis=1)

    def __str__(self) -> str:
        pos, neg, on = self.outputs
        return (f"unit {self.unit}: {self.equation}  (line {self.solved}); output {pos} where "
                f"{self.positive_side}, {neg} on the other side, {on} on the line")


def _div(a, b):
    """a / b; SymPy numbers (exact models) divide exactly."""
    return a / b


def _first_layer(model: Module) -> Layer:
    first = layers(model)[0]
    if first.linear.in_features != 2:
        raise ValueError(f"decision boundaries are drawn for 2-D inputs; layer 1 takes "
                         f"{first.linear.in_features}")
    return first


def unit_boundaries(model: Module) -> list[UnitBoundary]:
    """The boundary line of every first-layer unit (seed 000 §3.2)."""
    first = _first_layer(model)
    w = first.weight
    b = first.bias if first.bias is not None else np.zeros(w.shape[0], dtype=w.dtype)
    act = next((k for k in first.kinds if k != "identity"), "identity")
    return [UnitBoundary(j + 1, w[j].copy(), b[j], act) for j in range(w.shape[0])]


def boundary_points(model: Module, unit: int = 1, k: int = 4) -> np.ndarray:
    """A (2, k) matrix whose columns lie on the boundary of first-layer ``unit`` (1-based),
    checked by running the first layer on them: every z_unit is 0 (seed 000 §3.2.B)."""
    bounds = unit_boundaries(model)
    if not 1 <= unit <= len(bounds):
        raise ValueError(f"unit must be in 1 … {len(bounds)}, got {unit}")
    pts = bounds[unit - 1].points(k)
    first = _first_layer(model)
    with no_grad():
        z = first.linear(Tensor._wrap(pts.T.copy()))._data[:, unit - 1]
    if pts.dtype == object:
        ok = all(v == 0 for v in z)
    else:
        ok = np.allclose(z.astype(np.float64), 0, atol=1e-9 * max(1.0, float(np.abs(pts).max())))
    if not ok:                                          # an internal invariant: p₀ + t·d solves w·x + b = 0
        raise AssertionError(f"points {pts.tolist()} are not on unit {unit}'s line: z = {z.tolist()}")
    return pts


def hidden_pattern(model: Module, points) -> np.ndarray:
    """The first layer's outputs f(z⁽¹⁾) at each point, one column per point (seed 000 §3.2.C).

    ``points``: (n, 2) with one point per row (or a list of [x₁, x₂])."""
    first = _first_layer(model)
    pts = np.atleast_2d(np.asarray(points._data if isinstance(points, Tensor) else points))
    pts = input_for(first.weight.dtype, pts)
    if pts.shape[1] != 2:
        raise ValueError(f"points must be (n, 2), one point per row; got shape {pts.shape}")
    a = Tensor._wrap(pts)
    with no_grad():
        a = first.linear(a)
        for _, m in first.activations:
            a = m(a)
    return a._data.T                                    # (units, n): a column per point


@dataclass
class RegionMap:
    """The class the network predicts on a grid over [x₁ range] × [x₂ range]."""

    xs: np.ndarray          # (nx,) x₁ values
    ys: np.ndarray          # (ny,) x₂ values
    labels: np.ndarray      # (ny, nx) predicted class (0-based)
    n_classes: int

    def fraction(self, cls: int) -> float:
        return float(np.mean(self.labels == cls))

    def label_at(self, x1: float, x2: float) -> int:
        i = int(np.argmin(np.abs(self.ys - x2)))
        j = int(np.argmin(np.abs(self.xs - x1)))
        return int(self.labels[i, j])

    def ascii(self) -> str:
        """The map as text, x₂ increasing upwards; each cell shows its class number (1-based)."""
        rows = []
        for i in range(len(self.ys) - 1, -1, -1):
            rows.append(f"{self.ys[i]:>6.2f} | " + "".join(str(int(c) + 1) if c < 9 else "+" for c in self.labels[i]))
        rows.append("       +" + "-" * len(self.xs))
        rows.append(f"        x₁ from {self.xs[0]:g} to {self.xs[-1]:g}; class numbers are 1-based")
        return "\n".join(rows)

    def __str__(self) -> str:
        parts = ", ".join(f"class {c + 1}: {100 * self.fraction(c):.1f}%" for c in range(self.n_classes))
        return f"regions ({parts})\n{self.ascii()}"


def region_map(model: Module, xlim=(-4.0, 4.0), ylim=(-4.0, 4.0), nx: int = 49, ny: int = 25,
               decision=None) -> RegionMap:
    """The predicted class over a grid (seed 000 §3.3): the argmax of the outputs, or output ≥ ½
    for a single output; ``decision`` maps the (N, K) outputs to classes otherwise."""
    _first_layer(model)
    xs, ys = np.linspace(*xlim, nx), np.linspace(*ylim, ny)
    gx, gy = np.meshgrid(xs, ys)                        # (ny, nx) each
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    with no_grad():
        out = float_copy(model)(Tensor._wrap(pts))._data
    if decision is not None:
        labels = np.asarray(decision(out))
    elif out.ndim == 1 or out.shape[1] == 1:
        labels = (out.reshape(-1) >= 0.5).astype(int)
    else:
        labels = out.argmax(axis=1)
    k = 2 if out.ndim == 1 or out.shape[1] == 1 else out.shape[1]
    return RegionMap(xs, ys, labels.reshape(ny, nx), k)


def output_from_hidden(model: Module, hidden, exact: bool = True) -> np.ndarray:
    """The network's output when the first layer outputs ``hidden`` (seed 000 §3.3).

    With ``exact`` the rest of the network runs on SymPy numbers (parameters made rational), so
    a softmax output reads ``exp(2)/(1 + exp(2))`` rather than 0.8808.
    """
    mods = [m for _, m in flat_modules(model)]
    first = _first_layer(model)
    n_first = 1 + len(first.activations)
    start = next(i for i, m in enumerate(mods) if m is first.linear) + n_first
    rest = copy.deepcopy(Sequential(*mods[start:]))
    h = np.atleast_2d(np.asarray(hidden, dtype=object if exact else np.float64))
    if exact:
        import sympy
        for p in rest.parameters():
            p._data = np.vectorize(lambda v: sympy.nsimplify(v, rational=True)
                                   if isinstance(v, (float, np.floating)) else sympy.sympify(v),
                                   otypes=[object])(p._data)
        h = np.vectorize(lambda v: sympy.nsimplify(v, rational=True)
                         if isinstance(v, (float, np.floating)) else sympy.sympify(v), otypes=[object])(h)
    with no_grad():
        out = rest(Tensor._wrap(h))._data
    return out[0] if np.ndim(hidden) == 1 else out
