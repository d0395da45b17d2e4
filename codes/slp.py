"""Das Single-Layer-Perzeptron (SLP): eine verdeckte Schicht, trainiert mit Gradientenabstieg.

    h_1 = sigma_1(W_1^T x + b_1),    y_hat = sigma_2(W_2^T h_1 + b_2)

mit d_0 Eingaben, d_1 verdeckten Neuronen und einer Ausgabe (d_2 = 1). Die
Gleichungslabels verweisen auf das Kapitel "Das Single-Layer-Perzeptron" des Buches.
Zwei Ausgaben gibt es:

* ``output="sigmoid"``: y_hat = p(y=1 | x), Verlust = binäre Kreuzentropie;
* ``output="identity"``: y_hat = a_2, Verlust = (1/2) (y_hat - y)^2 (Regression).

In beiden Fällen ist delta_2 = dl/da_2 = y_hat - y, Gl. (eq:slp-delta2).
"""

import numpy as np

from codes.activations import get_activation
from codes.logistic_regression import (
    binary_cross_entropy,
    check_inputs,
    check_targets,
    gradient_descent,
)

OUTPUTS = ("sigmoid", "identity")


# ANCHOR: init
class SLP:
    """Netz d_0 -> d_1 -> 1; ``activation`` nennt die Aktivierung sigma_1 der verdeckten Schicht."""

    def __init__(self, n_inputs, n_hidden, activation="tanh", output="sigmoid",
                 seed=0, dtype=np.float64):
        if n_inputs < 1 or n_hidden < 1:
            raise ValueError(f"n_inputs und n_hidden müssen positiv sein, "
                             f"erhalten: {n_inputs}, {n_hidden}.")
        if output not in OUTPUTS:
            raise ValueError(f"Unbekannte Ausgabe {output!r}; "
                             f"erlaubt sind {list(OUTPUTS)}.")
        self.sigma1 = get_activation(activation)
        self.sigma2 = get_activation(output)
        self.n_inputs, self.output = n_inputs, output
        rng = np.random.default_rng(seed)
        # W_l ~ N(0, 1/d_{l-1}) hält jedes a_l in der Größenordnung eins; zufällige Biases
        # verteilen die Schwellen der verdeckten Neuronen über den Eingabebereich.
        W1 = rng.normal(0, 1 / np.sqrt(n_inputs), (n_inputs, n_hidden))
        W2 = rng.normal(0, 1 / np.sqrt(n_hidden), (n_hidden, 1))
        self.W1, self.W2 = W1.astype(dtype), W2.astype(dtype)
        self.b1 = rng.normal(0, 1, n_hidden).astype(dtype)
        self.b2 = np.zeros(1, dtype=dtype)

    def parameters(self):
        return [self.W1, self.b1, self.W2, self.b2]
# ANCHOR_END: init

    # ANCHOR: forward
    def forward(self, X):
        """A_1 = X W_1 + 1 b_1^T, H_1 = sigma_1(A_1), a_2 = H_1 W_2 + b_2."""
        X = check_inputs(X, self.n_inputs)
        A1 = X @ self.W1 + self.b1
        H1 = self.sigma1(A1)
        a2 = (H1 @ self.W2 + self.b2)[:, 0]  # d_2 = 1: eine Zahl je Beispiel
        return A1, H1, a2

    def feedforward(self, X):
        """y_hat = sigma_2(a_2) für jede Zeile von X, Gl. (eq:slp-forward)."""
        return self.sigma2(self.forward(X)[2])
    # ANCHOR_END: forward

    def predict_proba(self, X):
        """p(y=1 | x); nur für die Sigmoid-Ausgabe."""
        if self.output != "sigmoid":
            raise ValueError("predict_proba gibt es nur für output='sigmoid'.")
        return self.feedforward(X)

    def predict(self, X):
        """Klassen 0/1 (Sigmoid-Ausgabe: a_2 >= 0) oder Werte (identity)."""
        a2 = self.forward(X)[2]
        return (a2 >= 0).astype(np.int64) if self.output == "sigmoid" else a2

    def loss(self, X, y):
        """Mittlerer Verlust (1/n) sum_i l^(i) über die n Zeilen von X: Kreuzentropie oder halber quadratischer Fehler."""
        a2 = self.forward(X)[2]
        y = check_targets(y, len(a2), binary=self.output == "sigmoid")
        if self.output == "sigmoid":
            return binary_cross_entropy(a2, y)
        return 0.5 * np.mean((a2 - y) ** 2)

    # ANCHOR: gradient
    def gradient(self, X, y):
        """[dL/dW_1, dL/db_1, dL/dW_2, dL/db_2] durch Backpropagation, (eq:slp-grads)."""
        X = check_inputs(X, self.n_inputs)
        y = check_targets(y, len(X), binary=self.output == "sigmoid")
        A1, H1, a2 = self.forward(X)
        # Zeilen von Delta_2 und Delta_1 (unskaliert), Gl. (eq:slp-delta2) und (eq:slp-delta1)
        delta2 = (self.sigma2(a2) - y)[:, None]
        delta1 = (delta2 @ self.W2.T) * self.sigma1.gradient(A1)
        n = len(X)  # L ist ein Mittel über die Beispiele: jede Summe erhält den Faktor 1/n
        return [X.T @ delta1 / n, delta1.mean(axis=0),
                H1.T @ delta2 / n, delta2.mean(axis=0)]
    # ANCHOR_END: gradient

    def fit(self, X, y, eta=0.1, epochs=100, batch_size=None, seed=0):
        """Trainiert mit (Mini-Batch-)Gradientenabstieg; gibt den Verlust je Epoche zurück."""
        X = check_inputs(X, self.n_inputs)
        y = check_targets(y, len(X), binary=self.output == "sigmoid")
        return gradient_descent(self, X, y, eta, epochs, batch_size, seed)
