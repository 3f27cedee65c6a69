"""History: what ``fit`` measured, one value per epoch for each quantity."""
from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Mapping
from typing import Any


class History(Mapping):
    """Per-epoch values: ``history["loss"]``, ``history["val_accuracy"]``, ``history["lr"]``, …

    ``history.epochs`` numbers the epochs done (1, 2, …); every list has one entry per
    epoch (NaN where a quantity was not measured that epoch). It reads like a dict of
    lists and writes to JSON with ``save``.
    """

    def __init__(self, data: Mapping[str, list] | None = None, epochs: list[int] | None = None,
                 stopped_epoch: int | None = None) -> None:
        self._data: dict[str, list[float]] = {k: list(v) for k, v in (data or {}).items()}
        self.epochs: list[int] = list(epochs or [])
        self.stopped_epoch = stopped_epoch

    def append(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Record the values of one finished epoch."""
        n = len(self.epochs)
        for key in logs:
            if key not in self._data:
                self._data[key] = [math.nan] * n
        self.epochs.append(epoch)
        for key, values in self._data.items():
            values.append(float(logs.get(key, math.nan)))

    def __getitem__(self, key: str) -> list[float]:
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def last(self) -> dict[str, float]:
        """The values of the last epoch."""
        return {k: v[-1] for k, v in self._data.items() if v}

    def to_dict(self) -> dict[str, Any]:
        return {"epochs": list(self.epochs), "stopped_epoch": self.stopped_epoch,
                "metrics": {k: list(v) for k, v in self._data.items()}}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "History":
        metrics = {k: [math.nan if v is None else float(v) for v in vals]
                   for k, vals in d.get("metrics", {}).items()}
        return cls(metrics, d.get("epochs", []), d.get("stopped_epoch"))

    def save(self, path: str | os.PathLike) -> None:
        """Write the history as JSON (NaN as null), atomically."""
        d = self.to_dict()
        d["metrics"] = {k: [None if math.isnan(v) else v for v in vals] for k, vals in d["metrics"].items()}
        path = os.fspath(path)
        tmp = os.path.join(os.path.dirname(path) or ".", f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(d, f, indent=1)
                f.write("\n")
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "History":
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last().items())
        return f"History({len(self.epochs)} epochs; last: {last})"
