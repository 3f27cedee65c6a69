"""The namespaces that derivative rules are written against.

An op's ``backward(F, g, out, *inputs)`` rule is written once and runs in two worlds:

* ``ARRAYS``: ``g``, ``out`` and the inputs are arrays and ``F.exp`` is the backend's
  ``exp`` — the first-order path, with no Tensor made per op;
* ``TENSORS``: they are Tensors and ``F.exp`` is the ``exp`` op — used by
  ``backward(create_graph=True)`` and ``autograd.grad``, so a gradient is recorded like
  any other computation and can be differentiated again.

Operators (``+ - * / ** @``, comparisons, indexing) work the same on both. Everything
else a rule needs is a named entry here, defined by the op module that owns it with
``define(name, on_arrays, on_tensors)``; ``on_tensors`` is a differentiable op, so the
set of entries is closed under differentiation (sum_to ↔ broadcast_to, conv ↔ its
transposes, gather ↔ scatter). Another array library (CuPy) is one more ``ARRAYS``.
"""
from __future__ import annotations


class Namespace:
    """The functions a derivative rule may call, for one world (arrays or tensors)."""

    def __init__(self, world: str) -> None:
        self.world = world
        self.records_graph = world == "tensors"

    def __repr__(self) -> str:
        return f"<derivative namespace: {self.world}>"


ARRAYS = Namespace("arrays")
TENSORS = Namespace("tensors")


def define(name: str, on_arrays, on_tensors) -> None:
    """Add ``name`` to both namespaces: ``on_arrays`` for arrays, ``on_tensors`` (an op) for Tensors."""
    setattr(ARRAYS, name, staticmethod(on_arrays).__func__)
    setattr(TENSORS, name, staticmethod(on_tensors).__func__)


# keep(value, remake): a value the forward pass computed and the rule reuses. On arrays it is the
# saved array; on tensors it is made again by ``remake()`` from the inputs with ops, so that its
# own dependence on them is recorded (the softmax p inside a fused cross-entropy, say).
define("keep", lambda value, remake: value, lambda value, remake: remake())
