"""Hyperparameter search for chapter 6: one objective, a grid written by hand, and Optuna.

The only search code of the book is ``grid_search_by_hand`` (a loop over the Cartesian
product). Everything else - sampling, pruning, storage, resuming, several workers - is
Optuna's (Akiba et al., 2019). This module holds what a study needs around it: the
search spaces of chapters 4 (``BasicMLP``) and 5 (``BasicLSTM``), the training of one
configuration with a report per epoch, the storage (SQLite unless ``NN_OPTUNA_STORAGE``
names another database), and a worker that several processes or machines can run on
one study::

    NN_OPTUNA_STORAGE=postgresql+psycopg://user:password@host/db python -m codes.hpo --study s1
"""

import argparse
import itertools
import math
import os
import time
import warnings

import numpy as np
import optuna
import sqlalchemy
import torch
from torch import nn

from codes.lstm import BasicLSTM
from codes.sequences import mnist_as_sequences
from codes.torch_mlp import BasicMLP
from codes.training import (
    evaluate,
    get_device,
    make_loader,
    one_cpu_thread_without_gpu,
    set_seed,
    train_epoch,
)

KINDS = ("mlp", "lstm")
STORAGE_VARIABLE = "NN_OPTUNA_STORAGE"
DEFAULT_STORAGE = "sqlite:///optuna.db"
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


# ANCHOR: suggest
def suggest(trial, kind):
    """Draw one configuration; the search space of chapters 4 (MLP) and 5 (LSTM)."""
    params = {
        "hidden_size": trial.suggest_int("hidden_size", 32, 256, log=True),
        "num_layers": trial.suggest_int("num_layers", 1, 3 if kind == "mlp" else 2),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "lr": trial.suggest_float("lr", 1e-4, 3e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128, 256]),
    }
    if kind == "lstm":  # reading the rows in both directions only exists for the LSTM
        params["bidirectional"] = trial.suggest_categorical("bidirectional", [False, True])
    return params
# ANCHOR_END: suggest


