"""Graph-node expressions (``x + W2 @ h + b2``) read without eval and run as glassnet ops.

Allowed: names defined above, numbers, ``+ - * / ** @``, unary minus, ``.T``, and the
functions sigmoid, tanh, relu, step, softmax, exp, log, sum, mean, dot(a, b),
squared_error(a, b) = ½‖a − b‖², cross_entropy(z, y) = −Σ y log softmax(z),
binary_cross_entropy(a, y), and seed 004's convolutions without kernel flipping of a vector or
matrix x by a kernel w: conv(x, w) = x ∗ w (valid), conv_full(x, w) = x ∗̃ w (full), and
max_pool(x, k) (windows of k, stride k).
"""
from __future__ import annotations

import ast

from .. import ops
from ..errors import GlassnetError, ShapeError
from ..tensor import Tensor
from ..trace import windows
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


def _convolve(x, w, full: bool):
    """x ∗ w (valid) or x ∗̃ w (full) of a vector or matrix, as a one-channel conv1d / conv2d."""
    if x.ndim != w.ndim or x.ndim not in (1, 2):
        raise ShapeError(f"conv needs a vector and a kernel vector, or a matrix and a kernel matrix; "
                         f"got shapes {tuple(x.shape)} and {tuple(w.shape)}")
    if any(k > n for k, n in zip(w.shape, x.shape)) and not full:
        raise ShapeError(f"the kernel of shape {tuple(w.shape)} is larger than the input of shape "
                         f"{tuple(x.shape)}: a valid convolution has no output")
    pad = tuple(k - 1 for k in w.shape) if full else 0
    fn = windows.conv1d if x.ndim == 1 else windows.conv2d
    out = fn(ops.reshape(x, (1,) + tuple(x.shape)), ops.reshape(w, (1, 1) + tuple(w.shape)), padding=pad)
    return ops.reshape(out, tuple(out.shape[1:]))        # (1, *S) → S


def _conv(x, w):
    return _convolve(x, w, full=False)


def _conv_full(x, w):
    return _convolve(x, w, full=True)


def _max_pool(x, k: int):
    if x.ndim not in (1, 2):
        raise ShapeError(f"max_pool needs a vector or a matrix, got shape {tuple(x.shape)}")
    fn = windows.max_pool1d if x.ndim == 1 else windows.max_pool2d
    out = fn(ops.reshape(x, (1,) + tuple(x.shape)), k, k)
    return ops.reshape(out, tuple(out.shape[1:]))


_FUNCTIONS = dict(_UNARY, softmax=_softmax, dot=ops.matmul, squared_error=_squared_error,
                  cross_entropy=_cross_entropy, binary_cross_entropy=_bce, conv=_conv, conv_full=_conv_full,
                  max_pool=_max_pool)
_ARITY = {name: 1 for name in _UNARY} | {"softmax": 1, "dot": 2, "squared_error": 2, "cross_entropy": 2,
                                         "binary_cross_entropy": 2, "conv": 2, "conv_full": 2, "max_pool": 2}
_SIZE_ARGUMENT = {"max_pool": 1}       # a whole number written in the expression, not a value


def evaluate(expression: str, scope: dict, source: Source, path: tuple, to_number) -> Tensor:
    """Run ``expression`` over the tensors in ``scope``; errors point into the file."""
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
            args = []
            for i, a in enumerate(node.args):
                if _SIZE_ARGUMENT.get(name) == i:
                    if not (isinstance(a, ast.Constant) and type(a.value) is int and a.value > 0):
                        raise error(a, f"the window size of {name} must be a whole number ≥ 1, e.g. {name}(h, 2)")
                    args.append(a.value)
                else:
                    args.append(run(a))
            try:
                return _FUNCTIONS[name](*args)
            except GlassnetError as exc:
                raise error(node, str(exc)) from None
        raise error(node, "not allowed here (use names, numbers, + - * / ** @, .T and functions such as sigmoid(…))")

    out = run(tree)
    if not isinstance(out, Tensor):
        raise error(tree.body, "the expression is a plain number; it must use at least one named value")
    return out
