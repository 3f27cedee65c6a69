"""`glassnet summary` as a user runs it: YAML and JSON architecture specs, saved weights, a
state_dict alone, and errors printed without a traceback."""
from __future__ import annotations

import json

import pytest

import glassnet as gn
import glassnet.nn as nn
from glassnet.cli import main

SEED004_YAML = """\
# seed 004, question 4
input: [3, 128, 128]
layers:
  - Conv2d: [3, 32, 8, {stride: 2, padding: 3}]
  - MaxPool2d: 2
  - Conv2d: [32, 64, 3, {padding: 1}]
"""


def _run(capsys, *argv):
    rc = main(["summary", *map(str, argv)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _seed004_model():
    return nn.Sequential(nn.Conv2d(3, 32, 8, stride=2, padding=3), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1))


def test_yaml_spec_answers_seed004_q4(tmp_path, capsys):
    pytest.importorskip("yaml")
    spec = tmp_path / "cnn.yaml"
    spec.write_text(SEED004_YAML)
    rc, out, err = _run(capsys, spec)
    assert rc == 0 and err == ""
    assert "2: Conv2d(32 → 64, k=3, p=1)" in out
    assert "(N, 64, 32, 32)  18,496  weight 64×32×3×3 = 18,432; bias 64" in out
    assert "Output: (N, 64, 32, 32), 65,536 values per sample" in out
    assert "Total params: 24,672" in out


def test_json_spec_with_input_option_and_json_output(tmp_path, capsys):
    spec = tmp_path / "cnn.json"
    spec.write_text(json.dumps([{"Conv2d": [3, 32, 8, {"stride": 2, "padding": 3}]},
                                {"max_pool2d": [2]}, {"conv2d": {"in_channels": 32,
                                                                "out_channels": 64,
                                                                "kernel_size": [3, 3],
                                                                "padding": 1}}]))
    rc, out, _ = _run(capsys, spec, "--input", "3x128x128", "--json")
    assert rc == 0
    d = json.loads(out)
    assert d["output_shape"] == [1, 64, 32, 32] and d["output_numel"] == 65536
    assert d["rows"][-1]["param_counts"] == {"weight": 18432, "bias": 64}


def test_weights_file_is_checked_against_the_spec(tmp_path, capsys):
    spec = tmp_path / "cnn.json"
    spec.write_text(json.dumps({"input": "3,128,128", "layers": [
        {"Conv2d": [3, 32, 8, {"stride": 2, "padding": 3}]}, {"MaxPool2d": 2},
        {"Conv2d": [32, 64, 3, {"padding": 1}]}]}))
    gn.save(_seed004_model().state_dict(), str(tmp_path / "model.gnz"))
    rc, out, _ = _run(capsys, spec, "--weights", tmp_path / "model.gnz")
    assert rc == 0 and "Total params: 24,672" in out
    # the same through the model file, with the spec as --arch
    rc, out2, _ = _run(capsys, tmp_path / "model.gnz", "--arch", spec)
    assert rc == 0 and out2 == out
    # weights of another architecture
    other = nn.Sequential(nn.Conv2d(3, 32, 5))
    gn.save(other.state_dict(), str(tmp_path / "other.gnz"))
    rc, out, err = _run(capsys, spec, "--weights", tmp_path / "other.gnz")
    assert rc == 2 and out == ""
    assert "the weights do not fit the architecture" in err
    assert "size mismatch for 0.weight" in err and "Traceback" not in err


def test_state_dict_alone_lists_names_shapes_and_total(tmp_path, capsys):
    gn.save(_seed004_model().state_dict(), str(tmp_path / "model.gnz"))
    rc, out, _ = _run(capsys, tmp_path / "model.gnz")
    assert rc == 0
    assert "holds no architecture" in out
    assert [line.split() for line in out.splitlines() if line.startswith("2.")] == \
        [["2.weight", "64×32×3×3", "18,432"], ["2.bias", "64", "64"]]
    assert "Total: 24,672 values in 4 tensors" in out


def test_mlp_spec_needs_no_input_size(tmp_path, capsys):
    spec = tmp_path / "mlp.json"
    spec.write_text('[{"linear": [40, 100]}, "relu", {"Linear": [100, 10]}]')
    rc, out, _ = _run(capsys, spec)
    assert rc == 0
    assert "Input: (N, 40)" in out and "Total params: 5,110" in out   # 40·100 + 100 + 100·10 + 10


@pytest.mark.parametrize("spec, argv, message", [
    ('[{"Conv3d": [3, 32, 9]}]', ["--input", "3,8,8,8"], "layer 0: unknown layer 'Conv3d'; choose one of"),
    ('[{"Conv2d": [3, 32, 9, {"groups": 2}]}]', ["--input", "3,32,32"],
     "layer 0: Conv2d(3, 32, 9, groups=2): in_channels must be divisible by groups"),
    ('[{"Conv2d": [3, 32, 9]}]', [], "give the shape of one sample with --input"),
    ('[{"Conv2d": [3, 32, 9]}]', ["--input", "3,a"], "--input: expected the shape of one sample"),
    ('{"layer": []}', [], "unknown key(s) ['layer']"),
    ('[{"Conv2d": [3, 32, 9]}', [], "line 1: not valid JSON"),
    ('[{"Conv2d": [3, 32, 3]}, {"Conv2d": [16, 8, 3]}]', ["--input", "3,16,16"],
     "shapes stop fitting at layer 1 (Conv2d(16 → 8, k=3))"),
])
def test_errors_print_without_traceback(tmp_path, capsys, spec, argv, message):
    path = tmp_path / "net.json"
    path.write_text(spec)
    rc, out, err = _run(capsys, path, *argv)
    assert rc == 2
    assert err.startswith("glassnet summary: error: ")
    assert message in err and "Traceback" not in err


def test_missing_file(capsys):
    rc, _, err = _run(capsys, "no/such/spec.yaml")
    assert rc == 2 and "no/such/spec.yaml: no such file or directory" in err


def test_run_directory_of_glassnet_train(tmp_path, capsys):
    # config.json beside model.gnz gives the architecture; the input size is the MLP's first
    assert main(["train", "--data", "xor", "--layers", "8", "--epochs", "1", "--no-plots", "-q",
                 "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    rc, out, _ = _run(capsys, tmp_path / "run")
    assert rc == 0
    assert "0: Linear(2 → 8)" in out and "Input: (N, 2)" in out
    assert "Total params: 42" in out                   # 2·8 + 8 + 8·2 + 2
    rc, out2, _ = _run(capsys, tmp_path / "run" / "model.gnz")
    assert rc == 0 and out2 == out
