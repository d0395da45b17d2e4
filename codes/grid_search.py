"""Grid search and random search over hyperparameters, with one tidy table of results.

A search *space* maps each hyperparameter to its choices, e.g.
``{"hidden_size": [32, 64], "num_layers": [1, 2], "lr": [1e-3, 3e-3]}``. The grid is
the Cartesian product of the lists, so a full grid costs

    number of runs = |choices_1| * |choices_2| * ... * |choices_k|.

Names in ``TRAINING_PARAMS`` (``lr``, ``batch_size``, ``epochs``) configure the training
step; every other name is passed to the model factory ``make_model(**model_params)``.
Fixed model arguments go into the factory (``functools.partial(BasicMLP, input_size=784,
num_classes=10)``), fixed training settings into the space as one-element lists.

Every run is seeded with the same ``seed``, so runs differ only by their hyperparameters
and a run gives the same numbers no matter in which order (or after which resume) it
runs. A run that raises is recorded with status ``"failed"`` and the search goes on.
With ``results_file`` every finished run is saved at once (JSON lines, rewritten
atomically), and a repeated call skips the runs that already succeeded.
"""

import inspect
import itertools
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from codes.files import atomic_path
from codes.training import count_parameters, fit, make_loader, set_seed

# Training settings used when the space does not name them.
TRAINING_DEFAULTS = {"lr": 1e-3, "batch_size": 64, "epochs": 3}
TRAINING_PARAMS = tuple(TRAINING_DEFAULTS)
# Columns every run record has besides its parameters and the metrics of train_fn.
RECORD_COLUMNS = ("n_params", "seconds", "seed", "status", "error")
EVAL_BATCH_SIZE = 1024
METRIC_LABELS = {"val_acc": "Validierungsgenauigkeit (%)", "val_loss": "Validierungsverlust"}


# ANCHOR: distributions
@dataclass(frozen=True)
class Uniform:
    """A value drawn uniformly from [low, high] (random search only), e.g. dropout."""

    low: float
    high: float

    def __post_init__(self):
        if not self.low < self.high:
            raise ValueError(
                f"Uniform braucht low < high, nicht {self.low} und {self.high}.")

    def __call__(self, rng):
        return _round(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class LogUniform(Uniform):
    """log(value) uniform in [log low, log high]: each power of ten equally likely."""

    def __post_init__(self):
        super().__post_init__()
        if self.low <= 0:
            raise ValueError(f"LogUniform braucht low > 0, nicht {self.low}.")

    def __call__(self, rng):
        return _round(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))
# ANCHOR_END: distributions


def _round(value):
    """Two significant digits: readable in tables, exact in the results file."""
    return float(f"{value:.2g}")


# ANCHOR: grid
def grid(space):
    """All combinations of the choices in order: the Cartesian product of the lists."""
    _check_space(space, allow_distributions=False)
    names = list(space)
    return [dict(zip(names, values, strict=True))
            for values in itertools.product(*space.values())]


def grid_size(space):
    """Number of runs of the full grid: the product of the numbers of choices."""
    _check_space(space, allow_distributions=False)
    return math.prod(len(choices) for choices in space.values())
# ANCHOR_END: grid


# ANCHOR: sample
def sample(space, n_runs, seed=0):
    """``n_runs`` distinct combinations, every parameter drawn independently.

    A list gives each of its choices with equal probability; a distribution
    (``Uniform``, ``LogUniform``) a fresh value each time. The draw is fixed by ``seed``.
    """
    _check_space(space, allow_distributions=True)
    n_runs = int(n_runs)
    if n_runs < 1:
        raise ValueError(f"n_runs muss mindestens 1 sein, nicht {n_runs}.")
    discrete = all(isinstance(choices, list | tuple) for choices in space.values())
    if discrete and n_runs > grid_size(space):
        raise ValueError(f"n_runs={n_runs} ist größer als das ganze Gitter "
                         f"({grid_size(space)} Kombinationen); nehmen Sie grid_search.")
    rng = np.random.default_rng(seed)
    drawn = {}
    for _ in range(1000 * n_runs):  # duplicates are drawn again
        params = {name: _draw(choices, rng) for name, choices in space.items()}
        drawn.setdefault(run_key(params), params)
        if len(drawn) == n_runs:
            return list(drawn.values())
    raise ValueError(f"Es ließen sich keine {n_runs} verschiedenen Kombinationen ziehen.")


def _draw(choices, rng):
    if callable(choices):
        return choices(rng)
    return choices[rng.integers(len(choices))]
# ANCHOR_END: sample


