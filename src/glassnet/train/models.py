"""Building the multilayer perceptrons that ``glassnet train`` and the scikit-learn
estimators train, from a list of layer sizes and an activation name."""
from __future__ import annotations

import json
import os
from collections.abc import Sequence

import numpy as np

from .. import nn
from ..errors import GlassnetError
from ..nn.activation import ACTIVATIONS as REGISTRY

# The hidden activations ``glassnet train`` offers, from the one registry (glassnet.nn.activation):
# those with a useful gradient (not step, whose gradient is 0), and not softmax, which is the loss's.
ACTIVATIONS = {name: act.layer for name, act in REGISTRY.items() if name not in ("step", "softmax")}
ACTIVATIONS["logistic"] = REGISTRY["sigmoid"].layer          # scikit-learn's name


def mlp(sizes: Sequence[int], activation: str = "relu", dtype=None) -> nn.Sequential:
    """Linear(sizes[0] → sizes[1]), activation, …, Linear(sizes[-2] → sizes[-1]).

    The last layer has no activation (its outputs are logits for CrossEntropyLoss).
    Example: ``mlp([64, 32, 10])`` is Linear(64, 32), ReLU, Linear(32, 10).
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"an MLP needs at least an input and an output size, all ≥ 1; got {sizes}")
    try:
        act = ACTIVATIONS[activation.lower()]
    except (KeyError, AttributeError):
        raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}") from None
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def fold_standardization(model: nn.Sequential, mean, std) -> nn.Sequential:
    """Make the first Linear take raw features: W(x − μ)/σ + b = (W/σ)x + (b − W(μ/σ)).

    Changes ``model`` in place and returns it; afterwards model(x) equals the old model((x − μ)/σ).
    """
    import numpy as np
    first = model[0]
    if not isinstance(first, nn.Linear):
        raise TypeError(f"the first layer must be a Linear to fold the standardization in, got "
                        f"{type(first).__name__}")
    W = first.weight._data
    mean, std = np.asarray(mean, dtype=W.dtype), np.asarray(std, dtype=W.dtype)
    if first.bias is not None:
        first.bias._data[...] = first.bias._data - W @ (mean / std)
    W[...] = W / std
    return model


class RunError(GlassnetError, ValueError):
    """A run directory whose model file or config.json is missing or does not fit."""


def load_run(path: str):
    """The model trained by ``glassnet train``: ``path`` is its run directory or its model.gnz.

    Returns (model, config dict); the architecture comes from the config.json beside the
    model file.

    Example:
        >>> model, config = glassnet.train.load_run("runs/digits")
        >>> torch_model = glassnet.export.to_torch(model)
    """
    from .. import serialization
    model_file = os.path.join(path, "model.gnz") if os.path.isdir(path) else path
    cfg_file = os.path.join(os.path.dirname(model_file) or ".", "config.json")
    if not os.path.isfile(model_file):
        raise RunError(f"{model_file}: no such model file")
    if not os.path.isfile(cfg_file):
        raise RunError(f"{model_file}: its config.json (the architecture) is not beside it")
    with open(cfg_file, encoding="utf-8") as f:
        cfg = json.load(f)
    spec = cfg["model"]
    model = mlp(spec["sizes"], spec["activation"])
    model.to(np.dtype(spec.get("dtype", "float64")))
    try:
        model.load_state_dict(serialization.load(model_file))
    except RuntimeError as exc:
        raise RunError(f"{model_file}: does not fit the architecture in config.json: {exc}") from None
    return model, cfg
