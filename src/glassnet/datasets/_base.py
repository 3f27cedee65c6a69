"""DataSplit (a data set cut into train and test) and the seeded, stratified split."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import GlassnetError
from ..tensor import Tensor
from ..utils.data import DataLoader, TensorDataset


class DataError(GlassnetError, ValueError):
    """A data set that cannot be used as it is: names the file, line and column."""


@dataclass(frozen=True)
class DataSplit:
    """A data set cut into a training and a test part.

    Attributes:
        name: where it came from (``"digits"``, ``"moons"``, a file name).
        X_train, X_test: features, float64 arrays (N, d).
        y_train, y_test: int64 class indices 0 … K − 1 (classification) or float64 targets.
        feature_names: d names.
        class_names: K names, class k is ``class_names[k]`` (None for regression).
        task: ``"classification"`` or ``"regression"``.
        mean, std: set by ``standardized()`` (the training statistics used), else None.
    Example:
        >>> data = glassnet.datasets.load("digits")
        >>> loader = data.loader("train", batch_size=32, shuffle=True, generator=0)
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]
    class_names: list[str] | None
    task: str = "classification"
    mean: np.ndarray | None = field(default=None, repr=False)
    std: np.ndarray | None = field(default=None, repr=False)

    @property
    def num_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def num_classes(self) -> int | None:
        return None if self.class_names is None else len(self.class_names)

    @property
    def num_outputs(self) -> int:
        """The number of outputs a model for this data needs (classes, or target columns)."""
        if self.class_names is not None:
            return len(self.class_names)
        return 1 if self.y_train.ndim == 1 else self.y_train.shape[1]

    def dataset(self, part: str = "train", dtype=None) -> TensorDataset:
        """``TensorDataset(X, y)`` of ``part`` ("train" or "test"); X in ``dtype`` (default dtype if None)."""
        X, y = self._part(part)
        Xt = Tensor._wrap(X.astype(np.dtype(dtype) if dtype is not None else _default_float()))
        if self.task == "regression":
            y = y.astype(Xt.dtype).reshape(len(y), -1)       # (N,) → (N, 1), as the model's output
        return TensorDataset(Xt, Tensor._wrap(y))

    @property
    def train(self) -> TensorDataset:
        return self.dataset("train")

    @property
    def test(self) -> TensorDataset:
        return self.dataset("test")

    def loader(self, part: str = "train", batch_size: int = 32, shuffle: bool | None = None,
               generator=None, dtype=None, drop_last: bool = False) -> DataLoader:
        """A DataLoader over ``part``; shuffled by default for "train" only."""
        if shuffle is None:
            shuffle = part == "train"
        return DataLoader(self.dataset(part, dtype), batch_size=batch_size, shuffle=shuffle,
                          generator=generator, drop_last=drop_last)

    def standardized(self) -> "DataSplit":
        """Features shifted and scaled to mean 0, std 1 with the *training* statistics
        (a constant feature is only shifted). The statistics are kept in ``mean`` / ``std``."""
        mean = self.X_train.mean(axis=0)
        std = self.X_train.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        return replace(self, X_train=(self.X_train - mean) / std, X_test=(self.X_test - mean) / std,
                       mean=mean, std=std)

    def _part(self, part: str):
        if part == "train":
            return self.X_train, self.y_train
        if part == "test":
            return self.X_test, self.y_test
        raise ValueError(f"part must be 'train' or 'test', got {part!r}")

    def __repr__(self) -> str:
        what = (f"{self.num_classes} classes" if self.class_names is not None else "regression")
        return (f"DataSplit({self.name!r}: {len(self.X_train)} train + {len(self.X_test)} test samples, "
                f"{self.num_features} features, {what})")


def _default_float() -> np.dtype:
    from .. import _backend
    return _backend.get_default_dtype()


def split_indices(y: np.ndarray, test_size: float, seed: int, stratify: bool = True
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices, the same for the same ``seed``.

    ``test_size`` is a fraction in (0, 1) or a count. With ``stratify`` (classification) each
    class gives the same share to the test part, so a rare class is in both parts.
    """
    n = len(y)
    if isinstance(test_size, float):
        if not 0 < test_size < 1:
            raise ValueError(f"test_size must be a fraction in (0, 1) or a count, got {test_size}")
        n_test = int(round(test_size * n))
    else:
        n_test = int(test_size)
    if not 0 < n_test < n:
        raise DataError(f"cannot split {n} samples into a training and a test part of {n_test} "
                        f"(test_size={test_size})")
    rng = np.random.default_rng(seed)
    if not stratify:
        perm = rng.permutation(n)
        return perm[n_test:], perm[:n_test]
    classes, codes = np.unique(y, return_inverse=True)
    counts = np.bincount(codes)
    # Each class's share of the test part, rounded so that the shares add up to n_test.
    exact = counts * n_test / n
    take = np.floor(exact).astype(int)
    for k in np.argsort(-(exact - take), kind="stable")[:n_test - take.sum()]:
        take[k] += 1
    train, test = [], []
    for k in range(len(classes)):
        idx = rng.permutation(np.flatnonzero(codes == k))
        test.append(idx[:take[k]])
        train.append(idx[take[k]:])
    train, test = np.concatenate(train), np.concatenate(test)
    return train[rng.permutation(len(train))], test[rng.permutation(len(test))]


def make_split(name: str, X: np.ndarray, y: np.ndarray, *, test_size: float, seed: int,
               feature_names: list[str] | None = None, class_names: list[str] | None = None,
               task: str = "classification") -> DataSplit:
    """Split full arrays into a DataSplit (stratified for classification)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64 if task == "classification" else np.float64)
    tr, te = split_indices(y, test_size, seed, stratify=task == "classification")
    if feature_names is None:
        feature_names = [f"x{i + 1}" for i in range(X.shape[1])]
    return DataSplit(name, X[tr], y[tr], X[te], y[te], list(feature_names),
                     None if class_names is None else list(class_names), task)
