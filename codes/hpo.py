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
import datetime
import itertools
import math
import os
import time
import warnings

import numpy as np
import optuna
import sqlalchemy
import torch
from optuna.trial import TrialState
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
def search_space(kind):
    """Der eine Suchraum für Kapitel 4 (MLP) und 5 (LSTM): Name -> Optuna-Verteilung."""
    _check_kind(kind)
    dist = optuna.distributions
    space = {
        "hidden_size": dist.IntDistribution(32, 256, log=True),
        "num_layers": dist.IntDistribution(1, 3 if kind == "mlp" else 2),
        "dropout": dist.FloatDistribution(0.0, 0.5),
        "lr": dist.FloatDistribution(1e-4, 3e-2, log=True),
        "batch_size": dist.CategoricalDistribution([32, 64, 128, 256]),
    }
    if kind == "lstm":  # die Zeilen in beide Richtungen lesen kann nur das LSTM
        space["bidirectional"] = dist.CategoricalDistribution([False, True])
    return space


def suggest(trial, kind):
    """Zieht eine Konfiguration aus ``search_space(kind)``; die Werte wählt der Sampler."""
    params = {}
    for name, d in search_space(kind).items():
        if isinstance(d, optuna.distributions.IntDistribution):
            params[name] = trial.suggest_int(name, d.low, d.high, log=d.log)
        elif isinstance(d, optuna.distributions.FloatDistribution):
            params[name] = trial.suggest_float(name, d.low, d.high, log=d.log)
        else:
            params[name] = trial.suggest_categorical(name, d.choices)
    return params
# ANCHOR_END: suggest


# ANCHOR: grid_over
def grid_over(space, points):
    """Ein Gitter über ``space``: ``points[name]`` Werte je Parameter (sonst 2), Zellmitten.

    Ein Bereich [a, b] wird in so viele gleich breite Zellen geteilt (logarithmisch, wo die
    Verteilung es ist); jede Zelle liefert ihre Mitte, gerundet auf ganze Zahlen bzw. zwei
    gültige Stellen. Aus einer Auswahl werden gleichmäßig verteilte Werte genommen. So
    liegt das Gitter in demselben Raum, aus dem Random Search und TPE ziehen.
    """
    result = {}
    for name, d in space.items():
        m = points.get(name, 2)
        if isinstance(d, optuna.distributions.CategoricalDistribution):
            step = len(d.choices) / m
            result[name] = [d.choices[int((k + 0.5) * step)] for k in range(m)]
            continue
        is_int = isinstance(d, optuna.distributions.IntDistribution)
        low, high = (d.low - 0.5, d.high + 0.5) if is_int and not d.log else (d.low, d.high)
        scale = (np.log, np.exp) if d.log else (lambda v: v, lambda v: v)
        edges = np.linspace(scale[0](low), scale[0](high), m + 1)
        centres = [float(scale[1]((a + b) / 2)) for a, b in zip(edges, edges[1:], strict=False)]
        result[name] = ([int(round(c)) for c in centres] if is_int
                        else [float(f"{c:.2g}") for c in centres])
    return result
# ANCHOR_END: grid_over


