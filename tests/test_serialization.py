"""save / load: round trips (dtypes, nesting, optimizer state), the file layout, atomic
writes, and a SerializationError naming the file for every kind of bad file."""
import io
import json
import math
import os
import pickle
import struct
import zlib
from collections import OrderedDict

import numpy as np
import pytest
import torch

from glassnet.errors import SerializationError
from glassnet.nn.parameter import Parameter
from glassnet.optim import Adam
from glassnet.serialization import load, save
from glassnet.tensor import Tensor


def sample_state_dict():
    rng = np.random.default_rng(0)
    return OrderedDict([
        ("layer.weight", Tensor._wrap(rng.standard_normal((3, 2)).astype(np.float32))),
        ("layer.bias", Tensor._wrap(rng.standard_normal(3))),
        ("bn.num_batches_tracked", Tensor._wrap(np.array(7, dtype=np.int64))),
        ("mask", Tensor._wrap(np.array([True, False]))),
        ("half", Tensor._wrap(np.array([1.5, -2.25], dtype=np.float16))),
        ("empty", Tensor._wrap(np.zeros((0, 4), dtype=np.float32))),
    ])


# ------------------------------------------------------------------ round trips

def test_state_dict_round_trip_keeps_values_dtypes_shapes_and_order(tmp_path):
    sd = sample_state_dict()
    save(sd, tmp_path / "m.gn")
    back = load(tmp_path / "m.gn")
    assert isinstance(back, OrderedDict)
    assert list(back) == list(sd)
    for k, t in sd.items():
        assert type(back[k]) is Tensor
        assert back[k].dtype == t.dtype and back[k].shape == t.shape
        np.testing.assert_array_equal(back[k]._data, t._data)
    assert back["layer.weight"].dtype == np.float32
    assert back["bn.num_batches_tracked"].dtype == np.int64
    assert back["bn.num_batches_tracked"].item() == 7


def test_loaded_arrays_are_writable_and_independent_of_the_saved_ones(tmp_path):
    t = Tensor._wrap(np.arange(4.0))
    save({"t": t}, tmp_path / "a.gn")
    back = load(tmp_path / "a.gn")["t"]
    back._data += 1                            # an optimizer updates loaded params in place
    np.testing.assert_array_equal(back._data, [1, 2, 3, 4])
    np.testing.assert_array_equal(t._data, [0, 1, 2, 3])


def test_nested_structures_and_python_values_round_trip(tmp_path):
    obj = {
        "epoch": 12, "big": 2 ** 70, "lr": 0.1, "nan": math.nan, "inf": -math.inf,
        "name": "run ☃", "flag": True, "nothing": None,
        "betas": (0.9, 0.999), "list": [1, [2, (3, "x")], {}],
        0: "int key", 2.5: "float key", (1, "a"): "tuple key", None: "none key",
        "array": np.arange(6, dtype=np.int32).reshape(2, 3),
        "strided": np.arange(12.0).reshape(3, 4)[:, ::2],
        "np_scalars": [np.float32(1.5), np.int64(3), np.float64(0.25), np.bool_(True)],
        "zero_d": Tensor._wrap(np.array(2.5)),
    }
    save(obj, tmp_path / "n.gn")
    back = load(tmp_path / "n.gn")
    assert list(back) == list(obj)
    for key in ("epoch", "big", "lr", "name", "flag", "nothing", "betas", "list", 0, 2.5,
                (1, "a"), None):
        assert back[key] == obj[key] and type(back[key]) is type(obj[key])
    assert math.isnan(back["nan"]) and back["inf"] == -math.inf
    assert back["array"].dtype == np.int32
    np.testing.assert_array_equal(back["array"], obj["array"])
    np.testing.assert_array_equal(back["strided"], [[0, 2], [4, 6], [8, 10]])
    assert [type(v) for v in back["np_scalars"]] == [np.float32, np.int64, np.float64, np.bool_]
    assert back["np_scalars"][0] == np.float32(1.5)
    assert back["zero_d"].shape == () and back["zero_d"].item() == 2.5


