"""gradcheck: central differences against backward, and a report that names the tensor and
the index that disagree."""
from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.analysis import GradcheckError, gradcheck
from glassnet.tensor import make_result


def wrong_square(a):
    """a²  with a backward that is 1% too large on entry [0, 1] only."""
    ad = a._data

    def backward(F, g, out, x):
        grad = 2 * ad * g
        grad[0, 1] *= 1.01
        return (grad,)
    return make_result(ad ** 2, (a,), backward, "wrong_square")


def square_with_constant_derivative(a):
    """a² whose rule uses the forward's array ``ad`` instead of the input x: right at first
    order, but its own derivative misses ∂(2a·g)/∂a = 2g."""
    ad = a._data
    return make_result(ad ** 2, (a,), lambda F, g, out, x: (2 * ad * g,), "square")


def test_a_correct_network_passes_and_reports_each_parameter():
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Softmax(dim=1))
    x, y = gn.randn(5, 3), gn.tensor([0, 1, 1, 0, 1])
    report = gradcheck(lambda: nn.functional.nll_loss(gn.log(model(x)), y), {},
                       wrt=dict(model.named_parameters()))
    assert report.passed and bool(report)
    assert [e.name for e in report.entries] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(e.error < 1e-7 for e in report.entries)
    a, n = report.jacobians["2.bias"]
    assert a.shape == (1, 2) and np.allclose(a, n, atol=1e-8)


def test_a_wrong_backward_is_named_with_its_index():
    x = gn.tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong_square, {"x": x})
    report = info.value.report
    worst = report.worst()
    assert worst.name == "x" and worst.index == (0, 1) and worst.output_index == (0, 1)
    # ∂(x²)/∂x at x = 2 is 4; the broken backward says 4.04
    assert worst.analytic == pytest.approx(4.04) and worst.numeric == pytest.approx(4.0, abs=1e-6)
    assert worst.n_failed == 1
    assert "worst: x[0, 1] — backward gives 4.04" in str(info.value)


def test_raise_exception_false_returns_a_falsy_report():
    x = gn.tensor(np.ones((2, 3)), requires_grad=True)
    report = gradcheck(wrong_square, x, raise_exception=False)
    assert not report and "FAILED" in str(report)


def test_inputs_that_do_not_require_grad_are_skipped_and_float32_warns():
    a = gn.tensor([1.0, 2.0], requires_grad=True)
    b = gn.tensor([3.0, 4.0])
    report = gradcheck(lambda a, b: a * b, [a, b])
    assert [e.name for e in report.entries] == ["input 0"]
    with pytest.raises(ValueError, match="nothing to check"):
        gradcheck(lambda b: b * 2, [b])
    c = gn.tensor([1.0, 2.0], dtype=gn.float32, requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        gradcheck(lambda c: c * c, c, eps=1e-2, atol=1e-2)


def test_gradients_and_values_are_left_as_they_were():
    a = gn.tensor([1.0, -2.0], requires_grad=True)
    a.grad = gn.tensor([7.0, 7.0])
    gradcheck(lambda a: (a * a).sum(), a)
    np.testing.assert_array_equal(a._data, [1.0, -2.0])
    np.testing.assert_array_equal(a.grad._data, [7.0, 7.0])


def test_second_order_check_passes_on_a_correct_network():
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    x = gn.randn(5, 3, dtype=gn.float64)
    report = gradcheck(lambda: (model(x) ** 2).sum(), {}, wrt=dict(model.named_parameters()),
                       second_order=True)
    assert report.passed
    assert [e.name for e in report.entries][4:] == ["∂(0.weight)", "∂(0.bias)", "∂(2.weight)", "∂(2.bias)"]


def test_second_order_check_finds_a_rule_that_is_right_only_at_first_order():
    x = gn.tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    assert gradcheck(square_with_constant_derivative, {"x": x})            # first order is right
    report = gradcheck(square_with_constant_derivative, {"x": x}, second_order=True, raise_exception=False)
    assert not report.passed
    bad = [e for e in report.entries if not e.ok]
    assert [e.name for e in bad] == ["∂(x)"]
    # the true second derivative: ∂(vᵀ·2x)/∂x = 2v on the diagonal; the rule gives 0
    assert bad[0].analytic == 0.0 and abs(bad[0].numeric) > 0.1
