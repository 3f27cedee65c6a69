"""Parameter: a leaf tensor that a Module registers as something to train."""
from __future__ import annotations

import copy

from ..tensor import Tensor, _to_array


class Parameter(Tensor):
    """A tensor that is a module's trainable state; requires grad unless told otherwise."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        if data is None:
            data = []
        super().__init__([], requires_grad=False)
        self._data = _to_array(data, copy=False)    # shares memory, as torch's Parameter does
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo) -> "Parameter":
        # copy.deepcopy(model) works although pickling does not (a copy runs no stranger's code).
        new = Parameter(self._data.copy(), self.requires_grad)
        new.name = self.name
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = copy.deepcopy(self.grad, memo)
        return new

    def __reduce_ex__(self, protocol):
        raise TypeError("glassnet tensors are not pickled; save a state_dict with glassnet.save")
