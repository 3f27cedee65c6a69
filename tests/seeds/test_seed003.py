"""Seed 003: every number of its worked SGD steps, reproduced with glassnet.

The seed writes the column notation: w⁽ˡ⁾ is outputs × inputs (the same as a glassnet Linear
weight), z⁽ˡ⁾ = w⁽ˡ⁾x⁽ˡ⁻¹⁾ + b⁽ˡ⁾, x⁽ˡ⁾ = f(z⁽ˡ⁾), samples are columns. glassnet is batch-first
(samples are rows), so a seed matrix with one column per sample is the transpose of the
glassnet tensor. δ⁽ˡ⁾ = ∂E/∂z⁽ˡ⁾ is read from ``z.grad`` after ``retain_grad()``; every update
is made by ``gn.optim.SGD``.
"""
from __future__ import annotations

import ast

import numpy as np
import pytest

import glassnet as gn
import glassnet.optim  # noqa: F401  (gn.optim)
from glassnet import nn

F = gn.nn.functional


def _mlp(sizes, activation, weight: float, bias: float, last_activation=True) -> nn.Sequential:
    """Linear/activation pairs for layer sizes ``sizes``, every weight and bias set to a constant."""
    layers = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        linear = nn.Linear(fan_in, fan_out)
        with gn.no_grad():
            linear.weight.fill_(weight)
            linear.bias.fill_(bias)
        layers += [linear, activation()]
    if not last_activation:
        layers.pop()
    return nn.Sequential(*layers)


def _forward(model: nn.Sequential, x) -> list:
    """Run ``model`` layer by layer; keep every output (z⁽¹⁾, x⁽¹⁾, z⁽²⁾, …) with its gradient."""
    outs = []
    for layer in model:
        x = layer(x)
        x.retain_grad()
        outs.append(x)
    return outs


# ---------------------------------------------------------------------------------------------
# Problem 1: 5-3-2, sigmoid everywhere, weights 0.1, biases 0, E = ½ Σ (x⁽²⁾ − z)², SGD η = 1.
# ---------------------------------------------------------------------------------------------

P1_X = [[1.0, 1.0, 0.0, 0.0, 0.0]]      # x⁽⁰⁾ (one sample, a row)
P1_TARGET = [[1.0, 0.0]]                # the seed's target "z"


def _problem1():
    model = _mlp([5, 3, 2], nn.Sigmoid, weight=0.1, bias=0.0)
    z1, x1, z2, x2 = _forward(model, gn.tensor(P1_X))
    loss = nn.SquaredErrorLoss()(x2, gn.tensor(P1_TARGET))
    loss.backward()
    return model, (z1, x1, z2, x2)


def test_problem1_forward_pass(assert_printed):
    _, (z1, x1, z2, x2) = _problem1()
    # z⁽¹⁾ = w⁽¹⁾x⁽⁰⁾ + b⁽¹⁾ = 0.1·(1 + 1) + 0 = 0.2 for each of the 3 hidden units
    assert_printed(z1[0], "[0.2, 0.2, 0.2]", min_decimals=6)
    # x⁽¹⁾ = σ(0.2) = 1/(1 + e^−0.2) = 0.549834
    assert_printed(x1[0], "[0.549834, 0.549834, 0.549834]")
    # z⁽²⁾ = 3 · 0.1 · 0.549834 = 0.16495
    assert_printed(z2[0], "[0.16495, 0.16495]")
    # x⁽²⁾ = σ(0.16495) = 0.541144
    assert_printed(x2[0], "[0.541144, 0.541144]")


def test_problem1_deltas(assert_printed):
    _, (z1, _, z2, _) = _problem1()
    # δ⁽²⁾ = (x⁽²⁾ − z) ∘ x⁽²⁾(1 − x⁽²⁾):  (0.541144 − 1)·0.248308 = −0.113937,
    #                                      (0.541144 − 0)·0.248308 =  0.13437
    assert_printed(z2.grad[0], "[-0.113937, 0.13437]")
    # δ⁽¹⁾ = w⁽²⁾ᵀδ⁽²⁾ ∘ x⁽¹⁾(1 − x⁽¹⁾) = 0.1·(−0.113937 + 0.13437)·0.247584 = 0.00050575
    assert_printed(z1.grad[0], "[0.00050575, 0.00050575, 0.00050575]")


