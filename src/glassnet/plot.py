"""Plots: training curves, and for models of two inputs the decision regions with each
first-layer unit's boundary line (seed 000 §3.2).

Every function returns a matplotlib ``Figure`` (built without pyplot, so it works with no
display and leaves pyplot's state alone; in Jupyter the figure shows as a cell's value)
and writes it to ``path`` when one is given. Needs matplotlib (``glassnet[train]``).

    glassnet.plot.plot_history(history, "loss.png")
    glassnet.plot.plot_decision_regions(model, X, y, "regions.png", class_names=["a", "b"])
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from .errors import GlassnetError
from .tensor import Tensor

__all__ = ["plot_history", "plot_decision_regions", "plot_unit_boundaries", "first_layer_units"]

# Light fills for class regions, strong colours for the points of the same class.
_REGION_COLORS = ["#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2",
                  "#c7c7c7", "#dbdb8d", "#9edae5"]
_POINT_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf"]
_UNIT_COLORS = ["#222222", "#7b3294", "#008837", "#b35806", "#0571b0", "#ca0020", "#01665e", "#8c510a"]


def _figure(figsize):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise GlassnetError("plots need matplotlib: pip install 'glassnet[train]' (or matplotlib)") from None
    return Figure(figsize=figsize, layout="constrained")


def _save(fig, path) -> None:
    if path is not None:
        path = os.fspath(path)
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        fig.savefig(path, dpi=120)


def _history_dict(history) -> tuple[list[int], dict[str, list[float]]]:
    if hasattr(history, "epochs") and isinstance(history, Mapping):
        return list(history.epochs), {k: list(history[k]) for k in history}
    if isinstance(history, Mapping) and "metrics" in history:        # history.json
        return list(history["epochs"]), {k: [np.nan if v is None else v for v in vals]
                                          for k, vals in history["metrics"].items()}
    if isinstance(history, Mapping):                                 # {"loss": [...], ...}
        n = max(len(v) for v in history.values())
        return list(range(1, n + 1)), {k: list(v) for k, v in history.items()}
    raise TypeError(f"history must be a History or a dict of lists, got {type(history).__name__}")


def plot_history(history, path: str | os.PathLike | None = None, title: str | None = None,
                 val_label: str = "validation"):
    """Loss per epoch (training and validation) and, when recorded, accuracy (or the other
    metrics) beside it.

    Args:
        history: what ``glassnet.train.fit`` returned, or its ``history.json`` as a dict.
        path: where to write the image (PNG, SVG, PDF by extension), or None.
        title: a title over the figure.
        val_label: the legend name of the ``val_*`` curves ("test" when they are the test set).
    """
    epochs, data = _history_dict(history)
    metrics = [k for k in data if not k.startswith("val_") and k not in ("loss", "lr", "time")]
    panels = ["loss"] + metrics[:2]
    fig = _figure((5.2 * len(panels), 3.8))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, key in zip(axes, panels):
        for prefix, style, label in (("", "-", "training"), ("val_", "--", val_label)):
            values = data.get(prefix + key)
            if values is None or all(np.isnan(v) for v in values):
                continue
            ax.plot(epochs[:len(values)], values, style, marker="o" if len(values) <= 30 else None,
                    markersize=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.set_title(key)
        ax.grid(True, alpha=0.3)
        if key == "loss" and all(v > 0 for v in data["loss"] if not np.isnan(v)):
            lo, hi = np.nanmin(data["loss"]), np.nanmax(data["loss"])
            if hi / max(lo, 1e-300) > 50:
                ax.set_yscale("log")
        if "acc" in key:
            ax.yaxis.set_major_formatter(_percent())
        ax.legend()
    if title:
        fig.suptitle(title)
    _save(fig, path)
    return fig


def _percent():
    from matplotlib.ticker import PercentFormatter
    return PercentFormatter(xmax=1.0, decimals=0)


def first_layer_units(model) -> tuple[np.ndarray, np.ndarray, str | None] | None:
    """(W, b, activation name) of the model's first layer when it is a Linear of 2 inputs.

    W is (units, 2) as in ``Linear.weight``; the activation is the name of the module right
    after it in a Sequential (e.g. "ReLU"), or None.
    """
    from .nn import Linear, Sequential
    layers = list(model) if isinstance(model, Sequential) else [model]
    while layers and isinstance(layers[0], Sequential):
        layers = list(layers[0]) + layers[1:]
    if not layers or not isinstance(layers[0], Linear) or layers[0].in_features != 2:
        return None
    lin = layers[0]
    W = lin.weight.detach().numpy().astype(float)
    b = lin.bias.detach().numpy().astype(float) if lin.bias is not None else np.zeros(len(W))
    act = type(layers[1]).__name__ if len(layers) > 1 else None
    return W, b, act


def _clip_line(w: np.ndarray, b: float, box: tuple[float, float, float, float]):
    """The segment of the line w·x + b = 0 inside box (x0, x1, y0, y1), or None."""
    x0, x1, y0, y1 = box
    pts = []
    if abs(w[1]) > 1e-12:                                  # crosses the left and right edges
        for x in (x0, x1):
            y = -(w[0] * x + b) / w[1]
            if y0 - 1e-9 <= y <= y1 + 1e-9:
                pts.append((x, y))
    if abs(w[0]) > 1e-12:                                  # crosses the bottom and top edges
        for y in (y0, y1):
            x = -(w[1] * y + b) / w[0]
            if x0 - 1e-9 <= x <= x1 + 1e-9:
                pts.append((x, y))
    if len(pts) < 2:
        return None
    pts = np.array(pts)
    # The two points farthest apart (corners can be found twice).
    d = ((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1)
    i, j = np.unravel_index(d.argmax(), d.shape)
    return pts[i], pts[j]


def plot_unit_boundaries(ax, weight, bias, activation: str | None = None, names: Sequence[str] | None = None,
                         box: tuple[float, float, float, float] | None = None) -> int:
    """Draw each unit's boundary line w·x + b = 0 on ``ax``, its positive side marked "+"
    with an arrow along w (the other side "0" after a ReLU, "−" otherwise).

    Args:
        ax: a matplotlib Axes with x₁ horizontal and x₂ vertical.
        weight: (units, 2), one row per unit (``Linear.weight``; the seeds' row notation is its
            transpose).
        bias: (units,).
        activation: the activation that follows ("ReLU" labels the off side 0).
        names: a label per unit (default h1, h2, …).
        box: (x0, x1, y0, y1) to draw in (default: the axes' current limits).
    Returns the number of lines that cross the box.
    
    """
    W = np.asarray(weight._data if isinstance(weight, Tensor) else weight, dtype=float)
    b = np.asarray(bias._data if isinstance(bias, Tensor) else bias, dtype=float).reshape(-1)
    if W.ndim != 2 or W.shape[1] != 2 or len(b) != len(W):
        raise ValueError(f"plot_unit_boundaries needs weight (units, 2) and bias (units,), got "
                         f"{W.shape} and {b.shape}")
    if box is None:
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    else:
        x0, x1, y0, y1 = box
    span = np.array([x1 - x0, y1 - y0])
    off_side = "0" if activation in ("ReLU", "relu", "Step", "step") else "−"
    drawn = 0
    for j, (w, bj) in enumerate(zip(W, b)):
        name = names[j] if names is not None else f"h{j + 1}"
        seg = _clip_line(w, bj, (x0, x1, y0, y1))
        if seg is None or np.allclose(w, 0):
            continue
        drawn += 1
        color = _UNIT_COLORS[j % len(_UNIT_COLORS)]
        (ax_, ay), (bx, by) = seg
        ax.plot([ax_, bx], [ay, by], "--", color=color, linewidth=1.4, zorder=3)
        # The normal w in screen-proportional units, so the marks sit at the same visual distance.
        unit_n = w / span
        unit_n = unit_n / np.linalg.norm(unit_n) * span
        # Spread the marks along the lines, at a place where both side marks are inside the box
        # (closer to the line if it runs near an edge).
        t0 = 0.35 + 0.3 * ((j * 0.618) % 1)
        mid, n = np.array([ax_ + t0 * (bx - ax_), ay + t0 * (by - ay)]), unit_n * 0.06
        for scale in (0.06, 0.035, 0.02, 0.012):
            for t in [t0] + list(np.linspace(0.1, 0.9, 17)):
                m = np.array([ax_ + t * (bx - ax_), ay + t * (by - ay)])
                if all(x0 <= p[0] <= x1 and y0 <= p[1] <= y1
                       for p in (m + 1.6 * scale * unit_n, m - 1.1 * scale * unit_n)):
                    mid, n = m, unit_n * scale
                    break
            else:
                continue
            break
        ax.annotate("", xy=mid + n, xytext=mid, zorder=4, annotation_clip=True,
                    arrowprops=dict(arrowstyle="->", color=color, linewidth=1.2))
        ax.text(*(mid + 1.45 * n), "+", color=color, ha="center", va="center", fontsize=12,
                fontweight="bold", zorder=4, clip_on=True)
        ax.text(*(mid - 0.9 * n), off_side, color=color, ha="center", va="center", fontsize=10,
                zorder=4, clip_on=True)
        ax.text(*mid, name, color=color, fontsize=8, ha="center", va="center", zorder=5,
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor=color,
                          linewidth=0.6, alpha=0.9))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return drawn


def plot_decision_regions(model, X, y=None, path: str | os.PathLike | None = None,
                          class_names: Sequence[str] | None = None, units: bool = True,
                          resolution: int = 300, title: str | None = None, margin: float = 0.15,
                          threshold: float | None = None, feature_names: Sequence[str] | None = None,
                          max_units: int = 16):
    """The class the model predicts at every point of the plane, the points (X, y) on top,
    and (``units``) each first-layer unit's boundary line w·x + b = 0 with its positive side.

    Args:
        model: a model of 2 inputs; its predicted class is the argmax of its outputs, or for a
            single output whether it exceeds ``threshold`` (default 0, or 0.5 after a Sigmoid).
        X: (N, 2) points to show; y: their classes (int), or None.
        path: where to write the image, or None.
        class_names: a legend name per class.
        units: draw the first layer's boundary lines when it is a Linear of 2 inputs with at
            most ``max_units`` units (more lines hide the picture).
        resolution: grid points along each axis.
        margin: extra room around the points, as a fraction of their range.
        feature_names: the axes' labels (default x₁, x₂).
    """
    from .train.loop import predict
    from .train.metrics import predict_classes
    from .nn import Sequential, Sigmoid
    X = np.asarray(X._data if isinstance(X, Tensor) else X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_regions draws models of 2 inputs; X has shape {X.shape}")
    y = None if y is None else np.asarray(y._data if isinstance(y, Tensor) else y).reshape(-1)
    lo, hi = X.min(0), X.max(0)
    pad = np.maximum((hi - lo) * margin, 0.5)
    x0, y0 = lo - pad
    x1, y1 = hi + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    out = predict(model, grid.astype(_dtype_of(model)), batch_size=8192)
    if threshold is None:
        last = list(model)[-1] if isinstance(model, Sequential) and len(model) else None
        threshold = 0.5 if isinstance(last, Sigmoid) else 0.0
    zz = predict_classes(out, threshold).reshape(gx.shape)
    k = int(max(zz.max(), (y.max() if y is not None and y.size else 0))) + 1
    if class_names is not None:
        k = max(k, len(class_names))

    from matplotlib.colors import ListedColormap
    fig = _figure((6.4, 5.6))
    ax = fig.add_subplot()
    cmap = ListedColormap([_REGION_COLORS[i % len(_REGION_COLORS)] for i in range(k)])
    ax.imshow(zz, origin="lower", extent=(x0, x1, y0, y1), cmap=cmap, vmin=-0.5, vmax=k - 0.5,
              aspect="auto", interpolation="nearest", zorder=0)
    ax.contour(gx, gy, zz, levels=np.arange(k) + 0.5, colors="k", linewidths=0.8, zorder=1)
    if y is not None:
        for c in range(k):
            sel = y == c
            if sel.any():
                label = class_names[c] if class_names is not None and c < len(class_names) else f"class {c}"
                ax.scatter(X[sel, 0], X[sel, 1], s=14, color=_POINT_COLORS[c % len(_POINT_COLORS)],
                           edgecolors="white", linewidths=0.4, label=label, zorder=2)
    else:
        ax.scatter(X[:, 0], X[:, 1], s=12, color="k", zorder=2)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    drawn = 0
    if units:
        found = first_layer_units(model)
        if found is not None and len(found[0]) <= max_units:
            W, b, act = found
            drawn = plot_unit_boundaries(ax, W, b, act, box=(x0, x1, y0, y1))
    names = list(feature_names) if feature_names is not None else ["$x_1$", "$x_2$"]
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(title or "decision regions" + (" and first-layer unit boundaries (z = 0)" if drawn else ""),
                 fontsize=10)
    if y is not None:
        ax.legend(loc="upper right", fontsize=8, framealpha=0.85)
    _save(fig, path)
    return fig


def _dtype_of(model):
    for p in model.parameters():
        return p.dtype
    return np.float64
