"""glassnet ↔ PyTorch for Sequential models of the layers both have (same numbers out)."""
from __future__ import annotations

import numpy as np

from .. import nn
from ._common import ExportError, flat_layers


def _torch():
    try:
        import torch
    except ImportError:
        raise ExportError("to_torch / from_torch need PyTorch: pip install 'glassnet[torch]'") from None
    return torch


def _copy_params(src_w, src_b, dst) -> None:
    """Copy weight and bias arrays into dst's parameters (torch or glassnet), same dtype as dst."""
    torch = _torch()
    if isinstance(dst, torch.nn.Module):
        with torch.no_grad():
            dst.weight.copy_(torch.from_numpy(np.ascontiguousarray(src_w)))
            if src_b is not None:
                dst.bias.copy_(torch.from_numpy(np.ascontiguousarray(src_b)))
    else:
        dst.weight._data[...] = src_w
        if src_b is not None:
            dst.bias._data[...] = src_b


def _dtype_of(model) -> np.dtype:
    for p in model.parameters():
        return p.dtype
    return np.dtype(np.float64)


def to_torch(model):
    """A ``torch.nn.Sequential`` with the same layers and weights (in the model's dtype).

    Nested Sequentials stay nested, so both models have the same ``state_dict`` keys.

    Example:
        >>> tm = to_torch(model)
        >>> tm(torch.from_numpy(x)).detach().numpy()      # == model(gn.tensor(x)).numpy()
    """
    torch = _torch()
    tnn = torch.nn
    dtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}.get(_dtype_of(model))
    if dtype is None:
        raise ExportError(f"to_torch converts float32 and float64 models, this one is {_dtype_of(model)}")
    flat_layers(model)                                   # every layer is one we can read
    out = _seq_to_torch(model, "Sequential" if isinstance(model, nn.Sequential) else type(model).__name__,
                        tnn, dtype).to(dtype)
    if not isinstance(out, tnn.Sequential):
        out = tnn.Sequential(out)
    out.train(model.training)
    return out


def _seq_to_torch(m, where: str, tnn, dtype):
    """Sequentials stay nested as they are, so state_dict keys are the same on both sides."""
    if isinstance(m, nn.Sequential):
        return tnn.Sequential(*[_seq_to_torch(c, f"{where}[{k}]", tnn, dtype) for k, c in m._modules.items()])
    return _layer_to_torch(m, where, tnn, dtype)


def _layer_to_torch(m, where: str, tnn, dtype):
    simple = {nn.ReLU: tnn.ReLU, nn.Tanh: tnn.Tanh, nn.Sigmoid: tnn.Sigmoid, nn.Identity: tnn.Identity}
    if type(m) in simple:
        return simple[type(m)]()
    if isinstance(m, nn.Linear):
        t = tnn.Linear(m.in_features, m.out_features, bias=m.bias is not None, dtype=dtype)
        _copy_params(m.weight._data, None if m.bias is None else m.bias._data, t)
        return t
    if isinstance(m, (nn.Conv1d, nn.Conv2d)):
        cls = tnn.Conv1d if isinstance(m, nn.Conv1d) else tnn.Conv2d
        t = cls(m.in_channels, m.out_channels, m.kernel_size, stride=m.stride, padding=m.padding,
                dilation=m.dilation, groups=m.groups, bias=m.bias is not None,
                padding_mode=m.padding_mode, dtype=dtype)
        _copy_params(m.weight._data, None if m.bias is None else m.bias._data, t)
        return t
    if isinstance(m, nn.LeakyReLU):
        return tnn.LeakyReLU(m.negative_slope)
    if isinstance(m, nn.Softmax):
        return tnn.Softmax(m.dim)
    if isinstance(m, nn.LogSoftmax):
        return tnn.LogSoftmax(m.dim)
    if isinstance(m, nn.Dropout):
        return tnn.Dropout(m.p)
    if isinstance(m, nn.Flatten):
        return tnn.Flatten(m.start_dim, m.end_dim)
    if isinstance(m, nn.Unflatten):
        return tnn.Unflatten(m.dim, m.unflattened_size)
    if isinstance(m, (nn.MaxPool1d, nn.MaxPool2d)):
        cls = tnn.MaxPool1d if isinstance(m, nn.MaxPool1d) else tnn.MaxPool2d
        return cls(m.kernel_size, m.stride, m.padding, m.dilation, m.return_indices, m.ceil_mode)
    if isinstance(m, nn.AvgPool1d):
        return tnn.AvgPool1d(m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad)
    if isinstance(m, nn.AvgPool2d):
        return tnn.AvgPool2d(m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad,
                             m.divisor_override)
    hint = " (PyTorch has no hard-threshold layer)" if isinstance(m, nn.Step) else ""
    raise ExportError(f"to_torch: {where} {type(m).__name__} has no PyTorch counterpart here{hint}")


