"""Optimizer: parameter groups, per-parameter state, and torch's state_dict layout.

A subclass supplies ``_check_options`` (argument validation, run on the defaults and
on every group added) and ``step``; the update math itself lives in a pure function
next to the subclass (``sgd_update``, ``adam_update``) that works on ndarrays in place.

``state_dict()`` is laid out as torch's::

    {"state": {0: {"momentum_buffer": tensor(...)}, 1: {...}},
     "param_groups": [{"lr": 0.1, ..., "params": [0, 1]}, {"lr": 0.01, ..., "params": [2]}]}

Parameters are numbered 0, 1, … in the order of the groups and of the parameters
inside them; ``load_state_dict`` pairs those numbers with this optimizer's own
parameters in the same order, so an optimizer built the same way resumes exactly.
"""
from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, Callable

import numpy as np

from ..errors import ShapeError
from ..grad_mode import enable_grad
from ..tensor import Tensor

ParamsT = Iterable  # of Tensors, of (name, Tensor) pairs, or of dicts (parameter groups)


class Optimizer:
    """Base class of all optimizers (as ``torch.optim.Optimizer``).

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs (as given by
            ``module.named_parameters()``), or of dicts that each hold ``"params"`` and
            any options that differ from ``defaults`` for that group.
        defaults: the options of every group that does not set its own.
    """

    # State entries that have the parameter's shape (checked by load_state_dict).
    _param_shaped_state: tuple[str, ...] = ()

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        if isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        self._check_options(defaults)
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []

        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ------------------------------------------------------------ to override
    @staticmethod
    def _check_options(options: Mapping[str, Any]) -> None:
        """Raise ValueError for an option out of range (the defaults or one group's)."""

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one optimisation step; ``closure`` re-evaluates the model and returns the loss."""
        raise NotImplementedError

    # ------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with its own options, to ``param_groups``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("a parameter group must have a 'params' entry")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        params = list(params)

        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")
            group["param_names"] = names
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params "
                                f"(number {i} of its group) is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group["params"] = params

        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._check_options(group)

        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            dup = next(i for i, x in enumerate(ids) if ids.index(x) != i)
            raise ValueError(f"optimizer contains a parameter group with duplicate parameters "
                             f"(parameter {dup} of the group appears earlier in it too)")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if seen.intersection(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad``: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if not p.grad.is_leaf:
                        p.grad.detach_()
                    p.grad.requires_grad = False
                    p.grad._data[...] = 0

    def _params_with_grad(self, group: dict[str, Any], first_index: int):
        """Yield (index, parameter, grad array) for the parameters of ``group`` that have a grad.

        ``index`` is the parameter's number in ``state_dict()``, used in error messages.
        """
        for i, p in enumerate(group["params"], first_index):
            if p.grad is None:
                continue
            g = p.grad._data
            if g.shape != p._data.shape:
                raise ShapeError(f"{type(self).__name__}.step: parameter {i} has shape "
                                 f"{p._data.shape} but its .grad has shape {g.shape}")
            if g.dtype != p._data.dtype:
                raise TypeError(f"{type(self).__name__}.step: parameter {i} has dtype "
                                f"{p._data.dtype} but its .grad has dtype {g.dtype}")
            p._vc[0] += 1          # updated in place: a graph that saved it must not backward
            yield i, p, g

    def _groups(self):
        """Yield (group, index of its first parameter in state_dict numbering)."""
        start = 0
        for group in self.param_groups:
            yield group, start
            start += len(group["params"])

    @staticmethod
    def _run_closure(closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------ state_dict
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state and options, parameters replaced by their numbers (copies)."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _copy_value(v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if id(p) in index:
                state[index[id(p)]] = _copy_value(s)
        # Keep the numbering order (torch does, too: it follows insertion, i.e. first step).
        state = dict(sorted(state.items()))
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load a ``state_dict()`` (options and state) into this optimizer.

        The optimizer must have the same number of groups with the same number of
        parameters each; tensors in the state are copied (cast to the parameter's dtype).
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict expects a dict, got {type(state_dict).__name__}")
        for key in ("state", "param_groups"):
            if key not in state_dict:
                raise ValueError(f"not an optimizer state_dict: it has no {key!r} entry "
                                 f"(keys: {sorted(map(str, state_dict))})")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)}) than the optimizer ({len(self.param_groups)})")
        for k, (g, sg) in enumerate(zip(self.param_groups, saved_groups)):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match "
                                 f"the size of optimizer's group: group {k} has {len(sg['params'])} "
                                 f"parameters in the state dict, {len(g['params'])} in the optimizer")
        id_map = {}
        for g, sg in zip(self.param_groups, saved_groups):
            id_map.update(zip(sg["params"], g["params"]))

        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k not in id_map:
                raise ValueError(f"the state dict has state for parameter {k!r}, "
                                 f"which none of its param_groups lists")
            param = id_map[k]
            state[param] = {key: self._cast_state(param, k, key, value) for key, value in v.items()}

        new_groups = []
        for g, sg in zip(self.param_groups, saved_groups):
            ng = {key: _copy_value(v) for key, v in sg.items() if key != "params"}
            self._check_options({**self.defaults, **ng})
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        self.state = state
        self.param_groups = new_groups

    def _cast_state(self, param: Tensor, index, key: str, value):
        """A copy of one saved state entry, as a tensor of the parameter's dtype where it applies."""
        if isinstance(value, np.ndarray):
            value = Tensor._wrap(value)
        if not isinstance(value, Tensor):
            return _copy_value(value)
        arr = value._data
        if key in self._param_shaped_state and arr.shape != param._data.shape:
            raise ShapeError(f"loaded state dict has {key!r} of shape {arr.shape} for parameter "
                             f"{index}, which has shape {param._data.shape}")
        if key != "step" and param._data.dtype.kind == "f" and arr.dtype != param._data.dtype:
            return Tensor._wrap(arr.astype(param._data.dtype))
        return Tensor._wrap(arr.copy())

    # ------------------------------------------------------------ display
    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


_SET_MESSAGE = ("optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead.")


def _copy_value(value):
    """Deep copy of state and options: tensors and arrays get their own memory."""
    if isinstance(value, Tensor):
        return Tensor._wrap(value._data.copy())
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy_value(v) for v in value)
    return copy.copy(value)


def _number(options: Mapping[str, Any], name: str) -> float:
    """An option as a float for validation, with a TypeError naming it if it is not a number."""
    value = options[name]
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None


def _hyper(value, dtype: np.dtype):
    """A hyper-parameter ready to combine with arrays of ``dtype``.

    For float arrays it becomes a Python float, which NumPy treats as "weak": a float32
    array stays float32 (a NumPy float64 scalar or a float64 tensor would up-cast it).
    Exact (object) arrays keep the value as given, e.g. a SymPy Rational.
    """
    if dtype.kind == "O":
        return value._data.reshape(())[()] if isinstance(value, Tensor) else value
    return float(value)
