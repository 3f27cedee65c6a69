"""``glassnet analyze``: the analysis tools on a network given as a spec file.

    glassnet analyze boundaries NET [--unit 1] [--k 4] [--points=X] [--regions]
    glassnet analyze zeros      NET --x=X [--target=Y] [--loss squared_error]
    glassnet analyze shapes     NET [--batch 100] [--notation columns|rows|torch] [--markdown]
    glassnet analyze transform  NET KIND [-o OUT.json] [--notation columns|rows]
    glassnet analyze rule       NET (--rule descending | --expr "x[0] > x[1]") [--domain LO HI]
    glassnet analyze graph      NET [--format mermaid|dot|svg|png] [-o FILE] [--x=X]
    glassnet analyze gradcheck  NET [--batch 4] [--second-order]

NET is a JSON/YAML network spec (see ``glassnet.analysis.spec``) or a problem file with a
``network:`` section (``glassnet solve``'s files). Vectors and matrices are
written as "1,2;3,4" (rows separated by ';'); write ``--x=-1,2`` with '=' when a value starts
with a minus sign.
"""
from __future__ import annotations

import argparse
import ast
import sys

import numpy as np

from ..errors import GlassnetError

_TRANSFORMS = ("sigmoid-to-tanh", "tanh-to-sigmoid", "collapse-linear", "softmax2-to-sigmoid",
               "softmax-reduce")
_LOSSES = ("squared_error", "mse", "cross_entropy", "bce")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "analyze", help="analyse a network: boundaries, structural zeros, shapes, transforms, rules, graphs",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="tool", metavar="TOOL")
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])

    b = sub.add_parser("boundaries", help="first-layer unit boundary lines, points on them, hidden patterns, regions")
    _net(b)
    b.add_argument("--unit", type=int, default=None, help="the unit whose boundary points to list (1-based; default all)")
    b.add_argument("--k", type=int, default=4, help="how many points on each boundary (default 4)")
    b.add_argument("--points", help="points for the hidden-unit pattern, e.g. --points='0.5,0.5;0,2;-3,0.5'")
    b.add_argument("--regions", action="store_true", help="print a map of the predicted class")
    b.add_argument("--xlim", type=float, nargs=2, default=(-4.0, 4.0), metavar=("LO", "HI"))
    b.add_argument("--ylim", type=float, nargs=2, default=(-4.0, 4.0), metavar=("LO", "HI"))
    b.set_defaults(func=_friendly(_boundaries))

    z = sub.add_parser("zeros", help="which parameter gradients are zero for structural reasons at an input")
    _net(z)
    z.add_argument("--x", required=True, help="the input, e.g. --x='0.5,1.5' (or a batch '1,2;3,4')")
    z.add_argument("--target", help="a target, to also run the real backward pass of --loss")
    z.add_argument("--loss", choices=_LOSSES, default="squared_error",
                   help="loss used with --target (default squared_error, ½Σ(y − t)²)")
    z.add_argument("--only-zero", action="store_true", help="list only the entries that are zero")
    z.set_defaults(func=_friendly(_zeros))

    s = sub.add_parser("shapes", help="the shape of every forward and backward quantity")
    _net(s)
    s.add_argument("--batch", type=int, default=100, help="the number of samples N (default 100)")
    s.add_argument("--notation", choices=("columns", "rows", "torch"), default="columns",
                   help="columns: W out×in, samples as columns; rows: W in×out (seeds 000, 001); torch: batch-first")
    s.add_argument("--markdown", action="store_true", help="print a Markdown table")
    s.set_defaults(func=_friendly(_shapes))

    t = sub.add_parser("transform", help="an equivalent network, with the formulas applied")
    _net(t)
    t.add_argument("kind", choices=_TRANSFORMS)
    t.add_argument("-o", "--output", help="write the new network as a spec (.json or .yaml)")
    t.add_argument("--notation", choices=("columns", "rows"), default="columns",
                   help="notation of the written spec's weights (default columns)")
    t.add_argument("--positive", type=int, choices=(0, 1), default=0,
                   help="softmax2-to-sigmoid: the class the sigmoid gives (default 0)")
    t.add_argument("--reference", type=int, default=0,
                   help="softmax-reduce: the class whose logit is fixed at 0 (0-based, default 0)")
    t.set_defaults(func=_friendly(_transform))

    r = sub.add_parser("rule", help="test the network against a rule on ties, boundaries and random points")
    _net(r)
    g = r.add_mutually_exclusive_group(required=True)
    g.add_argument("--rule", help="a named rule: descending, ascending, nondecreasing, nonincreasing, "
                                  "all-positive, any-positive, sum-positive")
    g.add_argument("--expr", help="a Python expression in x (a vector), e.g. 'x[0] > x[1] and x[1] > x[2]'; "
                                  "only arithmetic, comparisons, and/or/not, all, any, min, max, sum, abs, len, range")
    r.add_argument("--domain", type=float, nargs=2, default=(-2.0, 2.0), metavar=("LO", "HI"))
    r.add_argument("--random", type=int, default=2000, help="how many random points (default 2000)")
    r.set_defaults(func=_friendly(_rule))

    d = sub.add_parser("graph", help="draw the network's units, or the autograd graph of a loss, as Mermaid/DOT/SVG")
    _net(d)
    d.add_argument("--format", choices=("mermaid", "dot", "svg", "png"), default=None,
                   help="default: from -o's suffix, else mermaid")
    d.add_argument("-o", "--output", help="write to this file instead of printing")
    d.add_argument("--weights", choices=("symbols", "values", "none"), default="symbols",
                   help="unit graph: label connections by weight symbols, values or nothing")
    d.add_argument("--bias", action="store_true", help="unit graph: draw biases from a constant-1 node")
    d.add_argument("--x", help="draw instead the autograd graph of loss(model(x), target) at this input")
    d.add_argument("--target", help="with --x: the target (default zeros)")
    d.add_argument("--style", choices=("full", "values", "named"), default="full",
                   help="autograd graph: values and ops (full), values only, or named values only")
    d.set_defaults(func=_friendly(_graph))

    c = sub.add_parser("gradcheck", help="check backward against central differences on random inputs")
    _net(c)
    c.add_argument("--batch", type=int, default=4)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--second-order", action="store_true",
                   help="also check second derivatives (the gradient's own derivatives, create_graph)")
    c.set_defaults(func=_friendly(_gradcheck))


