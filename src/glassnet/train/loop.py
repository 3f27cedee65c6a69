"""fit, evaluate and predict: the training loop people write by hand, written once.

One epoch of ``fit`` is exactly::

    for x, y in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    # then: validation, scheduler.step(), callbacks, a checkpoint every N epochs
"""
from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _backend, nn
from ..errors import NonFiniteError
from ..grad_mode import no_grad
from ..tensor import Tensor
from .callbacks import Callback
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .checks import check_data, model_dtype
from .history import History
from .metrics import Metric, get_metric
from .progress import Progress

_CLASSIFICATION_LOSSES = (nn.CrossEntropyLoss, nn.NLLLoss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.HingeLoss)


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``fit``. ``checkpoint`` is the last checkpoint written (None if none),
    ``epoch`` the epochs it holds, ``history`` the epochs completed."""

    def __init__(self, message: str, checkpoint: str | None, epoch: int, history: History) -> None:
        super().__init__(message)
        self.checkpoint, self.epoch, self.history = checkpoint, epoch, history


@dataclass
class FitState:
    """What callbacks see: the objects being trained and where training is."""

    model: Any
    optimizer: Any
    loss_fn: Any
    history: History
    epochs: int
    epoch: int = 0                      # the epoch running or just finished, 1-based
    scheduler: Any = None
    stop_training: bool = False
    logs: dict = field(default_factory=dict)


def _default_metrics(loss_fn) -> list[str]:
    return ["accuracy"] if isinstance(loss_fn, _CLASSIFICATION_LOSSES) else []


def _threshold(loss_fn) -> float:
    """Where a single output column switches to class 1: 0.5 for probabilities, else 0."""
    return 0.5 if isinstance(loss_fn, (nn.BCELoss, nn.MSELoss, nn.SquaredErrorLoss)) else 0.0


def _make_metrics(metrics, loss_fn) -> list[Metric]:
    if metrics is None:
        metrics = _default_metrics(loss_fn)
    elif isinstance(metrics, (str, Metric)) or callable(metrics):
        metrics = [metrics]
    out = [get_metric(m, _threshold(loss_fn)) for m in metrics]
    names = [m.name for m in out]
    if len(set(names)) != len(names) or "loss" in names:
        raise ValueError(f"metric names must be distinct and not 'loss', got {names}")
    return out


def _unpack(batch, where: str):
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch
    raise TypeError(f"{where}: each batch must be (inputs, targets), got "
                    + (f"{len(batch)} items" if isinstance(batch, (tuple, list)) else type(batch).__name__))


def _as_input(x, dtype) -> Tensor:
    if not isinstance(x, Tensor):
        x = Tensor._wrap(np.asarray(x))
    if dtype is not None and x.dtype.kind == "f" and x.dtype != dtype:
        x = Tensor._wrap(x._data.astype(dtype))          # float64 data into a float32 model
    return x


def _as_target(y) -> Tensor:
    return y if isinstance(y, Tensor) else Tensor._wrap(np.asarray(y))


def _weight(loss_fn, n: int) -> float:
    """How many samples one loss value stands for: n for a mean, 1 for a sum."""
    return n if getattr(loss_fn, "reduction", "mean") == "mean" else 1


def evaluate(model, loss_fn, loader: Iterable, metrics=None) -> dict[str, float]:
    """The mean loss per sample and the metrics over ``loader``, in eval mode and without
    gradients (the model's training mode is restored afterwards)."""
    ms = _make_metrics(metrics, loss_fn)
    for m in ms:
        m.reset()
    dtype = model_dtype(model)
    was_training = [(m, m.training) for m in model.modules()]
    total, count = 0.0, 0
    model.eval()
    try:
        with no_grad():
            for batch in loader:
                x, y = _unpack(batch, "evaluate")
                x, y = _as_input(x, dtype), _as_target(y)
                out = model(x)
                n = len(y)
                if loss_fn is not None:
                    total += float(loss_fn(out, y).item()) * _weight(loss_fn, n)
                for m in ms:
                    m.update(out._data, y._data)
                count += n
    finally:
        for m, mode in was_training:
            object.__setattr__(m, "training", mode)
    logs = {} if loss_fn is None else {"loss": total / count if count else math.nan}
    logs.update({m.name: m.compute() for m in ms})
    return logs


def predict(model, data, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs for ``data`` (an array / Tensor of inputs, or a loader of
    (input, target) batches) as one NumPy array, in eval mode and without gradients."""
    dtype = model_dtype(model)
    if isinstance(data, (np.ndarray, Tensor, list)):
        arr = data._data if isinstance(data, Tensor) else np.asarray(data)
        batches = (arr[i:i + batch_size] for i in range(0, len(arr), batch_size))
    else:
        batches = (_unpack(b, "predict")[0] for b in data)
    was_training = [(m, m.training) for m in model.modules()]
    model.eval()
    outs = []
    try:
        with no_grad():
            for xb in batches:
                outs.append(model(_as_input(xb, dtype))._data)
    finally:
        for m, mode in was_training:
            object.__setattr__(m, "training", mode)
    return np.concatenate(outs) if outs else np.empty((0,))


def fit(model, loss_fn, optimizer, train_loader: Iterable, epochs: int, val_loader: Iterable | None = None,
        metrics=None, callbacks: Sequence[Callback] = (), *, scheduler=None,
        checkpoint: str | os.PathLike | None = None, checkpoint_every: int = 1,
        resume: bool | str | os.PathLike | None = None, progress: bool | None = None,
        verbose: bool = False, check: bool = True, resume_hint: str | None = None) -> History:
    """Train ``model`` for ``epochs`` epochs and return the History of the losses and metrics.

    Args:
        model: a Module.
        loss_fn: a loss module (or function) of (output, target).
        optimizer: an Optimizer over the model's parameters.
        train_loader: an iterable of (input, target) batches, usually a DataLoader.
        epochs: the total number of epochs (a resumed run counts the epochs already done).
        val_loader: batches to evaluate after each epoch (logged as ``val_loss``, ``val_…``).
        metrics: names ("accuracy", "mse", "mae"), Metric objects or functions
            ``f(output, target) -> float``; default "accuracy" for classification losses.
        callbacks: Callback objects, e.g. ``EarlyStopping(patience=5)``.
        scheduler: a learning-rate scheduler, stepped once after every epoch.
        checkpoint: a file to write a checkpoint to every ``checkpoint_every`` epochs and at
            the end (atomically: an interrupted write leaves the previous one intact).
        resume: a checkpoint file to continue from, or True for ``checkpoint``'s file. With
            the same seed and data, the final weights equal those of a run never stopped.
        progress: tqdm bars (None: only when stderr is a terminal).
        verbose: print one summary line per epoch.
        check: before training, check that the data's inputs and targets fit the model
            and the loss (DataMismatchError otherwise).
    Returns:
        History with ``loss``, each metric, ``val_loss`` / ``val_<metric>``, ``lr`` and
        ``time`` per epoch.
    Raises:
        TrainingInterrupted (a KeyboardInterrupt) on Ctrl-C, saying how to resume.
    """
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 0:
        raise ValueError(f"epochs must be an integer ≥ 0, got {epochs!r}")
    if not isinstance(checkpoint_every, int) or checkpoint_every < 1:
        raise ValueError(f"checkpoint_every must be an integer ≥ 1, got {checkpoint_every!r}")
    callbacks = list(callbacks or ())
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be Callback objects, got {type(cb).__name__}")
    train_metrics = _make_metrics(metrics, loss_fn)
    checkpoint = None if checkpoint is None else os.fspath(checkpoint)
    if resume is True:
        if checkpoint is None:
            raise ValueError("resume=True continues from checkpoint=..., which was not given")
        resume = checkpoint
    elif resume is False:
        resume = None

    history = History()
    state = FitState(model, optimizer, loss_fn, history, epochs, scheduler=scheduler)
    start = 0
    if resume is not None:
        start, stopped = _restore(os.fspath(resume), state, train_loader, val_loader, callbacks)
        if stopped:
            return history
    elif check and hasattr(train_loader, "dataset"):
        check_data(model, loss_fn, train_loader.dataset)

    try:
        batches = len(train_loader)
    except TypeError:
        batches = None
    dtype = model_dtype(model)
    last_saved: int | None = start if resume is not None else None
    bar = Progress(epochs, start, batches, progress, verbose)
    model.train()
    try:
        for cb in callbacks:
            cb.on_train_begin(state)
        for epoch in range(start + 1, epochs + 1):
            state.epoch = epoch
            for cb in callbacks:
                cb.on_epoch_begin(state)
            bar.start_epoch(epoch)
            t0 = time.perf_counter()
            lr = optimizer.param_groups[0]["lr"]
            total, count = 0.0, 0
            for m in train_metrics:
                m.reset()
            for b, batch in enumerate(train_loader):
                x, y = _unpack(batch, "fit")
                x, y = _as_input(x, dtype), _as_target(y)
                optimizer.zero_grad()
                out = model(x)
                loss = loss_fn(out, y)
                try:
                    loss.backward()
                except NonFiniteError as exc:
                    raise NonFiniteError(f"epoch {epoch}, batch {b + 1}: {exc}") from None
                optimizer.step()
                n = len(y)
                value = float(loss._data)
                total += value * _weight(loss_fn, n)
                count += n
                for m in train_metrics:
                    m.update(out._data, y._data)
                bar.batch(value)
                if callbacks:
                    for cb in callbacks:
                        cb.on_batch_end(state, b, {"loss": value})
            logs = {"loss": total / count if count else math.nan}
            logs.update({m.name: m.compute() for m in train_metrics})
            if val_loader is not None:
                val = evaluate(model, loss_fn, val_loader, train_metrics)
                logs.update({f"val_{k}": v for k, v in val.items()})
            logs["lr"] = float(lr)
            logs["time"] = time.perf_counter() - t0
            history.append(epoch, logs)
            state.logs = logs
            if scheduler is not None:
                scheduler.step()
            for cb in callbacks:
                cb.on_epoch_end(state, logs)
            if state.stop_training:
                history.stopped_epoch = epoch
            bar.end_epoch(epoch, logs)
            if checkpoint is not None and (epoch % checkpoint_every == 0 or epoch == epochs
                                           or state.stop_training):
                _save(checkpoint, state, train_loader, val_loader, callbacks)
                last_saved = epoch
            if state.stop_training:
                break
        for cb in callbacks:
            cb.on_train_end(state)
    except KeyboardInterrupt:
        bar.close()
        raise _interrupted(state, checkpoint, last_saved, resume_hint) from None
    finally:
        bar.close()
    return history


def _interrupted(state: FitState, checkpoint: str | None, saved: int | None, hint: str | None):
    where = f"Training interrupted in epoch {state.epoch} of {state.epochs}."
    if checkpoint is None:
        msg = (f"{where} No checkpoints were being written (pass checkpoint=PATH to fit to be able "
               f"to resume); the model holds the weights of the last completed step.")
    elif saved is None:
        msg = f"{where} No checkpoint had been written yet (the first comes after epoch {state.epoch})."
    else:
        how = hint or f"fit(..., checkpoint={checkpoint!r}, resume=True)"
        msg = (f"{where} The checkpoint of epoch {saved} is intact: {checkpoint}\n"
               f"Resume with: {how}")
    print(msg, file=sys.stderr, flush=True)
    return TrainingInterrupted(msg, checkpoint if saved is not None else None, saved or 0, state.history)


def _loader_state(loader) -> dict:
    return dict(loader.state_dict()) if loader is not None and hasattr(loader, "state_dict") else {}


def _save(path: str, state: FitState, train_loader, val_loader, callbacks) -> None:
    save_checkpoint(path, {
        "epoch": state.epoch,
        "epochs": state.epochs,
        "model": state.model.state_dict(),
        "optimizer": state.optimizer.state_dict(),
        "scheduler": None if state.scheduler is None else state.scheduler.state_dict(),
        "rng": _backend.get_rng_state(),
        "loaders": {"train": _loader_state(train_loader), "val": _loader_state(val_loader)},
        "callbacks": [cb.state_dict() for cb in callbacks],
        "history": state.history.to_dict(),
        "stopped": state.stop_training,
    })


def _restore(path: str, state: FitState, train_loader, val_loader, callbacks) -> tuple[int, bool]:
    ckpt = load_checkpoint(path)
    try:
        state.model.load_state_dict(ckpt["model"])
    except (RuntimeError, KeyError, ValueError) as exc:
        raise CheckpointError(f"{path}: the checkpoint's weights do not fit this model: {exc}") from None
    try:
        state.optimizer.load_state_dict(ckpt["optimizer"])
    except (ValueError, TypeError, KeyError) as exc:
        raise CheckpointError(f"{path}: the checkpoint's optimizer state does not fit this optimizer "
                              f"({type(state.optimizer).__name__}): {exc}") from None
    if (ckpt.get("scheduler") is None) != (state.scheduler is None):
        raise CheckpointError(f"{path}: the checkpoint was written "
                              f"{'without' if ckpt.get('scheduler') is None else 'with'} a learning-rate "
                              f"scheduler; resume with the same setup")
    if state.scheduler is not None:
        state.scheduler.load_state_dict(ckpt["scheduler"])
    saved_cbs = ckpt.get("callbacks", [])
    if len(saved_cbs) != len(callbacks):
        raise CheckpointError(f"{path}: the checkpoint has the state of {len(saved_cbs)} callbacks, "
                              f"this run has {len(callbacks)}; resume with the same callbacks")
    for cb, s in zip(callbacks, saved_cbs):
        cb.load_state_dict(s)
    try:
        for name, loader in (("train", train_loader), ("val", val_loader)):
            saved = ckpt.get("loaders", {}).get(name) or {}
            if saved and hasattr(loader, "load_state_dict"):
                loader.load_state_dict(saved)
    except ValueError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    _backend.set_rng_state(ckpt["rng"])
    restored = History.from_dict(ckpt["history"])
    state.history._data, state.history.epochs = restored._data, restored.epochs
    state.history.stopped_epoch = restored.stopped_epoch
    state.epoch = int(ckpt["epoch"])
    return int(ckpt["epoch"]), bool(ckpt.get("stopped"))
