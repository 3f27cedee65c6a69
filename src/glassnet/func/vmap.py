"""``vmap``: map a function over a dimension of its inputs (torch.func.vmap's signature).

glassnet has no per-op batching rules yet, so ``vmap`` runs ``func`` once per index of the
mapped dimension and stacks the results; it warns once that it does so. Results (values and
gradients through them) are those of the batched computation; the speed is a Python loop's.
"""
from __future__ import annotations

import functools
import warnings
from typing import Callable

from ..tensor import Tensor

__all__ = ["vmap"]

_RANDOMNESS = ("error", "different", "same")
_warned = [False]


def _flatten(tree) -> list:
    if isinstance(tree, Tensor) or tree is None or not isinstance(tree, (tuple, list, dict)):
        return [tree]
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in _flatten(v)]
    return [x for v in tree for x in _flatten(v)]


def _rebuild(tree, flat_iter):
    if isinstance(tree, Tensor) or tree is None or not isinstance(tree, (tuple, list, dict)):
        return next(flat_iter)
    if isinstance(tree, dict):
        return {k: _rebuild(v, flat_iter) for k, v in tree.items()}
    return type(tree)(_rebuild(v, flat_iter) for v in tree)


def _broadcast_dims(dims, tree, what: str, name: str):
    """One dim (int or None) per leaf of ``tree``, from an int/None or a matching structure."""
    if dims is None or isinstance(dims, int):
        return [dims] * len(_flatten(tree))
    if isinstance(tree, (tuple, list)) and isinstance(dims, (tuple, list)):
        if len(dims) != len(tree):
            raise ValueError(f"vmap({name}, {what}={dims}, ...)(<inputs>): {what} is not compatible with the "
                             f"structure of `inputs`. {what} has structure of length {len(dims)} but inputs "
                             f"has length {len(tree)}.")
        return [d for sub_dims, sub in zip(dims, tree) for d in _broadcast_dims(sub_dims, sub, what, name)]
    if isinstance(tree, dict) and isinstance(dims, dict):
        return [d for k, sub in tree.items() for d in _broadcast_dims(dims[k], sub, what, name)]
    raise ValueError(f"vmap({name}, {what}={dims}, ...)(<inputs>): {what} is not compatible with the structure "
                     f"of `inputs`.")


def _select(x: Tensor, dim: int, i: int) -> Tensor:
    return x[(slice(None),) * dim + (i,)]


def vmap(func: Callable, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None) -> Callable:
    """A function that applies ``func`` to every slice of its inputs along ``in_dims`` (an int, None
    for an input that is not mapped, or a structure matching the arguments) and stacks the
    results along ``out_dims``. ``vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)`` gives
    per-sample gradients."""
    if randomness not in _RANDOMNESS:
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    name = getattr(func, "__name__", repr(func))

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if not args:
            raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you "
                             f"are trying to vmap over a function with no inputs. The latter is unsupported.")
        if not (isinstance(in_dims, (int, tuple)) and not isinstance(in_dims, bool)):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or "
                             f"a (potentially nested) tuple matching the structure of inputs, got: "
                             f"{type(in_dims)}.")
        dims = _broadcast_dims(in_dims, args, "in_dims", name)
        leaves = _flatten(args)
        size = None
        norm_dims = []
        for leaf, d in zip(leaves, dims):
            if d is None:
                norm_dims.append(None)
                continue
            if not isinstance(leaf, Tensor):
                raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input "
                                 f"but the input is of type {type(leaf)}. We cannot vmap over non-Tensor "
                                 f"arguments, please use None as the respective in_dim")
            if leaf.dim() == 0 or not -leaf.dim() <= d < leaf.dim():
                raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some "
                                 f"input, but that input is a Tensor of dimensionality {leaf.dim()} so expected "
                                 f"in_dim to satisfy -{leaf.dim()} <= in_dim < {leaf.dim()}.")
            d = d % leaf.dim()
            norm_dims.append(d)
            n = leaf.shape[d]
            if size is None:
                size = n
            elif n != size:
                sizes = [lf.shape[dd] for lf, dd in zip(leaves, norm_dims) if dd is not None]
                raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, "
                                 f"got sizes {sizes} for the mapped dimension")
        if size is None:
            raise ValueError("vmap: Expected at least one Tensor to vmap over")
        if not _warned[0]:
            _warned[0] = True
            warnings.warn("glassnet.func.vmap runs the function once per index of the mapped dimension "
                          "(there are no batching rules yet): the results are exact, the speed is that of "
                          "a Python loop", RuntimeWarning, stacklevel=2)
        results = []
        for i in range(size):
            sliced = [leaf if d is None else _select(leaf, d, i) for leaf, d in zip(leaves, norm_dims)]
            results.append(func(*_rebuild(args, iter(sliced)), **kwargs))
        return _stack_results(results, out_dims, name)
    return wrapper


def _stack_results(results: list, out_dims, name: str):
    from ..ops import stack
    first = results[0]
    flat_first = _flatten(first)
    dims = _broadcast_dims(out_dims, first, "out_dims", name)
    columns = list(zip(*[_flatten(r) for r in results]))
    stacked = []
    for col, d, sample in zip(columns, dims, flat_first):
        if d is None:
            stacked.append(sample)
            continue
        if not isinstance(sample, Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(sample)}. "
                             f"Did you mean to set out_dims= to None for output?")
        if not -(sample.dim() + 1) <= d <= sample.dim():
            raise IndexError(f"Dimension out of range (expected to be in range of [{-(sample.dim() + 1)}, "
                             f"{sample.dim()}], but got {d})")
        stacked.append(stack(list(col), dim=d))
    return _rebuild(first, iter(stacked))
