"""Built-in data sets: shapes, classes, determinism of the seeded splits."""
import numpy as np
import pytest

import glassnet.datasets as D
from glassnet.datasets import DataError


def test_digits_shapes_scale_and_stratified_split():
    d = D.load("digits")
    assert (len(d.X_train), len(d.X_test)) == (1438, 359)          # 1797 · 0.2 = 359.4 → 359
    assert d.num_features == 64 and d.num_classes == 10 and d.class_names[3] == "3"
    assert d.X_train.min() == 0.0 and d.X_train.max() == 1.0       # pixels 0 … 16 scaled by 1/16
    # every class gives ~20% of its samples to the test part (178 … 183 samples per class)
    assert np.bincount(d.y_test, minlength=10).min() >= 35
    assert np.bincount(d.y_test, minlength=10).max() <= 37


def test_splits_are_deterministic_and_depend_on_the_seed():
    a, b, c = D.load_digits(seed=0), D.load_digits(seed=0), D.load_digits(seed=1)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_test, c.y_test)


def test_split_indices_partition_and_stratify():
    y = np.array([0] * 80 + [1] * 20)
    tr, te = D.split_indices(y, 0.25, seed=3)
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(100))
    assert np.bincount(y[te]).tolist() == [20, 5]


@pytest.mark.parametrize("name", ["xor", "moons", "circles", "spirals", "blobs"])
def test_toy_sets_are_2d_balanced_and_repeatable(name):
    a, b = D.load(name, seed=5), D.load(name, seed=5)
    assert a.num_features == 2 and len(a.X_train) + len(a.X_test) == 400
    np.testing.assert_array_equal(a.X_train, b.X_train)
    counts = np.bincount(np.concatenate([a.y_train, a.y_test]))
    assert counts.max() - counts.min() <= 1


def test_xor_labels_follow_the_signs():
    d = D.make_xor(n_samples=200, noise=0.1)
    X, y = np.concatenate([d.X_train, d.X_test]), np.concatenate([d.y_train, d.y_test])
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))


def test_circles_radii_without_noise():
    d = D.make_circles(n_samples=40, noise=0.0, factor=0.3)
    r = np.hypot(d.X_train[:, 0], d.X_train[:, 1])
    np.testing.assert_allclose(r[d.y_train == 0], 1.0)
    np.testing.assert_allclose(r[d.y_train == 1], 0.3)


def test_spirals_and_blobs_class_counts():
    assert D.make_spirals(n_samples=90, classes=3).num_classes == 3
    assert D.make_blobs(n_samples=100, centers=4).num_classes == 4


def test_mnist1d_is_generated_and_cached(tmp_path, monkeypatch):
    pytest.importorskip("mnist1d")
    monkeypatch.setenv("GLASSNET_CACHE", str(tmp_path))
    state = np.random.get_state()[1].copy()
    d = D.load_mnist1d(num_samples=100)
    assert d.X_train.shape == (80, 40) and d.num_classes == 10
    np.testing.assert_array_equal(np.random.get_state()[1], state)   # global NumPy RNG untouched
    assert (tmp_path / "mnist1d-100-42.npz").is_file()
    again = D.load_mnist1d(num_samples=100)                          # from the cache
    np.testing.assert_array_equal(d.X_train, again.X_train)
    fresh = D.load_mnist1d(num_samples=100, cache=False)
    np.testing.assert_array_equal(d.X_test, fresh.X_test)


def test_standardized_uses_training_statistics():
    d = D.make_blobs(seed=1).standardized()
    np.testing.assert_allclose(d.X_train.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(d.X_train.std(0), 1)
    assert d.mean.shape == (2,)


def test_loader_and_dataset_dtypes():
    d = D.make_moons()
    xb, yb = next(iter(d.loader("train", batch_size=8, generator=0, dtype="float32")))
    assert xb.dtype == np.float32 and yb.dtype == np.int64 and xb.shape == (8, 2)
    assert len(d.test) == 100


def test_unknown_name():
    with pytest.raises(DataError, match="unknown data set 'mnist'.*digits"):
        D.load("mnist")


# ---------------------------------------------------------------- CSV

def _csv(tmp_path, text, name="data.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_csv_with_string_labels(tmp_path):
    rows = "\n".join(f"{i},{i * 0.5},{'cat' if i % 2 else 'dog'}" for i in range(10))
    d = D.load_csv(_csv(tmp_path, "a,b,species\n" + rows + "\n"), test_size=0.2)
    assert d.class_names == ["cat", "dog"] and d.feature_names == ["a", "b"]
    assert len(d.X_train) == 8 and d.X_train.shape[1] == 2
    X = np.concatenate([d.X_train, d.X_test])
    y = np.concatenate([d.y_train, d.y_test])
    np.testing.assert_array_equal(y, (X[:, 0] % 2 == 0).astype(int))    # odd → cat (0), even → dog (1)


def test_csv_label_by_name_or_index_and_no_header(tmp_path):
    p = _csv(tmp_path, "target,x\n1,0.5\n2,0.25\n1,0.75\n2,1\n1,0\n2,3\n")
    d = D.load_csv(p, test_size=2)                      # 'target' is found by name
    assert d.feature_names == ["x"] and d.class_names == ["1", "2"]
    d0 = D.load_csv(p, label=0, test_size=2)
    np.testing.assert_array_equal(d.X_train, d0.X_train)
    q = _csv(tmp_path, "0.5;1\n0.25;0\n0.75;1\n1;0\n", "plain.csv")
    d2 = D.load_csv(q, test_size=2)                     # ';' detected, no header, last column
    assert d2.feature_names == ["column 1"] and d2.class_names == ["0", "1"]


def test_csv_regression(tmp_path):
    p = _csv(tmp_path, "x,y\n1,2.5\n2,4.5\n3,6.5\n4,8.5\n5,10.5\n")
    d = D.load_csv(p, task="regression", test_size=1)
    np.testing.assert_allclose(d.y_train, 2 * d.X_train[:, 0] + 0.5)
    assert d.class_names is None and d.num_outputs == 1


@pytest.mark.parametrize("text, message", [
    ("", r"data\.csv: the file is empty"),
    ("a,b,label\n", r"data\.csv: there are no data rows after the header"),
    ("a,b,label\n1,2,x\n3,,y\n", r"data\.csv, line 3, column 'b' \(column 2\): missing value"),
    ("a,b,label\n1,2,x\n3,NA,y\n", r"line 3, column 'b' \(column 2\): missing value \('NA'\)"),
    ("a,b,label\n1,2,x\n3,4,y\n5,abc,x\n", r"data\.csv, line 4, column 'b' \(column 2\): 'abc' is not a number"),
    ("a,b,label\n1,2,x\n3,4\n", r"line 3: 2 cells, but the header has 3"),
    ("a,b,label\n1,2,x\n3,4,\n", r"line 3, column 'label' \(column 3\): missing label"),
    ("a,b,label\n1,2,x\n3,4,x\n", r"single class \('x'\)"),
])
def test_csv_errors_name_file_line_and_column(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        D.load_csv(_csv(tmp_path, text))


def test_csv_missing_label_column(tmp_path):
    p = _csv(tmp_path, "a,b,Species\n1,2,x\n3,4,y\n")
    with pytest.raises(DataError, match=r"no label column 'species' \(did you mean 'Species'\?\); "
                                        r"the columns are a, b, Species"):
        D.load_csv(p, label="species")


def test_csv_missing_file(tmp_path):
    with pytest.raises(DataError, match="nope.csv: no such file"):
        D.load(tmp_path / "nope.csv")
