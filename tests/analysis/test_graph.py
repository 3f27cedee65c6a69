"""Computation-graph drawings: seed 002 P4's graph (skip connection, L = S + R) from the
engine's own autograd graph, seed 002 P3's unit graph, and the DOT/Mermaid/SVG outputs."""
from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.analysis import GraphvizNotFound, autograd_graph, draw, has_graphviz, network_graph
from glassnet.analysis import graph as graph_module
from glassnet.analysis._chain import make_linear


def seed002_p4():
    """z = W⁽¹⁾x + b⁽¹⁾, h = σ(z), y = x + W⁽²⁾h + b⁽²⁾, S = ½‖y − s‖², R = rᵀh, L = S + R."""
    rng = np.random.default_rng(0)
    N, K = 3, 2
    W1 = gn.tensor(rng.normal(size=(K, N)), requires_grad=True)
    b1 = gn.tensor(rng.normal(size=K), requires_grad=True)
    W2 = gn.tensor(rng.normal(size=(N, K)), requires_grad=True)
    b2 = gn.tensor(rng.normal(size=N), requires_grad=True)
    x = gn.tensor(rng.normal(size=N), requires_grad=True)
    r, s = gn.tensor(rng.normal(size=K)), gn.tensor(rng.normal(size=N))
    z = W1 @ x + b1
    h = gn.sigmoid(z)
    y = x + W2 @ h + b2
    S = 0.5 * ((y - s) ** 2).sum()
    R = (r * h).sum()
    L = S + R
    names = dict(x=x, z=z, h=h, y=y, S=S, R=R, L=L, W1=W1, b1=b1, W2=W2, b2=b2, r=r, s=s)
    return L, names


def test_seed002_p4_graph_relates_x_z_h_y_r_s_l():
    L, names = seed002_p4()
    g = autograd_graph(L, names, style="named", shapes=False)
    edges = {(a, b) for a, b, _ in g.edge_list()}
    assert edges == {("x", "z"), ("W1", "z"), ("b1", "z"), ("z", "h"),
                     ("x", "y"), ("W2", "y"), ("h", "y"), ("b2", "y"),     # the skip connection x → y
                     ("y", "S"), ("s", "S"), ("h", "R"), ("r", "R"), ("S", "L"), ("R", "L")}
    labels = {(a, b): lab for a, b, lab in g.edge_list()}
    assert labels[("z", "h")] == "sigmoid"
    assert labels[("S", "L")] == "add"
    assert labels[("y", "S")] == "sub → pow → sum → mul"


def test_seed002_p4_backprop_to_x_matches_the_seeds_equations():
    # x̄ = W⁽¹⁾ᵀ z̄ + ȳ with ȳ = y − s, h̄ = r + W⁽²⁾ᵀ ȳ, z̄ = h̄ ∘ σ′(z)
    L, n = seed002_p4()
    for t in ("z", "h", "y"):
        n[t].retain_grad()
    L.backward()
    ybar = n["y"]._data - n["s"]._data
    hbar = n["r"]._data + n["W2"]._data.T @ ybar
    sig = n["h"]._data
    zbar = hbar * sig * (1 - sig)
    np.testing.assert_allclose(n["x"].grad._data, n["W1"]._data.T @ zbar + ybar, rtol=1e-12, atol=1e-12)


def test_full_graph_has_value_and_op_nodes_with_argument_roles():
    L, names = seed002_p4()
    g = autograd_graph(L, names)
    ops = sorted(node.label for node in g.nodes if node.kind == "op")
    # z = W1 @ x + b1, y = (x + W2 @ h) + b2, L = S + R: 2 matmuls, 4 additions
    assert ops.count("matmul") == 2 and ops.count("sigmoid") == 1 and ops.count("add") == 4
    roles = {(a.split("\n")[0], b, lab) for a, b, lab in g.edge_list() if lab}
    assert ("s", "sub", "−") in roles and ("W1", "matmul", "left") in roles and ("x", "matmul", "right") in roles
    # after backward the graph is still drawn (only the closures are freed)
    L.backward()
    assert len(autograd_graph(L, names).nodes) == len(g.nodes)


def test_values_style_labels_edges_with_ops():
    L, names = seed002_p4()
    g = autograd_graph(L, names, style="values", shapes=False)
    assert ("z", "h", "sigmoid") in g.edge_list()
    assert not any(node.kind == "op" for node in g.nodes)


