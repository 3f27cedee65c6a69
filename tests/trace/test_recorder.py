"""The trace recorder: it changes no number, names values by layer, sees updates, and works
for graphs that are not a chain (seed 002 problem 4)."""
from __future__ import annotations

import unicodedata

import numpy as np
import pytest

import glassnet as gn
import glassnet.optim  # noqa: F401
from glassnet import nn
from glassnet.tensor import _recorders
from glassnet.trace import Trace
from glassnet.trace.structure import find_chain


def _seed003_model():
    model = nn.Sequential(nn.Linear(5, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid())
    with gn.no_grad():
        for layer in (model[0], model[2]):
            layer.weight.fill_(0.1)
            layer.bias.fill_(0.0)
    return model


def _step(model, x, y, lr=1.0, trace=None):
    opt = gn.optim.SGD(model.parameters(), lr=lr)
    ctx = gn.trace(model, opt) if trace else None
    if ctx is not None:
        ctx.__enter__()
    try:
        out = model(x)
        loss = nn.SquaredErrorLoss()(out, y)
        opt.zero_grad()
        loss.backward()
        grads = [p.grad.numpy().copy() for p in model.parameters()]
        opt.step()
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)
    return out.detach().numpy().copy(), loss.item(), grads, [p.detach().numpy().copy() for p in model.parameters()], ctx


def test_recording_changes_no_number_bit_for_bit():
    rng = np.random.default_rng(0)
    x = gn.tensor(rng.normal(size=(4, 5)))
    y = gn.tensor(rng.normal(size=(4, 2)))
    gn.manual_seed(3)
    plain = _step(nn.Sequential(nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 2)), x, y, 0.1)
    gn.manual_seed(3)
    traced = _step(nn.Sequential(nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 2)), x, y, 0.1, trace=True)
    assert np.array_equal(plain[0], traced[0])
    assert plain[1] == traced[1]
    for a, b in zip(plain[2] + plain[3], traced[2] + traced[3]):
        assert np.array_equal(a, b)


def test_trace_leaves_no_gradient_on_intermediate_values_and_unhooks():
    model = _seed003_model()
    x, y = gn.tensor([[1.0, 1, 0, 0, 0]]), gn.tensor([[1.0, 0]])
    with gn.trace(model) as t:
        assert _recorders == [t._record]
        z = model[0](x)
        loss = nn.SquaredErrorLoss()(model[3](model[2](model[1](z))), y)
        loss.backward()
    assert _recorders == []
    assert z.grad is None and not z.retains_grad       # no retain_grad side effect
    assert not t.recording


def test_recorder_is_removed_when_the_block_raises():
    with pytest.raises(ZeroDivisionError):
        with gn.trace():
            gn.tensor([1.0]) * 2
            1 / 0
    assert _recorders == []


def test_seed003_problem1_values_by_layer():
    # δ⁽²⁾ = (a − y) ∘ a(1 − a) = [−0.113937, 0.13437]; δ⁽¹⁾ = (W⁽²⁾)ᵀδ⁽²⁾ ∘ a⁽¹⁾(1 − a⁽¹⁾) = 0.00050575
    model = _seed003_model()
    out, loss, grads, new, t = _step(model, gn.tensor([[1.0, 1, 0, 0, 0]]), gn.tensor([[1.0, 0]]), trace=True)
    chain = find_chain(t.passes[0])
    assert [l.number for l in chain.layers] == [1, 2]
    assert [l.activation_name for l in chain.layers] == ["sigmoid", "sigmoid"]
    assert chain.loss.op == "squared_error"
    np.testing.assert_allclose(chain.layers[0].activation.value, [[0.549834] * 3], atol=5e-7)
    np.testing.assert_allclose(chain.layers[1].linear.grad, [[-0.113937, 0.13437]], atol=5e-7)
    np.testing.assert_allclose(chain.layers[0].linear.grad, [[0.00050575] * 3], atol=5e-9)
    # the parameter gradients the trace saw are the ones the optimizer used
    w1 = chain.layers[0].weight
    assert np.array_equal(w1.grads[t.passes[0].runs[0]], grads[0])
    # the update: before, after and the learning rate read off the numbers
    upd = {u.leaf.index: u for u in t.passes[0].updates}[w1.index]
    np.testing.assert_allclose(upd.after[:, :2], 0.0994943, atol=5e-8)
    assert np.array_equal(upd.before, np.full((3, 5), 0.1))


def test_update_is_seen_without_the_optimizer_and_lr_is_inferred():
    model = _seed003_model()
    opt = gn.optim.SGD(model.parameters(), lr=0.25)
    with gn.trace(model) as t:              # no optimizer given to the trace
        loss = nn.SquaredErrorLoss()(model(gn.tensor([[1.0, 1, 0, 0, 0]])), gn.tensor([[1.0, 0]]))
        loss.backward()
        opt.step()
    text = t.to_text()
    assert "η = 0.25" in text
    assert len(t.passes[0].updates) == 4


def test_prediction_under_no_grad_is_a_pass_of_its_own():
    model = _seed003_model()
    opt = gn.optim.SGD(model.parameters(), lr=1.0)
    with gn.trace(model, opt) as t:
        loss = nn.SquaredErrorLoss()(model(gn.tensor([[1.0, 1, 0, 0, 0]])), gn.tensor([[1.0, 0]]))
        loss.backward()
        opt.step()
        with gn.no_grad():
            model(gn.tensor([[1.0, 0, 0, 0, 1]]))
    passes = [p for p in t.passes if p.nodes]
    assert len(passes) == 2
    chain = find_chain(passes[1])
    assert chain is not None and chain.loss is None
    # seed 003 (b): x⁽²⁾ = [0.59438, 0.477189], the first class
    np.testing.assert_allclose(chain.layers[1].activation.value, [[0.59438, 0.477189]], atol=5e-6)
    assert t.values()["2"]["class"] == 1


