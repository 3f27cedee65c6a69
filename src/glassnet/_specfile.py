"""Reading a small structured file (a network or architecture spec) as JSON or YAML."""
from __future__ import annotations

import json


def read_structured(path: str, error: type[Exception], what: str):
    """The parsed contents of ``path`` (YAML for .yaml/.yml, JSON otherwise); problems raise
    ``error`` naming the file (and the line, for JSON) and ``what`` the file was meant to be."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise error(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: cannot read the {what}: {exc}") from None
    if path.endswith((".yaml", ".yml")):
        try:
            import yaml
        except ImportError:
            raise error(f"{path}: reading YAML needs PyYAML (pip install pyyaml); or write the "
                        f"{what} as JSON") from None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise error(f"{path}: not valid YAML: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{path}, line {exc.lineno}: not valid JSON: {exc.msg}") from None
