"""Graph-node expressions (``x + W2 @ h + b2``) read without eval and run as glassnet ops.

Allowed: names defined above, numbers, ``+ - * / ** @``, unary minus, ``.T``, and the
functions sigmoid, tanh, relu, step, softmax, exp, log, sum, mean, dot(a, b),
squared_error(a, b) = ½‖a − b‖², cross_entropy(z, y) = −Σ y log softmax(z),
binary_cross_entropy(a, y).
"""
from __future__ import annotations

import ast

from .. import ops
from ..errors import GlassnetError
from ..tensor import Tensor
from .source import ProblemError, Source

_UNARY = {"sigmoid": ops.sigmoid, "tanh": ops.tanh, "relu": ops.relu, "step": ops.step, "exp": ops.exp,
          "log": ops.log, "sum": ops.sum, "mean": ops.mean}


def _softmax(t):
    return ops.softmax(t, dim=-1)


def _squared_error(a, b):
    return ops.squared_error(a, b, reduction="sum")


def _cross_entropy(z, y):
    return ops.cross_entropy(z, y, reduction="sum")


def _bce(a, y):
    return ops.binary_cross_entropy(a, y, reduction="sum")


_FUNCTIONS = dict(_UNARY, softmax=_softmax, dot=ops.matmul, squared_error=_squared_error,
                  cross_entropy=_cross_entropy, binary_cross_entropy=_bce)
_ARITY = {name: 1 for name in _UNARY} | {"softmax": 1, "dot": 2, "squared_error": 2, "cross_entropy": 2,
                                         "binary_cross_entropy": 2}


_REDUCING = {"sum", "mean", "dot", "squared_error", "cross_entropy", "binary_cross_entropy"}


def evaluate(expression: str, scope: dict, source: Source, path: tuple, to_number,
             exact: bool = False) -> Tensor:
    """Run ``expression`` over the tensors in ``scope``; errors point into the file.

    In exact mode a value that reduces to one number is kept as a 1-vector: the ops give
    SymPy scalars, not arrays, for 0-d object arrays.
    """
    line, col = source.where(path)
    quoted = 1 if tuple(path) in source.quoted else 0

    def error(node, message):
        c = None if col is None else col + quoted + getattr(node, "col_offset", 0)
        return ProblemError(f"in {expression!r}: {message}", source.file, line, c)

    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        c = None if col is None else col + quoted + max((exc.offset or 1) - 1, 0)
        raise ProblemError(f"cannot read the expression {expression!r}: {exc.msg}", source.file, line, c) from None

    def run(node):
        if isinstance(node, ast.Expression):
            return run(node.body)
        if isinstance(node, ast.Name):
            if node.id not in scope:
                known = ", ".join(scope) or "none yet"
                raise error(node, f"{node.id!r} is not defined above (defined: {known})")
            return scope[node.id]
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return to_number(ast.get_source_segment(expression.strip(), node), node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -run(node.operand)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return run(node.operand)
        if isinstance(node, ast.Attribute) and node.attr == "T":
            v = run(node.value)
            if not isinstance(v, Tensor) or v.ndim != 2:
                raise error(node, ".T needs a matrix")
            return ops.transpose(v, 0, 1)
        if isinstance(node, ast.BinOp):
            a, b = run(node.left), run(node.right)
            kinds = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                     ast.Div: lambda: a / b, ast.Pow: lambda: a ** b, ast.MatMult: lambda: ops.matmul(a, b)}
            for kind, fn in kinds.items():
                if isinstance(node.op, kind):
                    try:
                        return fn()
                    except GlassnetError as exc:
                        raise error(node, str(exc)) from None
            raise error(node, "only + - * / ** @ are allowed")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name not in _FUNCTIONS:
                raise error(node, f"unknown function {name!r} (known: {', '.join(sorted(_FUNCTIONS))})")
            if node.keywords or len(node.args) != _ARITY[name]:
                raise error(node, f"{name} takes {_ARITY[name]} argument{'s' if _ARITY[name] > 1 else ''}")
            args = [run(a) for a in node.args]
            try:
                if exact and name in _REDUCING:
                    if name == "dot":
                        return ops.matmul(ops.reshape(args[0], (1, -1)), ops.reshape(args[1], (-1, 1))).reshape(1)
                    return ops.reshape(_FUNCTIONS[name](*args), (1,))
                return _FUNCTIONS[name](*args)
            except GlassnetError as exc:
                raise error(node, str(exc)) from None
        raise error(node, "not allowed here (use names, numbers, + - * / ** @, .T and functions such as sigmoid(…))")

    out = run(tree)
    if not isinstance(out, Tensor):
        raise error(tree.body, "the expression is a plain number; it must use at least one named value")
    return out
