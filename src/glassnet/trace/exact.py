"""Exact mode: models and tensors of SymPy numbers, so rationals stay rationals and e stays e.

The exact backend is NumPy arrays of dtype ``object`` (``gn.exact``) holding SymPy
numbers; the ops send exp/log/tanh/sigmoid to SymPy for them (see ``_backend``). This
module turns ordinary values into that form:

* a float becomes the decimal it was written as: ``0.1`` → 1/10 (the float's shortest
  repr is read as a decimal — no tolerance, so 0.1 + 0.2 = 0.30000000000000004 is not
  mistaken for 3/10); ``gn.tensor([0.1], dtype=gn.exact)`` and ``model.to(gn.exact)``
  follow the same rule (``glassnet._backend.exact_number``);
* ints become Integers; SymPy values are kept; strings such as ``"1/3"``, ``"e**2"`` or
  ``"x1"`` are parsed by a small safe parser (never ``eval``): numbers, + − * / **, e, pi,
  exp, log, sqrt and symbol names.

SymPy is an optional dependency: ``pip install 'glassnet[exact]'``.

Example:
    >>> model = exact_module(nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1)))
    >>> x = exact_tensor([[0, 2]])
"""
from __future__ import annotations

import ast
import math
import numbers

import numpy as np

from .._backend import exact as exact_dtype
from .._backend import exact_number

_INSTALL = "exact mode needs SymPy: pip install 'glassnet[exact]' (or pip install sympy)"


def sympy_module():
    """SymPy, or an ImportError that says how to install it."""
    try:
        import sympy
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(_INSTALL) from None
    return sympy


def to_exact(value, text: str | None = None):
    """One value as a SymPy number or expression (``text``: the value as written in a file).

    Numbers go through :func:`glassnet._backend.exact_number` (the rule ``gn.tensor(…,
    dtype=gn.exact)`` and ``model.to(gn.exact)`` use too); strings are parsed.
    """
    sp = sympy_module()
    if isinstance(value, (float, np.floating)) and text is not None and math.isfinite(value):
        try:
            if float(text) == float(value):
                return sp.Rational(text.strip().replace("_", ""))
        except (ValueError, TypeError):
            pass
    if isinstance(value, str):
        return parse_expression(value)
    if not isinstance(value, (sp.Basic, numbers.Number)) and hasattr(value, "item") \
            and getattr(value, "size", 2) == 1:
        return to_exact(value.item(), text)
    return exact_number(value)


def exact_array(values, texts=None) -> np.ndarray:
    """An object array of SymPy values (``texts``: same-shaped source strings, optional)."""
    if hasattr(values, "_data"):
        values = values._data
    arr = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    flat_t = None if texts is None else np.asarray(texts, dtype=object).reshape(-1)
    for i, v in enumerate(arr.reshape(-1)):
        out.reshape(-1)[i] = to_exact(v, None if flat_t is None else flat_t[i])
    return out


def exact_tensor(values, requires_grad: bool = False):
    """A tensor of dtype ``gn.exact`` holding ``values`` exactly."""
    from ..tensor import Tensor
    t = Tensor(exact_array(values), dtype=exact_dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def exact_module(module):
    """Convert every parameter and floating buffer of ``module`` to exact values, in place."""
    for p in module.parameters():
        p._data = exact_array(p._data)
        if p.grad is not None:
            p.grad = None
    for b in module.buffers():
        if b._data.dtype.kind == "f":
            b._data = exact_array(b._data)
    return module


def symbols(names: str):
    """SymPy symbols (``symbols("x1 x2 y")``), for symbolic inputs and gradients."""
    return sympy_module().symbols(names)


# ---------------------------------------------------------------------- a safe parser

_FUNCTIONS = ("exp", "log", "sqrt", "sin", "cos", "tanh")


def parse_expression(text: str):
    """A SymPy expression from a string, without eval: ``"e**2/(1 + e**2)"``, ``"1/3"``, ``"x1"``."""
    sp = sympy_module()
    src = str(text).strip()
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"cannot read {text!r} as a number or expression: {exc.msg}") from None

    def build(node):
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            seg = ast.get_source_segment(src, node)
            return sp.Rational(seg) if isinstance(node.value, float) else sp.Integer(node.value)
        if isinstance(node, ast.Name):
            if node.id == "e":
                return sp.E
            if node.id == "pi":
                return sp.pi
            return sp.Symbol(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = build(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = build(node.left), build(node.right)
            ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                   ast.Div: lambda: a / b, ast.Pow: lambda: a ** b}
            for kind, fn in ops.items():
                if isinstance(node.op, kind):
                    return fn()
            if isinstance(node.op, ast.BitXor):
                raise ValueError(f"in {text!r}: write powers with ** (e**2), not ^")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS \
                and len(node.args) == 1 and not node.keywords:
            return getattr(sp, node.func.id)(build(node.args[0]))
        raise ValueError(f"cannot read {text!r}: only numbers, symbols, + - * / **, e, pi and "
                         f"{', '.join(_FUNCTIONS)}(…) are allowed")

    return build(tree)