def test_problem1_gradients(assert_printed):
    model, _ = _problem1()
    lin1, lin2 = model[0], model[2]
    # ∂E/∂w⁽²⁾ = δ⁽²⁾ x⁽¹⁾ᵀ: −0.113937·0.549834 = −0.0626465, 0.13437·0.549834 = 0.0738812
    assert_printed(lin2.weight.grad, "[[-0.0626465, -0.0626465, -0.0626465],"
                                     " [0.0738812, 0.0738812, 0.0738812]]")
    # ∂E/∂b⁽²⁾ = δ⁽²⁾
    assert_printed(lin2.bias.grad, "[-0.113937, 0.13437]")
    # ∂E/∂w⁽¹⁾ = δ⁽¹⁾ x⁽⁰⁾ᵀ: δ⁽¹⁾ in the columns of the two inputs that are 1, 0 elsewhere
    assert_printed(lin1.weight.grad, "[[0.00050575, 0.00050575, 0, 0, 0],"
                                     " [0.00050575, 0.00050575, 0, 0, 0],"
                                     " [0.00050575, 0.00050575, 0, 0, 0]]", min_decimals=8)
    # the zero columns are exactly zero (x⁽⁰⁾ᵢ = 0), not merely small
    assert (lin1.weight.grad.numpy()[:, 2:] == 0).all()
    # ∂E/∂b⁽¹⁾ = δ⁽¹⁾
    assert_printed(lin1.bias.grad, "[0.00050575, 0.00050575, 0.00050575]")


def _problem1_after_step() -> nn.Sequential:
    model, _ = _problem1()
    gn.optim.SGD(model.parameters(), lr=1.0).step()
    return model


def test_problem1_sgd_step(assert_printed):
    model = _problem1_after_step()
    lin1, lin2 = model[0], model[2]
    # w⁽²⁾ ← w⁽²⁾ − η ∂E/∂w⁽²⁾ = 0.1 + 0.0626465 = 0.162647 ; 0.1 − 0.0738812 = 0.0261188
    assert_printed(lin2.weight, "[[0.162647, 0.162647, 0.162647],"
                                " [0.0261188, 0.0261188, 0.0261188]]")
    # b⁽²⁾ ← 0 − δ⁽²⁾
    assert_printed(lin2.bias, "[0.113937, -0.13437]")
    # w⁽¹⁾ ← 0.1 − 0.00050575 = 0.0994943 where x⁽⁰⁾ᵢ = 1; unchanged 0.1 elsewhere
    assert_printed(lin1.weight, "[[0.0994943, 0.0994943, 0.1, 0.1, 0.1],"
                                " [0.0994943, 0.0994943, 0.1, 0.1, 0.1],"
                                " [0.0994943, 0.0994943, 0.1, 0.1, 0.1]]", min_decimals=7)
    # b⁽¹⁾ ← 0 − δ⁽¹⁾
    assert_printed(lin1.bias, "[-0.00050575, -0.00050575, -0.00050575]")


def test_problem1_class_of_x_new(assert_printed):
    model = _problem1_after_step()
    z1, x1, z2, x2 = _forward(model, gn.tensor([[1.0, 0.0, 0.0, 0.0, 1.0]]))
    # z⁽¹⁾ = 0.0994943 + 0.1 − 0.00050575 = 0.198989 ; x⁽¹⁾ = σ(0.198989) = 0.549584
    assert_printed(z1[0], "[0.198989, 0.198989, 0.198989]")
    assert_printed(x1[0], "[0.549584, 0.549584, 0.549584]")
    # z⁽²⁾ = 3·0.162647·0.549584 + 0.113937 = 0.382101 ; 3·0.0261188·0.549584 − 0.13437 = −0.0913066
    assert_printed(z2[0], "[0.382101, -0.0913066]")
    # x⁽²⁾ = σ(z⁽²⁾)
    assert_printed(x2[0], "[0.59438, 0.477189]")
    # argmax x⁽²⁾ = the first class
    assert x2.argmax(dim=1).tolist() == [0]


