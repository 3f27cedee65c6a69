"""Datasets, samplers and the DataLoader, as ``torch.utils.data``.

A ``Dataset`` maps an index to a sample; a ``DataLoader`` cuts the indices into batches
(shuffled or not) and collates each batch's samples into tensors::

    ds = TensorDataset(X, y)                                   # sample i = (X[i], y[i])
    loader = DataLoader(ds, batch_size=32, shuffle=True, generator=0)
    for xb, yb in loader: ...                                  # xb (32, d), yb (32,)

Randomness: ``generator`` is a ``numpy.random.Generator`` or an int seed (glassnet's
stand-in for a ``torch.Generator``); without one, shuffling draws from glassnet's global
generator (``glassnet.manual_seed``). The order of an epoch is drawn when the loader is
iterated, so ``loader.state_dict()`` taken between epochs (the generator's state) is
all a checkpoint needs to repeat the following epochs exactly.

Data is loaded in the calling process: ``num_workers`` and ``pin_memory`` are accepted
so torch scripts run unchanged, and ignored.
"""
from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from .. import _backend
from ..errors import ShapeError
from ..tensor import Tensor, _to_array

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "BatchSampler", "DataLoader", "default_collate", "random_split"]


def _as_generator(generator) -> np.random.Generator | None:
    """None (use glassnet's global generator), a NumPy Generator, or an int seed."""
    if generator is None or isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(f"generator must be a numpy.random.Generator, an int seed or None, "
                    f"got {type(generator).__name__}")


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    # Looked up on every use: glassnet.manual_seed replaces the global generator.
    return _backend.generator() if generator is None else generator


# ================================================================= datasets

class Dataset:
    """A map from indices 0 … len − 1 to samples. Subclasses define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__`` (no indexing, no shuffling)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class TensorDataset(Dataset):
    """Sample i is ``(t[i] for t in tensors)``: features and labels side by side.

    Args:
        *tensors: Tensors (or arrays) with the same first dimension, the number of samples.
    Example:
        >>> ds = TensorDataset(glassnet.randn(100, 2), glassnet.zeros(100, dtype=glassnet.long))
        >>> x, y = ds[0]          # x (2,), y ()
    """

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor._wrap(_to_array(t, copy=False))
                             for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            raise ShapeError("TensorDataset: every tensor needs the same first dimension (the samples), "
                             f"got shapes {[tuple(t.shape) for t in self.tensors]}")

    def __getitem__(self, index):
        return tuple(Tensor._wrap(t._data[index]) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _batch(self, indices: np.ndarray) -> tuple:
        """The collated batch of ``indices`` in one fancy-indexing step per tensor."""
        return tuple(Tensor._wrap(t._data[indices]) for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)

    def _batch(self, indices: np.ndarray) -> tuple:
        return self.dataset._batch(np.asarray(self.indices)[indices])

    @property
    def _fast(self) -> bool:
        return _has_fast_batch(self.dataset)


class ConcatDataset(Dataset):
    """Several datasets one after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index: int):
        if index < 0:
            if -index > len(self):
                raise IndexError(f"index {index} is out of range for a dataset of {len(self)} samples")
            index += len(self)
        k = bisect.bisect_right(self.cumulative_sizes, index)
        if k == len(self.datasets):
            raise IndexError(f"index {index} is out of range for a dataset of {len(self)} samples")
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][index - start]


def _has_fast_batch(dataset) -> bool:
    if isinstance(dataset, TensorDataset):
        return True
    return isinstance(dataset, Subset) and dataset._fast


def random_split(dataset: Dataset, lengths: Sequence[int | float], generator=None) -> list[Subset]:
    """Split ``dataset`` into random, non-overlapping Subsets of the given lengths.

    ``lengths`` are sample counts summing to ``len(dataset)``, or fractions summing to 1
    (then, as in torch, the counts are rounded down and the samples left over go one
    each to the first subsets).
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1: {frac}")
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(int(x) != x or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative counts or fractions summing to 1, "
                         f"got {lengths}")
    lengths = [int(x) for x in lengths]
    if sum(lengths) != n:
        raise ValueError(f"random_split: the lengths {lengths} sum to {sum(lengths)}, "
                         f"but the dataset has {n} samples")
    perm = _rng(_as_generator(generator)).permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start:start + length].tolist()))
        start += length
    return out


# ================================================================= samplers

class Sampler:
    """An iterable of dataset indices."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: Mapping) -> None:
        pass


