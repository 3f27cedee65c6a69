"""Problem files: a network (or computation graph), a loss, data and an optimizer in YAML,
run under a trace and rendered as a worked solution.

    >>> from glassnet.problems import solve
    >>> print(solve("examples/seed003/problem1.yaml", format="text"))

The format is documented in ``docs/problem-files.md``; ``schema.json`` (beside this file)
describes it as a JSON Schema.
"""
from __future__ import annotations

from pathlib import Path

from .runner import run_problem
from .source import ProblemError
from .spec import Problem, load_problem, parse_problem_text

FORMATS = ("markdown", "text", "json", "latex")
SCHEMA_PATH = Path(__file__).with_name("schema.json")


def render(trace, problem: Problem, format: str = "markdown", *, digits: int | None = None,
           decimals: int | None = None, per_sample: bool | None = None) -> str:
    """Render a problem's trace; options given here override the file's ``show:``."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    options = dict(problem.show)
    if digits is not None:
        options["digits"] = digits
    if decimals is not None:
        options["decimals"] = decimals
    if per_sample is not None:
        options["per_sample"] = per_sample
    method = {"markdown": trace.to_markdown, "text": trace.to_text, "json": trace.to_json,
              "latex": trace.to_latex}[format]
    return method(**options)


def solve(path, format: str = "markdown", *, exact: bool | None = None, digits: int | None = None,
          decimals: int | None = None, per_sample: bool | None = None) -> str:
    """Read, run and render a problem file (``exact`` overrides the file's ``exact:``)."""
    problem = load_problem(path)
    trace = run_problem(problem, exact=exact)
    return render(trace, problem, format, digits=digits, decimals=decimals, per_sample=per_sample)


__all__ = ["FORMATS", "Problem", "ProblemError", "SCHEMA_PATH", "load_problem", "parse_problem_text",
           "render", "run_problem", "solve"]
