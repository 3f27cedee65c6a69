"""save / load: state_dicts and checkpoints in a file that holds data, never code.

``save(obj, f)`` accepts a mapping name → Tensor (a module's ``state_dict()``) or any
nesting of dicts, lists and tuples whose leaves are str, int, float, bool, None,
Tensors, ndarrays and NumPy scalars (so optimizer state_dicts and whole checkpoints
save too). Nothing is pickled, so ``load`` of a stranger's file cannot run code.

File format "glassnet", version 1 (little-endian throughout)::

    offset  size  content
    0       8     magic b"GLASSNET"
    8       8     H, the header's length in bytes (uint64)
    16      4     CRC-32 of the header bytes (uint32)
    20      4     reserved, zero
    24      H     header: UTF-8 JSON, padded with spaces so the data starts at a multiple of 64
    24 + H  …     data: the arrays' raw bytes, C order, each starting at a multiple of 64

The header is ``{"format": "glassnet", "version": 1, "data_nbytes": D, "arrays": [...],
"object": ...}``. Each entry of ``arrays`` is ``{"dtype": "float32", "shape": [2, 3],
"offset": o, "nbytes": n, "crc32": c}`` with ``offset`` counted from the start of the data.
``object`` is the saved structure in JSON, with tagged objects for what JSON lacks:

    [..]                        list
    {"tuple": [..]}             tuple
    {"dict": [[k, v], ..]}      dict (keys encoded like values, so int keys stay ints);
                                ``"ordered": true`` marks an OrderedDict
    {"tensor": i, "requires_grad": b, "parameter": b}   Tensor holding arrays[i]
    {"ndarray": i} / {"scalar": i}                       ndarray / NumPy scalar
    {"float": "nan" | "inf" | "-inf"}                   non-finite float

Files are written atomically: into a temporary file in the same directory, flushed
and fsync'ed, then moved over the target with ``os.replace``, so a failure part way
never damages a file that was already there. Every problem found while loading — an
empty, truncated or corrupted file (checked by size and CRC-32), a zip (PyTorch ``.pt``,
NumPy ``.npz``), a pickle or a text file — raises ``SerializationError`` naming the file.
"""
from __future__ import annotations

import json
import math
import os
import secrets
import struct
import zlib
from collections import OrderedDict
from typing import Any, BinaryIO, Union

import numpy as np

from .errors import SerializationError
from .tensor import Tensor

