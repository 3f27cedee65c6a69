"""Tensor's operators and methods, each a thin call of an op (as torch.Tensor's are)."""
from __future__ import annotations

import numpy as np

from .. import _backend, _device
from ..grad_mode import state as _grad_state
from ..errors import GraphError, ShapeError
from . import arithmetic as ar, elementwise as el, reduction as rd, shape as sh, softmax as sm
from ._util import broadcast_error


def _compare(fn):
    def method(self, other):
        from ..tensor import Tensor
        od = other._data if isinstance(other, Tensor) else other
        try:
            return Tensor._wrap(np.asarray(fn(self._data, od)))
        except ValueError:
            raise broadcast_error(fn.__name__, self._data, np.asarray(od)) from None
    return method


def _in_graph(self, args) -> bool:
    """Would an in-place change here escape a recorded graph?"""
    return _grad_state.enabled and (self.requires_grad or any(getattr(a, "requires_grad", False)
                                                              for a in args))


def _inplace(fn):
    """An in-place update of the values, allowed outside the graph only (as torch.no_grad)."""
    name = fn.__name__.lstrip("_")

    def method(self, *args, **kwargs):
        if _in_graph(self, args):
            raise GraphError(
                f"{name}: an in-place operation on a tensor that requires grad (or with an argument "
                f"that does) is not recorded in the graph and would give wrong gradients. In a "
                f"forward pass write x = x + y; to update parameters, wrap the update in "
                f"`with glassnet.no_grad():`")
        try:
            fn(self, *args, **kwargs)
        except ValueError as exc:
            raise ShapeError(f"{name}: cannot update a tensor of shape {self.shape} in place with "
                             f"this operand ({exc})") from None
        self._vc[0] += 1
        return self
    method.__name__ = name
    return method


def _augmented(inplace, out_of_place):
    """``x += y``: in place outside the graph; inside it, the out-of-place result, which Python
    binds to x — the value torch's in-place op gives, recorded in the graph."""
    def method(self, other):
        if _in_graph(self, (other,)):
            if self.requires_grad and self._backward is None:
                raise GraphError(
                    "a leaf tensor that requires grad (a parameter) is being used in an in-place "
                    "operation; wrap the update in `with glassnet.no_grad():`")
            return out_of_place(self, other)
        return inplace(self, other)
    return method


def _value(x):
    from ..tensor import Tensor
    return x._data if isinstance(x, Tensor) else x


def _add_(self, other, alpha=1):
    self._data += _value(other) * alpha if alpha != 1 else _value(other)


def _sub_(self, other, alpha=1):
    self._data -= _value(other) * alpha if alpha != 1 else _value(other)


def _mul_(self, other):
    self._data *= _value(other)


def _div_(self, other):
    self._data /= _value(other)


def _zero_(self):
    self._data[...] = 0


def _fill_(self, value):
    self._data[...] = _value(value)


def _copy_(self, src):
    src = np.asarray(_value(src))
    if np.broadcast_shapes(src.shape, self._data.shape) != self._data.shape:
        from ..errors import ShapeError
        raise ShapeError(f"copy_: cannot copy a tensor of shape {src.shape} into shape {self._data.shape}")
    self._data[...] = src


def _uniform_(self, a=0.0, b=1.0):
    self._data[...] = _backend.generator().uniform(a, b, self._data.shape)


def _normal_(self, mean=0.0, std=1.0):
    self._data[...] = _backend.generator().normal(mean, std, self._data.shape)


def _clamp_(self, min=None, max=None):
    np.clip(self._data, min, max, out=self._data)


