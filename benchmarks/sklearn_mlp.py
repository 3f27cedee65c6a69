"""Accuracy and training time on digits: glassnet vs scikit-learn's MLPClassifier, same run.

    python benchmarks/sklearn_mlp.py            # prints a Markdown table
    python benchmarks/sklearn_mlp.py --quick    # 2 seeds instead of 5

Both train the same architecture with the same solver, learning rate, batch size and
number of epochs on the same train/test split of scikit-learn's digits (1,438 / 359):

* "glassnet train" — the setup of `glassnet train` with no options (64-64-32-10 ReLU, SGD
  lr 0.1 with momentum 0.9, batch 32, 30 epochs) run through ``glassnet.train.fit``,
  against scikit-learn's MLPClassifier(solver="sgd", momentum=0.9,
  nesterovs_momentum=False, alpha=0, ...).
* "MLPClassifier wrapper" — ``glassnet.sklearn.MLPClassifier`` against scikit-learn's
  own, both with scikit-learn's defaults (100 ReLU units, Adam lr 0.001, batch 200,
  alpha 0.0001) for 100 epochs.

scikit-learn stops early when the loss stops improving; here both are made to run every
epoch (n_iter_no_change above the number of epochs). Times are the training (fit) alone,
the median over the seeds; accuracy is the mean ± standard deviation over the seeds. The
machine is limited to 2 threads, as in benchmarks/mlp.py.
"""
from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLP  # noqa: E402

import glassnet as gn  # noqa: E402
from glassnet import datasets, nn, optim  # noqa: E402
from glassnet.sklearn import MLPClassifier as GnMLP  # noqa: E402
from glassnet.train import fit  # noqa: E402
from glassnet.train.models import mlp  # noqa: E402

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def glassnet_train(data, seed: int) -> tuple[float, float]:
    """What `glassnet train` does with no options, timed around fit."""
    gn.manual_seed(seed)
    model = mlp([64, 64, 32, 10], "relu")
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = data.loader("train", batch_size=32, generator=seed)
    t0 = time.perf_counter()
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=30, progress=False)
    elapsed = time.perf_counter() - t0
    with gn.no_grad():
        pred = model(gn.tensor(data.X_test)).numpy().argmax(1)
    return float((pred == data.y_test).mean()), elapsed


def sklearn_like_train(data, seed: int) -> tuple[float, float]:
    clf = SkMLP(hidden_layer_sizes=(64, 32), activation="relu", solver="sgd", learning_rate_init=0.1,
                momentum=0.9, nesterovs_momentum=False, alpha=0.0, batch_size=32, max_iter=30,
                n_iter_no_change=31, random_state=seed)
    t0 = time.perf_counter()
    clf.fit(data.X_train, data.y_train)
    return clf.score(data.X_test, data.y_test), time.perf_counter() - t0


def wrapper(cls, data, seed: int) -> tuple[float, float]:
    clf = cls(max_iter=100, n_iter_no_change=101, random_state=seed)
    t0 = time.perf_counter()
    clf.fit(data.X_train, data.y_train)
    return clf.score(data.X_test, data.y_test), time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds instead of 5")
    args = parser.parse_args()
    seeds = range(2 if args.quick else 5)
    data = datasets.load_digits()
    rows = [
        ("`glassnet train` defaults: 64-64-32-10 ReLU, SGD 0.1 + momentum 0.9, batch 32, 30 epochs",
         glassnet_train, sklearn_like_train),
        ("MLPClassifier defaults: 64-100-10 ReLU, Adam 0.001, batch 200, α 1e-4, 100 epochs",
         lambda d, s: wrapper(GnMLP, d, s), lambda d, s: wrapper(SkMLP, d, s)),
    ]
    print(f"digits, {len(data.X_train)} train / {len(data.X_test)} test samples, "
          f"{len(seeds)} seeds, {os.environ['OMP_NUM_THREADS']} threads\n")
    print("| setup | glassnet accuracy | scikit-learn accuracy | glassnet time | scikit-learn time | time ratio |")
    print("|---|---|---|---|---|---|")
    for name, ours, theirs in rows:
        results = {"gn": [], "sk": []}
        for seed in seeds:                     # interleaved, so machine noise hits both alike
            results["gn"].append(ours(data, seed))
            results["sk"].append(theirs(data, seed))
        acc = {k: np.array([r[0] for r in v]) for k, v in results.items()}
        sec = {k: float(np.median([r[1] for r in v])) for k, v in results.items()}
        print(f"| {name} | {acc['gn'].mean():.2%} ± {acc['gn'].std():.2%} | "
              f"{acc['sk'].mean():.2%} ± {acc['sk'].std():.2%} | {sec['gn']:.2f} s | {sec['sk']:.2f} s | "
              f"{sec['gn'] / sec['sk']:.2f} |")
    print("\ntime ratio = glassnet ÷ scikit-learn (below 1: glassnet is faster)")


if __name__ == "__main__":
    main()
