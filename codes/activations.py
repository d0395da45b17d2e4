"""Activation functions sigma(a) with their derivatives, shared by all NumPy models.

Every activation is a small class with ``__call__(a)`` (the function, elementwise
over a batch of pre-activations ``a`` of shape ``(n, d_l)``) and ``gradient(a, h=None)`` (the derivative
sigma'(a), elementwise; a caller that already holds ``h = sigma(a)`` may pass it, which
saves recomputing sigma). Softmax is the exception: it acts on each row, and its
derivative is only ever used together with cross-entropy, where it cancels
(delta_L = softmax(a_L) - y), so ``gradient`` is not defined for it.
"""

import numpy as np


# ANCHOR: sigmoid
class Sigmoid:
    """sigma(a) = 1 / (1 + exp(-a)), with sigma'(a) = sigma(a) (1 - sigma(a))."""

    name = "sigmoid"

    def __call__(self, a):
        # Written with exp(-|a|) so that large |a| never overflows.
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def gradient(self, a, h=None):
        # h = sigma(a) from the forward pass, when given, saves computing sigma again.
        s = self(a) if h is None else h
        return s * (1.0 - s)
# ANCHOR_END: sigmoid


# ANCHOR: tanh_relu_identity
class Tanh:
    """tanh(a), with tanh'(a) = 1 - tanh(a)^2."""

    name = "tanh"

    def __call__(self, a):
        return np.tanh(a)

    def gradient(self, a, h=None):
        t = np.tanh(a) if h is None else h
        return 1.0 - t * t


class ReLU:
    """max(0, a), with derivative 1 for a > 0 and 0 otherwise (0 at a = 0 by convention)."""

    name = "relu"

    def __call__(self, a):
        return np.maximum(a, 0.0)

    def gradient(self, a, h=None):
        return (a > 0).astype(np.result_type(a, np.float32))


class Identity:
    """sigma(a) = a, the output activation for regression."""

    name = "identity"

    def __call__(self, a):
        return a

    def gradient(self, a, h=None):
        return np.ones_like(a)
# ANCHOR_END: tanh_relu_identity


# ANCHOR: softmax
class Softmax:
    """softmax(a)_j = exp(a_j) / sum_k exp(a_k), applied to each row of a batch."""

    name = "softmax"

    def __call__(self, a):
        # Subtracting the row maximum changes nothing mathematically but avoids overflow.
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
    """Return an activation object for a name such as ``"relu"`` (or pass one through)."""
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
