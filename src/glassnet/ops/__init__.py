"""Differentiable operations. Each op computes its forward array and, right beside it,
the backward closure that maps ∂L/∂output to ∂L/∂input; ``methods`` attaches them to
Tensor as operators and methods."""
from .arithmetic import add, div, matmul, mul, neg, pow, sub
from .conv import conv1d, conv2d
from .dropout import dropout
from .elementwise import (abs, clamp, cos, elu, erf, exp, expm1, gelu, leaky_relu, log, log1p,
                          maximum, minimum, relu, sigmoid, sign, silu, sin, softplus, sqrt, step,
                          tanh, where)
from .embedding import embedding
from .linear import linear
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                   hinge_loss, huber_loss, kl_div, l1_loss, mse_loss, nll_loss, smooth_l1_loss,
                   squared_error)
from .methods import install_methods
from .normalization import batch_norm, layer_norm
from .pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d, pad
from .products import addmm, baddbmm, bmm, cdist, einsum, mm, outer
from .reduction import (argmax, argmin, cumsum, logsumexp, max, mean, min, norm, prod, std, sum,
                        var, vector_norm)
from .shape import (cat, clone, expand, flatten, getitem, permute, reshape, squeeze, stack,
                    to_dtype, transpose, unsqueeze)
from .softmax import log_softmax, softmax, softmax_jacobian
from .sorting import (all, allclose, amax, amin, any, argsort, bincount, cumprod, histc, isclose,
                      kthvalue, median, meshgrid, nanmedian, sort, topk, unique)
