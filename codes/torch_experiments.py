"""Repeated training runs for the experiments of chapter 4: several seeds, mean and spread.

A claim that one setting beats another rests on several runs: ``run_seeds`` trains one
fresh model per seed (the seed fixes the initial weights and the order of the
mini-batches), ``mean_spread`` reduces the runs to mean and standard deviation, and
``codes.metrics.is_noise`` decides whether a difference is larger than the spread.
``sweep_learning_rates`` gives every variant its own step size, chosen on validation data.
"""

import math

import numpy as np
import torch

from codes.metrics import is_noise
from codes.plotting import german_mean_sd
from codes.training import fit, make_loader, set_seed


# ANCHOR: run_seeds
def run_seeds(build, x, y, val_loader, *, seeds, epochs, batch_size=128,
              optimizer=None, lr=1e-3, device=None, train_eval=False):
    """Trainiert ``build()`` einmal je Seed auf (x, y); eine ``History`` je Seed.

    ``optimizer`` bildet die Parameter auf einen Optimierer ab (sonst Adam mit ``lr``).
    Mit ``train_eval=True`` werden die Trainingsdaten nach jeder Epoche zusätzlich im
    Auswertungsmodus gemessen (``History.train_eval_loss``, ``History.train_eval_acc``).
    """
    histories = []
    for seed in seeds:
        set_seed(seed)  # gleicher Seed: gleiche Startgewichte, gleiche Mini-Batches
        model = build()
        loader = make_loader(x, y, batch_size, shuffle=True, seed=seed)
        histories.append(fit(
            model, loader, val_loader, epochs=epochs, lr=lr, device=device,
            optimizer=optimizer(model.parameters()) if optimizer else None,
            progress=False,
            train_eval_loader=make_loader(x, y, 2500) if train_eval else None))
    return histories
# ANCHOR_END: run_seeds


# ANCHOR: sweep
def sweep_learning_rates(build, x, y, val_loader, *, lrs, seeds, epochs,
                         batch_size=128, device=None):
    """Validierungsgenauigkeit in % nach ``epochs`` Epochen SGD, je Lernrate und Seed.

    Gibt {lr: Array mit einer Genauigkeit je Seed} zurück. Ein Lauf, der divergiert
    (der Verlust wird NaN oder unendlich, ``fit`` bricht ab), zählt als NaN.
    """
    results = {}
    for lr in lrs:
        accuracies = []
        for seed in seeds:
            try:
                history = run_seeds(
                    build, x, y, val_loader, seeds=[seed], epochs=epochs,
                    batch_size=batch_size, device=device,
                    optimizer=lambda params, lr=lr: torch.optim.SGD(params, lr=lr))[0]
                accuracies.append(100 * history.val_acc[-1])
            except FloatingPointError:  # divergiert
                accuracies.append(math.nan)
        results[lr] = np.array(accuracies)
    return results


def best_learning_rate(results):
    """Die Lernrate mit der höchsten mittleren Genauigkeit; nie eine, die divergiert ist."""
    means = {lr: acc.mean() for lr, acc in results.items() if np.isfinite(acc).all()}
    if not means:
        raise ValueError("Jede Lernrate ist in mindestens einem Lauf divergiert; "
                         "wählen Sie kleinere Lernraten.")
    return max(means, key=means.get)
# ANCHOR_END: sweep


def differs(a, b):
    """True when the (mean, spread) pairs a and b differ by more than noise (``is_noise``)."""
    return not is_noise(a, b)


def curves(histories, metric, percent=False):
    """The metric of every run as an array of shape (runs, epochs)."""
    values = np.array([getattr(h, metric) for h in histories], dtype=float)
    return 100 * values if percent else values


def mean_spread(histories, metric, epoch=-1, percent=False):
    """Mean and standard deviation over the runs of ``metric`` after ``epoch`` (-1: last)."""
    values = curves(histories, metric, percent)[:, epoch]
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0


def pm(pair, digits=1):
    """'mean ± spread' of a ``mean_spread`` pair with ``digits`` decimals: '93,7 ± 0,4'.

    :func:`codes.plotting.german_mean_sd` with ordinary spaces around the ±, as chapter 4
    has always printed it.
    """
    return german_mean_sd(pair[0], pair[1], f".{digits}f", space=" ")


def plot_mean(ax, histories, metric, percent=False, **style):
    """Mean over the runs per epoch with the standard deviation as error bars."""
    values = curves(histories, metric, percent)
    spread = values.std(axis=0, ddof=1) if len(values) > 1 else None
    epochs = np.arange(1, values.shape[1] + 1)
    ax.errorbar(epochs, values.mean(axis=0), yerr=spread,
                **{"capsize": 3, "marker": "o", "markersize": 3, **style})
    ax.set_xlabel("Epoche")
    ax.set_xticks(epochs[:: max(1, len(epochs) // 6)])
    return ax


def gradient_norms_at_init(build, x, y, seeds):
    """``block_gradient_norms`` of a fresh ``build()`` per seed, shape (seeds, blocks)."""
    from codes.torch_mlp import block_gradient_norms

    norms = []
    for seed in seeds:
        set_seed(seed)
        norms.append(block_gradient_norms(build(), x, y))
    return torch.stack(norms).numpy()


@torch.no_grad()
def activation_scales(model, x):
    """How much the output h_l of every activation layer of a ``BasicMLP`` varies with the input.

    The standard deviation of each neuron over the examples of ``x``, averaged over the
    neurons: only this part carries information about the input (a constant offset,
    e.g. from the biases, does not).
    """
    scales, h = [], x.flatten(start_dim=1)
    for module in model.network:
        h = module(h)
        if isinstance(module, (torch.nn.ReLU, torch.nn.Sigmoid, torch.nn.Tanh, torch.nn.GELU)):
            scales.append(h.std(dim=0).mean().item())
    return np.array(scales)
