"""Backpropagation mit konkreten Zahlen an einem 2-3-2-Netz, ihre Kosten und ihr Graph.

Das Rechenbeispiel bestimmt jede Größe der vier Gleichungen der Backpropagation für ein
Beispiel, ausgeschrieben mit NumPy (``backprop_by_hand``), und prüft sie gegen das ``MLP``
aus ``codes/mlp.py`` und gegen PyTorchs Autograd. ``time_gradients`` vergleicht einen
Rückwärtsdurchlauf mit zentralen Differenzenquotienten am selben Netz, und
``draw_computational_graph`` zeichnet den Graphen, den Autograd aufzeichnet.
"""

import time

import numpy as np

from codes.gradcheck import numerical_gradient, relative_error
from codes.mlp import MLP
from codes.plotting import power_of_ten  # noqa: F401  (pages import it from here)

# ANCHOR: example
# 2-3-2-Netz: Sigmoid, dann Softmax mit Kreuzentropie.
EXAMPLE = {
    "x": np.array([1.0, 0.5]),
    "y": np.array([0.0, 1.0]),
    "weights": [np.array([[0.5, -0.3, 0.8],
                          [0.2, 0.7, -0.4]]),  # W_1: d_0 x d_1 = 2 x 3
                np.array([[0.6, -0.5],
                          [-0.2, 0.4],
                          [0.3, 0.9]])],  # W_2: d_1 x d_2 = 3 x 2
    "biases": [np.array([0.1, -0.1, 0.0]), np.array([0.0, 0.1])],
}
# ANCHOR_END: example


# ANCHOR: by_hand
def backprop_by_hand(x, y, weights, biases):
    """Vorwärtsrechnung und Rückwärtsdurchlauf des 2-3-2-Netzes, eine Gleichung je Zeile."""
    (W1, W2), (b1, b2) = weights, biases
    a1 = W1.T @ x + b1                  # Gl. (eq:mlp-layer), h_0 = x
    h1 = 1 / (1 + np.exp(-a1))          # sigmoid
    a2 = W2.T @ h1 + b2
    h2 = np.exp(a2) / np.exp(a2).sum()  # softmax
    loss = -np.sum(y * np.log(h2))      # Gl. (eq:mlp-softmax-ce)
    delta2 = h2 - y                     # Gl. (eq:delta-softmax-ce)
    delta1 = h1 * (1 - h1) * (W2 @ delta2)  # Gl. (eq:delta-recursion)
    return {"a1": a1, "h1": h1, "a2": a2, "h2": h2, "loss": loss,
            "delta2": delta2, "delta1": delta1,
            # Gl. (eq:grad-W) und (eq:grad-b)
            "grad_W2": np.outer(h1, delta2), "grad_b2": delta2,
            "grad_W1": np.outer(x, delta1), "grad_b1": delta1}
# ANCHOR_END: by_hand


def example_network(example=EXAMPLE):
    """Das ``MLP`` aus codes/mlp.py mit den Gewichten des Beispiels (float64)."""
    net = MLP([(2, None), (3, "sigmoid"), (2, "softmax")], loss="cross_entropy",
              dtype=np.float64)
    net.weights = [W.copy() for W in example["weights"]]
    net.biases = [b.copy() for b in example["biases"]]
    return net


# ANCHOR: check
def difference_to_mlp(steps, example=EXAMPLE):
    """Größter absoluter Unterschied zwischen ``steps`` und dem ``MLP``."""
    net = example_network(example)
    x, y = example["x"][None, :], example["y"][None, :]  # Mini-Batch mit n = 1
    (a1, a2), (_, h1, h2) = net.forward(x)
    grads_w, grads_b = net.backprop(x, y)
    from_mlp = {"a1": a1[0], "h1": h1[0], "a2": a2[0], "h2": h2[0],
                "grad_W1": grads_w[0], "grad_b1": grads_b[0],
                "grad_W2": grads_w[1], "grad_b2": grads_b[1],
                "loss": net.evaluate(x, y)["loss"]}
    return max(float(np.max(np.abs(steps[key] - value))) for key, value in from_mlp.items())
# ANCHOR_END: check


# ANCHOR: autograd
def autograd_gradients(example=EXAMPLE):
    """Dieselben Gradienten aus PyTorchs Autograd."""
    import torch

    x, y = torch.tensor(example["x"]), torch.tensor(example["y"])
    W1, W2 = (torch.tensor(W, requires_grad=True) for W in example["weights"])
    b1, b2 = (torch.tensor(b, requires_grad=True) for b in example["biases"])
    h1 = torch.sigmoid(W1.T @ x + b1)
    h2 = torch.softmax(W2.T @ h1 + b2, dim=0)
    loss = -(y * torch.log(h2)).sum()
    loss.backward()  # Rückwärtsdurchlauf durch den aufgezeichneten Graphen
    return {"grad_W1": W1.grad.numpy(), "grad_b1": b1.grad.numpy(),
            "grad_W2": W2.grad.numpy(), "grad_b2": b2.grad.numpy()}
