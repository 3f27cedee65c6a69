"""Jacobians, Hessians and their products with vectors, as torch.autograd.functional.

All are built on ``grad``: a vjp is one backward pass; a jvp is the derivative of a vjp with
respect to its (dummy) cotangent u — Jv = ∂(uᵀJ v)/∂u, the "double-vjp" trick, exact because
uᵀJ is linear in u —; a Jacobian is one vjp per output entry; the Hessian is the Jacobian of
the gradient; Hv is the gradient of ⟨∇f, v⟩. ``func`` is called on fresh copies of ``inputs``:
leaves that require grad, or (``create_graph=True`` and an input that already requires grad)
an identity op on it, so the results can be differentiated with respect to the caller's
tensors. The results are detached unless ``create_graph=True``. Shapes, tuple conventions,
``strict`` checks and error messages are torch's.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..grad_mode import enable_grad
from ..tensor import Tensor
from .engine import grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ------------------------------------------------------------------ helpers (torch's, by name)

def _as_tuple(x, what: str, fn: str) -> tuple[bool, tuple]:
    """(was it a tuple, the tensors as a tuple); a single Tensor is a 1-tuple. A list counts as a
    tuple (torch refuses lists; glassnet's callers, such as ``trace``, pass them)."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {what}"
            raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but the "
                            f"{where} has type {type(t).__name__}.")
    return is_tuple, items


def _unpack(res, is_tuple):
    """Undo ``_as_tuple`` on a result: ``is_tuple`` is one flag, or (outputs', inputs') for a
    tuple of tuples (Jacobians: one row per output, one entry per input)."""
    if isinstance(is_tuple, tuple):
        out_tuple, in_tuple = is_tuple
        if not in_tuple:
            res = tuple(r[0] for r in res)
        return res if out_tuple else res[0]
    return res if is_tuple else res[0]


def _preprocess(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """New tensors to differentiate with respect to (always new objects, so that a tensor the
    function captures from outside is not mistaken for an input): connected to the caller's
    tensor only with ``create_graph``."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            t = t.detach()
            out.append(t.requires_grad_(True) if need_graph else t)
    return tuple(out)


def _postprocess(values: tuple, create_graph: bool) -> tuple:
    if create_graph:
        return values
    return tuple(v.detach() if isinstance(v, Tensor) else _postprocess(v, False) for v in values)


def _validate_v(v: tuple, other: tuple, other_is_tuple: bool) -> None:
    if len(v) != len(other):
        if other_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            prefix = f"Entry {i} in " if other_is_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got {a.shape}.")


def _check_requires_grad(tensors: tuple, kind: str, strict: bool) -> None:
    """In ``strict`` mode, every output (gradient, Jacobian…) must depend on the inputs."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                               f"This is not allowed in strict mode.")
        if t.requires_grad:
            continue
        if kind == "hessian":
            raise RuntimeError(f"The hessian of the user-provided function with respect to input {i} is "
                               f"independent of the input. This is not allowed in strict mode. You should "
                               f"ensure that your function is thrice differentiable and that the hessian "
                               f"depends on the inputs.")
        if kind == "jacobian":
            raise RuntimeError(f"While computing the hessian, found that the jacobian of the user-provided "
                               f"function with respect to input {i} is independent of the input. This is not "
                               f"allowed in strict mode. You should ensure that your function is twice "
                               f"differentiable and that the jacobian depends on the inputs (this would be "
                               f"violated by a linear function for example).")
        if kind == "grad_inputs":
            raise RuntimeError(f"The gradient with respect to input {i} is independent of the inputs of the "
                               f"user-provided function. This is not allowed in strict mode.")
        raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The "
                           f"outputs must be computed in a differentiable manner from the input when "
                           f"running in strict mode.")


def _autograd_grad(outputs: tuple, inputs: tuple, grad_outputs=None, create_graph: bool = False) -> tuple:
    """``grad`` over the outputs that require grad (None for every input when none does);
    None for an input that is not used."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=True,
                create_graph=create_graph, allow_unused=True)


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in "
            "strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs "
                  "when using the double backward trick to compute forward mode gradients. This is not "
                  "allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not "
                   "allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the "
                         "double backward trick to replace forward mode AD.",
}


def _fill_in_zeros(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Zeros (shaped like ``refs``) for the None gradients — an error in ``strict`` mode, as is a
    gradient that is constant in the inputs when ``create_graph`` asks for its graph."""
    from ..creation import zeros_like
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This "
                               f"is not allowed in strict mode when create_graph=True.")
        res.append(g)
    return tuple(res)


def _v_or_ones(v, inputs: tuple, is_tuple: bool, create_graph: bool, fn: str) -> tuple:
    """The vector v for jvp / hvp / vhp (shaped like the inputs); 1 for a one-element input."""
    if v is not None:
        vs = _preprocess(_as_tuple(v, "v", fn)[1], create_graph, need_graph=False)
        _validate_v(vs, inputs, is_tuple)
        return vs
    if len(inputs) != 1 or inputs[0].numel() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                           "single Tensor with a single element.")
    from ..creation import ones_like
    return (ones_like(inputs[0]),)


def _single_scalar_output(out, fn: str, strict: bool) -> Tensor:
    is_tuple, outs = _as_tuple(out, "outputs of the user-provided function", fn)
    _check_requires_grad(outs, "outputs", strict)
    if is_tuple:
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if outs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain a single element")
    return outs[0]


# ------------------------------------------------------------------ the public functions

