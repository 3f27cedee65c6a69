"""Tensor: a NumPy array plus the reverse-mode autodiff graph that produced it.

Every differentiable op (see ``glassnet.ops``) computes its output array and hands
``make_result`` the parents and a ``backward`` rule written right under the forward:
``backward(F, g, out, *inputs)`` receives ∂L/∂out and returns ∂L/∂input for each parent
(``None`` where a parent needs no gradient). The rule is written once, against the
namespace ``F`` (``glassnet.ops._rules``), and runs in one of two worlds:

* **arrays** (``create_graph=False``, the fast first-order path): ``g``, ``out`` and the
  inputs are plain arrays and ``F`` is NumPy math — no Tensor is made per op;
* **tensors** (``create_graph=True``): ``g``, ``out`` and the inputs are Tensors and ``F``
  is glassnet's own ops, so every gradient is itself recorded in the graph and can be
  differentiated again, to any order.

``run_backward`` walks the graph in reverse topological order, iteratively, adding up the
gradients of a tensor that is used in several places.
"""
from __future__ import annotations

import itertools
import numbers
import operator
from typing import Callable, Sequence

import numpy as np

from . import _backend
from ._device import device
from .errors import GraphError, NonFiniteError
from .grad_mode import state as _grad_state

# Op results are numbered as they are made; a node's number is larger than its parents'.
_creation_counter = itertools.count()
_creation_number = operator.attrgetter("_seq")

_CPU = device("cpu")

# Called as hook(tensor, parents, attrs) for every op result while a recorder (glassnet.trace)
# is on: ``parents`` are the op's tensor inputs (also under no_grad, where the result keeps no
# graph), ``attrs`` a small dict of its other arguments ({"dim": 1}, {"scalar": 2},
# {"target": …, "reduction": "sum"}) or None. Ops build ``attrs`` only while this list is
# non-empty (``{…} if _recorders else None``), so an untraced op pays one truth test.
_recorders: list[Callable[["Tensor", tuple, "dict | None"], None]] = []