class SkipNet(nn.Module):
    """Seed 002 problem 4: z = W⁽¹⁾x + b⁽¹⁾, h = σ(z), y = x + W⁽²⁾h + b⁽²⁾."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 3)
        self.fc2 = nn.Linear(3, 2)

    def forward(self, x):
        h = gn.sigmoid(self.fc1(x))
        h.name = "h"
        y = x + self.fc2(h)
        y.name = "y"
        return y, h


def test_non_chain_graph_gradient_with_respect_to_the_input():
    gn.manual_seed(0)
    net = SkipNet()
    x = gn.tensor([1.0, -1.0], requires_grad=True)
    x.name = "x"
    r, s = gn.tensor([0.1, -0.2, 0.3]), gn.tensor([0.5, -0.5])
    r.name, s.name = "r", "s"
    with gn.trace(net) as t:
        y, h = net(x)
        S = nn.functional.squared_error(y, s)
        R = (r * h).sum()
        L = S + R
        L.name = "L"
        L.backward()
    p = t.passes[0]
    assert find_chain(p) is None                      # y = x + …: not a chain
    # x̄ = (W⁽¹⁾)ᵀ z̄ + ȳ, with z̄ = h̄ ∘ σ′(z), h̄ = (W⁽²⁾)ᵀȳ + r, ȳ = y − s
    W1, W2 = net.fc1.weight.detach().numpy(), net.fc2.weight.detach().numpy()
    hv = h.detach().numpy()
    ybar = y.detach().numpy() - s.numpy()
    hbar = W2.T @ ybar + r.numpy()
    zbar = hbar * hv * (1 - hv)
    np.testing.assert_allclose(x.grad.numpy(), W1.T @ zbar + ybar, rtol=1e-12)
    text = unicodedata.normalize("NFC", t.to_text())
    # the adjoint of the input sums its two paths, as the seed derives it
    for line in ("x̄ = (W⁽¹⁾)ᵀz̄⁽¹⁾ + ȳ", "h̄ = (W⁽²⁾)ᵀz̄⁽²⁾ + L̄ ∘ r", "ȳ = L̄(y − s)"):
        assert unicodedata.normalize("NFC", line) in text


def test_a_trace_cannot_be_entered_twice():
    t = gn.trace()
    with t:
        pass
    with pytest.raises(RuntimeError):
        with t:
            pass


# ------------------------------------------------------------------ the op-argument channel

def _node(t, op):
    return next(n for n in t.nodes if n.op == op)


def test_ops_hand_their_arguments_to_the_recorder_as_attrs():
    x = gn.tensor([[1.0, -2.0, 3.0]], requires_grad=True)
    with gn.trace() as t:
        gn.nn.functional.leaky_relu(x, 0.2)
        2.0 - x
        x / 4.0
        x.softmax(dim=0)
        gn.nn.functional.cross_entropy(x, gn.tensor([2]), reduction="sum")
    assert _node(t, "leaky_relu").attrs == {"negative_slope": 0.2}
    assert _node(t, "sub").attrs == {"scalar": 2.0, "scalar_first": True}
    assert _node(t, "div").attrs == {"scalar": 4.0}
    assert _node(t, "softmax").attrs == {"dim": 0}
    ce = _node(t, "cross_entropy")
    assert ce.attrs["reduction"] == "sum" and ce.attrs["target"].tolist() == [2]


def test_attrs_come_from_the_op_not_from_its_local_variable_names():
    # an op written outside glassnet.ops, with locals named unlike any glassnet op
    from glassnet.tensor import make_result

    def scaled(u, factor):
        k = factor
        return make_result(u._data * k, (u,), lambda F, g, out, x: (g * k,), "mul", {"scalar": k})

    u = gn.tensor([1.0, 2.0])
    u.name = "u"
    with gn.trace() as t:
        v = scaled(u, 3.0)
        v.name = "v"
    assert t.nodes[0].attrs == {"scalar": 3.0}
    assert "v = 3u" in t.to_text()


def test_a_recorded_target_is_a_copy_the_caller_may_change_afterwards():
    a = gn.tensor([0.5, 0.25], requires_grad=True)
    y = np.array([1.0, 0.0])
    with gn.trace() as t:
        gn.nn.functional.binary_cross_entropy(a, gn.tensor(y))
        y[:] = 7.0
    assert _node(t, "binary_cross_entropy").attrs["target"].tolist() == [1.0, 0.0]


def test_parents_are_known_under_no_grad_and_for_constants():
    w = gn.tensor([[1.0, 2.0]])
    x = gn.tensor([[3.0, 4.0]])
    with gn.trace() as t:
        with gn.no_grad():
            z = gn.nn.functional.linear(x, w)       # no graph is kept, the trace still sees x, W
        s = z * 2                                   # nothing requires grad: no graph either
    lin, mul = t.nodes
    assert [p.tensor for p in lin.parents] == [x, w]
    assert mul.parents == (lin,)
    assert z._parents == () and s._parents == ()    # the engine's graph is unchanged