# ---------------------------------------------------------------------------------------------
# Problem 2: 4-4-3-3, tanh everywhere, weights 0.1, E = ½ Σ (x⁽³⁾ − z)² summed over the batch.
#
# Which biases? The statement says "weights and biases 0.1", but the worked solution writes
# b⁽¹⁾ = … = b⁽³⁾ = 0 and every printed number needs b = 0: z⁽¹⁾ = 0.1·(1 + 1) = 0.2 for
# x = [1 0 1 0] (b = 0.1 would give 0.3), and the printed "new" b⁽³⁾ entry 0.0975823 is
# 0 − 0.1·(−0.975823), not 0.1 − …. The arithmetic wins: biases start at 0 everywhere below
# (test_problem2_stated_biases_do_not_give_the_printed_numbers pins this down).
#
# The seed prints z⁽²⁾, x⁽²⁾, z⁽³⁾, x⁽³⁾ with 4 rows each; the layers have 3 units (the seed's own
# ∂E/∂w⁽²⁾ is 3×4 and w⁽³⁾ 3×3), so the fourth row is a typo: it repeats the others.
#
# Learning rates: (a) says η = 1 for the single sample, (b) η = 0.1 for the batch; the printed
# updated weights and the per-sample "new biases" all use η = 0.1.
# ---------------------------------------------------------------------------------------------

P2_X = [[1.0, 0.0, 1.0, 0.0],           # sample 1 (problem 2a)
        [0.0, 0.0, 10.0, 0.0]]          # sample 2 (added in 2b)
P2_TARGET = [[0.0, 1.0, 0.0],
             [0.0, 0.0, 1.0]]
P2_CLASS = [1, 2]                       # the same targets as class indices (problem 3)


def _problem2(samples=(0, 1), bias: float = 0.0):
    """Forward and backward of the tanh net on the chosen samples (rows)."""
    model = _mlp([4, 4, 3, 3], nn.Tanh, weight=0.1, bias=bias)
    x = gn.tensor([P2_X[i] for i in samples])
    outs = _forward(model, x)
    loss = nn.SquaredErrorLoss(reduction="sum")(outs[-1], gn.tensor([P2_TARGET[i] for i in samples]))
    loss.backward()
    return model, outs


def test_problem2_batch_forward_pass(assert_printed):
    _, (z1, x1, z2, x2, z3, x3) = _problem2()
    # columns = samples (.T).  z⁽¹⁾ = 0.1·Σx: 0.1·2 = 0.2 ; 0.1·10 = 1
    assert_printed(z1.T, "[[0.2, 1], [0.2, 1], [0.2, 1], [0.2, 1]]", min_decimals=6)
    # x⁽¹⁾ = tanh z⁽¹⁾
    assert_printed(x1.T, "[[0.197375, 0.761594], [0.197375, 0.761594],"
                         " [0.197375, 0.761594], [0.197375, 0.761594]]")
    # z⁽²⁾ = 4·0.1·x⁽¹⁾ = 0.0789501, 0.304638 (3 rows; the seed prints a 4th)
    assert_printed(z2.T, "[[0.0789501, 0.304638], [0.0789501, 0.304638], [0.0789501, 0.304638]]")
    # x⁽²⁾ = tanh z⁽²⁾
    assert_printed(x2.T, "[[0.0787865, 0.295551], [0.0787865, 0.295551], [0.0787865, 0.295551]]")
    # z⁽³⁾ = 3·0.1·x⁽²⁾ and x⁽³⁾ = tanh z⁽³⁾. Three exact values of problem 2 sit almost on a
    # rounding half-way point and the seed rounds them one unit off in the 7th decimal:
    # z⁽³⁾₁ = 0.023635950 (printed 0.0236359), x⁽³⁾₁ = 0.023631550 (printed 0.0236316) and
    # δ⁽³⁾₁₁ = 0.023618353 (printed 0.0236183); hence units=1 (1e-7) for those matrices.
    assert_printed(z3.T, "[[0.0236359, 0.0886653], [0.0236359, 0.0886653], [0.0236359, 0.0886653]]",
                   units=1.0)
    assert_printed(x3.T, "[[0.0236316, 0.0884337], [0.0236316, 0.0884337], [0.0236316, 0.0884337]]",
                   units=1.0)


