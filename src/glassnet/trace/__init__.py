"""Tracing: record every value a step computes and render it as a worked solution.

    with gn.trace(model, optimizer) as t:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    print(t.to_text())          # or t.to_markdown(), t.to_latex(), t.to_json()

See :class:`~glassnet.trace.recorder.Trace` for the options.
"""
from .recorder import Leaf, Node, Pass, Trace, Update, trace

__all__ = ["Trace", "trace", "Node", "Leaf", "Pass", "Update"]
