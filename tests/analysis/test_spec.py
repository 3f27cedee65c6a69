"""Network specs: the small JSON/YAML files the analyze commands read."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy

import glassnet as gn
from glassnet import nn
from glassnet.serialization import save
from glassnet.analysis import SpecError, load_network, load_spec, model_from_spec, save_spec, spec_from_model

SEED000 = {"notation": "rows", "layers": [
    {"linear": {"weight": [[1, 0, -1, 0], [0, 1, 0, -1]], "bias": [-1, -1, -1, -1]}}, "relu",
    {"linear": {"weight": [[1, -1], [1, -1], [1, -1], [1, -1]], "bias": [0, 2]}}, "softmax"]}


def test_rows_notation_weights_are_transposed_into_linear():
    model = model_from_spec(SEED000)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "Softmax"]
    np.testing.assert_array_equal(model[0].weight._data, [[1, 0], [0, 1], [-1, 0], [0, -1]])
    assert model[3].dim == 1
    with gn.no_grad():
        out = model(gn.tensor([[3.0, 14.0]]))._data        # seed 000 3.1.B: [1, 0]
    np.testing.assert_allclose(out, [[1.0, 0.0]], atol=1e-6)


def test_sizes_only_give_random_weights_from_the_seed():
    spec = {"seed": 3, "layers": [{"linear": [2, 3]}, "tanh", {"linear": {"in": 3, "out": 1, "bias": False}}]}
    a, b = model_from_spec(spec), model_from_spec(spec)
    np.testing.assert_array_equal(a[0].weight._data, b[0].weight._data)
    assert a[2].bias is None and a[2].weight.shape == (1, 3)


def test_exact_specs_hold_rationals():
    spec = {"exact": True, "layers": [{"linear": {"weight": [["1/3", 2]], "bias": ["-0.5"]}}, "sigmoid"]}
    model = model_from_spec(spec)
    assert model[0].weight._data[0, 0] == sympy.Rational(1, 3)
    assert model[0].bias._data[0] == sympy.Rational(-1, 2)
    with pytest.raises(SpecError, match="not a number such as"):
        model_from_spec({"exact": True, "layers": [{"linear": {"weight": [["__import__('os')"]]}}]})


@pytest.mark.parametrize("spec,message", [
    ({"layers": [{"linear": {"weight": [[1, 2]], "bias": [0, 0]}}]}, r"bias must have 1 entries"),
    ({"layers": [{"linear": [2, 3]}, {"linear": [2, 1]}]}, r"takes 2 inputs but the layer before gives 3"),
    ({"layers": ["relu6"]}, r"unknown layer 'relu6'"),
    ({"layers": [], "notation": "diagonal"}, r"notation must be"),
    ({"layer": []}, r"'layers' list"),
    ({"layers": [{"linear": [2, 1]}], "extra": 1}, r"unknown key\(s\) extra"),
    ({"notation": "rows", "layers": [{"linear": {"in": 3, "out": 2, "weight": [[1, 2, 3], [4, 5, 6]]}}]},
     r"must be 3 × 2 in rows notation"),
])
def test_bad_specs_name_the_entry(spec, message):
    with pytest.raises(SpecError, match=message):
        model_from_spec(spec)


def test_round_trip_through_a_file(tmp_path):
    model = model_from_spec(SEED000)
    path = tmp_path / "net.json"
    save_spec(model, str(path), notation="rows")
    assert json.loads(path.read_text())["layers"][0]["linear"]["weight"] == [[1, 0, -1, 0], [0, 1, 0, -1]]
    again = load_spec(str(path))
    for p, q in zip(model.parameters(), again.parameters()):
        np.testing.assert_array_equal(p._data, q._data)


def test_round_trip_through_yaml(tmp_path):
    pytest.importorskip("yaml")
    model = model_from_spec(SEED000)
    yml = tmp_path / "net.yaml"
    save_spec(model, str(yml))
    assert spec_from_model(load_spec(str(yml))) == spec_from_model(model)


def test_weights_from_a_saved_state_dict(tmp_path):
    gn.manual_seed(0)
    trained = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    save(trained.state_dict(), str(tmp_path / "w.gn"))
    (tmp_path / "net.json").write_text(json.dumps(
        {"weights": "w.gn", "layers": [{"linear": [2, 3]}, "relu", {"linear": [3, 1]}]}))
    model = load_spec(str(tmp_path / "net.json"))
    np.testing.assert_array_equal(model[2].weight._data, trained[2].weight._data)


def test_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"layers": [}')
    with pytest.raises(SpecError, match=r"bad.json, line 1: not valid JSON"):
        load_spec(str(bad))
    with pytest.raises(SpecError, match="cannot read the network spec"):
        load_spec(str(tmp_path / "missing.json"))


PROBLEM = """\
notation: rows
exact: true
network:
  sizes: [2, 4, 2]
  activation: [relu, softmax]
  weights:
    - [[1, 0, -1, 0], [0, 1, 0, -1]]
    - [[1, -1], [1, -1], [1, -1], [1, -1]]
  biases:
    - [-1, -1, -1, -1]
    - [0, 2]
"""


def test_load_network_reads_a_problem_files_network(tmp_path):
    pytest.importorskip("yaml")
    pytest.importorskip("glassnet.problems")
    path = tmp_path / "p.yaml"
    path.write_text(PROBLEM)
    model = load_network(str(path))
    assert model[0].weight._data.dtype == object                  # the file says exact: true
    np.testing.assert_array_equal(model[0].weight._data.astype(float), [[1, 0], [0, 1], [-1, 0], [0, -1]])
    float_model = load_network(str(path), exact=False)
    assert float_model[0].weight.dtype == np.float64
    # a spec file still loads through the same door
    spec_path = tmp_path / "s.json"
    spec_path.write_text(json.dumps(SEED000))
    np.testing.assert_array_equal(load_network(str(spec_path))[2].bias._data, [0, 2])
