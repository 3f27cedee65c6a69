"""Whether operations record a graph for backward: ``no_grad``, ``enable_grad``."""
from __future__ import annotations

import functools


class _State:
    enabled = True


state = _State()


def is_grad_enabled() -> bool:
    return state.enabled


class set_grad_enabled:
    """Turn graph recording on or off; usable as a function, context manager or decorator."""

    def __init__(self, mode: bool) -> None:
        self.prev = state.enabled
        self.mode = bool(mode)
        state.enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        state.enabled = self.prev


class _GradModeContext:
    mode: bool

    def __new__(cls, fn=None):
        # ``@no_grad`` without parentheses decorates ``fn`` directly, as torch allows.
        self = super().__new__(cls)
        return self(fn) if callable(fn) else self

    def __enter__(self) -> None:
        self.prev = state.enabled
        state.enabled = self.mode

    def __exit__(self, *exc) -> None:
        state.enabled = self.prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Context manager and decorator: operations inside record no graph (as torch.no_grad)."""
    mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator: turn graph recording back on inside a no_grad block."""
    mode = True


inference_mode = no_grad
