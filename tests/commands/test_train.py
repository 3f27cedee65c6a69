"""`glassnet train` and `glassnet plot` as a user runs them."""
import json

import numpy as np
import pytest

from glassnet import serialization
from glassnet.cli import main
from glassnet.train import load_run as load_run_model


def _run(capsys, *argv):
    rc = main(["train", *argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_default_run_reaches_95_percent_on_digits(tmp_path, capsys):
    rc, out, _ = _run(capsys, "--out", str(tmp_path), "--no-plots", "-q")
    assert rc == 0
    acc = float(out.split("test accuracy: ")[1].split("%")[0])
    assert acc >= 95.0
    assert "confusion matrix" in out
    # the model file holds the weights that give this accuracy
    model, cfg = load_run_model(str(tmp_path))
    assert cfg["model"]["sizes"] == [64, 64, 32, 10]
    h = json.loads((tmp_path / "history.json").read_text())
    assert h["epochs"] == list(range(1, 31)) and len(h["metrics"]["val_accuracy"]) == 30


def test_toy_run_writes_every_file(tmp_path, capsys):
    rc, out, _ = _run(capsys, "--data", "moons", "--epochs", "3", "--out", str(tmp_path))
    assert rc == 0
    assert "epoch 3/3" in out and "test accuracy" in out
    for name, min_size in [("model.gnz", 200), ("config.json", 100), ("checkpoint.gnz", 500),
                           ("history.json", 100), ("loss.png", 10_000), ("regions.png", 20_000)]:
        assert (tmp_path / name).stat().st_size > min_size, name
    assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resume_extends_a_run_to_the_weights_of_a_longer_one(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(capsys, "--data", "xor", "--epochs", "4", "--out", str(a), "--no-plots", "-q")[0] == 0
    assert _run(capsys, "--data", "xor", "--epochs", "2", "--out", str(b), "--no-plots", "-q")[0] == 0
    rc, out, _ = _run(capsys, "--resume", str(b), "--epochs", "4", "--no-plots")
    assert rc == 0 and "epoch 3/4" in out and "epoch 1/4" not in out
    wa, wb = serialization.load(a / "model.gnz"), serialization.load(b / "model.gnz")
    for k in wa:
        np.testing.assert_array_equal(wa[k].numpy(), wb[k].numpy())


def test_csv_run_standardizes_and_saves_a_raw_feature_model(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 2)) * [100.0, 0.01] + [500.0, 3.0]
    label = np.where((X[:, 0] - 500) / 100 + (X[:, 1] - 3) / 0.01 > 0, "yes", "no")
    lines = ["size,weight,answer"] + [f"{a},{b},{c}" for (a, b), c in zip(X, label)]
    csv = tmp_path / "points.csv"
    csv.write_text("\n".join(lines) + "\n")
    rc, out, _ = _run(capsys, "--data", str(csv), "--label", "answer", "--epochs", "30",
                      "--out", str(tmp_path / "run"), "--no-plots")
    assert rc == 0 and "standardized" in out
    acc = float(out.split("test accuracy: ")[1].split("%")[0])
    assert acc >= 90
    # model.gnz takes raw features: its predictions on the raw CSV values give that accuracy
    from glassnet.train import predict
    from glassnet.datasets import load_csv
    data = load_csv(csv, label="answer")
    model, _ = load_run_model(str(tmp_path / "run"))
    pred = predict(model, data.X_test).argmax(1)
    assert 100 * (pred == data.y_test).mean() == pytest.approx(acc, abs=0.01)


@pytest.mark.parametrize("argv, message", [
    (["--data", "nonexistent"], "unknown data set 'nonexistent'"),
    (["--layers", "64,x"], "--layers takes hidden sizes"),
    (["--epochs", "0"], "--epochs must be an integer ≥ 1"),
    (["--label", "y"], "--label and --task are for CSV files"),
])
def test_user_errors_exit_2_with_a_message(tmp_path, capsys, argv, message):
    rc, _, err = _run(capsys, *argv, "--out", str(tmp_path))
    assert rc == 2
    assert message in err and "Traceback" not in err


def test_bad_csv_names_the_line_and_column(tmp_path, capsys):
    csv = tmp_path / "bad.csv"
    csv.write_text("a,b,label\n1,2,x\n3,oops,y\n")
    rc, _, err = _run(capsys, "--data", str(csv), "--out", str(tmp_path / "r"))
    assert rc == 2
    assert f"{csv}, line 3, column 'b' (column 2): 'oops' is not a number" in err


def test_resume_of_a_non_run(tmp_path, capsys):
    rc, _, err = _run(capsys, "--resume", str(tmp_path))
    assert rc == 2 and "not a run directory" in err


def test_plot_command_redraws_a_run(tmp_path, capsys):
    assert _run(capsys, "--data", "blobs", "--epochs", "2", "--out", str(tmp_path / "r"), "--no-plots", "-q")[0] == 0
    assert main(["plot", str(tmp_path / "r"), "--out", str(tmp_path / "img")]) == 0
    assert (tmp_path / "img" / "loss.png").stat().st_size > 10_000
    assert (tmp_path / "img" / "regions.png").stat().st_size > 20_000
    assert main(["plot", str(tmp_path / "nothing")]) == 2
