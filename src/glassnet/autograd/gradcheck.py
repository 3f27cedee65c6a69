"""``gradcheck`` and ``gradgradcheck`` with torch.autograd's signatures: first and second
derivatives against central differences. The report behind them is
``glassnet.analysis.gradcheck``'s, which names the input and the entry that disagree."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..analysis.gradcheck import GradcheckError, gradcheck as _report
from ..grad_mode import enable_grad
from ..tensor import Tensor
from .engine import grad

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


def _inputs_tuple(inputs) -> tuple:
    return (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)


def _outputs_tuple(out, where: str) -> tuple:
    outs = (out,) if isinstance(out, Tensor) else tuple(out)
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"{where}: output {i} of the function is a {type(o).__name__}, not a Tensor")
    return outs


def _flat_concat(tensors) -> Tensor:
    from ..ops import cat
    return cat([t.reshape(-1) for t in tensors])


def _check_some_input_requires_grad(args: tuple, where: str) -> None:
    if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
        raise ValueError(f"{where} expects at least one input tensor to require gradient, but none of them "
                         f"have requires_grad=True.")


def _named_tensors(args: tuple, prefix: str = "input") -> dict:
    """The tensor arguments by name ("input 0", …): the report checks and names these; the other
    arguments (numbers, flags) are passed through unchanged, as torch's gradcheck does."""
    return {f"{prefix} {i}": a for i, a in enumerate(args) if isinstance(a, Tensor)}


def _with_tensors(args: tuple, tensors) -> list:
    """``args`` with its tensors replaced, in order, by ``tensors``."""
    it = iter(tensors)
    return [next(it) if isinstance(a, Tensor) else a for a in args]


def gradcheck(func: Callable, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **unused) -> bool:
    """True when ∂func/∂input from backward agrees with central differences for every input that
    requires grad; otherwise raises GradcheckError (or returns False with ``raise_exception=False``).
    ``func`` may return one tensor or several; non-tensor inputs are passed through."""
    args = _inputs_tuple(inputs)
    _check_some_input_requires_grad(args, "gradcheck")

    def flat(*tensors):
        return _flat_concat(_outputs_tuple(func(*_with_tensors(args, tensors)), "gradcheck"))
    report = _report(flat, _named_tensors(args), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
    return bool(report)


def gradgradcheck(func: Callable, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, **unused) -> bool:
    """Check second derivatives: the map (inputs, v) ↦ vᵀ ∂func/∂inputs, computed by
    ``grad(..., create_graph=True)``, is itself checked against central differences — in the
    inputs and in v (named "grad_output k" in the report). ``grad_outputs`` are the v (random,
    seeded, when not given)."""
    args = _inputs_tuple(inputs)
    _check_some_input_requires_grad(args, "gradgradcheck")
    with enable_grad():
        outs = _outputs_tuple(func(*args), "gradgradcheck")
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        vs = tuple(Tensor(rng.standard_normal(o.shape), dtype=o.dtype, requires_grad=True) for o in outs)
    else:
        vs = _inputs_tuple(grad_outputs)
    named = _named_tensors(args)
    named.update(_named_tensors(vs, "grad_output"))
    n = len(named) - len(vs)

    def first_derivative(*tensors):
        # the report evaluates the central differences under no_grad: the vjp needs a graph
        with enable_grad():
            xs, v = _with_tensors(args, tensors[:n]), tensors[n:]
            ys = _outputs_tuple(func(*xs), "gradgradcheck")
            wrt = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
            gs = grad(ys, wrt, v, create_graph=True, allow_unused=True, materialize_grads=True)
            return _flat_concat(gs)
    report = _report(first_derivative, named, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
    return bool(report)