# δ⁽³⁾ = (x⁽³⁾ − z) ∘ (1 − x⁽³⁾²), one column per sample. Exact δ⁽³⁾₁₁ = 0.02361835 rounds to
# 0.0236184 (and the seed's own new b⁽³⁾ entry −0.00236184 = −0.1·0.02361835 agrees); its δ⁽³⁾
# and ∂E/∂b⁽³⁾ matrices print 0.0236183, one unit low, hence units=1 where they are compared.
P2_DELTA3 = "[[0.0236183, 0.0877421], [-0.975823, 0.0877421], [0.0236183, -0.904437]]"
# δ⁽²⁾ = w⁽³⁾ᵀδ⁽³⁾ ∘ (1 − x⁽²⁾²): 0.1·(0.0236183 − 0.975823 + 0.0236183)·0.993793 = −0.0922822
P2_DELTA2 = "[[-0.0922822, -0.0665279], [-0.0922822, -0.0665279], [-0.0922822, -0.0665279]]"
# δ⁽¹⁾ = w⁽²⁾ᵀδ⁽²⁾ ∘ (1 − x⁽¹⁾²): 3·0.1·(−0.0922822)·0.961043 = −0.0266062
P2_DELTA1 = ("[[-0.0266062, -0.008382], [-0.0266062, -0.008382],"
             " [-0.0266062, -0.008382], [-0.0266062, -0.008382]]")


def test_problem2_batch_deltas(assert_printed):
    _, (z1, _, z2, _, z3, _) = _problem2()
    assert_printed(z3.grad.T, P2_DELTA3, units=1.0)
    assert_printed(z2.grad.T, P2_DELTA2)
    assert_printed(z1.grad.T, P2_DELTA1)


def test_problem2_batch_gradients_are_summed_over_samples(assert_printed):
    model, _ = _problem2()
    lin1, lin2, lin3 = model[0], model[2], model[4]
    # ∂E/∂w⁽³⁾ = δ⁽³⁾x⁽²⁾ᵀ = Σ over samples: 0.0236183·0.0787865 + 0.0877421·0.295551 = 0.0277931
    assert_printed(lin3.weight.grad, "[[0.0277931, 0.0277931, 0.0277931],"
                                     " [-0.0509494, -0.0509494, -0.0509494],"
                                     " [-0.265447, -0.265447, -0.265447]]")
    # ∂E/∂w⁽²⁾ = δ⁽²⁾x⁽¹⁾ᵀ = −0.0922822·0.197375 − 0.0665279·0.761594 = −0.0688815
    assert_printed(lin2.weight.grad, "[[-0.0688815, -0.0688815, -0.0688815, -0.0688815],"
                                     " [-0.0688815, -0.0688815, -0.0688815, -0.0688815],"
                                     " [-0.0688815, -0.0688815, -0.0688815, -0.0688815]]")
    # ∂E/∂w⁽¹⁾ = δ⁽¹⁾x⁽⁰⁾ᵀ: column 1 = −0.0266062·1, column 3 = −0.0266062·1 − 0.008382·10 = −0.110426
    assert_printed(lin1.weight.grad, "[[-0.0266062, 0, -0.110426, 0], [-0.0266062, 0, -0.110426, 0],"
                                     " [-0.0266062, 0, -0.110426, 0], [-0.0266062, 0, -0.110426, 0]]",
                   min_decimals=6)
    # The seed prints ∂E/∂b = δ [1 1]ᵀ as the per-sample columns of δ; the bias gradient is
    # their sum (each sum good to 1e-6 from the printed digits):
    # ∂E/∂b⁽³⁾ = [0.0236183 + 0.0877421, −0.975823 + 0.0877421, 0.0236183 − 0.904437]
    assert_printed(lin3.bias.grad, "[0.111360, -0.888081, -0.880819]", units=1.0)
    # ∂E/∂b⁽²⁾ = −0.0922822 − 0.0665279 = −0.158810
    assert_printed(lin2.bias.grad, "[-0.158810, -0.158810, -0.158810]", units=1.0)
    # ∂E/∂b⁽¹⁾ = −0.0266062 − 0.008382 = −0.034988
    assert_printed(lin1.bias.grad, "[-0.034988, -0.034988, -0.034988, -0.034988]", units=1.0)


