"""``glassnet analyze``: each tool from the command line on the example specs of the seeds."""
from __future__ import annotations

import json
import os

import pytest

from glassnet.cli import main
from glassnet.commands.analyze import safe_rule
from glassnet.errors import GlassnetError

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "analysis")


def spec(name: str) -> str:
    return os.path.join(EXAMPLES, name)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["analyze", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_boundaries_seed000(capsys):
    code, out, _ = run(capsys, "boundaries", spec("seed000_3.json"), "--unit", "1",
                       "--points=0.5,0.5;0,2;-3,0.5")
    assert code == 0
    assert "unit 1: x₁ − 1 = 0  (line x₁ = 1); output + where x₁ > 1" in out
    assert "[[1, 1, 1, 1],\n [0, 1, 2, 3]]" in out
    assert "[[0, 0, 0],\n [0, 1, 0],\n [0, 0, 2],\n [0, 0, 0]]" in out


def test_boundaries_region_map(capsys):
    code, out, _ = run(capsys, "boundaries", spec("seed000_3.json"), "--unit", "2", "--regions")
    assert code == 0 and "regions (class 1:" in out and "2222" in out


def test_zeros_seed002_p3(capsys):
    code, out, _ = run(capsys, "zeros", spec("seed002_p3.json"), "--x=0.5,1.5", "--target=3")
    assert code == 0
    lines = {line.split("  ")[1]: line for line in out.splitlines()[1:]}
    assert "guaranteed zero" in lines["W⁽¹⁾[1, 1]"]        # w₁
    assert "guaranteed zero" in lines["W⁽²⁾[1, 1]"]        # w₂
    assert "nonzero" in lines["W⁽³⁾[1, 1]"] and "3.375" in lines["W⁽³⁾[1, 1]"]   # w₃


def test_shapes_seed001_p2(capsys):
    code, out, _ = run(capsys, "shapes", spec("seed001_p2.json"), "--notation", "rows")
    assert code == 0
    assert "X         (2, 100)" in out and "W⁽²⁾      (2, 3)" in out and "∂J/∂W⁽²⁾  (2, 3)" in out
    code, out, _ = run(capsys, "shapes", spec("seed001_p2.json"), "--batch", "5", "--markdown")
    assert "| z⁽¹⁾ | (2, 5) |" in out


def test_transform_writes_an_equivalent_spec(capsys, tmp_path):
    out_path = tmp_path / "tanh.json"
    code, out, _ = run(capsys, "transform", spec("seed002_p2.json"), "sigmoid-to-tanh", "-o", str(out_path))
    assert code == 0 and "b2_1* = b2_1 + w2_11/2 + w2_12/2" in out and "✓" in out
    layers = json.loads(out_path.read_text())["layers"]
    assert layers[1] == "tanh" and layers[0]["linear"]["weight"][0] == [0.5, -1, 0.25]
    code, out, _ = run(capsys, "transform", spec("seed001_p1.json"), "collapse-linear")
    assert code == 0 and "b1_1* = b1_1*w2_11 + b1_2*w2_12 + b2_1" in out


def test_transform_softmax_reduce_cannot_be_written_as_a_spec(capsys, tmp_path):
    code, out, err = run(capsys, "transform", spec("seed004_q2.json"), "softmax-reduce", "-o",
                         str(tmp_path / "x.json"))
    assert code == 2 and "cannot write" in err and "InsertZero" in err


def test_rule_passes_and_fails(capsys):
    code, out, _ = run(capsys, "rule", spec("seed002_p1.json"), "--rule", "descending")
    assert code == 0 and out.startswith("rule check PASSED")
    code, out, _ = run(capsys, "rule", spec("seed002_p1_ties.json"), "--expr",
                       "x[0] > x[1] > x[2] > x[3] > x[4]")
    assert code == 1 and "rule check FAILED" in out and "(two inputs tied): the rule says 0, the model says 1" in out


def test_graph_mermaid_dot_and_fallback(capsys, tmp_path, monkeypatch):
    code, out, _ = run(capsys, "graph", spec("seed002_p3.json"))
    assert code == 0 and out.startswith("graph LR") and 'l1u1 -->|"w2_11"| l2u1' in out
    code, out, _ = run(capsys, "graph", spec("seed002_p3.json"), "--format", "dot", "--x=0.5,1.5")
    assert code == 0 and out.startswith("digraph") and 'label="squared_error"' in out
    import glassnet.analysis.graph as g
    monkeypatch.setattr(g.shutil, "which", lambda name: None)
    code, out, err = run(capsys, "graph", spec("seed002_p3.json"), "-o", str(tmp_path / "net.svg"))
    assert code == 0 and "needs Graphviz" in err and (tmp_path / "net.dot").exists()


def test_gradcheck(capsys):
    code, out, _ = run(capsys, "gradcheck", spec("seed002_p2.json"))
    assert code == 0 and "gradcheck PASSED" in out and "2.weight  ok" in out


def test_errors_are_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "boundaries", spec("seed002_p1.json"))
    assert code == 2 and "2-D inputs; layer 1 takes 5" in err
    code, _, err = run(capsys, "zeros", str(tmp_path / "none.json"), "--x=1")
    assert code == 2 and "cannot read the network spec" in err


def test_safe_rule_allows_arithmetic_and_refuses_the_rest():
    assert safe_rule("all(x[i] > x[i + 1] for i in range(len(x) - 1))")([3, 2, 1]) is True
    assert safe_rule("sum(x) > 0 and not x[0] == 1")([1, 2]) is False
    for bad in ("__import__('os')", "x.__class__", "open('f')", "[y for y in ().__class__.__bases__]"):
        with pytest.raises(GlassnetError):
            safe_rule(bad)
