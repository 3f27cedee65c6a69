"""``glassnet.autograd``: gradients as values (``grad``), ``backward`` of several tensors, custom
ops (``Function``), gradient checks, and ``functional`` (Jacobians, Hessians, vjp / jvp / hvp),
with torch.autograd's names and semantics."""
from .engine import backward, grad
from .function import Function, FunctionCtx
from .gradcheck import gradcheck, gradgradcheck
from . import functional

__all__ = ["backward", "grad", "Function", "FunctionCtx", "gradcheck", "gradgradcheck", "functional"]
