"""``Function``: a custom op with a hand-written forward and backward, as torch.autograd.Function.

    class Exp(gn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y

    y = Exp.apply(x)

``forward`` runs with gradient recording off; its result joins the graph with ``backward`` as
its derivative rule. ``backward`` gets Tensors; when the gradient itself is being recorded
(``create_graph=True``) it runs with recording on, so a backward written with glassnet's ops
can be differentiated again — through the saved tensors too, which are the inputs and outputs
of the graph, not copies.
"""
from __future__ import annotations

import numpy as np

from .._backend import is_floating
from ..errors import GraphError
from ..grad_mode import enable_grad, no_grad
from ..tensor import Tensor, make_result


class FunctionCtx:
    """What ``forward`` leaves for ``backward``: saved tensors, other attributes, and which
    inputs need a gradient (``needs_input_grad``)."""

    def __init__(self) -> None:
        self._to_save: tuple = ()
        self._saved: tuple | None = None
        self.needs_input_grad: tuple = ()
        self.materialize_grads = True
        self._non_differentiable: set[int] = set()

    def save_for_backward(self, *tensors) -> None:
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of "
                                f"type {type(t).__name__}")
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._saved is None:
            raise GraphError("Trying to backward through the graph a second time (or directly access "
                             "saved tensors after they have already been freed). Specify "
                             "retain_graph=True if you need to backward through the graph a second time.")
        return self._saved

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_differentiable.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors) -> None:
        raise NotImplementedError("mark_dirty: in-place custom Functions are not supported; return a "
                                  "new tensor from forward")


class Function:
    """Subclass with ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` staticmethods
    and call ``apply``; see the module docstring. As in torch, ``forward(*args)`` without ctx
    plus ``setup_context(ctx, inputs, output)`` works too, and ``vjp`` may stand for ``backward``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    def __init__(self, *args, **kwargs) -> None:
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. "
                           "Please use new-style autograd function with static forward method: call "
                           f"{type(self).__name__}.apply(...)")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            if cls.setup_context is not Function.setup_context:      # torch 2's style
                raw = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, raw)
            else:
                raw = cls.forward(ctx, *args, **kwargs)
        single = isinstance(raw, Tensor)
        raw_outputs = (raw,) if single else tuple(raw)
        tensor_args = tuple(a for a in args if isinstance(a, Tensor))
        results = list(raw_outputs)
        # Integer outputs (indices) and those marked non-differentiable get no gradient (as torch).
        differentiable = [k for k, o in enumerate(raw_outputs)
                          if isinstance(o, Tensor) and id(o) not in ctx._non_differentiable
                          and is_floating(o._data.dtype)]
        if not differentiable:
            return results[0] if single else tuple(results)
        run = _backward_runner(cls, ctx, args, raw_outputs, results)
        if len(differentiable) == 1:
            k = differentiable[0]

            def backward(F, g, out, *inputs):
                grads = [None] * len(raw_outputs)
                grads[k] = g
                return run(F, grads)
            results[k] = make_result(raw_outputs[k]._data, tensor_args, backward, cls.__name__)
        else:
            # Several outputs, one backward call with all their gradients (torch calls it once, and
            # passes None / zeros only for the outputs that got none): each output's rule parks its
            # gradient in ``arrived`` and hands a zero to a shared hub node. The hub was made
            # first, so the engine's reverse creation order runs it after all of its outputs.
            arrived: dict = {}

            def hub_backward(F, g, out, *inputs):
                grads = [arrived.pop(j, None) for j in range(len(raw_outputs))]
                return run(F, grads)
            dtype = raw_outputs[differentiable[0]]._data.dtype
            hub = make_result(np.zeros((), dtype=dtype), tensor_args, hub_backward, cls.__name__)
            for k in differentiable:
                def output_backward(F, g, out, hub_value, k=k):
                    arrived[k] = g
                    return (np.zeros((), dtype=dtype),)
                results[k] = make_result(raw_outputs[k]._data, (hub,), output_backward, cls.__name__)
        return results[0] if single else tuple(results)


def _backward_runner(cls, ctx: FunctionCtx, args: tuple, raw_outputs: tuple, results: list):
    """``run(F, grads)``: call the user's backward with one gradient per output (None where none
    arrived) and return the gradients of the tensor arguments, checked, in F's world."""
    user_backward = cls.backward if cls.backward is not Function.backward else cls.vjp
    arg_slot = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))

    def run(F, grads: list) -> tuple:
        if ctx._saved is None:
            ctx._saved = tuple(_saved_form(t, raw_outputs, results) for t in ctx._to_save)
        grads_in = []
        for o, g in zip(raw_outputs, grads):
            if g is None:
                if ctx.materialize_grads and isinstance(o, Tensor):
                    g = Tensor._wrap(np.zeros_like(o._data))
            elif not isinstance(g, Tensor):
                g = Tensor._wrap(np.asarray(g))
            grads_in.append(g)
        recording = F.records_graph
        with (enable_grad() if recording else no_grad()):
            got = user_backward(ctx, *grads_in)
        got = tuple(got) if isinstance(got, tuple) else (got,)
        if len(got) > len(args) and all(x is None for x in got[len(args):]):
            got = got[:len(args)]                # torch allows extra Nones at the end
        if len(got) != len(args):
            raise GraphError(f"function {cls.__name__}Backward returned an incorrect number of "
                             f"gradients (expected {len(args)}, got {len(got)})")
        out_grads = []
        for i in arg_slot:
            gi = got[i]
            if gi is None or not args[i].requires_grad:
                out_grads.append(None)
                continue
            if not isinstance(gi, Tensor):
                gi = Tensor(gi)
            value = gi if recording else gi._data
            shape = args[i].shape
            if gi.shape != shape:
                # torch sums a gradient of a shape the input broadcasts to back to the input's shape
                try:
                    fits = np.broadcast_shapes(shape, gi.shape) == gi.shape
                except ValueError:
                    fits = False
                if not fits:
                    raise GraphError(f"Function {cls.__name__}Backward returned an invalid gradient at "
                                     f"index {i} - got {list(gi.shape)} but expected shape compatible "
                                     f"with {list(shape)}")
                with (enable_grad() if recording else no_grad()):
                    value = F.sum_to(value, shape)
            out_grads.append(value)
        return tuple(out_grads)
    return run


def _saved_form(t, raw_outputs: tuple, results: list):
    """A saved tensor as backward sees it: an output of forward is the graph's output tensor."""
    for raw, res in zip(raw_outputs, results):
        if t is raw:
            return res
    return t
