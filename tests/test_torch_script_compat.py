"""A typical PyTorch training script runs on glassnet by changing only its imports.

The script below is plain torch: an nn.Module subclass initialised with model.apply and
nn.init, a manual mini-batch loop with randperm, Adam, CrossEntropyLoss, dropout toggled by
train()/eval(), accuracy by argmax and by torch.max(outputs.data, 1) under no_grad, .item()
everywhere. It runs once under torch and once with the four
imports pointed at glassnet; both must train to a similar loss and accuracy.
"""
import pytest

SCRIPT = '''
import torch
import torch.nn as nn
import torch.optim as optim
import torch.nn.functional as F

torch.manual_seed(0)

# Synthetic data: 2-D points, class 1 outside the circle of radius 1.2.
N = 600
X = torch.randn(N, 2)
y = ((X ** 2).sum(dim=1) > 1.44).long()
n_train = 480
X_train, y_train = X[:n_train], y[:n_train]
X_test, y_test = X[n_train:], y[n_train:]


class MLP(nn.Module):
    def __init__(self, in_dim, hidden, n_classes, p_drop=0.1):
        super().__init__()
        self.fc1 = nn.Linear(in_dim, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.head = nn.Linear(hidden, n_classes)
        self.dropout = nn.Dropout(p_drop)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.dropout(x)
        x = torch.tanh(self.fc2(x))
        return self.head(x)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)


model = MLP(2, 32, 2)
model.apply(init_weights)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)
n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)

batch_size = 32
history = []
for epoch in range(25):
    model.train()
    perm = torch.randperm(X_train.size(0))
    running_loss = 0.0
    for i in range(0, X_train.size(0), batch_size):
        idx = perm[i:i + batch_size]
        xb, yb = X_train[idx], y_train[idx]
        optimizer.zero_grad()
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        running_loss += loss.item() * xb.size(0)
    history.append(running_loss / len(X_train))
    if epoch % 10 == 0:
        print(f"epoch {epoch:3d}  loss {history[-1]:.4f}")

model.eval()
correct = 0
with torch.no_grad():
    for i in range(0, X_test.shape[0], 50):
        outputs = model(X_test[i:i + 50])
        _, predicted = torch.max(outputs.data, 1)
        correct += (predicted == y_test[i:i + 50]).sum().item()
    batch_accuracy = correct / len(y_test)
    logits = model(X_test)
    test_loss = F.cross_entropy(logits, y_test).item()
    preds = logits.argmax(dim=1)
    accuracy = (preds == y_test).float().mean().item()
    confidence = F.softmax(logits, dim=1).max(dim=1)[0].mean().item()
print(f"test loss {test_loss:.4f}  accuracy {accuracy:.3f}")
'''

GLASSNET_IMPORTS = {
    "import torch\n": "import glassnet as torch\n",
    "import torch.nn as nn\n": "import glassnet.nn as nn\n",
    "import torch.optim as optim\n": "import glassnet.optim as optim\n",
    "import torch.nn.functional as F\n": "import glassnet.nn.functional as F\n",
}


def run(script: str) -> dict:
    namespace: dict = {"__name__": "__script__"}
    exec(compile(script, "<training script>", "exec"), namespace)
    return namespace


def as_glassnet(script: str) -> str:
    for old, new in GLASSNET_IMPORTS.items():
        assert old in script
        script = script.replace(old, new)
    assert "import torch" not in script.replace("import glassnet as torch", "")
    return script


@pytest.fixture(scope="module")
def results():
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)            # small batches: torch's thread pool only costs time
    try:
        return run(SCRIPT), run(as_glassnet(SCRIPT))
    finally:
        torch.set_num_threads(threads)


def test_the_script_runs_on_glassnet_with_only_the_imports_changed(results):
    t, g = results
    assert type(g["model"]).__module__ == "__script__"
    assert type(g["model"].fc1).__module__.startswith("glassnet.")
    assert type(g["optimizer"]).__module__.startswith("glassnet.optim")
    assert g["n_params"] == t["n_params"] == 2 * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2
    assert len(g["history"]) == len(t["history"]) == 25


def test_glassnet_trains_to_a_loss_and_accuracy_similar_to_torch(results):
    t, g = results
    # Different random streams (data, init, shuffling, dropout), same problem: both learn it.
    for r in (t, g):
        assert r["history"][-1] < 0.4 * r["history"][0]
        assert r["test_loss"] < 0.3
        assert r["accuracy"] > 0.88
        assert 0.5 < r["confidence"] <= 1.0
        assert r["batch_accuracy"] == pytest.approx(r["accuracy"], abs=1e-6)
    assert abs(g["history"][-1] - t["history"][-1]) < 0.1
    assert abs(g["test_loss"] - t["test_loss"]) < 0.15
    assert abs(g["accuracy"] - t["accuracy"]) < 0.08