def test_graph_of_a_model_loss_names_parameters():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    x = gn.randn(4, 2)
    loss = nn.MSELoss()(model(x), gn.zeros(4, 1))
    g = autograd_graph(loss, model=model, style="values", shapes=False)
    params = sorted(node.label for node in g.nodes if node.kind == "param")
    assert params == ["0.bias", "0.weight", "2.bias", "2.weight"]
    assert ("0.weight", "t1", "linear (W)") in g.edge_list()


def test_dot_and_mermaid_text():
    L, names = seed002_p4()
    g = autograd_graph(L, names, style="named", shapes=False)
    dot = g.to_dot()
    assert dot.startswith("digraph G {") and dot.rstrip().endswith("}")
    assert dot.count("->") == 14 and 'label="sigmoid"' in dot
    mmd = g.to_mermaid()
    assert mmd.startswith("graph LR") and mmd.count("-->") == 14
    assert '-->|"sigmoid"|' in mmd


def test_network_graph_labels_each_connection_by_its_weight():
    # seed 002 P3: h₁ -- w2 --> z₃ in the seed's drawing is h⁽¹⁾₁ → h⁽²⁾₁ labelled w2_11 here
    model = nn.Sequential(make_linear(np.array([[1.0, -1.0], [1.0, 1.0]]), np.zeros(2)), nn.ReLU(),
                          make_linear(np.array([[2.0, 0.0], [-1.0, 1.5]]), np.zeros(2)), nn.ReLU(),
                          make_linear(np.array([[1.0, 0.5]]), np.zeros(1)), nn.ReLU())
    g = network_graph(model)
    assert ("h⁽¹⁾₁\nrelu", "h⁽²⁾₁\nrelu", "w2_11") in g.edge_list()
    assert ("h⁽²⁾₁\nrelu", "y₁\nrelu", "w3_11") in g.edge_list()
    assert len(g.edges) == 4 + 4 + 2
    sparse = network_graph(model, "values", hide_zero=True, bias=True)
    assert ("h⁽¹⁾₂\nrelu", "h⁽²⁾₁\nrelu", "0") not in sparse.edge_list()
    assert ("x₁", "h⁽¹⁾₁\nrelu", "1") in sparse.edge_list()
    assert isinstance(draw(model), type(g))


def test_render_svg_when_graphviz_is_installed(tmp_path):
    if not has_graphviz():
        pytest.skip("Graphviz's dot is not installed")
    L, names = seed002_p4()
    path = autograd_graph(L, names, style="named").render(str(tmp_path / "p4.svg"))
    text = open(path, encoding="utf-8").read()
    assert "<svg" in text and ">sigmoid<" in text


def test_render_without_graphviz_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    g = network_graph(nn.Sequential(nn.Linear(2, 1)))
    assert g.svg() is None
    with pytest.raises(GraphvizNotFound, match="needs Graphviz's 'dot'"):
        g.render(str(tmp_path / "g.svg"))
    g.render(str(tmp_path / "g.dot"))                          # text formats need nothing
    assert (tmp_path / "g.dot").read_text().startswith("digraph")


def test_a_leaf_has_no_graph_to_draw():
    with pytest.raises(ValueError, match="no recorded graph"):
        autograd_graph(gn.tensor([1.0]))


def test_trace_graph_draws_a_recorded_pass_with_its_constants():
    from glassnet.analysis import trace_graph
    model = nn.Sequential(make_linear(np.array([[1.0, -1.0]]), np.array([0.5])), nn.Sigmoid())
    x, t = gn.tensor([[2.0, 1.0]]), gn.tensor([[1.0]])
    x.name, t.name = "x", "t"
    with gn.trace(model) as tr:
        y = model(x)
        y.name = "y"
        loss = nn.SquaredErrorLoss()(y, t)
        loss.name = "E"
        loss.backward()
    g = trace_graph(tr, style="values", shapes=False)
    assert g.edge_list() == [("x", "t1", "linear (x)"), ("0.weight", "t1", "linear (W)"),
                             ("0.bias", "t1", "linear (b)"), ("t1", "y", "sigmoid"),
                             ("y", "E", "squared_error (input)"), ("t", "E", "squared_error (target)")]
    kinds = {n.label: n.kind for n in g.nodes}
    assert kinds["0.weight"] == "param" and kinds["t"] == "const"
    named = trace_graph(tr, style="named", shapes=False)
    assert ("x", "y", "linear → sigmoid") in named.edge_list()
    assert draw(tr).edge_list() == trace_graph(tr).edge_list()
