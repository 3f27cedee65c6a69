"""Module: the base class of layers and models, with torch's registration rules."""
from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Callable, Iterator, NamedTuple

import numpy as np

from .. import _backend, _device
from ..errors import ShapeError
from ..tensor import Tensor
from .parameter import Parameter

# Modules whose forward is running, outermost first: lets a shape error say where it happened.
_call_stack: list["Module"] = []


class IncompatibleKeys(NamedTuple):
    missing_keys: list
    unexpected_keys: list


class Module:
    """Base class for every layer and model.

    Assigning a Parameter, Module or (via ``register_buffer``) a Tensor as an attribute
    registers it, so ``parameters()``, ``state_dict()`` and ``repr`` find it.
    Subclasses implement ``forward``; call the module itself, not ``forward``.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

    # ------------------------------------------------------------------ calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"Module [{type(self).__name__}] is missing the required \"forward\" function")

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                new = hook(self, args)
                if new is not None:
                    args = new if isinstance(new, tuple) else (new,)
        _call_stack.append(self)
        try:
            out = self.forward(*args, **kwargs)
        except ShapeError as exc:
            if not getattr(exc, "_glassnet_located", False):
                exc._glassnet_located = True
                exc.args = (f"{_location()}: {exc.args[0]}",) + exc.args[1:]
            raise
        finally:
            _call_stack.pop()
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                new = hook(self, args, out)
                if new is not None:
                    out = new
        return out

    def register_forward_hook(self, hook: Callable) -> "_HookHandle":
        """hook(module, inputs, output) runs after forward; a non-None return replaces the output."""
        return _HookHandle(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook: Callable) -> "_HookHandle":
        """hook(module, inputs) runs before forward; a non-None return replaces the inputs."""
        return _HookHandle(self._forward_pre_hooks, hook)

    # ------------------------------------------------------------- registration
    def __setattr__(self, name: str, value) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._remove_from(name, self._buffers, self._modules, self.__dict__)
            params[name] = value
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign a module before Module.__init__() call")
            self._remove_from(name, self._parameters, self._buffers, self.__dict__)
            self._modules[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter {name!r} "
                                f"(a glassnet.nn.Parameter or None is required)")
            params[name] = None
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module {name!r}")
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r}")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name, *dicts) -> None:
        for d in dicts:
            d.pop(name, None)

    def __getattr__(self, name: str):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {type(param).__name__} as parameter {name!r}")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """State that is saved and loaded but not trained (e.g. a loss's class weights)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"buffer {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> "Module":
        mod = self
        for part in filter(None, target.split(".")):
            if part not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no submodule {part!r} (looking for {target!r})")
            mod = mod._modules[part]
        return mod

    # ---------------------------------------------------------------- traversal
    def named_modules(self, memo: set | None = None, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator["Module"]:
        for _, c in self.named_children():
            yield c

    def _named_members(self, store: str, prefix: str, recurse: bool):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, mod in modules:
            for name, value in getattr(mod, store).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -------------------------------------------------------------------- state
    def train(self, mode: bool = True) -> "Module":
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._data[...] = 0

    def to(self, *args, dtype=None, device=None, non_blocking: bool = False) -> "Module":
        """Cast every floating-point parameter and buffer to ``dtype`` in place (CPU only)."""
        dtype = _device.parse_to_args(args, dtype, device)
        if dtype is not None:
            dt = _backend.as_dtype(dtype)
            if not _backend.is_floating(dt):
                raise TypeError(f"Module.to only accepts floating point dtypes, got {dt}")
            cast = _backend.as_exact if dt == _backend.exact else (lambda a: a.astype(dt))  # 0.1 → 1/10
            for t in list(self.parameters()) + list(self.buffers()):
                if _backend.is_floating(t.dtype):
                    t._data = cast(t._data)
                    if t.grad is not None:
                        t.grad._data = cast(t.grad._data)
        return self

    def float(self) -> "Module":
        return self.to(_backend.float32)

    def double(self) -> "Module":
        return self.to(_backend.float64)

    def cpu(self) -> "Module":
        return self

    def cuda(self, device=None) -> "Module":
        _device.check_device("cuda")
        return self

    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False) -> "OrderedDict[str, Tensor]":
        """Every parameter and persistent buffer by dotted name (``0.weight``, ``fc.bias``)."""
        out = OrderedDict() if destination is None else destination
        for name, p in self._parameters.items():
            if p is not None:
                out[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent:
                out[prefix + name] = b if keep_vars else b.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(out, prefix + name + ".", keep_vars)
        return out

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy values into this module's parameters and buffers, checking names and shapes."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict and (missing or unexpected):              # in torch's order: missing first
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected))
        for name, target in own.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            array = value._data if isinstance(value, Tensor) else np.asarray(value)
            if array.shape != target.shape:
                errors.append(f"size mismatch for {name}: copying a param with shape {array.shape} from "
                              f"checkpoint, the shape in current model is {target.shape}")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for name, target in own.items():
            if name in state_dict:
                value = state_dict[name]
                array = value._data if isinstance(value, Tensor) else np.asarray(value)
                target._data[...] = array.astype(target.dtype, copy=False)
        return IncompatibleKeys(missing, unexpected)

    # --------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        return ""

    def short_repr(self) -> str:
        """One line naming the layer and its configuration, used in error messages."""
        return f"{type(self).__name__}({self.extra_repr()})"

    def __repr__(self) -> str:
        lines = [line for line in self.extra_repr().split("\n") if line]
        children = [f"({name}): " + _indent(repr(m)) for name, m in self._modules.items()]
        if not children:
            return f"{type(self).__name__}({', '.join(lines)})" if len(lines) <= 1 else \
                f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"
        body = "\n  ".join(lines + children)
        return f"{type(self).__name__}(\n  {body}\n)"

    def __getstate__(self):
        raise TypeError("glassnet modules are not pickled; save model.state_dict() with glassnet.save")

    def __deepcopy__(self, memo) -> "Module":
        """copy.deepcopy(model): an independent model (copying is allowed, pickling is not)."""
        new = object.__new__(type(self))
        memo[id(self)] = new
        for name, value in self.__dict__.items():
            object.__setattr__(new, name, copy.deepcopy(value, memo))
        return new


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _location() -> str:
    """``Sequential[2] Linear(3 → 2)`` or ``Net.fc1 Linear(3 → 2)``: where a forward failed."""
    parts = [type(_call_stack[0]).__name__] if _call_stack else []
    for parent, child in zip(_call_stack, _call_stack[1:]):
        key = next((k for k, m in parent._modules.items() if m is child), None)
        if key is None:
            continue
        parts.append(f"[{key}]" if key.isdigit() else f".{key}")
    where = "".join(parts)
    leaf = _call_stack[-1] if _call_stack else None
    if leaf is not None and len(_call_stack) > 1:
        where += " " + leaf.short_repr()
    elif leaf is not None:
        where = leaf.short_repr()
    return where


class _HookHandle:
    _next_id = 0

    def __init__(self, hooks: OrderedDict, hook: Callable) -> None:
        self.hooks, self.id = hooks, _HookHandle._next_id
        _HookHandle._next_id += 1
        hooks[self.id] = hook

    def remove(self) -> None:
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