def _friendly(func):
    """Report the tools' ValueError/TypeError (a model they cannot read, a bad size) as a
    glassnet error: one line, no traceback."""
    def run(args) -> int:
        try:
            return func(args)
        except GlassnetError:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise GlassnetError(f"{args.tool}: {exc}") from None
    run.__name__ = func.__name__
    return run


def _net(p) -> None:
    p.add_argument("net", metavar="NET", help="network spec (.json, .yaml) or problem file with a network: section")


# ------------------------------------------------------------------ parsing helpers

def _matrix(text: str, what: str) -> np.ndarray:
    rows = [r for r in text.replace("[", "").replace("]", "").split(";") if r.strip()]
    try:
        data = [[float(v) for v in r.replace(",", " ").split()] for r in rows]
    except ValueError:
        raise GlassnetError(f"{what}: {text!r} is not a list of numbers like '1,2;3,4'") from None
    if not data or len({len(r) for r in data}) != 1:
        raise GlassnetError(f"{what}: {text!r} must have rows of equal length, separated by ';'")
    return np.array(data)


def _load(args):
    from ..analysis.spec import load_network
    return load_network(args.net)


def _loss_fn(name: str):
    from .. import nn
    return {"squared_error": nn.SquaredErrorLoss(), "mse": nn.MSELoss(),
            "cross_entropy": nn.CrossEntropyLoss(), "bce": nn.BCELoss()}[name]


# ------------------------------------------------------------------ the tools

def _boundaries(args) -> int:
    from ..analysis import boundaries as B
    model = _load(args)
    bounds = B.unit_boundaries(model)
    print(f"first-layer units of {args.net} ({bounds[0].activation}):")
    for u in bounds:
        print(f"  {u}")
    units = [args.unit] if args.unit else [u.unit for u in bounds]
    for j in units:
        pts = B.boundary_points(model, j, args.k)
        print(f"\npoints on unit {j}'s boundary (one per column, z{j} = 0 at each):")
        print(_format_matrix(pts))
    if args.points:
        pts = _matrix(args.points, "--points")
        pattern = B.hidden_pattern(model, pts)
        print("\nhidden-unit outputs at the points (one column per point):")
        print(_format_matrix(pattern))
    if args.regions:
        print()
        print(B.region_map(model, tuple(args.xlim), tuple(args.ylim)))
    return 0


def _format_matrix(m: np.ndarray) -> str:
    def fmt(v):
        try:
            f = float(v)
        except (TypeError, ValueError):
            return str(v)
        if not isinstance(v, (float, np.floating)) and not f.is_integer():
            return str(v)
        return str(int(f)) if f.is_integer() else f"{f:.6g}"
    return "[" + ",\n ".join("[" + ", ".join(fmt(v) for v in row) + "]" for row in m) + "]"


def _zeros(args) -> int:
    from ..analysis import structural_zeros
    model = _load(args)
    x = _matrix(args.x, "--x")
    if args.target is not None:
        t = _matrix(args.target, "--target")
        if args.loss in ("cross_entropy",):
            t = t.reshape(-1).astype(np.int64)
        from ..tensor import Tensor
        report = structural_zeros(model, x, loss=_loss_fn(args.loss), target=Tensor._wrap(t))
    else:
        report = structural_zeros(model, x)
    if args.only_zero:
        report.entries = report.zero_entries()
    print(report)
    return 0


def _shapes(args) -> int:
    from ..analysis import shape_table
    table = shape_table(_load(args), args.batch, notation=args.notation)
    print(table.to_markdown() if args.markdown else table)
    return 0