def _freed_backward(F, g, out, *inputs):
    raise GraphError(
        "Trying to backward through the graph a second time (or directly access saved "
        "values after they have already been freed). Saved intermediate values of the "
        "graph are freed when you call .backward(). Specify retain_graph=True if you need "
        "to backward through the graph a second time.")


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Create tensors with ``glassnet.tensor``, ``glassnet.zeros`` and friends. The
    array itself is ``t.numpy()``; ``t.grad`` holds ∂L/∂t after ``L.backward()``.
    """

    __slots__ = ("_data", "requires_grad", "grad", "_parents", "_backward", "_op",
                 "_retains_grad", "_seq", "_vc", "_saved_versions", "name", "__weakref__")

    __array_priority__ = 1000  # ndarray ⊕ Tensor defers to Tensor's reflected op

    def __init__(self, data, dtype=None, requires_grad: bool = False) -> None:
        self._data = _to_array(data, dtype, copy=True)
        self.grad: Tensor | None = None
        self._parents: tuple = ()
        self._backward = None
        self._op = ""
        self._retains_grad = False
        # [n]: bumped by every in-place change of the values; views and detach() share the list
        self._vc = [0]
        self.name: str | None = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ------------------------------------------------------------------ basics
    @classmethod
    def _wrap(cls, array: np.ndarray) -> "Tensor":
        """A leaf tensor around ``array`` without copying or checking (internal)."""
        t = cls.__new__(cls)
        t._data = array
        t.grad = None
        t.requires_grad = False
        t._parents = ()
        t._backward = None
        t._op = ""
        t._retains_grad = False
        t._vc = [0]
        t.name = None
        return t

    @property
    def data(self) -> "Tensor":
        """The same values as a tensor outside the graph (shares memory, as in torch)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def is_leaf(self) -> bool:
        return self._backward is None

    @property
    def grad_fn(self):
        return self._op or None if self._backward is not None else None

    @property
    def device(self) -> "device":
        return _CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def size(self, dim: int | None = None):
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and not _backend.is_floating(self._data.dtype):
            raise GraphError(
                f"only tensors of floating point dtype can require gradients, got {self._data.dtype}")
        if not self.is_leaf and not requires_grad:
            raise GraphError("requires_grad can only be changed on leaf tensors; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ∂L/∂self in ``.grad`` after backward even though this is not a leaf."""
        if not self.requires_grad:
            raise GraphError("can't retain_grad on a tensor that has requires_grad=False")
        if not self.is_leaf:
            self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def detach(self) -> "Tensor":
        """The same values (shared memory, shared version counter) cut out of the graph."""
        t = Tensor._wrap(self._data)
        t._vc = self._vc
        return t

    @property
    def _version(self) -> int:
        """How many times the values were changed in place (shared with views and detach())."""
        return self._vc[0]

    def detach_(self) -> "Tensor":
        self._parents, self._backward, self._op = (), None, ""
        self.requires_grad = False
        return self

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise GraphError(
                "Can't call numpy() on a tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def item(self):
        if self._data.size != 1:
            raise ValueError(
                f"a tensor with {self._data.size} elements cannot be converted to a Python scalar")
        return self._data.reshape(()).item() if self._data.dtype != object else self._data.reshape(-1)[0]

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of a tensor with {self._data.size} values is ambiguous")
        return bool(self._data.reshape(())[()])

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(",
                               precision=4, suppress_small=True)
        extras = []
        if self._data.dtype not in (_backend.get_default_dtype(), _backend.int64, _backend.bool_):
            extras.append(f"dtype={self._data.dtype}")
        if self._backward is not None:
            extras.append(f"grad_fn=<{self._op or 'Op'}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    # ----------------------------------------------------------------- autodiff
    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Sequence["Tensor"] | None = None) -> None:
        """Accumulate ∂self/∂leaf into ``leaf.grad`` for every leaf that requires grad.

        ``gradient`` is ∂L/∂self; it may be left out only when self has one element
        (a loss), in which case it is 1. The graph's saved values are freed afterwards
        unless ``retain_graph=True`` (the default when ``create_graph=True``, which records
        the gradients themselves in the graph so that they can be differentiated again).
        ``inputs`` limits the leaves (or retained non-leaves) that receive a ``.grad``.
        """
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            if not inputs:
                raise GraphError("backward: 'inputs' argument to backward() cannot be empty.")
        seed = _initial_gradient(self, gradient, "backward", create_graph)
        if retain_graph is None:
            retain_graph = create_graph
        run_backward([self], [seed], retain_graph=bool(retain_graph), inputs=inputs,
                     create_graph=create_graph)

    # Operators, methods and in-place updates are attached at the bottom of this module.


def _graph_nodes(roots: Sequence[Tensor]) -> list[Tensor]:
    """The non-leaf nodes reachable from ``roots``, latest first.

    Every op result gets a creation number larger than its parents', so sorting by it
    (newest first) is a topological order: a node comes before all of its parents.
    """
    nodes: list[Tensor] = []
    seen: set[int] = set()
    stack = [r for r in roots if r._backward is not None]
    for r in stack:
        seen.add(id(r))
    while stack:
        node = stack.pop()
        nodes.append(node)
        for p in node._parents:
            if p._backward is not None and id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    nodes.sort(key=_creation_number, reverse=True)
    return nodes


def _initial_gradient(root: Tensor, gradient, where: str, create_graph: bool):
    """∂L/∂root to start from: 1 for a one-element root, else ``gradient`` (checked).

    An array in the first-order path; a Tensor when the graph of the gradients is recorded
    (``gradient`` may itself require grad then, as in a gradient penalty)."""
    if not root.requires_grad:
        raise GraphError("element 0 of tensors does not require grad and does not have a grad_fn")
    if gradient is None:
        if root._data.size != 1:
            raise GraphError(
                f"grad can be implicitly created only for scalar outputs; this tensor has shape "
                f"{root.shape}: call .sum() or .mean() first, or pass "
                f"{'gradient' if where == 'backward' else 'grad_outputs'}= of that shape")
        if root._data.dtype.kind == "f" and not np.isfinite(root._data).all():
            raise NonFiniteError(
                f"the loss is {root._data.reshape(-1)[0]}: backward through a non-finite loss would "
                f"fill every gradient with NaN. Look for log(0), overflow in exp, a too large "
                f"learning rate, or NaN in the inputs.")
        seed = np.ones_like(root._data)
        if seed.dtype == object:                 # exact: SymPy's 1, so 1/2 stays 1/2 below
            seed[...] = _backend._sympy().Integer(1)
        return Tensor._wrap(seed) if create_graph else seed
    if isinstance(gradient, Tensor):
        if gradient.shape != root.shape:
            raise GraphError(f"Mismatch in shape: grad_output[0] has a shape of {gradient.shape} "
                             f"and output[0] has a shape of {root.shape}.")
        if create_graph:
            return gradient if gradient.dtype == root.dtype else gradient.to(root.dtype)
        return np.asarray(gradient._data, dtype=root._data.dtype)
    seed = np.array(gradient, dtype=root._data.dtype)
    if seed.shape != root.shape:
        raise GraphError(f"Mismatch in shape: grad_output[0] has a shape of {seed.shape} "
                         f"and output[0] has a shape of {root.shape}.")
    return Tensor._wrap(seed) if create_graph else seed


def run_backward(roots: Sequence[Tensor], seeds: Sequence, retain_graph: bool = False,
                 inputs: Sequence[Tensor] | None = None, create_graph: bool = False,
                 capture: dict | None = None) -> None:
    """Propagate ``seeds`` (∂L/∂root) to every leaf, adding up the paths through shared nodes.

    With ``create_graph`` the seeds are Tensors and each rule runs on Tensors (see the module
    docstring), so the gradients are recorded. With ``capture`` (a dict keyed by ``id`` of the
    wanted tensors, leaves or not: ``autograd.grad``) the gradients are put there instead of
    into ``.grad``."""
    grads: dict[int, object] = {}
    handed_out: set[int] = set()    # arrays already stored in some .grad: never store one twice
    only = None if inputs is None else {id(t) for t in inputs}
    F = _rules.TENSORS if create_graph else _rules.ARRAYS

    def store(t: Tensor, g) -> None:
        if capture is not None:
            if id(t) in capture:
                prev = capture[id(t)]
                capture[id(t)] = g if prev is None else prev + g
            return
        if only is not None and id(t) not in only:
            return
        if create_graph:
            t.grad = g if t.grad is None else t.grad + g
            return
        if t.grad is None:
            if id(g) in handed_out or not g.flags.owndata:
                g = g.copy()
            handed_out.add(id(g))
            t.grad = Tensor._wrap(g)
        else:
            t.grad._data = t.grad._data + g    # out of place: never write into a shared array

    for r, s in zip(roots, seeds):
        if r._backward is None:
            store(r, s)
        else:
            grads[id(r)] = grads[id(r)] + s if id(r) in grads else s

    prev_mode = _grad_state.enabled
    _grad_state.enabled = create_graph     # the rules' own ops are recorded only for create_graph
    try:
        for node in _graph_nodes(roots):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._retains_grad or capture is not None:
                store(node, g)
            parents = node._parents
            for p, version in zip(parents, node._saved_versions):
                if p._vc[0] != version:
                    raise GraphError(_modified_in_place_message(node, p, version))
            if create_graph:
                parent_grads = node._backward(F, g, node, *parents)
            elif len(parents) == 1:                  # the common cases without building a list
                parent_grads = node._backward(F, g, node._data, parents[0]._data)
            elif len(parents) == 2:
                parent_grads = node._backward(F, g, node._data, parents[0]._data, parents[1]._data)
            else:
                parent_grads = node._backward(F, g, node._data, *[p._data for p in parents])
            if not retain_graph:
                node._backward = _freed_backward
            for p, pg in zip(parents, parent_grads):
                if pg is None or not p.requires_grad:
                    continue
                if create_graph:
                    if type(pg) is not Tensor:       # a constant the rule built (zeros)
                        pg = Tensor._wrap(np.asarray(pg, dtype=p._data.dtype))
                    elif pg._data.dtype != p._data.dtype:
                        pg = pg.to(p._data.dtype)
                elif type(pg) is not np.ndarray:     # a bare scalar from 0-d operands (see make_result)
                    pg = np.asarray(pg, dtype=p._data.dtype)
                elif pg.dtype != p._data.dtype:
                    pg = pg.astype(p._data.dtype)
                if p._backward is None:
                    store(p, pg)
                else:
                    key = id(p)
                    prev = grads.get(key)
                    grads[key] = pg if prev is None else prev + pg
    finally:
        _grad_state.enabled = prev_mode


def _modified_in_place_message(node: Tensor, parent: Tensor, version: int) -> str:
    return (f"one of the values needed to compute a gradient has been modified by an in-place "
            f"operation: an input of shape {parent.shape} of the '{node._op}' op was changed "
            f"{parent._vc[0] - version} time(s) after the forward pass used it, so its backward would "
            f"give wrong gradients. Change it after backward(), or use an out-of-place version "
            f"(x = x + 1 instead of x += 1).")


def make_result(data: np.ndarray, parents: tuple, backward, op: str, attrs: dict | None = None,
                view_of: Tensor | None = None) -> Tensor:
    """Wrap an op's output; record the graph edge only when a parent needs gradients.

    ``attrs`` (the op's non-tensor arguments) goes to the trace recorders only; see ``_recorders``.
    """
    if type(data) is not np.ndarray:
        # NumPy gives a bare scalar for an op on 0-d arrays: a NumPy scalar for numbers, a SymPy
        # number for exact (object) arrays (``x * 2`` of a 0-d exact tensor). A tensor holds arrays.
        data = np.asarray(data, dtype=object if not isinstance(data, np.generic) else None)
    t = Tensor.__new__(Tensor)
    t._data = data
    t.grad = None
    t._retains_grad = False
    # A view shares its base's version counter, so an in-place change through either is seen.
    t._vc = [0] if view_of is None else view_of._vc
    t.name = None
    t._op = op
    if _grad_state.enabled:
        for p in parents:
            if p.requires_grad:
                t.requires_grad = True
                t._parents = parents
                t._backward = backward
                t._seq = next(_creation_counter)
                t._saved_versions = tuple([q._vc[0] for q in parents])
                break
        else:
            t.requires_grad = False
            t._parents = ()
            t._backward = None
    else:
        t.requires_grad = False
        t._parents = ()
        t._backward = None
    if _recorders:
        for hook in _recorders:
            hook(t, parents, attrs)
    return t


# ------------------------------------------------------------------ construction

def _to_array(data, dtype=None, copy: bool = True) -> np.ndarray:
    """Turn Python data, arrays or tensors into an ndarray with torch's dtype rules:
    Python floats take the default dtype, Python ints int64, bools bool; arrays keep theirs.

    The exact dtype holds SymPy numbers: Python and NumPy numbers are converted (ints → Integer,
    0.1 → 1/10, see ``_backend.exact_number``), so exact arithmetic never meets a float."""
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        arr = data
    else:
        try:
            arr = np.asarray(data)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"could not make a tensor from {type(data).__name__}: {exc}") from None
        python_data = not hasattr(data, "dtype")   # array-likes (NumPy scalars, torch) keep theirs
        if dtype is None:
            if arr.dtype.kind == "f" and python_data:
                arr = arr.astype(_backend.get_default_dtype(), copy=False)
            elif arr.dtype.kind in "iu" and python_data:
                arr = arr.astype(_backend.int64, copy=False)
            elif arr.dtype.kind == "O" and arr.size and not _all_numbers(arr):
                raise TypeError(
                    f"could not make a tensor from ragged or non-numeric data of type {type(data).__name__}")
            elif arr.dtype.kind not in "bfiuO":
                raise TypeError(f"can't make a tensor from data of dtype {arr.dtype}")
            if arr.dtype == _backend.exact and python_data:     # [sympy.E, 0.5]: 0.5 → 1/2
                return _backend.as_exact(arr)
        copy = copy and not arr.flags.owndata   # np.asarray copied, unless data lent its buffer
    if dtype is not None:
        dt = _backend.as_dtype(dtype)
        if dt == _backend.exact and (arr.dtype != dt or not isinstance(data, Tensor)):
            return _backend.as_exact(arr)       # Python numbers, or a cast from numbers: SymPy
        if arr.dtype != dt:
            return arr.astype(dt)
    return arr.copy() if copy else arr


def _all_numbers(arr: np.ndarray) -> bool:
    return all(isinstance(v, numbers.Number) or hasattr(v, "is_number") for v in arr.reshape(-1))


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


from . import ops as _ops  # noqa: E402  (ops need Tensor defined)
from .ops import _rules  # noqa: E402

_ops.install_methods(Tensor)
