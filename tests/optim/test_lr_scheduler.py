"""Learning-rate schedules: the same numbers as torch.optim.lr_scheduler, bit for bit."""
import pytest
import torch

import glassnet as gn
from glassnet import serialization
from glassnet.optim import SGD
from glassnet.optim import lr_scheduler as ours
from torch.optim import lr_scheduler as theirs

CASES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
]


def _pair(name, kwargs):
    g = SGD([{"params": [gn.zeros(2, requires_grad=True)], "lr": 0.1},
             {"params": [gn.zeros(1, requires_grad=True)], "lr": 0.05}], lr=0.1, momentum=0.9)
    t = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": 0.1},
                         {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.05}], lr=0.1, momentum=0.9)
    return g, getattr(ours, name)(g, **kwargs), t, getattr(theirs, name)(t, **kwargs)


@pytest.mark.parametrize("name, kwargs", CASES)
def test_schedule_equals_torch(name, kwargs):
    g, gs, t, ts = _pair(name, kwargs)
    assert gs.get_last_lr() == ts.get_last_lr()
    for _ in range(25):                     # past T_max: the cosine climbs back up
        t.step()
        gs.step()
        ts.step()
        assert gs.get_last_lr() == ts.get_last_lr()
        assert [grp["lr"] for grp in g.param_groups] == [grp["lr"] for grp in t.param_groups]


def test_step_lr_values():
    g, gs, _, _ = _pair("StepLR", {"step_size": 2, "gamma": 0.1})
    lrs = []
    for _ in range(5):
        lrs.append(gs.get_last_lr()[0])
        gs.step()
    assert lrs == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001], rel=1e-12)


@pytest.mark.parametrize("name, kwargs", CASES)
def test_state_dict_round_trip_continues_the_schedule(name, kwargs, tmp_path):
    g, gs, _, _ = _pair(name, kwargs)
    for _ in range(4):
        gs.step()
    serialization.save({"opt": g.state_dict(), "sched": gs.state_dict()}, tmp_path / "s.gnz")
    expected = []
    for _ in range(6):
        gs.step()
        expected.append(gs.get_last_lr())

    g2, gs2, _, _ = _pair(name, kwargs)
    saved = serialization.load(tmp_path / "s.gnz")
    g2.load_state_dict(saved["opt"])
    gs2.load_state_dict(saved["sched"])
    got = []
    for _ in range(6):
        gs2.step()
        got.append(gs2.get_last_lr())
    assert got == expected


def test_bad_arguments():
    g, *_ = _pair("StepLR", {"step_size": 1})
    with pytest.raises(ValueError, match="step_size must be an integer ≥ 1, got 0"):
        ours.StepLR(g, step_size=0)
    with pytest.raises(TypeError, match="not an Optimizer"):
        ours.StepLR([1, 2], step_size=1)