def _transform(args) -> int:
    from ..analysis import transforms as T
    from ..analysis.spec import save_spec
    model = _load(args)
    kind = args.kind.replace("-", "_")
    kwargs = {}
    if kind == "softmax2_to_sigmoid":
        kwargs["positive"] = args.positive
    if kind == "softmax_reduce":
        kwargs["reference"] = args.reference
    eq = getattr(T, kind)(model, **kwargs)
    print(eq)
    if args.output:
        from ..analysis.spec import SpecError
        try:
            save_spec(eq.model, args.output, args.notation)
        except SpecError as exc:
            raise GlassnetError(f"cannot write {args.output}: {exc} (the new model has layers a spec "
                                f"cannot describe)") from None
        print(f"\nwrote {args.output}")
    return 0 if eq.verified or eq.max_difference is None else 1


def _rule(args) -> int:
    from ..analysis.rules import RULES, check_rule
    if args.rule:
        if args.rule not in RULES:
            raise GlassnetError(f"unknown rule {args.rule!r}; choose one of {', '.join(RULES)} or use --expr")
        rule = RULES[args.rule]
    else:
        rule = safe_rule(args.expr)
    result = check_rule(_load(args), rule, tuple(args.domain), n_random=args.random)
    print(result)
    return 0 if result.passed else 1


def _graph(args) -> int:
    from ..analysis.graph import GraphvizNotFound, autograd_graph, network_graph
    model = _load(args)
    if args.x:
        from ..tensor import Tensor
        from .. import nn
        x = Tensor._wrap(_matrix(args.x, "--x"))
        x.name = "x"
        y = model(x)
        y.name = "y"
        t = Tensor._wrap(_matrix(args.target, "--target") if args.target else np.zeros(y.shape))
        t.name = "t"
        loss = nn.SquaredErrorLoss()(y, t)
        loss.name = "L"
        graph = autograd_graph(loss, model=model, style=args.style)
    else:
        graph = network_graph(model, args.weights, bias=args.bias)
    fmt = args.format or (args.output.rsplit(".", 1)[-1] if args.output and "." in args.output else "mermaid")
    fmt = {"mmd": "mermaid", "gv": "dot"}.get(fmt, fmt)
    if fmt in ("svg", "png"):
        if not args.output:
            raise GlassnetError(f"--format {fmt} needs -o FILE")
        try:
            graph.render(args.output, fmt)
        except GraphvizNotFound as exc:
            fallback = args.output.rsplit(".", 1)[0] + ".dot"
            with open(fallback, "w", encoding="utf-8") as f:
                f.write(graph.to_dot())
            print(f"glassnet analyze graph: {exc}", file=sys.stderr)
            print(f"wrote the DOT text to {fallback} instead (render it with: dot -T{fmt} {fallback})")
            return 0
        print(f"wrote {args.output}")
        return 0
    text = graph.to_mermaid() if fmt == "mermaid" else graph.to_dot()
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {args.output}")
    else:
        print(text, end="")
    return 0


def _gradcheck(args) -> int:
    from ..analysis import gradcheck
    from ..analysis._chain import layers
    from ..analysis.gradcheck import GradcheckError
    from ..tensor import Tensor
    model = _load(args)
    for p in model.parameters():
        if p.dtype == object:
            raise GlassnetError("gradcheck needs float parameters; the spec is exact")
    chain = layers(model)
    rng = np.random.default_rng(args.seed)
    x = Tensor._wrap(rng.standard_normal((args.batch, chain[0].linear.in_features)))
    u = Tensor._wrap(rng.standard_normal((args.batch, chain[-1].linear.out_features)))
    try:
        report = gradcheck(lambda: (model(x) * u).sum(), {}, wrt=dict(model.named_parameters()),
                           second_order=args.second_order)
    except GradcheckError as exc:
        print(exc)
        return 1
    print("loss L = Σ u ∘ model(x) with random x and u")
    print(report)
    return 0


# ------------------------------------------------------------------ a rule from the command line

_ALLOWED_NODES = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
                  ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.Pow, ast.FloorDiv,
                  ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Name, ast.Load,
                  ast.Constant, ast.Subscript, ast.Slice, ast.Call, ast.GeneratorExp, ast.comprehension,
                  ast.Store, ast.IfExp, ast.Tuple, ast.List)
_FUNCS = {"all": all, "any": any, "min": min, "max": max, "sum": sum, "abs": abs, "len": len,
          "range": range}


def safe_rule(expr: str):
    """A rule x ↦ bool from an expression using only arithmetic, comparisons and a few functions."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise GlassnetError(f"--expr: not a Python expression: {exc.msg}") from None
    bound = {"x"}
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension) and isinstance(node.target, ast.Name):
            bound.add(node.target.id)
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise GlassnetError(f"--expr: {type(node).__name__} is not allowed in a rule")
        if isinstance(node, ast.Name) and node.id not in bound and node.id not in _FUNCS:
            raise GlassnetError(f"--expr: unknown name {node.id!r}; the input is x, functions: {', '.join(_FUNCS)}")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in _FUNCS):
            raise GlassnetError("--expr: only all, any, min, max, sum, abs, len and range may be called")
    code = compile(tree, "<rule>", "eval")
    env = {"__builtins__": {}, **_FUNCS}

    def rule(x):
        # x goes in the globals: a generator expression's scope does not see eval's locals
        return eval(code, {**env, "x": [float(v) for v in x]})
    return rule
