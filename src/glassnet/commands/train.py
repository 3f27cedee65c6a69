"""``glassnet train``: build an MLP, train it with progress, report test accuracy and a
confusion matrix, and write the run to a directory:

    runs/digits/model.gnz        the trained weights (a state_dict; takes raw features)
    runs/digits/config.json      data, architecture and settings (rebuilds the model)
    runs/digits/checkpoint.gnz   the training checkpoint (``--resume runs/digits``)
    runs/digits/history.json     loss and metrics per epoch
    runs/digits/loss.png         the training curves
    runs/digits/regions.png      for 2-D data: decision regions and first-layer unit boundaries

With no arguments it trains a 64-64-32-10 ReLU network on scikit-learn's digits.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from ..errors import GlassnetError

# Settings used when neither the command line nor a resumed run gives one.
DEFAULTS = {
    "data": "digits", "label": None, "task": "classification", "test_size": 0.2, "seed": 0,
    "standardize": None, "layers": "64,32", "activation": "relu", "optimizer": "sgd", "lr": 0.1,
    "momentum": 0.9, "weight_decay": 0.0, "batch_size": 32, "epochs": 30, "scheduler": "none",
    "patience": None, "dtype": "float64", "checkpoint_every": 1, "model": None,
}
# The 2-D toy sets are small and curved: a smaller, longer-trained network suits them.
TOY_DEFAULTS = {"layers": "8,8", "epochs": 100, "batch_size": 16}
TOY = ("xor", "moons", "circles", "spirals", "blobs")
# What a resumed run takes from its config.json (everything that shapes the run but the length).
RESUMED = [k for k in DEFAULTS if k not in ("epochs", "checkpoint_every")]


class TrainCommandError(GlassnetError, ValueError):
    """A bad combination of ``glassnet train`` options."""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train an MLP on a data set and write model, history and plots",
        description="Train a multilayer perceptron with progress, then print the test accuracy and "
                    "a confusion matrix and write model.gnz, config.json, history.json, loss.png (and "
                    "regions.png for 2-D data) to --out. With no options: digits, 64-64-32-10 ReLU, "
                    "SGD with momentum, 30 epochs.")
    S = argparse.SUPPRESS
    d = p.add_argument_group("data")
    d.add_argument("--data", default=S, metavar="NAME|CSV",
                   help="digits, mnist1d, xor, moons, circles, spirals, blobs, or a CSV file "
                        "(default: digits)")
    d.add_argument("--label", default=S, help="a CSV file's label column, by name or 0-based index "
                                              "(default: a column named label/target/class/y, else the last)")
    d.add_argument("--task", choices=["classification", "regression"], default=S,
                   help="for CSV files: class labels or numeric targets (default: classification)")
    d.add_argument("--test-size", type=float, default=S, help="fraction held out for testing (default: 0.2)")
    d.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=S,
                   help="scale features to mean 0, std 1 with the training statistics (default: on "
                        "for CSV files); the saved model still takes raw features")
    m = p.add_argument_group("model")
    m.add_argument("--layers", default=S, metavar="H1,H2,…",
                   help="hidden layer sizes (default: 64,32; 8,8 for the 2-D toy sets); '' for none")
    m.add_argument("--activation", default=S, choices=["relu", "tanh", "sigmoid", "leaky_relu", "identity"],
                   help="hidden activation (default: relu)")
    m.add_argument("--model", default=S, metavar="FILE",
                   help="start from the weights of a model.gnz written by glassnet train (its "
                        "config.json gives the architecture)")
    m.add_argument("--dtype", choices=["float64", "float32"], default=S, help="(default: float64)")
    t = p.add_argument_group("training")
    t.add_argument("--epochs", type=int, default=S, help="(default: 30; 100 for the 2-D toy sets)")
    t.add_argument("--batch-size", type=int, default=S, help="(default: 32; 16 for the 2-D toy sets)")
    t.add_argument("--optimizer", choices=["sgd", "adam"], default=S, help="(default: sgd)")
    t.add_argument("--lr", type=float, default=S, help="learning rate (default: 0.1)")
    t.add_argument("--momentum", type=float, default=S, help="SGD momentum (default: 0.9)")
    t.add_argument("--weight-decay", type=float, default=S, help="L2 penalty (default: 0)")
    t.add_argument("--scheduler", choices=["none", "step", "cosine"], default=S,
                   help="learning-rate schedule: step halves it every epochs/3 epochs, cosine anneals "
                        "it to 0 (default: none)")
    t.add_argument("--patience", type=int, default=S,
                   help="stop early when the validation loss (on 10%% of the training data, held "
                        "out) has not improved for this many epochs, and keep the best weights")
    t.add_argument("--seed", type=int, default=S, help="seeds the split, the initial weights and the "
                                                        "shuffling (default: 0)")
    o = p.add_argument_group("output")
    o.add_argument("--out", default=None, metavar="DIR", help="the run directory (default: runs/<data>)")
    o.add_argument("--checkpoint-every", type=int, default=S, metavar="N",
                   help="write a checkpoint every N epochs (default: 1)")
    o.add_argument("--resume", nargs="?", const=True, default=None, metavar="DIR",
                   help="continue the run in DIR (default: --out) from its checkpoint, with its "
                        "settings; --epochs may extend it")
    o.add_argument("--no-plots", action="store_true", help="do not write loss.png / regions.png")
    o.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bars (default: when stderr is a terminal)")
    o.add_argument("-q", "--quiet", action="store_true", help="no per-epoch lines")
    p.set_defaults(func=run)


# ---------------------------------------------------------------- settings

def _settings(args) -> tuple[dict, str, bool]:
    """The run's settings (given > resumed config > defaults), its directory, and whether resuming."""
    given = {k: getattr(args, k) for k in DEFAULTS if hasattr(args, k)}
    resuming = args.resume is not None
    if resuming:
        out = args.out if args.resume is True else args.resume
        if out is None:
            raise TrainCommandError("--resume needs the run directory: --resume runs/NAME")
        cfg_path = os.path.join(out, "config.json")
        if not os.path.isfile(cfg_path):
            raise TrainCommandError(f"{out}: not a run directory of glassnet train (it has no config.json)")
        with open(cfg_path, encoding="utf-8") as f:
            saved = json.load(f)["settings"]
        clash = [k for k in given if k in RESUMED and given[k] != saved.get(k)]
        if clash:
            raise TrainCommandError(f"a resumed run keeps its settings; drop --{clash[0].replace('_', '-')} "
                                    f"(the run used {saved.get(clash[0])!r})")
        settings = {**DEFAULTS, **saved, **given}
        return settings, out, True
    data = given.get("data", DEFAULTS["data"])
    defaults = dict(DEFAULTS)
    if str(data).lower() in TOY:
        defaults.update(TOY_DEFAULTS)
    settings = {**defaults, **given}
    name = os.path.splitext(os.path.basename(str(data)))[0] or "data"
    out = args.out or os.path.join("runs", name)
    return settings, out, False