# ANCHOR: build_model
def build_model(kind, params):
    """A fresh ``BasicMLP`` (widths halve layer by layer) or ``BasicLSTM`` for ``params``."""
    _check_kind(kind)
    if kind == "mlp":
        widths = [max(params["hidden_size"] // 2**k, 1) for k in range(params["num_layers"])]
        return BasicMLP(784, widths, 10, dropout=params["dropout"])
    return BasicLSTM(28, params["hidden_size"], params["num_layers"], 10,
                     dropout=params["dropout"], bidirectional=params["bidirectional"])
# ANCHOR_END: build_model


def _check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"Unbekanntes Modell kind={kind!r}; erlaubt sind {KINDS}.")


def prepare(kind, images):
    """MNIST rows of 784 pixels as the model reads them: flat (MLP) or 28 rows of 28 (LSTM)."""
    _check_kind(kind)
    return np.asarray(images, dtype=np.float32) if kind == "mlp" else mnist_as_sequences(images)


def compute_seconds(device, start=None):
    """A clock for the cost of training: CPU time of this process without a GPU, else wall time.

    CPU time does not grow when other programs share the processor, so budgets stay
    comparable on a busy machine; with a GPU the work is not on the CPU, so we wait for
    the GPU and take the wall time.
    """
    if device.type == "cuda":
        torch.cuda.synchronize()
        now = time.perf_counter()
    else:
        now = time.process_time()
    return now if start is None else now - start


# ANCHOR: train_and_validate
def train_and_validate(kind, params, data, *, epochs, seed=0, device=None, report=None):
    """Train one configuration; the trained model and its best validation accuracy.

    ``data`` = (x_train, y_train, x_val, y_val), already prepared for ``kind``. Adam starts
    at ``lr`` and decays it along a cosine to 0 over ``epochs``. After every epoch
    ``report(accuracy, epoch, seconds)`` is called (Optuna: report and maybe prune);
    ``seconds`` is the compute time so far (``compute_seconds``).
    """
    device = device or get_device(verbose=False)
    x_train, y_train, x_val, y_val = data
    set_seed(seed)  # every configuration starts from the same random state
    model = build_model(kind, params).to(device)
    train_loader = make_loader(x_train, y_train, params["batch_size"], shuffle=True, seed=seed)
    val_loader = make_loader(x_val, y_val, 1024)
    optimizer = torch.optim.Adam(model.parameters(), lr=params["lr"])
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loss_fn, best, start = nn.CrossEntropyLoss(), 0.0, compute_seconds(device)
    for epoch in range(1, epochs + 1):
        train_epoch(model, train_loader, loss_fn, optimizer, device)
        schedule.step()
        _, accuracy = evaluate(model, val_loader, loss_fn, device)
        best = max(best, accuracy)
        if report is not None:
            report(accuracy, epoch, compute_seconds(device, start))
    return model, best
# ANCHOR_END: train_and_validate


# ANCHOR: grid_by_hand
def grid_search_by_hand(space, validate):
    """Train every point of the grid ``space`` = {name: [values]}; all results and the best.

    ``validate(params)`` trains one configuration and returns its validation accuracy.
    """
    results = []
    for values in itertools.product(*space.values()):  # |C_1| * ... * |C_k| points
        params = dict(zip(space, values, strict=True))
        results.append({**params, "val_acc": validate(params)})
    return results, max(results, key=lambda row: row["val_acc"])
# ANCHOR_END: grid_by_hand


def grid(space):
    """All points of a grid {name: [values]} as a list of dicts (sheet 6's self-check)."""
    return [dict(zip(space, values, strict=True)) for values in itertools.product(*space.values())]


# ANCHOR: objective
def make_objective(kind, data, *, epochs, seed=0, device=None):
    """The function Optuna calls per trial: draw, train with a report per epoch, validate."""
    def objective(trial):
        def report(accuracy, epoch, seconds):
            trial.set_user_attr("seconds", seconds)  # compute time, also for pruned trials
            trial.report(accuracy, epoch)
            if trial.should_prune():  # worse than the pruner's rule allows at this epoch
                raise optuna.TrialPruned()

        _, accuracy = train_and_validate(kind, suggest(trial, kind), data, epochs=epochs,
                                         seed=seed, device=device, report=report)
        return accuracy
    return objective
# ANCHOR_END: objective


# ANCHOR: storage
def storage(url=None, heartbeat=False):
    """Where a study lives: ``url``, else ``$NN_OPTUNA_STORAGE``, else SQLite in ``optuna.db``.

    SQLite is one file and needs no server; ``postgresql+psycopg://...`` lets workers on
    many machines share a study. With ``heartbeat`` a worker that dies mid-trial is noticed
    after a few seconds, its trial marked as failed and run again by the next worker.
    """
    url = url or os.environ.get(STORAGE_VARIABLE) or DEFAULT_STORAGE
    if not url.startswith(("sqlite:", "postgresql", "mysql")):
        raise ValueError(f"Unbekannte Datenbank-URL {url!r}: erwartet wird z. B. "
                         "'sqlite:///optuna.db' oder 'postgresql+psycopg://user@host/db'.")
    options = {}
    if heartbeat:
        options = {"heartbeat_interval": 1, "grace_period": 3,
                   "heartbeat_stale_trial_callback":
                       optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=3)}
    for attempt in range(3):
        try:
            return optuna.storages.RDBStorage(url, **options)
        except sqlalchemy.exc.SQLAlchemyError:  # another worker is creating the tables
            if attempt == 2:
                raise
            time.sleep(1 + attempt)
# ANCHOR_END: storage


# ANCHOR: compare
def compare_methods(methods, objective, *, seeds, url, budget_seconds=None):
    """Run every method (name -> function seed -> (sampler, pruner)) once per seed.

    The first method must be a full grid: it runs to its end, and the most compute time
    one of its runs used becomes the budget of all others (unless ``budget_seconds``).
    Returns {name: [study per seed]} and the budget.
    """
    studies = {}
    for name, make in methods.items():
        studies[name] = []
        for seed in seeds:
            sampler, pruner = make(seed)
            study = optuna.create_study(
                study_name=f"{name} (Seed {seed})", storage=storage(url),
                direction="maximize", sampler=sampler, pruner=pruner)
            callbacks = [] if budget_seconds is None else [budget_callback(budget_seconds)]
            # A diverging configuration (fit raises FloatingPointError on NaN) is recorded
            # as a failed trial, and the study goes on.
            study.optimize(objective, callbacks=callbacks, catch=(FloatingPointError,))
            studies[name].append(study)
        if budget_seconds is None:  # the grid just ran: it sets the budget
            budget_seconds = max(spent_seconds(study) for study in studies[name])
    return studies, budget_seconds
