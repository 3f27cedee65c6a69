"""LayerNorm against torch.nn.LayerNorm: outputs, gradients of input, γ and β, repr, state_dict."""
import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn
from glassnet.errors import ShapeError

from ._helpers import assert_close


@pytest.mark.parametrize("normalized_shape, shape", [(5, (4, 5)), ((3, 4), (2, 3, 4)), ([4], (2, 3, 4))])
@pytest.mark.parametrize("kwargs", [{}, {"elementwise_affine": False}, {"bias": False}, {"eps": 1e-2}],
                         ids=["default", "no_affine", "no_bias", "eps"])
def test_layer_norm_like_torch(normalized_shape, shape, kwargs):
    rng = np.random.default_rng(0)
    g, t = nn.LayerNorm(normalized_shape, **kwargs), torch.nn.LayerNorm(normalized_shape, **kwargs).double()
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.tensor(rng.standard_normal(p.shape)))
    g.load_state_dict({k: gn.tensor(v.numpy()) for k, v in t.state_dict().items()})
    assert repr(g) == repr(t) and list(g.state_dict()) == list(t.state_dict())
    x = rng.standard_normal(shape) * 3 + 2
    xg, xt = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg, yt = g(xg), t(xt)
    assert_close(yg, yt)
    up = rng.standard_normal(shape)
    yg.backward(gn.tensor(up))
    yt.backward(torch.tensor(up))
    assert_close(xg.grad, xt.grad)
    for pg, pt in zip(g.parameters(), t.parameters()):
        assert_close(pg.grad, pt.grad)


def test_layer_norm_defaults_and_float32():
    ln = nn.LayerNorm(3)
    assert ln.weight.tolist() == [1.0, 1.0, 1.0] and ln.bias.tolist() == [0.0, 0.0, 0.0]
    y = ln.float()(gn.tensor([[1.0, 2.0, 3.0]], dtype=gn.float32))
    assert y.dtype == gn.float32
    # x = [1, 2, 3]: μ = 2, σ² = 2/3 → y = (x − 2)/√(2/3 + 1e-5)
    np.testing.assert_allclose(y.detach().numpy(), [[-1, 0, 1] / np.sqrt(2 / 3 + 1e-5)], rtol=1e-6)


def test_layer_norm_shape_error_names_the_layer():
    with pytest.raises(ShapeError, match=r"LayerNorm\(\(4,\).*normalized_shape=\[4\].*\[2, 3\]"):
        nn.LayerNorm(4)(gn.zeros(2, 3))