# ANCHOR: build_model
def build_model(kind, params):
    """Ein frisches ``BasicMLP`` (Breiten halbieren sich je Schicht) oder ``BasicLSTM``."""
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
    """Trainiert eine Konfiguration; das Modell und seine Validierungsgenauigkeit am Ende.

    ``data`` = (x_train, y_train, x_val, y_val), für ``kind`` vorbereitet. Adam beginnt
    mit ``lr``, die entlang eines Kosinus über ``epochs`` auf 0 sinkt. Nach jeder Epoche
    wird ``report(accuracy, epoch, images, seconds)`` aufgerufen (Optuna: melden, evtl.
    abbrechen): ``images`` ist die Arbeit bisher (Epochen mal Trainingsbilder),
    ``seconds`` die Rechenzeit (``compute_seconds``), nur zur Information.
    """
    device = device or get_device(verbose=False)
    x_train, y_train, x_val, y_val = data
    set_seed(seed)  # der Seed legt Initialisierung und Reihenfolge der Mini-Batches fest
    model = build_model(kind, params).to(device)
    train_loader = make_loader(x_train, y_train, params["batch_size"], shuffle=True, seed=seed)
    val_loader = make_loader(x_val, y_val, 1024)
    optimizer = torch.optim.Adam(model.parameters(), lr=params["lr"])
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loss_fn, accuracy, start = nn.CrossEntropyLoss(), 0.0, compute_seconds(device)
    for epoch in range(1, epochs + 1):
        train_epoch(model, train_loader, loss_fn, optimizer, device)
        schedule.step()
        _, accuracy = evaluate(model, val_loader, loss_fn, device)  # im Auswertemodus
        if report is not None:
            report(accuracy, epoch, epoch * len(x_train), compute_seconds(device, start))
    return model, accuracy
# ANCHOR_END: train_and_validate


# ANCHOR: grid_by_hand
def grid_search_by_hand(space, validate):
    """Trainiert jeden Punkt des Gitters ``space`` = {Name: [Werte]}; alle Ergebnisse, das beste.

    ``validate(params)`` trainiert eine Konfiguration und gibt ihre Validierungsgenauigkeit.
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
    """Die Funktion, die Optuna je Versuch aufruft: ziehen, trainieren, je Epoche melden.

    ``seed`` ist der Seed des Trainings (Initialisierung, Reihenfolge der Mini-Batches);
    alle Versuche der Studie trainieren mit ihm und unterscheiden sich nur in den
    Hyperparametern.
    """
    def objective(trial):
        trial.set_user_attr("seed", seed)

        def report(accuracy, epoch, images, seconds):
            trial.set_user_attr("images", images)  # Arbeit bisher, auch bei Abbruch
            trial.set_user_attr("seconds", seconds)  # Rechenzeit, nur zur Information
            trial.report(accuracy, epoch)
            if trial.should_prune():  # schlechter, als der Pruner nach dieser Epoche erlaubt
                raise optuna.TrialPruned()

        _, accuracy = train_and_validate(kind, suggest(trial, kind), data, epochs=epochs,
                                         seed=seed, device=device, report=report)
        return accuracy
    return objective
# ANCHOR_END: objective


# ANCHOR: storage
def storage(url=None, heartbeat=False):
    """Wo eine Studie liegt: ``url``, sonst ``$NN_OPTUNA_STORAGE``, sonst SQLite in ``optuna.db``.

    SQLite ist eine Datei und braucht keinen Server; mit ``postgresql+psycopg://...``
    teilen sich Worker auf vielen Rechnern eine Studie. Mit ``heartbeat`` fällt ein Worker,
    der mitten im Versuch stirbt, nach wenigen Sekunden auf; sein Versuch wird als
    gescheitert vermerkt und vom nächsten Worker neu gerechnet.
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
        except sqlalchemy.exc.SQLAlchemyError:  # ein anderer Worker legt die Tabellen an
            if attempt == 2:
                raise
            time.sleep(1 + attempt)
# ANCHOR_END: storage


