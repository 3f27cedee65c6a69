"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, _hyper, _number


def sgd_update(param: np.ndarray, grad: np.ndarray, momentum_buffer: np.ndarray | None, *,
               lr, momentum, dampening, weight_decay, nesterov: bool,
               maximize: bool) -> np.ndarray | None:
    """One SGD update of ``param`` in place; returns the momentum buffer (None without momentum).

    ``momentum_buffer`` is updated in place, or created (a copy of the first gradient) when
    it is None and ``momentum`` ≠ 0. ``grad`` is only read. At most two temporary arrays
    of the parameter's size are made. The formulas are in ``SGD``'s docstring.
    """
    # Every new array is made with out=: on a 0-d array a ufunc would return a NumPy scalar.
    # g ← ±∇ + λθ   (``d`` is an array this function owns, or ``grad`` itself, read-only)
    if weight_decay != 0:
        d = np.multiply(param, weight_decay, out=np.empty_like(param))   # λθ
        (np.subtract if maximize else np.add)(d, grad, out=d)      # λθ ∓ ∇ (exactly −∇ + λθ)
    elif maximize:
        d = np.negative(grad, out=np.empty_like(grad))
    else:
        d = grad
    owned = d is not grad

    if momentum != 0:
        if momentum_buffer is None:
            # b₁ = g₁ (no dampening on the first step, as torch)
            momentum_buffer = d if owned else d.copy()
            owned = False                          # d is the buffer now: never scale it
        else:
            # b ← μ b + (1 − τ) g
            momentum_buffer *= momentum
            if dampening == 0:
                momentum_buffer += d
            elif owned and not nesterov:           # d is not needed after this: scale it in place
                d *= 1 - dampening
                momentum_buffer += d
            else:
                momentum_buffer += np.multiply(d, 1 - dampening)
        if nesterov:
            # g ← g + μ b
            if owned:
                d += np.multiply(momentum_buffer, momentum)
            else:                                  # d is grad or the buffer: read it, write a new array
                t = np.multiply(momentum_buffer, momentum, out=np.empty_like(param))
                t += d                             # μ b + g  (= g + μ b exactly)
                d = t
                owned = True
        else:
            d = momentum_buffer
            owned = False

    # θ ← θ − γ g
    if owned:
        d *= -lr
        param += d
    else:
        param += np.multiply(d, -lr)
    return momentum_buffer


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), exactly as ``torch.optim.SGD``.

    For each parameter θ with gradient ∇ = ∂L/∂θ, at step t:

    .. math::
        g_t &= \pm\nabla_t + \lambda\,\theta_{t-1}  \quad(-\text{ if maximize})\\
        b_t &= \begin{cases} g_t & t = 1\\ \mu\,b_{t-1} + (1-\tau)\,g_t & t > 1\end{cases}
               \quad(\text{if } \mu \ne 0)\\
        g_t &\leftarrow g_t + \mu\,b_t \ \text{ if nesterov, else } b_t \quad(\text{if } \mu \ne 0)\\
        \theta_t &= \theta_{t-1} - \gamma\,g_t

    with γ = lr, μ = momentum, τ = dampening, λ = weight_decay. State per parameter:
    ``momentum_buffer`` (b), only when μ ≠ 0. Parameters whose ``.grad`` is None are skipped.

    Args:
        params: parameters, ``(name, parameter)`` pairs or parameter-group dicts.
        lr: learning rate γ ≥ 0 (default 1e-3).
        momentum: μ ≥ 0 (default 0).
        dampening: τ, damps the gradient's share of the momentum (default 0).
        weight_decay: λ ≥ 0, the L2 penalty's coefficient (default 0).
        nesterov: use Nesterov momentum (needs μ > 0 and τ = 0).
        maximize: ascend the objective instead of descending it.

    Example:
        >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    _param_shaped_state = ("momentum_buffer",)

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    @staticmethod
    def _check_options(options: Mapping[str, Any]) -> None:
        if not 0.0 <= _number(options, "lr"):
            raise ValueError(f"Invalid learning rate: {options['lr']} (lr must be ≥ 0)")
        if not 0.0 <= _number(options, "momentum"):
            raise ValueError(f"Invalid momentum value: {options['momentum']} (momentum must be ≥ 0)")
        _number(options, "dampening")
        if not 0.0 <= _number(options, "weight_decay"):
            raise ValueError(f"Invalid weight_decay value: {options['weight_decay']} "
                             "(weight_decay must be ≥ 0)")
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                             f"(got momentum={options['momentum']}, dampening={options['dampening']})")

    def step(self, closure: Callable[[], Any] | None = None):
        """One SGD update of every parameter that has a ``.grad``; returns the closure's loss."""
        loss = self._run_closure(closure)
        for group, first in self._groups():
            for _, p, grad in self._params_with_grad(group, first):
                dt = p._data.dtype
                momentum = _hyper(group["momentum"], dt)
                state = self.state.get(p)
                buf = state.get("momentum_buffer") if state else None
                buf = sgd_update(p._data, grad, None if buf is None else buf._data,
                                 lr=_hyper(group["lr"], dt), momentum=momentum,
                                 dampening=_hyper(group["dampening"], dt),
                                 weight_decay=_hyper(group["weight_decay"], dt),
                                 nesterov=bool(group["nesterov"]), maximize=bool(group["maximize"]))
                if momentum != 0 and (state is None or "momentum_buffer" not in state):
                    self.state[p]["momentum_buffer"] = Tensor._wrap(buf)
        return loss
