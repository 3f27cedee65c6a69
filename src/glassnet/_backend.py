"""Array namespaces: dtypes, the default dtype, the random generator, and the
elementwise math that must work on NumPy float arrays and on exact (object) arrays.

Ops do their transcendental math through the functions here so that an array of
SymPy numbers (dtype ``object``) gets ``exp`` as ``sympy.exp`` instead of failing
inside NumPy; float arrays go straight to NumPy with no extra cost but one check.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import _special

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)
exact = np.dtype(object)

_DTYPE_NAMES = {
    "float32": float32, "float": float32, "float64": float64, "double": float64,
    "float16": float16, "half": float16, "int8": int8, "int16": int16,
    "int32": int32, "int": int32, "int64": int64, "long": int64, "uint8": uint8,
    "bool": bool_, "exact": exact, "object": exact,
}

_default_dtype = float64
_generator = np.random.default_rng()


def set_default_dtype(dtype) -> None:
    """Set the dtype that floating-point tensors get when none is given (float32 or float64)."""
    global _default_dtype
    dt = as_dtype(dtype)
    if dt not in (float32, float64):
        raise TypeError(f"default dtype must be float32 or float64, got {dt}")
    _default_dtype = dt


def get_default_dtype() -> np.dtype:
    return _default_dtype


def as_dtype(dtype) -> np.dtype:
    """Normalise a dtype given as a NumPy dtype, a Python type or a name."""
    if dtype is None:
        return _default_dtype
    if isinstance(dtype, str):
        try:
            return _DTYPE_NAMES[dtype.removeprefix("torch.")]
        except KeyError:
            raise TypeError(f"unknown dtype {dtype!r}; choose one of {sorted(_DTYPE_NAMES)}") from None
    if dtype is float:
        return _default_dtype
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}") from None


def is_floating(dtype: np.dtype) -> bool:
    """True for dtypes that can carry gradients (floats and exact numbers)."""
    return dtype.kind == "f" or dtype == exact


# ---------------------------------------------------------------- random numbers

def manual_seed(seed: int) -> np.random.Generator:
    """Seed glassnet's global generator (used by initialisers, rand, randn, dropout, shuffling)."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    _generator = np.random.default_rng(int(seed) & 0xFFFF_FFFF_FFFF_FFFF)
    return _generator


def generator() -> np.random.Generator:
    return _generator


def get_rng_state() -> dict:
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    _generator.bit_generator.state = state


# ---------------------------------------------------------------- elementwise math

def _sympy():
    try:
        import sympy
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "exact mode needs SymPy: pip install 'glassnet[exact]'") from None
    return sympy


def exact_number(v):
    """One value as a SymPy number: ints (and bools) → Integer, a float → the Rational of its
    shortest repr (0.1 → 1/10, the decimal it was written as; no tolerance, so 0.1 + 0.2 is not
    3/10), a Fraction → Rational; SymPy values are kept."""
    sp = _sympy()
    if isinstance(v, sp.Basic):
        return v
    if isinstance(v, (bool, np.bool_, numbers.Integral, np.integer)):
        return sp.Integer(int(v))
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            raise ValueError(f"exact mode needs finite numbers, got {v}")
        return sp.Rational(str(v))          # str of a NumPy float is its shortest repr too
    if isinstance(v, numbers.Rational):
        return sp.Rational(v.numerator, v.denominator)
    raise TypeError(f"cannot make an exact number from {type(v).__name__} {v!r}")


def as_exact(a) -> np.ndarray:
    """A new object array of SymPy numbers with the values of ``a`` (see ``exact_number``)."""
    src = np.asarray(a)
    out = np.empty(src.shape, dtype=exact)
    flat = out.reshape(-1)
    for i, v in enumerate(src.reshape(-1)):       # NumPy scalars: a float32 0.1 reads as 1/10
        flat[i] = exact_number(v)
    return out


def _is_exact(a) -> bool:
    """An exact operand: an object array, or the bare SymPy number NumPy makes of a 0-d one."""
    dt = getattr(a, "dtype", None)
    return dt == exact if dt is not None else hasattr(a, "is_number")


def _exact_map(name, a: np.ndarray) -> np.ndarray:
    """``name`` (a SymPy function's name, or a function of one value) applied to every element;
    an object array of the same shape (0-d included: NumPy would give a bare SymPy scalar)."""
    fn = getattr(_sympy(), name) if isinstance(name, str) else name
    a = np.asarray(a, dtype=object)
    out = np.empty(a.shape, dtype=object)
    flat_in, flat_out = a.reshape(-1), out.reshape(-1)
    for i, v in enumerate(flat_in):
        flat_out[i] = fn(v)
    return out


def exp(a: np.ndarray) -> np.ndarray:
    return _exact_map("exp", a) if _is_exact(a) else np.exp(a)


def log(a: np.ndarray) -> np.ndarray:
    return _exact_map("log", a) if _is_exact(a) else np.log(a)


def tanh(a: np.ndarray) -> np.ndarray:
    return _exact_map("tanh", a) if _is_exact(a) else np.tanh(a)


def sqrt(a: np.ndarray) -> np.ndarray:
    return _exact_map("sqrt", a) if _is_exact(a) else np.sqrt(a)


def sin(a: np.ndarray) -> np.ndarray:
    return _exact_map("sin", a) if _is_exact(a) else np.sin(a)


def cos(a: np.ndarray) -> np.ndarray:
    return _exact_map("cos", a) if _is_exact(a) else np.cos(a)


def log1p(a: np.ndarray) -> np.ndarray:
    """log(1 + a), accurate for tiny a (exact: log(1 + a) as written)."""
    return log(1 + a) if _is_exact(a) else np.log1p(a)


def expm1(a: np.ndarray) -> np.ndarray:
    """e^a − 1, accurate for tiny a (exact: exp(a) − 1 as written)."""
    return exp(a) - 1 if _is_exact(a) else np.expm1(a)


def erf(a: np.ndarray) -> np.ndarray:
    """The error function; NumPy-only for float arrays (see ``_special``)."""
    return _exact_map("erf", a) if _is_exact(a) else _special.erf(a)


def sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)), computed without overflow for |z| ≥ 1000.

    For z < 0 the form e^z / (1 + e^z) is used, so e^(−z) is never evaluated at a
    large positive argument.
    """
    if _is_exact(a):
        E = _sympy().exp
        return _exact_map(lambda v: 1 / (1 + E(-v)), a)
    e = np.exp(-np.abs(a))          # in (0, 1]: cannot overflow
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def logsumexp(a: np.ndarray, axis) -> np.ndarray:
    """log Σ e^a over ``axis`` (an int, a tuple or None), keepdims, computed as
    m + log Σ e^(a − m) with m the max, so nothing overflows."""
    if _is_exact(a):
        return log(exp(a).sum(axis=axis, keepdims=True))
    if a.size == 0:
        with np.errstate(divide="ignore"):
            return np.log(np.exp(a).sum(axis=axis, keepdims=True))
    m = a.max(axis=axis, keepdims=True)
    m = np.where(np.isinf(m), 0, m)                 # all −inf (or an inf): shift by 0
    with np.errstate(divide="ignore"):
        return np.log(np.exp(a - m).sum(axis=axis, keepdims=True)) + m