# ANCHOR_END: compare


def budget_callback(budget_seconds):
    """Stop a study once its trials together have used ``budget_seconds`` of compute time."""
    def callback(study, trial):
        if spent_seconds(study) >= budget_seconds:
            study.stop()
    return callback


def spent_seconds(study):
    """Compute time of all finished trials (pruned ones count with what they used)."""
    return sum(t.user_attrs.get("seconds", 0.0) for t in study.trials if t.state.is_finished())


def best_curve(study, budget_seconds=math.inf):
    """Cumulative compute seconds and best accuracy so far after each trial within the budget."""
    seconds, best, rows = 0.0, 0.0, []
    for trial in study.trials:
        if not trial.state.is_finished():
            continue
        seconds += trial.user_attrs.get("seconds", 0.0)
        if seconds > budget_seconds:
            break
        if trial.state == optuna.trial.TrialState.COMPLETE:
            best = max(best, trial.value)
        rows.append((seconds, best))
    return np.array(rows).reshape(-1, 2)


def count_states(study, budget_seconds=math.inf):
    """Trials within the budget: (all, pruned)."""
    states = [t.state for t in study.trials if t.state.is_finished()]
    n = len(best_curve(study, budget_seconds))
    return n, sum(s == optuna.trial.TrialState.PRUNED for s in states[:n])


# ANCHOR: worker
def run_worker(study_name, *, n_trials, kind="mlp", sampler="tpe", n_train=2000, n_val=1000,
               epochs=2, seed=0, url=None):
    """One worker: join (or create) the study and run trials until it has ``n_trials``.

    Any number of workers may run this at the same time on one storage; the count of
    finished trials is shared, so together they stop at ``n_trials`` (a trial that another
    worker is still running then finishes too). Optuna's default pruner (median) applies.
    """
    from codes.data.mnist import load_mnist  # only the worker reads MNIST itself

    one_cpu_thread_without_gpu()
    mnist = load_mnist()
    data = (prepare(kind, mnist.x_train[:n_train]), mnist.y_train[:n_train],
            prepare(kind, mnist.x_val[:n_val]), mnist.y_val[:n_val])
    samplers = {"tpe": optuna.samplers.TPESampler, "random": optuna.samplers.RandomSampler}
    if sampler not in samplers:
        raise ValueError(f"Unbekannter Sampler {sampler!r}; erlaubt sind {sorted(samplers)}.")
    study = optuna.create_study(
        study_name=study_name, storage=storage(url, heartbeat=True),
        direction="maximize", sampler=samplers[sampler](seed=seed), load_if_exists=True)
    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    study.optimize(make_objective(kind, data, epochs=epochs, seed=seed),
                   callbacks=[optuna.study.MaxTrialsCallback(n_trials, states=finished)],
                   catch=(FloatingPointError,))
    return study
# ANCHOR_END: worker


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Ein Optuna-Worker für Kapitel 6; die Datenbank kommt aus "
                    f"${STORAGE_VARIABLE} (sonst {DEFAULT_STORAGE}).")
    parser.add_argument("--study", required=True, help="Name der Studie")
    parser.add_argument("--trials", type=int, default=20, help="Versuche insgesamt")
    parser.add_argument("--kind", choices=KINDS, default="mlp")
    parser.add_argument("--sampler", choices=("tpe", "random"), default="tpe")
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = run_worker(args.study, n_trials=args.trials, kind=args.kind, sampler=args.sampler,
                       n_train=args.n_train, epochs=args.epochs)
    print(f"Studie {args.study}: {len(study.trials)} Versuche, "
          f"beste Validierungsgenauigkeit {100 * study.best_value:.1f} %".replace(".", ","))


if __name__ == "__main__":
    main()