def install_methods(Tensor) -> None:
    T = Tensor
    T.__add__ = T.__radd__ = ar.add
    T.__sub__ = ar.sub
    T.__rsub__ = lambda self, other: ar.sub(other, self)
    T.__mul__ = T.__rmul__ = ar.mul
    T.__truediv__ = ar.div
    T.__rtruediv__ = lambda self, other: ar.div(other, self)
    T.__pow__ = ar.pow
    T.__rpow__ = lambda self, other: ar.pow(other, self)
    T.__matmul__ = ar.matmul
    T.__rmatmul__ = lambda self, other: ar.matmul(other, self)
    T.__neg__ = ar.neg
    T.__pos__ = lambda self: self
    T.__abs__ = el.abs
    T.__getitem__ = sh.getitem

    def __setitem__(self, index, value):
        if _in_graph(self, (value,)):
            raise GraphError("item assignment (t[i] = v) where t or v requires grad is not recorded in "
                             "the graph; build the tensor with glassnet.stack / cat / where instead, "
                             "or assign under glassnet.no_grad()")
        index, _ = sh._index_arrays(index)
        self._data[index] = _value(value)
        self._vc[0] += 1
    T.__setitem__ = __setitem__

    T.__eq__ = _compare(np.equal)
    T.__ne__ = _compare(np.not_equal)
    T.__lt__ = _compare(np.less)
    T.__le__ = _compare(np.less_equal)
    T.__gt__ = _compare(np.greater)
    T.__ge__ = _compare(np.greater_equal)
    T.eq, T.ne, T.lt, T.le, T.gt, T.ge = T.__eq__, T.__ne__, T.__lt__, T.__le__, T.__gt__, T.__ge__
    T.__and__ = _compare(np.logical_and)
    T.__or__ = _compare(np.logical_or)
    T.__invert__ = lambda self: Tensor._wrap(~self._data)

    T.add, T.sub, T.mul, T.div, T.pow, T.matmul = ar.add, ar.sub, ar.mul, ar.div, ar.pow, ar.matmul
    T.neg = ar.neg
    T.exp, T.log, T.sqrt, T.abs, T.tanh, T.sigmoid = el.exp, el.log, el.sqrt, el.abs, el.tanh, el.sigmoid
    T.relu, T.clamp, T.clip = el.relu, el.clamp, el.clamp
    T.sin, T.cos, T.log1p, T.expm1, T.erf = el.sin, el.cos, el.log1p, el.expm1, el.erf
    T.sign = T.sgn = el.sign
    T.square = lambda self: ar.mul(self, self)
    T.maximum, T.minimum = el.maximum, el.minimum
    T.sum, T.mean, T.max, T.min = rd.sum, rd.mean, rd.max, rd.min
    T.argmax, T.argmin, T.var, T.std = rd.argmax, rd.argmin, rd.var, rd.std
    T.prod, T.cumsum, T.logsumexp, T.norm = rd.prod, rd.cumsum, rd.logsumexp, rd.norm
    T.softmax = sm.softmax
    from . import products, sorting; products.install_methods(T); sorting.install_methods(T)  # noqa: E702
    T.log_softmax = sm.log_softmax
    T.reshape = T.view = sh.reshape
    T.view_as = T.reshape_as = lambda self, other: sh.reshape(self, other.shape)
    T.flatten, T.permute, T.transpose = sh.flatten, sh.permute, sh.transpose
    T.t = sh.t
    T.T = property(sh.T)
    T.mT = property(lambda self: sh.transpose(self, -2, -1))
    T.squeeze, T.unsqueeze, T.expand = sh.squeeze, sh.unsqueeze, sh.expand
    T.expand_as = lambda self, other: sh.expand(self, other.shape)
    T.clone = sh.clone
    T.contiguous = lambda self: self
    T.cpu = lambda self: self

    def cuda(self, device=None, non_blocking=False):
        _device.check_device("cuda")
    T.cuda = cuda

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        """to(dtype), to(other_tensor), to('cpu') or to(glassnet.device('cpu')): CPU only."""
        dtype = _device.parse_to_args(args, dtype, device)
        out = self if dtype is None else sh.to_dtype(self, dtype)
        return sh.clone(out) if copy and out is self else out
    T.to = to
    T.type = lambda self, dtype: sh.to_dtype(self, dtype)
    T.float = lambda self: sh.to_dtype(self, _backend.float32)
    T.double = lambda self: sh.to_dtype(self, _backend.float64)
    T.long = lambda self: sh.to_dtype(self, _backend.int64)
    T.int = lambda self: sh.to_dtype(self, _backend.int32)
    T.bool = lambda self: sh.to_dtype(self, _backend.bool_)

    T.add_, T.sub_, T.mul_, T.div_ = _inplace(_add_), _inplace(_sub_), _inplace(_mul_), _inplace(_div_)
    T.__iadd__ = _augmented(T.add_, ar.add)
    T.__isub__ = _augmented(T.sub_, ar.sub)
    T.__imul__ = _augmented(T.mul_, ar.mul)
    T.__itruediv__ = _augmented(T.div_, ar.div)
    T.zero_, T.fill_, T.copy_ = _inplace(_zero_), _inplace(_fill_), _inplace(_copy_)
    T.uniform_, T.normal_, T.clamp_ = _inplace(_uniform_), _inplace(_normal_), _inplace(_clamp_)