def from_torch(module, dtype=None):
    """A glassnet ``nn.Sequential`` with the same layers and weights as a torch module.

    Args:
        module: a ``torch.nn.Sequential`` (nested ones too) or a single supported layer.
        dtype: the glassnet dtype (default: the torch module's, float32 or float64).
    """
    torch = _torch()
    tnn = torch.nn
    if not isinstance(module, tnn.Module):
        raise ExportError(f"from_torch expects a torch.nn.Module, got {type(module).__name__}")
    if dtype is None:
        p = next(module.parameters(), None)
        dtype = np.float64 if p is None or p.dtype == torch.float64 else np.float32
    dtype = np.dtype(dtype)

    def walk(mod, where):
        if isinstance(mod, tnn.Sequential):
            return nn.Sequential(*[walk(child, f"{where}[{name}]") for name, child in mod.named_children()])
        if list(mod.children()):
            raise ExportError(f"from_torch: {where} {type(mod).__name__} is a custom module whose forward "
                              f"cannot be read; convert models built as torch.nn.Sequential")
        return _layer_from_torch(mod, where, tnn, dtype)

    out = walk(module, "Sequential" if isinstance(module, tnn.Sequential) else type(module).__name__)
    if not isinstance(out, nn.Sequential):
        out = nn.Sequential(out)
    out.train(module.training)
    return out


def _arr(t, dtype) -> np.ndarray:
    return t.detach().cpu().numpy().astype(dtype)


def _layer_from_torch(m, where: str, tnn, dtype):
    simple = {tnn.ReLU: nn.ReLU, tnn.Tanh: nn.Tanh, tnn.Sigmoid: nn.Sigmoid, tnn.Identity: nn.Identity}
    if type(m) in simple:
        return simple[type(m)]()
    if isinstance(m, tnn.Linear):
        g = nn.Linear(m.in_features, m.out_features, bias=m.bias is not None, dtype=dtype)
        _copy_params(_arr(m.weight, dtype), None if m.bias is None else _arr(m.bias, dtype), g)
        return g
    if isinstance(m, (tnn.Conv1d, tnn.Conv2d)):
        cls = nn.Conv1d if isinstance(m, tnn.Conv1d) else nn.Conv2d
        g = cls(m.in_channels, m.out_channels, m.kernel_size, stride=m.stride, padding=m.padding,
                dilation=m.dilation, groups=m.groups, bias=m.bias is not None,
                padding_mode=m.padding_mode, dtype=dtype)
        _copy_params(_arr(m.weight, dtype), None if m.bias is None else _arr(m.bias, dtype), g)
        return g
    if isinstance(m, tnn.LeakyReLU):
        return nn.LeakyReLU(m.negative_slope)
    if isinstance(m, tnn.Softmax):
        return nn.Softmax(m.dim)
    if isinstance(m, tnn.LogSoftmax):
        return nn.LogSoftmax(m.dim)
    if isinstance(m, tnn.Dropout):
        return nn.Dropout(m.p)
    if isinstance(m, tnn.Flatten):
        return nn.Flatten(m.start_dim, m.end_dim)
    if isinstance(m, tnn.Unflatten):
        return nn.Unflatten(m.dim, m.unflattened_size)
    if isinstance(m, (tnn.MaxPool1d, tnn.MaxPool2d)):
        cls = nn.MaxPool1d if isinstance(m, tnn.MaxPool1d) else nn.MaxPool2d
        return cls(m.kernel_size, m.stride, m.padding, m.dilation, m.return_indices, m.ceil_mode)
    if isinstance(m, tnn.AvgPool1d):
        return nn.AvgPool1d(m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad)
    if isinstance(m, tnn.AvgPool2d):
        return nn.AvgPool2d(m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad,
                            m.divisor_override)
    raise ExportError(f"from_torch: {where} {type(m).__name__} has no glassnet counterpart")
