"""Loss functions as fused ops: each computes the per-element loss, reduces it, and
knows its own gradient (fused for speed and stability, e.g. softmax + NLL)."""
from __future__ import annotations

import warnings

import numpy as np

from .. import _backend
from ..errors import ShapeError
from ..grad_mode import state as _grad_state
from ..tensor import Tensor, _recorders, make_result
from . import _rules
from ._util import as_tensor
from .elementwise import _constant

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(per_item: np.ndarray, reduction: str, denominator=None):
    """The reduced loss and a function mapping ∂L/∂loss to ∂L/∂per_item (an array or a Tensor:
    it only divides, so a recorded gradient stays recorded)."""
    if not isinstance(per_item, (np.ndarray, np.generic)):
        per_item = np.asarray(per_item, dtype=object)   # a SymPy number from 0-d exact operands
    if reduction == "none":
        return per_item, lambda g: g
    if reduction == "sum":
        return np.asarray(per_item.sum(), dtype=per_item.dtype), lambda g: g
    n = per_item.size if denominator is None else denominator
    if per_item.dtype == object and isinstance(n, (int, np.integer)):
        n = _backend._sympy().Integer(int(n))           # exact: 1/2, not Python's 0.5
    return np.asarray(per_item.sum() / n, dtype=per_item.dtype), lambda g: g / n


def _differentiable_target(target) -> bool:
    """A target that needs a gradient itself: such losses are composed from ops instead of fused,
    so the gradient reaches it (the fused rules treat the target as a constant)."""
    return isinstance(target, Tensor) and target.requires_grad and _grad_state.enabled


def _reduce_composed(per: Tensor, reduction: str) -> Tensor:
    return per if reduction == "none" else per.sum() if reduction == "sum" else per.mean()


def _same_shape(name: str, input: np.ndarray, target: np.ndarray) -> None:
    # A loss never broadcasts: (N, 1) against (N,) would silently build an N×N loss.
    if input.shape != target.shape:
        raise ShapeError(
            f"{name}: input has shape {input.shape} but target has shape {target.shape}; "
            f"they must match (reshape one, e.g. target.reshape({list(input.shape)}) or "
            f"input.squeeze())")


def _float_target(name: str, target, like: np.ndarray) -> Tensor:
    target = as_tensor(target)
    if target._data.dtype != like.dtype and like.dtype != object:
        if target.requires_grad:
            raise TypeError(f"{name}: input is {like.dtype} but target is {target._data.dtype}; a target "
                            f"that requires grad must have the input's dtype (convert one of them)")
        target = Tensor._wrap(target._data.astype(like.dtype))
    return target


# ------------------------------------------------------------------ classification

def _class_layout(name: str, input: np.ndarray, target: np.ndarray):
    """(M, C) logits with classes last and the matching flat targets; unbatched (C,) allowed."""
    if input.ndim == 0:
        raise ShapeError(f"{name}: input must have a class dimension, got a 0-d tensor")
    if input.ndim == 1:
        x = input[None, :]                                # (C,) → (1, C)
    else:
        x = np.moveaxis(input, 1, -1).reshape(-1, input.shape[1])   # (N, C, …) → (N·…, C)
    return x


def _class_targets(name: str, input: np.ndarray, target: np.ndarray, ignore_index: int):
    """Validated flat class indices, the mask of counted samples, and the number of classes."""
    C = input.shape[0] if input.ndim == 1 else input.shape[1]
    expected = () if input.ndim == 1 else (input.shape[0],) + input.shape[2:]
    if target.shape != expected:
        raise ShapeError(
            f"{name}: input of shape {input.shape} needs class-index targets of shape {expected} "
            f"(one integer class per sample) or probability targets of shape {input.shape}; "
            f"got target of shape {target.shape}")
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: class-index targets must be integers (int64), got {target.dtype}; "
                        f"use target.long()")
    t = target.reshape(-1)
    valid = t != ignore_index
    bad = t[valid & ((t < 0) | (t >= C))]
    if bad.size:
        raise IndexError(f"{name}: target {int(bad[0])} is out of bounds for {C} classes "
                         f"(class indices must be in 0 … {C - 1})")
    return np.where(valid, t, 0), valid, C


