"""glassnet check (grading hand answers) and glassnet variants (per-student problems)."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("yaml")

from glassnet.cli import main  # noqa: E402
from glassnet.problems import load_problem, run_problem  # noqa: E402
from glassnet.problems.grading import grade, report  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
P1 = EXAMPLES / "seed003" / "problem1.yaml"


def _answers(tmp_path, text):
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_right_answers_to_the_precision_written(tmp_path):
    # seed 003 problem 1, written to 3–4 digits as a student would
    path = _answers(tmp_path, "delta[2]: [-0.114, 0.134]\ndelta[1]: [0.000506, 0.000506, 0.000506]\n"
                              "W_new[1]: [[0.0995, 0.0995, 0.1, 0.1, 0.1], [0.0995, 0.0995, 0.1, 0.1, 0.1],"
                              " [0.0995, 0.0995, 0.1, 0.1, 0.1]]\n'2:class': 1\n")
    verdicts = grade(run_problem(load_problem(P1)), path)
    assert [v.correct for v in verdicts] == [True] * 4
    assert "4 of 4 answers are right." in report(verdicts)


def test_the_first_wrong_step_is_named(tmp_path):
    # δ⁽¹⁾ forgot the σ′ factor: (W⁽²⁾)ᵀδ⁽²⁾ = 0.0020433 instead of 0.00050575
    path = _answers(tmp_path, "dW[2]: [[-0.0626, -0.0626, -0.0626], [0.0739, 0.0739, 0.0739]]\n"
                              "delta[2]: [-0.114, 0.134]\ndelta[1]: [0.00204, 0.00204, 0.00204]\n"
                              "dW[1]: [[0.00204, 0.00204, 0, 0, 0], [0.00204, 0.00204, 0, 0, 0],"
                              " [0.00204, 0.00204, 0, 0, 0]]\n")
    verdicts = grade(run_problem(load_problem(P1)), path)
    assert [(v.key, v.correct) for v in verdicts] == [("delta[2]", True), ("delta[1]", False),
                                                       ("dW[2]", True), ("dW[1]", False)]
    text = report(verdicts)
    assert "leave the correct path at delta[1] (Backward pass): everything before it is right." in text
    assert "expected [0.000505747; 0.000505747; 0.000505747], got [0.00204; 0.00204; 0.00204]" in text


def test_exact_answers_are_compared_exactly(tmp_path):
    s3 = EXAMPLES / "seed000" / "s3_network.yaml"
    trace = run_problem(load_problem(s3))
    right = _answers(tmp_path, "'3:a[2]': ['e**0/(e**0 + e**2)', 'e**2/(e**0 + e**2)']\n")
    assert all(v.correct for v in grade(trace, right))
    wrong = _answers(tmp_path, "'3:a[2]': ['e**2/(e**0 + e**2)', 'e**0/(e**0 + e**2)']\n")
    assert not any(v.correct for v in grade(trace, wrong))


def test_check_command_exit_status_and_errors(tmp_path, capsys):
    ok = _answers(tmp_path, "delta[2]: [-0.114, 0.134]\n")
    assert main(["check", str(P1), str(ok)]) == 0
    bad = _answers(tmp_path, "delta[2]: [-0.2, 0.134]\n")
    assert main(["check", str(P1), str(bad)]) == 1
    unknown = _answers(tmp_path, "detla[2]: [1, 2]\n")
    assert main(["check", str(P1), str(unknown)]) == 2
    err = capsys.readouterr().err
    assert f"{unknown}:1:1: the solution has no 'detla[2]'" in err and "Traceback" not in err


def test_variants_keep_the_structure_and_come_with_keys(tmp_path, capsys):
    out = tmp_path / "v"
    assert main(["variants", str(P1), "--count", "3", "--seed", "5", "--out", str(out)]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == [f"problem1_variant{i}.{ext}" for i in (1, 2, 3) for ext in ("key.md", "yaml")]
    first = (out / "problem1_variant1.yaml").read_text(encoding="utf-8")
    problem = load_problem(out / "problem1_variant1.yaml")
    assert [l.units for l in problem.network.layers] == [3, 2] and problem.loss == "squared_error"
    assert "δ" not in first and r"\delta^{(2)}" in (out / "problem1_variant1.key.md").read_text(encoding="utf-8")
    again = tmp_path / "again"
    main(["variants", str(P1), "--count", "3", "--seed", "5", "--out", str(again)])
    assert (again / "problem1_variant1.yaml").read_text(encoding="utf-8") == first     # same seed, same variant
    other = tmp_path / "other"
    main(["variants", str(P1), "--count", "1", "--seed", "6", "--out", str(other)])
    assert (other / "problem1_variant1.yaml").read_text(encoding="utf-8") != first
