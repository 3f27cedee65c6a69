"""Jacobians and Hessians as a trace keeps them: the engine's matrix and what it is the derivative of.

``Trace.jacobian(func, inputs, of=a, wrt=z)`` computes J with ``glassnet.autograd.functional``
inside ``unrecorded()`` and keeps a :class:`Derivative` with the pass that made ``a``: the
solution shows it there, after that pass's gradients (``derivative_view`` writes the formula,
e.g. J = Diag(a) − aaᵀ for a softmax, then the matrix). A Newton step
(``glassnet.optim.Newton``) reports its Hessian, gradient and step the same way, with the pass
of the backward run it followed.

The matrix is always two-dimensional: rows are the entries of the output (a Jacobian) or of
the inputs (a Hessian), columns the entries of the inputs, each input flattened in its own
(row-major) order and several inputs joined in the order given — θ = (W⁽¹⁾, b⁽¹⁾, …).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..tensor import Tensor
from .recorder import Trace, unrecorded

KINDS = ("jacobian", "hessian")


@dataclass(eq=False)
class NewtonStep:
    """What a Newton step used: θ ← θ − η Δ with (H + λI) Δ = ∇L (all flat, θ's order)."""

    gradient: np.ndarray          # ∇L, shape (n,)
    step: np.ndarray              # Δ, shape (n,)
    lr: Any                       # η
    damping: Any                  # λ


@dataclass(eq=False)
class Derivative:
    """One Jacobian or Hessian of a trace, as the engine computed it."""

    kind: str                     # "jacobian" | "hessian"
    matrix: np.ndarray            # 2-D: (output entries, input entries) or (input entries,)*2
    of: Any                       # the recorded Node/Leaf differentiated (None: unnamed, or a pass's loss)
    wrt: tuple                    # the recorded Leaf/Node of each input (None where not recorded)
    shapes: tuple                 # each input's shape
    out_shape: tuple              # the output's shape (() for a Hessian's scalar)
    title: str | None = None
    newton: NewtonStep | None = None


def record(trace: Trace, kind: str, func, inputs, of, wrt, title):
    """Compute a Jacobian or Hessian off the record and keep it in ``trace`` (see ``Trace.jacobian``)."""
    from ..autograd import functional
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    is_tuple = isinstance(inputs, (tuple, list))
    ins = tuple(inputs) if is_tuple else (inputs,)
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor):
            raise TypeError(f"trace.{kind}: inputs must be Tensors, but input {i} is {type(t).__name__}")
    with unrecorded():
        result = (functional.jacobian if kind == "jacobian" else functional.hessian)(func, inputs)
    if kind == "jacobian" and isinstance(result, tuple) and is_tuple and result and isinstance(result[0], tuple):
        raise TypeError("trace.jacobian keeps the Jacobian of one output; func returned several")
    if kind == "jacobian" and not is_tuple and isinstance(result, tuple):
        raise TypeError("trace.jacobian keeps the Jacobian of one output; func returned several")
    shapes = tuple(tuple(t.shape) for t in ins)
    blocks = result if is_tuple else (result,)
    if kind == "jacobian":
        first = blocks[0]._data
        out_shape = tuple(first.shape[:first.ndim - len(shapes[0])])
        matrix = _join_columns([b._data for b in blocks], out_shape, shapes)
    else:
        out_shape = ()
        rows = blocks if is_tuple else ((result,),)
        matrix = _join_blocks([[b._data for b in row] for row in rows], shapes)
    given = wrt if wrt is not None else inputs
    given = tuple(given) if isinstance(given, (tuple, list)) else (given,)
    if len(given) != len(ins):
        raise ValueError(f"trace.{kind}: wrt names {len(given)} tensors for {len(ins)} inputs")
    wrt_objs = tuple(_recorded(trace, t) for t in given)
    of_obj = _recorded(trace, of) if of is not None else None
    if of is not None and of_obj is None:
        raise ValueError(f"trace.{kind}: 'of' must be a tensor computed (or used) inside this trace")
    target = _pass_of(trace, of_obj, wrt_objs)
    target.derivatives.append(Derivative(kind, matrix, of_obj, wrt_objs, shapes, out_shape, title))
    return result


def record_newton(trace: Trace, params, gradient, hessian, step, lr, damping) -> None:
    """Keep a Newton step's Hessian with the pass of the backward run it followed."""
    wrt = tuple(trace.leaf_of(p) or trace._leaf(p) for p in params)
    target = trace._pass_of_run(trace._run) if trace._run else trace.passes[-1]
    shapes = tuple(tuple(p.shape) for p in params)
    newton = NewtonStep(np.array(gradient, copy=True), np.array(step, copy=True), lr, damping)
    target.derivatives.append(Derivative("hessian", np.array(hessian, copy=True), None, wrt, shapes, (),
                                         None, newton))


def _recorded(trace: Trace, t):
    if t is None:
        return None
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a Tensor, got {type(t).__name__}")
    return trace.node_of(t) or trace.leaf_of(t)


def _pass_of(trace: Trace, of_obj, wrt_objs):
    """The pass that made ``of`` (else the one where the first input was first met, else the last)."""
    if of_obj is not None and of_obj.is_node:
        return trace.passes[of_obj.pass_index]
    for w in wrt_objs:
        if w is not None and w.is_node:
            return trace.passes[w.pass_index]
    for w in (of_obj,) + wrt_objs:
        if w is not None:
            for p in trace.passes:
                if any(leaf is w for leaf in p.leaves):
                    return p
    return trace.passes[-1]


def _join_columns(blocks: list, out_shape: tuple, shapes: tuple) -> np.ndarray:
    """J blocks (out.shape + inᵢ.shape) side by side: (out entries) × (Σ inᵢ entries)."""
    n_out = int(np.prod(out_shape, dtype=np.int64))
    cols = [b.reshape(n_out, int(np.prod(s, dtype=np.int64))) for b, s in zip(blocks, shapes)]
    return cols[0].copy() if len(cols) == 1 else np.concatenate(cols, axis=1)


def _join_blocks(rows: list, shapes: tuple) -> np.ndarray:
    """H blocks (inᵢ.shape + inⱼ.shape) as one (Σ entries) × (Σ entries) matrix."""
    sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
    joined = [np.concatenate([b.reshape(sizes[i], sizes[j]) for j, b in enumerate(row)], axis=1)
              for i, row in enumerate(rows)]
    return joined[0].copy() if len(joined) == 1 else np.concatenate(joined, axis=0)
