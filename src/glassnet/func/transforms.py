"""grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian and functional_call (torch.func's).

Each transform calls the function on *fresh* copies of the differentiated arguments: a leaf
when the argument is a constant, and an identity op on it when it already requires grad (an
outer transform, or the user, is differentiating it). The derivative is recorded
(``create_graph``) exactly when the function's result depends on a tensor that requires grad
other than those fresh leaves — an outer transform's input, passed in or captured by a closure
(``grad(lambda y: grad(lambda x: (x * y).sum())(x0).sum())``), or a module's parameters — so
the outer derivative can see through it, as in torch.func; otherwise results are detached.
Arguments and results may be trees (tuples, lists, dicts) of tensors.
"""
from __future__ import annotations

import contextlib
import functools
import weakref
from typing import Callable

import numpy as np

from ..grad_mode import enable_grad
from ..tensor import Tensor
from ..autograd.engine import grad as _grad

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "functional_call"]


def _argnums_tuple(argnums, n_args: int, fn: str) -> tuple[bool, tuple]:
    is_tuple = isinstance(argnums, (tuple, list))
    nums = tuple(argnums) if is_tuple else (argnums,)
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    for a in nums:
        if not isinstance(a, int) or isinstance(a, bool):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(a)}")
        if not -n_args <= a < n_args:
            raise RuntimeError(f"Got argnum={a}, but only {n_args} positional inputs")
    return is_tuple, tuple(a % n_args for a in nums)


# Levels, as torch.func's: every running transform has a token on ``_active``, and the leaves it
# makes for itself (fresh copies of constant arguments) are registered, by id, with its token (and
# a weak reference, to tell a live one from a recycled id). For a transform, such a leaf is an
# outside tensor only while its maker is still running around it (an outer transform
# differentiating it); the leaves of a finished inner transform, or of jvp's dummy cotangents
# (token None), are constants to everyone else.
_active: list[object] = []
_private: dict[int, tuple] = {}


@contextlib.contextmanager
def _level():
    token = object()
    _active.append(token)
    try:
        yield token
    finally:
        _active.pop()


def _private_leaf(t: Tensor, token) -> Tensor:
    key = id(t)
    _private[key] = (weakref.ref(t, lambda _ref, key=key: _private.pop(key, None)), token)
    return t


def _maker(t: Tensor):
    """(is it a transform's own leaf, the token of the transform that made it)."""
    entry = _private.get(id(t))
    if entry is None or entry[0]() is not t:
        return False, None
    return True, entry[1]


def _fresh(x, token):
    """A tensor (or a tree of tensors) to differentiate with respect to: see the module docstring."""
    if isinstance(x, Tensor):
        if not x.requires_grad:
            if not (x.dtype.kind == "f" or x.dtype == object):
                raise RuntimeError("only Tensors of floating point dtype can require gradients")
            return _private_leaf(x.detach().requires_grad_(True), token)
        return x.view_as(x)
    if isinstance(x, (tuple, list)):
        return type(x)(_fresh(v, token) for v in x)
    if isinstance(x, dict):
        return {k: _fresh(v, token) for k, v in x.items()}
    raise TypeError(f"Expected a Tensor (or a tuple, list or dict of Tensors) to differentiate, got "
                    f"{type(x).__name__}")


def _leaves(x) -> list:
    if isinstance(x, Tensor):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for v in x for t in _leaves(v)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _leaves(v)]
    return []


def _tensor_leaves(x, fn: str, what: str) -> list:
    """The leaves of a result tree, which must all be tensors (torch's check)."""
    if isinstance(x, Tensor):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for v in x for t in _tensor_leaves(v, fn, what)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _tensor_leaves(v, fn, what)]
    raise RuntimeError(f"{fn}: expected {what} to return only tensors, got unsupported type {type(x)}")


def _rebuild(x, flat: list):
    """The structure of ``x`` with its tensors replaced, in order, by ``flat``."""
    it = iter(flat)

    def build(v):
        if isinstance(v, Tensor):
            return next(it)
        if isinstance(v, (tuple, list)):
            return type(v)(build(u) for u in v)
        if isinstance(v, dict):
            return {k: build(u) for k, u in v.items()}
        return v
    return build(x)


def _reaches_outside(roots, inside: list) -> bool:
    """Whether the graph of ``roots`` reaches a leaf that requires grad other than the ``inside``
    ones and the leaves of finished transforms (see ``_level``): then a derivative must be
    recorded for whoever differentiates that tensor."""
    inside_ids = {id(t) for t in inside}
    seen: set[int] = set()
    stack = [t for t in roots if isinstance(t, Tensor) and t.requires_grad]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t._backward is None:
            if id(t) in inside_ids:
                continue
            private, token = _maker(t)
            if not private or token in _active:
                return True
            continue
        stack.extend(p for p in t._parents if p.requires_grad)
    return False


