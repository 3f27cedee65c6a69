"""fit: the loop it runs, what it records, checkpoints, exact resume, interrupts and data checks."""
import os

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn, optim, serialization
from glassnet.datasets import make_blobs, make_xor
from glassnet.errors import NonFiniteError
from glassnet.optim.lr_scheduler import StepLR
from glassnet.train import (CheckpointError, DataMismatchError, EarlyStopping, LambdaCallback,
                            TrainingInterrupted, evaluate, fit, load_checkpoint, predict)
from glassnet.utils.data import DataLoader, TensorDataset

DATA = make_xor(n_samples=120, seed=0)


def _model(seed=0, dropout=0.0):
    gn.manual_seed(seed)
    layers = [nn.Linear(2, 8), nn.ReLU()] + ([nn.Dropout(dropout)] if dropout else []) + [nn.Linear(8, 2)]
    return nn.Sequential(*layers)


def _weights(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


def _setup(seed=0, generator=None, adam=False):
    model = _model(seed, dropout=0.2)
    opt = optim.Adam(model.parameters(), lr=0.01) if adam else \
        optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    loader = DATA.loader("train", batch_size=16, generator=generator)
    return model, opt, sched, loader


def test_one_epoch_is_the_hand_written_loop():
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    fit(model, nn.CrossEntropyLoss(), opt, DATA.loader("train", batch_size=16, generator=4), epochs=2)

    ref = _model()
    ref_opt = optim.SGD(ref.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    loader = DATA.loader("train", batch_size=16, generator=4)          # same seed → same order
    for _ in range(2):
        for x, y in loader:
            ref_opt.zero_grad()
            loss_fn(ref(x), y).backward()
            ref_opt.step()
    for a, b in zip(_weights(model), _weights(ref)):
        np.testing.assert_array_equal(a, b)


def test_history_records_loss_metrics_validation_and_lr():
    model, opt, sched, loader = _setup(generator=0)
    h = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=4, val_loader=DATA.loader("test"),
            scheduler=sched)
    assert h.epochs == [1, 2, 3, 4]
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "time"}
    assert h["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05])
    assert h["loss"][-1] < h["loss"][0]
    # the recorded validation numbers are what evaluate gives for the final weights
    final = evaluate(model, nn.CrossEntropyLoss(), DATA.loader("test"))
    assert final["loss"] == pytest.approx(h["val_loss"][-1], rel=1e-12)
    assert final["accuracy"] == h["val_accuracy"][-1]


def test_training_learns_xor():
    model = _model(1)
    opt = optim.Adam(model.parameters(), lr=0.05)
    fit(model, nn.CrossEntropyLoss(), opt, DATA.loader("train", batch_size=16, generator=0), epochs=40)
    out = predict(model, DATA.X_test)
    assert (out.argmax(1) == DATA.y_test).mean() >= 0.95


@pytest.mark.parametrize("generator, adam", [(None, False), (3, True)])
def test_resume_gives_bit_identical_weights(tmp_path, generator, adam):
    ckpt = tmp_path / "ck.gnz"
    model, opt, sched, loader = _setup(generator=generator, adam=adam)
    gn.manual_seed(11)
    straight = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=5, scheduler=sched,
                   callbacks=[EarlyStopping("loss", patience=10, restore_best_weights=True)])
    expected = _weights(model)

    model, opt, sched, loader = _setup(generator=generator, adam=adam)
    gn.manual_seed(11)
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2, scheduler=sched, checkpoint=ckpt,
        callbacks=[EarlyStopping("loss", patience=10, restore_best_weights=True)])
    assert load_checkpoint(ckpt)["epoch"] == 2

    model, opt, sched, loader = _setup(seed=99, generator=generator, adam=adam)   # other init
    gn.manual_seed(12345)                                                           # other RNG
    resumed = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=5, scheduler=sched,
                  checkpoint=ckpt, resume=True,
                  callbacks=[EarlyStopping("loss", patience=10, restore_best_weights=True)])
    for a, b in zip(expected, _weights(model)):
        np.testing.assert_array_equal(a, b)
    assert resumed["loss"] == straight["loss"] and resumed.epochs == [1, 2, 3, 4, 5]


def test_checkpoint_every_n_epochs(tmp_path):
    ckpt = tmp_path / "run" / "ck.gnz"
    seen = []
    model, opt, _, loader = _setup(generator=0)
    spy = LambdaCallback(on_epoch_begin=lambda s: seen.append(load_checkpoint(ckpt)["epoch"]
                                                              if ckpt.exists() else None))
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=5, checkpoint=ckpt, checkpoint_every=2,
        callbacks=[spy])
    assert seen == [None, None, 2, 2, 4]
    assert load_checkpoint(ckpt)["epoch"] == 5          # and always after the last epoch
    assert [f for f in os.listdir(ckpt.parent)] == ["ck.gnz"]   # no temporary files left


def test_ctrl_c_keeps_the_last_checkpoint_and_says_how_to_resume(tmp_path, capsys):
    ckpt = tmp_path / "ck.gnz"

    def interrupt(state, batch, logs):
        if state.epoch == 3 and batch == 2:
            raise KeyboardInterrupt

    model, opt, sched, loader = _setup(generator=5)
    with pytest.raises(TrainingInterrupted) as info:
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=4, scheduler=sched, checkpoint=ckpt,
            callbacks=[LambdaCallback(on_batch_end=interrupt)])
    assert isinstance(info.value, KeyboardInterrupt)
    assert info.value.epoch == 2 and info.value.checkpoint == str(ckpt)
    err = capsys.readouterr().err
    assert "interrupted in epoch 3 of 4" in err and "checkpoint of epoch 2 is intact" in err
    assert "Resume with: fit(" in err

    # resuming from it reaches the weights of an uninterrupted run
    model, opt, sched, loader = _setup(seed=1, generator=5)
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=4, scheduler=sched, checkpoint=ckpt, resume=True,
        callbacks=[LambdaCallback()])
    resumed = _weights(model)
    model, opt, sched, loader = _setup(generator=5)
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=4, scheduler=sched, callbacks=[LambdaCallback()])
    for a, b in zip(resumed, _weights(model)):
        np.testing.assert_array_equal(a, b)


