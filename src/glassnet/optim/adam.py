"""Adam (and, with decoupled weight decay, AdamW): adaptive moment estimation."""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from .. import _backend
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, _hyper, _number


def adam_update(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
                max_exp_avg_sq: np.ndarray | None, step, *, lr, beta1, beta2, eps, weight_decay,
                maximize: bool, decoupled_weight_decay: bool = False) -> None:
    """One Adam update of ``param`` in place at step ``step`` (1 for the first update).

    ``exp_avg`` (m), ``exp_avg_sq`` (v) and, for AMSGrad, ``max_exp_avg_sq`` (v̂ᵐᵃˣ) are
    updated in place; ``grad`` is only read. The formulas are in ``Adam``'s docstring;
    the order of operations is torch's (``lerp`` for m, ``addcmul`` for v).
    """
    exact = param.dtype.kind == "O"
    if weight_decay != 0 and decoupled_weight_decay:
        param *= 1 - lr * weight_decay                      # θ ← θ (1 − γλ)

    # g ← ±∇ + λθ
    g = grad
    if maximize:
        g = np.negative(grad, out=np.empty_like(grad))
    if weight_decay != 0 and not decoupled_weight_decay:
        if g is grad:
            g = np.multiply(param, weight_decay, out=np.empty_like(param))
            g += grad
        else:
            g += np.multiply(param, weight_decay)

    tmp = np.empty_like(param)
    # m ← m + (1 − β₁)(g − m)   (torch's lerp: the other form when the weight is ≥ ½)
    w = 1 - beta1
    np.subtract(g, exp_avg, out=tmp)
    if w < 0.5:
        tmp *= w
        exp_avg += tmp
    else:
        tmp *= 1 - w
        np.subtract(g, tmp, out=exp_avg)
    # v ← β₂ v + (1 − β₂) g²
    exp_avg_sq *= beta2
    np.multiply(g, 1 - beta2, out=tmp)
    tmp *= g
    exp_avg_sq += tmp

    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = _backend.sqrt(np.asarray(bias_correction2, dtype=object))[()] \
        if exact else bias_correction2 ** 0.5

    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)   # v̂ᵐᵃˣ ← max(v̂ᵐᵃˣ, v)
        v = max_exp_avg_sq
    else:
        v = exp_avg_sq
    # θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
    if exact:
        tmp[...] = _backend.sqrt(v)
    else:
        np.sqrt(v, out=tmp)
    tmp /= bias_correction2_sqrt
    tmp += eps
    np.divide(exp_avg, tmp, out=tmp)
    tmp *= -step_size
    param += tmp


class Adam(Optimizer):
    r"""Adam, exactly as ``torch.optim.Adam``.

    For each parameter θ with gradient ∇ = ∂L/∂θ, at step t = 1, 2, …:

    .. math::
        g_t &= \pm\nabla_t + \lambda\,\theta_{t-1} \quad(-\text{ if maximize})\\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\,g_t \qquad
        v_t  = \beta_2 v_{t-1} + (1-\beta_2)\,g_t^2\\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ if amsgrad, else } v_t\\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
                    \frac{m_t}{\sqrt{\hat v_t}\,/\sqrt{1-\beta_2^t} + \epsilon}

    with γ = lr, (β₁, β₂) = betas, λ = weight_decay, m₀ = v₀ = 0. With
    ``decoupled_weight_decay=True`` (AdamW) the λθ term leaves g and θ is first scaled by
    1 − γλ instead. State per parameter: ``step`` (a float32 scalar tensor, as torch),
    ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with amsgrad, ``max_exp_avg_sq``.
    Parameters whose ``.grad`` is None are skipped (their step count does not advance).

    Args:
        params: parameters, ``(name, parameter)`` pairs or parameter-group dicts.
        lr: learning rate γ ≥ 0 (default 1e-3).
        betas: (β₁, β₂), each in [0, 1) (default (0.9, 0.999)).
        eps: ε ≥ 0 added to the denominator (default 1e-8).
        weight_decay: λ ≥ 0 (default 0).
        amsgrad: use the running maximum of v (AMSGrad).
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: decay θ directly (AdamW) instead of through the gradient.

    Example:
        >>> opt = Adam(model.parameters(), lr=1e-3)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    _param_shaped_state = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas, eps=eps,
                        weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    @staticmethod
    def _check_options(options: Mapping[str, Any]) -> None:
        if not 0.0 <= _number(options, "lr"):
            raise ValueError(f"Invalid learning rate: {options['lr']} (lr must be ≥ 0)")
        if not 0.0 <= _number(options, "eps"):
            raise ValueError(f"Invalid epsilon value: {options['eps']} (eps must be ≥ 0)")
        betas = options["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, b in enumerate(betas):
            try:
                ok = 0.0 <= float(b) < 1.0
            except (TypeError, ValueError):
                raise TypeError(f"betas[{i}] must be a number, got {b!r}") from None
            if not ok:
                raise ValueError(f"Invalid beta parameter at index {i}: {b} (must be in [0, 1))")
        if not 0.0 <= _number(options, "weight_decay"):
            raise ValueError(f"Invalid weight_decay value: {options['weight_decay']} "
                             "(weight_decay must be ≥ 0)")

    def step(self, closure: Callable[[], Any] | None = None):
        """One Adam update of every parameter that has a ``.grad``; returns the closure's loss."""
        loss = self._run_closure(closure)
        for group, first in self._groups():
            amsgrad = bool(group["amsgrad"])
            for _, p, grad in self._params_with_grad(group, first):
                dt = p._data.dtype
                state = self.state[p]
                if not state:
                    state["step"] = Tensor._wrap(np.zeros((), dtype=np.float32))
                    state["exp_avg"] = Tensor._wrap(np.zeros_like(p._data))
                    state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
                    if amsgrad:
                        state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
                if amsgrad and "max_exp_avg_sq" not in state:    # amsgrad switched on later
                    state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
                step_t = state["step"]
                if not isinstance(step_t, Tensor):               # a plain number from elsewhere
                    step_t = state["step"] = Tensor._wrap(np.array(step_t, dtype=np.float32))
                step_t._data += 1
                step = step_t._data.item()
                if dt.kind == "O":
                    step = int(step)
                beta1, beta2 = group["betas"]
                adam_update(p._data, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data,
                            state["max_exp_avg_sq"]._data if amsgrad else None, step,
                            lr=_hyper(group["lr"], dt), beta1=_hyper(beta1, dt),
                            beta2=_hyper(beta2, dt), eps=_hyper(group["eps"], dt),
                            weight_decay=_hyper(group["weight_decay"], dt),
                            maximize=bool(group["maximize"]),
                            decoupled_weight_decay=bool(group.get("decoupled_weight_decay")))
        return loss


class AdamW(Adam):
    r"""AdamW, exactly as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    .. math::
        \theta \leftarrow \theta\,(1 - \gamma\lambda), \quad\text{then the Adam step with } g_t = \pm\nabla_t

    Same arguments as ``Adam`` but ``weight_decay`` defaults to 1e-2.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:       # as torch: an AdamW always decouples
            group["decoupled_weight_decay"] = True
