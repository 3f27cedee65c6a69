"""``glassnet plot RUN``: draw a run of ``glassnet train`` again — the training curves from
its history.json and, for 2-D data, the decision regions with the training points and the
boundary line of each first-layer unit (seed 000 §3.2)."""
from __future__ import annotations

import json
import os

from ..errors import GlassnetError


class PlotCommandError(GlassnetError, ValueError):
    """A path that is not a run directory or history file."""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "plot", help="draw the loss curves and decision regions of a glassnet train run",
        description="Draw loss.png (from history.json) and, when the data has 2 features, "
                    "regions.png (decision regions, training points, and each first-layer unit's "
                    "line w·x + b = 0 with its positive side marked) for a run of glassnet train.")
    p.add_argument("run", metavar="RUN", help="a run directory (runs/moons) or a history.json")
    p.add_argument("--out", metavar="DIR", help="where to write the images (default: the run directory)")
    p.add_argument("--no-units", action="store_true", help="leave out the first-layer boundary lines")
    p.add_argument("--test", action="store_true", help="show the test points instead of the training points")
    p.set_defaults(func=run)


def run(args) -> int:
    from .. import datasets, plot
    from ..train import History
    from ..train.models import load_run as load_run_model

    path = args.run
    if os.path.isdir(path):
        run_dir, history_file = path, os.path.join(path, "history.json")
    elif os.path.isfile(path) and path.endswith(".json"):
        run_dir, history_file = os.path.dirname(path) or ".", path
    else:
        raise PlotCommandError(f"{path}: not a run directory of glassnet train or a history.json")
    out = args.out or run_dir
    os.makedirs(out, exist_ok=True)
    written = []
    if os.path.isfile(history_file):
        try:
            history = History.load(history_file)
        except (ValueError, KeyError) as exc:
            raise PlotCommandError(f"{history_file}: not a history written by glassnet ({exc})") from None
        plot.plot_history(history, os.path.join(out, "loss.png"))
        written.append("loss.png")
    cfg_file = os.path.join(run_dir, "config.json")
    if os.path.isfile(cfg_file) and os.path.isfile(os.path.join(run_dir, "model.gnz")):
        with open(cfg_file, encoding="utf-8") as f:
            cfg = json.load(f)
        if cfg["model"]["sizes"][0] == 2 and cfg["data"]["task"] == "classification":
            s = cfg["settings"]
            kwargs = {"test_size": s["test_size"], "seed": s["seed"]}
            if str(s["data"]).lower() not in datasets.names():
                kwargs.update(label=s["label"], task=s["task"])
            data = datasets.load(s["data"], **kwargs)
            model, _ = load_run_model(run_dir)
            X, y = (data.X_test, data.y_test) if args.test else (data.X_train, data.y_train)
            found = plot.first_layer_units(model)
            lines = not args.no_units and found is not None and len(found[0]) <= 16
            plot.plot_decision_regions(model, X, y, os.path.join(out, "regions.png"),
                                       class_names=data.class_names, units=lines,
                                       feature_names=data.feature_names,
                                       title=f"{data.name}: decision regions, "
                                             f"{'test' if args.test else 'training'} points"
                                             + (" and first-layer boundaries (z = 0)" if lines else ""))
            written.append("regions.png")
    if not written:
        raise PlotCommandError(f"{path}: found neither a history.json nor a model with its config.json")
    print(f"wrote {out}/: {', '.join(written)}")
    return 0
