"""glassnet → ONNX, written node by node with ``onnx.helper`` (no PyTorch involved).

Each layer becomes the ONNX operator that computes the same function:

    Linear        Gemm(x, W, b, transB=1)  (inputs of rank 2; MatMul(x, Wᵀ) + b otherwise)
    Conv1d/2d     Conv (pads, strides, dilations, group)
    MaxPool/AvgPool  MaxPool / AveragePool (ceil_mode, count_include_pad)
    Flatten       Flatten(axis=start_dim) when it flattens to the end, else Reshape
    Unflatten     Reshape
    ReLU, Tanh, Sigmoid, Softmax, LogSoftmax    the operator of the same name
    LeakyReLU     PRelu with the slope as a constant of the model's dtype
    Step          Cast(GreaterOrEqual(x, 0))   (1 where z ≥ 0, the seeds' threshold)
    Dropout, Identity   Identity (an exported model is in inference mode)

The batch dimension is symbolic ("N"), so the file accepts any batch size.
"""
from __future__ import annotations

import os
import secrets

import numpy as np

from .. import nn
from ..grad_mode import no_grad
from ..tensor import Tensor
from ._common import ExportError, flat_layers

OPSET = 17


def _onnx():
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ExportError("to_onnx needs the onnx package: pip install 'glassnet[onnx]'") from None
    return onnx, helper, numpy_helper


def _shapes(model, input_shape: tuple, dtype) -> list[tuple[tuple, tuple]]:
    """(input shape, output shape) of every leaf layer, from one forward pass on zeros."""
    layers = flat_layers(model)
    seen: list[tuple[tuple, tuple]] = []
    handles = [m.register_forward_hook(lambda mod, inp, out: seen.append((tuple(inp[0].shape),
                                                                          tuple(out.shape))))
               for _, m in layers]
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with no_grad():
            model(Tensor._wrap(np.zeros(input_shape, dtype=dtype)))
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    if len(seen) != len(layers):
        raise ExportError("to_onnx: a layer is used more than once or not at all; export plain Sequentials")
    return seen


def _pair(v, nd: int) -> list[int]:
    return list(v) if isinstance(v, (tuple, list)) else [int(v)] * nd


