"""``glassnet variants FILE``: per-student variants of a problem, each with its answer key."""
from __future__ import annotations

import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "variants", help="write per-student variants of a problem file with answer keys",
        description="Redraw the weights, biases and inputs of a problem file as small integers or simple "
                    "fractions (the same structure), and write each variant with its worked solution.")
    p.add_argument("file", help="the problem file (.yaml)")
    p.add_argument("--count", type=int, default=10, help="how many variants (default 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same variants")
    p.add_argument("--out", default="variants", metavar="DIR", help="output folder (default ./variants)")
    p.add_argument("--key-format", choices=("markdown", "text", "json", "latex"), default="markdown",
                   help="format of the answer keys (default markdown)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..errors import GlassnetError
    from ..problems import ProblemError
    from ..problems.variants import write_variants
    if args.count < 1:
        print("glassnet variants: --count must be ≥ 1", file=sys.stderr)
        return 2
    try:
        written = write_variants(args.file, args.out, args.count, args.seed, args.key_format)
    except ProblemError as exc:
        print(f"glassnet variants: {exc}", file=sys.stderr)
        return 2
    except (ImportError, GlassnetError, ValueError, OSError) as exc:
        print(f"glassnet variants: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written) // 2} variants and their answer keys to {args.out}/")
    return 0