def test_interrupt_while_writing_a_checkpoint_leaves_the_old_one(tmp_path, monkeypatch):
    ckpt = tmp_path / "ck.gnz"
    model, opt, _, loader = _setup(generator=0)
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, checkpoint=ckpt)
    before = ckpt.read_bytes()

    def interrupted_replace(src, dst):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", interrupted_replace)
    with pytest.raises(TrainingInterrupted):
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=3, checkpoint=ckpt, resume=True)
    monkeypatch.undo()
    assert ckpt.read_bytes() == before
    assert load_checkpoint(ckpt)["epoch"] == 1
    assert sorted(os.listdir(tmp_path)) == ["ck.gnz"]


def test_early_stopping_counts_epochs_without_improvement():
    values = iter([1.0, 0.5, 0.6, 0.7, 0.4, 0.3])
    stop = EarlyStopping("loss", patience=2)

    class State:
        epoch, stop_training = 0, False

    s = State()
    for epoch in range(1, 7):
        s.epoch = epoch
        stop.on_epoch_end(s, {"loss": next(values)})
        if s.stop_training:
            break
    assert (s.epoch, stop.best, stop.best_epoch) == (4, 0.5, 2)


def test_early_stopping_restores_best_weights():
    model, opt, _, loader = _setup(generator=0)
    snapshots = []
    cb = EarlyStopping("val_loss", patience=0, restore_best_weights=True)
    # a learning rate so large that the validation loss gets worse at some point
    for g in opt.param_groups:
        g["lr"] = 3.0
    h = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=30, val_loader=DATA.loader("test"),
            callbacks=[LambdaCallback(on_epoch_end=lambda s, logs: snapshots.append(_weights(s.model))), cb])
    assert h.stopped_epoch == len(h.epochs) < 30
    best = int(np.argmin(h["val_loss"]))
    for a, b in zip(_weights(model), snapshots[best]):
        np.testing.assert_array_equal(a, b)


def test_labels_beyond_the_outputs_are_caught_before_training():
    d = make_blobs(n_samples=60, centers=3)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    before = _weights(model)
    with pytest.raises(DataMismatchError, match=r"labels go up to 2 \(3 classes\), but the model has 2 "
                                                 r"outputs: its last layer needs 3 outputs"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            d.loader("train", batch_size=8), epochs=1)
    for a, b in zip(before, _weights(model)):
        np.testing.assert_array_equal(a, b)


def test_features_that_do_not_fit_the_model():
    model = nn.Sequential(nn.Linear(3, 2))
    with pytest.raises(DataMismatchError, match=r"each sample has shape \(2,\) \(2 features\).*Linear\(3 → 2\)"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            DATA.loader("train"), epochs=1)


@pytest.mark.parametrize("loss, y, message", [
    (nn.MSELoss(), np.zeros(8), r"shape \(1,\) per sample and the targets have shape \(\).*reshape\(-1, 1\)"),
    (nn.BCEWithLogitsLoss(), np.full((8, 1), 2.0), r"targets in \[0, 1\]"),
    (nn.CrossEntropyLoss(), np.zeros(8), "needs integer class labels"),
])
def test_targets_that_do_not_fit_the_loss(loss, y, message):
    model = nn.Linear(2, 1)
    loader = DataLoader(TensorDataset(gn.zeros(8, 2), gn.tensor(y)), batch_size=4)
    with pytest.raises(DataMismatchError, match=message):
        fit(model, loss, optim.SGD(model.parameters(), lr=0.1), loader, epochs=1)


def test_regression_with_mse_and_a_float32_model():
    gn.manual_seed(0)
    X = np.random.default_rng(0).standard_normal((64, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.25
    model = nn.Linear(3, 1).float()
    loader = DataLoader(TensorDataset(gn.tensor(X), gn.tensor(y)), batch_size=16, shuffle=True, generator=0)
    h = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), loader, epochs=40, metrics=["mae"])
    assert set(h) == {"loss", "mae", "lr", "time"}
    assert h["loss"][-1] < 1e-6
    np.testing.assert_allclose(model.weight.detach().numpy(), [[1.0, -2.0, 0.5]], atol=1e-3)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverging_run_says_where():
    model = _model()
    with pytest.raises(NonFiniteError, match=r"epoch 1, batch \d+: the loss is"):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e6),
            DataLoader(TensorDataset(gn.tensor(DATA.X_train), gn.tensor(np.eye(2)[DATA.y_train] * 1e3)),
                       batch_size=8), epochs=3)


def test_resume_errors(tmp_path):
    model, opt, _, loader = _setup(generator=0)
    with pytest.raises(CheckpointError, match="no checkpoint there"):
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, resume=tmp_path / "none.gnz")
    serialization.save(model.state_dict(), tmp_path / "model.gnz")
    with pytest.raises(CheckpointError, match="not a glassnet training checkpoint"):
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, resume=tmp_path / "model.gnz")
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, checkpoint=tmp_path / "ck.gnz")
    bigger = nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 2))
    with pytest.raises(CheckpointError, match="(?s)do not fit this model.*size mismatch"):
        fit(bigger, nn.CrossEntropyLoss(), optim.SGD(bigger.parameters(), lr=0.1), loader, epochs=2,
            resume=tmp_path / "ck.gnz")
