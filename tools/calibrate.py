"""Calibration run: a fixed reference workload that says how fast this machine is.

    python -m tools.calibrate                     # prints the seconds
    python -m tools.calibrate --json _build/calibration.json

One epoch of the NumPy MLP (codes/mlp.py) and one epoch of the PyTorch LSTM
(codes/lstm.py, BasicLSTM), each on one thread, on a fixed slice of MNIST. The book's
notebook times and budgets are written as multiples of the sum of both ("× Kalibrierung"),
so that they carry over between machines: a page that needs 20 calibrations needs about
20 times as long as this run, on a fast laptop as on a slow one.

Each workload runs ``REPEATS`` times; the shortest run counts (other programs on the
machine only ever make a run longer).
"""

import os

# One BLAS thread, like the notebooks (set before NumPy loads; no effect afterwards).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from codes.plotting import german_number  # noqa: E402

MLP_IMAGES = 30_000      # NumPy MLP 784-100-10, batch size 10: 3 000 SGD steps
MLP_BATCH = 10
LSTM_IMAGES = 6_000      # BasicLSTM, MNIST row by row (28 steps of 28 pixels), batch 50
LSTM_BATCH = 50
LSTM_HIDDEN = 64
REPEATS = 2
FILE_NAME = "calibration.json"


def numpy_mlp_epoch(x, y):
    """Seconds for one epoch of the NumPy MLP 784-100-10 (sigmoid, softmax, cross-entropy)."""
    from codes.mlp import MLP

    model = MLP([(784, None), (100, "sigmoid"), (10, "softmax")], loss="cross_entropy", seed=0)
    start = time.perf_counter()
    model.train_step(x, y, 0.5, MLP_BATCH, rng=np.random.default_rng(0))
    return time.perf_counter() - start


def torch_lstm_epoch(x, labels):
    """Seconds for one epoch of BasicLSTM (one layer, 64 units) with Adam on one thread."""
    import torch

    from codes.lstm import BasicLSTM
    from codes.sequences import cpu_settings_for_small_rnns, mnist_as_sequences
    from codes.training import make_loader, set_seed, train_epoch

    cpu_settings_for_small_rnns()  # one thread, subnormals flushed, as in chapter 5
    set_seed(0)
    model = BasicLSTM(28, LSTM_HIDDEN)
    loader = make_loader(mnist_as_sequences(x), labels, LSTM_BATCH, shuffle=True, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    device = torch.device("cpu")
    start = time.perf_counter()
    train_epoch(model, loader, torch.nn.CrossEntropyLoss(), optimizer, device)
    return time.perf_counter() - start


def calibrate(repeats=REPEATS):
    """Run the reference workload; returns a dict with the seconds (and where it ran)."""
    from codes.data.mnist import load_mnist, one_hot

    data = load_mnist()
    x_mlp = data.x_train[:MLP_IMAGES]
    y_mlp = one_hot(data.y_train[:MLP_IMAGES]).astype(np.float32)
    x_lstm, y_lstm = data.x_train[:LSTM_IMAGES], data.y_train[:LSTM_IMAGES].astype(np.int64)
    torch_lstm_epoch(x_lstm[:LSTM_BATCH], y_lstm[:LSTM_BATCH])  # PyTorch's one-time set-up
    mlp = min(numpy_mlp_epoch(x_mlp, y_mlp) for _ in range(repeats))
    lstm = min(torch_lstm_epoch(x_lstm, y_lstm) for _ in range(repeats))
    return {
        "seconds": mlp + lstm,
        "numpy_mlp_seconds": mlp,
        "torch_lstm_seconds": lstm,
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def cpu_name():
    """The processor's model name from /proc/cpuinfo (Linux), else what platform reports."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe(result):
    """The lines printed for a calibration result."""
    return [
        f"Kalibrierung: {german_number(result['seconds'])} s "
        f"(NumPy-MLP-Epoche {german_number(result['numpy_mlp_seconds'])} s, "
        f"PyTorch-LSTM-Epoche {german_number(result['torch_lstm_seconds'])} s; je 1 Thread)",
        f"  Prozessor: {result.get('cpu', '?')}, {result.get('cores', '?')} logische Kerne",
    ]


def load(build_dir="_build"):
    """The stored calibration of the build in ``build_dir`` (a dict), or None."""
    path = Path(build_dir) / FILE_NAME
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def save(result, build_dir="_build"):
    path = Path(build_dir) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the result to this file (JSON)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per workload")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats muss mindestens 1 sein.")
    from codes.data import DataError

    try:
        result = calibrate(args.repeats)
    except DataError as err:
        sys.exit(f"Fehler: {err}")
    print("\n".join(describe(result)))
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