def to_onnx(model, path: str | os.PathLike, input_shape, *, dtype=None, opset: int = OPSET,
            input_name: str = "input", output_name: str = "output"):
    """Write ``model`` as an ONNX file and return the ``onnx.ModelProto``.

    Args:
        model: a glassnet nn.Sequential (nested ones too) of the layers listed above.
        path: the .onnx file to write (atomically).
        input_shape: the input's shape, batch first, e.g. (1, 64); the batch size in the file
            is symbolic, so any batch size runs.
        dtype: "float32" or "float64". Default: the model's dtype, but float32 for models with
            Conv or AvgPool layers, which ONNX Runtime's CPU provider has no float64 kernels for.
        opset: the ONNX opset version (default 17).
    Example:
        >>> to_onnx(model, "model.onnx", (1, 64))
        >>> onnxruntime.InferenceSession("model.onnx").run(None, {"input": x})[0]
    """
    onnx, helper, numpy_helper = _onnx()
    TP = onnx.TensorProto
    layers = flat_layers(model)
    if dtype is None:
        dtype = next((p.dtype for p in model.parameters()), np.dtype(np.float64))
        if any(isinstance(m, (nn.Conv1d, nn.Conv2d, nn.AvgPool1d, nn.AvgPool2d)) for _, m in layers):
            dtype = np.float32
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ExportError(f"to_onnx exports float32 or float64, got {dtype}")
    elem = TP.FLOAT if dtype == np.float32 else TP.DOUBLE
    input_shape = tuple(int(s) for s in input_shape)
    if len(input_shape) < 1 or min(input_shape) < 1:
        raise ExportError(f"input_shape must be the input's shape with the batch first, e.g. (1, 64); "
                          f"got {input_shape}")
    model_dtype = next((p.dtype for p in model.parameters()), dtype)
    shapes = _shapes(model, input_shape, model_dtype)

    nodes, inits = [], []
    counter = [0]

    def name(prefix: str) -> str:
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def const(prefix: str, array) -> str:
        n = name(prefix)
        inits.append(numpy_helper.from_array(np.asarray(array), n))
        return n

    x = input_name
    for i, ((where, m), (in_shape, out_shape)) in enumerate(zip(layers, shapes)):
        y = output_name if i == len(layers) - 1 else name("t")
        W = None if not hasattr(m, "weight") or m.weight is None else m.weight._data.astype(dtype)
        b = None if not hasattr(m, "bias") or m.bias is None else m.bias._data.astype(dtype)
        if isinstance(m, nn.Linear):
            if b is None:
                b = np.zeros(m.out_features, dtype)
            if len(in_shape) == 2:
                nodes.append(helper.make_node("Gemm", [x, const("W", W), const("b", b)], [y], transB=1))
            else:
                t = name("t")
                nodes.append(helper.make_node("MatMul", [x, const("Wt", np.ascontiguousarray(W.T))], [t]))
                nodes.append(helper.make_node("Add", [t, const("b", b)], [y]))
        elif isinstance(m, (nn.Conv1d, nn.Conv2d)):
            nd = 1 if isinstance(m, nn.Conv1d) else 2
            if m.padding_mode != "zeros":
                raise ExportError(f"to_onnx: {where} uses padding_mode={m.padding_mode!r}; only 'zeros' exports")
            lo_hi = list(zip(m._reversed_padding_repeated_twice[::2], m._reversed_padding_repeated_twice[1::2]))[::-1]
            pads = [p[0] for p in lo_hi] + [p[1] for p in lo_hi]
            ins = [x, const("W", W)] + ([const("b", b)] if b is not None else [])
            nodes.append(helper.make_node("Conv", ins, [y], kernel_shape=list(m.kernel_size),
                                          strides=list(m.stride), dilations=list(m.dilation),
                                          pads=pads, group=m.groups))
        elif isinstance(m, (nn.MaxPool1d, nn.MaxPool2d)):
            nd = 1 if isinstance(m, nn.MaxPool1d) else 2
            if m.return_indices:
                raise ExportError(f"to_onnx: {where} returns indices; export it without")
            p = _pair(m.padding, nd)
            nodes.append(helper.make_node("MaxPool", [x], [y], kernel_shape=_pair(m.kernel_size, nd),
                                          strides=_pair(m.stride, nd), pads=p + p,
                                          dilations=_pair(m.dilation, nd), ceil_mode=int(m.ceil_mode)))
        elif isinstance(m, (nn.AvgPool1d, nn.AvgPool2d)):
            nd = 1 if isinstance(m, nn.AvgPool1d) else 2
            if getattr(m, "divisor_override", None):
                raise ExportError(f"to_onnx: {where} has divisor_override, which ONNX lacks")
            p = _pair(m.padding, nd)
            nodes.append(helper.make_node("AveragePool", [x], [y], kernel_shape=_pair(m.kernel_size, nd),
                                          strides=_pair(m.stride, nd), pads=p + p,
                                          ceil_mode=int(m.ceil_mode),
                                          count_include_pad=int(m.count_include_pad)))
        elif isinstance(m, nn.ReLU):
            nodes.append(helper.make_node("Relu", [x], [y]))
        elif isinstance(m, nn.Tanh):
            nodes.append(helper.make_node("Tanh", [x], [y]))
        elif isinstance(m, nn.Sigmoid):
            nodes.append(helper.make_node("Sigmoid", [x], [y]))
        elif isinstance(m, nn.LeakyReLU):
            # PRelu with the slope as a tensor of the model's dtype: LeakyRelu's alpha attribute
            # is a 32-bit float, which would change float64 results in the 8th digit.
            nodes.append(helper.make_node("PRelu", [x, const("slope", np.asarray(m.negative_slope, dtype))], [y]))
        elif isinstance(m, (nn.Softmax, nn.LogSoftmax)):
            dim = m.dim if m.dim is not None else (0 if len(in_shape) in (0, 1, 3) else 1)
            op = "Softmax" if isinstance(m, nn.Softmax) else "LogSoftmax"
            nodes.append(helper.make_node(op, [x], [y], axis=int(dim)))
        elif isinstance(m, nn.Step):
            t = name("t")
            nodes.append(helper.make_node("GreaterOrEqual", [x, const("zero", np.zeros((), dtype))], [t]))
            nodes.append(helper.make_node("Cast", [t], [y], to=elem))
        elif isinstance(m, (nn.Dropout, nn.Identity)):
            nodes.append(helper.make_node("Identity", [x], [y]))
        elif isinstance(m, nn.Flatten):
            start = m.start_dim % len(in_shape)
            end = m.end_dim % len(in_shape)
            if end == len(in_shape) - 1 and start >= 1:
                if start == 1:
                    nodes.append(helper.make_node("Flatten", [x], [y], axis=1))
                else:
                    nodes.append(helper.make_node("Reshape", [x, const("shape", [0] + list(out_shape[1:]))], [y]))
            else:
                nodes.append(helper.make_node("Reshape", [x, const("shape", [0] + list(out_shape[1:]))], [y]))
        elif isinstance(m, nn.Unflatten):
            if m.dim % len(in_shape) == 0:
                raise ExportError(f"to_onnx: {where} unflattens the batch dimension")
            nodes.append(helper.make_node("Reshape", [x, const("shape", [0] + list(out_shape[1:]))], [y]))
        else:
            raise ExportError(f"to_onnx: {where} {type(m).__name__} has no ONNX translation here")
        x = y

    if not layers:
        nodes.append(helper.make_node("Identity", [input_name], [output_name]))
        shapes = [(input_shape, input_shape)]
    in_dims = ["N"] + list(input_shape[1:])
    out_dims = ["N"] + list(shapes[-1][1][1:])
    graph = helper.make_graph(nodes, "glassnet", [helper.make_tensor_value_info(input_name, elem, in_dims)],
                              [helper.make_tensor_value_info(output_name, elem, out_dims)], inits)
    proto = helper.make_model(graph, producer_name="glassnet", opset_imports=[helper.make_opsetid("", opset)])
    proto.ir_version = min(proto.ir_version, 8)        # readable by older runtimes too
    onnx.checker.check_model(proto, full_check=True)

    path = os.fspath(path)
    tmp = os.path.join(os.path.dirname(path) or ".", f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(proto.SerializeToString())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return proto
