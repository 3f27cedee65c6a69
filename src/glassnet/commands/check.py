"""``glassnet check FILE ANSWERS``: grade hand answers against the worked solution."""
from __future__ import annotations

import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "check", help="compare a student's answers with a problem's worked solution",
        description="Grade an answers file (YAML: solution key → value, e.g. delta[2]: [-0.114, 0.134]; "
                    "'2:class' for part 2) against the solution of a problem file. Exit status 0 when "
                    "every answer is right, 1 when some are wrong, 2 when a file cannot be used.")
    p.add_argument("file", help="the problem file (.yaml)")
    p.add_argument("answers", help="the answers file (.yaml)")
    p.add_argument("--tolerance", type=float, default=None, metavar="T",
                   help="absolute tolerance for every entry (default: half a unit of the last digit written)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--exact", dest="exact", action="store_true", default=None,
                      help="solve the problem exactly (answers may then be expressions such as 1/(1 + e**2))")
    mode.add_argument("--numeric", dest="exact", action="store_false", help="solve with floats")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..errors import GlassnetError
    from ..problems import ProblemError, load_problem, run_problem
    from ..problems.grading import grade, report
    try:
        trace = run_problem(load_problem(args.file), exact=args.exact)
        verdicts = grade(trace, args.answers, tolerance=args.tolerance)
    except ProblemError as exc:
        print(f"glassnet check: {exc}", file=sys.stderr)
        return 2
    except (ImportError, GlassnetError, ValueError) as exc:
        print(f"glassnet check: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(report(verdicts))
    return 0 if all(v.correct for v in verdicts) else 1