# ANCHOR_END: autograd


# ANCHOR: timing
def time_gradients(net, x, y, repeats=50, eps=1e-6):
    """CPU-Sekunden für alle Gradienten: Backpropagation gegen Differenzenquotienten.

    Zentrale Differenzen (Gl. eq:central-difference) brauchen zwei Vorwärtsrechnungen
    je Parameter. Gibt beide Zeiten zurück, die Zahl der Parameter und den größten
    relativen Fehler zwischen den beiden Gradienten.
    """
    start = time.process_time()
    for _ in range(repeats):
        grads_w, grads_b = net.backprop(x, y)
    seconds_backprop = (time.process_time() - start) / repeats

    def loss():
        activations_in, hs = net.forward(x)
        return net.loss(activations_in[-1], hs[-1], y)

    start = time.process_time()
    numeric = [numerical_gradient(loss, theta, eps)
               for theta in net.weights + net.biases]
    seconds_numeric = time.process_time() - start
    analytic = grads_w + grads_b
    error = max(relative_error(g, n)
                for g, n in zip(analytic, numeric, strict=True))
    return {"backprop": seconds_backprop, "numeric": seconds_numeric,
            "parameters": sum(g.size for g in analytic), "error": error}
# ANCHOR_END: timing


def draw_computational_graph():
    """Der Rechengraph eines zweischichtigen Netzes, vorwärts (schwarz) und rückwärts (rot)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    fig, ax = plt.subplots(figsize=(6.6, 3.9))
    ax.set_axis_off()
    chain = {"h0": (0.0, 0.0), "a1": (1.35, 0.0), "h1": (2.7, 0.0), "a2": (4.05, 0.0),
             "h2": (5.4, 0.0), "loss": (6.75, 0.0)}
    labels = {"h0": "$h_0$", "a1": "$a_1$", "h1": "$h_1$", "a2": "$a_2$", "h2": "$h_2$",
              "loss": r"$\ell$", "W1": "$W_1$", "b1": "$b_1$", "W2": "$W_2$", "b2": "$b_2$",
              "y": "$y$"}
    inputs = {"W1": (0.85, 1.3), "b1": (1.85, 1.3), "W2": (3.55, 1.3), "b2": (4.55, 1.3),
              "y": (6.75, 1.3)}
    nodes = {**chain, **inputs}
    for name, (x, y) in nodes.items():
        color = "#fce5cd" if name in inputs else "#cfe2f3"
        ax.add_patch(FancyBboxPatch((x - 0.42, y - 0.28), 0.84, 0.56,
                                    boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=color, edgecolor="black", lw=1.0, zorder=3))
        ax.text(x, y, labels[name], ha="center", va="center", fontsize=17, zorder=4)

    def arrow(start, end, color="black", style="-|>", rad=0.0, lw=1.2):
        ax.annotate("", xy=end, xytext=start, zorder=2,
                    arrowprops={"arrowstyle": style, "color": color, "lw": lw,
                                "shrinkA": 0, "shrinkB": 0,
                                "connectionstyle": f"arc3,rad={rad}"})

    names = list(chain)
    for left, right in zip(names[:-1], names[1:], strict=True):
        (x0, y0), (x1, y1) = chain[left], chain[right]
        arrow((x0 + 0.42, y0), (x1 - 0.42, y1))
    for source, target in [("W1", "a1"), ("b1", "a1"), ("W2", "a2"), ("b2", "a2"), ("y", "loss")]:
        (x0, y0), (x1, y1) = inputs[source], chain[target]
        arrow((x0, y0 - 0.28), (x1 + 0.3 * (x0 - x1) / 1.3, y1 + 0.28))
    # Rückwärtsdurchlauf: Die Deltas fließen unter der Kette vom Verlust zurück zur Eingabe.
    red = "#c0392b"
    back = [("loss", "a2", r"$\delta_2$"), ("a2", "h1", r"$W_2\,\delta_2$"),
            ("h1", "a1", r"$\delta_1$")]
    for source, target, text in back:
        (x0, _), (x1, _) = chain[source], chain[target]
        if source == "loss":
            x0 -= 0.1
        arrow((x0, -0.3), (x1, -0.3), color=red, rad=-0.5, lw=1.4)
        ax.text((x0 + x1) / 2, -1.05, text, ha="center", va="center", fontsize=16, color=red)
    ax.set_xlim(-0.45, 7.2)
    ax.set_ylim(-1.4, 1.7)
    ax.set_aspect("equal")
    return fig