def test_problem2_batch_sgd_step(assert_printed):
    model, _ = _problem2()
    gn.optim.SGD(model.parameters(), lr=0.1).step()
    lin1, lin2, lin3 = model[0], model[2], model[4]
    # w ← w − η ∂E/∂w with η = 0.1: 0.1 − 0.1·0.0277931 = 0.0972207, …
    assert_printed(lin3.weight, "[[0.0972207, 0.0972207, 0.0972207],"
                                " [0.105095, 0.105095, 0.105095],"
                                " [0.126545, 0.126545, 0.126545]]")
    assert_printed(lin2.weight, "[[0.106888, 0.106888, 0.106888, 0.106888],"
                                " [0.106888, 0.106888, 0.106888, 0.106888],"
                                " [0.106888, 0.106888, 0.106888, 0.106888]]")
    assert_printed(lin1.weight, "[[0.102661, 0.1, 0.111043, 0.1], [0.102661, 0.1, 0.111043, 0.1],"
                                " [0.102661, 0.1, 0.111043, 0.1], [0.102661, 0.1, 0.111043, 0.1]]",
                   min_decimals=6)
    # The seed's "new biases" are 2-column matrices b − η δ⁽ʲ⁾ (one column per sample); the
    # batch update is b − η Σⱼ δ⁽ʲ⁾, the sum of the printed columns (b starts at 0):
    # b⁽³⁾ = [−0.00236184 − 0.0087742, 0.0975823 − 0.0087742, −0.00236184 + 0.0904437]
    assert_printed(lin3.bias, "[-0.0111360, 0.0888081, 0.0880819]", units=1.0)
    # b⁽²⁾ = 0.00922822 + 0.00665279 = 0.0158810
    assert_printed(lin2.bias, "[0.0158810, 0.0158810, 0.0158810]", units=1.0)
    # b⁽¹⁾ = 0.00266062 + 0.0008382 = 0.0034988
    assert_printed(lin1.bias, "[0.0034988, 0.0034988, 0.0034988, 0.0034988]", units=1.0)


# The printed per-sample "new bias" columns b − η δ⁽ʲ⁾ (η = 0.1, b = 0).
P2_NEW_BIAS_COLUMNS = {
    3: "[[-0.00236184, -0.0087742], [0.0975823, -0.0087742], [-0.00236184, 0.0904437]]",
    2: "[[0.00922822, 0.00665279], [0.00922822, 0.00665279], [0.00922822, 0.00665279]]",
    1: "[[0.00266062, 0.0008382], [0.00266062, 0.0008382], [0.00266062, 0.0008382], "
       "[0.00266062, 0.0008382]]",
}


@pytest.mark.parametrize("sample", [0, 1])
def test_problem2_per_sample_step_gives_the_printed_new_bias_column(sample, assert_printed):
    # One SGD step (η = 0.1) on sample j alone leaves b = 0 − 0.1·δ⁽ʲ⁾: column j of the seed's
    # "new biases" matrices.
    model, _ = _problem2(samples=(sample,))
    gn.optim.SGD(model.parameters(), lr=0.1).step()
    for layer, lin in ((1, model[0]), (2, model[2]), (3, model[4])):
        column = [row[sample] for row in ast.literal_eval(P2_NEW_BIAS_COLUMNS[layer])]
        assert_printed(lin.bias, repr(column))