# ANCHOR: compare
def compare_methods(methods, objective_for_seed, *, seeds, url, budget_images=None):
    """Führt jedes Verfahren (Name -> Funktion seed -> (Sampler, Pruner)) je Seed einmal aus.

    Der Seed einer Wiederholung steuert den Sampler und über ``objective_for_seed(seed)``
    das Training; die Streuung über die Seeds enthält so auch das Rauschen des Trainings.
    Das Budget ist Arbeit: verarbeitete Trainingsbilder (Epochen mal Bilder), abgebrochene
    Versuche mit den Epochen, die sie liefen. Ohne ``budget_images`` muss das erste
    Verfahren ein volles Gitter sein; die größte Arbeit eines seiner Läufe wird das Budget
    aller anderen. Gibt {Name: [Studie je Seed]} und das Budget zurück.
    """
    studies = {}
    for name, make in methods.items():
        studies[name] = []
        for seed in seeds:
            sampler, pruner = make(seed)
            study = optuna.create_study(
                study_name=f"{name} (Seed {seed})", storage=storage(url),
                direction="maximize", sampler=sampler, pruner=pruner)
            callbacks = [] if budget_images is None else [budget_callback(budget_images)]
            # Eine divergierende Konfiguration (FloatingPointError bei NaN) wird als
            # gescheiterter Versuch vermerkt, und die Studie läuft weiter.
            study.optimize(objective_for_seed(seed), callbacks=callbacks,
                           catch=(FloatingPointError,))
            studies[name].append(study)
        if budget_images is None:  # das Gitter lief gerade: es legt das Budget fest
            budget_images = max(spent_images(study) for study in studies[name])
    return studies, budget_images
# ANCHOR_END: compare


def budget_callback(budget_images):
    """Stop a study once its trials together have processed ``budget_images`` training images."""
    def callback(study, trial):
        if spent_images(study) >= budget_images:
            study.stop()
    return callback


def _finished(study):
    return [t for t in study.trials if t.state.is_finished()]


def spent_images(study):
    """Work of all finished trials: training images processed (pruned ones: until pruned)."""
    return sum(t.user_attrs.get("images", 0) for t in _finished(study))


def spent_seconds(study):
    """Compute time of all finished trials, for information only: it depends on the machine."""
    return sum(t.user_attrs.get("seconds", 0.0) for t in _finished(study))


def best_curve(study, budget_images=math.inf):
    """Cumulative work (images) and best accuracy so far after each trial within the budget."""
    images, best, rows = 0, 0.0, []
    for trial in _finished(study):
        images += trial.user_attrs.get("images", 0)
        if images > budget_images:
            break
        if trial.state == optuna.trial.TrialState.COMPLETE:
            best = max(best, trial.value)
        rows.append((images, best))
    return np.array(rows, dtype=float).reshape(-1, 2)


def count_states(study, budget_images=math.inf):
    """Trials within the budget: (all, pruned)."""
    states = [t.state for t in _finished(study)]
    n = len(best_curve(study, budget_images))
    return n, sum(s == optuna.trial.TrialState.PRUNED for s in states[:n])


def distinct_runs(trials):
    """The completed trials among ``trials``, each training run once.

    A run is its parameters and its training seed: TPE with and without pruning start
    with the same trials (same sampler seed, same training seed), and they are one run.
    """
    seen, runs = set(), []
    for trial in trials:
        key = (tuple(sorted(trial.params.items())), trial.user_attrs.get("seed"))
        if trial.state == TrialState.COMPLETE and key not in seen:
            seen.add(key)
            runs.append(trial)
    return runs


def worker_seed(base_seed, worker, start=0):
    """The sampler seed of worker number ``worker``: its own, derived from ``base_seed``.

    Workers with the same seed would draw the same configurations; ``SeedSequence`` gives
    every (base seed, worker) pair an independent, reproducible seed. ``start`` (the
    number of trials the study already has) makes a restarted worker draw new ones.
    """
    if worker < 0:
        raise ValueError(f"Die Nummer des Workers muss >= 0 sein, erhalten: {worker}.")
    return int(np.random.SeedSequence([base_seed, worker, start]).generate_state(1)[0])


class SurplusTrial(Exception):
    """A trial started after the study already had all its trials (two workers raced)."""


