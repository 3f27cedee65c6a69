"""0-d exact tensors stay tensors: NumPy gives a bare SymPy number for an op on 0-d object
arrays (``a._data * b``); the engine wraps it back into a 0-d array, forward and backward."""
from __future__ import annotations

import numpy as np
import pytest

sp = pytest.importorskip("sympy")

import glassnet as gn  # noqa: E402
from glassnet.nn import functional as F  # noqa: E402
from glassnet.trace.exact import exact_tensor  # noqa: E402

HALF, E = sp.Rational(1, 2), sp.E


def _scalar(t: gn.Tensor):
    """The one value of a 0-d exact tensor, checking that it is a 0-d object array."""
    assert type(t._data) is np.ndarray and t._data.shape == () and t._data.dtype == object
    return t._data[()]


# (name, f(a, b) with a = 1/2 and b = 3, value, ∂/∂a) — each worked by hand
CASES = [
    ("a·b", lambda a, b: a * b, sp.Rational(3, 2), 3),
    ("2a", lambda a, b: 2 * a, 1, 2),
    ("1 − a", lambda a, b: 1 - a, HALF, -1),
    ("a / b", lambda a, b: a / b, sp.Rational(1, 6), sp.Rational(1, 3)),
    ("1 / a", lambda a, b: 1 / a, 2, -4),                          # −1/a²
    ("a^b", lambda a, b: a ** b, sp.Rational(1, 8), sp.Rational(3, 4)),   # b·a^(b−1)
    ("e^a", lambda a, b: a.exp(), sp.exp(HALF), sp.exp(HALF)),
    ("σ(a)", lambda a, b: a.sigmoid(), 1 / (1 + sp.exp(-HALF)),
     sp.exp(-HALF) / (1 + sp.exp(-HALF)) ** 2),                    # σ(1 − σ)
    ("log a", lambda a, b: a.log(), -sp.log(2), 2),
    ("mean(ab)", lambda a, b: (a * b).mean(), sp.Rational(3, 2), 3),
    ("½(a − b)²", lambda a, b: F.squared_error(a, b), sp.Rational(25, 8), sp.Rational(-5, 2)),
    ("(a − b)²", lambda a, b: F.mse_loss(a, b), sp.Rational(25, 4), -5),
    ("max(1 − 1·a, 0)", lambda a, b: F.hinge_loss(a, exact_tensor(1)), HALF, -1),
    ("max(a, 0)", lambda a, b: gn.maximum(a, 0), HALF, 1),
    ("max(a, b)", lambda a, b: gn.maximum(a, b), 3, 0),
    ("huber(a, b)", lambda a, b: F.huber_loss(a, b), 2, -1),       # δ(|d| − ½δ), d = −5/2
]


@pytest.mark.parametrize("name,fn,value,grad", CASES, ids=[c[0] for c in CASES])
def test_an_op_on_0d_exact_tensors_gives_a_0d_exact_tensor_and_gradient(name, fn, value, grad):
    a = exact_tensor(HALF, requires_grad=True)
    b = exact_tensor(3, requires_grad=True)
    out = fn(a, b)
    assert sp.simplify(_scalar(out) - value) == 0
    out.backward()
    g = _scalar(a.grad)
    assert not isinstance(g, float) and not isinstance(g, sp.Float), f"∂/∂a = {g!r} is not exact"
    assert sp.simplify(g - grad) == 0


def test_a_0d_float_result_keeps_its_dtype():
    a = gn.tensor(0.5, requires_grad=True)
    out = a * 3.0
    assert type(out._data) is np.ndarray and out.dtype == gn.float64 and out.item() == 1.5
    out.backward()
    assert a.grad.dtype == gn.float64 and a.grad.item() == 3.0


def test_exact_mean_and_its_gradient_stay_rational():
    x = exact_tensor([1, 2], requires_grad=True)
    m = x.mean()
    assert _scalar(m) == sp.Rational(3, 2)
    m.backward()
    assert x.grad._data.tolist() == [HALF, HALF]
    assert all(isinstance(v, sp.Rational) for v in x.grad._data)
