"""Shared helper for the seed tests: compare a value with a number as the seed prints it."""
from __future__ import annotations

import ast
import re

import numpy as np
import pytest

import glassnet as gn

# A printed number: sign, digits, optional decimals (no exponents in the seeds' answers).
_NUMBER = re.compile(r"-?\d+(?:\.(\d*))?")


def _as_array(value) -> np.ndarray:
    if gn.is_tensor(value):
        value = value.detach().numpy()
    return np.asarray(value, dtype=np.float64)


def assert_printed_value(actual, printed: str, *, units: float = 0.5,
                         min_decimals: int = 0) -> None:
    """Assert ``actual`` equals ``printed`` (a number or nested list, written as the seed prints
    it) to the precision printed: each entry within ``units`` (default ½) of a unit in its own
    last printed digit, e.g. "0.549834" → atol 5e-7, "[0.09, 0.24]" → atol 5e-3 each.

    ``min_decimals``: where the seed drops trailing zeros (numpy prints 0.2 and 1 beside
    0.197375), an entry counts at least this many decimals, so "1" is not read as 1 ± 0.5;
    pass the fewest decimals of the matrix's other entries.
    """
    expected = np.array(ast.literal_eval(printed), dtype=np.float64)
    decimals = np.array([max(len(m.group(1) or ""), min_decimals)
                         for m in _NUMBER.finditer(printed)])
    assert decimals.size == expected.size, f"could not parse {printed!r}"
    atol = units * 10.0 ** -decimals.reshape(expected.shape)
    got = _as_array(actual)
    assert got.shape == expected.shape, f"shape {got.shape} ≠ printed shape {expected.shape}"
    err = np.abs(got - expected)
    # 1e-9 relative slack only absorbs binary representation error of the printed decimals
    bad = ~(err <= atol * (1 + 1e-9))
    assert not bad.any(), (f"printed {printed}\n got {np.array2string(got, precision=10)}\n"
                           f"off by {err[bad]} > {atol[bad]}")


@pytest.fixture
def assert_printed():
    """The function ``assert_printed_value(actual, printed, units=0.5, min_decimals=0)``."""
    return assert_printed_value
