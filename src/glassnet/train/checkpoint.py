"""Checkpoints: everything a run needs to continue exactly where it stopped.

A checkpoint is a dict saved with ``glassnet.serialization.save`` (no pickle, written to
a temporary file and renamed, so an interrupted write leaves the previous one intact)::

    {"format": "glassnet.checkpoint", "version": 1,
     "epoch": 6,                       # epochs completed
     "epochs": 30,                     # epochs the run was asked for
     "model": model.state_dict(), "optimizer": optimizer.state_dict(),
     "scheduler": scheduler.state_dict() or None,
     "rng": glassnet.get_rng_state(),  # init, dropout and shuffling without own generator
     "loaders": {"train": loader.state_dict(), "val": ...},
     "callbacks": [callback.state_dict(), ...],
     "history": history.to_dict(), "stopped": False}
"""
from __future__ import annotations

import os
from typing import Any

from ..errors import GlassnetError, SerializationError
from .. import serialization

FORMAT = "glassnet.checkpoint"
VERSION = 1


class CheckpointError(GlassnetError, RuntimeError):
    """A checkpoint that is missing, damaged, or does not fit the model / optimizer."""


def save_checkpoint(path: str | os.PathLike, checkpoint: dict[str, Any]) -> None:
    path = os.fspath(path)
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    serialization.save({"format": FORMAT, "version": VERSION, **checkpoint}, path)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint, with a CheckpointError naming the file for every problem."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise CheckpointError(f"{path}: no checkpoint there (checkpoints are written by "
                              f"fit(..., checkpoint=path) / glassnet train --out DIR)")
    try:
        ckpt = serialization.load(path)
    except SerializationError as exc:
        raise CheckpointError(f"cannot resume: {exc}") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a glassnet training checkpoint (a model's state_dict? "
                              f"load it with model.load_state_dict(glassnet.serialization.load(path)))")
    if ckpt.get("version") != VERSION:
        raise CheckpointError(f"{path}: checkpoint version {ckpt.get('version')} is not supported "
                              f"(this glassnet reads version {VERSION})")
    return ckpt
