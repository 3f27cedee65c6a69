"""Differential tests: random MLPs in float64 with identical weights in glassnet and torch.

For each random architecture (depth, widths, activation, bias, dropout that is the
identity) the outputs, every loss under every reduction, every parameter's gradient and
the input's gradient must agree to 1e-12; so must the parameters after three optimizer
steps of SGD (momentum, nesterov, dampening, weight decay) and Adam / AdamW (amsgrad,
weight decay).
"""
import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn as nn
import glassnet.optim as gn_optim

from ._helpers import assert_close, copy_weights

TOL = 1e-12
ACTIVATIONS = ["ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Identity"]
SEEDS = range(12)


def random_spec(seed: int) -> dict:
    """Depth 1–4 Linear layers of width 1–8; activation i + seed cycles through all five."""
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 5))
    return dict(
        widths=[int(w) for w in rng.integers(1, 9, size=depth + 1)],
        bias=[bool(b) for b in rng.integers(0, 2, size=depth)],
        acts=[ACTIVATIONS[(seed + i) % len(ACTIVATIONS)] for i in range(depth)],
        slope=float(rng.uniform(0.01, 0.3)),
        dropout=["none", "p0", "eval"][seed % 3],   # Dropout(p=0) in training, or Dropout(0.5) in eval
        final_act=bool(rng.integers(0, 2)),       # an activation after the last layer too
        n=int(rng.integers(1, 7)),
    )


def build(spec: dict, mod):
    layers = []
    depth = len(spec["bias"])
    for i in range(depth):
        layers.append(mod.Linear(spec["widths"][i], spec["widths"][i + 1], bias=spec["bias"][i]))
        if i < depth - 1 or spec["final_act"]:
            name = spec["acts"][i]
            layers.append(mod.LeakyReLU(spec["slope"]) if name == "LeakyReLU" else getattr(mod, name)())
        if spec["dropout"] != "none" and i < depth - 1:
            layers.append(mod.Dropout(0.0 if spec["dropout"] == "p0" else 0.5))
    model = mod.Sequential(*layers)
    if spec["dropout"] == "eval":
        model.eval()
    return model


def pair(seed: int):
    spec = random_spec(seed)
    gn.manual_seed(seed)
    g = build(spec, nn)
    t = build(spec, torch.nn).double()
    copy_weights(g, t)
    x = np.random.default_rng(seed + 1000).normal(size=(spec["n"], spec["widths"][0]))
    return spec, g, t, x


def loss_cases(out_width: int, n: int, rng):
    """(name, glassnet loss, torch loss, glassnet target, torch target, output transform)
    for every loss and reduction, on an output of shape (n, out_width)."""
    classes = rng.integers(0, out_width, size=n)
    soft = rng.uniform(size=(n, out_width))
    signs = np.where(rng.uniform(size=(n, out_width)) > 0.5, 1.0, -1.0)
    probs = rng.dirichlet(np.ones(out_width), size=n)
    weight = rng.uniform(0.5, 2.0, size=out_width)

    def torch_squared_error(reduction):
        def loss(a, y):
            per = (a - y) ** 2 / 2
            return per.mean() if reduction == "mean" else per.sum() if reduction == "sum" else per
        return loss

    def torch_hinge(reduction):
        def loss(a, y):
            per = torch.clamp(1 - y * a, min=0)
            return per.mean() if reduction == "mean" else per.sum() if reduction == "sum" else per
        return loss

    for r in ("mean", "sum", "none"):
        yield (f"MSELoss({r})", nn.MSELoss(reduction=r), torch.nn.MSELoss(reduction=r), soft, None)
        yield (f"SquaredErrorLoss({r})", nn.SquaredErrorLoss(reduction=r), torch_squared_error(r), soft, None)
        yield (f"HingeLoss({r})", nn.HingeLoss(reduction=r), torch_hinge(r), signs, None)
        yield (f"CrossEntropyLoss({r})", nn.CrossEntropyLoss(reduction=r),
               torch.nn.CrossEntropyLoss(reduction=r), classes, None)
        yield (f"CrossEntropyLoss({r}, weight, smoothing)",
               nn.CrossEntropyLoss(weight=gn.tensor(weight), label_smoothing=0.1, reduction=r),
               torch.nn.CrossEntropyLoss(weight=torch.tensor(weight), label_smoothing=0.1, reduction=r),
               classes, None)
        yield (f"CrossEntropyLoss({r}, probabilities)", nn.CrossEntropyLoss(reduction=r),
               torch.nn.CrossEntropyLoss(reduction=r), probs, None)
        yield (f"NLLLoss({r})", nn.NLLLoss(reduction=r), torch.nn.NLLLoss(reduction=r), classes,
               "log_softmax")
        yield (f"BCELoss({r})", nn.BCELoss(reduction=r), torch.nn.BCELoss(reduction=r), soft, "sigmoid")
        yield (f"BCEWithLogitsLoss({r})", nn.BCEWithLogitsLoss(reduction=r, pos_weight=gn.tensor(weight)),
               torch.nn.BCEWithLogitsLoss(reduction=r, pos_weight=torch.tensor(weight)), soft, None)