class SequentialSampler(Sampler):
    """0, 1, …, len − 1."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)

    def _indices(self) -> np.ndarray:
        return np.arange(len(self.data_source))


class RandomSampler(Sampler):
    """A fresh random permutation of the indices at every iteration (an epoch).

    Args:
        data_source: the dataset.
        replacement: draw ``num_samples`` indices with replacement instead.
        num_samples: how many indices an epoch has (default: all).
        generator: a ``numpy.random.Generator``, an int seed, or None for glassnet's global one.
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        self.data_source = data_source
        self.replacement = bool(replacement)
        self._num_samples = num_samples
        self.generator = _as_generator(generator)
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(f"num_samples should be a positive integer, got {num_samples!r}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _indices(self) -> np.ndarray:
        n, rng = len(self.data_source), _rng(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples)
        if self.num_samples <= n:
            return rng.permutation(n)[:self.num_samples]
        reps = -(-self.num_samples // n)
        return np.concatenate([rng.permutation(n) for _ in range(reps)])[:self.num_samples]

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def state_dict(self) -> dict:
        return {"generator": None if self.generator is None else self.generator.bit_generator.state}

    def load_state_dict(self, state: Mapping) -> None:
        if state.get("generator") is not None:
            if self.generator is None:
                raise ValueError("this sampler draws from glassnet's global generator; the saved "
                                 "state is of its own generator: build it with generator=...")
            self.generator.bit_generator.state = state["generator"]


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = np.asarray(indices)
        self.generator = _as_generator(generator)

    def _indices(self) -> np.ndarray:
        return self.indices[_rng(self.generator).permutation(len(self.indices))]

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return len(self.indices)

    state_dict = RandomSampler.state_dict
    load_state_dict = RandomSampler.load_state_dict


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer, got {batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean, got {drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def _batches(self) -> Iterator[np.ndarray]:
        if hasattr(self.sampler, "_indices"):
            idx = self.sampler._indices()
        else:
            idx = np.fromiter(iter(self.sampler), dtype=np.int64)
        stop = len(idx) - len(idx) % self.batch_size if self.drop_last else len(idx)
        for start in range(0, stop, self.batch_size):
            yield idx[start:start + self.batch_size]

    def __iter__(self) -> Iterator[list[int]]:
        for b in self._batches():
            yield b.tolist()

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def state_dict(self) -> dict:
        return self.sampler.state_dict() if hasattr(self.sampler, "state_dict") else {}

    def load_state_dict(self, state: Mapping) -> None:
        if hasattr(self.sampler, "load_state_dict"):
            self.sampler.load_state_dict(state)


# ================================================================= collation

def default_collate(batch: list):
    """Stack a list of samples into a batch: tensors and arrays gain a first dimension,
    numbers become a 1-D tensor, tuples / lists / dicts are collated field by field."""
    first = batch[0]
    if isinstance(first, Tensor):
        return Tensor._wrap(np.stack([t._data for t in batch]))
    if isinstance(first, np.ndarray) or isinstance(first, np.generic):
        return Tensor._wrap(np.stack([np.asarray(b) for b in batch]))
    if isinstance(first, bool):
        return Tensor._wrap(np.asarray(batch, dtype=np.bool_))
    if isinstance(first, numbers.Integral):
        return Tensor._wrap(np.asarray(batch, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor._wrap(np.asarray(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, Mapping):
        return {k: default_collate([b[k] for b in batch]) for k in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):            # namedtuple
        return type(first)(*(default_collate(list(f)) for f in zip(*batch)))
    if isinstance(first, Sequence):
        if len({len(b) for b in batch}) != 1:
            raise ShapeError("default_collate: each sample in a batch should have the same number "
                             f"of fields, got {[len(b) for b in batch]}")
        fields = [default_collate(list(f)) for f in zip(*batch)]
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError(f"default_collate: samples must be tensors, arrays, numbers, strings, dicts or "
                    f"sequences of them; got {type(first).__name__}")


# ================================================================= loader

class DataLoader:
    """Iterate over a dataset in batches.

    Args:
        dataset: a Dataset (indexable, with ``len``) or an IterableDataset.
        batch_size: samples per batch (None: yield samples one by one, uncollated).
        shuffle: a new random order every epoch.
        sampler: an iterable of indices to use instead (excludes ``shuffle``).
        batch_sampler: an iterable of index lists (excludes batch_size, shuffle, sampler, drop_last).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        collate_fn: turns a list of samples into a batch (default ``default_collate``).
        generator: a ``numpy.random.Generator`` or int seed for shuffling (default: glassnet's
            global generator, seeded by ``glassnet.manual_seed``).
    Example:
        >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, generator=0)
        >>> len(loader)            # batches per epoch
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 generator=None, *, prefetch_factor=None, persistent_workers: bool = False) -> None:
        if not isinstance(dataset, Dataset) and not (hasattr(dataset, "__getitem__")
                                                     and hasattr(dataset, "__len__")):
            if not hasattr(dataset, "__iter__"):
                raise TypeError(f"DataLoader needs a Dataset (with __getitem__ and __len__) or an "
                                f"IterableDataset, got {type(dataset).__name__}")
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"num_workers must be a non-negative integer, got {num_workers!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.collate_fn = collate_fn
        self.generator = _as_generator(generator)
        self._iterable = isinstance(dataset, IterableDataset)

        if self._iterable:
            if shuffle:
                raise ValueError("DataLoader with an IterableDataset: shuffle must not be set, "
                                 "the dataset decides the order")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with an IterableDataset: sampler and batch_sampler "
                                 "must not be set")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
            self.batch_size, self.drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if self._iterable:
            self.sampler = None
        elif sampler is None:
            sampler = RandomSampler(dataset, generator=self.generator) if shuffle \
                else SequentialSampler(dataset)
        self.sampler = sampler
        if batch_sampler is None and batch_size is not None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        elif batch_size is not None and self._iterable:
            if not isinstance(batch_size, int) or batch_size <= 0:
                raise ValueError(f"batch_size should be a positive integer, got {batch_size!r}")
        self.batch_sampler = batch_sampler

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)          # TypeError if the stream has no length, as in torch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def __iter__(self) -> Iterator:
        if self._iterable:
            return self._iter_stream()
        if self.batch_sampler is None:                 # batch_size=None: samples one by one
            collate = self.collate_fn or (lambda x: x)
            return (collate(self.dataset[i]) for i in self.sampler)
        if (self.collate_fn is None and isinstance(self.batch_sampler, BatchSampler)
                and _has_fast_batch(self.dataset)):
            return (self.dataset._batch(idx) for idx in self.batch_sampler._batches())
        collate = self.collate_fn or default_collate
        return (collate([self.dataset[i] for i in batch]) for batch in self.batch_sampler)

    def _iter_stream(self) -> Iterator:
        collate = self.collate_fn or (default_collate if self.batch_size is not None else (lambda x: x))
        if self.batch_size is None:
            yield from (collate(s) for s in self.dataset)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)

    # glassnet addition: what a checkpoint needs to repeat the next epochs' order exactly.
    def state_dict(self) -> dict:
        """The state of the shuffling generator when the loader has its own (else empty)."""
        sampler = self.batch_sampler if self.batch_sampler is not None else self.sampler
        return dict(sampler.state_dict()) if hasattr(sampler, "state_dict") else {}

    def load_state_dict(self, state: Mapping) -> None:
        sampler = self.batch_sampler if self.batch_sampler is not None else self.sampler
        if hasattr(sampler, "load_state_dict"):
            sampler.load_state_dict(state)

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset) if hasattr(self.dataset, '__len__') else '?'} "
                f"samples, batch_size={self.batch_size}, shuffle={isinstance(self.sampler, RandomSampler)}, "
                f"drop_last={self.drop_last})")
