"""``glassnet.backends``: the torch.backends flags that seed-setting scripts touch.

``backends.mps.is_available()`` is False (no GPU backend); ``backends.cudnn.deterministic``
and ``.benchmark`` may be set and are ignored (glassnet's NumPy computations are deterministic).
"""
from __future__ import annotations

from types import SimpleNamespace

mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cudnn = SimpleNamespace(is_available=lambda: False, enabled=False, deterministic=False,
                        benchmark=False)
