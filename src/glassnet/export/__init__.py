"""Carry models to the frameworks people move on to.

    to_torch(model)            a torch.nn.Sequential computing the same numbers
    from_torch(module)         the other way
    to_onnx(model, path, input_shape)   an ONNX file (built with onnx.helper, checked by
                                        onnx.checker) that ONNX Runtime runs

Sequential models (nested ones too) of the layers both sides have convert: Linear,
Conv1d/2d, MaxPool1d/2d, AvgPool1d/2d, Flatten, Unflatten, ReLU, LeakyReLU, Tanh,
Sigmoid, Softmax, LogSoftmax, Dropout and Identity (and Step, to ONNX only). Anything else
is an ExportError naming the layer.
"""
from ._common import ExportError
from ._onnx import to_onnx
from ._torch import from_torch, to_torch

__all__ = ["to_torch", "from_torch", "to_onnx", "ExportError"]
