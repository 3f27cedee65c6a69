"""MNIST-1D: the paper's table (logistic regression 32 %, MLP 68 %, CNN 94 % test accuracy)
reproduced with glassnet and with PyTorch in the same run (CPU, float32, 2 threads).

    python benchmarks/mnist1d.py                      # 3 seeds × 6,000 steps: the table
    python benchmarks/mnist1d.py --steps 500 --seeds 0 --models cnn     # a quick look

The reference setup (Greydanus, "Scaling down deep learning", 2020; github.com/greydanus/mnist1d,
``notebooks/models.py`` and ``train.py`` with the paper's settings hidden_size 100 and
total_steps 6000), followed here exactly:

  data      ``mnist1d.data.make_dataset()`` with its default arguments (seed 42): 4,000 training
            and 1,000 test signals of length 40, 10 classes. Generated locally (pip install
            mnist1d); nothing is downloaded.
  models    logistic regression  Linear(40, 10)
            MLP                  h = relu(Linear(40, 100) x);  h = h + relu(Linear(100, 100) h);
                                 Linear(100, 10) h        (the reference MLP is residual)
            CNN                  x as (N, 1, 40) → Conv1d(1, 25, 5, stride 2, padding 1) → ReLU →
                                 Conv1d(25, 25, 3, s2, p1) → ReLU → Conv1d(25, 25, 3, s2, p1) →
                                 ReLU → flatten (25·5 = 125) → Linear(125, 10)
            each framework's default initialisation, seeded with the run's seed.
  training  Adam, lr 1e-2, weight decay 0; cross-entropy; batch 100 taken in order
            (rows step·100 mod 4000 …, no shuffling); steps 0 … 6000 (6,001 updates); test
            accuracy every 250 steps. The table gives the accuracy after the last step (mean ±
            standard deviation over the seeds) and the wall time of the whole training loop,
            evaluations included (median over the seeds). The two frameworks train side by side,
            taking turns every 250 steps after an untimed warm-up, so that load from other
            processes on the machine falls on both alike.

The very same model classes and training loop run on both frameworks: only the module passed
as ``lib`` (glassnet or torch) differs.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

THREADS = 2
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)          # NumPy's BLAS threads: set before importing numpy
# Both frameworks share one process and 2 cores: NumPy's OpenBLAS workers would otherwise spin
# for ~2^28 cycles (~0.1 s) after each matrix product, taking a core from PyTorch's next steps
# (it made PyTorch look up to 5× slower here). 2^4 cycles: they go to sleep at once.
os.environ["OPENBLAS_THREAD_TIMEOUT"] = "4"

# This file is named like the mnist1d package: keep its folder off the path so that
# ``import mnist1d`` finds the package, not this script.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import numpy as np  # noqa: E402

PAPER = {"logistic regression": 32, "MLP": 68, "CNN": 94}
KEYS = {"linear": "logistic regression", "mlp": "MLP", "cnn": "CNN"}


def model_classes(lib) -> dict:
    """The reference's three models, written once for either framework."""
    nn = lib.nn

    class LinearBase(nn.Module):
        def __init__(self, input_size=40, output_size=10):
            super().__init__()
            self.linear = nn.Linear(input_size, output_size)

        def forward(self, x):
            return self.linear(x)

    class MLPBase(nn.Module):
        def __init__(self, input_size=40, output_size=10, hidden_size=100):
            super().__init__()
            self.linear1 = nn.Linear(input_size, hidden_size)
            self.linear2 = nn.Linear(hidden_size, hidden_size)
            self.linear3 = nn.Linear(hidden_size, output_size)

        def forward(self, x):
            h = self.linear1(x).relu()
            h = h + self.linear2(h).relu()
            return self.linear3(h)

    class ConvBase(nn.Module):
        def __init__(self, output_size=10, channels=25, linear_in=125):
            super().__init__()
            self.conv1 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
            self.conv2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
            self.conv3 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
            self.linear = nn.Linear(linear_in, output_size)

        def forward(self, x):
            x = x.view(-1, 1, x.shape[-1])                  # (N, 40) → (N, 1, 40)
            h1 = self.conv1(x).relu()                       # (N, 25, 19)
            h2 = self.conv2(h1).relu()                      # (N, 25, 10)
            h3 = self.conv3(h2).relu()                      # (N, 25, 5)
            h3 = h3.view(h3.shape[0], -1)                   # (N, 125)
            return self.linear(h3)

    return {"logistic regression": LinearBase, "MLP": MLPBase, "CNN": ConvBase}


def accuracy(lib, model, x, y: np.ndarray) -> float:
    with lib.no_grad():
        return 100.0 * float((model(x).argmax(-1).numpy() == y).mean())


