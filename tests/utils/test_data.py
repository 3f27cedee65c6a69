"""glassnet.utils.data against torch.utils.data: same batches, same split sizes, seeded shuffling."""
import numpy as np
import pytest
import torch
import torch.utils.data as tud

import glassnet as gn
from glassnet.errors import ShapeError
from glassnet.utils.data import (BatchSampler, DataLoader, Dataset, IterableDataset, RandomSampler,
                                 Subset, TensorDataset, default_collate, random_split)


def _ds(n=10):
    X = np.arange(2 * n, dtype=float).reshape(n, 2)
    return TensorDataset(gn.tensor(X), gn.arange(n))


def test_tensor_dataset_indexes_every_tensor():
    ds = _ds()
    x, y = ds[3]
    assert len(ds) == 10
    assert x.tolist() == [6.0, 7.0] and y.item() == 3


def test_tensor_dataset_needs_one_first_dimension():
    with pytest.raises(ShapeError, match=r"\(10, 2\).*\(9,\)"):
        TensorDataset(gn.zeros(10, 2), gn.zeros(9))


def test_sequential_batches_match_torch():
    X = np.random.default_rng(0).standard_normal((10, 3))
    y = np.arange(10)
    ours = DataLoader(TensorDataset(gn.tensor(X), gn.tensor(y)), batch_size=4)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=4)
    assert len(ours) == len(theirs) == 3
    for (xa, ya), (xb, yb) in zip(ours, theirs):
        np.testing.assert_array_equal(xa.numpy(), xb.numpy())
        np.testing.assert_array_equal(ya.numpy(), yb.numpy())


@pytest.mark.parametrize("drop_last, sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_drop_last(drop_last, sizes):
    loader = DataLoader(_ds(), batch_size=4, drop_last=drop_last)
    assert [len(y) for _, y in loader] == sizes
    assert len(loader) == len(sizes)


def test_shuffle_with_a_seed_is_repeatable_and_a_permutation_each_epoch():
    a = DataLoader(_ds(), batch_size=3, shuffle=True, generator=7)
    b = DataLoader(_ds(), batch_size=3, shuffle=True, generator=7)
    epoch1 = np.concatenate([y.numpy() for _, y in a])
    epoch2 = np.concatenate([y.numpy() for _, y in a])
    assert sorted(epoch1.tolist()) == list(range(10)) == sorted(epoch2.tolist())
    assert epoch1.tolist() != epoch2.tolist()                   # a new order each epoch
    assert np.concatenate([y.numpy() for _, y in b]).tolist() == epoch1.tolist()
    # the order is NumPy's permutation of the seeded generator
    assert epoch1.tolist() == np.random.default_rng(7).permutation(10).tolist()


def test_shuffle_without_generator_follows_manual_seed():
    loader = DataLoader(_ds(), batch_size=10, shuffle=True)
    gn.manual_seed(3)
    first = next(iter(loader))[1].tolist()
    gn.manual_seed(3)
    assert next(iter(loader))[1].tolist() == first
    assert first == np.random.default_rng(3).permutation(10).tolist()


def test_state_dict_repeats_the_next_epoch():
    loader = DataLoader(_ds(), batch_size=4, shuffle=True, generator=1)
    list(loader)
    state = loader.state_dict()
    expected = [y.tolist() for _, y in loader]
    other = DataLoader(_ds(), batch_size=4, shuffle=True, generator=99)
    other.load_state_dict(state)
    assert [y.tolist() for _, y in other] == expected


def test_fast_batches_equal_collated_samples():
    ds = _ds()
    fast = [(x.numpy(), y.numpy()) for x, y in DataLoader(ds, batch_size=3, shuffle=True, generator=2)]
    slow = [(x.numpy(), y.numpy()) for x, y in
            DataLoader(ds, batch_size=3, shuffle=True, generator=2, collate_fn=default_collate)]
    for (a, b), (c, d) in zip(fast, slow):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_default_collate_stacks_fields():
    batch = default_collate([{"x": np.array([1.0, 2.0]), "y": 1}, {"x": np.array([3.0, 4.0]), "y": 0}])
    assert batch["x"].shape == (2, 2) and batch["y"].dtype == np.int64
    assert batch["y"].tolist() == [1, 0]
    pair = default_collate([(1.5, "a"), (2.5, "b")])
    assert pair[0].tolist() == [1.5, 2.5] and pair[1] == ["a", "b"]


def test_custom_dataset_and_batch_size_none():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return float(i), i * i

    xs, ys = next(iter(DataLoader(Squares(), batch_size=5)))
    assert xs.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0] and ys.tolist() == [0, 1, 4, 9, 16]
    assert list(DataLoader(Squares(), batch_size=None))[2] == (2.0, 4)


def test_iterable_dataset_batches_a_stream():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]


@pytest.mark.parametrize("lengths", [[0.7, 0.3], [0.33, 0.33, 0.34], [5, 5], [0.5, 0.25, 0.25]])
def test_random_split_sizes_match_torch(lengths):
    ours = random_split(_ds(), lengths, generator=0)
    theirs = tud.random_split(range(10), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    all_idx = sorted(i for s in ours for i in s.indices)
    assert all_idx == list(range(10))


def test_random_split_rejects_wrong_total():
    with pytest.raises(ValueError, match="sum to 9.*10 samples"):
        random_split(_ds(), [4, 5])


def test_subset_of_tensor_dataset_batches():
    sub = Subset(_ds(), [9, 2, 4])
    assert [y.tolist() for _, y in DataLoader(sub, batch_size=2)] == [[9, 2], [4]]


def test_samplers():
    assert len(BatchSampler(range(10), 3, drop_last=False)) == 4
    assert list(BatchSampler(range(5), 2, drop_last=True)) == [[0, 1], [2, 3]]
    s = RandomSampler(range(4), replacement=True, num_samples=9, generator=0)
    assert len(list(s)) == 9 and set(s) <= {0, 1, 2, 3}


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size should be a positive integer"),
    ({"sampler": [0, 1], "shuffle": True}, "mutually exclusive with shuffle"),
    ({"generator": "seed"}, "generator must be"),
])
def test_bad_loader_options(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        DataLoader(_ds(), **kwargs)
