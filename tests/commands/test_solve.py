"""``glassnet solve FILE``: formats, options, exact mode, and errors without tracebacks."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("yaml")

from glassnet.cli import main  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
P1 = str(EXAMPLES / "seed003" / "problem1.yaml")


def _run(capsys, *argv):
    code = main(["solve", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_markdown_by_default_reproduces_seed003_problem1(capsys):
    code, out, err = _run(capsys, P1)
    assert code == 0 and err == ""
    for printed in ("0.549834", "0.16495", "0.541144", "-0.113937", "0.13437", "-0.0626465", "0.0738812",
                    "0.162647", "0.0261188", "0.0994943", "0.198989", "0.549584", "0.382101", "-0.0913066",
                    "0.59438", "0.477189"):
        assert printed in out
    assert r"\begin{bmatrix}" in out


@pytest.mark.parametrize("fmt, marker", [("text", "δ⁽²⁾ = (a⁽²⁾ − y) ∘ σ′(z⁽²⁾)"),
                                         ("latex", r"\subsection*{(a) One stochastic gradient descent step}"),
                                         ("json", '"notation": "columns"')])
def test_formats(capsys, fmt, marker):
    code, out, _ = _run(capsys, P1, "--format", fmt)
    assert code == 0 and marker in out
    if fmt == "json":
        json.loads(out)


def test_decimals_and_output_file(capsys, tmp_path):
    target = tmp_path / "solution.txt"
    code, out, _ = _run(capsys, P1, "--format", "text", "--decimals", "3", "-o", str(target))
    assert code == 0 and out == ""
    text = target.read_text(encoding="utf-8")
    assert "0.550" in text and "-0.114" in text and "0.549834" not in text


def test_exact_prints_the_seed000_e_expressions(capsys):
    code, out, _ = _run(capsys, str(EXAMPLES / "seed000" / "s3_network.yaml"), "--format", "text")
    assert code == 0
    assert "1/(1 + e**2)" in out and "e**2/(1 + e**2)" in out          # case 1
    assert "e**3/(e**(-1) + e**3)" in out                              # case 3
    code, out, _ = _run(capsys, P1, "--exact", "--format", "text")
    assert code == 0 and "1/10" in out                                 # 0.1 is exactly 1/10
    code, out, _ = _run(capsys, str(EXAMPLES / "seed000" / "s3_network.yaml"), "--numeric", "--format", "text")
    assert code == 0 and "e**" not in out and "0.119203" in out


def test_a_malformed_file_gets_file_line_column_and_no_traceback(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("network:\n  sizes: [2, 2]\n  activation: sigmoid\n  weights: [[[1, 2]]]\n", encoding="utf-8")
    code, out, err = _run(capsys, str(bad))
    assert code == 2 and out == ""
    assert err.startswith(f"glassnet solve: {bad}:4:")
    assert "layer 1's weight matrix must be 2 × 2" in err
    assert "Traceback" not in err


def test_a_missing_file(capsys, tmp_path):
    code, _, err = _run(capsys, str(tmp_path / "nope.yaml"))
    assert code == 2 and "no such file" in err


def test_bad_option_values_are_rejected_by_argparse(capsys):
    with pytest.raises(SystemExit) as info:
        main(["solve", P1, "--decimals", "-2"])
    assert info.value.code == 2