def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), vᵀ J): the vector–Jacobian product, one backward pass. ``v`` is shaped like
    the output (may be left out for a one-element output); the product like the inputs."""
    with enable_grad():
        is_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
        xs = _preprocess(ins, create_graph, need_graph=True)
        out_is_tuple, outs = _as_tuple(func(*xs), "outputs of the user-provided function", "vjp")
        _check_requires_grad(outs, "outputs", strict)
        if v is not None:
            vs = _preprocess(_as_tuple(v, "v", "vjp")[1], create_graph, need_graph=False)
            _validate_v(vs, outs, out_is_tuple)
        else:
            if len(outs) != 1 or outs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function returns a "
                                   "single Tensor with a single element.")
            vs = None
        found = _autograd_grad(outs, xs, vs, create_graph)
        result = _fill_in_zeros(found, xs, strict, create_graph, "back")
    return _unpack(_postprocess(outs, create_graph), out_is_tuple), \
        _unpack(_postprocess(result, create_graph), is_tuple)


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian–vector product, by differentiating a vjp in its cotangent.
    ``v`` is shaped like the inputs; the product like the output."""
    with enable_grad():
        is_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
        xs = _preprocess(ins, create_graph, need_graph=True)
        vs = _v_or_ones(v, xs, is_tuple, create_graph, "jvp")
        out_is_tuple, outs = _as_tuple(func(*xs), "outputs of the user-provided function", "jvp")
        _check_requires_grad(outs, "outputs", strict)
        # uᵀJ is linear in u, so the value of u does not matter (zeros: no inf or NaN can appear)
        from ..creation import zeros_like
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        vjps = _autograd_grad(outs, xs, us, create_graph=True)
        _check_requires_grad(vjps, "grad_inputs", strict)
        found = _autograd_grad(vjps, us, vs, create_graph)
        result = _fill_in_zeros(found, outs, strict, create_graph, "back_trick")
    return _unpack(_postprocess(outs, create_graph), out_is_tuple), \
        _unpack(_postprocess(result, create_graph), out_is_tuple)


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """∂func/∂inputs: J[i…, j…] = ∂outᵢ/∂inⱼ, of shape out.shape + in.shape — a tuple per output
    and per input when either is a tuple. One vjp per output entry (``vectorize`` is accepted
    and gives the same numbers; ``strategy='forward-mode'`` too)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                         'function has more outputs than inputs, "forward-mode" tends to be more '
                         'performant. Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode" and strict:
        raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` '
                           'are not supported together (yet). Please either set `strict=False` or '
                           '`strategy="reverse-mode"`.')
    from ..creation import zeros_like
    from ..ops import stack
    with enable_grad():
        is_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
        xs = _preprocess(ins, create_graph, need_graph=True)
        out_is_tuple, outs = _as_tuple(func(*xs), "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are "
                               "not supported together. Please either set `strict=False` or "
                               "`vectorize=False`.")
        blocks = []                               # blocks[i][j] = ∂outs[i]/∂xs[j]
        for i, o in enumerate(outs):
            rows = [[] for _ in xs]               # rows[j][k] = ∂o.flat[k]/∂xs[j]
            for k in range(o.numel()):
                seed = np.zeros(o.shape, dtype=o.dtype)
                seed.reshape(-1)[k] = 1
                found = _autograd_grad((o,), xs, (Tensor._wrap(seed),), create_graph)
                for j, (g, x) in enumerate(zip(found, xs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is independent of "
                                               f"input {j}. This is not allowed in strict mode.")
                        g = zeros_like(x)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(f"The jacobian of the user-provided function is independent of "
                                           f"input {i}. This is not allowed in strict mode when "
                                           f"create_graph=True.")
                    rows[j].append(g)
            row = []
            for j, x in enumerate(xs):
                shape = tuple(o.shape) + tuple(x.shape)
                if rows[j]:
                    row.append(stack(rows[j]).reshape(shape))      # (o.numel, *x.shape) → o.shape + x.shape
                else:                                             # an empty output
                    row.append(Tensor._wrap(np.zeros(shape, dtype=x.dtype)))
            blocks.append(tuple(row))
    return _unpack(_postprocess(tuple(blocks), create_graph), (out_is_tuple, is_tuple))


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """∂²func/∂inputs² for a one-element ``func``: H[i…, j…] = ∂²f/∂xᵢ∂xⱼ, of shape
    in.shape + in.shape (a tuple of tuples for tuple inputs) — the Jacobian of the gradient."""
    is_tuple, ins = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def gradient(*xs):
        out = _single_scalar_output(func(*xs), "hessian", strict)
        g = _fill_in_zeros(_autograd_grad((out,), xs, None, create_graph=True), xs, False, True, "back")
        _check_requires_grad(g, "jacobian", strict)     # a gradient constant in x: H = 0 (linear f)
        return g
    res = jacobian(gradient, ins, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _unpack(res, (is_tuple, is_tuple))


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), vᵀ H) for a one-element ``func``: the gradient of ⟨∇f, v⟩."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v) for a one-element ``func`` (H is symmetric, so the numbers are vᵀH's)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph: bool, strict: bool, fn: str):
    with enable_grad():
        is_tuple, ins = _as_tuple(inputs, "inputs", fn)
        xs = _preprocess(ins, create_graph, need_graph=True)
        vs = _v_or_ones(v, xs, is_tuple, create_graph, fn)
        out = _single_scalar_output(func(*xs), fn, strict)
        jac = _autograd_grad((out,), xs, None, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        found = _autograd_grad(jac, xs, vs, create_graph)
        result = _fill_in_zeros(found, xs, strict, create_graph,
                                "double_back" if fn == "vhp" else "double_back_trick")
    return _postprocess((out,), create_graph)[0], _unpack(_postprocess(result, create_graph), is_tuple)
