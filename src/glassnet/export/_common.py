"""What the converters share: the error and the walk over a Sequential's layers."""
from __future__ import annotations

from ..errors import GlassnetError


class ExportError(GlassnetError, ValueError):
    """A model, layer or setting the other framework (or this converter) does not have."""


def flat_layers(model, where: str = "") -> list[tuple[str, object]]:
    """(place, layer) for every leaf layer of a (nested) Sequential, in order."""
    from ..nn import Module, Sequential
    if isinstance(model, Sequential):
        out = []
        for name, child in model._modules.items():
            out += flat_layers(child, f"{where or 'Sequential'}[{name}]")
        return out
    if not isinstance(model, Module):
        raise ExportError(f"expected a glassnet Module, got {type(model).__name__}")
    if any(True for _ in model.children()):
        raise ExportError(f"{where or type(model).__name__}: {type(model).__name__} is a custom module "
                          f"whose forward cannot be read; export models built as nn.Sequential")
    return [(where or type(model).__name__, model)]
