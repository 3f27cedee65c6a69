"""``glassnet.func``: function transforms with torch.func's names — ``grad``,
``grad_and_value``, ``vjp``, ``jvp``, ``jacrev``, ``jacfwd``, ``hessian``, ``vmap`` and
``functional_call``.

A transform returns a new function. ``grad(f)(x)`` calls ``f`` on x (connected to x's own
graph when x requires grad, so transforms nest: ``grad(grad(f))``, ``jacfwd(jacrev(f))``) and
returns ∂f/∂x. ``vmap(f)`` maps ``f`` over a dimension of its inputs.
"""
from .transforms import (functional_call, grad, grad_and_value, hessian, jacfwd, jacrev, jvp,
                         vjp)
from .vmap import vmap

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp",
           "vmap"]