def _detach_tree(x, keep: bool):
    if keep or not isinstance(x, (Tensor, tuple, list, dict)):
        return x
    if isinstance(x, Tensor):
        return x.detach()
    if isinstance(x, (tuple, list)):
        return type(x)(_detach_tree(v, keep) for v in x)
    return {k: _detach_tree(v, keep) for k, v in x.items()}


def _aux_out(aux, inside: list):
    """aux, detached unless it depends on tensors outside the transform (as its result does)."""
    return _detach_tree(aux, _reaches_outside(_leaves(aux), inside))


def _zeros(t: Tensor) -> Tensor:
    return Tensor._wrap(np.zeros(t.shape, dtype=t.dtype))


def _split(flat: list, trees: list) -> list:
    """``flat`` cut into one tree per entry of ``trees`` (each with that tree's structure)."""
    out = []
    for tree in trees:
        n = len(_leaves(tree))
        out.append(_rebuild(tree, flat[:n]))
        flat = flat[n:]
    return out


# ------------------------------------------------------------------ grad

def grad_and_value(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """A function returning (∂func/∂args[argnums], func(*args)) — with ``has_aux``, func returns
    (value, aux) and the result is (grad, (value, aux))."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        is_tuple, nums = _argnums_tuple(argnums, len(args), "grad_and_value")
        args = list(args)
        with enable_grad(), _level() as token:
            for a in nums:
                args[a] = _fresh(args[a], token)
            out = func(*args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError("grad_and_value(f)(*args): output of function f should be a tuple: "
                                       "(output, aux) if has_aux is True")
                out, aux = out
            if not isinstance(out, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(out)}")
            if out.dim() != 0:
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, "
                                   f"got tensor with {out.dim()} dims. Maybe you wanted to use the vjp or "
                                   f"jacrev APIs instead?")
            wrt = [t for a in nums for t in _leaves(args[a])]
            nested = _reaches_outside([out], wrt)
            if out.requires_grad:
                found = _grad(out, wrt, create_graph=nested, allow_unused=True, materialize_grads=True)
            else:
                found = tuple(_zeros(t) for t in wrt)
        grads = _split(list(found), [args[a] for a in nums])
        g = tuple(grads) if is_tuple else grads[0]
        value = out if nested else out.detach()
        if has_aux:
            return g, (value, _aux_out(aux, wrt))
        return g, value
    return wrapper


def grad(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """A function returning ∂func/∂args[argnums] for a scalar-valued ``func`` (torch.func.grad);
    with ``has_aux`` it returns (grad, aux)."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


# ------------------------------------------------------------------ vjp, jvp

def _vjp(func: Callable, primals: tuple, has_aux: bool):
    """(output, vjp_fn, aux, nested): see ``vjp``; ``nested`` says whether the output depends on
    tensors outside (then nothing is detached and every vjp is recorded)."""
    with enable_grad(), _level() as token:
        fresh = [_fresh(p, token) for p in primals]
        out = func(*fresh)
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("vjp(f, *primals): output of function f should be a tuple: (output, aux) "
                                   "if has_aux is True")
            out, aux = out
    outs = _tensor_leaves(out, "vjp(f, *primals)", "f(*primals)")
    wrt = [t for p in fresh for t in _leaves(p)]
    nested = _reaches_outside(outs, wrt)

    def vjp_fn(*cotangents):
        cots = cotangents[0] if len(cotangents) == 1 and not isinstance(out, Tensor) else cotangents
        cot_leaves = [cots] if isinstance(cots, Tensor) else _leaves(cots)
        if len(cot_leaves) != len(outs):
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as pytree structure "
                               f"of outputs to the function: {len(cot_leaves)} cotangents for "
                               f"{len(outs)} outputs")
        for i, (c, o) in enumerate(zip(cot_leaves, outs)):
            if c.shape != o.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {c.shape} and "
                                   f"output[{i}] has a shape of {o.shape}.")
        create = nested or any(c.requires_grad for c in cot_leaves)
        pairs = [(o, c) for o, c in zip(outs, cot_leaves) if o.requires_grad]
        with enable_grad():
            if pairs:
                found = _grad([o for o, _ in pairs], wrt, [c for _, c in pairs], retain_graph=True,
                              create_graph=create, allow_unused=True, materialize_grads=True)
            else:
                found = tuple(_zeros(t) for t in wrt)
        return tuple(_split(list(found), fresh))
    return _detach_tree(out, nested), vjp_fn, (_aux_out(aux, wrt) if has_aux else None), nested


