"""Prüft analytische Gradienten gegen zentrale Differenzenquotienten.

    df/dtheta_j  ~=  (f(theta + eps e_j) - f(theta - eps e_j)) / (2 eps)

Der Fehler dieser Schätzung ist O(eps^2); mit float64 und eps ~ 1e-6 stimmen analytische
und numerische Gradienten eines glatten Verlusts auf etwa 1e-8 (relativ) überein, ein
relativer Fehler über 1e-6 deutet also auf einen Fehler im Code.
"""

import numpy as np


def numerical_gradient(f, theta, eps=1e-6):
    """Zentrale Differenzen der skalaren Funktion f() nach dem Feld theta.

    ``theta`` wird an Ort und Stelle verändert, ein Eintrag nach dem anderen, und danach
    wiederhergestellt.
    """
    grad = np.zeros(theta.shape, dtype=np.float64)
    flat, flat_grad = theta.reshape(-1), grad.reshape(-1)  # Sichten auf theta und grad
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + eps
        f_plus = f()
        flat[j] = old - eps
        f_minus = f()
        flat[j] = old
        flat_grad[j] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), 0, wenn beide 0 sind."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def check_gradients(model, X, y, eps=1e-6):
    """Relativer Fehler jedes Eintrags von ``model.gradient(X, y)`` gegen zentrale Differenzen.

    Das Modell braucht ``parameters()``, ``gradient(X, y)`` (gleiche Reihenfolge) und
    ``loss(X, y)``; seine Parameter müssen float64-Felder sein (das Runden von float32
    überdeckt die Differenzen).
    """
    for theta in model.parameters():
        if theta.dtype != np.float64:
            raise ValueError(f"Gradientenprüfung braucht float64-Parameter, erhalten: "
                             f"{theta.dtype}.")
    analytic = model.gradient(X, y)
    return [relative_error(g, numerical_gradient(lambda: model.loss(X, y), theta, eps))
            for theta, g in zip(model.parameters(), analytic, strict=True)]
