"""Train a small MLP on two interleaved spirals with glassnet, the way one would in PyTorch.

    python examples/quickstart.py
"""
import numpy as np

import glassnet as gn
from glassnet import nn, optim


def spirals(n_per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy spirals in the plane: (2n, 2) points and their 0/1 labels."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.random(n_per_class)) * 3 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * np.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(0, 0.02, (2 * n_per_class, 2))
    y = np.repeat([0, 1], n_per_class)
    return x, y


def main() -> None:
    gn.manual_seed(0)
    x_np, y_np = spirals(500)
    perm = np.random.default_rng(1).permutation(len(y_np))
    x, y = gn.tensor(x_np[perm]), gn.tensor(y_np[perm])
    x_train, y_train, x_test, y_test = x[:800], y[:800], x[800:], y[800:]

    model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    print(model)

    for epoch in range(1, 301):
        optimizer.zero_grad()
        loss = loss_fn(model(x_train), y_train)
        loss.backward()
        optimizer.step()
        if epoch % 50 == 0:
            with gn.no_grad():
                accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
            print(f"epoch {epoch:3d}  loss {loss.item():.4f}  test accuracy {accuracy:.1%}")


if __name__ == "__main__":
    main()
