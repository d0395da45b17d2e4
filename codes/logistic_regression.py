"""Logistische Regression von Grund auf: p(y=1 | x) = sigma(w^T x + b), Gradientenabstieg.

Die Gleichungslabels in den Docstrings verweisen auf das Kapitel "Logistische Regression"
des Buches. Beispiele stehen zeilenweise (alle N Beispiele oder ein Mini-Batch aus n):
``X`` hat die Form ``(n, d_0)`` mit d_0 = ``n_features`` und ``y`` die Form ``(n,)`` mit
Labels 0 oder 1. Beispiel i ist x^(i), y^(i); tiefgestellte Indizes zählen Komponenten
(Notationsseite des Buches).

``binary_cross_entropy``, die Eingabeprüfungen und ``gradient_descent`` teilt sich das
Modul mit ``codes.slp``.
"""

import numpy as np

from codes.activations import Sigmoid

sigmoid = Sigmoid()


# ANCHOR: bce
def binary_cross_entropy(a, y):
    """Mittlere negative Log-Likelihood (1/n) sum_i [log(1 + e^a^(i)) - y^(i) a^(i)], Gl. (eq:logreg-stable).

    Gleich -(1/n) sum_i [y^(i) log p^(i) + (1 - y^(i)) log(1 - p^(i))] mit
    p^(i) = sigma(a^(i)), Gl. (eq:logreg-nll), nimmt aber nie den Logarithmus einer
    Wahrscheinlichkeit, die auf 0 gerundet wurde.
    """
    return np.mean(np.logaddexp(0.0, a) - y * a)
# ANCHOR_END: bce


def check_inputs(X, n_features):
    """Gibt X als Feld der Form (n, n_features) zurück oder löst einen ValueError aus."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(
            f"X muss die Form (n, {n_features}) haben (eine Zeile pro Beispiel), "
            f"erhalten: {X.shape}."
        )
    return X


def check_targets(y, n, binary=True):
    """Gibt y als Feld der Form (n,) zurück (mit ``binary`` nur Labels 0/1) oder löst einen Fehler aus."""
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y muss die Form ({n},) haben (ein Zielwert pro Zeile "
                         f"von X), erhalten: {y.shape}.")
    if binary and not np.isin(y, (0, 1)).all():
        raise ValueError("y darf nur die Klassen 0 und 1 enthalten.")
    return y


# ANCHOR: gradient_descent
def gradient_descent(model, X, y, eta, epochs, batch_size=None, seed=0):
    """Mini-Batch-Gradientenabstieg theta <- theta - eta grad L, (eq:gd-update).

    ``model.parameters()`` und ``model.gradient(X, y)`` geben zueinander passende Listen
    von Feldern zurück; die Parameter werden an Ort und Stelle geändert. ``batch_size=None``
    nimmt in jedem Schritt alle Beispiele (Batch-Gradientenabstieg). Gibt den Verlust nach
    jeder Epoche zurück.
    """
    if eta <= 0 or epochs < 1 or (batch_size is not None and batch_size < 1):
        raise ValueError("eta muss positiv sein, epochs und batch_size >= 1.")
    rng = np.random.default_rng(seed)
    n = len(X)
    batch_size = n if batch_size is None else batch_size
    losses = []
    for _ in range(epochs):
        order = rng.permutation(n)  # jede Epoche eine neue zufällige Reihenfolge
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
    """Ein Sigmoid-Neuron: p = sigma(a), a = X w + b, Gl. (eq:logreg-model)."""

    def __init__(self, n_features, dtype=np.float64):
        if n_features < 1:
            raise ValueError(f"n_features muss positiv sein, "
                             f"erhalten: {n_features}.")
        self.n_features = n_features
        self.w = np.zeros(n_features, dtype=dtype)  # unbedenklich, denn L ist konvex
        self.b = np.zeros((), dtype=dtype)

    def parameters(self):
        return [self.w, self.b]

    def logits(self, X):
        """a = X w + b, ein Logit je Zeile von X."""
        return check_inputs(X, self.n_features) @ self.w + self.b

    def predict_proba(self, X):
        """p(y=1 | x) = sigma(w^T x + b) für jede Zeile x von X."""
        return sigmoid(self.logits(X))

    def predict(self, X):
        """Klasse 1, wo p >= 1/2 ist, also wo a = w^T x + b >= 0 ist."""
        return (self.logits(X) >= 0).astype(np.int64)

    def loss(self, X, y):
        """Mittlere negative Log-Likelihood L, Gl. (eq:logreg-nll)."""
        a = self.logits(X)
        return binary_cross_entropy(a, check_targets(y, len(a)))

    def gradient(self, X, y):
        """[dL/dw, dL/db] = [X^T (p - y) / n, mean(p - y)], (eq:logreg-grad)."""
        X = check_inputs(X, self.n_features)
        # dl/da = p - y für jedes Beispiel, Gl. (eq:logreg-delta)
        delta = self.predict_proba(X) - check_targets(y, len(X))
        return [X.T @ delta / len(X), np.mean(delta)]

    def fit(self, X, y, eta=0.1, epochs=10, batch_size=None, seed=0):
        """Trainiert mit (Mini-Batch-)Gradientenabstieg; gibt den Verlust je Epoche zurück."""
        X = check_inputs(X, self.n_features)
        y = check_targets(y, len(X))
        return gradient_descent(self, X, y, eta, epochs, batch_size, seed)
# ANCHOR_END: model