class Run:
    """The reference's train_model, resumable: ``advance(n)`` does the next n steps (and the
    evaluations among them) and adds their wall time to ``seconds``, so two runs can take
    turns and a slow spell of a shared machine falls on both alike."""

    def __init__(self, lib, model, data: dict, steps: int, batch: int = 100, lr: float = 1e-2,
                 eval_every: int = 250) -> None:
        self.lib, self.model, self.data = lib, model, data
        self.steps, self.batch, self.eval_every = steps, batch, eval_every
        self.x, self.y = lib.from_numpy(data["x"]), lib.from_numpy(data["y"])
        self.x_test = lib.from_numpy(data["x_test"])
        self.criterion = lib.nn.CrossEntropyLoss()
        self.optimizer = lib.optim.Adam(model.parameters(), lr, weight_decay=0)
        self.step, self.seconds, self.curve = 0, 0.0, []

    @property
    def done(self) -> bool:
        return self.step > self.steps                        # steps 0 … steps, as the reference

    def advance(self, n: int) -> None:
        lib, model, b = self.lib, self.model, self.batch
        t0 = time.perf_counter()
        for step in range(self.step, min(self.step + n, self.steps + 1)):
            bix = (step * b) % len(self.data["y"])
            loss = self.criterion(model(self.x[bix:bix + b]), self.y[bix:bix + b])
            loss.item()                                      # the reference logs every loss
            loss.backward()
            self.optimizer.step()
            self.optimizer.zero_grad()
            if self.eval_every > 0 and step % self.eval_every == 0:
                self.curve.append(accuracy(lib, model, self.x_test, self.data["y_test"]))
            self.step = step + 1
        self.seconds += time.perf_counter() - t0

    def final_accuracy(self) -> float:
        if self.eval_every > 0 and self.steps % self.eval_every == 0:
            return self.curve[-1]
        return accuracy(self.lib, self.model, self.x_test, self.data["y_test"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6000, help="training steps (default 6000)")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    parser.add_argument("--models", default="linear,mlp,cnn",
                        help="comma-separated subset of linear, mlp, cnn (default: all)")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    names = [KEYS[m.strip().lower()] for m in args.models.split(",") if m.strip()]

    import torch
    from mnist1d.data import make_dataset

    import glassnet as gn
    torch.set_num_threads(THREADS)

    raw = make_dataset()                                     # default arguments
    data = {"x": raw["x"].astype(np.float32), "x_test": raw["x_test"].astype(np.float32),
            "y": raw["y"].astype(np.int64), "y_test": raw["y_test"].astype(np.int64)}
    print(f"MNIST-1D: {len(data['y']):,} train / {len(data['y_test']):,} test, length "
          f"{data['x'].shape[1]}; Adam lr 1e-2, batch 100, {args.steps:,} steps, seeds {seeds}; "
          f"glassnet {gn.__version__}, torch {torch.__version__}, numpy {np.__version__}, CPU, "
          f"float32, {THREADS} threads\n")
    libs = {"glassnet": (gn, model_classes(gn)), "PyTorch": (torch, model_classes(torch))}
    for lib, classes in libs.values():                     # warm-up: first-call costs untimed
        for name in names:
            Run(lib, classes[name]().float(), data, 20, eval_every=0).advance(21)
    results = {name: {"glassnet": [], "PyTorch": []} for name in names}
    for name in names:
        for seed in seeds:
            runs = {}
            for fw, (lib, classes) in libs.items():
                lib.manual_seed(seed)
                model = classes[name]()
                if lib is gn:
                    model.float()
                runs[fw] = Run(lib, model, data, args.steps)
            while not all(r.done for r in runs.values()):   # take turns, 250 steps each
                for r in runs.values():
                    r.advance(250)
            for fw, r in runs.items():
                acc = r.final_accuracy()
                results[name][fw].append((acc, r.seconds))
                print(f"  {name:<19} seed {seed}  {fw:<8}  test accuracy {acc:5.1f} %  "
                      f"{r.seconds:6.1f} s", flush=True)

    def acc_cell(runs):
        accs = [a for a, _ in runs]
        sd = f" ± {statistics.stdev(accs):.1f}" if len(accs) > 1 else ""
        return f"{statistics.mean(accs):.1f}{sd}"

    print()
    print("| model | paper | glassnet test acc. (%) | PyTorch test acc. (%) | glassnet time (s) "
          "| PyTorch time (s) | speed-up |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in names:
        g, t = results[name]["glassnet"], results[name]["PyTorch"]
        tg, tt = statistics.median(s for _, s in g), statistics.median(s for _, s in t)
        print(f"| {name} | {PAPER[name]} | {acc_cell(g)} | {acc_cell(t)} | {tg:.1f} | {tt:.1f} | "
              f"{tt / tg:.2f} × |")
    print(f"\naccuracy: mean ± std over {len(seeds)} seed(s); time: the whole training loop of "
          f"one run, median over the seeds; speed-up = PyTorch time ÷ glassnet time")


if __name__ == "__main__":
    main()
