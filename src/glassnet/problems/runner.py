"""Running a problem: build the model and data, train and predict under a trace.

The runner only sets things up and calls the engine as a user would (forward, loss,
``backward()``, ``optimizer.step()``); every number in the solution comes from the
engine through the trace.
"""
from __future__ import annotations

import numpy as np

from .. import nn, ops
from .._backend import exact as exact_dtype
from .._backend import float64
from ..grad_mode import no_grad
from ..nn import functional as F
from ..nn.activation import ACTIVATIONS
from ..tensor import Tensor
from ..trace import Trace
from . import derivatives
from .expressions import evaluate
from .source import ProblemError
from .spec import Problem, Values



class _Numbers:
    """Turns file values into arrays: float64, or exact SymPy numbers."""

    def __init__(self, problem: Problem, exact: bool) -> None:
        self.problem, self.exact = problem, exact

    def array(self, v: Values) -> np.ndarray:
        if self.exact:
            from ..trace.exact import exact_array
            try:
                return exact_array(v.values, v.texts)
            except (ValueError, TypeError) as exc:
                raise self.problem.error(v.path, str(exc)) from None
        out = np.empty(v.values.shape, dtype=np.float64)
        flat = v.values.reshape(-1)
        for i, x in enumerate(flat):
            out.reshape(-1)[i] = self.scalar(x, v.path)
        return out

    def scalar(self, x, path):
        if self.exact:
            from ..trace.exact import to_exact
            try:
                return to_exact(x, self.problem.source.text(path) if not isinstance(x, str) else None)
            except (ValueError, TypeError) as exc:
                raise self.problem.error(path, str(exc)) from None
        if isinstance(x, str):
            from ..trace.exact import parse_expression
            expr = parse_expression(x)
            if expr.free_symbols:
                raise self.problem.error(path, f"{x!r} has symbols ({', '.join(sorted(map(str, expr.free_symbols)))}): "
                                               f"symbolic values need exact mode (exact: true, or --exact)")
            return float(expr.evalf(17))
        return float(x)

    @property
    def dtype(self):
        return exact_dtype if self.exact else float64


def build_model(problem: Problem, num: _Numbers) -> nn.Sequential:
    """The network as a Sequential of Linear and activation layers (a fused loss keeps its softmax)."""
    spec = problem.network
    if spec.seed is not None:
        from .._backend import manual_seed
        manual_seed(spec.seed)
    modules = []
    in_f = spec.inputs
    n = len(spec.layers)
    for i, layer in enumerate(spec.layers):
        lin = nn.Linear(in_f, layer.units, bias=layer.bias is not False)
        _fill(lin.weight, layer.weight, num, problem, transpose=problem.notation == "rows",
              what=f"layer {i + 1}'s weights")
        if layer.bias is not False:
            _fill(lin.bias, layer.bias, num, problem, transpose=False, what=f"layer {i + 1}'s biases")
        modules.append(lin)
        fused = i == n - 1 and _fused_softmax(problem)
        if layer.activation != "identity" and not fused:
            modules.append(ACTIVATIONS[layer.activation].make())
        in_f = layer.units
    return nn.Sequential(*modules)


def _fill(param, value, num: _Numbers, problem: Problem, transpose: bool, what: str) -> None:
    if isinstance(value, str) and value == "random":
        if num.exact:
            from ..trace.exact import exact_array
            param._data = exact_array(param._data)
        return
    if isinstance(value, Values):
        arr = num.array(value)
        param._data = np.ascontiguousarray(arr.T if transpose and arr.ndim == 2 else arr)
        return
    path = problem.network.path + (("weights",) if "weights" in what else ("biases",))
    c = num.scalar(value, path)
    arr = np.empty(param._data.shape, dtype=object if num.exact else np.float64)
    arr[...] = c
    param._data = arr


def _fused_softmax(problem: Problem) -> bool:
    return problem.loss == "cross_entropy" and problem.network.layers[-1].activation == "softmax"


def _check_loss(problem: Problem) -> None:
    if problem.network is None or problem.loss is None:
        return
    last = problem.network.layers[-1].activation
    path = ("loss",)
    if problem.loss == "cross_entropy" and last not in ("softmax", "identity"):
        raise problem.error(path, f"cross_entropy goes with a softmax output layer (the last activation is "
                                  f"{last}); set the last activation to softmax")
    if problem.loss == "binary_cross_entropy" and last != "sigmoid":
        raise problem.error(path, f"binary_cross_entropy needs probabilities from a sigmoid output "
                                  f"(the last activation is {last})")


def _loss(problem: Problem, out: Tensor, y: np.ndarray):
    red = problem.reduction
    if problem.loss == "squared_error":
        return F.squared_error(out, Tensor._wrap(y), reduction=red)
    if problem.loss == "mse":
        return F.mse_loss(out, Tensor._wrap(y), reduction=red)
    if problem.loss == "cross_entropy":
        if y.shape[1] == 1 and out.shape[1] > 1:          # class labels 0 … C−1
            labels = np.array([int(v) for v in y.reshape(-1)], dtype=np.int64)
            return F.cross_entropy(out, Tensor._wrap(labels), reduction=red)
        return F.cross_entropy(out, Tensor._wrap(y), reduction=red)
    if problem.loss == "binary_cross_entropy":
        return F.binary_cross_entropy(out, Tensor._wrap(y), reduction=red)
    if problem.loss == "hinge":
        return F.hinge_loss(out, Tensor._wrap(y), reduction=red)
    raise AssertionError(problem.loss)  # pragma: no cover - spec validated the name


