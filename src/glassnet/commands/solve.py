"""``glassnet solve FILE``: run a problem file and print its worked solution."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "solve", help="run a problem file and print its worked solution",
        description="Run a YAML problem file (see docs/problem-files.md) and print the worked solution: "
                    "forward pass, loss, backward pass, gradients, update and predictions.")
    p.add_argument("file", help="the problem file (.yaml)")
    p.add_argument("--format", "-f", choices=("markdown", "text", "json", "latex"), default="markdown",
                   help="output format (default: markdown, with LaTeX matrices)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--exact", dest="exact", action="store_true", default=None,
                      help="compute with exact numbers (SymPy): 1/10 stays 1/10, e stays e")
    mode.add_argument("--numeric", dest="exact", action="store_false",
                      help="compute with floats even if the file says exact: true")
    p.add_argument("--decimals", type=_nonnegative, default=None, metavar="N",
                   help="print N digits after the decimal point (default: 6 significant digits)")
    p.add_argument("--digits", type=_positive, default=None, metavar="N",
                   help="print N significant digits (default 6, as the seeds)")
    p.add_argument("--per-sample", dest="per_sample", action="store_true", default=None,
                   help="show each sample of a batch on its own instead of one column per sample")
    p.add_argument("--output", "-o", metavar="PATH", help="write the solution to PATH instead of printing it")
    p.set_defaults(func=run)


def _nonnegative(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be ≥ 0, got {v}")
    return v


def _positive(text: str) -> int:
    v = _nonnegative(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {v}")
    return v


def run(args) -> int:
    from ..errors import GlassnetError
    from ..problems import ProblemError, solve
    try:
        text = solve(args.file, args.format, exact=args.exact, digits=args.digits, decimals=args.decimals,
                     per_sample=args.per_sample)
    except ProblemError as exc:
        print(f"glassnet solve: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"glassnet solve: {exc}", file=sys.stderr)
        return 2
    except GlassnetError as exc:          # the engine refused a value the file gave it
        print(f"glassnet solve: {args.file}: {exc}", file=sys.stderr)
        return 2
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
