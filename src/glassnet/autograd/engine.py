"""``grad`` and ``backward``: torch.autograd's entry points to the engine in ``tensor.py``.

``grad(outputs, inputs)`` returns Σ_k ∂outputs_k/∂inputs (each output weighted by its
``grad_outputs``) without touching any ``.grad``; with ``create_graph=True`` the result is
recorded in the graph, so it can be differentiated again (Hessians, gradient penalties).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..errors import GraphError
from ..tensor import Tensor, _initial_gradient, run_backward


def _as_tuple(value, what: str) -> tuple:
    if isinstance(value, Tensor):
        return (value,)
    if value is None:
        return ()
    try:
        items = tuple(value)
    except TypeError:
        raise TypeError(f"{what} must be a Tensor or a sequence of Tensors, got "
                        f"{type(value).__name__}") from None
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}[{i}] must be a Tensor, got {type(t).__name__}")
    return items


def _grad_outputs(outputs: tuple, grad_outputs, create_graph: bool) -> list:
    if grad_outputs is None:
        given = (None,) * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        given = (grad_outputs,)
    else:
        given = tuple(grad_outputs)
    if len(given) != len(outputs):
        raise GraphError(f"grad requires one grad_output per output: got {len(given)} grad_outputs "
                         f"for {len(outputs)} outputs")
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, given)):
        if not out.requires_grad:
            raise GraphError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        try:
            seeds.append(_initial_gradient(out, g, "grad", create_graph))
        except GraphError as exc:
            raise GraphError(str(exc).replace("grad_output[0]", f"grad_output[{i}]")
                             .replace("output[0]", f"output[{i}]")) from None
    return seeds


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """The gradients Σ_k gₖᵀ ∂outputsₖ/∂inputs, one per input, as a tuple (torch.autograd.grad).

    ``grad_outputs`` are the gₖ (needed for outputs with more than one element); ``create_graph``
    records the gradients for higher derivatives; ``allow_unused`` returns None (or zeros, with
    ``materialize_grads``) for an input the outputs do not depend on, instead of raising.
    """
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                             materialize_grads)
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    outs = _as_tuple(outputs, "outputs")
    ins = _as_tuple(inputs, "inputs")
    if not outs:
        raise GraphError("grad requires at least one output")
    if not ins:
        raise GraphError("grad requires at least one input")
    for t in ins:
        if not t.requires_grad:
            raise GraphError("One of the differentiated Tensors does not require grad")
    seeds = _grad_outputs(outs, grad_outputs, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    captured: dict = {id(t): None for t in ins}
    run_backward(list(outs), seeds, retain_graph=bool(retain_graph), create_graph=create_graph,
                 capture=captured)
    result = []
    for i, t in enumerate(ins):
        g = captured[id(t)]
        if g is None:
            if not allow_unused:
                raise GraphError(f"The differentiated Tensor at index {i} appears to not have been used "
                                 f"in the graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                from ..creation import zeros_like
                g = zeros_like(t)
            result.append(g)
            continue
        result.append(g if isinstance(g, Tensor) else Tensor._wrap(g.copy() if not g.flags.owndata else g))
    return tuple(result)


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Sequence[Tensor] | None = None) -> None:
    """Accumulate Σ_k gₖᵀ ∂tensorsₖ/∂leaf into each leaf's ``.grad`` (torch.autograd.backward)."""
    outs = _as_tuple(tensors, "tensors")
    if not outs:
        raise GraphError("backward requires at least one tensor")
    seeds = _grad_outputs(outs, grad_tensors, create_graph)
    if inputs is not None:
        inputs = list(_as_tuple(inputs, "inputs"))
        if not inputs:
            raise GraphError("backward: 'inputs' argument to backward() cannot be empty.")
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(list(outs), seeds, retain_graph=bool(retain_graph), create_graph=create_graph,
                 inputs=inputs)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                  materialize_grads) -> tuple:
    """``is_grads_batched``: each grad_output has a leading batch dimension B, and the result for
    each input is the B vjps stacked, of shape (B, *input.shape) — one backward pass per b."""
    outs = _as_tuple(outputs, "outputs")
    if grad_outputs is None:
        raise GraphError("grad: is_grads_batched=True needs grad_outputs, with the batch as their first "
                         "dimension")
    gos = _as_tuple(grad_outputs, "grad_outputs")
    if len(gos) != len(outs):
        raise GraphError(f"grad requires one grad_output per output: got {len(gos)} grad_outputs "
                         f"for {len(outs)} outputs")
    sizes = {g.shape[0] if g.ndim else None for g in gos}
    if len(sizes) != 1 or None in sizes:
        raise GraphError(f"grad: with is_grads_batched=True every grad_output needs the same leading batch "
                         f"dimension, got shapes {[tuple(g.shape) for g in gos]}")
    batch = sizes.pop()
    keep = create_graph if retain_graph is None else retain_graph
    per_b = [grad(outs, inputs, [g[b] for g in gos], retain_graph=True if b < batch - 1 else keep,
                  create_graph=create_graph, allow_unused=allow_unused, materialize_grads=materialize_grads)
             for b in range(batch)]
    from ..ops import stack
    ins = _as_tuple(inputs, "inputs")
    result = []
    for j, t in enumerate(ins):
        column = [r[j] for r in per_b]
        if not column:                                   # B = 0
            result.append(Tensor._wrap(np.zeros((0,) + tuple(t.shape), dtype=t.dtype)))
        elif column[0] is None:
            result.append(None)
        else:
            result.append(stack(column))                 # (B, *input.shape)
    return tuple(result)
