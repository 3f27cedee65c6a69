"""glassnet.signal: textbook full / valid / same convolution and correlation — seed 004
questions 4.3 and 5 through glassnet's autograd, and agreement with NumPy and SciPy."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

import glassnet as gn
from glassnet.errors import ShapeError
from glassnet.signal import convolve, convolve2d, correlate, correlate2d
from tests.helpers import check_grad_fd

MODES = ["full", "valid", "same"]


# ---------------------------------------------------------------- seed 004, question 4.3

@pytest.mark.parametrize("mode, expected", [("full", [1, 2, 5, 8, 6, 8]), ("valid", [5, 8]),
                                            ("same", [2, 5, 8, 6])])
def test_seed004_q4_3_full_valid_same_convolution_with_kernel_flipping(mode, expected):
    # [1, 2, 3, 4] ∗ [1, 0, 2]: the flipped kernel [2, 0, 1] slides over the zero-padded signal,
    # e.g. full₂ = 1·2 + 2·0 + 3·1 = 5 and valid = [5, 8] (the complete overlaps);
    # same keeps the middle 4 of full: [2, 5, 8, 6]
    out = convolve([1, 2, 3, 4], [1, 0, 2], mode)
    assert isinstance(out, np.ndarray) and out.dtype.kind == "i"
    assert out.tolist() == expected


def test_seed004_q4_3_without_flipping_is_cross_correlation():
    # [1, 2, 3, 4] ★ [1, 0, 2]: valid = [1 + 6, 2 + 8] = [7, 10]
    assert convolve([1, 2, 3, 4], [1, 0, 2], "valid", flip=False).tolist() == [7, 10]
    assert correlate([1, 2, 3, 4], [1, 0, 2], "full").tolist() == [2, 4, 7, 10, 3, 4]


# ---------------------------------------------------------------- seed 004, question 5

def _network(x, w1, w2, mode):
    """a¹ = x ⋆ w¹, h¹ = ReLU(a¹), a² = h¹ ⋆ w², h² = ReLU(a²), L = Σ c ∘ h² (no flipping)."""
    a1 = correlate(x, w1, mode)
    h1 = gn.relu(a1)
    h1.retain_grad()
    a2 = correlate(h1, w2, mode)
    a2.retain_grad()
    return h1, a2


SIZES = [(10, 3, 4), (7, 2, 2), (12, 5, 3), (6, 1, 4)]                     # (d, k₁, k₂)


@pytest.mark.parametrize("d, k1, k2", SIZES)
def test_seed004_q5_1_to_5_3_valid_layers_backpropagate_as_a_full_convolution(d, k1, k2):
    rng = np.random.default_rng(d * 100 + k1 * 10 + k2)
    x = gn.tensor(rng.standard_normal(d), requires_grad=True)
    w1, w2 = gn.tensor(rng.standard_normal(k1)), gn.tensor(rng.standard_normal(k2))
    h1, a2 = _network(x, w1, w2, "valid")
    # 5.1: |a²| = d − k₁ − k₂ + 2
    assert a2.shape == (d - k1 - k2 + 2,)
    # 5.3: ∇_{h¹}L = ∇_{a²}L ~∗ flip(w²)  (full, without flipping, of the flipped kernel)
    c = gn.tensor(rng.standard_normal(a2.shape))
    (gn.relu(a2) * c).sum().backward()
    expected = correlate(a2.grad.numpy(), w2.numpy()[::-1], "full")
    np.testing.assert_allclose(h1.grad.numpy(), expected, rtol=1e-12, atol=1e-14)
    # … which is the true (flipping) full convolution of ∇_{a²}L with w²
    np.testing.assert_allclose(h1.grad.numpy(), convolve(a2.grad.numpy(), w2.numpy(), "full"),
                               rtol=1e-12, atol=1e-14)
    # 5.2: ∂a²ᵢ/∂h¹ₙ = w²_{n−i+1} when 1 ≤ n − i + 1 ≤ k₂, else 0 (1-based indices)
    jac = _jacobian(w2, h1.shape[0], "valid")
    for i in range(1, a2.shape[0] + 1):
        for n in range(1, h1.shape[0] + 1):
            j = n - i + 1
            assert jac[i - 1, n - 1] == (w2.numpy()[j - 1] if 1 <= j <= k2 else 0.0)


@pytest.mark.parametrize("d, k1, k2", SIZES)
def test_seed004_q5_4_to_5_6_full_layers_backpropagate_as_a_valid_convolution(d, k1, k2):
    rng = np.random.default_rng(d * 100 + k1 * 10 + k2 + 1)
    x = gn.tensor(rng.standard_normal(d), requires_grad=True)
    w1, w2 = gn.tensor(rng.standard_normal(k1)), gn.tensor(rng.standard_normal(k2))
    h1, a2 = _network(x, w1, w2, "full")
    # 5.4: |a²| = d + k₁ + k₂ − 2
    assert a2.shape == (d + k1 + k2 - 2,)
    # 5.6: ∇_{h¹}L = ∇_{a²}L ∗ flip(w²)  (valid, without flipping, of the flipped kernel)
    c = gn.tensor(rng.standard_normal(a2.shape))
    (gn.relu(a2) * c).sum().backward()
    expected = correlate(a2.grad.numpy(), w2.numpy()[::-1], "valid")
    np.testing.assert_allclose(h1.grad.numpy(), expected, rtol=1e-12, atol=1e-14)
    # 5.5: ∂a²ᵢ/∂h¹ₙ = w²_{n+k₂−i} when n ≤ i ≤ n + k₂ − 1, else 0
    jac = _jacobian(w2, h1.shape[0], "full")
    for i in range(1, a2.shape[0] + 1):
        for n in range(1, h1.shape[0] + 1):
            assert jac[i - 1, n - 1] == (w2.numpy()[n + k2 - i - 1] if n <= i <= n + k2 - 1
                                         else 0.0)


def _jacobian(w2, n_in: int, mode: str) -> np.ndarray:
    """∂a²ᵢ/∂h¹ₙ of the layer a² = h¹ ⋆ w² by autograd: row i is the gradient of a²ᵢ."""
    h = gn.tensor(np.zeros(n_in), requires_grad=True)      # a² is linear in h¹: any point will do
    a = correlate(h, w2, mode)
    rows = []
    for i in range(a.shape[0]):
        h.grad = None
        a.backward(gn.tensor(np.eye(a.shape[0])[i]), retain_graph=True)
        rows.append(h.grad.numpy())
    return np.array(rows)


# ---------------------------------------------------------------- NumPy and SciPy

@pytest.mark.parametrize("d", [1, 2, 5, 8])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 6, 9])
@pytest.mark.parametrize("mode", MODES)
def test_1d_agrees_with_numpy_and_scipy(d, k, mode):
    rng = np.random.default_rng(10 * d + k)
    x, w = rng.standard_normal(d), rng.standard_normal(k)
    for ours, theirs in ((convolve(x, w, mode), scipy.signal.convolve(x, w, mode)),
                         (correlate(x, w, mode), scipy.signal.correlate(x, w, mode)),
                         (convolve(x, w, mode, flip=False), scipy.signal.correlate(x, w, mode))):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    if mode != "same" or d >= k:         # numpy's 'same' has length max(d, k), SciPy's d
        np.testing.assert_allclose(convolve(x, w, mode), np.convolve(x, w, mode), atol=1e-12)
        np.testing.assert_allclose(correlate(x, w, mode), np.correlate(x, w, mode), atol=1e-12)


@pytest.mark.parametrize("x_shape", [(5, 6), (3, 3), (2, 7)])
@pytest.mark.parametrize("k_shape", [(1, 1), (2, 3), (3, 2), (4, 4), (5, 7)])
@pytest.mark.parametrize("mode", MODES)
def test_2d_agrees_with_scipy(x_shape, k_shape, mode):
    rng = np.random.default_rng(sum(x_shape) * 10 + sum(k_shape))
    x, w = rng.standard_normal(x_shape), rng.standard_normal(k_shape)
    smaller = all(a <= b for a, b in zip(x_shape, k_shape))
    larger = all(a >= b for a, b in zip(x_shape, k_shape))
    if mode == "valid" and not (smaller or larger):
        with pytest.raises(ShapeError, match="at least as large as the other in every dimension"):
            convolve2d(x, w, mode)
        return
    np.testing.assert_allclose(convolve2d(x, w, mode), scipy.signal.convolve2d(x, w, mode),
                               rtol=1e-12, atol=1e-12)
    # SciPy's N-d correlate; its correlate2d centres 'same' differently for even kernels
    np.testing.assert_allclose(correlate2d(x, w, mode), scipy.signal.correlate(x, w, mode),
                               rtol=1e-12, atol=1e-12)
    if all(n % 2 for n in k_shape) or mode != "same":
        np.testing.assert_allclose(convolve2d(x, w, mode, flip=False),
                                   scipy.signal.correlate2d(x, w, mode), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- tensors and gradients

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("flip", [True, False])
@pytest.mark.parametrize("d, k", [(7, 4), (6, 3), (3, 5)])
def test_tensor_gradients_by_finite_differences(mode, flip, d, k):
    check_grad_fd(lambda x, w: convolve(x, w, mode, flip), [(d,), (k,)])


@pytest.mark.parametrize("mode", MODES)
def test_2d_tensor_gradients_by_finite_differences(mode):
    check_grad_fd(lambda x, w: convolve2d(x, w, mode), [(4, 5), (2, 3)])
    check_grad_fd(lambda x, w: correlate2d(x, w, mode), [(4, 5), (3, 2)])


def test_tensors_give_tensors_and_keep_their_dtype():
    x = gn.tensor([1.0, 2.0, 3.0, 4.0], dtype=gn.float32, requires_grad=True)
    y = convolve(x, [1, 0, 2], "same")                 # the list takes the tensor's dtype
    assert isinstance(y, gn.Tensor) and y.dtype == gn.float32
    assert y.tolist() == [2.0, 5.0, 8.0, 6.0]
    y.sum().backward()
    assert x.grad.dtype == gn.float32
    with pytest.raises(TypeError, match="float32.*float64"):
        convolve(x, gn.tensor([1.0, 2.0]))


def test_exact_numbers():
    x = gn.tensor([1, 2, 3, 4], dtype=gn.exact)
    assert convolve(x, gn.tensor([1, 0, 2], dtype=gn.exact), "full").tolist() == [1, 2, 5, 8, 6, 8]


def test_errors():
    with pytest.raises(ValueError, match="mode must be one of"):
        convolve([1, 2], [1], "circular")
    with pytest.raises(ShapeError, match=r"convolve: x must be 1-D, got shape \(2, 2\)"):
        convolve([[1, 2], [3, 4]], [1])
    with pytest.raises(ShapeError, match="convolve2d: k must be 2-D"):
        convolve2d([[1, 2], [3, 4]], [1])
    with pytest.raises(ShapeError, match="k is empty"):
        convolve([1, 2], [])
