"""Gradient check: backward against central differences, with a report that names the input
(or parameter) and the index that disagree — ``torch.autograd.gradcheck`` with an explanation.

For every output entry y_m and every entry θ_k of every checked tensor, the analytic
∂y_m/∂θ_k (one backward pass per output entry) is compared with
(y_m(θ_k + ε) − y_m(θ_k − ε)) / 2ε, whose error is O(ε²). An entry fails when
|analytic − numeric| > atol + rtol·|numeric|.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..errors import GlassnetError
from ..grad_mode import enable_grad, no_grad
from ..tensor import Tensor

__all__ = ["GradcheckError", "GradcheckReport", "GradcheckEntry", "gradcheck"]


class GradcheckError(GlassnetError, RuntimeError):
    """Backward disagrees with central differences (the message is the full report)."""

    def __init__(self, report: "GradcheckReport") -> None:
        super().__init__(str(report))
        self.report = report


@dataclass
class GradcheckEntry:
    """The worst entry of one checked tensor."""

    name: str
    index: tuple
    output_index: tuple
    analytic: float
    numeric: float
    error: float            # |analytic − numeric|
    allowed: float          # atol + rtol·|numeric|
    n_failed: int
    n_entries: int

    @property
    def ok(self) -> bool:
        return self.n_failed == 0


@dataclass
class GradcheckReport:
    passed: bool
    entries: list[GradcheckEntry]
    eps: float
    atol: float
    rtol: float
    jacobians: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    def __bool__(self) -> bool:
        return self.passed

    def worst(self) -> GradcheckEntry | None:
        """The entry with the largest error relative to what is allowed."""
        if not self.entries:
            return None
        return max(self.entries, key=lambda e: e.error / e.allowed if e.allowed else np.inf)

    def __str__(self) -> str:
        head = "gradcheck PASSED" if self.passed else "gradcheck FAILED"
        lines = [f"{head} (central differences, eps={self.eps:g}; an entry fails when "
                 f"|analytic − numeric| > {self.atol:g} + {self.rtol:g}·|numeric|)"]
        width = max((len(e.name) for e in self.entries), default=4)
        for e in self.entries:
            idx = ", ".join(map(str, e.index))
            out = f" of output[{', '.join(map(str, e.output_index))}]" if e.output_index else ""
            verdict = "ok" if e.ok else f"{e.n_failed} of {e.n_entries} Jacobian entries FAIL"
            lines.append(f"  {e.name:<{width}}  {verdict:<31} worst at [{idx}]{out}: analytic "
                         f"{e.analytic:.8g}, numeric {e.numeric:.8g}, |diff| {e.error:.3g}")
        w = self.worst()
        if not self.passed and w is not None:
            lines.append(f"worst: {w.name}[{', '.join(map(str, w.index))}] — backward gives {w.analytic:.8g}, "
                         f"central differences {w.numeric:.8g}")
        return "\n".join(lines)


def _as_named(inputs, wrt) -> tuple[list[Tensor], list[tuple[str, Tensor]]]:
    """The arguments to call fn with, and the (name, tensor) pairs to check."""
    if isinstance(inputs, Tensor):
        args, named = [inputs], [("input 0", inputs)]
    elif isinstance(inputs, dict):
        args = list(inputs.values())
        named = [(str(k), v) for k, v in inputs.items()]
    else:
        args = list(inputs)
        named = [(f"input {i}", t) for i, t in enumerate(args)]
    for name, t in named:
        if not isinstance(t, Tensor):
            raise TypeError(f"gradcheck: {name} is a {type(t).__name__}, not a Tensor")
    named = [(n, t) for n, t in named if t.requires_grad]
    if wrt is not None:
        extra = wrt.items() if isinstance(wrt, dict) else list(wrt)
        for n, t in extra:
            if t.requires_grad:
                named.append((str(n), t))
    if not named:
        raise ValueError("gradcheck: none of the inputs requires grad, so there is nothing to check")
    return args, named


def gradcheck(fn: Callable, inputs, *, wrt=None, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True,
              second_order: bool = False) -> GradcheckReport:
    """Check ``fn``'s backward against central differences.

    Args:
        fn: called as ``fn(*inputs)`` (``fn(*inputs.values())`` for a dict); returns a tensor.
        inputs: a Tensor, a sequence of tensors, or a dict name → tensor (names appear in the
            report). Those that require grad are checked.
        wrt: more tensors to check that ``fn`` uses without taking them as arguments, e.g.
            ``model.named_parameters()`` — so the report names ``0.weight[1, 2]``.
        eps, atol, rtol: as in torch.autograd.gradcheck.
        raise_exception: raise GradcheckError (whose message is the report) on failure.
        second_order: also check the second derivatives: the gradient vᵀ ∂fn/∂θ for a fixed
            random v, taken with ``create_graph=True``, is itself checked against central
            differences (its entries are named "∂(name)", e.g. "∂(0.weight)").
    Returns:
        GradcheckReport: truthy when every entry agrees; the worst entry of each tensor.
    Example:
        >>> x = gn.randn(3, dtype=gn.float64, requires_grad=True)
        >>> gradcheck(lambda x: (x * x).sum(), x)
    """
    args, named = _as_named(inputs, wrt)
    for name, t in named:
        if t.dtype != np.float64:
            warnings.warn(f"gradcheck: {name} is {t.dtype}; central differences need float64 to be "
                          f"accurate", stacklevel=2)
    with enable_grad():
        out = fn(*args)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    y0 = np.asarray(out._data, dtype=np.float64)
    m = y0.size

    # analytic Jacobian, one backward pass per output entry: J[m, k] = ∂y_m/∂θ_k
    analytic = {name: np.zeros((m, t._data.size)) for name, t in named}
    saved = [(t, t.grad) for _, t in named]
    try:
        for k in range(m):
            for _, t in named:
                t.grad = None
            if out._parents or out.requires_grad:
                seed = np.zeros(y0.shape)
                seed.reshape(-1)[k] = 1.0
                out.backward(Tensor._wrap(seed.astype(out.dtype)), retain_graph=True)
            for name, t in named:
                if t.grad is not None:
                    analytic[name][k] = np.asarray(t.grad._data, dtype=np.float64).reshape(-1)
    finally:
        for t, g in saved:
            t.grad = g

    # numeric Jacobian: perturb one entry at a time, in place, and restore it
    numeric = {}
    for name, t in named:
        flat = t._data.reshape(-1)
        if not np.shares_memory(flat, t._data):
            raise ValueError(f"gradcheck: {name} is not contiguous; pass a contiguous tensor")
        jac = np.zeros((m, flat.size))
        for k in range(flat.size):
            orig = flat[k].copy()
            try:
                flat[k] = orig + eps
                with no_grad():
                    plus = np.asarray(fn(*args)._data, dtype=np.float64).reshape(-1)
                flat[k] = orig - eps
                with no_grad():
                    minus = np.asarray(fn(*args)._data, dtype=np.float64).reshape(-1)
            finally:
                flat[k] = orig
            jac[:, k] = (plus - minus) / (2 * eps)
        numeric[name] = jac

    entries = []
    passed = True
    for name, t in named:
        a, n = analytic[name], numeric[name]
        err = np.abs(a - n)
        allowed = atol + rtol * np.abs(n)
        bad = err > allowed
        n_failed = int(bad.sum())
        passed &= n_failed == 0
        if a.size == 0:
            continue
        ratio = np.where(allowed > 0, err / allowed, np.inf)
        mi, ki = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
        entries.append(GradcheckEntry(
            name, tuple(int(v) for v in np.unravel_index(ki, t.shape)) if t.shape else (),
            tuple(int(v) for v in np.unravel_index(mi, y0.shape)) if y0.shape and m > 1 else (),
            float(a[mi, ki]), float(n[mi, ki]), float(err[mi, ki]), float(allowed[mi, ki]),
            n_failed, int(a.size)))
    report = GradcheckReport(bool(passed), entries, eps, atol, rtol,
                             {name: (analytic[name], numeric[name]) for name, _ in named})
    if second_order:
        second = gradcheck(_gradient_of(fn, args, named, y0.shape, out.dtype), {},
                           wrt=[(f"∂({name})", t) for name, t in named], eps=eps, atol=atol, rtol=rtol,
                           raise_exception=False)
        report.entries.extend(second.entries)
        report.jacobians.update(second.jacobians)
        report.passed = report.passed and second.passed
    if not report.passed and raise_exception:
        raise GradcheckError(report)
    return report


def _gradient_of(fn: Callable, args: list, named: list, out_shape: tuple, dtype) -> Callable:
    """θ ↦ vᵀ ∂fn/∂θ (flattened, all checked tensors after each other) for a fixed random v,
    recorded with create_graph so that its own derivatives can be checked."""
    from ..autograd.engine import grad
    from ..ops import cat
    v = Tensor._wrap(np.random.default_rng(0).standard_normal(out_shape).astype(dtype))
    tensors = [t for _, t in named]

    def gradient() -> Tensor:
        with enable_grad():
            out = fn(*args)
            gs = grad(out, tensors, v, create_graph=True, allow_unused=True, materialize_grads=True)
            return cat([g.reshape(-1) for g in gs])
    return gradient
