"""glassnet.sklearn: scikit-learn's estimator contract, and the numbers it trains to."""
import pickle
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from glassnet.sklearn import SKIPPED_CHECKS, MLPClassifier, MLPRegressor

DIGITS = load_digits()
X, Y = DIGITS.data[:600] / 16, DIGITS.target[:600]


@pytest.mark.parametrize("est", [MLPClassifier(random_state=0), MLPRegressor(random_state=0)],
                         ids=["classifier", "regressor"])
def test_check_estimator(est):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(est, on_fail=None)
    failed = [r["check_name"] for r in results if r["status"] == "failed"
              and r["check_name"] not in SKIPPED_CHECKS]
    assert failed == []
    assert len(results) > 40


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_classifier_learns_digits_with_string_labels():
    labels = np.array(list("abcdefghij"))[Y]
    clf = MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=60,
                        random_state=0).fit(X[:500], labels[:500])
    assert list(clf.classes_) == list("abcdefghij")
    assert clf.score(X[500:], labels[500:]) >= 0.8        # scikit-learn's own MLPClassifier: 0.85
    p = clf.predict_proba(X[500:])
    np.testing.assert_allclose(p.sum(1), 1.0)
    np.testing.assert_array_equal(clf.classes_[p.argmax(1)], clf.predict(X[500:]))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X[500:505])), p[:5], rtol=1e-12)
    assert clf.n_iter_ == len(clf.loss_curve_) <= 60 and clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_coefs_are_the_networks_weights_in_rows_notation():
    clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, Y)
    assert [c.shape for c in clf.coefs_] == [(64, 5), (5, 10)]
    # z = x·W + b with sklearn's (inputs × outputs) W reproduces the network's output
    h = np.maximum(X[:3] @ clf.coefs_[0] + clf.intercepts_[0], 0)
    z = h @ clf.coefs_[1] + clf.intercepts_[1]
    np.testing.assert_allclose(z - z.max(1, keepdims=True),
                               clf.predict_log_proba(X[:3]) - clf.predict_log_proba(X[:3]).max(1, keepdims=True),
                               atol=1e-12)


def test_same_random_state_same_model_and_pickle_round_trip():
    kw = dict(hidden_layer_sizes=(16,), max_iter=20, random_state=3, solver="sgd", learning_rate_init=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a, b = MLPClassifier(**kw).fit(X, Y), MLPClassifier(**kw).fit(X, Y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(c.predict_proba(X[:20]), a.predict_proba(X[:20]))


def test_pipeline_cross_val_score_and_grid_search():
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
                                                         max_iter=40, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X[:300], Y[:300], cv=3)
        search = GridSearchCV(MLPClassifier(learning_rate_init=0.01, max_iter=30, random_state=0),
                              {"hidden_layer_sizes": [(4,), (32,)]}, cv=2).fit(X[:300], Y[:300])
    assert scores.shape == (3,) and scores.mean() >= 0.85
    assert search.best_params_ == {"hidden_layer_sizes": (32,)}


def test_regressor_fits_a_plane_and_multi_output():
    rng = np.random.default_rng(0)
    Xr = rng.uniform(-1, 1, (200, 2))
    y = 3 * Xr[:, 0] - 2 * Xr[:, 1] + 0.5
    reg = MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=300, random_state=0)
    reg.fit(Xr, y)
    assert reg.predict(Xr).shape == (200,) and reg.score(Xr, y) > 0.99
    Y2 = np.stack([y, -y], 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg2 = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(Xr, Y2)
    assert reg2.predict(Xr).shape == (200, 2)


@pytest.mark.parametrize("params, message", [
    ({"solver": "lbfgs"}, "solver must be 'adam' or 'sgd'"),
    ({"activation": "softmax"}, "activation must be one of"),
    ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes must be positive integers"),
])
def test_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**params).fit(X[:20], Y[:20])


def test_max_iter_reached_warns():
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(2\\) reached"):
        MLPClassifier(max_iter=2, random_state=0).fit(X[:50], Y[:50])
