"""Optimizers: ``SGD``, ``Adam``, ``AdamW`` on the ``Optimizer`` base (as ``torch.optim``), and
``Newton`` (θ ← θ − η (H + λI)⁻¹∇L, a glassnet addition).

Each optimizer keeps its per-parameter state in ``optimizer.state`` and does its math in
a pure update function (``sgd_update``, ``adam_update``) on the parameters' arrays, in place.
"""
from . import lr_scheduler
from .adam import Adam, AdamW, adam_update
from .newton import Newton, newton_direction
from .optimizer import Optimizer
from .sgd import SGD, sgd_update

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Newton", "sgd_update", "adam_update", "newton_direction"]
