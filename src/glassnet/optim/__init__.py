"""Optimizers: ``SGD``, ``Adam``, ``AdamW`` on the ``Optimizer`` base (as ``torch.optim``).

Each optimizer keeps its per-parameter state in ``optimizer.state`` and does its math in
a pure update function (``sgd_update``, ``adam_update``) on the parameters' arrays, in place.
"""
from . import lr_scheduler
from .adam import Adam, AdamW, adam_update
from .optimizer import Optimizer
from .sgd import SGD, sgd_update

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "sgd_update", "adam_update"]