def _mask(valid: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The 0/1 weights of the counted samples. Exact mode gets Python ints, not bools: a sum of
    one bool is a bool, and SymPy cannot divide by it (nor 2/True stay exact)."""
    return valid.astype(dtype) if dtype != object else valid.astype(np.int64).astype(object)


def _classes_last(F, x, shape: tuple):
    """The (M, C) layout of ``_class_layout`` made with F (for x of ``shape``, on Tensors too)."""
    if len(shape) == 1:
        return F.reshape(x, (1, shape[0]))                          # (C,) → (1, C)
    order = (0,) + tuple(range(2, len(shape))) + (1,)
    return F.reshape(F.transpose(x, order), (-1, shape[1]))         # (N, C, …) → (N·…, C)


def _restore_layout(F, grad2d, shape: tuple):
    """(M, C) back to the input's ``shape``: the inverse of ``_classes_last``."""
    if len(shape) == 1:
        return grad2d[0]                                            # (1, C) → (C,)
    moved = F.reshape(grad2d, (shape[0],) + shape[2:] + (shape[1],))   # (M, C) → (N, …, C)
    order = (0, len(shape) - 1) + tuple(range(1, len(shape) - 1))
    return F.transpose(moved, order)                                # (N, …, C) → (N, C, …)


def _per_row(F, s, reduction: str, M: int):
    """The scale of each of the M rows: an (M, 1) column for 'none', else the one scalar."""
    return F.reshape(s, (M, 1)) if reduction == "none" else s


def _per_sample_shape(input: np.ndarray) -> tuple:
    return () if input.ndim == 1 else (input.shape[0],) + input.shape[2:]


def cross_entropy(input: Tensor, target, weight=None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """ℓᵢ = −Σ_c qᵢ_c log softmax(xᵢ)_c, q the (weighted, smoothed) one-hot or probability target.

    Fused log-softmax + NLL: ∂ℓᵢ/∂xᵢ = softmax(xᵢ)·Σ_c qᵢ_c − qᵢ, which is p − y for a plain
    one-hot target. Finite for logits of ±1000.
    """
    check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    xd = input._data
    td = target._data if isinstance(target, Tensor) else np.asarray(target)
    if (weight is None and not label_smoothing and xd.ndim == 2 and td.ndim == 1
            and td.dtype.kind in "iu" and xd.dtype != object and td.shape[0] == xd.shape[0]
            and td.size and 0 <= td.min() and td.max() < xd.shape[1]
            and not 0 <= ignore_index < xd.shape[1]):            # no target can be ignored
        return _cross_entropy_plain(input, td, reduction)
    x = _class_layout("cross_entropy", xd, td)
    M, C = x.shape
    logp = x - _backend.logsumexp(x, 1)
    w = None if weight is None else (weight._data if isinstance(weight, Tensor) else np.asarray(weight))
    if w is not None and w.shape != (C,):
        raise ShapeError(f"cross_entropy: weight must have one entry per class ({C},), got {w.shape}")
    eps = label_smoothing
    if eps and xd.dtype == object:                    # exact mode: 0.1 as 1/10, so results stay exact
        eps = _backend._sympy().Rational(str(eps))

    if td.shape == xd.shape and td.dtype.kind in "fO" and _differentiable_target(target):
        return _cross_entropy_composed(input, target, w, eps, reduction)
    if td.shape == xd.shape and td.dtype.kind in "fO":          # probability targets
        q = td.reshape(x.shape) if xd.ndim == 1 else np.moveaxis(td, 1, -1).reshape(M, C)
        if eps:
            q = q * (1 - eps) + eps / C
        if w is not None:
            q = q * w
        per = -(q * logp).sum(axis=1)
        denominator = M
        plain_index = None
    else:                                                       # class-index targets
        t, valid, _ = _class_targets("cross_entropy", xd, td, ignore_index)
        rows = np.arange(M)
        w_t = _mask(valid, x.dtype) if w is None else w[t] * _mask(valid, x.dtype)
        denominator = w_t.sum()
        if w is None and not eps and valid.all():
            plain_index = t
            q = None
            per = -logp[rows, t]
        else:
            plain_index = None
            q = np.zeros_like(x)
            q[rows, t] = w_t * (1 - eps) if eps else w_t
            if eps:
                smooth = (eps / C) * (np.ones(C, dtype=x.dtype) if w is None else w)
                q += _mask(valid, x.dtype)[:, None] * smooth[None, :]
            per = -(q * logp).sum(axis=1)
    per = per.reshape(_per_sample_shape(xd))
    out, scale = _reduce(per, reduction, denominator)
    shape = xd.shape

    def backward(F, g, out, xin):
        # p from the forward's log p; on Tensors made again from the logits, so that the
        # Hessian Diag(p) − ppᵀ (times Σ q) follows from differentiating p
        p = F.keep(_backend.exp(logp), lambda: F.softmax(_classes_last(F, xin, shape), 1))
        s = _per_row(F, scale(g), reduction, M)
        if plain_index is not None:
            grad = F.scaled_minus_one_hot(p, plain_index, s)    # (p − onehot(t))·s
        else:
            grad = (p * q.sum(axis=1, keepdims=True) - q) * s    # q a constant: Σ_c q_c per row
        return (_restore_layout(F, grad, shape),)
    attrs = {"target": td, "reduction": reduction, "weight": w, "ignore_index": ignore_index,
             "label_smoothing": label_smoothing} if _recorders else None
    return make_result(out, (input,), backward, "cross_entropy", attrs)


def _cross_entropy_composed(input: Tensor, target: Tensor, w, eps, reduction: str) -> Tensor:
    """ℓᵢ = −Σ_c qᵢ_c log softmax(xᵢ)_c composed from ops, for probability targets that require
    grad: ∂ℓᵢ/∂qᵢ_c = −log softmax(xᵢ)_c reaches the target."""
    from .softmax import log_softmax
    class_dim = 0 if input.ndim == 1 else 1
    C = input.shape[class_dim]
    q = target * (1 - eps) + eps / C if eps else target
    if w is not None:
        q = q * Tensor._wrap(w.reshape((C,) + (1,) * (input.ndim - 2)) if input.ndim > 1 else w)
    per = -(q * log_softmax(input, class_dim)).sum(class_dim)
    return _reduce_composed(per, reduction)


def _cross_entropy_plain(input: Tensor, t: np.ndarray, reduction: str) -> Tensor:
    """The training hot path of cross_entropy: (N, C) logits, valid class indices, no options.

    ℓᵢ = log Σ_c e^{xᵢ_c − mᵢ} − (xᵢ_{tᵢ} − mᵢ) with mᵢ = max_c xᵢ_c;  ∂ℓᵢ/∂xᵢ = softmax(xᵢ) − onehot(tᵢ).
    """
    x = input._data
    rows = np.arange(x.shape[0])
    shifted = x - x.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    per = np.log(total[:, 0]) - shifted[rows, t]
    out, scale = _reduce(per, reduction)
    M = x.shape[0]

    def backward(F, g, out, xin):
        p = F.keep(e / total, lambda: F.softmax(xin, 1))     # a fresh array: updated in place
        return (F.scaled_minus_one_hot(p, t, _per_row(F, scale(g), reduction, M)),)
    return make_result(out, (input,), backward, "cross_entropy",
                       {"target": t, "reduction": reduction} if _recorders else None)


def nll_loss(input: Tensor, target, weight=None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """ℓᵢ = −w_{tᵢ} · input[i, tᵢ] (input holds log-probabilities);  ∂ℓᵢ/∂input[i, tᵢ] = −w_{tᵢ}."""
    check_reduction(reduction)
    xd = input._data
    td = target._data if isinstance(target, Tensor) else np.asarray(target)
    x = _class_layout("nll_loss", xd, td)
    M, C = x.shape
    t, valid, _ = _class_targets("nll_loss", xd, td, ignore_index)
    w = None if weight is None else (weight._data if isinstance(weight, Tensor) else np.asarray(weight))
    if w is not None and w.shape != (C,):
        raise ShapeError(f"nll_loss: weight must have one entry per class ({C},), got {w.shape}")
    w_t = _mask(valid, x.dtype) if w is None else w[t] * _mask(valid, x.dtype)
    rows = np.arange(M)
    per = (-x[rows, t] * w_t).reshape(_per_sample_shape(xd))
    out, scale = _reduce(per, reduction, w_t.sum())
    shape = xd.shape

    def backward(F, g, out, xin):
        # linear in the input: (scaled) g times −w_{tᵢ} (0 where ignored) put at each row's target
        grad = F.put_along_axis(-w_t[:, None] * _per_row(F, scale(g), reduction, M), t[:, None], 1, (M, C))
        return (_restore_layout(F, grad, shape),)
    attrs = {"target": td, "reduction": reduction, "weight": w,
             "ignore_index": ignore_index} if _recorders else None
    return make_result(out, (input,), backward, "nll_loss", attrs)


# ------------------------------------------------------------------ regression

def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """ℓ = (a − y)², averaged by default;  ∂ℓ/∂a = 2(a − y)."""
    check_reduction(reduction)
    target = _float_target("mse_loss", target, input._data)
    _same_shape("mse_loss", input._data, target._data)
    diff = input._data - target._data
    out, scale = _reduce(diff * diff, reduction)

    def backward(F, g, out, a, y):
        ga = 2 * F.keep(diff, lambda: a - y) * scale(g)
        return ga, (-ga if target.requires_grad else None)
    return make_result(out, (input, target), backward, "mse_loss", {"reduction": reduction} if _recorders else None)


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """ℓ = |a − y|, averaged by default;  ∂ℓ/∂a = sign(a − y) (0 where a = y, as torch)."""
    check_reduction(reduction)
    target = _float_target("l1_loss", target, input._data)
    _same_shape("l1_loss", input._data, target._data)
    diff = input._data - target._data
    out, scale = _reduce(np.abs(diff), reduction)

    def backward(F, g, out, a, y):
        ga = scale(g) * np.sign(diff)     # a constant: the second derivative is 0 (off the kink)
        return ga, (-ga if target.requires_grad else None)
    return make_result(out, (input, target), backward, "l1_loss", {"reduction": reduction} if _recorders else None)


def smooth_l1_loss(input: Tensor, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """ℓ = ½d²/β where |d| < β, else |d| − ½β, with d = a − y (L1 for β = 0);
    ∂ℓ/∂a = d/β inside, sign(d) outside."""
    check_reduction(reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be ≥ 0, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    target = _float_target("smooth_l1_loss", target, input._data)
    _same_shape("smooth_l1_loss", input._data, target._data)
    diff = np.asarray(input._data - target._data)       # an array also for 0-d exact operands
    beta = _constant(beta, diff)
    absd = np.abs(diff)
    inside = absd < beta
    per = np.where(inside, diff * diff / 2 / beta, absd - beta / 2).astype(diff.dtype, copy=False)
    out, scale = _reduce(per, reduction)

    def backward(F, g, out, a, y):
        # d/β inside (its derivative 1/β), the constant sign(d) outside
        ga = F.where(inside, F.keep(diff, lambda: a - y) / beta, np.sign(diff)) * scale(g)
        return ga, (-ga if target.requires_grad else None)
    return make_result(out, (input, target), backward, "smooth_l1_loss",
                       {"reduction": reduction, "beta": beta} if _recorders else None)


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """ℓ = ½d² where |d| < δ, else δ(|d| − ½δ), with d = a − y (β·smooth_l1 with β = δ);
    ∂ℓ/∂a = d inside, δ·sign(d) outside."""
    check_reduction(reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    target = _float_target("huber_loss", target, input._data)
    _same_shape("huber_loss", input._data, target._data)
    diff = np.asarray(input._data - target._data)       # an array also for 0-d exact operands
    delta = _constant(delta, diff)
    absd = np.abs(diff)
    inside = absd < delta
    per = np.where(inside, diff * diff / 2, delta * (absd - delta / 2)).astype(diff.dtype, copy=False)
    out, scale = _reduce(per, reduction)

    def backward(F, g, out, a, y):
        # d inside (its derivative 1), the constant δ·sign(d) outside
        ga = F.where(inside, F.keep(diff, lambda: a - y), delta * np.sign(diff)) * scale(g)
        return ga, (-ga if target.requires_grad else None)
    return make_result(out, (input, target), backward, "huber_loss",
                       {"reduction": reduction, "delta": delta} if _recorders else None)


KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


def kl_div(input: Tensor, target, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """ℓ = y (log y − x) with x = log q the input's log-probabilities and y the target
    probabilities (0 where y = 0); with ``log_target`` the target is log y: ℓ = e^y (y − x).

    ∂ℓ/∂x = −y (−e^y);  ∂ℓ/∂y = log y + 1 − x (e^y (y − x + 1)). 'batchmean' divides the sum by
    the batch size — the KL divergence; 'mean' divides by the number of elements (torch's default).
    """
    if reduction not in KL_REDUCTIONS:
        raise ValueError(f"reduction must be one of {KL_REDUCTIONS}, got {reduction!r}")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with the "
                      "KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", UserWarning, stacklevel=2)
    xd = input._data
    target = _float_target("kl_div", target, xd)
    yd = target._data
    _same_shape("kl_div", xd, yd)
    if log_target:
        ey = _backend.exp(yd)
        per = ey * (yd - xd)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            ylogy = np.where(yd == 0, 0, yd * _backend.log(np.where(yd == 0, 1, yd)))   # 0·log 0 = 0
        per = (ylogy - yd * xd).astype(xd.dtype, copy=False)
    if reduction == "batchmean":
        out, scale = _reduce(per, "mean", xd.shape[0] if xd.ndim else 1)
    else:
        out, scale = _reduce(per, reduction)

    def backward(F, g, out, x, y):
        s = scale(g)
        e_y = F.keep(ey, lambda: F.exp(y)) if log_target else None
        gx = None if not input.requires_grad else (-e_y if log_target else -y) * s
        gy = None
        if target.requires_grad:
            if log_target:
                gy = e_y * (y - x + 1) * s
            else:
                zero = yd == 0
                with np.errstate(divide="ignore", invalid="ignore"):
                    # torch's derivative of y·log y: log y (0 at y = 0) + y/y, NaN at y = 0 as in torch
                    gy = (F.where(zero, 0, F.log(F.where(zero, 1, y))) + y / y - x) * s
        return gx, gy
    return make_result(out, (input, target), backward, "kl_div",
                       {"reduction": reduction, "log_target": log_target} if _recorders else None)


def squared_error(input: Tensor, target, reduction: str = "sum") -> Tensor:
    """The seeds' squared error E = ½ Σ (a − y)² (summed by default);  ∂E/∂a = a − y."""
    check_reduction(reduction)
    target = _float_target("squared_error", target, input._data)
    _same_shape("squared_error", input._data, target._data)
    diff = input._data - target._data
    out, scale = _reduce(diff * diff / 2, reduction)

    def backward(F, g, out, a, y):
        ga = F.keep(diff, lambda: a - y) * scale(g)
        return ga, (-ga if target.requires_grad else None)
    return make_result(out, (input, target), backward, "squared_error",
                       {"reduction": reduction} if _recorders else None)


# ------------------------------------------------------------------ binary

def binary_cross_entropy(input: Tensor, target, weight=None, reduction: str = "mean") -> Tensor:
    """ℓ = −w[y log a + (1 − y) log(1 − a)] for probabilities a;  ∂ℓ/∂a = w(a − y)/(a(1 − a)).

    As in torch, each log is clamped at −100 so a = 0 or 1 gives a finite loss.
    """
    check_reduction(reduction)
    ad = input._data
    target = _float_target("binary_cross_entropy", target, ad)
    yd = target._data
    _same_shape("binary_cross_entropy", ad, yd)
    if ad.dtype != object and ((ad < 0) | (ad > 1)).any():
        raise ValueError("binary_cross_entropy: all elements of input should be between 0 and 1 "
                         "(apply a sigmoid first, or use binary_cross_entropy_with_logits)")
    if isinstance(weight, Tensor) and weight.requires_grad and _grad_state.enabled:
        raise RuntimeError("The function 'binary_cross_entropy' is not differentiable with respect to "
                           "argument 'weight'. This input cannot have requires_grad True.")
    w = None if weight is None else as_tensor(weight)._data
    if _differentiable_target(target):
        # composed so that ∂ℓ/∂y = −w(log a − log(1 − a)) reaches the target (logs clamped at −100)
        from .elementwise import clamp, log
        per = -(target * clamp(log(input), min=-100) + (1 - target) * clamp(log(1 - input), min=-100))
        return _reduce_composed(per if w is None else per * Tensor._wrap(w), reduction)
    with np.errstate(divide="ignore"):
        log_a = np.maximum(_backend.log(ad), -100) if ad.dtype != object else _backend.log(ad)
        log_1a = np.maximum(_backend.log(1 - ad), -100) if ad.dtype != object else _backend.log(1 - ad)
    per = -(yd * log_a + (1 - yd) * log_1a)
    if w is not None:
        per = per * w
    out, scale = _reduce(per, reduction)

    def backward(F, g, out, a):
        denom = a * (1 - a)
        if ad.dtype != object:
            # floored at 1e-12 as torch's (a − y)/max(a(1 − a), ε), a constant where it is floored
            denom = F.where(denom < 1e-12, 1e-12, denom)
        grad = (a - yd) / denom
        if w is not None:
            grad = grad * w
        return (grad * scale(g),)
    return make_result(out, (input,), backward, "binary_cross_entropy",
                       {"target": yd, "reduction": reduction, "weight": w} if _recorders else None)


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """ℓ = −w[c·y log σ(x) + (1 − y) log(1 − σ(x))], c = pos_weight;  ∂ℓ/∂x = w[(1 − y) − c·y·(1 − σ(x))]
    (σ(x) − y when c = 1). Computed as (1 − y)x + (1 + (c − 1)y)·softplus(−x): finite for |x| = 1000.
    """
    check_reduction(reduction)
    xd = input._data
    target = _float_target("binary_cross_entropy_with_logits", target, xd)
    yd = target._data
    _same_shape("binary_cross_entropy_with_logits", xd, yd)
    if any(_differentiable_target(t) for t in (target, weight, pos_weight)):
        # composed, so that target, weight and pos_weight that require grad get their gradients
        from .elementwise import softplus
        coef_t = 1 if pos_weight is None else 1 + (as_tensor(pos_weight) - 1) * target
        per_t = (1 - target) * input + coef_t * softplus(-input)
        return _reduce_composed(per_t if weight is None else per_t * as_tensor(weight), reduction)
    w = None if weight is None else as_tensor(weight)._data
    pw = None if pos_weight is None else as_tensor(pos_weight)._data
    if xd.dtype == object:
        softplus_neg = _backend.log(1 + _backend.exp(-xd))
    else:
        softplus_neg = np.maximum(-xd, 0) + np.log1p(np.exp(-np.abs(xd)))   # log(1 + e^(−x))
    coef = 1 if pw is None else 1 + (pw - 1) * yd
    per = (1 - yd) * xd + coef * softplus_neg
    if w is not None:
        per = per * w
    out, scale = _reduce(per, reduction)

    def backward(F, g, out, x):
        s = F.sigmoid(x)
        grad = s - yd if pw is None else (1 - yd) - coef * (1 - s)
        if w is not None:
            grad = grad * w
        return (grad * scale(g),)
    attrs = {"target": yd, "reduction": reduction, "weight": w, "pos_weight": pw} if _recorders else None
    return make_result(out, (input,), backward, "binary_cross_entropy_with_logits", attrs)


def hinge_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """ℓ = max(0, 1 − y·a) with y ∈ {−1, +1};  ∂ℓ/∂a = −y where y·a ≤ 1, else 0.

    At y·a = 1 the seeds' subgradient (the "otherwise" branch of L_h) is used.
    """
    check_reduction(reduction)
    ad = input._data
    target = _float_target("hinge_loss", target, ad)
    yd = target._data
    _same_shape("hinge_loss", ad, yd)
    if yd.dtype != object and not np.isin(yd, (-1, 1)).all():
        raise ValueError("hinge_loss: targets must be −1 or +1 (got values "
                         f"{np.unique(yd[~np.isin(yd, (-1, 1))])[:5].tolist()}); "
                         "map labels {0, 1} with y = 2·label − 1")
    margin = np.asarray(yd * ad)                   # an array also for 0-d exact operands
    active = margin <= 1
    per = np.where(active, 1 - margin, 0).astype(ad.dtype, copy=False)
    out, scale = _reduce(per, reduction)
    # −y·[y·a ≤ 1] is a constant: the loss is piecewise linear in a
    return make_result(out, (input,), lambda F, g, out, a: (scale(g) * (-yd * active),), "hinge_loss",
                       {"target": yd, "reduction": reduction} if _recorders else None)


# ------------------------------------------------------------------ for derivative rules

def _scaled_minus_one_hot_arrays(p: np.ndarray, t: np.ndarray, s) -> np.ndarray:
    """(p − onehot(t))·s for (M, C) p, in place: p must be a fresh array the rule owns."""
    p[np.arange(p.shape[0]), t] -= 1
    p *= s
    return p


def _scaled_minus_one_hot(p: Tensor, t: np.ndarray, s) -> Tensor:
    """(p − onehot(t))·s with ops: the one-hot rows are a constant, so this is p·s − onehot·s."""
    one_hot = np.zeros(p.shape, dtype=p._data.dtype)
    one_hot[np.arange(p.shape[0]), t] = 1
    return (p - one_hot) * s


# (p − onehot(t))·s: cross-entropy's gradient for class-index targets, s the upstream scale
_rules.define("scaled_minus_one_hot", _scaled_minus_one_hot_arrays, _scaled_minus_one_hot)