def _check_settings(s: dict) -> None:
    for key, low in (("epochs", 1), ("batch_size", 1), ("checkpoint_every", 1)):
        if not isinstance(s[key], int) or s[key] < low:
            raise TrainCommandError(f"--{key.replace('_', '-')} must be an integer ≥ {low}, got {s[key]}")
    if not s["lr"] > 0:
        raise TrainCommandError(f"--lr must be > 0, got {s['lr']}")
    if not 0 < s["test_size"] < 1:
        raise TrainCommandError(f"--test-size must be a fraction in (0, 1), got {s['test_size']}")
    if s["patience"] is not None and s["patience"] < 0:
        raise TrainCommandError(f"--patience must be ≥ 0, got {s['patience']}")


def _hidden(layers: str) -> list[int]:
    text = str(layers).strip()
    if not text:
        return []
    try:
        sizes = [int(v) for v in text.replace(" ", "").split(",") if v]
    except ValueError:
        raise TrainCommandError(f"--layers takes hidden sizes separated by commas, e.g. 64,32; got {layers!r}") from None
    if any(v < 1 for v in sizes):
        raise TrainCommandError(f"--layers sizes must be ≥ 1, got {layers!r}")
    return sizes


# ---------------------------------------------------------------- the run

def run(args) -> int:
    import glassnet as gn
    from .. import datasets, optim, serialization
    from ..optim.lr_scheduler import CosineAnnealingLR, StepLR
    from ..train import EarlyStopping, TrainingInterrupted, fit, predict
    from ..train.metrics import confusion_matrix, format_confusion_matrix, predict_classes
    from ..train.models import fold_standardization, mlp

    s, out, resuming = _settings(args)
    _check_settings(s)
    t_start = time.perf_counter()
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))

    # ---- data
    kwargs = {"test_size": s["test_size"], "seed": s["seed"]}
    is_csv = str(s["data"]).lower() not in datasets.names()
    if is_csv:
        kwargs.update(label=s["label"], task=s["task"])
    elif s["label"] is not None or s["task"] != "classification":
        raise TrainCommandError("--label and --task are for CSV files")
    data = datasets.load(s["data"], **kwargs)
    standardize = s["standardize"] if s["standardize"] is not None else is_csv
    if s["model"] is not None:
        standardize = False                              # a model.gnz takes raw features
    train_data = data.standardized() if standardize else data
    classification = data.task == "classification"

    # ---- model
    gn.manual_seed(s["seed"])
    dtype = np.dtype(s["dtype"])
    if s["model"] is not None:
        model, sizes, act = _load_model(s["model"], data)
    else:
        sizes = [data.num_features, *_hidden(s["layers"]), data.num_outputs]
        act = s["activation"]
        model = mlp(sizes, act)
    model.to(dtype)
    n_params = sum(p.numel() for p in model.parameters())
    if s["optimizer"] == "sgd":
        opt = optim.SGD(model.parameters(), lr=s["lr"], momentum=s["momentum"], weight_decay=s["weight_decay"])
        opt_text = f"SGD lr {s['lr']:g}" + (f", momentum {s['momentum']:g}" if s["momentum"] else "")
    else:
        opt = optim.Adam(model.parameters(), lr=s["lr"], weight_decay=s["weight_decay"])
        opt_text = f"Adam lr {s['lr']:g}"
    if s["weight_decay"]:
        opt_text += f", weight decay {s['weight_decay']:g}"
    scheduler = None
    if s["scheduler"] == "step":
        scheduler = StepLR(opt, step_size=max(1, s["epochs"] // 3), gamma=0.5)
    elif s["scheduler"] == "cosine":
        scheduler = CosineAnnealingLR(opt, T_max=s["epochs"])
    loss_fn = gn.nn.CrossEntropyLoss() if classification else gn.nn.MSELoss()
    callbacks = [EarlyStopping("val_loss", patience=s["patience"], restore_best_weights=True)] \
        if s["patience"] is not None else []

    what = f"{data.num_classes} classes" if classification else "regression"
    say(f"data: {data.name}: {len(data.X_train)} training + {len(data.X_test)} test samples, "
        f"{data.num_features} features, {what}" + (", standardized" if standardize else ""))
    say(f"model: {' → '.join(map(str, sizes))}, {act if len(sizes) > 2 else 'no hidden layer'} "
        f"({n_params:,} parameters); {opt_text}; {s['epochs']} epochs, batch {s['batch_size']}"
        + (f", {s['scheduler']} schedule" if scheduler is not None else ""))

    if not callbacks:
        say("each epoch also reports the test set's loss and accuracy, as val_loss and val_accuracy")
    # ---- train
    os.makedirs(out, exist_ok=True)
    ckpt = os.path.join(out, "checkpoint.gnz")
    if resuming and not os.path.isfile(ckpt):
        raise TrainCommandError(f"{out}: there is no checkpoint.gnz to resume from")
    if not resuming:
        _write_config(out, s, data, sizes, act, standardize, train_data)
    train_loader = train_data.loader("train", batch_size=s["batch_size"], generator=s["seed"], dtype=dtype)
    val_loader = train_data.loader("test", batch_size=1024, dtype=dtype)
    val_name = "test"
    if callbacks:
        # Early stopping must not look at the test set: hold out 10% of the training data.
        from ..datasets import split_indices
        from ..utils.data import DataLoader, Subset
        fit_idx, val_idx = split_indices(train_data.y_train, 0.1, s["seed"], stratify=classification)
        full = train_loader.dataset
        train_loader = DataLoader(Subset(full, fit_idx.tolist()), batch_size=s["batch_size"],
                                  shuffle=True, generator=s["seed"])
        val_loader = DataLoader(Subset(full, val_idx.tolist()), batch_size=1024)
        val_name = "validation"
        say(f"early stopping: patience {s['patience']} epochs on the validation loss (val_loss, on "
            f"{len(val_idx)} training samples held out)")
    try:
        history = fit(model, loss_fn, opt, train_loader, s["epochs"], val_loader=val_loader,
                      callbacks=callbacks, scheduler=scheduler, checkpoint=ckpt,
                      checkpoint_every=s["checkpoint_every"], resume=ckpt if resuming else None,
                      progress=args.progress, verbose=not args.quiet,
                      resume_hint=f"glassnet train --resume {out}")
    except TrainingInterrupted:
        return 130
    if resuming:                                         # the epochs may have been extended
        _update_config_epochs(out, s["epochs"])

    # ---- report
    if standardize:
        fold_standardization(model, train_data.mean, train_data.std)
    out_test = predict(model, data.X_test.astype(dtype))
    print()
    if history.stopped_epoch:
        print(f"stopped early after epoch {history.stopped_epoch} (validation loss did not improve for "
              f"{s['patience']} epochs); kept the weights of the best epoch")
    if classification:
        pred = predict_classes(out_test)
        right = int((pred == data.y_test).sum())
        print(f"test accuracy: {right / len(pred):.2%} ({right} / {len(pred)})")
        if data.num_classes <= 20:
            print("confusion matrix (rows: true class, columns: predicted class):")
            print(format_confusion_matrix(confusion_matrix(data.y_test, pred, data.num_classes),
                                          data.class_names))
    else:
        err = out_test.reshape(len(data.y_test), -1) - data.y_test.reshape(len(data.y_test), -1)
        mse = float((err ** 2).mean())
        var = float(data.y_test.var())
        print(f"test MSE: {mse:.6g}" + (f", R²: {1 - mse / var:.4f}" if var > 0 else ""))

    # ---- files
    serialization.save(model.state_dict(), os.path.join(out, "model.gnz"))
    history.save(os.path.join(out, "history.json"))
    written = ["model.gnz", "config.json", "checkpoint.gnz", "history.json"]
    if not args.no_plots:
        written += _plots(out, history, model, data, val_name)
    print(f"wrote {out}/: {', '.join(written)}   ({time.perf_counter() - t_start:.1f} s)")
    return 0


def _plots(out: str, history, model, data, val_name: str) -> list[str]:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("(no plots: matplotlib is not installed; pip install 'glassnet[train]')", file=sys.stderr)
        return []
    from .. import plot
    plot.plot_history(history, os.path.join(out, "loss.png"), title=f"{data.name}", val_label=val_name)
    files = ["loss.png"]
    if data.num_features == 2 and data.task == "classification":
        units = plot.first_layer_units(model)
        lines = units is not None and len(units[0]) <= 16
        plot.plot_decision_regions(model, data.X_train, data.y_train, os.path.join(out, "regions.png"),
                                   class_names=data.class_names, feature_names=data.feature_names,
                                   title=f"{data.name}: decision regions, training points"
                                         + (" and first-layer boundaries (z = 0)" if lines else ""))
        files.append("regions.png")
    return files


def _write_config(out: str, s: dict, data, sizes, act, standardize: bool, train_data) -> None:
    cfg = {
        "format": "glassnet.run", "version": 1,
        "settings": {k: s[k] for k in DEFAULTS},
        "model": {"kind": "mlp", "sizes": list(map(int, sizes)), "activation": act, "dtype": s["dtype"],
                  "inputs": "raw features" + (" (the training standardization is folded into the "
                                              "first layer of model.gnz)" if standardize else "")},
        "data": {"name": data.name, "task": data.task, "feature_names": data.feature_names,
                 "class_names": data.class_names,
                 "mean": None if train_data.mean is None else train_data.mean.tolist(),
                 "std": None if train_data.std is None else train_data.std.tolist()},
    }
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=1)
        f.write("\n")


def _update_config_epochs(out: str, epochs: int) -> None:
    path = os.path.join(out, "config.json")
    with open(path, encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["settings"]["epochs"] = epochs
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=1)
        f.write("\n")


def _load_model(path: str, data):
    from ..train.models import load_run
    model, cfg = load_run(path)
    sizes, act = cfg["model"]["sizes"], cfg["model"]["activation"]
    if sizes[0] != data.num_features or sizes[-1] != data.num_outputs:
        raise TrainCommandError(f"{path}: the model takes {sizes[0]} inputs and gives {sizes[-1]} outputs, "
                                f"but {data.name} has {data.num_features} features and "
                                f"{data.num_outputs} {'classes' if data.class_names else 'targets'}")
    return model, sizes, act