def vjp(func: Callable, *primals, has_aux: bool = False):
    """(func(*primals), vjp_fn[, aux]): ``vjp_fn(v)`` gives vᵀ ∂func/∂primals, one per primal."""
    out, vjp_fn, aux, _ = _vjp(func, primals, has_aux)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def jvp(func: Callable, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """(func(*primals), J·tangents[, aux]): the derivative along ``tangents`` (torch.func.jvp),
    as the derivative of a vjp with respect to its cotangent u: J t = ∂(uᵀJ t)/∂u, exact
    because uᵀJ is linear in u."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be "
                           "valid to call f(*primals).")
    if not isinstance(tangents, tuple) or len(tangents) != len(primals):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents also must be.")
    for p, t in zip(_leaves(primals), _leaves(tangents)):
        if p.shape != t.shape:
            raise RuntimeError(f"Trying to set a forward gradient that has a different size than that of the "
                               f"original Tensor, this is not supported. Tensor is of size {list(p.shape)} "
                               f"while the given forward gradient is of size {list(t.shape)}.")
    out, vjp_fn, aux, nested = _vjp(func, primals, has_aux)
    outs = _leaves(out)
    ts = _leaves(tangents)
    with enable_grad():
        us = [_private_leaf(_zeros(o).requires_grad_(True), None) for o in outs]
        cot = us[0] if isinstance(out, Tensor) else _rebuild(out, us)
        vjps = _leaves(vjp_fn(cot))
        pairs = [(g, t) for g, t in zip(vjps, ts) if g.requires_grad]
        if pairs:
            create = nested or any(t.requires_grad for t in ts)
            found = _grad([g for g, _ in pairs], us, [t for _, t in pairs], create_graph=create,
                          allow_unused=True, materialize_grads=True)
        else:
            found = tuple(_zeros(o) for o in outs)
    tangent_out = found[0] if isinstance(out, Tensor) else _rebuild(out, list(found))
    return (out, tangent_out, aux) if has_aux else (out, tangent_out)


# ------------------------------------------------------------------ Jacobians

def _jacobian_setup(func, args, argnums, has_aux, fn):
    """Call ``func`` on fresh copies of args[argnums]: (is_tuple, nums, picked trees, their leaves,
    output, its leaves, aux, nested)."""
    is_tuple, nums = _argnums_tuple(argnums, len(args), fn)
    call = list(args)
    with enable_grad(), _level() as token:
        for a in nums:
            call[a] = _fresh(args[a], token)
        out = func(*call)
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError(f"{fn}(f, ...)(*args): output of function f should be a tuple: "
                                   f"(output, aux) if has_aux is True")
            out, aux = out
    picked = [call[a] for a in nums]
    wrt = [t for p in picked for t in _leaves(p)]
    outs = _tensor_leaves(out, f"{fn}(f, ...)(*args)", "f(*args)")
    nested = _reaches_outside(outs, wrt)
    return is_tuple, picked, wrt, out, outs, (_aux_out(aux, wrt) if has_aux else None), nested


def _assemble(blocks, is_tuple: bool, picked: list, out, outs: list, nested: bool):
    """blocks[i][j] = ∂outs[i]/∂wrt[j] (shape out_i.shape + wrt_j.shape) into torch.func's tree:
    the output's structure, each leaf holding the arguments' structure (a tuple over argnums)."""
    per_output = []
    for row in blocks:
        row = [b if nested else b.detach() for b in row]
        per_arg = _split(row, picked)
        per_output.append(tuple(per_arg) if is_tuple else per_arg[0])
    return per_output[0] if isinstance(out, Tensor) else _rebuild(out, per_output)


def jacrev(func: Callable, argnums=0, *, has_aux: bool = False, chunk_size=None,
           _preallocate_and_copy=False) -> Callable:
    """A function returning ∂func/∂args[argnums], of shape out.shape + arg.shape per pair of
    output and argument leaves, by reverse mode: one vjp per output entry."""
    from ..ops import stack

    @functools.wraps(func)
    def wrapper(*args):
        is_tuple, picked, wrt, out, outs, aux, nested = _jacobian_setup(func, args, argnums, has_aux, "jacrev")
        blocks = []
        with enable_grad():
            for o in outs:
                rows = [[] for _ in wrt]                  # rows[j][k] = ∂o.flat[k]/∂wrt[j]
                for k in range(o.numel() if o.requires_grad else 0):
                    seed = np.zeros(o.shape, dtype=o.dtype)
                    seed.reshape(-1)[k] = 1
                    found = _grad(o, wrt, Tensor._wrap(seed), retain_graph=True, create_graph=nested,
                                  allow_unused=True, materialize_grads=True)
                    for j, g in enumerate(found):
                        rows[j].append(g)
                blocks.append([stack(r).reshape(tuple(o.shape) + tuple(x.shape)) if r      # (n_o, *x) → o + x
                               else Tensor._wrap(np.zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype))
                               for r, x in zip(rows, wrt)])
        J = _assemble(blocks, is_tuple, picked, out, outs, nested)
        return (J, aux) if has_aux else J
    return wrapper


def jacfwd(func: Callable, argnums=0, has_aux: bool = False, *, randomness: str = "error") -> Callable:
    """A function returning the same Jacobian as ``jacrev``, column by column: one jvp per input
    entry, each the derivative of one shared vjp uᵀJ with respect to u (see ``jvp``)."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")
    from ..ops import stack

    @functools.wraps(func)
    def wrapper(*args):
        is_tuple, picked, wrt, out, outs, aux, nested = _jacobian_setup(func, args, argnums, has_aux, "jacfwd")
        live = [o for o in outs if o.requires_grad]
        cols = [[[] for _ in wrt] for _ in outs]          # cols[i][j][k] = ∂outs[i]/∂wrt[j].flat[k]
        with enable_grad():
            us = [_private_leaf(_zeros(o).requires_grad_(True), None) for o in live]
            vjps = _grad(live, wrt, us, create_graph=True, allow_unused=True) if live else (None,) * len(wrt)
            for j, (x, vj) in enumerate(zip(wrt, vjps)):
                for k in range(x.numel() if vj is not None and vj.requires_grad else 0):
                    seed = np.zeros(x.shape, dtype=x.dtype)
                    seed.reshape(-1)[k] = 1
                    found = iter(_grad(vj, us, Tensor._wrap(seed), retain_graph=True, create_graph=nested,
                                       allow_unused=True, materialize_grads=True))
                    for i, o in enumerate(outs):
                        cols[i][j].append(next(found) if o.requires_grad else None)
        blocks = []
        for i, o in enumerate(outs):
            row = []
            for j, x in enumerate(wrt):
                shape = tuple(o.shape) + tuple(x.shape)
                if cols[i][j] and cols[i][j][0] is not None:
                    row.append(stack(cols[i][j], dim=-1).reshape(shape))          # (*o, n_x) → o + x
                else:
                    row.append(Tensor._wrap(np.zeros(shape, dtype=x.dtype)))
            blocks.append(row)
        J = _assemble(blocks, is_tuple, picked, out, outs, nested)
        return (J, aux) if has_aux else J
    return wrapper


