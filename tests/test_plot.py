"""Plots: files written, and the geometry of the unit boundary lines (seed 000 §3.2)."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

import glassnet as gn
from glassnet import nn
from glassnet.plot import (_clip_line, first_layer_units, plot_decision_regions, plot_history,
                           plot_unit_boundaries)
from glassnet.train import History


def seed000_network():
    """Seed 000 §3: W¹ (rows notation, 2 × 4) = [[1, 0, −1, 0], [0, 1, 0, −1]], W¹₀ = −1;
    W² = [[1, −1]] × 4, W²₀ = [0, 2]. Linear.weight is the transpose."""
    m = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    m[0].weight.data = np.array([[1.0, 0, -1, 0], [0, 1, 0, -1]]).T.copy()
    m[0].bias.data = np.full(4, -1.0)
    m[2].weight.data = np.array([[1.0, 1, 1, 1], [-1.0, -1, -1, -1]])
    m[2].bias.data = np.array([0.0, 2.0])
    return m


def test_history_plot_writes_a_png(tmp_path):
    h = History()
    for e, (l, a) in enumerate([(1.0, 0.5), (0.5, 0.7), (0.25, 0.9)], 1):
        h.append(e, {"loss": l, "accuracy": a, "val_loss": l + 0.1, "val_accuracy": a - 0.1, "lr": 0.1})
    fig = plot_history(h, tmp_path / "loss.png")
    assert len(fig.axes) == 2                                  # loss and accuracy
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]        # training and validation
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), [1.0, 0.5, 0.25])
    data = (tmp_path / "loss.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_history_plot_from_json_dict_without_metrics():
    fig = plot_history({"epochs": [1, 2], "metrics": {"loss": [2.0, None]}})
    assert len(fig.axes) == 1


def test_clip_line_to_a_box():
    # x1 − 1 = 0 in [−2, 2]²: the vertical segment from (1, −2) to (1, 2)
    a, b = _clip_line(np.array([1.0, 0.0]), -1.0, (-2, 2, -2, 2))
    assert sorted([tuple(a), tuple(b)]) == [(1.0, -2.0), (1.0, 2.0)]
    assert _clip_line(np.array([1.0, 0.0]), -5.0, (-2, 2, -2, 2)) is None      # x1 = 5: outside
    a, b = _clip_line(np.array([1.0, 1.0]), 0.0, (-1, 1, -1, 1))                # the diagonal
    assert sorted([tuple(a), tuple(b)]) == [(-1.0, 1.0), (1.0, -1.0)]


def test_seed000_unit_lines_and_their_sides():
    m = seed000_network()
    W, b, act = first_layer_units(m)
    assert act == "ReLU" and W.shape == (4, 2)
    from matplotlib.figure import Figure
    ax = Figure().add_subplot()
    assert plot_unit_boundaries(ax, W, b, act, box=(-4, 4, -4, 4)) == 4
    lines = [l for l in ax.lines]
    assert len(lines) == 4
    # unit 1: z = x1 − 1, the line x1 = 1
    np.testing.assert_allclose(lines[0].get_xdata(), [1.0, 1.0])
    # every "+" sits where that unit's z > 0, every "0" where z < 0
    marks = [t for t in ax.texts if t.get_text() in ("+", "0")]
    assert len(marks) == 8
    for j in range(4):
        plus, zero = marks[2 * j], marks[2 * j + 1]
        assert plus.get_text() == "+" and zero.get_text() == "0"
        z = lambda p: W[j] @ np.asarray(p) + b[j]
        assert z(plus.get_position()) > 0 > z(zero.get_position())


def test_seed000_regions(tmp_path):
    """Class 2 wins where Σ f(z) < 1 (seed 000 §3.3), e.g. at (0.5, 0.5); class 1 at (3, 14)."""
    m = seed000_network()
    X = np.array([[3.0, 14.0], [0.5, 0.5], [0.0, 2.0], [-3.0, 0.5]])
    y = np.array([0, 1, 1, 0])
    fig = plot_decision_regions(m, X, y, tmp_path / "regions.png", class_names=["class 1", "class 2"])
    ax = fig.axes[0]
    grid = ax.images[0].get_array()
    x0, x1, y0, y1 = ax.images[0].get_extent()
    def region_at(p):
        i = int((p[1] - y0) / (y1 - y0) * (grid.shape[0] - 1) + 0.5)
        j = int((p[0] - x0) / (x1 - x0) * (grid.shape[1] - 1) + 0.5)
        return grid[i, j]
    assert region_at((0.5, 0.5)) == 1 and region_at((3.0, 14.0)) == 0 and region_at((-3.0, 10.0)) == 0
    assert (tmp_path / "regions.png").stat().st_size > 20_000


def test_regions_need_two_inputs():
    with pytest.raises(ValueError, match="2 inputs; X has shape"):
        plot_decision_regions(nn.Linear(3, 2), np.zeros((4, 3)))