def _check_space(space, allow_distributions):
    """The space must map names to non-empty lists of distinct, JSON-storable values."""
    if not isinstance(space, dict) or not space:
        raise ValueError("Der Suchraum muss ein nicht leeres dict {Name: [Werte, ...]} sein.")
    for name, choices in space.items():
        if not isinstance(name, str) or name in RECORD_COLUMNS:
            raise ValueError(f"Ungültiger Parametername {name!r}: erwartet wird ein str, der "
                             f"keine der Spalten {RECORD_COLUMNS} ist.")
        if isinstance(choices, Uniform):
            if allow_distributions:
                continue
            raise ValueError(f"{name}: Eine Verteilung ({choices}) geht nur mit random_search; "
                             "für grid_search geben Sie eine Liste von Werten an.")
        if not isinstance(choices, list | tuple) or not choices:
            raise ValueError(f"{name}: erwartet wird eine nicht leere Liste von Werten, "
                             f"nicht {choices!r}.")
        keys = [run_key({name: value}) for value in choices]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{name}: Die Werte {choices!r} enthalten Doppelte.")


def run_key(params):
    """The identity of a run: its parameters as canonical JSON (same text after a reload)."""
    try:
        return json.dumps(params, sort_keys=True, default=_plain)
    except TypeError as error:
        raise ValueError(f"Parameterwerte müssen Zahlen, Texte, bool, None oder Listen davon "
                         f"sein: {params!r}") from error


