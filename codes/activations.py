"""Aktivierungsfunktionen sigma(a) mit ihren Ableitungen, gemeinsam für alle NumPy-Modelle.

Jede Aktivierung ist eine kleine Klasse mit ``__call__(a)`` (die Funktion, elementweise
auf einem Mini-Batch von Präaktivierungen ``a`` der Form ``(n, d_l)``) und
``gradient(a, h=None)`` (die Ableitung sigma'(a), elementweise; wer ``h = sigma(a)`` schon
hat, darf es übergeben und spart das erneute Berechnen von sigma). Softmax ist die
Ausnahme: Sie wirkt auf jede Zeile, und ihre Ableitung wird nur zusammen mit der
Kreuzentropie gebraucht, wo sich die Jacobi-Matrix der Softmax kürzt
(delta_L = softmax(a_L) - y); ``gradient`` ist für sie deshalb nicht definiert.
"""

import numpy as np


# ANCHOR: sigmoid
class Sigmoid:
    """sigma(a) = 1 / (1 + exp(-a)), mit sigma'(a) = sigma(a) (1 - sigma(a))."""

    name = "sigmoid"

    def __call__(self, a):
        # Mit exp(-|a|) geschrieben, damit großes |a| nie überläuft.
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def gradient(self, a, h=None):
        # h = sigma(a) aus der Vorwärtsrechnung, falls übergeben, spart das erneute Berechnen.
        s = self(a) if h is None else h
        return s * (1.0 - s)
# ANCHOR_END: sigmoid


# ANCHOR: tanh_relu_identity
class Tanh:
    """tanh(a), mit tanh'(a) = 1 - tanh(a)^2."""

    name = "tanh"

    def __call__(self, a):
        return np.tanh(a)

    def gradient(self, a, h=None):
        t = np.tanh(a) if h is None else h
        return 1.0 - t * t


class ReLU:
    """max(0, a), mit Ableitung 1 für a > 0 und sonst 0 (0 bei a = 0 nach Konvention)."""

    name = "relu"

    def __call__(self, a):
        return np.maximum(a, 0.0)

    def gradient(self, a, h=None):
        return (a > 0).astype(np.result_type(a, np.float32))


class Identity:
    """sigma(a) = a, die Ausgabeaktivierung für Regression."""

    name = "identity"

    def __call__(self, a):
        return a

    def gradient(self, a, h=None):
        return np.ones_like(a)
# ANCHOR_END: tanh_relu_identity


# ANCHOR: softmax
class Softmax:
    """softmax(a)_j = exp(a_j) / sum_k exp(a_k), angewandt auf jede Zeile eines Mini-Batches."""

    name = "softmax"

    def __call__(self, a):
        # Das Abziehen des Zeilenmaximums ändert mathematisch nichts, verhindert aber den Überlauf.
        z = np.exp(a - a.max(axis=-1, keepdims=True))
        return z / z.sum(axis=-1, keepdims=True)

    def gradient(self, a, h=None):
        raise NotImplementedError(
            "Softmax wird nur zusammen mit der Kreuzentropie verwendet; dort gilt "
            "delta_L = softmax(a_L) - y, die Ableitung von Softmax allein wird nicht gebraucht."
        )
# ANCHOR_END: softmax


ACTIVATIONS = {cls.name: cls for cls in (Sigmoid, Tanh, ReLU, Identity, Softmax)}


def get_activation(name_or_activation):
    """Gibt ein Aktivierungsobjekt für einen Namen wie ``"relu"`` zurück (oder reicht ein Objekt durch)."""
    if not isinstance(name_or_activation, str):
        if callable(name_or_activation) and hasattr(name_or_activation, "gradient"):
            return name_or_activation
        raise ValueError(
            f"Aktivierung {name_or_activation!r} hat keine Methode 'gradient'; "
            f"erwartet wird ein Name aus {sorted(ACTIVATIONS)} oder ein Aktivierungsobjekt."
        )
    key = name_or_activation.lower()
    if key not in ACTIVATIONS:
        raise ValueError(
            f"Unbekannte Aktivierung {name_or_activation!r}; erlaubt sind {sorted(ACTIVATIONS)}."
        )
    return ACTIVATIONS[key]()
