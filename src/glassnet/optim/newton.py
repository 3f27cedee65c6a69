"""Newton's method: all parameters together, θ ← θ − η (H + λI)⁻¹ ∇L."""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from ..errors import GlassnetError
from ..grad_mode import enable_grad, no_grad
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, _hyper, _number


class SingularHessianError(GlassnetError, ValueError):
    """H + λI has no inverse, so the Newton step is not defined."""


def newton_direction(hessian: np.ndarray, gradient: np.ndarray, damping=0) -> np.ndarray:
    """Δ with (H + λI) Δ = ∇L: NumPy's LU solver for floats, SymPy's exact one for ``gn.exact``.

    Raises:
        SingularHessianError: when H + λI is singular (no unique step).
    """
    n = gradient.shape[0]
    if hessian.dtype == object:
        import sympy as sp
        A = sp.Matrix(n, n, list(hessian.reshape(-1)))
        if damping != 0:
            A = A + damping * sp.eye(n)
        det = sp.simplify(A.det())
        if det == 0:
            raise SingularHessianError(_singular(n))
        x = A.LUsolve(sp.Matrix(n, 1, list(gradient)))
        out = np.empty(n, dtype=object)
        for i in range(n):
            out[i] = sp.simplify(x[i])
        return out
    A = hessian + damping * np.eye(n, dtype=hessian.dtype) if damping != 0 else hessian
    try:
        out = np.linalg.solve(A, gradient)
    except np.linalg.LinAlgError:
        raise SingularHessianError(_singular(n)) from None
    if not np.all(np.isfinite(out)):
        raise SingularHessianError(_singular(n))
    return out.astype(gradient.dtype, copy=False)


def _singular(n: int) -> str:
    return (f"Newton step: the {n} × {n} Hessian (plus damping λI) is singular, so (H + λI)⁻¹∇L is "
            f"not defined; use damping > 0")


class Newton(Optimizer):
    r"""Newton's method on every parameter at once (a glassnet addition; torch has none).

    θ is all parameters flattened and joined in their order; with the loss L from ``closure``:

    .. math::
        \nabla = \frac{\partial L}{\partial \theta}, \quad
        H = \frac{\partial^2 L}{\partial \theta\, \partial \theta^\top}, \quad
        (H + \lambda I)\,\Delta = \nabla, \quad
        \theta \leftarrow \theta - \eta\,\Delta

    ∇ and H come from differentiating the closure's loss twice (``gn.autograd.grad`` with
    ``create_graph=True``); Δ is solved for, never through an explicit inverse. With η = 1 and
    λ = 0 it is the pure Newton step, exact in one step for a quadratic loss. The last step's
    ``"gradient"``, ``"hessian"`` and ``"direction"`` (Δ) are kept in ``state`` of the first
    parameter (as ``LBFGS`` keeps its state), and an open ``gn.trace`` shows them.

    Args:
        params: parameters (one group: the step couples them all).
        lr: η > 0 (default 1).
        damping: λ ≥ 0 added to H's diagonal (default 0).

    Example:
        >>> opt = Newton(model.parameters())
        >>> opt.step(lambda: loss_fn(model(x), y))      # the closure returns the loss, no backward
    """

    def __init__(self, params: ParamsT, lr: float = 1.0, damping: float = 0.0) -> None:
        super().__init__(params, dict(lr=lr, damping=damping))
        if len(self.param_groups) != 1:
            raise ValueError("Newton doesn't support per-parameter options (parameter groups): "
                             "its step couples every parameter")

    @staticmethod
    def _check_options(options: Mapping[str, Any]) -> None:
        if not 0.0 < _number(options, "lr"):
            raise ValueError(f"Invalid learning rate: {options['lr']} (lr must be > 0)")
        if not 0.0 <= _number(options, "damping"):
            raise ValueError(f"Invalid damping value: {options['damping']} (damping must be ≥ 0)")

    def step(self, closure: Callable[[], Any] | None = None):
        """One Newton step; ``closure`` returns the loss (a one-element tensor). Returns the loss."""
        from ..autograd import grad
        from ..trace.recorder import note_newton_step, unrecorded
        if closure is None:
            raise TypeError("Newton.step needs a closure that returns the loss, e.g. "
                            "opt.step(lambda: loss_fn(model(x), y)): it differentiates the loss twice")
        group = self.param_groups[0]
        params = [p for p in group["params"] if p.requires_grad]
        if not params:
            return None
        with enable_grad(), unrecorded():
            loss = closure()
            if not isinstance(loss, Tensor) or loss.numel() != 1:
                raise TypeError("Newton.step: the closure must return the loss, a tensor with one element, "
                                f"got {type(loss).__name__}"
                                + (f" of shape {tuple(loss.shape)}" if isinstance(loss, Tensor) else ""))
            gradient, hessian = _gradient_and_hessian(loss, params, grad)
        dtype = params[0]._data.dtype
        lr, damping = _hyper(group["lr"], dtype), _hyper(group["damping"], dtype)
        direction = newton_direction(hessian, gradient, damping)
        with no_grad():
            start = 0
            for p in params:
                n = p._data.size
                d = direction[start:start + n].reshape(p._data.shape)
                p._data[...] = p._data - lr * d if lr != 1 else p._data - d
                p._vc[0] += 1          # updated in place: a graph that saved it must not backward
                start += n
        state = self.state[params[0]]
        state["gradient"] = Tensor._wrap(gradient)
        state["hessian"] = Tensor._wrap(hessian)
        state["direction"] = Tensor._wrap(direction)
        note_newton_step(params, gradient, hessian, direction, lr, damping)
        return loss.detach()


def _gradient_and_hessian(loss: Tensor, params: list, grad) -> tuple[np.ndarray, np.ndarray]:
    """(∇L, H) flat over θ = (p₁, p₂, …): H row k is the gradient of ∇ₖ, one backward run each."""
    from ..ops import cat
    grads = grad(loss, params, create_graph=True, allow_unused=True)
    dtype = params[0]._data.dtype
    parts = []
    for p, g in zip(params, grads):
        parts.append(g.reshape(-1) if g is not None else Tensor._wrap(_zeros(p._data.size, dtype)))
    flat = cat(parts) if len(parts) > 1 else parts[0]
    n = flat.numel()
    gradient = np.array(flat._data, copy=True)
    hessian = np.empty((n, n), dtype=dtype)
    for k in range(n):
        gk = flat[k]
        if not gk.requires_grad:             # ∇ₖ does not depend on θ: row k of H is 0
            hessian[k] = _zeros(n, dtype)
            continue
        row = grad(gk, params, retain_graph=True, allow_unused=True)
        hessian[k] = np.concatenate([(r._data if r is not None else _zeros(p._data.size, dtype)).reshape(-1)
                                     for p, r in zip(params, row)])
    return gradient, hessian


def _zeros(n: int, dtype) -> np.ndarray:
    if dtype == object:
        import sympy as sp
        out = np.empty(n, dtype=object)
        out[...] = sp.Integer(0)
        return out
    return np.zeros(n, dtype=dtype)
