"""Tables and figures of chapter 6, in German: the equal-budget comparison and Optuna's plots.

Optuna's matplotlib plots (``optuna.visualization.matplotlib``) come with English titles,
axis labels and decimal points; ``german_*`` relabels them for the book.
"""

import logging
import warnings

import matplotlib.pyplot as plt
import numpy as np
import optuna
import pandas as pd
from matplotlib.ticker import MaxNLocator, NullFormatter

from codes.hpo import best_curve, count_states, distinct_runs
from codes.plotting import german_number, german_ticks, germanize

warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # Optuna's style asks for STIX
# Best cell: dark text on light green, readable in the light and the dark theme alike.
BEST_CELL = "background-color: #d4edda; color: #102a12; font-weight: bold"


def describe_params(params):
    """``name`` = value pairs of a trial in German number format, for text and printouts."""
    return ", ".join(f"`{name}` = {german_number(value, '.3g')}" if isinstance(value, float)
                     else f"`{name}` = {value}" for name, value in params.items())


# ANCHOR: budget_plot
def best_on_grid(runs, budget, points=200):
    """Best accuracy so far (%) of every study on one common grid of work, 0 ... budget.

    Row k is study k; a column is NaN until that study's first trial has ended.
    """
    images = np.linspace(0, budget, points)
    rows = []
    for study in runs:
        curve = best_curve(study, budget)
        index = np.searchsorted(curve[:, 0], images, side="right") - 1
        rows.append(np.where(index >= 0, 100 * curve[np.maximum(index, 0), 1], np.nan))
    return images, np.array(rows)


def plot_budget(studies, budget, ax=None):
    """Best validation accuracy (%) over the work of all trials: mean and range over seeds.

    The mean starts where every seed has a value, so it never averages curves of different
    lengths (that would let it dip); each seed's curve only rises, and so does the mean.
    """
    ax = ax or plt.subplots(figsize=(6.4, 4.2), layout="constrained")[1]
    for (name, runs), style in zip(studies.items(), ("-", "--", "-.", ":"), strict=False):
        images, curves = best_on_grid(runs, budget)
        everyone = ~np.isnan(curves).any(axis=0)
        x, curves = images[everyone] / 1000, curves[:, everyone]
        line, = ax.plot(x, curves.mean(axis=0), style, lw=2, label=name)
        ax.fill_between(x, curves.min(axis=0), curves.max(axis=0), color=line.get_color(),
                        alpha=0.15)
    ax.set_xlabel("Arbeit aller Versuche (Tausend Trainingsbilder)")
    ax.set_ylabel("Beste Validierungsgenauigkeit (%)")
    german_ticks(ax)
    ax.legend(loc="lower right")
    return ax
# ANCHOR_END: budget_plot


def budget_table(studies, budget):
    """One row per method: best validation accuracy (mean ± sd over seeds), trials, pruned.

    Everything in it is counted in work (training images), nothing in seconds: the same
    studies give the same table on a fast and on a slow machine.
    """
    rows = {}
    for name, runs in studies.items():
        curves = [best_curve(study, budget) for study in runs]
        best = np.array([100 * c[-1, 1] if len(c) else np.nan for c in curves])
        counts = np.array([count_states(study, budget) for study in runs])
        rows[name] = {"Mittel": best.mean(), "Streuung": best.std(ddof=1),
                      "Minimum": best.min(), "Maximum": best.max(),
                      "Versuche": counts[:, 0].mean(), "davon abgebrochen": counts[:, 1].mean()}
    return pd.DataFrame.from_dict(rows, orient="index")


def style_budget_table(table):
    """German formatting; the best mean in bold on light green."""
    percent = {col: (lambda v: german_number(v, ".1f") + "\u00a0%")
               for col in ("Mittel", "Minimum", "Maximum")}
    formats = {**percent, "Streuung": lambda v: german_number(v, ".2f") + "\u00a0Pp.",
               "Versuche": lambda v: german_number(v, ".1f"),
               "davon abgebrochen": lambda v: german_number(v, ".1f")}
    best = table["Mittel"].idxmax()
    return (table.style.format(formats)
            .set_caption("Beste Validierungsgenauigkeit (%) bei gleichem Budget an Arbeit, "
                         "über die Seeds (Sampler und Training)")
            .map(lambda _: BEST_CELL, subset=pd.IndexSlice[[best], ["Mittel"]]))