def _transform(out, how, lib):
    if how == "log_softmax":
        return lib.log_softmax(out, dim=1)
    if how == "sigmoid":
        return lib.sigmoid(out)
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_forward_matches_torch(seed):
    spec, g, t, x = pair(seed)
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert repr(g) == repr(t)
    assert_close(g(gn.tensor(x)), t(torch.tensor(x)), TOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_loss_and_every_gradient_matches_torch(seed):
    spec, g, t, x = pair(seed)
    rng = np.random.default_rng(seed + 2000)
    for name, loss_g, loss_t, target, how in loss_cases(spec["widths"][-1], spec["n"], rng):
        g.zero_grad()
        t.zero_grad()
        xg, xt = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        lg = loss_g(_transform(g(xg), how, gn), gn.tensor(target))
        lt = loss_t(_transform(t(xt), how, torch), torch.tensor(target))
        assert_close(lg, lt, TOL)
        up = rng.normal(size=lt.shape)                        # ∂L/∂loss, for reduction 'none'
        lg.backward(gn.tensor(up))
        lt.backward(torch.tensor(up))
        for (pname, pg), (_, pt) in zip(g.named_parameters(), t.named_parameters()):
            assert pt.grad is not None
            np.testing.assert_allclose(pg.grad.numpy(), pt.grad.numpy(), rtol=TOL, atol=TOL,
                                       err_msg=f"{name}: ∂L/∂{pname}")
        np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=TOL, atol=TOL,
                                   err_msg=f"{name}: ∂L/∂x")


def test_the_random_specs_cover_every_activation_bias_and_dropout_mode():
    specs = [random_spec(s) for s in SEEDS]
    used = {a for s in specs for a in s["acts"][:len(s["bias"]) - 1 + s["final_act"]]}
    assert used == set(ACTIVATIONS)
    assert {b for s in specs for b in s["bias"]} == {True, False}
    assert {s["dropout"] for s in specs} == {"none", "p0", "eval"}
    assert max(len(s["bias"]) for s in specs) == 4


# ------------------------------------------------------------------ optimizers

OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.5)),
    ("SGD", dict(lr=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.02, amsgrad=True, weight_decay=0.05)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
]


@pytest.mark.parametrize("seed", [4, 7])
@pytest.mark.parametrize("name,options", OPTIMIZERS,
                         ids=[f"{n}({', '.join(f'{k}={v}' for k, v in o.items())})" for n, o in OPTIMIZERS])
def test_parameters_after_three_steps_match_torch(name, options, seed):
    spec, g, t, x = pair(seed)
    rng = np.random.default_rng(seed)
    y = rng.normal(size=(spec["n"], spec["widths"][-1]))
    opt_g = getattr(gn_optim, name)(g.parameters(), **options)
    opt_t = getattr(torch.optim, name)(t.parameters(), foreach=False, **options)
    for step in range(3):
        for model, opt, lib in ((g, opt_g, gn), (t, opt_t, torch)):
            opt.zero_grad()
            loss = (model(lib.tensor(x)) - lib.tensor(y)).pow(2).mean() if lib is torch else \
                nn.MSELoss()(model(gn.tensor(x)), gn.tensor(y))
            loss.backward()
            opt.step()
        for (pname, pg), (_, pt) in zip(g.named_parameters(), t.named_parameters()):
            np.testing.assert_allclose(pg.detach().numpy(), pt.detach().numpy(), rtol=TOL, atol=TOL,
                                       err_msg=f"step {step + 1}: {pname}")


@pytest.mark.parametrize("name,options", [("SGD", dict(lr=0.5, momentum=0.9)),
                                          ("Adam", dict(lr=0.05, amsgrad=True))])
def test_training_a_classifier_tracks_torch_step_by_step(name, options):
    """Ten full-batch steps of a ReLU classifier with CrossEntropyLoss: the losses agree."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 2))
    labels = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    gn.manual_seed(0)
    g = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))
    t = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8),
                            torch.nn.Tanh(), torch.nn.Linear(8, 2)).double()
    copy_weights(g, t)
    opt_g = getattr(gn_optim, name)(g.parameters(), **options)
    opt_t = getattr(torch.optim, name)(t.parameters(), foreach=False, **options)
    losses_g, losses_t = [], []
    for _ in range(10):
        for model, opt, lib, losses in ((g, opt_g, gn, losses_g), (t, opt_t, torch, losses_t)):
            crit = nn.CrossEntropyLoss() if lib is gn else torch.nn.CrossEntropyLoss()
            opt.zero_grad()
            loss = crit(model(lib.tensor(x)), lib.tensor(labels))
            loss.backward()
            opt.step()
            losses.append(loss.item())
    np.testing.assert_allclose(losses_g, losses_t, rtol=1e-10)
    assert losses_g[-1] < losses_g[0]
