"""Data sets, each returned as a DataSplit (train and test arrays, split with a seed).

    digits    scikit-learn's bundled 8 × 8 digits (1,797 samples, 64 features, 10 classes)
    mnist1d   MNIST-1D, generated locally (5,000 signals of 40 samples, 10 classes)
    xor, moons, circles, spirals, blobs     2-D toy sets generated from the seed
    a path    a CSV file of features and a label column (``load_csv``)

Example:
    >>> data = glassnet.datasets.load("moons", seed=1)
    >>> data.X_train.shape, data.num_classes
    ((300, 2), 2)
"""
from __future__ import annotations

import os

from ._base import DataError, DataSplit, make_split, split_indices
from .real import load_digits, load_mnist1d
from .tabular import load_csv
from .toy import make_blobs, make_circles, make_moons, make_spirals, make_xor

__all__ = ["DataError", "DataSplit", "load", "names", "load_digits", "load_mnist1d", "load_csv",
           "make_xor", "make_moons", "make_circles", "make_spirals", "make_blobs",
           "make_split", "split_indices"]

# One registry: the name on the command line → the function that makes the data set.
DATASETS = {
    "digits": load_digits,
    "mnist1d": load_mnist1d,
    "xor": make_xor,
    "moons": make_moons,
    "circles": make_circles,
    "spirals": make_spirals,
    "blobs": make_blobs,
}


def names() -> list[str]:
    """The names ``load`` knows (besides CSV paths)."""
    return list(DATASETS)


def load(name: str | os.PathLike, **kwargs) -> DataSplit:
    """A data set by name (see the module docstring) or a CSV file by path.

    Keyword arguments go to the loader: ``test_size`` and ``seed`` for all of them,
    ``n_samples`` / ``noise`` for the toy sets, ``label`` for CSV files, …
    """
    key = os.fspath(name)
    if key.lower() in DATASETS:
        return DATASETS[key.lower()](**kwargs)
    if key.lower().endswith((".csv", ".tsv", ".txt", ".tab")) or os.path.exists(key):
        return load_csv(key, **kwargs)
    raise DataError(f"unknown data set {key!r}: choose one of {', '.join(DATASETS)} or give the "
                    f"path of a CSV file")
