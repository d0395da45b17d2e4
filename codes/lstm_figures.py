"""Figures of the chapter on recurrent networks, all drawn by code (deterministic).

Diagrams: ``draw_unrolled_rnn`` (an RNN unrolled in time, with the path of
backpropagation through time) and ``draw_lstm_cell`` (the LSTM cell with its gates).
Plots of results: ``plot_gradient_norms``, ``plot_length_sweep``,
``plot_attention_heatmap`` and ``plot_mnist_attention``.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from codes.plotting import german_ticks

BLUE, ORANGE, GREEN, RED, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#555555"


def _box(ax, center, text, width=1.0, height=0.6, color=BLUE, fontsize=12):
    x, y = center
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=color, edgecolor="black", alpha=0.25))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, color="black", style="-|>", linestyle="-", rad=0.0, lw=1.4):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, color=color,
                                 linestyle=linestyle, linewidth=lw,
                                 connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0))


def _blank_axes(figsize, xlim, ylim):
    fig, ax = plt.subplots(figsize=figsize)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


# ANCHOR: unrolled
def draw_unrolled_rnn():
    """Left: an RNN cell with its loop. Right: the same cell unrolled over T steps.

    Black arrows are the forward pass, red dashed arrows the gradient flowing back
    through time (backpropagation through time).
    """
    fig, ax = _blank_axes((7.2, 2.7), (-0.8, 11.2), (-1.3, 2.4))  # small: legible on phones
    # folded cell with the recurrent loop
    _box(ax, (0.4, 0.6), "RNN")
    _arrow(ax, (0.4, -0.7), (0.4, 0.3))
    ax.text(0.4, -0.95, "$x_t$", ha="center", va="top", fontsize=12)
    _arrow(ax, (0.4, 0.9), (0.4, 1.8))
    ax.text(0.4, 2.0, "$h_t$", ha="center", va="bottom", fontsize=12)
    _arrow(ax, (0.9, 0.8), (0.9, 0.4), rad=-1.8)
    ax.text(1.35, 1.0, "$W_h$", ha="left", va="bottom", fontsize=11)
    ax.text(2.3, 0.6, "=", ha="center", va="center", fontsize=20)
    # unrolled chain
    labels = ["1", "2", "3", "T"]
    xs = [4.0, 6.0, 8.0, 10.4]
    ax.text(2.75, 0.6, "$h_0$", ha="left", va="center", fontsize=12)
    previous = 3.4
    for x, label in zip(xs, labels, strict=True):
        _box(ax, (x, 0.6), "RNN")
        _arrow(ax, (x, -0.7), (x, 0.3))
        ax.text(x, -0.95, f"$x_{{{label}}}$", ha="center", va="top", fontsize=12)
        _arrow(ax, (x, 0.9), (x, 1.8))
        ax.text(x, 2.0, f"$h_{{{label}}}$", ha="center", va="bottom", fontsize=12)
        if label == "T":
            ax.text(9.2, 0.6, "…", ha="center", va="center", fontsize=16)
            previous = 9.6
        _arrow(ax, (previous, 0.6), (x - 0.5, 0.6))
        _arrow(ax, (x - 0.5, 0.35), (previous, 0.35), color=RED, linestyle="--", lw=1.2)
        previous = x + 0.5
    ax.text(10.5, -0.15, r"$\partial \ell / \partial h_T$", color=RED, ha="left", va="top",
            fontsize=10)
    return fig
# ANCHOR_END: unrolled


def _gate(ax, center, symbol, label, color):
    _box(ax, center, symbol, width=0.75, height=0.5, color=color, fontsize=12)
    ax.text(center[0] - 0.45, center[1] + 0.3, label, ha="right", va="bottom", fontsize=12,
            color=color)


def _operator(ax, center, symbol):
    ax.add_patch(Circle(center, 0.22, facecolor="white", edgecolor="black", zorder=3))
    ax.text(*center, symbol, ha="center", va="center", fontsize=13, zorder=4)


# ANCHOR: lstm_cell
def draw_lstm_cell():
    """The LSTM cell: gates f, i, o (sigmoid), candidate c~ (tanh), cell state c, output h.

    The labels match the gate equations of the chapter; the cell state runs along the
    top and is only scaled (by f_t) and added to (i_t * c~_t), never squashed.
    """
    fig, ax = _blank_axes((7.0, 4.0), (-1.4, 10.4), (-1.6, 5.0))  # small: legible on phones
    ax.add_patch(FancyBboxPatch((0.0, -0.2), 8.6, 4.4, boxstyle="round,pad=0.05,rounding_size=0.3",
                                facecolor="#f4f4f4", edgecolor=GREY))
    top, bottom = 3.6, 0.2
    # cell state line c_{t-1} -> x -> + -> c_t
    ax.text(-0.2, top, "$c_{t-1}$", ha="right", va="center", fontsize=13)
    _arrow(ax, (0.0, top), (1.68, top))
    _operator(ax, (1.9, top), r"$\times$")
    _arrow(ax, (2.12, top), (4.18, top))
    _operator(ax, (4.4, top), "+")
    _arrow(ax, (4.62, top), (9.6, top))
    ax.text(9.7, top, "$c_t$", ha="left", va="center", fontsize=13)
    # input line: h_{t-1} and x_t are joined and feed all four gates
    ax.text(-0.2, bottom, "$h_{t-1}$", ha="right", va="center", fontsize=13)
    ax.text(0.7, -1.35, "$x_t$", ha="center", va="center", fontsize=13)
    _arrow(ax, (0.7, -1.1), (0.7, bottom))
    ax.plot([0.0, 6.6], [bottom, bottom], color="black", lw=1.4)
    gates = [(1.9, r"$\sigma$", "$f_t$", RED), (3.3, r"$\sigma$", "$i_t$", GREEN),
             (4.4, "tanh", r"$\tilde c_t$", GREEN), (6.6, r"$\sigma$", "$o_t$", ORANGE)]
    for x, symbol, label, color in gates:
        _arrow(ax, (x, bottom), (x, 1.05))
        _gate(ax, (x, 1.3), symbol, label, color)
    # forget gate scales c_{t-1}; input gate times candidate is added
    _arrow(ax, (1.9, 1.55), (1.9, top - 0.22))
    _operator(ax, (4.4, 2.5), r"$\times$")
    _arrow(ax, (4.4, 1.55), (4.4, 2.28))
    _arrow(ax, (3.3, 1.55), (4.2, 2.4), rad=-0.3)
    _arrow(ax, (4.4, 2.72), (4.4, top - 0.22))
    # output: h_t = o_t * tanh(c_t)
    _arrow(ax, (7.6, top), (7.6, 2.95))
    _box(ax, (7.6, 2.7), "tanh", width=0.75, height=0.45, color=GREY, fontsize=11)
    _operator(ax, (7.6, 1.3), r"$\times$")
    _arrow(ax, (7.6, 2.47), (7.6, 1.52))
    _arrow(ax, (6.98, 1.3), (7.38, 1.3))
    _arrow(ax, (7.82, 1.3), (9.6, 1.3))
    ax.text(9.7, 1.3, "$h_t$", ha="left", va="center", fontsize=13)
    _arrow(ax, (8.6, 1.3), (8.6, 4.7))
    ax.text(8.75, 4.75, "$h_t$ (Ausgabe)", ha="left", va="center", fontsize=11)
    return fig
# ANCHOR_END: lstm_cell


def plot_gradient_norms(curves):
    """Gradient norm per time step t (log scale), one line per model in ``curves``."""
    fig, ax = plt.subplots(figsize=(6.8, 4.0))
    styles = ["-", "--", "-.", ":", (0, (6, 2, 1, 2, 1, 2))]
    for (name, norms), style in zip(curves.items(), styles * 2, strict=False):
        steps = np.arange(1, len(norms) + 1)
        ax.semilogy(steps, norms, linestyle=style, lw=2, label=name.replace("b_f", "$b_f$"))
    ax.set_xlabel("Zeitschritt $t$ der Eingabe")
    ax.set_ylabel(r"$\|\partial \ell / \partial x_t\|$ (Mittel über den Batch)")
    ax.legend(loc="lower right", fontsize=10)
    return fig


def plot_length_sweep(results):
    """Validation accuracy against sequence length: one point per run, a line through the means.

    ``results``: a DataFrame with columns seq_len, model, seed, num_classes and val_acc
    (fraction), as ``codes.sequences.length_sweep`` returns it.
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for (name, group), marker in zip(results.groupby("model", sort=False), "os^", strict=False):
        means = group.groupby("seq_len")["val_acc"].mean()
        line, = ax.plot(means.index, 100 * means.values, marker=marker, lw=2, ms=8,
                        label=f"{name} (Mittel)")
        ax.scatter(group["seq_len"], 100 * group["val_acc"], marker=marker, s=22,
                   facecolors="none", edgecolors=line.get_color(), alpha=0.8, zorder=3)
    chance = 100 / results["num_classes"].iloc[0]
    ax.axhline(chance, color=GREY, ls=":", lw=1.5, label="Raten")
    ax.set_xscale("log")
    lengths = sorted(results["seq_len"].unique())
    ax.set_xticks(lengths, [str(t) for t in lengths])
    ax.minorticks_off()
    ax.set_ylim(0, 105)
    ax.set_xlabel("Sequenzlänge $T$")
    ax.set_ylabel("Validierungsgenauigkeit (%)")
    ax.legend(loc="lower left", fontsize=10)
    return fig


