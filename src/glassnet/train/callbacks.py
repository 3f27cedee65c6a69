"""Callbacks: code that ``fit`` runs at fixed points of training.

Each hook gets the ``FitState`` (model, optimizer, history, epoch, ``stop_training``).
A callback that keeps state across epochs returns it from ``state_dict()`` (plain
numbers and arrays), so checkpoints carry it and a resumed run behaves as an
uninterrupted one.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Callable

import numpy as np


class Callback:
    """Base class; override the hooks you need."""

    def on_train_begin(self, state) -> None: ...
    def on_epoch_begin(self, state) -> None: ...
    def on_batch_end(self, state, batch: int, logs: Mapping[str, float]) -> None: ...
    def on_epoch_end(self, state, logs: Mapping[str, float]) -> None: ...
    def on_train_end(self, state) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        pass


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda state, logs: print(logs))``."""

    def __init__(self, on_train_begin: Callable | None = None, on_epoch_begin: Callable | None = None,
                 on_batch_end: Callable | None = None, on_epoch_end: Callable | None = None,
                 on_train_end: Callable | None = None) -> None:
        for name, fn in (("on_train_begin", on_train_begin), ("on_epoch_begin", on_epoch_begin),
                         ("on_batch_end", on_batch_end), ("on_epoch_end", on_epoch_end),
                         ("on_train_end", on_train_end)):
            if fn is not None:
                setattr(self, name, fn)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs
    in a row (as Keras and Lightning: with patience 2, values 1.0, 0.5, 0.6, 0.7 stop after the 4th).

    Args:
        monitor: a key of the epoch's logs ("val_loss", "val_accuracy", "loss", …).
        patience: epochs without improvement to wait before stopping.
        min_delta: the smallest change that counts as an improvement.
        mode: "min", "max", or "auto" (max for names containing accuracy, else min).
        restore_best_weights: at the end, put back the weights of the best epoch.
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = False) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be an integer ≥ 0, got {patience!r}")
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, abs(min_delta), mode
        self.restore_best_weights = restore_best_weights
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = 0
        self.wait = 0
        self.stopped_epoch: int | None = None
        self.best_weights: dict[str, np.ndarray] | None = None

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, state, logs) -> None:
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}, which the epoch's logs do not "
                           f"have (they have {sorted(logs)}); pass val_loader= for val_* quantities")
        value = float(logs[self.monitor])
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, state.epoch, 0
            if self.restore_best_weights:
                self.best_weights = {k: v.numpy().copy() for k, v in state.model.state_dict().items()}
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = state.epoch
                state.stop_training = True

    def on_train_end(self, state) -> None:
        if self.restore_best_weights and self.best_weights is not None and self.best_epoch != state.epoch:
            state.model.load_state_dict(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "stopped_epoch": self.stopped_epoch, "best_weights": self.best_weights}

    def load_state_dict(self, state) -> None:
        self.best, self.best_epoch, self.wait = float(state["best"]), int(state["best_epoch"]), int(state["wait"])
        self.stopped_epoch = state.get("stopped_epoch")
        bw = state.get("best_weights")
        self.best_weights = None if bw is None else {k: np.asarray(v) for k, v in bw.items()}
