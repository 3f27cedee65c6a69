"""gn.summary: output shapes from a real forward pass, parameter counts, totals, the table,
and shape errors that name the layer where the shapes stop fitting."""
from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn
from glassnet.errors import ShapeError


def seed004_cnn():
    # seed 004, question 4: RGB 128×128 → 32 kernels 8×8, stride 2, zero-padding 3 → 2×2
    # non-overlapping max pooling → 64 kernels 3×3, stride 1, zero-padding 1
    return nn.Sequential(nn.Conv2d(3, 32, 8, stride=2, padding=3), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1))


def lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def test_seed004_q4_output_size_and_last_layer_parameters():
    s = gn.summary(seed004_cnn(), (3, 128, 128))
    # o = ⌊(i + 2p − k)/s⌋ + 1: (128 + 6 − 8)/2 + 1 = 64; pooling halves it: 32;
    # (32 + 2 − 3)/1 + 1 = 32
    assert [r.output_shape for r in s.rows[1:]] == [(1, 32, 64, 64), (1, 32, 32, 32),
                                                    (1, 64, 32, 32)]
    assert s.output_shape == (1, 64, 32, 32)
    assert s.output_numel == 65536                              # 4.1: 64·32·32
    last = s["2"]
    assert last.param_counts == {"weight": 18432, "bias": 64}   # 4.2: 64·32·3·3 = 18,432
    assert last.params == 18496 and last.param_shapes["weight"] == (64, 32, 3, 3)
    # first layer: 32·3·8·8 = 6,144 weights + 32 biases
    assert s["0"].params == 6176 and s["1"].params == 0
    assert s.total_params == s.trainable_params == 6176 + 18496 == 24672
    assert s.non_trainable_params == 0


def test_table_shows_shapes_counts_and_totals():
    text = str(gn.summary(seed004_cnn(), (3, 128, 128)))
    lines = text.splitlines()
    assert lines[0].split() == ["Layer", "Output", "shape", "Params", "Parameters"]
    assert lines[2].split() == ["Sequential", "(N,", "64,", "32,", "32)", "--"]
    assert "0: Conv2d(3 → 32, k=8, s=2, p=3)  (N, 32, 64, 64)   6,176  weight 32×3×8×8 = 6,144; " \
           "bias 32" in text
    assert "1: MaxPool2d(k=2)" in lines[4] and "(N, 32, 32, 32)" in lines[4]
    assert "2: Conv2d(32 → 64, k=3, p=1)" in lines[5] and "(N, 64, 32, 32)  18,496" in lines[5]
    assert "weight 64×32×3×3 = 18,432; bias 64" in lines[5]
    assert "Output: (N, 64, 32, 32), 65,536 values per sample" in text
    assert "Total params: 24,672" in text and "Non-trainable params: 0" in text


def test_lenet_counts_match_the_formula():
    s = gn.summary(lenet(), (1, 28, 28), batch_size=4)
    # conv: out·in·k² + out; linear: out·in + out
    expected = {"0": 6 * 25 + 6, "3": 16 * 6 * 25 + 16, "7": 120 * 400 + 120,
                "9": 84 * 120 + 84, "11": 10 * 84 + 10}
    assert {r.name: r.params for r in s.rows if r.params} == expected
    assert s.total_params == sum(expected.values()) == 61706
    assert s["6"].output_shape == (4, 400) and s.output_shape == (4, 10)
    assert s.input_shape == (4, 1, 28, 28)


def test_frozen_parameters_are_non_trainable_and_shared_modules_counted_once():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.ReLU(), shared, nn.Linear(4, 2))
    model[3].weight.requires_grad_(False)
    s = gn.summary(model, (4,))
    assert s.total_params == 20 + 10
    assert s.trainable_params == 20 + 2 and s.non_trainable_params == 8
    calls = [r for r in s.rows if r.type == "Linear"]
    assert [r.repeated for r in calls] == [False, True, False]
    assert "(shared)" in str(s)


def test_nested_modules_have_depth_and_dotted_names():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv1d(1, 25, 5, stride=2, padding=1), nn.ReLU())
            self.head = nn.Linear(25 * 19, 10)

        def forward(self, x):
            return self.head(self.features(x).flatten(1))
    s = gn.summary(Net(), (1, 40))
    assert [(r.name, r.depth) for r in s.rows] == [("", 0), ("features", 1), ("features.0", 2),
                                                   ("features.1", 2), ("head", 1)]
    assert s["features.0"].output_shape == (1, 25, 19)
    assert s["features"].params == 0 and s.total_params == 25 * 5 + 25 + 475 * 10 + 10


def test_summary_leaves_the_model_as_it_was():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    gn.summary(model, (3,))
    assert model.training and model[1].training
    assert not model[0]._forward_hooks and not model[0]._forward_pre_hooks
    assert model[0].weight.grad is None
    model.eval()
    gn.summary(model, (3,))
    assert not model.training


def test_dtype_follows_the_model_unless_given():
    model = nn.Sequential(nn.Conv1d(1, 2, 3)).float()
    assert gn.summary(model, (1, 8)).dtype == "float32"
    with pytest.raises(TypeError, match="float64 but weight is float32"):
        gn.summary(model, (1, 8), dtype=gn.float64)


def test_shape_error_names_the_layer_where_shapes_stop_fitting():
    with pytest.raises(ShapeError) as err:
        gn.summary(lenet(), (1, 32, 32))            # 32×32 gives 16·6·6 = 576 features, not 400
    msg = str(err.value)
    assert msg.startswith("summary: the shapes stop fitting at layer 7 (Linear(400 → 120)) for "
                          "input (N, 1, 32, 32)")
    assert "Sequential[7] Linear(400 → 120): expects input of shape (N, 400) with samples as " \
           "rows, got (1, 576)" in msg
    # the layers that ran, with their shapes, and the one that failed
    assert "6: Flatten(start_dim=1, end_dim=-1)  (N, 576)" in msg
    assert "7: Linear(400 → 120)" in msg and "✗ shapes stop fitting here" in msg


def test_wrong_channel_count_in_a_summary():
    with pytest.raises(ShapeError, match=r"stop fitting at layer 0 \(Conv2d\(3 → 32, k=8, s=2, "
                                         r"p=3\)\)(.|\n)*expects 3 input channels, got 4"):
        gn.summary(seed004_cnn(), (4, 128, 128))


def test_bad_arguments():
    with pytest.raises(TypeError, match="must be a glassnet.nn.Module"):
        gn.summary(lambda x: x, (3,))
    with pytest.raises(TypeError, match="input_size must be a tuple of ints"):
        gn.summary(seed004_cnn(), "3x128")
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        gn.summary(seed004_cnn(), (3, 128, 128), batch_size=0)


def test_to_dict_is_json_ready():
    import json
    d = json.loads(json.dumps(gn.summary(seed004_cnn(), (3, 128, 128)).to_dict()))
    assert d["output_numel"] == 65536 and d["total_params"] == 24672
    assert d["rows"][3]["param_counts"] == {"weight": 18432, "bias": 64}
    assert d["rows"][3]["output_shape"] == [1, 64, 32, 32]


def test_row_output_numel_per_sample():
    s = gn.summary(seed004_cnn(), (3, 128, 128), batch_size=2)
    assert [r.output_numel for r in s.rows[1:]] == [32 * 64 * 64, 32 * 32 * 32, 64 * 32 * 32]
    assert np.prod(s.output_shape) == 2 * 65536
