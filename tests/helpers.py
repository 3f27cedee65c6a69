"""Shared test helpers: compare a glassnet op with torch, and check gradients by central
differences (tinygrad's ``helper_test_op``, micrograd's ``test_engine``)."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

import glassnet as gn


def _inputs(rng: np.random.Generator, shapes: Sequence) -> list[np.ndarray]:
    """A float64 array for each entry: a shape gets standard-normal values, an array is used as is."""
    return [np.array(s, dtype=np.float64) if isinstance(s, (np.ndarray, np.generic))
            else np.asarray(rng.standard_normal(s)) for s in shapes]


def _paired_inputs(rng: np.random.Generator, shapes: Sequence, requires_grad) -> tuple[list, list, list]:
    """The requires-grad flags and the same float64 inputs as glassnet and as torch tensors."""
    arrays = _inputs(rng, shapes)
    flags = [True] * len(arrays) if requires_grad is None else list(requires_grad)
    return (flags, [gn.tensor(a, requires_grad=f) for a, f in zip(arrays, flags)],
            [torch.tensor(a, requires_grad=f) for a, f in zip(arrays, flags)])


def check_op(gn_fn: Callable, torch_fn: Callable, shapes: Sequence, *, requires_grad=None,
             seed: int = 0, rtol: float = 1e-12, atol: float = 1e-12) -> gn.Tensor:
    """Run ``gn_fn`` and ``torch_fn`` in float64 on the same random inputs (one per entry of
    ``shapes``: a shape, or an ndarray to use as given) and assert that the outputs and the
    gradient of every input, for a random upstream gradient, agree. Returns glassnet's output."""
    rng = np.random.default_rng(seed)
    flags, gn_in, th_in = _paired_inputs(rng, shapes, requires_grad)

    out, expected = gn_fn(*gn_in), torch_fn(*th_in)
    assert out.dtype == gn.float64, f"output dtype {out.dtype}"
    assert out.shape == tuple(expected.shape), f"shape {out.shape} ≠ torch {tuple(expected.shape)}"
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=rtol, atol=atol)

    if not any(flags):
        return out
    upstream = rng.standard_normal(tuple(expected.shape))
    out.backward(gn.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for i, (g, t) in enumerate(zip(gn_in, th_in)):
        if not flags[i]:
            assert g.grad is None
            continue
        assert g.grad is not None, f"input {i} got no gradient"
        assert g.grad.shape == g.shape and g.grad.dtype == g.dtype
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")
    return out


def check_grad_fd(fn: Callable, shapes: Sequence, *, seed: int = 0, eps: float = 1e-6,
                  rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Assert that backward through ``fn`` matches central finite differences.

    With a random upstream u, the scalar L = Σ u ∘ fn(x) has ∂L/∂xᵢ ≈ (L(xᵢ + ε) − L(xᵢ − ε)) / 2ε
    for every entry of every input; the error of the central difference is O(ε²).
    """
    rng = np.random.default_rng(seed)
    arrays = _inputs(rng, shapes)
    tensors = [gn.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    upstream = rng.standard_normal(out.shape)
    (out * gn.tensor(upstream)).sum().backward()

    def loss(xs) -> float:
        with gn.no_grad():
            return float((fn(*[gn.tensor(x) for x in xs]).numpy() * upstream).sum())

    for i, a in enumerate(arrays):
        numeric = np.zeros_like(a)
        for j in np.ndindex(a.shape):
            plus = [x.copy() for x in arrays]
            minus = [x.copy() for x in arrays]
            plus[i][j] += eps
            minus[i][j] -= eps
            numeric[j] = (loss(plus) - loss(minus)) / (2 * eps)
        np.testing.assert_allclose(tensors[i].grad.numpy(), numeric, rtol=rtol, atol=atol,
                                   err_msg=f"finite differences, input {i}")


def check_second_order(gn_fn: Callable, torch_fn: Callable, shapes: Sequence, *, requires_grad=None,
                       seed: int = 0, rtol: float = 1e-9, atol: float = 1e-10) -> None:
    """Assert that glassnet's second derivatives of ``gn_fn`` equal torch's, in float64.

    With random upstream u (which requires grad too), g = ∂(uᵀ f(x))/∂x is taken with
    ``create_graph=True``; then for a random v, ∂(vᵀ g)/∂x and ∂(vᵀ g)/∂u — every Hessian-vector
    product of the op, and the derivative of its backward with respect to the incoming gradient —
    are compared with torch's. Inputs are as in ``check_op``."""
    rng = np.random.default_rng(seed)
    flags, gn_in, th_in = _paired_inputs(rng, shapes, requires_grad)
    out, expected = gn_fn(*gn_in), torch_fn(*th_in)
    upstream = rng.standard_normal(tuple(expected.shape))
    u_gn = gn.tensor(upstream, requires_grad=True)
    u_th = torch.tensor(upstream, requires_grad=True)
    wrt_gn = [t for t, f in zip(gn_in, flags) if f]
    wrt_th = [t for t, f in zip(th_in, flags) if f]
    g_gn = gn.autograd.grad(out, wrt_gn, u_gn, create_graph=True, allow_unused=True)
    g_th = torch.autograd.grad(expected, wrt_th, u_th, create_graph=True, allow_unused=True)
    for i, (a, b) in enumerate(zip(g_gn, g_th)):
        if b is None:
            continue
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"first derivative, input {i}")
    vs = [rng.standard_normal(tuple(b.shape)) if b is not None else None for b in g_th]
    s_gn = sum((a * gn.tensor(v)).sum() for a, v in zip(g_gn, vs) if v is not None and a is not None)
    s_th = sum((b * torch.tensor(v)).sum() for b, v in zip(g_th, vs) if v is not None and b.requires_grad)
    if not isinstance(s_th, torch.Tensor) or not s_th.requires_grad:
        # torch says the first derivative is constant: glassnet's second derivatives must be zero
        if isinstance(s_gn, gn.Tensor) and s_gn.requires_grad:
            second = gn.autograd.grad(s_gn, wrt_gn + [u_gn], allow_unused=True)
            for i, a in enumerate(second[:-1]):
                if a is not None:
                    np.testing.assert_allclose(a.numpy(), 0, atol=atol, err_msg=f"second derivative, input {i}")
        return
    second_gn = gn.autograd.grad(s_gn, wrt_gn + [u_gn], allow_unused=True, materialize_grads=True)
    second_th = torch.autograd.grad(s_th, wrt_th + [u_th], allow_unused=True, materialize_grads=True)
    names = [f"input {i}" for i in range(len(wrt_gn))] + ["upstream gradient"]
    for name, a, b in zip(names, second_gn, second_th):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(force=True), rtol=rtol, atol=atol,
                                   err_msg=f"second derivative with respect to {name}")
