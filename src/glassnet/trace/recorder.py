"""The trace recorder: ``with gn.trace() as t:`` notes every value the engine computes.

The recorder reads, it never recomputes. It plugs into the engine at two points that
exist for it, and changes no number:

* ``glassnet.tensor._recorders`` — called with every op result, the op's tensor inputs (also
  under ``no_grad``, where the result itself keeps no graph) and its other arguments as a small
  dict (``attrs``: the loss target and reduction, softmax's dim, the scalar of ``x * 2``, …).
  The recorder copies the value, notes the op, its parents, its attrs and the modules whose
  forward was running (``glassnet.nn.module._call_stack``: that is how a value is known as
  "layer 2 · z").
* the result's backward closure — wrapped by one that calls the original and returns
  exactly what it returned, noting on the way the gradient that arrived (∂L/∂value, the
  δ of a pre-activation) and the gradient it sent to each parent (so a sum such as
  x̄ = (W⁽¹⁾)ᵀz̄ + ȳ is known term by term). ``retain_grad`` is not needed, so no
  tensor's ``.grad`` differs from a run without the trace.

Parameter updates are seen without any optimizer hook: a parameter's values are
copied when the trace first meets it, and compared again when it is next used after a
backward pass and when the trace closes; a change is an update, paired with the
gradient the backward passes gave that parameter.

The recording is grouped in *passes*: a pass is the ops of one forward computation,
the backward run(s) from its loss, and the update that followed. A new pass starts with
the first op after a backward pass or an update, or at ``trace.section(title)``.

Jacobians and Hessians (``trace.jacobian``, ``trace.hessian``, and the Hessian a Newton step
reports through ``note_newton_step``) are computed by ``glassnet.autograd.functional`` inside
``unrecorded()`` — their many backward runs are no passes of the solution — and kept with the
pass of the value they differentiate (see ``glassnet.trace.second_order``).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..nn.module import _call_stack
from ..nn.parameter import Parameter
from ..tensor import Tensor, _recorders


@dataclass(eq=False)
class Leaf:
    """A tensor the trace did not create: a parameter, an input, a target, a constant."""

    index: int
    tensor: Tensor
    kind: str                      # "parameter" | "input" | "constant"
    value: np.ndarray              # the values when the trace first met it
    current: np.ndarray            # the values at the last check (for spotting updates)
    checked_run: int = 0
    grads: dict = field(default_factory=dict)      # backward run → accumulated ∂L/∂leaf
    pending: list = field(default_factory=list)    # runs whose gradient no update has used yet

    @property
    def name(self) -> str | None:
        return self.tensor.name

    @property
    def is_node(self) -> bool:
        return False


@dataclass(eq=False)
class Node:
    """One op result: its value, op, parents, arguments, the modules it ran in, its gradients."""

    index: int
    op: str
    tensor: Tensor
    value: np.ndarray
    parents: tuple                  # of Node | Leaf
    modules: tuple                  # ((path, module), …), outermost first
    attrs: dict                     # the op's other arguments: {"dim": 1}, {"scalar": 2}, …
    pass_index: int
    grads: dict = field(default_factory=dict)        # backward run → ∂L/∂node (the δ)
    edge_grads: dict = field(default_factory=dict)   # backward run → gradient sent to each parent

    @property
    def name(self) -> str | None:
        return self.tensor.name

    @property
    def is_node(self) -> bool:
        return True

    @property
    def module(self):
        """The innermost module whose forward made this value (None outside any module)."""
        return self.modules[-1][1] if self.modules else None

    @property
    def module_path(self) -> str:
        return self.modules[-1][0] if self.modules else ""

    @property
    def grad(self) -> np.ndarray | None:
        """∂L/∂value from the last backward run that reached this node."""
        return self.grads[max(self.grads)] if self.grads else None


@dataclass(eq=False)
class Update:
    """A parameter changed between two uses: before, after, and the gradient it had."""

    leaf: Leaf
    before: np.ndarray
    after: np.ndarray
    grad: np.ndarray | None


@dataclass(eq=False)
class Pass:
    """The ops of one forward computation, its backward run(s) and the update after it."""

    index: int
    title: str | None = None
    nodes: list = field(default_factory=list)
    runs: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    leaves: list = field(default_factory=list)      # leaves first met in this pass, in order
    params_before: dict = field(default_factory=dict)   # leaf index → values at the pass start
    derivatives: list = field(default_factory=list)     # Jacobians and Hessians (second_order.Derivative)


class Trace:
    """Records every value computed inside ``with`` and renders it as a worked solution.

    Args:
        model: the model being traced (optional). Gives parameters their dotted names
            (``0.weight``) and lets the trace notice updates of parameters it has not yet
            seen used.
        optimizer: the optimizer (optional): its type and learning rate label the update
            step. Without it the learning rate of a plain SGD step is read off the update.
        title: a heading for the rendered solution.
        notation: ``"columns"`` (W is outputs × inputs, z = Wx + b; seeds 001 and 003) or
            ``"rows"`` (W is inputs × outputs, z = Wᵀx + W₀; seed 000). Renderers may
            override it.

    Example:
        >>> with gn.trace(model, optimizer) as t:
        ...     loss = loss_fn(model(x), y); loss.backward(); optimizer.step()
        >>> print(t.to_text())
    """

    def __init__(self, model=None, optimizer=None, *, title: str | None = None,
                 notation: str = "columns") -> None:
        from .notation import check_notation
        check_notation(notation)
        self.model = model
        self.optimizer = optimizer
        self.title = title
        self.notation = notation
        self.nodes: list[Node] = []
        self.leaves: list[Leaf] = []
        self.passes: list[Pass] = [Pass(0)]
        self._node_of: dict[int, Node] = {}
        self._leaf_of: dict[int, Leaf] = {}
        self._keep: list[Tensor] = []          # tensors whose id() is a key above stay alive
        self._run = 0                          # number of backward runs seen
        self._last_seq: int | None = None      # _seq of the last node whose backward ran
        self._new_since_backward = True
        self._pass_closed = False              # the next op starts a new pass
        self._active = False
        self._closed = False
        self._param_names: dict[int, str] = {}
        if model is not None:
            for name, p in model.named_parameters():
                self._param_names[id(p)] = name

    # ------------------------------------------------------------------ context
    def __enter__(self) -> "Trace":
        if self._active or self._closed:
            raise RuntimeError("a Trace records one `with` block; make a new gn.trace() for another")
        self._active = True
        _recorders.append(self._record)
        if self.model is not None:
            for p in self.model.parameters():
                self._leaf(p)
        return self

    def __exit__(self, *exc) -> None:
        try:
            _recorders.remove(self._record)
        except ValueError:
            pass
        self._active = False
        self._closed = True
        for leaf in self.leaves:
            if leaf.kind == "parameter":
                self._check_update(leaf, force=True)

    def section(self, title: str) -> None:
        """Start a new pass with a heading (e.g. ``"(b) class of x_new"``)."""
        current = self.passes[-1]
        if current.nodes or current.runs or current.updates:
            self._start_pass()
        self.passes[-1].title = title

    # ------------------------------------------------------------------ recording
    def _start_pass(self) -> Pass:
        p = Pass(len(self.passes))
        self.passes.append(p)
        self._pass_closed = False
        return p

    def _leaf(self, t: Tensor) -> Leaf:
        leaf = self._leaf_of.get(id(t))
        if leaf is not None:
            return leaf
        if t.requires_grad:
            kind = "parameter" if (isinstance(t, Parameter) or id(t) in self._param_names) else "input"
        else:
            kind = "constant"
        value = np.array(t._data, copy=True)
        leaf = Leaf(len(self.leaves), t, kind, value, value, checked_run=self._run)
        self.leaves.append(leaf)
        self._leaf_of[id(t)] = leaf
        self._keep.append(t)
        self.passes[-1].leaves.append(leaf)
        return leaf

    def _record(self, t: Tensor, raw_parents: tuple, attrs: dict | None) -> None:
        """The hook the engine calls with every op result, its tensor inputs and other arguments."""
        # A pass ends with its backward run(s) and update: the next op starts a new one.
        if self._pass_closed:
            self._start_pass()
        parents = []
        for p in raw_parents:
            node = self._node_of.get(id(p))
            if node is not None:
                parents.append(node)
                continue
            leaf = self._leaf(p)
            if leaf.kind == "parameter":
                self._check_update(leaf)
            parents.append(leaf)
        if self._pass_closed:                 # an update was found just now
            self._start_pass()
            for leaf in parents:
                if not leaf.is_node and leaf not in self.passes[-1].leaves:
                    self.passes[-1].leaves.append(leaf)
        current = self.passes[-1]
        for leaf in parents:
            if not leaf.is_node and leaf.kind == "parameter" and leaf.index not in current.params_before:
                current.params_before[leaf.index] = leaf.current
        stack = _call_stack
        modules = tuple(zip(_module_paths(stack), stack)) if stack else ()
        node = Node(len(self.nodes), t._op, t, np.array(t._data, copy=True), tuple(parents),
                    modules, _copy_attrs(attrs), current.index)
        self.nodes.append(node)
        self._node_of[id(t)] = node
        self._keep.append(t)
        current.nodes.append(node)
        self._new_since_backward = True
        if t._backward is not None:
            t._backward = self._wrap_backward(node, t._backward)

    def _wrap_backward(self, node: Node, original):
        def backward(F, g, out, *inputs):
            parent_grads = original(F, g, out, *inputs)
            self._on_backward(node, g, parent_grads)
            return parent_grads
        return backward

    def _on_backward(self, node: Node, g: np.ndarray, parent_grads) -> None:
        if _paused[0]:                 # a derivative computed off the record passed through this node
            return
        seq = node.tensor._seq
        if self._new_since_backward or self._last_seq is None or seq >= self._last_seq:
            self._run += 1
            self._new_since_backward = False
            p = self.passes[node.pass_index]
            p.runs.append(self._run)
            if p is self.passes[-1]:
                self._pass_closed = True
        self._last_seq = seq
        run = self._run
        node.grads[run] = np.array(g, copy=True)
        sent = []
        for parent, pg in zip(node.parents, parent_grads):
            if pg is None or not parent.tensor.requires_grad:
                sent.append(None)
                continue
            pg = np.asarray(pg)
            if pg.dtype != parent.tensor._data.dtype:
                pg = pg.astype(parent.tensor._data.dtype)     # as the engine does
            sent.append(np.array(pg, copy=True))
            if not parent.is_node:
                acc = parent.grads.get(run)
                parent.grads[run] = np.array(pg, copy=True) if acc is None else acc + pg
                if run not in parent.pending:
                    parent.pending.append(run)
        node.edge_grads[run] = tuple(sent)

    def _check_update(self, leaf: Leaf, force: bool = False) -> None:
        if not force and leaf.checked_run >= self._run:
            return
        leaf.checked_run = self._run
        data = leaf.tensor._data
        if data.shape == leaf.current.shape and _same(data, leaf.current):
            return
        after = np.array(data, copy=True)
        grad = None
        if leaf.pending:
            grad = leaf.grads[leaf.pending[0]]
            for r in leaf.pending[1:]:
                grad = grad + leaf.grads[r]
        leaf.pending = []
        target = self._pass_of_run(self._run) if self._run else self.passes[-1]
        target.updates.append(Update(leaf, leaf.current, after, grad))
        leaf.current = after
        if target is self.passes[-1]:
            self._pass_closed = True

    def _pass_of_run(self, run: int) -> Pass:
        for p in reversed(self.passes):
            if run in p.runs:
                return p
        return self.passes[-1]

    # ------------------------------------------------------------------ second order
    def jacobian(self, func, inputs, *, of=None, wrt=None, title: str | None = None):
        """J = ∂func/∂inputs by ``glassnet.autograd.functional.jacobian``, kept for the solution.

        Args:
            func, inputs: as for ``gn.autograd.functional.jacobian`` (one output).
            of: the recorded tensor that ``func`` computes (``a`` of ``a = softmax(z)``): the
                solution names it and, for a known op, writes J's formula (Diag(a) − aaᵀ).
            wrt: the recorded tensor(s) ``inputs`` stand for (default: ``inputs`` themselves).
            title: a heading for the Jacobian's section.

        Returns what ``jacobian`` returns. The computation is not recorded as a pass.

        Example:
            >>> with gn.trace() as t:
            ...     z = gn.tensor([-1.0, 0, 1]); a = gn.softmax(z, 0)
            ...     t.jacobian(lambda v: gn.softmax(v, 0), z, of=a)
        """
        from .second_order import record
        return record(self, "jacobian", func, inputs, of, wrt, title)

    def hessian(self, func, inputs, *, of=None, wrt=None, title: str | None = None):
        """H = ∂²func/∂inputs² of a scalar ``func`` by ``glassnet.autograd.functional.hessian``,
        kept for the solution (``of``, ``wrt``, ``title`` as for :meth:`jacobian`)."""
        from .second_order import record
        return record(self, "hessian", func, inputs, of, wrt, title)

    def _on_newton(self, params, gradient, hessian, step, lr, damping) -> None:
        from .second_order import record_newton
        record_newton(self, params, gradient, hessian, step, lr, damping)

    # ------------------------------------------------------------------ reading
    def parameter_name(self, leaf: Leaf) -> str | None:
        """The dotted name of a parameter in the traced model (``"0.weight"``), if known."""
        return self._param_names.get(id(leaf.tensor))

    def leaf_of(self, t: Tensor) -> Leaf | None:
        return self._leaf_of.get(id(t))

    def node_of(self, t: Tensor) -> Node | None:
        return self._node_of.get(id(t))

    @property
    def recording(self) -> bool:
        return self._active

    # ------------------------------------------------------------------ rendering
    def solution(self, **options):
        """The worked solution as a :class:`glassnet.trace.solution.Solution` (renderer input)."""
        from .solution import build_solution
        return build_solution(self, **options)

    def to_markdown(self, **options) -> str:
        """Markdown with LaTeX matrices (``bmatrix``): formulas first, then the numbers.

        Options: ``notation`` ("columns" | "rows"), ``digits`` (significant digits, 6 as the
        seeds print), ``decimals`` (fixed decimals instead), ``per_sample`` (one block per
        sample instead of one matrix with a column per sample).
        """
        from .render_markdown import render_markdown
        return render_markdown(self.solution(**options))

    def to_latex(self, standalone: bool = False, **options) -> str:
        """The solution as LaTeX (a fragment, or a whole document with ``standalone=True``)."""
        from .render_latex import render_latex
        return render_latex(self.solution(**options), standalone=standalone)

    def to_text(self, **options) -> str:
        """The solution as plain text for a terminal (Unicode matrices, no LaTeX)."""
        from .render_text import render_text
        return render_text(self.solution(**options))

    def to_json(self, **options) -> str:
        """The solution as JSON: every named quantity with its formula and values."""
        from .render_json import render_json
        return render_json(self.solution(**options))

    def explain_cell(self, layer, index, occurrence: int = -1):
        """One output cell of a convolution or max-pooling layer, worked out.

        A convolution cell is shown as the dot product of its input window and the kernel
        (plus the bias), with the numbers; a max-pooling cell as the maximum of its window,
        naming the element that won — the one its gradient goes back to. After a backward
        pass the cell's gradient and where it goes are shown too.

        Args:
            layer: the layer module (``model[0]``), its dotted path in the model (``"0"``), a
                tensor name, or a recorded node.
            index: the output cell, indexed as in Python (from 0): ``(n, c, i)`` for a batched
                ``Conv1d`` output, ``(n, c, i, j)`` for ``Conv2d``.
            occurrence: which run of the layer when it ran more than once (default: the last).

        Returns:
            a :class:`~glassnet.trace.windows.CellExplanation` (``print`` it, or
            ``.to_markdown()``); its ``.products`` / ``.winner`` give the pieces as data.

        Example:
            >>> with gn.trace(model) as t:
            ...     model(x).sum().backward()
            >>> print(t.explain_cell(model[0], (0, 0, 1)))
        """
        from .windows import explain
        return explain(self, layer, index, occurrence)

    def values(self, **options) -> dict:
        """Every named quantity by key (``"z[1]"``, ``"delta[2]"``, ``"W[1]'"``, …) as displayed."""
        return self.solution(**options).values()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        from .render_latex import render_math_only
        return render_math_only(self.solution())

    def __repr__(self) -> str:
        state = "recording" if self._active else "closed" if self._closed else "not started"
        return (f"<Trace {state}: {len(self.nodes)} values, {len(self.leaves)} leaves, "
                f"{sum(1 for p in self.passes if p.nodes)} passes>")


def note_attrs(t: Tensor, attrs: dict) -> None:
    """Add arguments to the recorded node of ``t`` in every open trace (for an op that does not
    hand them over itself; see ``glassnet.trace.windows``). Costs nothing when no trace is open."""
    for hook in _recorders:
        tr = getattr(hook, "__self__", None)
        node = tr.node_of(t) if isinstance(tr, Trace) else None
        if node is not None:
            node.attrs.update(_copy_attrs(attrs))


_paused = [0]          # > 0 inside unrecorded()


@contextmanager
def unrecorded():
    """Compute without any open trace noting it (a Jacobian's backward runs, a Newton step's own
    evaluations of the loss); the values computed are the engine's as always."""
    saved = list(_recorders)
    _recorders.clear()
    _paused[0] += 1
    try:
        yield
    finally:
        _paused[0] -= 1
        _recorders[:] = saved + [h for h in _recorders if h not in saved]


