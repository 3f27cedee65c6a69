"""Reading a feed-forward model as the seeds draw it: a chain of layers, each an affine map
z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾ followed by its activation(s) a⁽ˡ⁾ = f⁽ˡ⁾(z⁽ˡ⁾).

The analysis tools reason about such chains (``nn.Sequential`` of ``Linear`` and activation
layers, nested Sequentials flattened). Anything else gets a ``TypeError`` that names the module.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from ..nn import (Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, Module, Parameter,
                  ReLU, Sequential, Sigmoid, Softmax, Step, Tanh)
from ..tensor import Tensor

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def sup(n: int) -> str:
    """A layer index as the seeds write it: 2 → ⁽²⁾."""
    return f"⁽{str(n).translate(_SUP)}⁾"


# Activation layers by kind: the one registry every analysis tool reads.
ACTIVATION_KINDS: dict[type, str] = {
    ReLU: "relu", Tanh: "tanh", Sigmoid: "sigmoid", Step: "step", LeakyReLU: "leaky_relu",
    Identity: "identity", Softmax: "softmax", LogSoftmax: "log_softmax",
}
# Softmax-like layers mix the units of a sample; the others act on each unit alone.
MIXING = frozenset({"softmax", "log_softmax"})


@dataclass
class Layer:
    """Layer ``index`` (1-based, as the seeds count): ``linear`` then ``activations``."""

    index: int
    name: str                                   # the Linear's state-dict prefix, e.g. "0"
    linear: Linear
    activations: list[tuple[str, Module]] = field(default_factory=list)

    @property
    def weight(self) -> np.ndarray:             # (out, in)
        return self.linear.weight._data

    @property
    def bias(self) -> np.ndarray | None:        # (out,)
        return None if self.linear.bias is None else self.linear.bias._data

    @property
    def kinds(self) -> list[str]:
        return [k for k, _ in self.activations]

    @property
    def activation(self) -> str:
        """The layer's activation as one word: 'relu', 'softmax', 'relu∘tanh', 'identity'."""
        kinds = [k for k in self.kinds if k != "identity"]
        return "∘".join(reversed(kinds)) if kinds else "identity"


def kind_of(module: Module) -> str:
    """The activation kind of a module, or 'linear'; Flatten and Dropout read as identity."""
    if isinstance(module, Linear):
        return "linear"
    for cls, kind in ACTIVATION_KINDS.items():
        if type(module) is cls:
            return kind
    if isinstance(module, Flatten):
        return "identity"           # the tools take (N, features) inputs, where it changes nothing
    if isinstance(module, Dropout):
        if module.training and module.p > 0:
            raise ValueError(f"{module!r} is in training mode, so the model is random; "
                             f"call model.eval() before analysing it")
        return "identity"
    raise TypeError(
        f"the analysis tools read a chain of Linear and activation layers "
        f"({', '.join(sorted(ACTIVATION_KINDS.values()))}); got {type(module).__name__}")


def flat_modules(model: Module) -> list[tuple[str, Module]]:
    """(state-dict prefix, module) for each leaf module in order, nested Sequentials flattened."""
    if isinstance(model, Sequential):
        out = []
        for name, child in model._modules.items():
            if child is None:
                continue
            for sub, m in flat_modules(child):
                out.append((f"{name}.{sub}" if sub else name, m))
        return out
    if not isinstance(model, Module):
        raise TypeError(f"expected a glassnet.nn.Module, got {type(model).__name__}")
    kind_of(model)                  # raises for modules the tools cannot read
    return [("", model)]


def layers(model: Module) -> list[Layer]:
    """The model as the seeds' layers: each Linear with the activations that follow it."""
    out: list[Layer] = []
    for name, module in flat_modules(model):
        kind = kind_of(module)
        if kind == "linear":
            out.append(Layer(len(out) + 1, name, module))
        elif not out:
            if kind != "identity":
                raise TypeError(f"the model starts with {type(module).__name__} before any Linear layer; "
                                f"the analysis tools expect it to start with a Linear layer")
        else:
            out[-1].activations.append((kind, module))
    if not out:
        raise TypeError("the model has no Linear layer")
    for prev, nxt in zip(out, out[1:]):
        if prev.linear.out_features != nxt.linear.in_features:
            raise ValueError(f"layer {prev.index} has {prev.linear.out_features} outputs but layer "
                             f"{nxt.index} takes {nxt.linear.in_features} inputs")
    return out


def param_prefix(layer: Layer) -> str:
    return f"{layer.name}." if layer.name else ""


# ------------------------------------------------------------------ rebuilding

def make_linear(weight: np.ndarray, bias: np.ndarray | None) -> Linear:
    """A Linear layer holding exactly these arrays (W (out, in), b (out,)), any dtype."""
    out_f, in_f = weight.shape
    lin = Linear.__new__(Linear)
    Module.__init__(lin)
    lin.in_features, lin.out_features = int(in_f), int(out_f)
    lin.weight = Parameter(np.array(weight))
    if bias is None:
        lin.register_parameter("bias", None)
    else:
        lin.bias = Parameter(np.array(bias))
    return lin


def rebuild(items: list) -> Sequential:
    """A Sequential from items that are modules (deep-copied) or (W, b) pairs (new Linear)."""
    mods = []
    for it in items:
        if isinstance(it, tuple):
            mods.append(make_linear(*it))
        else:
            mods.append(copy.deepcopy(it))
    return Sequential(*mods)


def as_array(x, name: str = "x") -> np.ndarray:
    """An input batch as a 2-D array (N, features); one sample may be given as a vector."""
    if isinstance(x, Tensor):
        arr = x._data
    else:
        arr = np.asarray(x)
        if arr.dtype.kind in "iub":
            arr = arr.astype(np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be one sample (features,) or a batch (N, features) with "
                         f"samples as rows, got shape {arr.shape}")
    return arr


# ------------------------------------------------------------------ exact models

def is_exact(model: Module) -> bool:
    """True when the parameters are exact (SymPy numbers, dtype ``gn.exact``)."""
    return any(p._data.dtype == object for p in model.parameters())


def float_copy(model: Module) -> Module:
    """The model itself if it is float, else a copy with float64 parameters."""
    if not is_exact(model):
        return model
    m = copy.deepcopy(model)
    try:
        for p in m.parameters():
            p._data = np.asarray(p._data, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("the model's parameters are symbolic; give them numbers to evaluate it") from None
    return m


def exact_array(arr: np.ndarray) -> np.ndarray:
    """Numbers as exact SymPy rationals (0.5 → 1/2), for feeding an exact model."""
    import sympy
    if arr.dtype == object:
        return arr
    return np.vectorize(lambda v: sympy.nsimplify(float(v), rational=True) if not float(v).is_integer()
                        else sympy.Integer(int(v)), otypes=[object])(arr)


def input_for(model_dtype: np.dtype, arr: np.ndarray) -> np.ndarray:
    """An input array in the dtype the model computes in (exact models take exact inputs)."""
    if model_dtype == object:
        return exact_array(arr)
    return arr.astype(model_dtype, copy=False) if arr.dtype != model_dtype else arr