def enough_trials(study, n_trials, below=None, poll_seconds=0.5):
    """Whether the study has ``n_trials`` finished trials (of those numbered below ``below``).

    Running trials may still finish or fail; while they could change the answer, wait
    for them (not for waiting ones: this worker may be the one to run them next). A
    running trial counts only while it is younger than 10 s plus
    twice the longest finished trial: older, its worker is taken to be dead (a worker
    killed before its first heartbeat leaves a trial that no heartbeat check will fail).
    """
    while True:
        optuna.storages.fail_stale_trials(study)
        trials = [t for t in study.get_trials(deepcopy=False)
                  if below is None or t.number < below]
        finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
        longest = max(((t.datetime_complete - t.datetime_start).total_seconds()
                       for t in finished if t.datetime_start and t.datetime_complete),
                      default=0.0)
        now = datetime.datetime.now()
        pending = sum(t.state == TrialState.RUNNING and t.datetime_start is not None
                      and (now - t.datetime_start).total_seconds() < 10 + 2 * longest
                      for t in trials)  # a waiting trial is run by the next free worker
        if len(finished) >= n_trials or len(finished) + pending < n_trials:
            return len(finished) >= n_trials
        time.sleep(poll_seconds)


# ANCHOR: worker
def run_worker(study_name, *, n_trials, kind="mlp", sampler="tpe", n_train=2000, n_val=1000,
               epochs=2, seed=0, worker=0, url=None):
    """Ein Worker: tritt der Studie bei (oder legt sie an) und rechnet, bis sie ``n_trials`` hat.

    Beliebig viele Worker dürfen gleichzeitig auf einer Datenbank laufen, jeder mit seiner
    Nummer ``worker``: Sie bestimmt den Seed des Samplers (``worker_seed``), also zieht
    kein Worker dieselben Konfigurationen wie ein anderer. Gezählt werden die fertigen
    Versuche aller Worker; ein Worker hört auf, sobald es ``n_trials`` sind, und wartet
    dazu auf laufende Versuche, die das noch entscheiden. Ein Versuch, der trotzdem zu
    viel beginnt (zwei Worker gleichzeitig), wird aufgegeben und als gescheitert vermerkt.
    Trainiert wird in jedem Worker mit ``seed``; es gilt Optunas Median-Pruner.
    """
    from codes.data.mnist import load_mnist  # nur der Worker liest MNIST selbst

    one_cpu_thread_without_gpu()
    mnist = load_mnist()
    data = (prepare(kind, mnist.x_train[:n_train]), mnist.y_train[:n_train],
            prepare(kind, mnist.x_val[:n_val]), mnist.y_val[:n_val])
    samplers = {"tpe": optuna.samplers.TPESampler, "random": optuna.samplers.RandomSampler}
    if sampler not in samplers:
        raise ValueError(f"Unbekannter Sampler {sampler!r}; erlaubt sind {sorted(samplers)}.")
    study = optuna.create_study(study_name=study_name, direction="maximize",
                                storage=storage(url, heartbeat=True), load_if_exists=True)
    # eigener Seed je Worker, ein neuer nach einem Neustart: keine Konfiguration doppelt
    study.sampler = samplers[sampler](seed=worker_seed(seed, worker, len(study.trials)))
    train = make_objective(kind, data, epochs=epochs, seed=seed)

    def objective(trial):
        if enough_trials(study, n_trials, below=trial.number):  # zwei Worker zugleich
            study.stop()
            raise SurplusTrial(f"Die Studie hat schon {n_trials} Versuche.")
        return train(trial)

    def stop_when_enough(study, trial):
        if enough_trials(study, n_trials):
            study.stop()

    study.optimize(objective, callbacks=[stop_when_enough],
                   catch=(FloatingPointError, SurplusTrial))
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
    parser.add_argument("--seed", type=int, default=0, help="Seed des Trainings und Basis "
                        "der Sampler-Seeds")
    parser.add_argument("--worker", type=int, default=0, help="Nummer dieses Workers "
                        "(0, 1, 2, ...): jeder Worker zieht mit seinem eigenen Seed")
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = run_worker(args.study, n_trials=args.trials, kind=args.kind, sampler=args.sampler,
                       n_train=args.n_train, epochs=args.epochs, seed=args.seed,
                       worker=args.worker)
    print(f"Studie {args.study}: {len(study.trials)} Versuche, "
          f"beste Validierungsgenauigkeit {100 * study.best_value:.1f} %".replace(".", ","))


if __name__ == "__main__":
    main()
