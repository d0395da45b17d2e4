"""Loss functions for the NumPy MLP: the loss value and the output delta delta_L.

A loss object has ``__call__(a, h, y)`` (the mean loss (1/n) sum_i l^(i) over a batch, rows = samples)
and ``delta(a, h, y, activation)`` (delta_L = dl/da_L for every row). Both receive the
output pre-activation a_L and the output h_L = sigma_L(a_L), so each loss can use the form
that is cheapest and numerically safest.
"""

import numpy as np

from codes.activations import Softmax


# ANCHOR: mse
class MeanSquaredError:
    """l = 1/2 ||h_L - y||^2 per sample, averaged over the batch."""

    name = "mse"

    def __call__(self, a, h, y):
        return 0.5 * float(np.sum((h - y) ** 2)) / _batch_size(h)

    def delta(self, a, h, y, activation):
        # Gl. (eq:delta-L): delta_L = sigma_L'(a_L) * dl/dh_L with dl/dh_L = h_L - y.
        return (h - y) * activation.gradient(a, h)
# ANCHOR_END: mse


# ANCHOR: cross_entropy
class CrossEntropy:
    """l = -sum_j y_j log softmax(a_L)_j per sample (y one-hot), averaged over the batch."""

    name = "cross_entropy"

    def __call__(self, a, h, y):
        # log softmax(a) = a - max(a) - log sum exp(a - max(a)): no overflow, no log(0).
        shifted = a - a.max(axis=-1, keepdims=True)
        log_h = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        return -float(np.sum(y * log_h)) / _batch_size(h)

    def delta(self, a, h, y, activation):
        # Gl. (eq:delta-softmax-ce): the softmax Jacobian cancels, delta_L = softmax(a_L) - y.
        return h - y
# ANCHOR_END: cross_entropy


LOSSES = {cls.name: cls for cls in (MeanSquaredError, CrossEntropy)}


def get_loss(name):
    """Return a loss object for ``"mse"`` or ``"cross_entropy"``."""
    if name not in LOSSES:
        raise ValueError(f"Unbekannte Verlustfunktion {name!r}; erlaubt sind {sorted(LOSSES)}.")
    return LOSSES[name]()


def check_output_activation(loss, activation):
    """Softmax belongs to cross-entropy and cross-entropy to softmax (delta_L = h_L - y)."""
    if isinstance(loss, CrossEntropy) != isinstance(activation, Softmax):
        raise ValueError(
            "Kreuzentropie verlangt 'softmax' als Aktivierung der letzten Schicht, und "
            f"'softmax' verlangt loss='cross_entropy'; erhalten: loss={loss.name!r}, "
            f"letzte Aktivierung {activation.name!r}."
        )


def _batch_size(h):
    return h.shape[0] if h.ndim == 2 else 1
