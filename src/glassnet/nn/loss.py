"""Loss modules: each stores its options and calls its functional op."""
from __future__ import annotations

from ..ops.loss import KL_REDUCTIONS, check_reduction
from ..tensor import Tensor
from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """ℓ = mean (a − y)² (reduction 'mean'), Σ (a − y)² ('sum') or per element ('none')."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class SquaredErrorLoss(_Loss):
    """The seeds' squared error E = ½ Σ (a − y)²; default reduction 'sum', so ∂E/∂a = a − y."""

    def __init__(self, reduction: str = "sum") -> None:
        super().__init__(reduction)

    def forward(self, input, target):
        return F.squared_error(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "sum" else ""


class HingeLoss(_Loss):
    """ℓ = max(0, 1 − y·a) with y ∈ {−1, +1} (the seeds' L_h); averaged by default."""

    def forward(self, input, target):
        return F.hinge_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """ℓ = −log softmax(x)_y for class indices y (or −Σ y_c log softmax(x)_c for probabilities).

    Takes logits (N, C) — no softmax layer before it. Fused and stable.
    """

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """ℓ = −x_y: negative log-likelihood of log-probabilities x (after LogSoftmax)."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """ℓ = −[y log a + (1 − y) log(1 − a)] for probabilities a (after a Sigmoid)."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid + BCE in one stable op: ℓ = −[y log σ(x) + (1 − y) log(1 − σ(x))]."""

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                  reduction=self.reduction, pos_weight=self.pos_weight)


class L1Loss(_Loss):
    """ℓ = |a − y|, averaged by default;  ∂ℓ/∂a = sign(a − y)."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """ℓ = ½d²/β where |d| < β, else |d| − ½β (d = a − y): quadratic near 0, L1 beyond β."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """ℓ = ½d² where |d| < δ, else δ(|d| − ½δ) (d = a − y): quadratic near 0, linear beyond δ."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(Module):
    """ℓ = y (log y − x) for log-probabilities x and probabilities y (log y with ``log_target``);
    reduction 'batchmean' gives the KL divergence Σ y log(y/q) / N."""

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__()
        if reduction not in KL_REDUCTIONS:
            raise ValueError(f"reduction must be one of {KL_REDUCTIONS}, got {reduction!r}")
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""
