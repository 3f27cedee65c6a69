"""Shared helpers for the nn tests: moving weights between glassnet and torch, comparing."""
from __future__ import annotations

import numpy as np
import torch


def to_numpy(t) -> np.ndarray:
    """The values of a glassnet or torch tensor as an ndarray (both spell it the same way)."""
    return t.detach().numpy()


def copy_weights(gn_module, torch_module) -> None:
    """Give ``torch_module`` the weights of ``gn_module`` (same architecture, same names)."""
    state = {k: torch.from_numpy(v.numpy().copy()) for k, v in gn_module.state_dict().items()}
    torch_module.load_state_dict(state)


def assert_close(got, expected, tol: float = 1e-12) -> None:
    got = to_numpy(got) if hasattr(got, "detach") else np.asarray(got)
    expected = to_numpy(expected) if hasattr(expected, "detach") else np.asarray(expected)
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
