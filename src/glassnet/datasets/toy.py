"""The classic 2-D toy classification sets, generated with NumPy from a seed.

Each ``make_*`` returns a DataSplit; the same ``seed`` gives the same points and the
same split. They are small on purpose: two inputs, so the decision regions of a model
and the boundary line of each first-layer unit can be drawn (``glassnet.plot``).
"""
from __future__ import annotations

import numpy as np

from ._base import DataSplit, make_split


def _check(n_samples: int, minimum: int = 4) -> int:
    if not isinstance(n_samples, (int, np.integer)) or n_samples < minimum:
        raise ValueError(f"n_samples must be an integer ≥ {minimum}, got {n_samples!r}")
    return int(n_samples)


def _counts(n: int, k: int) -> list[int]:
    """n samples spread over k classes as evenly as possible."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def make_xor(n_samples: int = 400, noise: float = 0.3, test_size: float = 0.25, seed: int = 0) -> DataSplit:
    """Four Gaussian clusters at (±1, ±1); class 1 where exactly one coordinate is positive.

    No single line separates the classes: a model needs a hidden layer (two ReLU units
    are enough, seed 000 §3).
    """
    n = _check(n_samples)
    rng = np.random.default_rng(seed)
    corners = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=float)
    which = np.repeat(np.arange(4), _counts(n, 4))
    X = corners[which] + noise * rng.standard_normal((n, 2))
    y = (which >= 2).astype(np.int64)
    return make_split("xor", X, y, test_size=test_size, seed=seed,
                      class_names=["same sign", "opposite signs"])


def make_moons(n_samples: int = 400, noise: float = 0.15, test_size: float = 0.25, seed: int = 0) -> DataSplit:
    """Two interleaving half circles (as scikit-learn's ``make_moons``)."""
    n = _check(n_samples)
    rng = np.random.default_rng(seed)
    n_out, n_in = _counts(n, 2)
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    X += noise * rng.standard_normal(X.shape)
    y = np.repeat([0, 1], [n_out, n_in])
    return make_split("moons", X, y, test_size=test_size, seed=seed, class_names=["upper", "lower"])


def make_circles(n_samples: int = 400, noise: float = 0.08, factor: float = 0.5,
                 test_size: float = 0.25, seed: int = 0) -> DataSplit:
    """A small circle (class 1, radius ``factor``) inside a large one (class 0, radius 1)."""
    n = _check(n_samples)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    n_out, n_in = _counts(n, 2)
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)])
    X += noise * rng.standard_normal(X.shape)
    y = np.repeat([0, 1], [n_out, n_in])
    return make_split("circles", X, y, test_size=test_size, seed=seed, class_names=["outer", "inner"])


def make_spirals(n_samples: int = 400, classes: int = 2, noise: float = 0.2, turns: float = 1.0,
                 test_size: float = 0.25, seed: int = 0) -> DataSplit:
    """``classes`` interleaved spiral arms around the origin (radius 0 → 1).

    Arm k at radius r has angle 2π·turns·r + 2πk/classes, jittered by ``noise`` radians.
    """
    n = _check(n_samples, 2 * classes)
    if not isinstance(classes, (int, np.integer)) or classes < 2:
        raise ValueError(f"classes must be an integer ≥ 2, got {classes!r}")
    rng = np.random.default_rng(seed)
    parts, labels = [], []
    for k, m in enumerate(_counts(n, classes)):
        r = np.linspace(0.05, 1, m)
        t = 2 * np.pi * (turns * r + k / classes) + noise * rng.standard_normal(m)
        parts.append(np.stack([r * np.cos(t), r * np.sin(t)], 1))
        labels.append(np.full(m, k))
    return make_split("spirals", np.concatenate(parts), np.concatenate(labels), test_size=test_size,
                      seed=seed, class_names=[f"arm {k}" for k in range(classes)])


def make_blobs(n_samples: int = 400, centers: int = 3, std: float = 1.0, radius: float = 4.0,
               test_size: float = 0.25, seed: int = 0) -> DataSplit:
    """``centers`` Gaussian blobs (standard deviation ``std``) evenly placed on a circle of ``radius``."""
    n = _check(n_samples, 2 * centers)
    if not isinstance(centers, (int, np.integer)) or centers < 2:
        raise ValueError(f"centers must be an integer ≥ 2, got {centers!r}")
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(centers) / centers + np.pi / 2
    mu = radius * np.stack([np.cos(angles), np.sin(angles)], 1)
    which = np.repeat(np.arange(centers), _counts(n, centers))
    X = mu[which] + std * rng.standard_normal((n, 2))
    return make_split("blobs", X, which, test_size=test_size, seed=seed,
                      class_names=[f"blob {k}" for k in range(centers)])
