"""Training throughput and peak memory of two small CNNs: glassnet vs PyTorch (CPU, float32,
2 threads), same run.

    python benchmarks/cnn.py                 # throughput, time per phase, memory: Markdown tables
    python benchmarks/cnn.py --quick         # fewer repetitions
    python benchmarks/cnn.py --profile       # also glassnet's cProfile, heaviest functions first

The nets (Adam, lr 1e-3, cross-entropy, random data of the right shape):

  MNIST-1D CNN, batch 100: (N, 1, 40) → Conv1d(1, 25, 5, s2, p1) → ReLU → Conv1d(25, 25, 3, s2, p1)
      → ReLU → Conv1d(25, 25, 3, s2, p1) → ReLU → Flatten → Linear(125, 10)  (the MNIST-1D paper's)
  LeNet-style, batch 64: (N, 1, 28, 28) → Conv2d(1, 6, 5, p2) → ReLU → MaxPool2d(2) → Conv2d(6, 16, 5)
      → ReLU → MaxPool2d(2) → Flatten → Linear(400, 120) → ReLU → Linear(120, 84) → ReLU
      → Linear(84, 10)

Throughput: samples per second of whole training steps (zero_grad, forward, loss, backward,
optimizer step); the best of several timed passes, the two frameworks interleaved so that load
from other processes falls on both alike. Both start from the same weights and must give the
same loss after a step before anything is timed. The ratio is glassnet ÷ PyTorch (above 1:
glassnet is faster).

Memory: each framework trains each net in a fresh subprocess that imports only that framework.
After import, data and model construction the subprocess resets the kernel's high-water mark of
its resident set size (Linux: writing 5 to /proc/self/clear_refs resets VmHWM to VmRSS), trains
for two passes and reads VmHWM again. "Peak RSS" is that high-water mark (MiB); "training adds"
is VmHWM − VmRSS at the reset: the memory the training steps themselves took (activations,
gradients, optimizer state, workspace, allocator caches). For glassnet, a third subprocess
runs the same training under tracemalloc: the peak of the NumPy arrays allocated from the
first step on and alive at once (recycled scratch arrays included). NumPy reports its
allocations to tracemalloc; PyTorch's CPU allocator does not, so it has no such column. Not
getrusage's ru_maxrss: it survives exec, so a subprocess would inherit its parent's peak.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

THREADS = 2
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)          # NumPy's BLAS threads: set before importing numpy
# Both frameworks share one process and 2 cores: NumPy's OpenBLAS workers would otherwise spin
# for ~2^28 cycles (~0.1 s) after each matrix product, taking a core from PyTorch's next steps
# (it made PyTorch look up to 5× slower here). 2^4 cycles: they go to sleep at once.
os.environ["OPENBLAS_THREAD_TIMEOUT"] = "4"

import numpy as np  # noqa: E402

NETS = {  # name: (input shape of one sample, batch size, steps per timed pass)
    "MNIST-1D CNN": ((1, 40), 100, 60),
    "LeNet-style CNN": ((1, 28, 28), 64, 20),
}


def build(lib, net: str):
    nn = lib.nn
    if net == "MNIST-1D CNN":
        return nn.Sequential(
            nn.Conv1d(1, 25, 5, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(125, 10))
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def data(net: str, steps: int):
    shape, batch, _ = NETS[net]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((steps * batch,) + shape, dtype=np.float32)
    y = rng.integers(0, 10, steps * batch)
    return [(x[i:i + batch], y[i:i + batch]) for i in range(0, steps * batch, batch)]


class Trainer:
    """One framework training one net; ``phases`` times forward+loss / backward / optimizer."""

    def __init__(self, lib, net: str, batches, state=None) -> None:
        self.lib = lib
        self.model = build(lib, net)
        if state is not None:                        # start from the given weights
            self.model.load_state_dict({k: lib.from_numpy(v.copy()) for k, v in state.items()})
        if lib.__name__ == "glassnet":
            self.model.float()
        self.opt = lib.optim.Adam(self.model.parameters(), lr=1e-3)
        self.loss_fn = lib.nn.CrossEntropyLoss()
        self.batches = [(lib.from_numpy(x), lib.from_numpy(y)) for x, y in batches]

    def state(self) -> dict:
        return {k: v.detach().numpy().copy() for k, v in self.model.state_dict().items()}

    def step(self, x, y) -> float:
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def run(self) -> float:
        for x, y in self.batches:
            loss = self.step(x, y)
        return loss

    def phases(self) -> tuple[float, float, float]:
        """Seconds in forward + loss, backward, and the optimizer step over one pass."""
        f = b = o = 0.0
        for x, y in self.batches:
            self.opt.zero_grad()
            t0 = time.perf_counter()
            loss = self.loss_fn(self.model(x), y)
            t1 = time.perf_counter()
            loss.backward()
            t2 = time.perf_counter()
            self.opt.step()
            t3 = time.perf_counter()
            f, b, o = f + t1 - t0, b + t2 - t1, o + t3 - t2
        return f, b, o


def throughput(net: str, repeats: int):
    import torch

    import glassnet as gn
    torch.set_num_threads(THREADS)
    _, batch, steps = NETS[net]
    batches = data(net, steps)
    torch.manual_seed(0)
    t = Trainer(torch, net, batches)
    g = Trainer(gn, net, batches, state=t.state())
    # the same weights and the same batch must give the same loss, before anything is timed
    x, y = batches[0]
    lg, lt = g.step(gn.from_numpy(x), gn.from_numpy(y)), t.step(torch.from_numpy(x),
                                                                 torch.from_numpy(y))
    if abs(lg - lt) > 1e-4 * max(1.0, abs(lt)):
        raise SystemExit(f"{net}: glassnet's loss {lg} differs from PyTorch's {lt}")
    g.run(), t.run()                                 # warm-up
    best = {"glassnet": float("inf"), "PyTorch": float("inf")}
    phases = {"glassnet": [float("inf")] * 3, "PyTorch": [float("inf")] * 3}
    for _ in range(repeats):
        for name, trainer in (("glassnet", g), ("PyTorch", t)):
            t0 = time.perf_counter()
            trainer.run()
            best[name] = min(best[name], time.perf_counter() - t0)
            phases[name] = [min(a, b) for a, b in zip(phases[name], trainer.phases())]
    n = steps * batch
    return {k: n / v for k, v in best.items()}, {k: [1e3 * s / steps for s in v]
                                                  for k, v in phases.items()}, g


def memory_child(framework: str, net: str, steps: int, what: str) -> None:
    """Runs in a subprocess: train ``net`` and print the memory figure ``what`` (rss: the
    resident set; numpy: tracemalloc's count, which slows NumPy down, so it gets its own
    process) as JSON."""
    import tracemalloc
    if framework == "glassnet":
        import glassnet as lib
    else:
        import torch as lib
        lib.set_num_threads(THREADS)
    batches = data(net, steps)
    trainer = Trainer(lib, net, batches)
    if what == "numpy":
        # everything NumPy allocates from the first training step on, at its peak: activations,
        # gradients, optimizer state and the convolutions' recycled scratch arrays
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        trainer.run()
        trainer.run()
        print(json.dumps({"numpy_peak_mib": (tracemalloc.get_traced_memory()[1] - base) / 2 ** 20}))
        return
    with open("/proc/self/clear_refs", "w") as f:            # VmHWM := VmRSS
        f.write("5")
    before = _proc_status("VmRSS")
    trainer.run()
    trainer.run()
    peak = _proc_status("VmHWM")
    print(json.dumps({"peak_rss_mib": peak / 1024, "training_adds_mib": (peak - before) / 1024}))


def _proc_status(field: str) -> int:
    """A kB figure of /proc/self/status (VmRSS: resident now, VmHWM: its high-water mark)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def memory(framework: str, net: str, steps: int = 20) -> dict:
    result = {}
    for what in ("rss", "numpy") if framework == "glassnet" else ("rss",):
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--memory-child",
                              framework, net, str(steps), what],
                             capture_output=True, text=True, check=True)
        result.update(json.loads(out.stdout.strip().splitlines()[-1]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--profile", action="store_true",
                        help="print glassnet's heaviest functions (cProfile) for each net")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory table")
    parser.add_argument("--memory-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        framework, net, steps, what = args.memory_child
        memory_child(framework, net, int(steps), what)
        return
    import torch

    import glassnet as gn
    repeats = 3 if args.quick else 9
    print(f"glassnet {gn.__version__}, torch {torch.__version__}, numpy {np.__version__}; CPU, "
          f"float32, {THREADS} threads (torch and BLAS); best of {repeats} interleaved passes\n")
    print("| net | batch | glassnet samples/s | PyTorch samples/s | ratio |")
    print("|---|---:|---:|---:|---:|")
    rows, trainers = [], {}
    for net, (_, batch, _) in NETS.items():
        speed, phases, trainers[net] = throughput(net, repeats)
        rows.append((net, phases))
        print(f"| {net} | {batch} | {speed['glassnet']:,.0f} | {speed['PyTorch']:,.0f} | "
              f"{speed['glassnet'] / speed['PyTorch']:.2f} × |", flush=True)

    print("\nTime per training step (ms, best pass):\n")
    print("| net | framework | forward + loss | backward | optimizer |")
    print("|---|---|---:|---:|---:|")
    for net, phases in rows:
        for name, (f, b, o) in phases.items():
            print(f"| {net} | {name} | {f:.3f} | {b:.3f} | {o:.3f} |")

    if not args.no_memory:
        print("\nMemory (each framework in its own subprocess; see the docstring):\n")
        print("| net | framework | peak RSS (MiB) | training adds (MiB) | NumPy arrays at their peak (MiB) |")
        print("|---|---|---:|---:|---:|")
        for net in NETS:
            for framework, name in (("glassnet", "glassnet"), ("torch", "PyTorch")):
                m = memory(framework, net)
                numpy_peak = m.get("numpy_peak_mib")
                print(f"| {net} | {name} | {m['peak_rss_mib']:.0f} | {m['training_adds_mib']:.1f} | "
                      f"{'—' if numpy_peak is None else f'{numpy_peak:.1f}'} |", flush=True)

    if args.profile:
        import cProfile
        import pstats
        for net, trainer in trainers.items():
            print(f"\nglassnet, {net}: where a pass of {NETS[net][2]} steps spends its time")
            prof = cProfile.Profile()
            prof.runcall(trainer.run)
            pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