def hessian(func: Callable, argnums=0) -> Callable:
    """∂²func/∂args[argnums]² for a scalar ``func``: ``jacfwd(jacrev(func))`` as in torch.func."""
    return jacfwd(jacrev(func, argnums), argnums)


def functional_call(module, parameter_and_buffer_dicts, args=(), kwargs=None, *, tie_weights: bool = True,
                    strict: bool = False):
    """Call ``module(*args, **kwargs)`` with some parameters and buffers replaced by the given
    tensors (by their ``named_parameters`` names), then put the originals back."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, dict):
        merged = dict(dicts)
    else:
        merged = {}
        for d in dicts:
            for k, v in d.items():
                if k in merged:
                    raise ValueError(f"{k} appeared in multiple dictionaries; behavior of functional call is "
                                     f"ambiguous")
                merged[k] = v
    known = {n for n, _ in module.named_parameters()} | {n for n, _ in module.named_buffers()}
    missing = sorted(known - set(merged))
    unexpected = sorted(set(merged) - known)
    if strict and (missing or unexpected):
        raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}: missing keys "
                           f"{missing}, unexpected keys {unexpected}")
    if unexpected:
        raise AttributeError(f"functional_call: {type(module).__name__} has no parameter or buffer named "
                             f"{unexpected[0]!r}")
    swapped = []
    try:
        for name, value in merged.items():
            owner_path, _, leaf = name.rpartition(".")
            owner = module.get_submodule(owner_path) if owner_path else module
            store = owner._parameters if leaf in owner._parameters else owner._buffers
            swapped.append((store, leaf, store[leaf]))
            store[leaf] = value
        if not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for store, leaf, original in reversed(swapped):
            store[leaf] = original
