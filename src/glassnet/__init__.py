"""glassnet: a glass-box neural-network library with a PyTorch-compatible API on NumPy."""
from ._backend import (bool_ as bool, exact, float16, float32, float64, get_default_dtype,
                       get_rng_state, int8, int16, int32, int64, manual_seed, set_default_dtype,
                       set_rng_state, uint8)
from .creation import (arange, as_tensor, empty, eye, from_numpy, full, full_like, linspace, ones,
                       ones_like, rand, randint, randn, randperm, tensor, zeros, zeros_like)
from .errors import GlassnetError, GraphError, NonFiniteError, SerializationError, ShapeError
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .ops import (abs, argmax, argmin, cat, clamp, conv1d, conv2d, cos, cumsum, erf, exp, expm1,
                  flatten, log, log1p, log_softmax, logsumexp, matmul, max, maximum, mean, min,
                  minimum, norm, permute, prod, relu, reshape, sigmoid, sign, sin, softmax, sqrt,
                  squeeze, stack, std, sum, tanh, transpose, unsqueeze, var, where)
from .ops import (addmm, all, allclose, amax, amin, any, argsort, baddbmm, bincount, bmm, cdist,
                  cumprod, einsum, histc, isclose, kthvalue, median, meshgrid, mm, nanmedian,
                  outer, sort, topk, unique)
from ._device import device
from .tensor import Tensor, is_tensor
from .trace import trace
from . import backends, cuda, datasets, export, linalg, nn, optim, plot, signal, train, utils
from .serialization import load, save
from .summary import summary
from . import analysis, autograd, func

float = float32
double = float64
half = float16
long = int64
int = int32

__version__ = "0.1.0"


def __getattr__(name: str):
    # glassnet.sklearn imports scikit-learn: load it only when it is asked for.
    if name == "sklearn":
        import importlib
        return importlib.import_module(".sklearn", __name__)
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")