def test_optimizer_state_dict_round_trips_with_int_keys_and_tuples(tmp_path):
    params = [Parameter(np.ones((2, 2), dtype=np.float32)), Parameter(np.zeros(3))]
    opt = Adam([{"params": params[:1]}, {"params": params[1:], "lr": 0.1}], amsgrad=True)
    for p in params:
        p.grad = Tensor._wrap(np.full(p.shape, 0.5, dtype=p.dtype))
    opt.step()
    sd = opt.state_dict()
    save(sd, tmp_path / "opt.gn")
    back = load(tmp_path / "opt.gn")
    assert list(back["state"]) == [0, 1]
    assert back["param_groups"] == sd["param_groups"]
    assert back["param_groups"][0]["betas"] == (0.9, 0.999)
    for i in (0, 1):
        assert set(back["state"][i]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
        for key, v in sd["state"][i].items():
            assert back["state"][i][key].dtype == v.dtype
            np.testing.assert_array_equal(back["state"][i][key]._data, v._data)
    assert back["state"][0]["exp_avg"].dtype == np.float32
    assert back["state"][0]["step"].dtype == np.float32 and float(back["state"][0]["step"]) == 1.0


def test_requires_grad_parameters_and_sharing_survive(tmp_path):
    w = Parameter(np.ones(3))
    frozen = Parameter(np.zeros(2), requires_grad=False)
    t = Tensor._wrap(np.ones(2)).requires_grad_()
    save({"w": w, "tied": w, "frozen": frozen, "t": t, "plain": Tensor._wrap(np.ones(1))},
         tmp_path / "p.gn")
    back = load(tmp_path / "p.gn")
    assert type(back["w"]) is Parameter and back["w"].requires_grad
    assert back["tied"] is back["w"]
    assert type(back["frozen"]) is Parameter and not back["frozen"].requires_grad
    assert type(back["t"]) is Tensor and back["t"].requires_grad
    assert not back["plain"].requires_grad


def test_file_objects_work_too():
    buf = io.BytesIO()
    save(sample_state_dict(), buf)
    buf.seek(0)
    back = load(buf)
    np.testing.assert_array_equal(back["layer.bias"]._data, sample_state_dict()["layer.bias"]._data)


def test_file_layout_is_as_documented(tmp_path):
    save({"w": Tensor._wrap(np.array([1.0, 2.0], dtype=np.float32))}, tmp_path / "f.gn")
    raw = (tmp_path / "f.gn").read_bytes()
    magic, hlen, hcrc, reserved = struct.unpack_from("<8sQII", raw)
    assert (magic, reserved) == (b"GLASSNET", 0)
    text = raw[24:24 + hlen]
    assert zlib.crc32(text) == hcrc and (24 + hlen) % 64 == 0
    header = json.loads(text)
    assert (header["format"], header["version"]) == ("glassnet", 1)
    (entry,) = header["arrays"]
    assert entry["dtype"] == "float32" and entry["shape"] == [2]
    data = raw[24 + hlen + entry["offset"]:][:entry["nbytes"]]
    np.testing.assert_array_equal(np.frombuffer(data, "<f4"), [1.0, 2.0])
    assert header["object"] == {"dict": [["w", {"tensor": 0, "requires_grad": False,
                                                "parameter": False}]]}


def test_nothing_is_pickled(tmp_path, monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("pickle was used")
    for name in ("dumps", "dump", "loads", "load"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    save(sample_state_dict(), tmp_path / "x.gn")
    assert list(load(tmp_path / "x.gn")) == list(sample_state_dict())


# ------------------------------------------------------------------ what cannot be saved

def test_exact_object_arrays_cannot_be_saved(tmp_path):
    exact = Tensor._wrap(np.array([1, 2], dtype=object))
    with pytest.raises(TypeError, match=r"cannot save obj\['w'\]: it holds exact \(object-dtype\)"):
        save({"w": exact}, tmp_path / "e.gn")
    assert not (tmp_path / "e.gn").exists()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("obj, message", [
    ({"f": lambda: 0}, r"obj\['f'\]: objects of type function"),
    ([1, {2, 3}], r"obj\[1\]: objects of type set"),
    ({Tensor._wrap(np.ones(1)): 1}, "dict key"),
    ({"t": torch.ones(2)}, "objects of type Tensor"),
])
def test_unsupported_objects_are_refused_with_where_they_are(tmp_path, obj, message):
    with pytest.raises(TypeError, match=message):
        save(obj, tmp_path / "u.gn")
    assert os.listdir(tmp_path) == []


def test_a_structure_that_contains_itself_is_refused(tmp_path):
    loop = {"a": []}
    loop["a"].append(loop)
    with pytest.raises(TypeError, match="contains itself"):
        save(loop, tmp_path / "l.gn")


# ------------------------------------------------------------------ atomic writes

@pytest.mark.parametrize("fail_in", ["fsync", "replace"])
def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch, fail_in):
    path = tmp_path / "model.gn"
    save({"version": 1, "w": Tensor._wrap(np.ones(3))}, path)
    old = path.read_bytes()

    def disk_full(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, fail_in, disk_full)
    with pytest.raises(OSError, match="No space left"):
        save({"version": 2, "w": Tensor._wrap(np.zeros(1000))}, path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert load(path)["version"] == 1
    assert os.listdir(tmp_path) == ["model.gn"]


def test_a_failure_while_writing_the_data_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.gn"
    save([1, 2, 3], path)
    old = path.read_bytes()
    real_fdopen = os.fdopen
    calls = []

    class Boom(Exception):
        pass

    class Flaky:                                # a file whose third write fails
        def __init__(self, f):
            self.f = f

        def write(self, data):
            calls.append(len(data))
            if len(calls) == 3:                 # the prefix and header are out, data is not
                raise Boom("interrupted")
            return self.f.write(data)

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: Flaky(real_fdopen(*a, **k)))
    with pytest.raises(Boom):
        save({"w": Tensor._wrap(np.ones(100))}, path)
    monkeypatch.undo()
    assert len(calls) == 3
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.gn"]


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "m.gn"
    save({"a": 1}, path)
    save({"a": 2}, str(path))
    assert load(str(path)) == {"a": 2}


# ------------------------------------------------------------------ bad files

def _expect_error(path, *fragments):
    with pytest.raises(SerializationError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.gn"
    save(sample_state_dict(), path)
    return path


def test_empty_file(tmp_path):
    path = tmp_path / "empty.gn"
    path.write_bytes(b"")
    _expect_error(path, "empty")


@pytest.mark.parametrize("keep", [3, 8, 20, 24, 100, -1, -64])
def test_truncated_files(tmp_path, good_file, keep):
    raw = good_file.read_bytes()
    assert len(raw) > 400
    path = tmp_path / "cut.gn"
    path.write_bytes(raw[:keep])
    _expect_error(path, "truncated")


def test_extra_bytes_after_the_data(tmp_path, good_file):
    path = tmp_path / "long.gn"
    path.write_bytes(good_file.read_bytes() + b"\0")
    _expect_error(path, "corrupt", "1 unexpected bytes")


def _layout(raw):
    hlen = struct.unpack_from("<Q", raw, 8)[0]
    return 24 + hlen, json.loads(raw[24:24 + hlen])


def test_a_flipped_bit_in_the_header_is_detected(tmp_path, good_file):
    raw = bytearray(good_file.read_bytes())
    start, _ = _layout(bytes(raw))
    raw[start // 2] ^= 0x10
    path = tmp_path / "flip.gn"
    path.write_bytes(bytes(raw))
    _expect_error(path, "corrupt", "header's checksum")


@pytest.mark.parametrize("index", [0, 1, 4])
def test_a_flipped_bit_in_an_array_is_detected(tmp_path, good_file, index):
    raw = bytearray(good_file.read_bytes())
    start, header = _layout(bytes(raw))
    entry = header["arrays"][index]
    raw[start + entry["offset"] + entry["nbytes"] - 1] ^= 0x01
    path = tmp_path / "flip.gn"
    path.write_bytes(bytes(raw))
    _expect_error(path, "corrupt", f"checksum of array {index}")


def test_garbage_in_the_padding_is_detected(tmp_path, good_file):
    raw = bytearray(good_file.read_bytes())
    start, header = _layout(bytes(raw))
    first = header["arrays"][0]
    gap = start + first["offset"] + first["nbytes"]        # float32 (3, 2): 24 bytes, then padding
    assert header["arrays"][1]["offset"] > first["offset"] + first["nbytes"]
    raw[gap] = 0xFF
    path = tmp_path / "pad.gn"
    path.write_bytes(bytes(raw))
    _expect_error(path, "corrupt", "padding")


def _write_with_header(path, header: dict, data: bytes = b""):
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<8sQII", b"GLASSNET", len(text), zlib.crc32(text), 0) + text + data)


def test_a_file_from_a_newer_version(tmp_path):
    path = tmp_path / "v2.gn"
    _write_with_header(path, {"format": "glassnet", "version": 2, "data_nbytes": 0, "arrays": [],
                              "object": None})
    _expect_error(path, "version 2")


@pytest.mark.parametrize("header, fragment", [
    ({"format": "other"}, "does not name the glassnet format"),
    ({"format": "glassnet", "version": 1, "data_nbytes": 0, "arrays": [], "object": {"tensor": 0}},
     "refers to array 0"),
    ({"format": "glassnet", "version": 1, "data_nbytes": 8, "arrays": [
        {"dtype": "object", "shape": [1], "offset": 0, "nbytes": 8, "crc32": 0}], "object": None},
     "badly described"),
    ({"format": "glassnet", "version": 1, "data_nbytes": 8, "arrays": [
        {"dtype": "float64", "shape": [2], "offset": 0, "nbytes": 8, "crc32": 0}], "object": None},
     "has shape (2,)"),
    ({"format": "glassnet", "version": 1, "data_nbytes": 0, "arrays": [], "object": {"x": 1}},
     "unknown entry"),
])
def test_well_checksummed_but_inconsistent_headers(tmp_path, header, fragment):
    path = tmp_path / "odd.gn"
    nbytes = header.get("data_nbytes", 0)
    _write_with_header(path, header, b"\0" * nbytes)
    _expect_error(path, fragment)


def test_a_text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello, this is not a model\n")
    _expect_error(path, "not a glassnet file", "hello")


def test_a_torch_pt_file(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    _expect_error(path, "not a glassnet file", "zip archive")


def test_a_legacy_torch_pickle_file(tmp_path):
    path = tmp_path / "old.pt"
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    _expect_error(path, "pickle")


def test_a_numpy_npz_and_npy_file(tmp_path):
    npz, npy = tmp_path / "arrays.npz", tmp_path / "a.npy"
    np.savez(npz, a=np.ones(3))
    np.save(npy, np.ones(3))
    _expect_error(npz, "zip archive")
    _expect_error(npy, "NumPy .npy")


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.bin"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 1000, dtype=np.uint8).tobytes())
    _expect_error(path, "not a glassnet file")


def test_a_directory(tmp_path):
    _expect_error(tmp_path, "directory")


def test_bad_file_object_is_named_too():
    buf = io.BytesIO(b"GLASSNET\x01")
    with pytest.raises(SerializationError, match="<file object>: truncated"):
        load(buf)
