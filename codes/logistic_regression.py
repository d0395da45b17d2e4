"""Logistic regression from scratch: p(y=1 | x) = sigma(w^T x + b), gradient descent.

The equation labels in the docstrings refer to the chapter "Logistische Regression"
of the book. Samples are stored as rows (all N samples, or a mini-batch of n): ``X`` has
shape ``(n, d_0)`` with d_0 = ``n_features`` and ``y`` shape ``(n,)`` with labels 0 or 1.
Sample i is x^(i), y^(i); subscripts count components (notation page of the book).

``binary_cross_entropy``, the input checks and ``gradient_descent`` are shared with
``codes.slp``.
"""

import numpy as np

from codes.activations import Sigmoid

sigmoid = Sigmoid()


# ANCHOR: bce
def binary_cross_entropy(a, y):
    """Mean NLL (1/n) sum_i [log(1 + e^a^(i)) - y^(i) a^(i)], Gl. (eq:logreg-stable).

    Equal to -(1/n) sum_i [y^(i) log p^(i) + (1 - y^(i)) log(1 - p^(i))] with
    p^(i) = sigma(a^(i)), Gl. (eq:logreg-nll), but never takes the log of a
    probability that was rounded to 0.
    """
    return np.mean(np.logaddexp(0.0, a) - y * a)
# ANCHOR_END: bce


def check_inputs(X, n_features):
    """Return X as an array of shape (n, n_features), or raise a ValueError."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(
            f"X muss die Form (n, {n_features}) haben (eine Zeile pro Beispiel), "
            f"erhalten: {X.shape}."
        )
    return X


def check_targets(y, n, binary=True):
    """Return y as an array of shape (n,) (labels 0/1 if ``binary``), or raise."""
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y muss die Form ({n},) haben (ein Zielwert pro Zeile "
                         f"von X), erhalten: {y.shape}.")
    if binary and not np.isin(y, (0, 1)).all():
        raise ValueError("y darf nur die Klassen 0 und 1 enthalten.")
    return y


# ANCHOR: gradient_descent
def gradient_descent(model, X, y, eta, epochs, batch_size=None, seed=0):
    """Mini-batch gradient descent theta <- theta - eta grad L, (eq:gd-update).

    ``model.parameters()`` and ``model.gradient(X, y)`` return matching lists
    of arrays; the parameters are updated in place. ``batch_size=None`` uses
    all samples in every step (batch gradient descent). Returns the loss
    after every epoch.
    """
    if eta <= 0 or epochs < 1 or (batch_size is not None and batch_size < 1):
        raise ValueError("eta muss positiv sein, epochs und batch_size >= 1.")
    rng = np.random.default_rng(seed)
    n = len(X)
    batch_size = n if batch_size is None else batch_size
    losses = []
    for _ in range(epochs):
        order = rng.permutation(n)  # a new random order in every epoch
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            gradients = model.gradient(X[batch], y[batch])
            for theta, grad in zip(model.parameters(), gradients, strict=True):
                theta -= eta * grad
        losses.append(model.loss(X, y))
    return losses
# ANCHOR_END: gradient_descent


# ANCHOR: model
class LogisticRegression:
    """One sigmoid neuron: p = sigma(a), a = X w + b, Gl. (eq:logreg-model)."""

    def __init__(self, n_features, dtype=np.float64):
        if n_features < 1:
            raise ValueError(f"n_features muss positiv sein, "
                             f"erhalten: {n_features}.")
        self.n_features = n_features
        self.w = np.zeros(n_features, dtype=dtype)  # fine, since L is convex
        self.b = np.zeros((), dtype=dtype)

    def parameters(self):
        return [self.w, self.b]

    def logits(self, X):
        """a = X w + b, one logit per row of X."""
        return check_inputs(X, self.n_features) @ self.w + self.b

    def predict_proba(self, X):
        """p(y=1 | x) = sigma(w^T x + b) for every row x of X."""
        return sigmoid(self.logits(X))

    def predict(self, X):
        """Class 1 where p >= 1/2, i.e. where a = w^T x + b >= 0."""
        return (self.logits(X) >= 0).astype(np.int64)

    def loss(self, X, y):
        """Mean negative log-likelihood L, Gl. (eq:logreg-nll)."""
        a = self.logits(X)
        return binary_cross_entropy(a, check_targets(y, len(a)))

    def gradient(self, X, y):
        """[dL/dw, dL/db] = [X^T (p - y) / n, mean(p - y)], (eq:logreg-grad)."""
        X = check_inputs(X, self.n_features)
        # dl/da = p - y for every sample, Gl. (eq:logreg-delta)
        delta = self.predict_proba(X) - check_targets(y, len(X))
        return [X.T @ delta / len(X), np.mean(delta)]

    def fit(self, X, y, eta=0.1, epochs=10, batch_size=None, seed=0):
        """Train by (mini-batch) gradient descent; return the loss per epoch."""
        X = check_inputs(X, self.n_features)
        y = check_targets(y, len(X))
        return gradient_descent(self, X, y, eta, epochs, batch_size, seed)
# ANCHOR_END: model
