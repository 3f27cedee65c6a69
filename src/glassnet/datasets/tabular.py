"""CSV files: numeric feature columns and one label column.

Every problem is reported as a DataError naming the file, the line (as a text editor
counts them, the header being line 1) and the column::

    iris.csv, line 7, column 'petal_width' (column 4): missing value
    iris.csv, line 9, column 'sepal_length' (column 1): 'abc' is not a number
    iris.csv: there is no label column 'kind'; the columns are sepal_length, …, species
"""
from __future__ import annotations

import csv
import math
import os
from pathlib import Path

import numpy as np

from ._base import DataError, DataSplit, make_split

_MISSING = {"", "na", "n/a", "nan", "null", "none", "?", "-"}
_LABEL_NAMES = ("label", "target", "class", "y")


def _parse_number(cell: str) -> float | None:
    try:
        v = float(cell)
    except ValueError:
        return None
    return v


def _detect_delimiter(first_line: str, path: str) -> str:
    if path.lower().endswith((".tsv", ".tab")):
        return "\t"
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def load_csv(path: str | os.PathLike, label: str | int | None = None, *, header: bool | None = None,
             task: str = "classification", delimiter: str | None = None,
             test_size: float = 0.2, seed: int = 0) -> DataSplit:
    """Read a CSV file of numeric features and a label column into a DataSplit.

    Args:
        path: the file.
        label: the label column's name, or its index (0-based; −1 is the last). Default: a
            column named label, target, class or y (any case), else the last column.
        header: whether the first line names the columns; None decides: it does unless
            every cell of the first line is a number.
        task: "classification" (labels are class names or integers; classes are numbered in
            sorted order) or "regression" (numeric targets).
        delimiter: "," ";" or tab; None takes the one the first line uses most.
        test_size, seed: the stratified train/test split (see ``split_indices``).
    """
    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
    path = os.fspath(path)
    name = Path(path).name
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            text = f.read()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a text file in UTF-8 (byte {exc.start}); is it a CSV file?") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read it: {exc.strerror}") from None
    if not text.strip():
        raise DataError(f"{path}: the file is empty")

    first_line = text.lstrip("\r\n").splitlines()[0]
    reader = csv.reader(text.splitlines(keepends=True),
                        delimiter=delimiter or _detect_delimiter(first_line, path))
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if not cells or all(not c.strip() for c in cells):
            continue                                       # blank line
        rows.append((reader.line_num, [c.strip() for c in cells]))

    if header is None:
        header = not all(_parse_number(c) is not None for c in rows[0][1])
    if header:
        columns = rows[0][1]
        rows = rows[1:]
        if len(set(columns)) != len(columns):
            dup = next(c for c in columns if columns.count(c) > 1)
            raise DataError(f"{path}, line 1: the column name {dup!r} appears more than once")
    else:
        columns = [f"column {i + 1}" for i in range(len(rows[0][1]))]
    if not rows:
        raise DataError(f"{path}: there are no data rows" + (" after the header" if header else ""))
    if len(columns) < 2:
        raise DataError(f"{path}: found {len(columns)} column; a feature column and a label column "
                        f"are needed (is the delimiter {delimiter or 'detected'} right?)")
    width = len(columns)
    for line, cells in rows:
        if len(cells) != width:
            raise DataError(f"{path}, line {line}: {len(cells)} cells, but the "
                            f"{'header' if header else 'first line'} has {width}")

    k = _label_index(label, columns, path, header)

    def where(line: int, j: int) -> str:
        return f"{path}, line {line}, column {columns[j]!r} (column {j + 1})" if header else \
            f"{path}, line {line}, column {j + 1}"

    X = np.empty((len(rows), width - 1))
    labels: list[str] = []
    feature_cols = [j for j in range(width) if j != k]
    for i, (line, cells) in enumerate(rows):
        for out_j, j in enumerate(feature_cols):
            cell = cells[j]
            if cell.lower() in _MISSING:
                raise DataError(f"{where(line, j)}: missing value" + (f" ({cell!r})" if cell else ""))
            v = _parse_number(cell)
            if v is None:
                raise DataError(f"{where(line, j)}: {cell!r} is not a number")
            if not math.isfinite(v):
                raise DataError(f"{where(line, j)}: {cell!r} is not a finite number")
            X[i, out_j] = v
        if cells[k].lower() in _MISSING:
            raise DataError(f"{where(line, k)}: missing label" + (f" ({cells[k]!r})" if cells[k] else ""))
        labels.append(cells[k])

    if task == "regression":
        y = np.empty(len(rows))
        for i, ((line, _), cell) in enumerate(zip(rows, labels)):
            v = _parse_number(cell)
            if v is None or not math.isfinite(v):
                raise DataError(f"{where(line, k)}: the target {cell!r} is not a number "
                                f"(task='regression' needs numeric targets)")
            y[i] = v
        class_names = None
    else:
        y, class_names = _encode_labels(labels)
        if len(class_names) < 2:
            raise DataError(f"{path}: the label column {columns[k]!r} has a single class "
                            f"({class_names[0]!r}); a classifier needs at least two")
    return make_split(name, X, y, test_size=test_size, seed=seed,
                      feature_names=[columns[j] for j in feature_cols], class_names=class_names,
                      task=task)


def _label_index(label, columns: list[str], path: str, header: bool) -> int:
    width = len(columns)
    if label is None:
        hits = [j for j, c in enumerate(columns) if c.lower() in _LABEL_NAMES]
        return hits[0] if len(hits) == 1 else width - 1
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        if not -width <= label < width:
            raise DataError(f"{path}: there is no column {label} (the file has {width} columns, "
                            f"0 … {width - 1})")
        return int(label) % width
    if isinstance(label, str) and label.lstrip("-").isdigit() and label not in columns:
        return _label_index(int(label), columns, path, header)
    if label not in columns:
        close = [c for c in columns if c.lower() == str(label).lower()]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        shown = ", ".join(columns) if header else f"unnamed: the file has no header, give an index 0 … {width - 1}"
        raise DataError(f"{path}: there is no label column {label!r}{hint}; the columns are {shown}")
    return columns.index(label)


def _encode_labels(labels: list[str]) -> tuple[np.ndarray, list[str]]:
    """Class indices 0 … K − 1 and the K class names; numeric labels sort as numbers."""
    numbers = [_parse_number(s) for s in labels]
    if all(v is not None for v in numbers):
        values = sorted(set(numbers))
        names = [str(int(v)) if float(v).is_integer() else str(v) for v in values]
        index = {v: i for i, v in enumerate(values)}
        return np.array([index[v] for v in numbers], dtype=np.int64), names
    names = sorted(set(labels))
    index = {s: i for i, s in enumerate(names)}
    return np.array([index[s] for s in labels], dtype=np.int64), names
