"""The NumPy error function against math.erf (correctly rounded to within 1 ulp) and torch.erf."""
import math

import numpy as np
import torch

from glassnet._special import erf


def test_erf_matches_math_erf_to_a_few_ulp():
    x = np.concatenate([np.linspace(-7.0, 7.0, 20001), np.geomspace(1e-300, 1e-2, 300),
                        -np.geomspace(1e-300, 1e-2, 300), np.linspace(5.9, 6.1, 201)])
    expected = np.array([math.erf(v) for v in x])
    got = erf(x)
    ulps = np.abs(got - expected) / np.spacing(np.abs(expected))
    assert ulps.max() <= 4, f"max error {ulps.max()} ulp at x = {x[ulps.argmax()]}"
    np.testing.assert_allclose(got, torch.erf(torch.tensor(x)).numpy(), rtol=1e-15, atol=0)


def test_erf_special_values_and_dtypes():
    out = erf(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 6.0, 30.0, -1e300]))
    assert out[:2].tolist() == [0.0, -0.0] and math.copysign(1, out[1]) == -1
    assert out[2:4].tolist() == [1.0, -1.0] and np.isnan(out[4])
    assert out[5:].tolist() == [1.0, 1.0, -1.0]
    assert erf(np.float32([0.5])).dtype == np.float32
    assert erf(np.array(1.0)).shape == () and erf(np.array(1.0)) == math.erf(1.0)