def plot_attention_heatmap(weights, signal_steps, labels=None, zoom=12):
    """Attention weights alpha_t (rows: sequences, columns: time steps) as a heat map.

    Left the whole sequence, right its first ``zoom`` steps enlarged. A dashed line marks
    the end of the informative first ``signal_steps`` steps.
    """
    weights = np.asarray(weights)
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 0.3 * len(weights) + 1.4), sharey=True,
                             gridspec_kw={"width_ratios": [3, 2]})
    top = float(weights.max())
    for ax, steps in zip(axes, (weights.shape[1], min(zoom, weights.shape[1])), strict=True):
        image = ax.imshow(weights[:, :steps], aspect="auto", cmap="viridis", vmin=0, vmax=top,
                          interpolation="nearest",
                          extent=(0.5, steps + 0.5, len(weights) - 0.5, -0.5))
        ax.axvline(signal_steps + 0.5, color="white", ls="--", lw=1.2)
        ax.grid(False)
        ax.set_xlabel("Zeitschritt $t$")
    axes[1].set_title(f"die ersten {min(zoom, weights.shape[1])} Schritte", fontsize=10)
    axes[0].set_title("ganze Sequenz", fontsize=10)
    axes[0].set_yticks(range(len(weights)))
    axes[0].set_yticklabels([f"Klasse {y}" for y in labels] if labels is not None
                            else range(1, len(weights) + 1), fontsize=9)
    german_ticks(fig.colorbar(image, ax=axes, label=r"$\alpha_t$", pad=0.02))
    return fig


