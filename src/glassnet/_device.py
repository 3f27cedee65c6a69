"""``glassnet.device``: torch's device object, for scripts that pass one around.

glassnet computes on the CPU with NumPy, so the only device there is is ``device('cpu')``;
asking for any other (``'cuda'``, ``'mps'``, …) raises an error that says so. The usual
``torch.device('cuda' if torch.cuda.is_available() else 'cpu')`` therefore picks the CPU.
"""
from __future__ import annotations


class device:
    """device('cpu'), device('cpu:0') or device('cpu', 0): where tensors live (always the CPU).

    Example:
        >>> dev = glassnet.device("cuda" if glassnet.cuda.is_available() else "cpu")
        >>> model.to(dev); x = x.to(dev)
    """

    __slots__ = ("_index",)

    def __init__(self, type: "str | device", index: int | None = None) -> None:
        if isinstance(type, device):
            if index is not None:
                raise ValueError("device(device, index): give the index in the first device only")
            self._index = type._index
            return
        if not isinstance(type, str):
            raise TypeError(f"device() expects a string such as 'cpu', got {type!r}")
        check_device(type)
        kind, _, rest = type.strip().partition(":")
        if rest:
            if index is not None:
                raise ValueError(f"device {type!r} already has an index; do not pass index={index} too")
            if not rest.isdigit():
                raise ValueError(f"invalid device string {type!r}; expected e.g. 'cpu' or 'cpu:0'")
            index = int(rest)
        if index is not None and (not isinstance(index, int) or isinstance(index, bool) or index < 0):
            raise ValueError(f"device index must be a non-negative int, got {index!r}")
        self._index = index

    @property
    def type(self) -> str:
        return "cpu"

    @property
    def index(self) -> int | None:
        return self._index

    def __eq__(self, other) -> bool:
        return isinstance(other, device) and other._index == self._index   # as torch: ≠ the string

    def __hash__(self) -> int:
        return hash(("cpu", self._index))

    def __str__(self) -> str:
        return "cpu" if self._index is None else f"cpu:{self._index}"

    def __repr__(self) -> str:
        return "device(type='cpu')" if self._index is None else f"device(type='cpu', index={self._index})"


def check_device(dev) -> None:
    """Accept None, 'cpu', 'cpu:N' or a glassnet.device; anything else gets an error that
    explains glassnet computes on the CPU only."""
    if dev is None or isinstance(dev, device):
        return
    name = str(dev)
    if name.split(":")[0].strip() == "cpu":
        return
    raise ValueError(f"glassnet runs on the CPU only (NumPy arrays); device {name!r} is not available. "
                     f"Use 'cpu': glassnet.cuda.is_available() returns False, so the usual "
                     f"device('cuda' if cuda.is_available() else 'cpu') picks the CPU")


def parse_to_args(args: tuple, dtype=None, dev=None):
    """The dtype asked for by ``.to(...)``'s positional arguments (a dtype, a name, a tensor
    whose dtype to take, or a device), after checking that any device is the CPU."""
    from . import _backend
    for a in args:
        if hasattr(a, "_data") and hasattr(a, "dtype"):          # a tensor: take its dtype
            dtype = a.dtype
        elif isinstance(a, device) or (isinstance(a, str)
                                       and a.removeprefix("torch.") not in _backend._DTYPE_NAMES):
            dev = a
        else:
            dtype = a
    check_device(dev)
    return dtype