def note_newton_step(params, gradient, hessian, step, lr, damping) -> None:
    """A Newton step reports what it computed (flat ∇L, H, the step Δ = (H + λI)⁻¹∇L) to every open
    trace, which shows it with the pass whose loss it differentiated. Costs nothing without a trace."""
    for hook in _recorders:
        tr = getattr(hook, "__self__", None)
        if isinstance(tr, Trace):
            tr._on_newton(params, gradient, hessian, step, lr, damping)


def trace(model=None, optimizer=None, *, title: str | None = None, notation: str = "columns") -> Trace:
    """Record every value computed inside ``with``: ``with gn.trace(model) as t: …``.

    See :class:`Trace`. Recording changes no number, and costs nothing when no trace is open.
    """
    return Trace(model, optimizer, title=title, notation=notation)


# ---------------------------------------------------------------------- helpers

def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype == object or b.dtype == object:
        return all(x == y for x, y in zip(a.reshape(-1), b.reshape(-1)))
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def _module_paths(stack) -> list[str]:
    """The dotted path of each module on the call stack, relative to the outermost one."""
    paths = [""]
    for parent, child in zip(stack, stack[1:]):
        key = next((k for k, m in parent._modules.items() if m is child), None)
        base = paths[-1]
        if key is None:
            paths.append(base)
        else:
            paths.append(f"{base}.{key}" if base else key)
    return paths


def _copy_attrs(attrs: dict | None) -> dict:
    """The op's arguments as they were: arrays (a loss target) copied, tensors as their values."""
    if not attrs:
        return {}
    out = {}
    for k, v in attrs.items():
        if isinstance(v, Tensor):
            v = v._data
        out[k] = np.array(v, copy=True) if isinstance(v, np.ndarray) else v
    return out
