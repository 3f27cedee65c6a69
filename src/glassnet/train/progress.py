"""Progress display for ``fit``: tqdm bars on a terminal, nothing (or one line per epoch) elsewhere."""
from __future__ import annotations

import sys
from typing import Mapping


def _format_logs(logs: Mapping[str, float]) -> str:
    parts = []
    for k, v in logs.items():
        if k in ("time", "epoch"):
            continue
        parts.append(f"{k} {v:.4g}" if k == "lr" else f"{k} {v:.4f}")
    return "  ".join(parts)


class Progress:
    """An epoch bar and a batch bar (tqdm) when ``bars``; epoch summary lines when ``verbose``."""

    def __init__(self, epochs: int, start: int, batches: int | None, bars: bool | None,
                 verbose: bool, file=None) -> None:
        self.file = file if file is not None else sys.stderr
        if bars is None:
            bars = bool(getattr(self.file, "isatty", lambda: False)())
        self.tqdm = None
        if bars:
            try:
                from tqdm.auto import tqdm
                self.tqdm = tqdm
            except ImportError:                             # no tqdm: lines only
                self.tqdm = None
        self.verbose = verbose
        self.epochs, self.batches = epochs, batches
        self.outer = self.inner = None
        if self.tqdm is not None:
            self.outer = self.tqdm(total=epochs, initial=start, desc="training", unit="epoch",
                                   file=self.file, dynamic_ncols=True, leave=True)

    def start_epoch(self, epoch: int) -> None:
        if self.tqdm is not None:
            self.inner = self.tqdm(total=self.batches, desc=f"epoch {epoch}/{self.epochs}", unit="batch",
                                   file=self.file, dynamic_ncols=True, leave=False)

    def batch(self, loss: float) -> None:
        if self.inner is not None:
            self.inner.update(1)
            if self.inner.n % 10 == 1:
                self.inner.set_postfix_str(f"loss {loss:.4f}", refresh=False)

    def end_epoch(self, epoch: int, logs: Mapping[str, float]) -> None:
        if self.inner is not None:
            self.inner.close()
            self.inner = None
        if self.outer is not None:
            if not self.verbose:                        # the epoch lines say it all otherwise
                short = {k: v for k, v in logs.items() if k in ("loss", "val_loss", "val_accuracy")}
                self.outer.set_postfix_str(_format_logs(short), refresh=False)
            self.outer.update(1)
        if self.verbose:
            width = len(str(self.epochs))
            line = f"epoch {epoch:>{width}}/{self.epochs}  {_format_logs(logs)}  ({logs.get('time', 0):.2f} s)"
            if self.outer is not None:
                self.outer.write(line, file=sys.stdout)
            else:
                print(line, flush=True)

    def close(self) -> None:
        for bar in (self.inner, self.outer):
            if bar is not None:
                bar.close()
        self.inner = self.outer = None
