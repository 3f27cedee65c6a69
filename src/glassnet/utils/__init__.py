"""Utilities, as ``torch.utils``: ``glassnet.utils.data`` has datasets and loaders."""
from . import data

__all__ = ["data"]