def _plain(value):
    """NumPy scalars (np.int64, np.float32, ...) as the Python numbers they hold."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} ist nicht als JSON speicherbar")


def split_params(params):
    """(model parameters, training parameters) of one combination."""
    model_params = {k: v for k, v in params.items() if k not in TRAINING_PARAMS}
    train_params = {k: v for k, v in params.items() if k in TRAINING_PARAMS}
    return model_params, train_params


def check_factory(make_model, names):
    """Every non-training name must be an argument of ``make_model``; else a clear error."""
    try:
        signature = inspect.signature(make_model)
    except (TypeError, ValueError):  # some builtins have no signature: nothing to check
        return
    arguments = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in arguments):
        return
    accepted = {p.name for p in arguments
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    unknown = [name for name in names if name not in TRAINING_PARAMS and name not in accepted]
    if unknown:
        raise ValueError(f"Die Modellfabrik kennt die Parameter {unknown} nicht. Sie akzeptiert "
                         f"{sorted(accepted)}; Trainingsparameter sind {list(TRAINING_PARAMS)}.")


# ANCHOR: train_fn
def train_and_validate(model, data, *, seed, device=None, lr=TRAINING_DEFAULTS["lr"],
                       batch_size=TRAINING_DEFAULTS["batch_size"],
                       epochs=TRAINING_DEFAULTS["epochs"]):
    """The default training step: ``fit`` on the training data, best-epoch scores.

    ``data = (x_train, y_train, x_val, y_val)``. Returns the validation accuracy and
    loss of the epoch with the lowest validation loss, and that epoch (from 1).
    """
    x_train, y_train, x_val, y_val = data
    train_loader = make_loader(x_train, y_train, batch_size, shuffle=True, seed=seed)
    val_loader = make_loader(x_val, y_val, EVAL_BATCH_SIZE)
    history = fit(model, train_loader, val_loader, epochs=epochs, lr=lr, device=device,
                  progress=False)
    best = history.best_epoch
    return {"val_acc": history.val_acc[best - 1],
            "val_loss": history.val_loss[best - 1], "best_epoch": best}
# ANCHOR_END: train_fn


# ANCHOR: run_one
def run_one(make_model, params, data, train_fn, seed, device=None):
    """Seed, build, train and time one combination; an exception marks it failed."""
    model_params, train_params = split_params(params)
    record, start = {**params, "seed": seed}, time.perf_counter()
    try:
        set_seed(seed)  # same seed for all runs: they differ only by hyperparameters
        model = make_model(**model_params)
        n_params = count_parameters(model)
        metrics = train_fn(model, data, seed=seed, device=device, **train_params)
    except Exception as error:  # one bad combination must not end the whole search
        return {**record, "n_params": math.nan, "seconds": time.perf_counter() - start,
                "status": "failed", "error": f"{type(error).__name__}: {error}"}
    return {**record, **metrics, "n_params": n_params,
            "seconds": time.perf_counter() - start, "status": "ok", "error": ""}
# ANCHOR_END: run_one


# ANCHOR: run_search
def run_search(make_model, combinations, data, *, train_fn=None, seed=0,
               results_file=None, device=None, progress=True):
    """Run every combination once and return one row per combination.

    With ``results_file`` the runs that already succeeded there are taken over instead
    of trained again, and every new run is saved as soon as it finishes.
    """
    if not combinations:
        raise ValueError("Es gibt keine Kombination zu trainieren (leere Liste).")
    train_fn = train_fn or train_and_validate
    names = list(combinations[0])
    check_factory(make_model, names)
    saved = {} if results_file is None else load_results(results_file, names)
    records, reused = dict(saved), 0
    shown = _varying(combinations) or names  # progress lines name what differs
    for number, params in enumerate(combinations, 1):
        key = run_key(params)
        if saved.get(key, {}).get("status") == "ok":
            reused += 1
            continue
        records[key] = run_one(make_model, params, data, train_fn, seed, device)
        if results_file is not None:
            save_results(results_file, records.values())
        if progress:
            line = progress_line(number, len(combinations), params, records[key], shown)
            print(line, flush=True)
    if progress and reused:
        name = Path(results_file).name
        print(f"{reused} von {len(combinations)} Läufen aus {name} übernommen.")
    return results_frame([records[run_key(params)] for params in combinations], names)
# ANCHOR_END: run_search


# ANCHOR: search
def grid_search(make_model, space, data, **options):
    """Train every combination of ``grid(space)``; options as in ``run_search``."""
    return run_search(make_model, grid(space), data, **options)


def random_search(make_model, space, data, *, n_runs, seed=0, **options):
    """Train ``n_runs`` combinations drawn by ``sample(space, n_runs, seed)``."""
    combinations = sample(space, n_runs, seed)
    return run_search(make_model, combinations, data, seed=seed, **options)
# ANCHOR_END: search


def _varying(combinations):
    """Names whose value is not the same in all combinations."""
    return [name for name in combinations[0]
            if len({run_key({name: params[name]}) for params in combinations}) > 1]


def progress_line(number, total, params, record, names=None):
    """E.g. '[3/12] hidden_size=64, lr=0.001 … Validierung 97.1 % (4.2 s)'."""
    names = list(params) if names is None else names
    shown = ", ".join(f"{name}={_show(params[name])}" for name in names)
    if record["status"] != "ok":
        outcome = f"fehlgeschlagen: {record['error']}"
    elif "val_acc" in record:
        outcome = f"Validierung {100 * record['val_acc']:.1f} %"
    else:
        outcome = f"Validierungsverlust {record.get('val_loss', math.nan):.4f}"
    return f"[{number}/{total}] {shown} … {outcome} ({record['seconds']:.1f} s)"


def _show(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


# ANCHOR: results_file
def save_results(path, records):
    """Write all records as JSON lines, atomically: a crash leaves the old file intact."""
    path = Path(path)
    with atomic_path(path) as temporary:
        lines = (json.dumps(record, default=_plain) for record in records)
        temporary.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def load_results(path, names):
    """Records saved by an earlier search with parameters ``names``, keyed by ``run_key``."""
    path = Path(path)
    if not path.exists():
        return {}
    records = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"Die Ergebnisdatei {path} ist beschädigt: Zeile {number} ist kein "
                             f"gültiges JSON ({error.msg}). Löschen Sie die Datei, um die Suche "
                             "neu zu beginnen.") from None
        missing = [name for name in [*names, "status"] if not isinstance(record, dict)
                   or name not in record]
        if missing:
            raise ValueError(f"Die Ergebnisdatei {path} passt nicht zu dieser Suche: Zeile "
                             f"{number} fehlen die Felder {missing}. Nehmen Sie eine andere "
                             "Datei oder löschen Sie diese.")
        records[run_key({name: record[name] for name in names})] = record
    return records
# ANCHOR_END: results_file


def results_frame(records, names):
    """One row per run: parameters, metrics, then n_params, seconds, seed, status, error."""
    frame = pd.DataFrame(records)
    for name in names:  # lists (e.g. hidden_sizes) become tuples: hashable, groupable
        frame[name] = frame[name].map(lambda v: tuple(v) if isinstance(v, list) else v)
    metrics = [c for c in frame.columns if c not in names and c not in RECORD_COLUMNS]
    return frame[[*names, *metrics, *RECORD_COLUMNS]]


def best_run(results, metric="val_acc", maximize=True):
    """The row of the best successful run (highest ``metric``, or lowest with maximize=False)."""
    ok = results[results["status"] == "ok"]
    if ok.empty:
        raise ValueError("Kein Lauf war erfolgreich; es gibt keine beste Kombination.")
    return results.loc[ok[metric].idxmax() if maximize else ok[metric].idxmin()]


def best_params(results, names, metric="val_acc", maximize=True):
    """The parameters of the best successful run, as plain Python values."""
    row = best_run(results, metric, maximize)
    return {name: _plain_value(row[name]) for name in names}


def _plain_value(value):
    return value.item() if isinstance(value, np.generic) else value


# ANCHOR: fit_final
def fit_final(make_model, params, x, y, *, epochs, seed=0, device=None):
    """A fresh model with ``params``, trained on (x, y) for a fixed number of epochs.

    For the final model after the search: no validation data is left to choose an epoch,
    so the number of epochs comes from the search (the best epoch of the best run).
    """
    model_params, train_params = split_params(params)
    train_params = {**TRAINING_DEFAULTS, **train_params}
    set_seed(seed)
    model = make_model(**model_params)
    loader = make_loader(x, y, train_params["batch_size"], shuffle=True, seed=seed)
    fit(model, loader, epochs=int(epochs), lr=train_params["lr"], device=device,
        progress=False)
    return model
# ANCHOR_END: fit_final


def results_table(results, metric="val_acc", maximize=True):
    """The results sorted by ``metric`` (best first) as a formatted pandas Styler.

    Columns with the same value in every row (fixed settings, the seed, an empty error
    column) are left out, measurements never; the best value of ``metric`` is highlighted.
    """
    ordered = results.sort_values(metric, ascending=not maximize, na_position="last")
    measured = {metric, "val_acc", "val_loss", "best_epoch", "n_params", "seconds"}
    varying = [c for c in ordered.columns
               if c in measured or ordered[c].astype(str).nunique(dropna=False) > 1]
    ordered = ordered[varying]
    formats = {c: "{:g}" for c in ordered.columns if ordered[c].dtype.kind == "f"}
    formats |= {c: (lambda v: f"{100 * v:.1f} %") for c in ordered.columns if c.endswith("_acc")}
    formats |= {"val_loss": "{:.4f}", "seconds": "{:.1f} s",
                "n_params": lambda v: f"{v:,.0f}".replace(",", "\u202f")}  # 12 345
    formats = {c: f for c, f in formats.items() if c in ordered.columns}
    styler = (ordered.style.format(formats, na_rep="–").hide(axis="index")
              .set_table_attributes('class="dataframe"'))  # the theme's table style
    highlight = styler.highlight_max if maximize else styler.highlight_min
    return highlight(subset=[metric], color="#d4edda")


# ANCHOR: plot_scores
def plot_scores(results, names, metric="val_acc", axes=None, label=None, marker="o",
                log_x=("lr",), show_means=True):
    """One panel per parameter: the score of every successful run against its value.

    Numbers get a numeric axis (logarithmic for the names in ``log_x``), everything
    else (bool, tuples) one position per choice. A short bar marks the mean
    over all runs with the same value, where there are several (``show_means``). Given
    ``axes`` (one per name), the points are added to them, e.g. to compare two searches.
    """
    import matplotlib.pyplot as plt

    ok = results[results["status"] == "ok"]
    overlay = axes is not None
    if not overlay:
        columns = min(len(names), 3)
        rows = math.ceil(len(names) / columns)
        fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.8 * rows),
                                 sharey=True, squeeze=False, layout="constrained")
        for extra in axes.flat[len(names):]:
            extra.set_visible(False)
    axes = np.asarray(axes).flat
    scale = 100 if metric.endswith("_acc") else 1
    ylabel = METRIC_LABELS.get(metric, metric)
    for ax, name in zip(axes, names, strict=False):
        values, scores = ok[name], scale * ok[metric]
        if name in log_x:
            ax.set_xscale("log")
        x = _axis_positions(ax, values, results[name], label_choices=not overlay)
        points = ax.scatter(x, scores, marker=marker, alpha=0.7, label=label, zorder=3)
        if show_means:
            means = pd.DataFrame({"x": x, "score": scores.to_numpy()}).groupby("x")["score"]
            several = means.count() > 1
            ax.scatter(means.mean().index[several], means.mean()[several], marker="_", s=400,
                       color=points.get_facecolor()[0], zorder=4)
        ax.margins(x=0.15)
        ax.set_xlabel(name)
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel(ylabel)
    return ax.figure
# ANCHOR_END: plot_scores


def _axis_positions(ax, values, all_values, label_choices=True):
    """x coordinates of ``values``; categorical choices get positions 0, 1, ... and labels.

    With ``label_choices`` a numeric axis with few distinct values gets exactly those ticks.
    """
    numeric = all(isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
                  for v in all_values)
    if numeric:
        if label_choices and all_values.nunique() <= 6:
            ticks = sorted(all_values.unique())
            ax.set_xticks(ticks, [_show(v) for v in ticks])
            ax.minorticks_off()
        return values.to_numpy(dtype=float)
    choices = list(dict.fromkeys(all_values))
    ax.set_xticks(range(len(choices)), [str(c) for c in choices])
    ax.set_xlim(-0.5, len(choices) - 0.5)
    return np.array([choices.index(v) for v in values], dtype=float)
