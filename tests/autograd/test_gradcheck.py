"""gradcheck / gradgradcheck: pass on correct ops, fail (raise, or False) on a wrong backward,
as torch.autograd's do on the same Functions."""
import numpy as np
import pytest
import torch
from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError

import glassnet as gn
from glassnet.autograd import gradcheck, gradgradcheck
from glassnet.autograd.gradcheck import GradcheckError

rng = np.random.default_rng(11)
X = rng.standard_normal(4)
W = rng.standard_normal((3, 4))


def pair(a, requires_grad=True):
    return (gn.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad),
            torch.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad))


def exp_function(base, detach_saved=False, wrong_factor=1.0):
    """eˣ with backward g·y·wrong_factor; ``detach_saved`` uses y.detach(): right at first order, but
    its derivative in x is lost (the vjp looks constant in x), so only gradgradcheck can tell."""
    class Exp(base):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * (y.detach() if detach_saved else y) * wrong_factor
    return Exp


@pytest.mark.parametrize("fn", [
    lambda x: x.sin() * x,
    lambda x: (x * x).sum(),
    lambda x: x.exp() / (1 + x * x),
    lambda x: x.tanh().cumsum(0),
], ids=["sin_times_x", "sum_of_squares", "quotient", "cumsum_tanh"])
def test_gradcheck_and_gradgradcheck_pass_on_correct_ops(fn):
    x, xt = pair(X)
    assert gradcheck(fn, (x,)) is True
    assert gradgradcheck(fn, (x,)) is True
    assert torch.autograd.gradcheck(fn, (xt,)) and torch.autograd.gradgradcheck(fn, (xt,))


def test_several_inputs_several_outputs_and_a_non_tensor_argument():
    (x, _), (w, _) = pair(X), pair(W)

    def f(w, x, scale):
        h = (w @ x).tanh() * scale
        return h, (h * h).sum()
    assert gradcheck(f, (w, x, 0.5))
    assert gradgradcheck(f, (w, x, 0.5))


def test_an_input_that_does_not_require_grad_is_passed_but_not_checked():
    (x, _), (w, _) = pair(X), pair(W, False)
    assert gradcheck(lambda w, x: w @ x.sin(), (w, x))
    assert gradgradcheck(lambda w, x: w @ x.sin(), (w, x))


def test_no_input_requiring_grad_is_a_value_error_like_torch():
    x, xt = pair(X, False)
    words = "expects at least one input tensor to require gradient"
    with pytest.raises(ValueError) as info:
        torch.autograd.gradcheck(lambda x: x * 2, (xt,))
    assert words in str(info.value)
    with pytest.raises(ValueError, match=words):
        gradcheck(lambda x: x * 2, (x,))
    with pytest.raises(ValueError, match=words):
        gradgradcheck(lambda x: x * 2, (x,))


def test_a_correct_custom_function_passes_both_checks():
    Exp, ExpT = exp_function(gn.autograd.Function), exp_function(torch.autograd.Function)
    x, xt = pair(X)
    assert gradcheck(Exp.apply, (x,)) and gradgradcheck(Exp.apply, (x,))
    assert torch.autograd.gradcheck(ExpT.apply, (xt,)) and torch.autograd.gradgradcheck(ExpT.apply, (xt,))


def test_gradcheck_fails_on_a_wrong_backward():
    Exp = exp_function(gn.autograd.Function, wrong_factor=1.1)
    ExpT = exp_function(torch.autograd.Function, wrong_factor=1.1)
    x, xt = pair(X)
    with pytest.raises(GradcheckError) as info:
        gradcheck(Exp.apply, (x,))
    assert isinstance(info.value, RuntimeError)
    report = info.value.report
    analytic, numeric = report.jacobians["input 0"]
    # the Jacobian of eˣ is Diag(eˣ): backward says 1.1·eˣ on the diagonal
    np.testing.assert_allclose(np.diag(numeric), np.exp(X), rtol=1e-6)
    np.testing.assert_allclose(np.diag(analytic), 1.1 * np.exp(X), rtol=1e-12)
    assert "FAILED" in str(info.value) and "input 0" in str(info.value)
    assert gradcheck(Exp.apply, (x,), raise_exception=False) is False
    assert torch.autograd.gradcheck(ExpT.apply, (xt,), raise_exception=False) is False
    with pytest.raises(TorchGradcheckError):
        torch.autograd.gradcheck(ExpT.apply, (xt,))


def test_gradgradcheck_fails_when_the_backward_uses_a_detached_value():
    Exp = exp_function(gn.autograd.Function, detach_saved=True)
    ExpT = exp_function(torch.autograd.Function, detach_saved=True)
    x, xt = pair(X)
    # first order is right …
    assert gradcheck(Exp.apply, (x,))
    assert torch.autograd.gradcheck(ExpT.apply, (xt,))
    # … but ∂(v·y.detach())/∂x = 0 where it should be v·eˣ
    assert gradgradcheck(Exp.apply, (x,), raise_exception=False) is False
    assert torch.autograd.gradgradcheck(ExpT.apply, (xt,), raise_exception=False) is False
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(Exp.apply, (x,))
    analytic, numeric = info.value.report.jacobians["input 0"]
    np.testing.assert_array_equal(analytic, 0.0)
    assert np.abs(numeric).max() > 0.1
    # its derivative in v is still right: g·y is linear in g
    a_v, n_v = info.value.report.jacobians["grad_output 0"]
    np.testing.assert_allclose(a_v, n_v, rtol=1e-6, atol=1e-8)
    with pytest.raises(TorchGradcheckError):
        torch.autograd.gradgradcheck(ExpT.apply, (xt,))


def test_gradgradcheck_with_given_grad_outputs():
    x, _ = pair(X)
    v = gn.tensor(rng.standard_normal(4), requires_grad=True)
    assert gradgradcheck(lambda x: x ** 3, (x,), (v,))
    Exp = exp_function(gn.autograd.Function, detach_saved=True)
    assert not gradgradcheck(Exp.apply, (x,), (v,), raise_exception=False)


def test_gradcheck_accepts_a_single_tensor_and_tolerances():
    x, _ = pair(X)
    assert gradcheck(lambda x: x.exp(), x, eps=1e-6, atol=1e-7, rtol=1e-5)
    Exp = exp_function(gn.autograd.Function, wrong_factor=1.0 + 1e-4)
    assert gradcheck(Exp.apply, x, rtol=1e-3, raise_exception=False)         # within rtol
    assert not gradcheck(Exp.apply, x, rtol=1e-6, atol=1e-8, raise_exception=False)
