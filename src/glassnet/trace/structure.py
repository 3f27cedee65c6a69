"""Reading a recorded pass as a chain of layers (Linear → activation → … → loss).

A pass is a chain when every layer's affine map (a ``linear`` op) takes the previous
layer's output, each pre-activation z feeds at most its activation, and the backward
run started at a loss of the last layer. Anything else (skip connections, a loss made
of several terms, shared weights) is shown by the graph view instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..nn.activation import ACTIVATIONS
from .recorder import Leaf, Node, Pass

ACTIVATION_OPS = {act.op for act in ACTIVATIONS.values() if act.op is not None}
LOSS_OPS = {"squared_error", "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
            "binary_cross_entropy_with_logits", "hinge_loss"}
# Losses that take the last pre-activation z (logits) and contain the output activation.
LOGIT_LOSSES = {"cross_entropy": "softmax", "binary_cross_entropy_with_logits": "sigmoid"}


@dataclass(eq=False)
class Layer:
    number: int
    linear: Node
    activation: Node | None
    input: Node | Leaf
    weight: Leaf
    bias: Leaf | None

    @property
    def output(self) -> Node:
        return self.activation if self.activation is not None else self.linear

    @property
    def activation_name(self) -> str:
        return self.activation.op if self.activation is not None else "identity"


@dataclass(eq=False)
class Chain:
    layers: list
    loss: Node | None
    runs: list = field(default_factory=list)

    @property
    def input(self):
        return self.layers[0].input

    @property
    def output_activation(self) -> str:
        """The output activation, counting the one inside a fused loss (softmax in cross_entropy)."""
        last = self.layers[-1]
        if last.activation is None and self.loss is not None and self.loss.op in LOGIT_LOSSES:
            return LOGIT_LOSSES[self.loss.op]
        return last.activation_name


def consumers(nodes) -> dict:
    """id(value) → the nodes (of ``nodes``) that take it as a parent."""
    out: dict[int, list] = {}
    for n in nodes:
        for p in n.parents:
            out.setdefault(id(p), []).append(n)
    return out


def find_chain(p: Pass) -> Chain | None:
    """The pass as a chain of layers, or None when it is not one."""
    nodes = p.nodes
    linears = [n for n in nodes if n.op == "linear"]
    if not linears:
        return None
    used_by = consumers(nodes)
    layers: list[Layer] = []
    previous = None
    for i, lin in enumerate(linears, 1):
        if len(lin.parents) < 2 or lin.parents[1].is_node:
            return None
        x = lin.parents[0]
        if previous is not None and x is not previous.output:
            return None
        bias = lin.parents[2] if len(lin.parents) > 2 else None
        if bias is not None and bias.is_node:
            return None
        act = None
        users = used_by.get(id(lin), [])
        acts = [u for u in users if u.op in ACTIVATION_OPS]
        if len(acts) == 1:
            act = acts[0]
        elif len(acts) > 1:
            return None
        layer = Layer(i, lin, act, x, lin.parents[1], bias)
        layers.append(layer)
        previous = layer
    chain_nodes = {id(l.linear) for l in layers} | {id(l.activation) for l in layers if l.activation}
    last = layers[-1]
    loss = None
    for n in nodes:
        if n.op in LOSS_OPS and n.parents and n.parents[0] is last.output:
            loss = n
            break
    if loss is None and last.activation is None:
        for n in nodes:
            if n.op in LOGIT_LOSSES and n.parents and n.parents[0] is last.linear:
                loss = n
                break
    if loss is not None:
        chain_nodes.add(id(loss))
    # every value the backward pass reached must belong to the chain, and it must start at the loss
    reached = [n for n in nodes if any(r in n.grads for r in p.runs)]
    if any(id(n) not in chain_nodes for n in reached):
        return None
    if reached and loss is None:
        return None
    # inner values must not feed anything else that matters (a skip connection)
    for layer in layers[:-1]:
        for u in used_by.get(id(layer.output), []):
            if id(u) not in chain_nodes and u.grads:
                return None
    return Chain(layers, loss, list(p.runs))
