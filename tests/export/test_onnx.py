"""to_onnx: files onnx.checker accepts and ONNX Runtime runs to the same outputs."""
import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import glassnet as gn
from glassnet import nn
from glassnet.export import ExportError, to_onnx


def _run(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def _out(model, x):
    model.eval()
    with gn.no_grad():
        return model(gn.tensor(x)).numpy()


def test_float64_mlp_runs_to_the_same_numbers(tmp_path):
    gn.manual_seed(0)
    m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 8),
                      nn.Sigmoid(), nn.Linear(8, 8), nn.LeakyReLU(0.05), nn.Dropout(0.5),
                      nn.Linear(8, 3), nn.Softmax(dim=1))
    proto = to_onnx(m, tmp_path / "m.onnx", (1, 4))
    onnx.checker.check_model(onnx.load(tmp_path / "m.onnx"), full_check=True)
    assert [n.op_type for n in proto.graph.node] == ["Gemm", "Relu", "Gemm", "Tanh", "Gemm", "Sigmoid",
                                                     "Gemm", "PRelu", "Identity", "Gemm", "Softmax"]
    x = np.random.default_rng(0).standard_normal((37, 4))          # any batch size: N is symbolic
    np.testing.assert_allclose(_run(tmp_path / "m.onnx", x), _out(m, x), rtol=1e-12, atol=1e-14)


def test_seed000_step_network(tmp_path):
    """The hard-threshold unit of seed 002: Step is 1 where z ≥ 0 (0 is included)."""
    m = nn.Sequential(nn.Linear(2, 1), nn.Step())
    m[0].weight.data = np.array([[1.0, -1.0]])
    m[0].bias.data = np.array([0.0])
    to_onnx(m, tmp_path / "s.onnx", (1, 2))
    x = np.array([[2.0, 1.0], [1.0, 1.0], [0.0, 3.0]])
    np.testing.assert_array_equal(_run(tmp_path / "s.onnx", x), [[1.0], [1.0], [0.0]])


def test_conv_net_exports_as_float32(tmp_path):
    gn.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(1, 3, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(3, 4, 3, stride=2, padding=1, groups=1), nn.AvgPool2d(2),
                      nn.Flatten(), nn.Linear(4, 5), nn.LogSoftmax(dim=1))
    to_onnx(m, tmp_path / "c.onnx", (1, 1, 8, 8))
    x = np.random.default_rng(0).standard_normal((3, 1, 8, 8))
    out = _run(tmp_path / "c.onnx", x.astype(np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, _out(m, x), rtol=1e-5, atol=1e-5)


def test_1d_layers_reshapes_and_rank3_linear(tmp_path):
    m = nn.Sequential(nn.Conv1d(2, 2, 3, padding=1), nn.MaxPool1d(2), nn.Flatten(),
                      nn.Unflatten(1, (4, 2)), nn.Linear(2, 3))
    to_onnx(m, tmp_path / "r.onnx", (1, 2, 8), dtype="float32")
    x = np.random.default_rng(1).standard_normal((2, 2, 8))
    np.testing.assert_allclose(_run(tmp_path / "r.onnx", x.astype(np.float32)), _out(m, x), rtol=1e-5, atol=1e-5)


def test_unsupported_settings_are_named(tmp_path):
    with pytest.raises(ExportError, match=r"Sequential\[0\] uses padding_mode='reflect'"):
        to_onnx(nn.Sequential(nn.Conv1d(1, 1, 3, padding=1, padding_mode="reflect")), tmp_path / "x.onnx", (1, 1, 5))
    with pytest.raises(ExportError, match="input_shape must be"):
        to_onnx(nn.Sequential(nn.Linear(2, 2)), tmp_path / "x.onnx", (0, 2))
    assert not (tmp_path / "x.onnx").exists()
