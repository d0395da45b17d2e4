"""Schematic drawings of a neuron and of layered networks, drawn with matplotlib.

The figures contain only lines, circles and text, so with the book style
(``codes.plotting.use_book_style``: text as paths, fixed SVG hash salt) and
``metadata={"Date": None}`` their SVG is byte-identical from run to run.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyBboxPatch

# Text size in points: large enough to stay legible when the figure is scaled down to the
# narrow column of a phone (390 px).
FONT = 14
COLORS = {"input": "#cfe2f3", "hidden": "#fce5cd", "output": "#d9ead3", "edge": "#7f7f7f"}
RADIUS = 0.32


def _node(ax, x, y, color, text=None, radius=RADIUS, fontsize=FONT):
    ax.add_patch(Circle((x, y), radius, facecolor=color, edgecolor="black", lw=1.0, zorder=3))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4)


def _arrow(ax, start, end, text=None, at=0.5, offset=(0, 0.12), **style):
    """Arrow from start to end; ``text`` sits above the point at fraction ``at`` of it."""
    ax.annotate("", xy=end, xytext=start, zorder=2,
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.0,
                            "shrinkA": 0, "shrinkB": 0, **style})
    if text:
        x = start[0] + at * (end[0] - start[0]) + offset[0]
        y = start[1] + at * (end[1] - start[1]) + offset[1]
        ax.text(x, y, text, ha="center", va="bottom", fontsize=FONT)


def _new_axes(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax.figure, ax


# ANCHOR: draw_neuron
def draw_neuron(n_inputs=3, *, activation=r"\sigma", ax=None):
    """An artificial neuron: inputs x_j, weights w_j, bias b, pre-activation a, output h = sigma(a)."""
    if n_inputs < 1:
        raise ValueError(f"n_inputs muss positiv sein, erhalten: {n_inputs}.")
    fig, ax = _new_axes(ax, (6.4, 3.2))
    total, act, out = (3.0, 0.0), (4.6, 0.0), (6.2, 0.0)
    # x_1 ... x_{d_0 - 1}, then a gap with dots, then x_{d_0} (no gap for one or two inputs)
    slots = n_inputs + (n_inputs > 2)
    ys = [(slots - 1) / 2 - i for i in range(slots)]
    if n_inputs > 2:
        ax.text(0.0, ys[-2], r"$\vdots$", ha="center", va="center", fontsize=14)
        ys = ys[:-2] + ys[-1:]
    for i, y in enumerate(ys):
        last = i == n_inputs - 1
        _node(ax, 0.0, y, COLORS["input"], "$x_{d_0}$" if last else f"$x_{{{i + 1}}}$")
        _arrow(ax, (RADIUS, y), (total[0] - 0.45, total[1] + 0.25 * y),
               "$w_{d_0}$" if last else f"$w_{{{i + 1}}}$", at=0.3)
    _node(ax, *total, COLORS["hidden"], r"$\Sigma$", radius=0.45, fontsize=14)
    _arrow(ax, (total[0], total[1] + 1.5), (total[0], total[1] + 0.45), None)
    ax.text(total[0] + 0.12, total[1] + 1.25, "$b$", ha="left", va="center", fontsize=FONT)
    ax.text(total[0], total[1] - 0.7, r"$a = \sum_j w_j x_j + b$", ha="center", va="top",
            fontsize=FONT)
    ax.add_patch(FancyBboxPatch((act[0] - 0.35, -0.35), 0.7, 0.7, zorder=3,
                                boxstyle="round,pad=0.02", facecolor=COLORS["hidden"]))
    ax.text(*act, f"${activation}$", ha="center", va="center", fontsize=14, zorder=4)
    _arrow(ax, (total[0] + 0.45, 0), (act[0] - 0.37, 0), "$a$")
    _arrow(ax, (act[0] + 0.37, 0), (out[0] - RADIUS, 0), None)
    _node(ax, *out, COLORS["output"], "$h$")
    ax.text(out[0], -0.6, f"$h = {activation}(a)$", ha="center", va="top", fontsize=FONT)
    ax.set_xlim(-0.5, 7.0)
    ax.set_ylim(min(ys) - 0.6, max(max(ys), 1.6) + 0.3)
    return fig
# ANCHOR_END: draw_neuron


def _shown_positions(size, max_shown):
    """Vertical positions of the drawn neurons of a layer, and where an ellipsis goes."""
    if size <= max_shown:
        return [(size - 1) / 2 - i for i in range(size)], None
    top = max_shown - 2  # neurons above the ellipsis; one slot for the dots, one below
    ys = [(max_shown - 1) / 2 - i for i in range(max_shown)]
    return ys[:top] + ys[-1:], ys[top]


# ANCHOR: draw_network
def draw_network(layer_sizes, *, labels=None, ax=None, max_shown=6):
    """A fully connected network with ``layer_sizes = [d_0, d_1, ..., d_L]`` neurons.

    Layers with more than ``max_shown`` neurons are drawn with an ellipsis. ``labels``
    (one string per layer) are written below the layers; by default "Eingabe",
    "Verdeckte Schicht l" (on two lines) and "Ausgabe", each with its size d_l.
    """
    sizes = list(layer_sizes)
    if len(sizes) < 2 or any(not isinstance(d, int) or d < 1 for d in sizes):
        raise ValueError(f"layer_sizes muss mindestens zwei positive ganze Zahlen enthalten, "
                         f"erhalten: {layer_sizes!r}.")
    if labels is None:
        names = (["Eingabe"] + [f"Verdeckte\nSchicht {k}" for k in range(1, len(sizes) - 1)]
                 + ["Ausgabe"])
        labels = [f"{name}\n$d_{{{k}}} = {d}$"
                  for k, (name, d) in enumerate(zip(names, sizes, strict=True))]
    if len(labels) != len(sizes):
        raise ValueError(f"labels braucht {len(sizes)} Einträge (einen pro Schicht), "
                         f"erhalten: {len(labels)}.")
    if max_shown < 3:
        raise ValueError(f"max_shown muss mindestens 3 sein, erhalten: {max_shown}.")
    fig, ax = _new_axes(ax, (1.5 * len(sizes) + 0.6, 0.55 * min(max(sizes), max_shown) + 1.6))
    spacing = 2.2
    layers = [_shown_positions(d, max_shown) for d in sizes]
    for k, ((ys, _), (next_ys, _)) in enumerate(zip(layers[:-1], layers[1:], strict=True)):
        for y in ys:
            for y_next in next_ys:
                ax.plot([k * spacing, (k + 1) * spacing], [y, y_next], color=COLORS["edge"],
                        lw=0.7, zorder=1)
    bottom = min(min(ys) for ys, _ in layers)
    for k, (ys, dots) in enumerate(layers):
        kind = "input" if k == 0 else "output" if k == len(sizes) - 1 else "hidden"
        for y in ys:
            _node(ax, k * spacing, y, COLORS[kind])
        if dots is not None:
            ax.text(k * spacing, dots, r"$\vdots$", ha="center", va="center", fontsize=14)
        ax.text(k * spacing, bottom - 0.6, labels[k], ha="center", va="top", fontsize=FONT)
    ax.set_xlim(-1.0, (len(sizes) - 1) * spacing + 1.0)
    top = max(max(ys) for ys, _ in layers)
    ax.set_ylim(bottom - 1.6, top + 0.5)
    return fig
# ANCHOR_END: draw_network
