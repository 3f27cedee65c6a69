"""Metrics the trainer reports each epoch, computed from outputs and targets as NumPy arrays.

A metric accumulates over the batches of an epoch (``update``) and gives one number
(``compute``). Names map to metrics through one registry (``METRICS``); a plain function
``f(output, target) -> float`` is also accepted and averaged over the samples.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["Metric", "Accuracy", "MeanSquaredError", "MeanAbsoluteError", "FunctionMetric",
           "METRICS", "get_metric", "predict_classes", "confusion_matrix", "format_confusion_matrix"]


def predict_classes(output: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """The predicted class of each row: argmax of (N, C) scores with C ≥ 2; for a single
    output (N,) or (N, 1), 1 where it exceeds ``threshold`` (0 for logits, 0.5 for probabilities)."""
    output = np.asarray(output)
    if output.ndim == 2 and output.shape[1] >= 2:
        return output.argmax(axis=1)
    return (output.reshape(len(output)) > threshold).astype(np.int64)


def _true_classes(target: np.ndarray, binary: bool) -> np.ndarray:
    target = np.asarray(target)
    if target.ndim == 2 and target.shape[1] >= 2:        # one-hot or probabilities
        return target.argmax(axis=1)
    flat = target.reshape(len(target))
    if binary:                                           # {0, 1} (or probabilities) or {−1, +1}
        return (flat > (0.5 if flat.min(initial=0) >= 0 else 0)).astype(np.int64)
    return flat


class Metric:
    """Base class: ``reset()``, ``update(output, target)`` per batch, ``compute()`` per epoch."""

    name = "metric"
    higher_is_better = True

    def reset(self) -> None:
        self._sum, self._count = 0.0, 0

    def update(self, output: np.ndarray, target: np.ndarray) -> None:
        raise NotImplementedError

    def compute(self) -> float:
        return self._sum / self._count if self._count else float("nan")

    def __init__(self) -> None:
        self.reset()


class Accuracy(Metric):
    """The fraction of samples whose predicted class (``predict_classes``) is the target class.

    Args:
        threshold: for a single output column, the value above which class 1 is predicted
            (0 for logits or a hinge score, 0.5 for probabilities).
    """

    name = "accuracy"

    def __init__(self, threshold: float = 0.0) -> None:
        self.threshold = threshold
        super().__init__()

    def update(self, output, target) -> None:
        output = np.asarray(output)
        pred = predict_classes(output, self.threshold)
        true = _true_classes(target, binary=not (output.ndim == 2 and output.shape[1] >= 2))
        self._sum += float((pred == true).sum())
        self._count += len(true)


class MeanSquaredError(Metric):
    """mean (output − target)² over all elements."""

    name = "mse"
    higher_is_better = False

    def update(self, output, target) -> None:
        d = np.asarray(output, dtype=float) - np.asarray(target, dtype=float).reshape(np.shape(output))
        self._sum += float((d * d).sum())
        self._count += d.size


class MeanAbsoluteError(Metric):
    """mean |output − target| over all elements."""

    name = "mae"
    higher_is_better = False

    def update(self, output, target) -> None:
        d = np.asarray(output, dtype=float) - np.asarray(target, dtype=float).reshape(np.shape(output))
        self._sum += float(np.abs(d).sum())
        self._count += d.size


class FunctionMetric(Metric):
    """A function ``f(output, target) -> float`` of one batch, averaged with the batch sizes as weights."""

    def __init__(self, fn: Callable, name: str | None = None, higher_is_better: bool = True) -> None:
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "metric")
        self.higher_is_better = higher_is_better
        super().__init__()

    def update(self, output, target) -> None:
        n = len(output)
        self._sum += float(self.fn(output, target)) * n
        self._count += n


METRICS: dict[str, Callable[[], Metric]] = {
    "accuracy": Accuracy,
    "acc": Accuracy,
    "mse": MeanSquaredError,
    "mae": MeanAbsoluteError,
}


def get_metric(spec, threshold: float = 0.0) -> Metric:
    """A Metric from a name in ``METRICS``, a Metric, or a function of (output, target)."""
    if isinstance(spec, Metric):
        return spec
    if isinstance(spec, str):
        try:
            factory = METRICS[spec.lower()]
        except KeyError:
            raise ValueError(f"unknown metric {spec!r}; choose one of {sorted(METRICS)} "
                             f"or pass a function f(output, target) -> float") from None
        return factory(threshold) if factory is Accuracy else factory()
    if callable(spec):
        return FunctionMetric(spec)
    raise TypeError(f"a metric must be a name, a Metric or a function, got {type(spec).__name__}")


def confusion_matrix(true: np.ndarray, pred: np.ndarray, num_classes: int | None = None) -> np.ndarray:
    """C[i, j] = the number of samples of class i predicted as class j."""
    true, pred = np.asarray(true, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    k = num_classes or int(max(true.max(initial=0), pred.max(initial=0)) + 1)
    return np.bincount(true * k + pred, minlength=k * k).reshape(k, k)


def format_confusion_matrix(cm: np.ndarray, class_names: list[str] | None = None) -> str:
    """The matrix as text, rows the true class, columns the predicted one."""
    k = cm.shape[0]
    names = [str(c) for c in (class_names or range(k))]
    names = [n if len(n) <= 16 else n[:15] + "…" for n in names]
    width = max(max(len(n) for n in names), len(str(cm.max(initial=0))), 3)
    corner = "true \\ predicted"
    label_w = max(max(len(n) for n in names), len(corner))
    lines = [f"{corner:>{label_w}} " + " ".join(f"{n:>{width}}" for n in names)]
    for name, row in zip(names, cm):
        lines.append(f"{name:>{label_w}} " + " ".join(f"{v:>{width}}" for v in row))
    return "\n".join(lines)
