"""A second plain-torch script, full of the idioms course exercises use around the model —
device selection, .to(device), device= on creation, BatchNorm1d / LayerNorm / GELU / SiLU,
HuberLoss, gradient clipping, parameters_to_vector, seeding CUDA and cuDNN — runs on glassnet
with only its imports changed, and learns the same regression as under torch."""
import pytest

from tests.test_torch_script_compat import as_glassnet, run

SCRIPT = '''
import torch
import torch.nn as nn
import torch.optim as optim
import torch.nn.functional as F

torch.manual_seed(0)
torch.cuda.manual_seed_all(0)
torch.backends.cudnn.deterministic = True
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

N = 320
X = torch.randn(N, 2, device=device)
y = (torch.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2).unsqueeze(1)
y = y + 0.05 * torch.randn(N, 1, device=device)
X, y = X.to(device), y.to(device)
n_train = 256

model = nn.Sequential(
    nn.Linear(2, 32), nn.BatchNorm1d(32), nn.GELU(),
    nn.Linear(32, 32), nn.LayerNorm(32), nn.SiLU(),
    nn.Linear(32, 1),
).to(device)
criterion = nn.HuberLoss(delta=1.0)
optimizer = optim.Adam(model.parameters(), lr=0.005)
n_weights = torch.nn.utils.parameters_to_vector(model.parameters()).numel()

history, clipped_norms = [], []
for epoch in range(30):
    model.train()
    perm = torch.randperm(n_train)
    total = 0.0
    for i in range(0, n_train, 32):
        idx = perm[i:i + 32]
        optimizer.zero_grad()
        loss = criterion(model(X[idx]), y[idx])
        loss.backward()
        clipped_norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item())
        optimizer.step()
        total += loss.item() * len(idx)
    history.append(total / n_train)

model.eval()
with torch.no_grad():
    pred = model(X[n_train:])
    test_mse = F.mse_loss(pred, y[n_train:]).item()
    test_l1 = F.l1_loss(pred, y[n_train:]).item()
    baseline = F.mse_loss(y[n_train:].mean().expand_as(y[n_train:]), y[n_train:]).item()
running_mean_norm = model[1].running_mean.norm().item()
batches = int(model[1].num_batches_tracked.item())
'''


@pytest.fixture(scope="module")
def results():
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return run(SCRIPT), run(as_glassnet(SCRIPT))
    finally:
        torch.set_num_threads(threads)


def test_the_idioms_run_on_glassnet(results):
    t, g = results
    assert str(g["device"]) == str(t["device"]) == "cpu"
    assert g["n_weights"] == t["n_weights"] == 2 * 32 + 32 + 2 * 32 + 32 * 32 + 32 + 2 * 32 + 32 + 1
    assert g["batches"] == t["batches"] == 30 * 8
    assert len(g["clipped_norms"]) == len(t["clipped_norms"]) == 240


def test_glassnet_learns_the_regression_like_torch(results):
    t, g = results
    # different random streams, the same problem: both learn it (test MSE ≈ 3–20 % of the
    # variance over seeds 0–3 in either library)
    for r in (t, g):
        assert r["history"][-1] < 0.6 * r["history"][0]
        assert r["test_mse"] < 0.35 * r["baseline"]
        assert r["running_mean_norm"] > 0
    assert abs(g["test_mse"] / g["baseline"] - t["test_mse"] / t["baseline"]) < 0.25
