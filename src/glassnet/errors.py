"""glassnet's exceptions. Each subclasses the built-in type torch raises in the same
situation, so ``except RuntimeError`` / ``except ValueError`` code keeps working."""


class GlassnetError(Exception):
    """Base class of every error glassnet raises on purpose."""


class ShapeError(GlassnetError, ValueError, RuntimeError):
    """Shapes that do not fit: names the operation or layer and both shapes."""


class GraphError(GlassnetError, RuntimeError):
    """Misuse of the autodiff graph (backward twice, backward on a non-scalar, …)."""


class NonFiniteError(GlassnetError, FloatingPointError):
    """A NaN or infinite loss reached backward."""


class SerializationError(GlassnetError, ValueError):
    """A file that is not a valid glassnet file (truncated, corrupt or foreign)."""
