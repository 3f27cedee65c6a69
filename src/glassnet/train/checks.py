"""Checks run before training: do the data's inputs fit the model, and do its targets
fit the model's outputs and the loss? Each problem is a DataMismatchError that says it in
the data's terms (classes, outputs, features) before a single step is taken."""
from __future__ import annotations

import numpy as np

from .. import nn
from ..errors import GlassnetError, ShapeError
from ..grad_mode import no_grad
from ..tensor import Tensor
from ..utils.data import Subset, TensorDataset

_CLASS_INDEX_LOSSES = (nn.CrossEntropyLoss, nn.NLLLoss)
_BINARY_LOSSES = (nn.BCELoss, nn.BCEWithLogitsLoss)
_SAME_SHAPE_LOSSES = (nn.MSELoss, nn.SquaredErrorLoss, nn.HingeLoss) + _BINARY_LOSSES


class DataMismatchError(GlassnetError, ValueError):
    """The data does not fit the model or the loss (features, classes, target shapes)."""


def model_dtype(model) -> np.dtype | None:
    for p in model.parameters():
        return p.dtype
    return None


def _peek(dataset) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Two inputs and all targets (or one sample's), without drawing random numbers.

    Returns (inputs, targets, how much of the targets was looked at).
    """
    base, idx = dataset, None
    if isinstance(dataset, Subset) and isinstance(dataset.dataset, TensorDataset):
        base, idx = dataset.dataset, np.asarray(dataset.indices)
    if isinstance(base, TensorDataset) and len(base.tensors) == 2:
        X, y = (t._data if idx is None else t._data[idx] for t in base.tensors)
        return X[:2], y, "all"
    sample = dataset[0]
    if not isinstance(sample, (tuple, list)) or len(sample) != 2:
        raise DataMismatchError(f"fit expects samples (input, target); the dataset's first sample is "
                                f"a {type(sample).__name__}" + (f" of {len(sample)} items"
                                                                if isinstance(sample, (tuple, list)) else ""))
    x, y = (np.asarray(s._data if isinstance(s, Tensor) else s) for s in sample)
    return x[None], y[None], "first"


def check_data(model, loss_fn, dataset) -> None:
    """Raise DataMismatchError when ``dataset`` cannot train ``model`` with ``loss_fn``.

    Runs the model on two inputs (in eval mode, without gradients, so no random number is
    drawn and nothing is recorded) and compares its output with the targets.
    """
    try:
        n = len(dataset)
    except TypeError:
        return                                            # a stream: nothing to look at ahead
    if n == 0:
        raise DataMismatchError("the training data set is empty")
    X, y, scope = _peek(dataset)
    dtype = model_dtype(model)
    if dtype is not None and X.dtype.kind == "f" and X.dtype != dtype:
        X = X.astype(dtype)
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with no_grad():
            out = model(Tensor._wrap(X))
    except ShapeError as exc:
        raise DataMismatchError(f"the inputs do not fit the model: each sample has shape "
                                f"{tuple(X.shape[1:])} ({int(np.prod(X.shape[1:]))} features); {exc}") from None
    finally:
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    out_shape = tuple(out.shape[1:])
    if y is None:
        return
    target_shape = tuple(y.shape[1:])
    where = "the labels" if scope == "all" else "the first sample's label"

    if isinstance(loss_fn, _CLASS_INDEX_LOSSES):
        name = type(loss_fn).__name__
        if target_shape == out_shape and y.dtype.kind == "f":
            return                                        # class probabilities
        if y.dtype.kind not in "iub":
            raise DataMismatchError(f"{name} needs integer class labels (0 … C − 1), but the "
                                    f"targets are {y.dtype} of shape {target_shape or '()'} per sample")
        if len(out_shape) != 1 + len(target_shape):
            raise DataMismatchError(f"{name}: the model gives outputs of shape {out_shape} per sample, "
                                    f"which does not fit class labels of shape {target_shape or '()'}")
        C = out_shape[0]
        ignore = getattr(loss_fn, "ignore_index", None)
        labels = y[y != ignore] if ignore is not None else y
        if labels.size == 0:
            return
        lo, hi = int(labels.min()), int(labels.max())
        if lo < 0:
            raise DataMismatchError(f"{where} include {lo}; class labels must be 0 … C − 1")
        if hi >= C:
            raise DataMismatchError(
                f"{where} go up to {hi} ({hi + 1} classes), but the model has {C} output"
                f"{'s' if C != 1 else ''}: its last layer needs {hi + 1} outputs, one per class, "
                f"for {name}")
        if C == 1:
            raise DataMismatchError(f"the model has 1 output; {name} needs one output per class "
                                    f"(≥ 2). For two classes with one output use BCEWithLogitsLoss")
        return

    if isinstance(loss_fn, _SAME_SHAPE_LOSSES):
        name = type(loss_fn).__name__
        if target_shape != out_shape:
            hint = ""
            if target_shape == () and out_shape == (1,):
                hint = " (make the targets a column: y.reshape(-1, 1))"
            elif len(out_shape) == 1 and target_shape == () and y.dtype.kind in "iu":
                hint = (f" (the targets look like class labels: use CrossEntropyLoss, or one-hot "
                        f"targets of {out_shape[0]} columns)")
            raise DataMismatchError(f"{name} compares each output with its target, but the model gives "
                                    f"shape {out_shape} per sample and the targets have shape "
                                    f"{target_shape or '()'}{hint}")
        if isinstance(loss_fn, _BINARY_LOSSES) and y.size and (y.min() < 0 or y.max() > 1):
            raise DataMismatchError(f"{name} needs targets in [0, 1]; {where} range from "
                                    f"{y.min()} to {y.max()}")
        if isinstance(loss_fn, nn.HingeLoss) and y.size and not np.isin(y, (-1, 1)).all():
            raise DataMismatchError(f"HingeLoss needs targets −1 or +1; {where} include "
                                    f"{sorted(set(np.unique(y).tolist()) - {-1, 1})[:5]}")