FORMAT = "glassnet"
VERSION = 1
MAGIC = b"GLASSNET"
_PREFIX = struct.Struct("<8sQII")   # magic, header length, header CRC-32, reserved
_ALIGN = 64
_DTYPES = {name: np.dtype(name) for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128")}

FileLike = Union[str, os.PathLike, BinaryIO]


# ================================================================= save

def save(obj: Any, f: FileLike) -> None:
    """Write ``obj`` (a state_dict, an optimizer state_dict, a checkpoint dict, …) to ``f``.

    ``f`` is a path (written atomically) or a binary file object. Raises TypeError for
    anything that cannot be stored without pickle (exact/object arrays, custom objects).
    """
    arrays: list[np.ndarray] = []
    tree = _Encoder(arrays).encode(obj)
    entries, offset = [], 0
    for a in arrays:
        offset = -(-offset // _ALIGN) * _ALIGN
        entries.append({"dtype": a.dtype.name, "shape": list(a.shape), "offset": offset,
                        "nbytes": a.nbytes, "crc32": zlib.crc32(a.data if a.size else b"")})
        offset += a.nbytes
    header = {"format": FORMAT, "version": VERSION, "data_nbytes": offset,
              "arrays": entries, "object": tree}
    text = json.dumps(header, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")
    text += b" " * (-(_PREFIX.size + len(text)) % _ALIGN)
    prefix = _PREFIX.pack(MAGIC, len(text), zlib.crc32(text), 0)

    def write(out: BinaryIO) -> None:
        out.write(prefix)
        out.write(text)
        pos = 0
        for entry, a in zip(entries, arrays):
            out.write(b"\0" * (entry["offset"] - pos))
            if a.size:
                out.write(a.data)
            pos = entry["offset"] + a.nbytes

    if hasattr(f, "write"):
        write(f)
    else:
        _atomic_write(os.fspath(f), write)


def _atomic_write(path: str, write) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never write through someone else's file; mode 0o666 less the umask, as open().
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:                              # make the rename itself durable (POSIX; best effort)
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


class _Encoder:
    """Turns an object tree into JSON-able data, collecting its arrays."""

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays
        self.memo: dict[int, int] = {}     # id(tensor or array) → index: shared stays shared
        self.keep: list[Any] = []          # keeps memoised objects alive so ids stay unique
        self.active: set[int] = set()      # containers on the current path (cycle check)

    def encode(self, obj: Any, where: str = "obj") -> Any:
        if isinstance(obj, np.generic):          # before float: np.float64 is a float
            return {"scalar": self._array(obj, np.asarray(obj), where)}
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            if math.isfinite(obj):
                return float(obj)
            return {"float": "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")}
        if isinstance(obj, Tensor):
            return {"tensor": self._array(obj, obj._data, where),
                    "requires_grad": bool(obj.requires_grad),
                    "parameter": type(obj).__name__ == "Parameter"}
        if isinstance(obj, np.ndarray):
            return {"ndarray": self._array(obj, obj, where)}
        if isinstance(obj, (list, tuple, dict)):
            if id(obj) in self.active:
                raise TypeError(f"cannot save {where}: it contains itself")
            self.active.add(id(obj))
            try:
                if isinstance(obj, dict):
                    pairs = [[self._key(k, where), self.encode(v, f"{where}[{k!r}]")]
                             for k, v in obj.items()]
                    out = {"dict": pairs}
                    if isinstance(obj, OrderedDict):
                        out["ordered"] = True
                    return out
                items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
                return items if isinstance(obj, list) else {"tuple": items}
            finally:
                self.active.discard(id(obj))
        raise TypeError(f"cannot save {where}: objects of type {type(obj).__name__} are not "
                        "supported (glassnet files hold tensors, arrays, numbers, strings, None "
                        "and dicts, lists and tuples of them; nothing is pickled)")

    def _key(self, key: Any, where: str) -> Any:
        if key is None or isinstance(key, (bool, str, int, float, np.generic)) or (
                isinstance(key, tuple) and all(k is None or isinstance(k, (bool, str, int, float))
                                               for k in key)):
            return self.encode(key, where)
        raise TypeError(f"cannot save {where}: the dict key {key!r} is a "
                        f"{type(key).__name__}; keys must be str, int, float, bool, None "
                        "or tuples of them")

    def _array(self, owner: Any, a: np.ndarray, where: str) -> int:
        if id(owner) in self.memo:
            return self.memo[id(owner)]
        if a.dtype == object:
            raise TypeError(f"cannot save {where}: it holds exact (object-dtype) numbers, which "
                            "cannot be stored without pickle; convert it to a float dtype first "
                            "(e.g. t.to(glassnet.float64))")
        if a.dtype.name not in _DTYPES:
            raise TypeError(f"cannot save {where}: dtype {a.dtype} is not supported; "
                            f"supported dtypes: {', '.join(_DTYPES)}")
        # C order, little-endian; a copy only where needed (ascontiguousarray would turn 0-d into 1-d)
        a = np.asarray(a, dtype=a.dtype.newbyteorder("<"), order="C")
        self.memo[id(owner)] = len(self.arrays)
        self.keep.append(owner)
        self.arrays.append(a)
        return len(self.arrays) - 1


# ================================================================= load

def load(f: FileLike, map_location=None, *, weights_only: bool = True) -> Any:
    """Read what ``save`` wrote; tensors come back as glassnet Tensors of the saved dtype.

    ``map_location`` may be None or "cpu" and ``weights_only`` is accepted for
    torch-compatibility: a glassnet file never holds anything but data.
    Raises SerializationError (naming the file) for a file that is not a valid glassnet file.
    """
    if map_location not in (None, "cpu"):
        raise ValueError(f"map_location must be None or 'cpu', got {map_location!r}")
    if hasattr(f, "read"):
        name = getattr(f, "name", None) or "<file object>"
        buf = bytearray(f.read())
    else:
        name = os.fspath(f)
        try:
            with open(name, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                buf = bytearray(size)
                got = fh.readinto(buf)
                if got != size:
                    del buf[got:]
        except IsADirectoryError:
            raise SerializationError(f"{name}: is a directory, not a glassnet file") from None
    try:
        return _decode_file(buf)
    except _Bad as exc:
        raise SerializationError(f"{name}: {exc}") from None


class _Bad(Exception):
    """What is wrong with the file (load adds the file's name)."""


def _decode_file(buf: bytearray) -> Any:
    if len(buf) == 0:
        raise _Bad("the file is empty (a save that never completed?)")
    if len(buf) < len(MAGIC) and MAGIC.startswith(bytes(buf)):
        raise _Bad(f"truncated: only {len(buf)} bytes")
    if not buf.startswith(MAGIC):
        raise _Bad("not a glassnet file: " + _guess_kind(bytes(buf[:16])))
    if len(buf) < _PREFIX.size:
        raise _Bad(f"truncated: only {len(buf)} bytes, not even the {_PREFIX.size}-byte start")
    _, hlen, hcrc, _ = _PREFIX.unpack_from(buf)
    start = _PREFIX.size + hlen
    if start > len(buf):
        raise _Bad(f"truncated: the header needs {hlen} bytes, the file has "
                   f"{len(buf) - _PREFIX.size} after its first {_PREFIX.size}")
    view = memoryview(buf)
    text = view[_PREFIX.size:start]
    if zlib.crc32(text) != hcrc:
        raise _Bad("corrupt: the header's checksum does not match")
    try:
        header = json.loads(bytes(text).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _Bad(f"corrupt: the header is not valid JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _Bad("corrupt: the header does not name the glassnet format")
    version = header.get("version")
    if version != VERSION:
        raise _Bad(f"format version {version!r} is not supported; this glassnet reads version "
                   f"{VERSION} (a file from a newer glassnet?)")
    try:
        data_nbytes = int(header["data_nbytes"])
        entries = header["arrays"]
        tree = header["object"]
    except (KeyError, TypeError, ValueError) as exc:
        raise _Bad(f"corrupt: the header lacks {exc}") from None
    if len(buf) - start < data_nbytes:
        raise _Bad(f"truncated: {len(buf) - start} bytes of data, the header announces "
                   f"{data_nbytes}")
    if len(buf) - start > data_nbytes:
        raise _Bad(f"corrupt: {len(buf) - start - data_nbytes} unexpected bytes after the data")
    data = view[start:]
    arrays = [_read_array(data, e, i) for i, e in enumerate(_as_list(entries, "arrays"))]
    _check_padding(data, entries)
    try:
        return _Decoder(arrays).decode(tree)
    except RecursionError:
        raise _Bad("corrupt: the saved structure is nested too deeply") from None


def _read_array(data: memoryview, entry: Any, i: int) -> np.ndarray:
    try:
        dtype = _DTYPES[entry["dtype"]].newbyteorder("<")
        shape = tuple(int(s) for s in entry["shape"])
        offset, nbytes, crc = int(entry["offset"]), int(entry["nbytes"]), int(entry["crc32"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _Bad(f"corrupt: array {i} is badly described ({type(exc).__name__}: {exc})") from None
    count = math.prod(shape)
    if min(shape, default=0) < 0 or count * dtype.itemsize != nbytes:
        raise _Bad(f"corrupt: array {i} has shape {shape} and dtype {dtype.name} "
                   f"but {nbytes} bytes")
    if offset < 0 or offset + nbytes > len(data):
        raise _Bad(f"corrupt: array {i} lies outside the data")
    chunk = data[offset:offset + nbytes]
    if zlib.crc32(chunk) != crc:
        raise _Bad(f"corrupt: the checksum of array {i} ({dtype.name}, shape {shape}) "
                   "does not match its bytes")
    a = np.frombuffer(chunk, dtype=dtype, count=count).reshape(shape)
    return a.astype(dtype.newbyteorder("="), copy=False)   # no copy on little-endian machines


def _check_padding(data: memoryview, entries: list) -> None:
    """The bytes between arrays are zeros and no two arrays overlap (every byte is checked)."""
    pos = 0
    for entry in sorted(entries, key=lambda e: e["offset"]):
        if entry["offset"] < pos:
            raise _Bad("corrupt: two arrays overlap")
        if np.frombuffer(data[pos:entry["offset"]], dtype=np.uint8).any():
            raise _Bad(f"corrupt: non-zero bytes in the padding at data offset {pos}")
        pos = entry["offset"] + entry["nbytes"]
    if np.frombuffer(data[pos:], dtype=np.uint8).any():
        raise _Bad(f"corrupt: non-zero bytes in the padding at data offset {pos}")


def _as_list(value: Any, what: str) -> list:
    if not isinstance(value, list):
        raise _Bad(f"corrupt: {what} is a {type(value).__name__}, not a list")
    return value


class _Decoder:
    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays
        self.made: dict[tuple[str, int], Any] = {}   # one object per saved one (sharing kept)

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict) or len(node) == 0:
            raise _Bad(f"corrupt: unexpected {type(node).__name__} in the saved structure")
        if "dict" in node:
            pairs = _as_list(node["dict"], "a dict")
            out = OrderedDict() if node.get("ordered") else {}
            for pair in pairs:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise _Bad("corrupt: a dict entry is not a [key, value] pair")
                key = self.decode(pair[0])
                try:
                    out[key] = self.decode(pair[1])
                except TypeError:
                    raise _Bad(f"corrupt: a dict key of type {type(key).__name__}") from None
            return out
        if "tuple" in node:
            return tuple(self.decode(v) for v in _as_list(node["tuple"], "a tuple"))
        if "float" in node:
            try:
                return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[node["float"]]
            except (KeyError, TypeError):
                raise _Bad(f"corrupt: unknown float {node['float']!r}") from None
        for kind in ("tensor", "ndarray", "scalar"):
            if kind in node:
                return self._array_object(kind, node)
        raise _Bad(f"corrupt: unknown entry {sorted(node)} in the saved structure")

    def _array_object(self, kind: str, node: dict) -> Any:
        i = node[kind]
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(self.arrays):
            raise _Bad(f"corrupt: {kind} refers to array {i!r}, the file has {len(self.arrays)}")
        if (kind, i) in self.made:
            return self.made[(kind, i)]
        a = self.arrays[i]
        if kind == "ndarray":
            obj = a
        elif kind == "scalar":
            if a.ndim != 0:
                raise _Bad(f"corrupt: scalar array {i} has shape {a.shape}")
            obj = a[()]
        else:
            obj = _make_tensor(a, bool(node.get("requires_grad")), bool(node.get("parameter")))
        self.made[(kind, i)] = obj
        return obj


def _make_tensor(a: np.ndarray, requires_grad: bool, parameter: bool) -> Tensor:
    floating = a.dtype.kind == "f"
    if parameter:
        from .nn.parameter import Parameter
        return Parameter(a, requires_grad=requires_grad and floating)
    t = Tensor._wrap(a)
    if requires_grad and floating:
        t.requires_grad_(True)
    return t


def _guess_kind(head: bytes) -> str:
    """A short description of a foreign file from its first bytes."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return ("it is a zip archive (a PyTorch .pt/.pth file or a NumPy .npz?); "
                "glassnet files start with b'GLASSNET'")
    if head.startswith(b"\x80") and len(head) > 1 and head[1] <= 5:
        return "it is a Python pickle (a legacy PyTorch file?), which glassnet never loads"
    if head.startswith(b"\x93NUMPY"):
        return "it is a NumPy .npy file; load it with numpy.load"
    if head.startswith(b"\x89HDF"):
        return "it is an HDF5 file (Keras?)"
    try:
        head.decode("utf-8")
        return f"it starts with the text {head.decode('utf-8', 'replace')[:16]!r}"
    except UnicodeDecodeError:
        return f"it starts with the bytes {head[:8]!r}"