def test_problem2a_single_sample_sgd_step(assert_printed):
    # 2(a): the first sample alone, η = 1. Its forward and backward values are the first
    # columns of the batch matrices above.
    model, (z1, x1, z2, x2, z3, x3) = _problem2(samples=(0,))
    assert_printed(z1[0], "[0.2, 0.2, 0.2, 0.2]", min_decimals=6)
    assert_printed(x1[0], "[0.197375, 0.197375, 0.197375, 0.197375]")
    assert_printed(z2[0], "[0.0789501, 0.0789501, 0.0789501]")
    assert_printed(x2[0], "[0.0787865, 0.0787865, 0.0787865]")
    assert_printed(z3[0], "[0.0236359, 0.0236359, 0.0236359]", units=1.0)
    assert_printed(x3[0], "[0.0236316, 0.0236316, 0.0236316]", units=1.0)
    assert_printed(z3.grad[0], "[0.0236183, -0.975823, 0.0236183]", units=1.0)
    assert_printed(z2.grad[0], "[-0.0922822, -0.0922822, -0.0922822]")
    assert_printed(z1.grad[0], "[-0.0266062, -0.0266062, -0.0266062, -0.0266062]")
    gn.optim.SGD(model.parameters(), lr=1.0).step()
    lin1, lin2, lin3 = model[0], model[2], model[4]
    # The updated weights of 2(a) are not printed; from the printed columns, with η = 1
    # (good to 1e-7, hence units=1):
    # w⁽³⁾ = 0.1 − δ⁽³⁾x⁽²⁾ᵀ: 0.1 − 0.0236183·0.0787865 = 0.0981392 ; 0.1 + 0.975823·0.0787865
    assert_printed(lin3.weight, "[[0.0981392, 0.0981392, 0.0981392],"
                                " [0.1768817, 0.1768817, 0.1768817],"
                                " [0.0981392, 0.0981392, 0.0981392]]", units=1.0)
    # w⁽²⁾ = 0.1 − δ⁽²⁾x⁽¹⁾ᵀ = 0.1 + 0.0922822·0.197375 = 0.1182142
    assert_printed(lin2.weight, "[" + ", ".join(["[0.1182142, 0.1182142, 0.1182142, 0.1182142]"] * 3)
                   + "]", units=1.0)
    # w⁽¹⁾ = 0.1 + 0.0266062 where x⁽⁰⁾ᵢ = 1, else 0.1 ;  b = 0 − δ
    assert_printed(lin1.weight, "[" + ", ".join(["[0.1266062, 0.1000000, 0.1266062, 0.1000000]"] * 4)
                   + "]", units=1.0)
    assert_printed(lin3.bias, "[-0.0236183, 0.975823, -0.0236183]", units=1.0)
    assert_printed(lin2.bias, "[0.0922822, 0.0922822, 0.0922822]")
    assert_printed(lin1.bias, "[0.0266062, 0.0266062, 0.0266062, 0.0266062]")


def test_problem2_stated_biases_do_not_give_the_printed_numbers():
    # With biases 0.1 as the statement says, z⁽¹⁾ = 0.1·2 + 0.1 = 0.3, not the printed 0.2.
    _, (z1, *_) = _problem2(samples=(0,), bias=0.1)
    np.testing.assert_allclose(z1.detach().numpy(), [[0.3, 0.3, 0.3, 0.3]], atol=1e-15)


# ---------------------------------------------------------------------------------------------
# Problem 3: the same net and batch, softmax output with cross-entropy E = −Σ z log x⁽³⁾ (summed
# over the batch), η = 0.1. CrossEntropyLoss takes the logits z⁽³⁾ and fuses the softmax.
# ---------------------------------------------------------------------------------------------


def _problem3():
    model = _mlp([4, 4, 3, 3], nn.Tanh, weight=0.1, bias=0.0, last_activation=False)
    z1, x1, z2, x2, z3 = _forward(model, gn.tensor(P2_X))
    loss = nn.CrossEntropyLoss(reduction="sum")(z3, gn.tensor(P2_CLASS))
    loss.backward()
    return model, (z1, x1, z2, x2, z3)


