"""``glassnet.cuda``: torch.cuda's availability checks, answered for a CPU-only library.

glassnet computes with NumPy on the CPU, so no CUDA device is ever available; the seeding
functions are accepted and do nothing (as torch's do when CUDA is absent).
"""
from __future__ import annotations


def is_available() -> bool:
    """False: glassnet has no GPU backend."""
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int) -> None:
    """Accepted for torch scripts; there is no CUDA generator to seed (use glassnet.manual_seed)."""


def manual_seed_all(seed: int) -> None:
    """Accepted for torch scripts; there is no CUDA generator to seed (use glassnet.manual_seed)."""
