"""Seed 002 P4: draw the computation graph of z = W1 x + b1, h = σ(z), y = x + W2 h + b2,
S = ½‖y − s‖², R = rᵀh, L = S + R, and backprop to x (x̄ = W1ᵀ z̄ + ȳ).

    python examples/analysis/seed002_p4_graph.py [out.svg]
"""
import sys

import numpy as np

import glassnet as gn
from glassnet.analysis import autograd_graph, has_graphviz


def main() -> None:
    rng = np.random.default_rng(0)
    N, K = 3, 2
    W1, b1 = gn.tensor(rng.normal(size=(K, N)), requires_grad=True), gn.tensor(rng.normal(size=K), requires_grad=True)
    W2, b2 = gn.tensor(rng.normal(size=(N, K)), requires_grad=True), gn.tensor(rng.normal(size=N), requires_grad=True)
    x = gn.tensor(rng.normal(size=N), requires_grad=True)
    r, s = gn.tensor(rng.normal(size=K)), gn.tensor(rng.normal(size=N))
    z = W1 @ x + b1
    h = gn.sigmoid(z)
    y = x + W2 @ h + b2
    S = 0.5 * ((y - s) ** 2).sum()
    R = (r * h).sum()
    L = S + R
    for t, name in ((x, "x"), (z, "z"), (h, "h"), (y, "y"), (S, "S"), (R, "R"), (L, "L"), (W1, "W1"),
                    (b1, "b1"), (W2, "W2"), (b2, "b2"), (r, "r"), (s, "s")):
        t.name = name

    graph = autograd_graph(L, style="named", shapes=False)
    print(graph.to_mermaid())

    for t in (z, h, y):
        t.retain_grad()
    L.backward()
    ybar = y._data - s._data                        # ȳ = y − s
    zbar = (r._data + W2._data.T @ ybar) * h._data * (1 - h._data)   # z̄ = (r + W2ᵀȳ) ∘ σ′(z)
    print("x̄ from backward:          ", x.grad._data)
    print("x̄ = W1ᵀ z̄ + ȳ (the seed):", W1._data.T @ zbar + ybar)
    assert np.allclose(x.grad._data, W1._data.T @ zbar + ybar)

    if len(sys.argv) > 1:
        if has_graphviz():
            print("wrote", graph.render(sys.argv[1]))
        else:
            print("Graphviz is not installed; the DOT text is:\n" + graph.to_dot())


if __name__ == "__main__":
    main()