def _optimizer(problem: Problem, params, num: _Numbers):
    spec = problem.optimizer
    if spec is None:
        return None
    from ..optim import SGD, Newton
    lr = num.scalar(spec["lr"], ("optimizer", "lr"))
    keys = ("damping",) if spec["name"] == "newton" else ("momentum", "weight_decay")
    options = {k: num.scalar(spec[k], ("optimizer", k)) for k in keys if k in spec}
    try:
        return (Newton if spec["name"] == "newton" else SGD)(params, lr=lr, **options)
    except (ValueError, TypeError) as exc:
        raise problem.error(("optimizer",), str(exc)) from None


def _step(problem: Problem, opt, closure) -> None:
    """opt.step(); a Newton step gets the closure that recomputes the loss (it differentiates it twice)."""
    from ..optim import Newton
    from ..optim.newton import SingularHessianError
    if not isinstance(opt, Newton):
        opt.step()
        return
    try:
        opt.step(closure)
    except SingularHessianError as exc:
        raise problem.error(("optimizer",), str(exc)) from None


def _derivatives(problem: Problem, kind: str) -> list:
    """The file's ``jacobian:`` or ``hessian:`` requests (see ``problems.derivatives``)."""
    return [d for d in problem.derivatives if d.kind == kind]


def run_problem(problem: Problem, exact: bool | None = None) -> Trace:
    """Run the problem under a trace and return the trace (render it with ``to_markdown()`` …)."""
    exact = problem.exact if exact is None else exact
    num = _Numbers(problem, exact)
    if problem.graph is not None:
        return _run_graph(problem, num)
    if problem.network is None:
        return _run_functions(problem, num)
    _check_loss(problem)
    model = build_model(problem, num)
    opt = _optimizer(problem, model.parameters(), num)
    t = Trace(model, opt, title=problem.title, notation=problem.notation)
    with t:
        if problem.train is not None:
            x = Tensor._wrap(num.array(problem.train.x))
            y = num.array(problem.train.y) if problem.train.y is not None else None
            for step in range(problem.steps):
                title = problem.train.title
                if problem.steps > 1:
                    title = f"{title or 'Training step'} {step + 1} of {problem.steps}"
                if title:
                    t.section(title)
                out = model(x)
                loss = _loss(problem, out, y)
                if opt is not None:
                    opt.zero_grad()
                else:
                    model.zero_grad()
                loss.backward()
                for spec in _derivatives(problem, "hessian"):
                    derivatives.run_loss_hessian(t, spec, model, x, loss, lambda o: _loss(problem, o, y))
                if opt is not None:
                    _step(problem, opt, lambda: _loss(problem, model(x), y))
        for i, pred in enumerate(problem.predict):
            title = pred.title or ("Prediction" if len(problem.predict) == 1 else f"Prediction {i + 1}")
            t.section(title)
            with no_grad():
                out = model(Tensor._wrap(num.array(pred.x)))
                if _fused_softmax(problem):
                    # the training loss holds the output softmax; show the probabilities here too
                    ops.softmax(out, dim=-1)
        for spec in _derivatives(problem, "jacobian"):
            derivatives.run_network_jacobian(t, spec, model, num, _fused_softmax(problem))
    return t


def _run_functions(problem: Problem, num: _Numbers) -> Trace:
    """A problem of Jacobians of functions only (jacobian: {of: softmax, at: …})."""
    t = Trace(None, None, title=problem.title, notation=problem.notation)
    with t:
        for spec in problem.derivatives:
            derivatives.run_function(t, spec, num)
    return t


def _run_graph(problem: Problem, num: _Numbers) -> Trace:
    g = problem.graph
    scope: dict[str, Tensor] = {}
    params = []
    for group, grad in (("parameters", True), ("inputs", True), ("constants", False)):
        for name, v in getattr(g, group).items():
            arr = np.array(num.array(v), order="C")        # 0-d stays 0-d (not ascontiguousarray)
            if group == "parameters":
                t = nn.Parameter(arr)
            else:
                t = Tensor._wrap(arr)
                if grad:
                    t.requires_grad_(True)
            t.name = name
            scope[name] = t
            if group == "parameters":
                params.append(t)
    opt = _optimizer(problem, params, num) if params else None
    if problem.optimizer is not None and not params:
        raise problem.error(("optimizer",), "an optimizer needs graph parameters to update")
    trace = Trace(None, opt, title=problem.title, notation=problem.notation)
    steps = problem.steps if opt is not None else 1
    loss_name = g.loss or g.nodes[-1][0]

    def to_number(text, value):
        return num.scalar(value, ()) if not num.exact else _exact_number(text)

    def evaluate_from(values: dict) -> dict:
        local = dict(values)
        for name, expr, path in g.nodes:
            out = evaluate(expr, local, problem.source, path, to_number)
            out.name = name
            local[name] = out
        return local

    with trace:
        for step in range(max(steps, 1)):
            if steps > 1:
                trace.section(f"Step {step + 1} of {steps}")
            local = evaluate_from(scope)
            loss = local[loss_name]
            if loss.numel() != 1 and (g.loss is not None or opt is not None):
                raise problem.error(g.path + ("nodes", loss_name),
                                    f"the loss {loss_name!r} must be one number to differentiate, "
                                    f"but has shape {tuple(loss.shape)} (wrap it in sum(…))")
            if loss.requires_grad and loss.numel() == 1:
                if opt is not None:
                    opt.zero_grad()
                loss.backward()
            for spec in problem.derivatives:
                derivatives.run_graph_derivative(trace, spec, problem, scope, local, evaluate_from)
            if loss.requires_grad and loss.numel() == 1 and opt is not None and steps > 0:
                _step(problem, opt, lambda: evaluate_from(scope)[loss_name])
    return trace


def _exact_number(text):
    from ..trace.exact import parse_expression
    return parse_expression(text)