def test_problem3_softmax_is_uniform_and_hidden_deltas_vanish(assert_printed):
    _, (z1, _, z2, _, z3) = _problem3()
    # z⁽³⁾ has equal entries in each column, so x⁽³⁾ = softmax z⁽³⁾ = 1/3 everywhere
    x3 = F.softmax(z3, dim=1)
    assert_printed(x3.T, "[[0.333333, 0.333333], [0.333333, 0.333333], [0.333333, 0.333333]]")
    # δ⁽³⁾ = x⁽³⁾ − z
    assert_printed(z3.grad.T, "[[0.333333, 0.333333], [-0.666667, 0.333333], [0.333333, -0.666667]]")
    # δ⁽²⁾ = w⁽³⁾ᵀδ⁽³⁾ ∘ (1 − x⁽²⁾²) = 0.1·(⅓ − ⅔ + ⅓)·… = 0, and so δ⁽¹⁾ = 0. (The seed prints
    # both as 2×2 zero matrices; they are 3×2 and 4×2.) Zero up to rounding of ⅓ − ⅔ + ⅓:
    np.testing.assert_allclose(z2.grad.numpy(), np.zeros((2, 3)), atol=1e-15)
    np.testing.assert_allclose(z1.grad.numpy(), np.zeros((2, 4)), atol=1e-15)


def test_problem3_gradients_and_sgd_step(assert_printed):
    model, _ = _problem3()
    lin1, lin2, lin3 = model[0], model[2], model[4]
    # ∂E/∂w⁽³⁾ = δ⁽³⁾x⁽²⁾ᵀ: ⅓·(0.0787865 + 0.295551) = 0.124779 ; −⅔·0.0787865 + ⅓·0.295551 = 0.0459927
    assert_printed(lin3.weight.grad, "[[0.124779, 0.124779, 0.124779],"
                                     " [0.0459927, 0.0459927, 0.0459927],"
                                     " [-0.170772, -0.170772, -0.170772]]")
    # ∂E/∂b⁽³⁾ = δ⁽³⁾[1 1]ᵀ: the seed prints the per-sample columns; their sum is [⅔, −⅓, −⅓]
    assert_printed(lin3.bias.grad, "[0.666667, -0.333333, -0.333333]")
    # hidden layers get no gradient at all (up to rounding)
    for lin in (lin1, lin2):
        np.testing.assert_allclose(lin.weight.grad.numpy(), 0.0, atol=1e-15)
        np.testing.assert_allclose(lin.bias.grad.numpy(), 0.0, atol=1e-15)
    gn.optim.SGD(model.parameters(), lr=0.1).step()
    # w⁽³⁾ ← 0.1 − 0.1·∂E/∂w⁽³⁾ = 0.0875221, 0.0954007, 0.117077
    assert_printed(lin3.weight, "[[0.0875221, 0.0875221, 0.0875221],"
                                " [0.0954007, 0.0954007, 0.0954007],"
                                " [0.117077, 0.117077, 0.117077]]")
    # new b⁽³⁾: the seed's per-sample columns [[−0.0333333, −0.0333333], [0.0666667, −0.0333333],
    # [−0.0333333, 0.0666667]] summed over the batch
    assert_printed(lin3.bias, "[-0.0666667, 0.0333333, 0.0333333]")
    # w⁽¹⁾, w⁽²⁾ stay 0.1 and b⁽¹⁾, b⁽²⁾ stay 0
    np.testing.assert_allclose(lin2.weight.detach().numpy(), 0.1, atol=1e-15)
    np.testing.assert_allclose(lin1.bias.detach().numpy(), 0.0, atol=1e-15)


@pytest.mark.parametrize("sample", [0, 1])
def test_problem3_per_sample_new_bias_column(sample, assert_printed):
    # one sample alone, η = 0.1: b⁽³⁾ = 0 − 0.1·δ⁽³⁾ʲ, column j of the seed's new b⁽³⁾
    model = _mlp([4, 4, 3, 3], nn.Tanh, weight=0.1, bias=0.0, last_activation=False)
    logits = model(gn.tensor([P2_X[sample]]))
    nn.CrossEntropyLoss(reduction="sum")(logits, gn.tensor([P2_CLASS[sample]])).backward()
    gn.optim.SGD(model.parameters(), lr=0.1).step()
    printed = "[[-0.0333333, -0.0333333], [0.0666667, -0.0333333], [-0.0333333, 0.0666667]]"
    assert_printed(model[4].bias, repr([row[sample] for row in ast.literal_eval(printed)]))
