"""scikit-learn estimators trained by glassnet: ``MLPClassifier`` and ``MLPRegressor``.

They take scikit-learn's ``MLPClassifier`` / ``MLPRegressor`` parameters (the ones listed
below; "lbfgs", early_stopping and warm_start are not offered) and follow its training
recipe: Glorot-uniform initial weights, mini-batches of ``min(200, n)`` by default, an L2
penalty ``alpha`` on the weights (not the biases), and stopping when the training loss has
not improved by ``tol`` for ``n_iter_no_change`` epochs. They work in ``Pipeline``,
``cross_val_score`` and ``GridSearchCV``; ``model_`` is the trained glassnet network, so
every number it computes can be shown.

    >>> from glassnet.sklearn import MLPClassifier
    >>> clf = MLPClassifier(hidden_layer_sizes=(32,), random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]), clf.score(X, y)

scikit-learn's ``check_estimator`` passes every check for both estimators (scikit-learn
1.9, default parameters); ``SKIPPED_CHECKS`` would list any that had to be skipped, with why.
The estimators pickle (the network travels as plain arrays), so ``n_jobs > 1`` works.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as exc:   # pragma: no cover - depends on the environment
    raise ImportError("glassnet.sklearn needs scikit-learn ≥ 1.6: pip install 'glassnet[train]'") from exc

from . import nn, optim
from .tensor import Tensor
from .train.callbacks import Callback
from .train.loop import fit as _fit
from .train.loop import predict as _predict
from .train.models import mlp
from .utils.data import DataLoader, TensorDataset

__all__ = ["MLPClassifier", "MLPRegressor", "SKIPPED_CHECKS"]

# scikit-learn's check_estimator checks these estimators do not pass, and why.
SKIPPED_CHECKS: dict[str, str] = {}


class _NoImprovement(Callback):
    """scikit-learn's rule: stop once the training loss has failed to drop by ``tol`` for
    more than ``n_iter_no_change`` epochs in a row."""

    def __init__(self, tol: float, n_iter_no_change: int) -> None:
        self.tol, self.n = tol, n_iter_no_change
        self.best, self.count, self.converged = math.inf, 0, False

    def on_epoch_end(self, state, logs) -> None:
        loss = logs["loss"]
        if loss > self.best - self.tol:
            self.count += 1
        else:
            self.count = 0
        self.best = min(self.best, loss)
        if self.count > self.n:
            self.converged = True
            state.stop_training = True


class _BaseMLP(BaseEstimator):
    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate_init=0.001, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, momentum=0.9, nesterovs_momentum=True,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, dtype="float64"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype

    # ------------------------------------------------------------ validation
    def _check_params(self) -> list[int]:
        hidden = [self.hidden_layer_sizes] if np.isscalar(self.hidden_layer_sizes) \
            else list(self.hidden_layer_sizes)
        if any(int(h) != h or h < 1 for h in hidden):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes}")
        if self.activation not in ("relu", "tanh", "logistic", "identity"):
            raise ValueError(f"activation must be one of 'relu', 'tanh', 'logistic', 'identity', "
                             f"got {self.activation!r}")
        if self.solver not in ("adam", "sgd"):
            raise ValueError(f"solver must be 'adam' or 'sgd' (glassnet has no 'lbfgs'), got {self.solver!r}")
        for name, low in (("max_iter", 1), ("n_iter_no_change", 1)):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be an integer ≥ {low}, got {value!r}")
        for name in ("alpha", "tol"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be ≥ 0, got {getattr(self, name)!r}")
        if not self.learning_rate_init > 0:
            raise ValueError(f"learning_rate_init must be > 0, got {self.learning_rate_init!r}")
        if self.batch_size != "auto" and (not isinstance(self.batch_size, (int, np.integer))
                                          or self.batch_size < 1):
            raise ValueError(f"batch_size must be 'auto' or an integer ≥ 1, got {self.batch_size!r}")
        if np.dtype(self.dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        return [int(h) for h in hidden]

    # ------------------------------------------------------------ training
    def _init_model(self, sizes: list[int], rng: np.random.Generator):
        model = mlp(sizes, self.activation, dtype=np.dtype(self.dtype))
        # Glorot uniform, as scikit-learn: U(±√(6/(fan_in + fan_out))), √(2/…) for logistic.
        factor = 2.0 if self.activation == "logistic" else 6.0
        for layer in model:
            if isinstance(layer, nn.Linear):
                bound = math.sqrt(factor / (layer.in_features + layer.out_features))
                layer.weight._data[...] = rng.uniform(-bound, bound, layer.weight.shape)
                layer.bias._data[...] = rng.uniform(-bound, bound, layer.bias.shape)
        return model

    def _train(self, X: np.ndarray, T: np.ndarray, n_out: int, loss_fn):
        hidden = self._check_params()
        rng = np.random.default_rng(self.random_state if not isinstance(self.random_state, np.random.RandomState)
                                    else self.random_state.randint(2 ** 31))
        dtype = np.dtype(self.dtype)
        model = self._init_model([X.shape[1], *hidden, n_out], rng)
        n = len(X)
        batch = min(200, n) if self.batch_size == "auto" else int(np.clip(self.batch_size, 1, n))
        if self.batch_size != "auto" and self.batch_size > n:
            warnings.warn(f"Got `batch_size` less than 1 or larger than sample size. It is going to be "
                          f"clipped", UserWarning)
        weights = [l.weight for l in model if isinstance(l, nn.Linear)]
        biases = [l.bias for l in model if isinstance(l, nn.Linear)]
        # scikit-learn's penalty ½α‖W‖² / batch adds α W / batch to each weight's gradient.
        groups = [{"params": weights, "weight_decay": self.alpha / batch}, {"params": biases, "weight_decay": 0.0}]
        if self.solver == "adam":
            opt = optim.Adam(groups, lr=self.learning_rate_init, betas=(self.beta_1, self.beta_2),
                             eps=self.epsilon)
        else:
            opt = optim.SGD(groups, lr=self.learning_rate_init, momentum=self.momentum,
                            nesterov=bool(self.nesterovs_momentum and self.momentum > 0))
        ds = TensorDataset(Tensor._wrap(X.astype(dtype)), Tensor._wrap(T))
        loader = DataLoader(ds, batch_size=batch, shuffle=bool(self.shuffle), generator=rng)
        stop = _NoImprovement(self.tol, self.n_iter_no_change)
        history = _fit(model, loss_fn, opt, loader, int(self.max_iter), metrics=[], callbacks=[stop],
                       progress=False, verbose=bool(self.verbose), check=False)
        self.model_ = model
        self.loss_curve_ = list(history["loss"])
        self.loss_ = self.loss_curve_[-1]
        self.best_loss_ = min(self.loss_curve_)
        self.n_iter_ = len(self.loss_curve_)
        self.t_ = self.n_iter_ * n
        self.n_layers_ = len(hidden) + 2
        self.n_outputs_ = n_out
        if not stop.converged and self.n_iter_ == self.max_iter:
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                          f"optimization hasn't converged yet.", ConvergenceWarning)
        return self

    def _forward(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return _predict(self.model_, X.astype(self.dtype, copy=False))

    # ------------------------------------------------------------ glass box
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Each layer's weights in scikit-learn's layout (inputs × outputs, the seeds' row
        notation): the transpose of ``Linear.weight``."""
        check_is_fitted(self, "model_")
        return [l.weight.detach().numpy().T.copy() for l in self.model_ if isinstance(l, nn.Linear)]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        check_is_fitted(self, "model_")
        return [l.bias.detach().numpy().copy() for l in self.model_ if isinstance(l, nn.Linear)]

    # ------------------------------------------------------------ pickling
    def __getstate__(self):
        """Picklable for joblib / GridSearchCV(n_jobs>1): the network travels as plain arrays."""
        state = dict(self.__dict__)
        model = state.pop("model_", None)
        if model is not None:
            state["_model_arrays"] = {k: v.numpy().copy() for k, v in model.state_dict().items()}
        return state

    def __setstate__(self, state):
        arrays = state.pop("_model_arrays", None)
        self.__dict__.update(state)
        if arrays is not None:
            sizes = [arrays["0.weight"].shape[1]] + [arrays[f"{2 * i}.weight"].shape[0]
                                                     for i in range(self.n_layers_ - 1)]
            model = mlp(sizes, self.activation, dtype=arrays["0.weight"].dtype)
            model.load_state_dict(arrays)
            self.model_ = model


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multilayer perceptron classifier trained with glassnet (softmax + cross-entropy).

    Parameters are scikit-learn's (``hidden_layer_sizes``, ``activation``, ``solver``,
    ``alpha``, ``batch_size``, ``learning_rate_init``, ``max_iter``, ``shuffle``,
    ``random_state``, ``tol``, ``momentum``, ``nesterovs_momentum``, ``beta_1``, ``beta_2``,
    ``epsilon``, ``n_iter_no_change``), plus ``dtype`` ("float64" or "float32").

    Attributes: ``classes_``, ``model_`` (the glassnet network), ``coefs_``, ``intercepts_``,
    ``loss_curve_``, ``n_iter_``, ``n_features_in_``.
    """

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"MLPClassifier needs samples of at least 2 classes in the data, but the "
                             f"data contains only one class: {self.classes_[0]!r}")
        return self._train(X, codes.astype(np.int64), len(self.classes_), nn.CrossEntropyLoss())

    def predict_proba(self, X) -> np.ndarray:
        z = self._forward(X).astype(np.float64)
        z = z - z.max(axis=1, keepdims=True)                   # softmax, shifted for stability
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X) -> np.ndarray:
        z = self._forward(X).astype(np.float64)
        m = z.max(axis=1, keepdims=True)
        return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))

    def predict(self, X) -> np.ndarray:
        scores = self._forward(X)
        return self.classes_[scores.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A multilayer perceptron regressor trained with glassnet (identity output, loss ½·mean (a − y)²,
    as scikit-learn's). Parameters and attributes as ``MLPClassifier`` (no ``classes_``)."""

    def fit(self, X, y):
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=(np.float64, np.float32))
        self._y_1d = y.ndim == 1
        T = y.reshape(len(y), -1).astype(np.dtype(self.dtype))
        return self._train(X, T, T.shape[1], nn.SquaredErrorLoss(reduction="mean"))

    def predict(self, X) -> np.ndarray:
        out = self._forward(X).astype(np.float64)
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