def plot_mnist_attention(images, weights, labels, predictions):
    """MNIST digits, each with its attention weight per pixel row as a bar to the right."""
    columns = min(4, len(images))
    rows = -(-len(images) // columns)  # ceiling division
    fig, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.6 * rows), squeeze=False)
    for ax in axes.flat[len(images):]:
        ax.axis("off")
    top = float(np.max(weights))
    for ax, image, alpha, label, guess in zip(axes.flat, images, weights, labels,
                                              predictions, strict=False):
        # append the weights as an extra column band, scaled to the image's [0, 1] range
        band = np.repeat((np.asarray(alpha) / top)[:, None], 6, axis=1)
        ax.imshow(image.reshape(28, 28), cmap="gray_r", extent=(0, 28, 28, 0), vmin=0, vmax=1)
        ax.imshow(band, cmap="viridis", extent=(29, 35, 28, 0), vmin=0, vmax=1)
        ax.set_xlim(0, 35)
        ax.set_ylim(28, 0)
        ax.axis("off")
        ax.set_title(f"{label} → {guess}", fontsize=11)
    return fig


def plot_sequence_example(x, signal_steps):
    """One sequence of the early-signal task as an image: channels (rows) over time."""
    x = np.asarray(x)
    fig, ax = plt.subplots(figsize=(6.6, 2.0))
    limit = float(np.abs(x).max())
    image = ax.imshow(x.T, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit,
                      interpolation="nearest", extent=(0.5, len(x) + 0.5, x.shape[1] - 0.5, -0.5))
    ax.axvline(signal_steps + 0.5, color="black", ls="--", lw=1.2)
    ax.grid(False)
    ax.set_yticks(range(x.shape[1]), ["Marke"] + [f"Klasse {k}" for k in range(x.shape[1] - 1)],
                  fontsize=9)
    ax.set_xlabel("Zeitschritt $t$")
    german_ticks(fig.colorbar(image, ax=ax, pad=0.02, label="Wert"))
    return fig