def legible_on_phones(figure, width=5.0, height=3.6, fontsize=11):
    """A narrow figure with text no smaller than ``fontsize``: readable at 390 px width."""
    figure.set_size_inches(width, height)
    for text in figure.findobj(lambda artist: hasattr(artist, "set_fontsize")):
        if hasattr(text, "get_fontsize"):
            text.set_fontsize(max(text.get_fontsize(), fontsize))
    return figure


def german_history(study, ax=None):
    """Optuna's optimisation history in German, accuracy in percent, with the best so far."""
    ax = optuna.visualization.matplotlib.plot_optimization_history(
        study, target=lambda t: 100 * t.value, target_name="Versuch")
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    best = np.maximum.accumulate([100 * t.value for t in complete])
    ax.step([t.number for t in complete], best, where="post", color="C3", label="Bester bisher")
    ax.set_title("Verlauf der Suche")
    ax.set_xlabel("Versuch")
    ax.set_ylabel("Validierungsgenauigkeit (%)")
    ax.legend(loc="lower right")
    german_ticks(ax, axis="y")
    return ax


def pooled_study(studies):
    """One in-memory study with the completed runs of many studies over one search space.

    A run that several studies share (``distinct_runs``) counts once.
    """
    pool = optuna.create_study(direction="maximize")
    pool.add_trials(distinct_runs(t for study in studies for t in study.trials))
    return pool


def german_importances(study, target_quantile=0.1):
    """PED-ANOVA importances (Optuna; needs no scikit-learn), labelled in German.

    PED-ANOVA scores how much each parameter matters for reaching the best
    ``target_quantile`` of the trials; it is no share of variance (that would be fANOVA).
    Optuna advises at least 5 trials in that quantile: fewer raise an error here.
    """
    n_complete = len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))
    if n_complete * target_quantile < 5:
        raise ValueError(f"PED-ANOVA braucht mindestens 5 Versuche im besten Anteil "
                         f"{german_number(target_quantile, '.2g')}, hier sind es nur "
                         f"{german_number(n_complete * target_quantile, '.1f')}: mehr Versuche "
                         "rechnen oder Studien zusammenlegen (pooled_study).")
    evaluator = optuna.importance.PedAnovaImportanceEvaluator(target_quantile=target_quantile)
    ax = optuna.visualization.matplotlib.plot_param_importances(study, evaluator=evaluator)
    ax.set_title("")
    ax.set_title("Wichtigkeit der Hyperparameter (PED-ANOVA)", loc="left")
    if ax.get_legend() is not None:  # a single bar colour needs no legend
        ax.get_legend().remove()
    share = german_number(100 * target_quantile, ".0f")
    ax.set_xlabel(f"Wichtigkeit für die besten {share} % der Versuche (Summe 1)")
    ax.set_ylabel("")
    for text in ax.texts:  # the value printed at each bar
        text.set_text(germanize(text.get_text()))
    german_ticks(ax, axis="x")
    return ax


def german_slice(study, params):
    """Optuna's slice plot: accuracy over each chosen parameter, colour = trial number."""
    axes = optuna.visualization.matplotlib.plot_slice(
        study, params=params, target=lambda t: 100 * t.value,
        target_name="Validierungsgenauigkeit (%)")
    axes = np.atleast_1d(axes)
    figure = axes[0].figure
    figure.suptitle("Genauigkeit je Hyperparameter")
    for ax, name in zip(axes, sorted(params), strict=True):  # Optuna sorts the panels
        german_ticks(ax, axis="y")
        if ax.get_xscale() == "log":  # labels at powers of ten only: readable on a phone
            ax.xaxis.set_minor_formatter(NullFormatter())
        if name == "hidden_size":  # plain widths instead of 3 x 10^1 ...
            ax.set_xticks([32, 64, 128, 256], ["32", "64", "128", "256"])
    for ax in figure.axes[len(axes):]:  # the colour bar: whole trial numbers only
        ax.set_ylabel("Versuch")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        german_ticks(ax, axis="y", spec=".0f")
    return axes
