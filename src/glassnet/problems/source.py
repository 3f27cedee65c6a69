"""Reading a YAML problem file while keeping where every value came from.

``load_source`` returns the data (dicts, lists, numbers, strings) and a :class:`Source`
that maps a path inside the data (``("network", "weights", 0)``) to the file, line and
column it was written at, and keeps each scalar's text as written (so ``0.1`` can be
read as exactly 1/10 in exact mode). Errors are :class:`ProblemError`: ``file:line:col:
message`` — never a traceback from the YAML parser.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import GlassnetError


class ProblemError(GlassnetError, ValueError):
    """A problem file that cannot be read or does not describe a problem.

    ``str(err)`` is ``file:line:column: message``; the parts are ``file``, ``line``,
    ``column`` (1-based; None when unknown) and ``message``.
    """

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        self.message, self.file, self.line, self.column = message, file, line, column
        where = file or "<problem>"
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


@dataclass
class Source:
    file: str
    marks: dict = field(default_factory=dict)      # path → (line, column), 1-based
    raw: dict = field(default_factory=dict)        # path → the scalar's text as written
    quoted: set = field(default_factory=set)       # paths of scalars written in quotes
    key_marks: dict = field(default_factory=dict)  # path → (line, column) of the key itself

    def where(self, path: tuple) -> tuple:
        """(line, column) of ``path``, or of its closest parent that has one."""
        p = tuple(path)
        while p not in self.marks and p:
            p = p[:-1]
        return self.marks.get(p, (None, None))

    def error(self, path: tuple, message: str) -> ProblemError:
        line, col = self.where(path)
        return ProblemError(message, self.file, line, col)

    def key_error(self, path: tuple, message: str) -> ProblemError:
        """An error about a mapping key itself (an unknown or misspelt name)."""
        line, col = self.key_marks.get(tuple(path), self.where(path))
        return ProblemError(message, self.file, line, col)

    def text(self, path: tuple) -> str | None:
        return self.raw.get(tuple(path))


def _yaml():
    try:
        import yaml
    except ImportError:  # pragma: no cover - depends on the environment
        raise ProblemError("reading problem files needs PyYAML: pip install 'glassnet[problems]' "
                           "(or pip install pyyaml)") from None
    return yaml


def load_source(text: str, file: str = "<problem>"):
    """Parse YAML text into (data, Source)."""
    yaml = _yaml()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        raise ProblemError(f"invalid YAML: {problem}", file,
                           mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise ProblemError(f"invalid YAML: {exc}", file) from None
    source = Source(file)
    if root is None:
        raise ProblemError("the file is empty: a problem file is a YAML mapping (title:, network:, …)", file, 1, 1)
    constructor = yaml.constructor.SafeConstructor()
    data = _convert(root, (), source, constructor, yaml)
    return data, source


def load_file(path) -> tuple:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProblemError("no such file", str(path)) from None
    except UnicodeDecodeError as exc:
        raise ProblemError(f"not a UTF-8 text file ({exc.reason} at byte {exc.start})", str(path)) from None
    except OSError as exc:
        raise ProblemError(f"cannot read the file: {exc.strerror}", str(path)) from None
    return load_source(text, str(path))


def _convert(node, path: tuple, source: Source, constructor, yaml):
    source.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ProblemError("a mapping key must be a plain name", source.file,
                                   key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            key = constructor.construct_object(key_node)
            if not isinstance(key, (str, int)):
                key = str(key)
            if key in out:
                raise ProblemError(f"the key {key!r} appears twice in this mapping", source.file,
                                   key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            source.key_marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _convert(value_node, path + (key,), source, constructor, yaml)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(v, path + (i,), source, constructor, yaml) for i, v in enumerate(node.value)]
    source.raw[path] = node.value
    if node.style in ("'", '"'):
        source.quoted.add(path)
    try:
        return constructor.construct_object(node)
    except yaml.YAMLError as exc:  # pragma: no cover - unusual tags
        raise ProblemError(f"cannot read this value: {exc}", source.file,
                           node.start_mark.line + 1, node.start_mark.column + 1) from None
