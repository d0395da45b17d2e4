"""Wiederholte Trainingsläufe des NumPy-MLP: mehrere Seeds, Mittelwert und Streuung eines Ergebnisses.

Kapitel 3 vergleicht damit Lernraten und prüft die Schritte von Nielsens 784-30-10-Netz
zu einem größeren ReLU-Netz einzeln, jeden auf den Validierungsdaten.
"""

import numpy as np

from codes.mlp import MLP

# ANCHOR: ladder
# Jede Zeile ändert eine Sache gegenüber der Zeile davor.
LADDER = {
    "Nielsen (SLP): Sigmoid, halber quadratischer Fehler": (
        [(784, None), (30, "sigmoid"), (10, "sigmoid")], "half_squared_error"),
    "+ Softmax mit Kreuzentropie": ([(784, None), (30, "sigmoid"), (10, "softmax")],
                                    "cross_entropy"),
    "+ ReLU mit He-Initialisierung": ([(784, None), (30, "relu"), (10, "softmax")],
                                      "cross_entropy"),
    "+ breiter und tiefer, ein MLP (256, 128)": (
        [(784, None), (256, "relu"), (128, "relu"), (10, "softmax")], "cross_entropy"),
}
# ANCHOR_END: ladder


# ANCHOR: runs
def train_runs(layers, loss, train, val, *, eta, seeds, epochs, batch_size):
    """Trainiert ein Netz je Seed.

    Der Seed legt die Anfangsgewichte und die Reihenfolge der Mini-Batches fest.
    ``train`` und ``val`` sind Paare (x, one-hot-kodiertes y). Gibt die Verläufe und
    die trainierten Netze zurück, eines je Seed.
    """
    histories, nets = [], []
    for seed in seeds:
        net = MLP(layers, loss=loss, seed=seed)
        histories.append(net.train(*train, epochs=epochs, batch_size=batch_size,
                                   eta=eta, validation_data=val, seed=seed))
        nets.append(net)
    return histories, nets


def mean_and_spread(values):
    """Mittelwert und Stichproben-Standardabweichung (ddof=1; 0 für einen einzelnen Wert)."""
    values = np.asarray(values, dtype=np.float64)
    spread = values.std(ddof=1) if len(values) > 1 else 0.0
    return float(values.mean()), float(spread)


def largest_drop(curve):
    """Größter Abfall einer Kurve von einer Epoche zur nächsten (0, wenn keiner)."""
    curve = np.asarray(curve, dtype=np.float64)
    if len(curve) < 2:
        return 0.0
    return float(max(0.0, np.max(curve[:-1] - curve[1:])))
# ANCHOR_END: runs


# ANCHOR: schedule
def step_schedule(eta, epochs_high):
    """eta in den ersten ``epochs_high`` Epochen, danach eta / 10."""
    return lambda epoch: eta if epoch < epochs_high else eta / 10
# ANCHOR_END: schedule


def best_learning_rate(layers, loss, train, val, etas, *, epochs_high, seed, epochs,
                       batch_size):
    """Try each eta (with ``step_schedule``) for one seed; keep the best final validation accuracy.

    Returns the chosen eta, a dict eta -> final validation accuracy and the history of
    the chosen run (so that this seed need not be trained again).
    """
    finals, histories = {}, {}
    for eta in etas:
        (history,), _ = train_runs(layers, loss, train, val, eta=step_schedule(eta, epochs_high),
                                   seeds=[seed], epochs=epochs, batch_size=batch_size)
        finals[eta], histories[eta] = history["val_accuracy"][-1], history
    best = max(finals, key=finals.get)
    return best, finals, histories[best]


def dips_with_rising_loss(history, threshold=0.01):
    """(number of epochs where the validation accuracy fell by more than ``threshold``,
    how many of them also saw the training loss rise)."""
    val, loss = np.asarray(history["val_accuracy"]), np.asarray(history["loss"])
    dips = np.flatnonzero(val[:-1] - val[1:] > threshold) + 1
    return len(dips), int(np.sum(loss[dips] > loss[dips - 1]))
