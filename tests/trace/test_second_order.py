"""Trace.jacobian / Trace.hessian and a Newton step's report: what the trace keeps, and that
computing a derivative adds no pass, no backward run and no value to the recording."""
from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.nn import functional as F
from glassnet.trace.recorder import unrecorded


def _softmax_trace(values=(-1.0, 0.0, 1.0)):
    with gn.trace() as t:
        z = gn.tensor(list(values))
        z.name = "z"
        a = gn.softmax(z, 0)
        a.name = "a"
        J = t.jacobian(lambda v: gn.softmax(v, 0), z, of=a)
    return t, z, a, J


def test_jacobian_is_kept_with_the_pass_that_made_its_value():
    t, z, a, J = _softmax_trace()
    (p,) = [q for q in t.passes if q.nodes]
    (d,) = p.derivatives
    assert d.kind == "jacobian" and d.of is t.node_of(a) and d.wrt == (t.leaf_of(z),)
    assert d.out_shape == (3,) and d.shapes == ((3,),)
    p_np = np.exp([-1.0, 0, 1]) / np.exp([-1.0, 0, 1]).sum()
    np.testing.assert_allclose(d.matrix, np.diag(p_np) - np.outer(p_np, p_np), rtol=1e-13, atol=1e-16)
    np.testing.assert_array_equal(J.numpy(), d.matrix)        # returns what autograd.functional returns


def test_computing_a_derivative_records_no_pass_run_or_value():
    with gn.trace() as t:
        z = gn.tensor([0.5, -1.0, 2.0])
        a = gn.softmax(z, 0)
        n_nodes = len(t.nodes)
        t.jacobian(lambda v: gn.softmax(v, 0), z, of=a)
        t.hessian(lambda v: (gn.softmax(v, 0) * v).sum(), z)
    assert len(t.nodes) == n_nodes and t._run == 0
    assert len([p for p in t.passes if p.nodes]) == 1
    assert [d.kind for d in t.passes[0].derivatives] == ["jacobian", "hessian"]


def test_hessian_of_several_inputs_is_one_block_matrix_in_their_order():
    W = gn.tensor([[1.0, -2.0]])
    b = gn.tensor([0.5])
    x = gn.tensor([[1.0, 2.0], [-1.0, 0.5]])
    y = gn.tensor([[1.0], [0.0]])
    with gn.trace() as t:
        loss = F.binary_cross_entropy(gn.sigmoid(F.linear(x, W, b)), y)
        H = t.hessian(lambda w, c: F.binary_cross_entropy(gn.sigmoid(F.linear(x, w, c)), y), (W, b), of=loss)
    (d,) = t.passes[0].derivatives
    assert d.matrix.shape == (3, 3) and d.shapes == ((1, 2), (1,))
    np.testing.assert_array_equal(d.matrix[:2, :2], H[0][0].numpy().reshape(2, 2))
    np.testing.assert_array_equal(d.matrix[:2, 2], H[0][1].numpy().reshape(2))
    np.testing.assert_array_equal(d.matrix[2, 2], H[1][1].numpy().reshape(()))
    # by hand: H = (1/N) X̃ᵀ Diag(a(1 − a)) X̃ with x̃ = (x, 1)
    Xt = np.array([[1.0, 2, 1], [-1, 0.5, 1]])
    a = 1 / (1 + np.exp(-(Xt @ [1.0, -2, 0.5])))
    np.testing.assert_allclose(d.matrix, Xt.T @ np.diag(a * (1 - a)) @ Xt / 2, rtol=1e-12)


def test_a_derivative_of_nothing_recorded_gets_a_pass_of_its_own():
    with gn.trace() as t:
        x = gn.tensor([1.0, 2.0])
        t.hessian(lambda v: (v ** 3).sum(), x)
    (d,) = t.passes[-1].derivatives
    np.testing.assert_allclose(d.matrix, np.diag([6.0, 12.0]))
    assert "Hessian" in t.to_text() and "12" in t.to_text()


def test_bad_arguments_are_clear_errors():
    with gn.trace() as t:
        z = gn.tensor([1.0, 2.0])
        with pytest.raises(TypeError, match="inputs must be Tensors"):
            t.jacobian(lambda v: v, [1.0, 2.0])
        with pytest.raises(ValueError, match="'of' must be a tensor computed"):
            t.jacobian(lambda v: gn.exp(v), z, of=_untraced())
        with pytest.raises(TypeError, match="one output"):
            t.jacobian(lambda v: (gn.exp(v), v * 2), z)
        with pytest.raises(ValueError, match="wrt names 2 tensors for 1 inputs"):
            t.jacobian(lambda v: gn.exp(v), z, wrt=(z, z))


def _untraced():
    with unrecorded():
        return gn.tensor([1.0]) * 2


def test_unrecorded_hides_ops_from_an_open_trace_and_restores_it():
    with gn.trace() as t:
        x = gn.tensor([1.0, 2.0], requires_grad=True)
        with unrecorded():
            y = (x * 3).sum()
            y.backward()
        assert t.node_of(y) is None and t._run == 0
        z = x * 2
        assert t.node_of(z) is not None


def test_newton_step_reports_its_hessian_gradient_and_step_to_the_trace():
    model = nn.Linear(1, 1)
    with gn.no_grad():
        model.weight.fill_(-1.0)
        model.bias.fill_(1.0)
    x, y = gn.tensor([[1.0], [2.0]]), gn.tensor([[1.0], [0.0]])
    opt = gn.optim.Newton(model.parameters())
    with gn.trace(model, opt) as t:
        loss = F.binary_cross_entropy(gn.sigmoid(model(x)), y)
        loss.backward()
        opt.step(lambda: F.binary_cross_entropy(gn.sigmoid(model(x)), y))
    (p,) = [q for q in t.passes if q.nodes]
    assert len(p.runs) == 1 and len(p.nodes) == 3            # the step's own evaluations are not recorded
    (d,) = p.derivatives
    assert d.newton is not None and d.of is None
    assert [w.tensor for w in d.wrt] == [model.weight, model.bias]
    state = opt.state[model.weight]
    np.testing.assert_array_equal(d.matrix, state["hessian"].numpy())
    np.testing.assert_array_equal(d.newton.step, state["direction"].numpy())
    # the gradient the step used is the one the backward pass showed
    np.testing.assert_allclose(d.newton.gradient, [p.updates[0].grad.item(), p.updates[1].grad.item()], rtol=1e-15)
