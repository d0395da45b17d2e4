"""How fast is one epoch? The per-sample loop, the batched NumPy MLP and PyTorch on the CPU.

    python -m codes.bench_mlp              # 784-30-10, one MNIST epoch (50 000), batch 10 and 100
    python -m codes.bench_mlp --samples 5000 --batch-sizes 10 20 50

All three train the same network from the same initial weights on the same mini-batches
(same order) with plain SGD and the MSE loss, and the ratios come from one run.
"""

import argparse
import os
import sys
import time

# One BLAS thread, like torch below. Must be set before NumPy loads (no effect afterwards):
# with small matrices on a busy machine, extra threads only wait for each other.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from codes.mlp import MLP, minibatches  # noqa: E402
from codes.mlp_loop import train_step_loop  # noqa: E402
from codes.plotting import german_number  # noqa: E402

SIZES = (784, 30, 10)
ETA = 3.0


def sigmoid_mlp(sizes=SIZES, seed=0):
    """The sigmoid network of the chapter, with the MSE loss (as in Nielsen's network.py)."""
    return MLP([(sizes[0], None)] + [(d, "sigmoid") for d in sizes[1:]], loss="half_squared_error", seed=seed)


# ANCHOR: timers
def time_batched(x, y, batch_size, sizes=SIZES, seed=0):
    """Seconds for one epoch of ``MLP.train_step`` (whole mini-batches as matrices)."""
    model = sigmoid_mlp(sizes, seed)
    start = time.perf_counter()
    model.train_step(x, y, ETA, batch_size, rng=np.random.default_rng(seed))
    return time.perf_counter() - start


def time_loop(x, y, batch_size, sizes=SIZES, seed=0):
    """Seconds for one epoch of ``train_step_loop`` (one sample at a time)."""
    model = sigmoid_mlp(sizes, seed)
    start = time.perf_counter()
    train_step_loop(model, x, y, ETA, batch_size, rng=np.random.default_rng(seed))
    return time.perf_counter() - start
# ANCHOR_END: timers


# ANCHOR: torch
def torch_sigmoid_mlp(reference):
    """The same network in torch.nn (float32), starting from the weights of ``reference``."""
    import torch

    from codes.torch_mlp import from_numpy_mlp

    return from_numpy_mlp(reference, dtype=torch.float32)


def train_torch_epoch(model, x, y, batch_size, seed=0):
    """One epoch of plain SGD on the same mini-batches as ``MLP.train_step`` (same seed)."""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=ETA)
    for x_batch, y_batch in minibatches(x, y, batch_size, np.random.default_rng(seed)):
        optimizer.zero_grad()
        h = model(torch.from_numpy(x_batch))
        loss = 0.5 * ((h - torch.from_numpy(y_batch)) ** 2).sum(dim=1).mean()
        loss.backward()
        optimizer.step()


def time_torch(x, y, batch_size, sizes=SIZES, seed=0, threads=1):
    """Seconds for one epoch of the same model in PyTorch on the CPU."""
    import torch

    torch.set_num_threads(threads)  # tiny matrices: more threads only add synchronisation
    # Warm-up: the first steps of a process pay PyTorch's one-time set-up (seconds), not SGD.
    train_torch_epoch(torch_sigmoid_mlp(sigmoid_mlp(sizes, seed)), x[:batch_size], y[:batch_size],
                      batch_size, seed)
    model = torch_sigmoid_mlp(sigmoid_mlp(sizes, seed))
    start = time.perf_counter()
    train_torch_epoch(model, x, y, batch_size, seed)
    return time.perf_counter() - start
# ANCHOR_END: torch


def run(x, y, batch_size=10, sizes=SIZES, with_torch=True):
    """Time all variants on (x, y); returns seconds per variant and the ratios."""
    seconds = {"loop": time_loop(x, y, batch_size, sizes), "batched": time_batched(x, y, batch_size, sizes)}
    if with_torch:
        seconds["torch"] = time_torch(x, y, batch_size, sizes)
    ratios = {f"{name}/batched": t / seconds["batched"] for name, t in seconds.items() if name != "batched"}
    return seconds, ratios


LABELS = {"loop": "Schleife über Beispiele", "batched": "NumPy-MLP (Batches)",
          "torch": "PyTorch (CPU, 1 Thread)"}


def steps_per_epoch(n_samples, batch_size):
    """Mini-batches in one epoch (the last one may be short)."""
    return -(-n_samples // batch_size)


def microseconds_per_step(n_samples, batch_size, loop_seconds, batched_seconds):
    """(µs per sample in the loop, µs per mini-batch step of the batched MLP).

    Why the ratio stays near the batch size: one batched step costs about as much as one
    sample in the loop, because both pay the same fixed cost per NumPy call.
    """
    return (1e6 * loop_seconds / n_samples,
            1e6 * batched_seconds / steps_per_epoch(n_samples, batch_size))


def report(n_samples, batch_size, seconds, ratios):
    """The lines ``main`` prints for one batch size: seconds, cost per step, what the ratios mean."""
    lines = [f"Eine Epoche, {n_samples} Bilder, Netz {'-'.join(map(str, SIZES))}, "
             f"Batchgröße {batch_size} ({steps_per_epoch(n_samples, batch_size)} Schritte):"]
    for name, label in LABELS.items():
        if name in seconds:
            lines.append(f"  {label:26s} {german_number(seconds[name], '7.2f')} s")
    per_sample, per_step = microseconds_per_step(n_samples, batch_size, seconds["loop"],
                                                 seconds["batched"])
    lines.append(f"  Schleife pro Beispiel      {german_number(per_sample, '7.1f')} µs")
    lines.append(f"  NumPy-MLP pro Mini-Batch   {german_number(per_step, '7.1f')} µs")
    gain = ratios["loop/batched"]
    lines.append(f"  Batches statt Schleife: {german_number(gain, '.1f')}-mal so schnell. "
                 f"Ein Schritt mit {batch_size} Beispielen kostet so viel wie "
                 f"{german_number(per_step / per_sample, '.1f')} Beispiele in der Schleife;")
    lines.append(f"  der Gewinn bleibt deshalb unter der Batchgröße {batch_size} und wächst mit ihr.")
    if "torch/batched" in ratios:
        torch_ratio = ratios["torch/batched"]
        verdict = ("langsamer: sein fester Aufwand pro Schritt überwiegt bei diesem kleinen Netz"
                   if torch_ratio > 1 else "schneller")
        lines.append(f"  PyTorch braucht {german_number(torch_ratio, '.1f')}-mal so lange "
                     f"wie der NumPy-MLP ({verdict}).")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50_000, help="training images (max. 50 000)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[10, 100],
                        help="one epoch per batch size")
    args = parser.parse_args(argv)
    if args.samples < 1 or min(args.batch_sizes) < 1:
        parser.error("--samples und --batch-sizes müssen positive ganze Zahlen sein.")
    from codes.data import DataError
    from codes.data.mnist import load_mnist, one_hot

    try:
        data = load_mnist()
    except DataError as err:  # a clear message for the user, no traceback
        sys.exit(f"Fehler: {err}")
    x, y = data.x_train[:args.samples], one_hot(data.y_train[:args.samples]).astype(np.float32)
    for batch_size in args.batch_sizes:
        seconds, ratios = run(x, y, batch_size)
        print("\n".join(report(len(x), batch_size, seconds, ratios)))


if __name__ == "__main__":
    main()
