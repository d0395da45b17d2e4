"""Verlustfunktionen des NumPy-MLP: der Verlust und das Delta der Ausgabeschicht delta_L.

Ein Verlustobjekt hat ``__call__(a, h, y)`` (den mittleren Verlust (1/n) sum_i l^(i) über
einen Mini-Batch, ein Beispiel je Zeile) und ``delta(a, h, y, activation)`` (delta_L =
dl/da_L für jede Zeile). Beide erhalten die Präaktivierung a_L und die Ausgabe
h_L = sigma_L(a_L), sodass jeder Verlust die günstigste und numerisch sicherste Form wählt.
"""

import numpy as np

from codes.activations import Softmax


# ANCHOR: half_squared_error
class HalfSquaredError:
    """l = 1/2 ||h_L - y||^2 je Beispiel, gemittelt über den Mini-Batch.

    Das ist der halbe quadratische Fehler, nicht der mittlere quadratische Fehler (MSE):
    PyTorchs ``MSELoss`` mittelt zusätzlich über die d_L Ausgaben und halbiert nicht, ist
    also um den Faktor d_L / 2 kleiner (bei 10 Ausgaben ein Fünftel).
    """

    name = "half_squared_error"

    def __call__(self, a, h, y):
        return 0.5 * float(np.sum((h - y) ** 2)) / _batch_size(h)

    def delta(self, a, h, y, activation):
        # Gl. (eq:delta-L): delta_L = sigma_L'(a_L) * dl/dh_L mit dl/dh_L = h_L - y.
        return (h - y) * activation.gradient(a, h)
# ANCHOR_END: half_squared_error


# ANCHOR: cross_entropy
class CrossEntropy:
    """l = -sum_j y_j log softmax(a_L)_j je Beispiel (y one-hot), gemittelt über den Mini-Batch."""

    name = "cross_entropy"

    def __call__(self, a, h, y):
        # log softmax(a) = a - max(a) - log sum exp(a - max(a)): kein Überlauf, kein log(0).
        shifted = a - a.max(axis=-1, keepdims=True)
        log_h = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        return -float(np.sum(y * log_h)) / _batch_size(h)

    def delta(self, a, h, y, activation):
        # Gl. (eq:delta-softmax-ce): Die Jacobi-Matrix der Softmax kürzt sich, delta_L = softmax(a_L) - y.
        return h - y
# ANCHOR_END: cross_entropy


LOSSES = {cls.name: cls for cls in (HalfSquaredError, CrossEntropy)}

# Frühere Namen: eine deutsche Fehlermeldung sagt, wie der Verlust jetzt heißt.
RENAMED = {"mse": "half_squared_error"}


def get_loss(name):
    """Gibt ein Verlustobjekt für ``"half_squared_error"`` oder ``"cross_entropy"`` zurück."""
    if name in RENAMED:
        raise ValueError(
            f"Der Verlust {name!r} heißt jetzt {RENAMED[name]!r}: Er berechnet den halben "
            "quadratischen Fehler 1/2 ||h - y||^2 je Beispiel, nicht den mittleren quadratischen "
            f"Fehler (MSE). Schreiben Sie loss={RENAMED[name]!r}.")
    if name not in LOSSES:
        raise ValueError(f"Unbekannte Verlustfunktion {name!r}; erlaubt sind {sorted(LOSSES)}.")
    return LOSSES[name]()


def check_output_activation(loss, activation):
    """Softmax gehört zur Kreuzentropie und die Kreuzentropie zur Softmax (delta_L = h_L - y)."""
    if isinstance(loss, CrossEntropy) != isinstance(activation, Softmax):
        raise ValueError(
            "Kreuzentropie verlangt 'softmax' als Aktivierung der letzten Schicht, und "
            f"'softmax' verlangt loss='cross_entropy'; erhalten: loss={loss.name!r}, "
            f"letzte Aktivierung {activation.name!r}."
        )


def _batch_size(h):
    return h.shape[0] if h.ndim == 2 else 1
