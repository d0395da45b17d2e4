"""Self-check for the gradient of logistic regression (sheet 2)."""

import numpy as np

from codes.activations import Sigmoid
from codes.logistic_regression import LogisticRegression
from codes.selfcheck.core import (
    CheckResult,
    StudentError,
    call,
    compare,
    finish,
    require_callable,
)


def logreg_inputs(seed=0):
    """Named test cases (w, b, X, y)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (8, 3))
    return [
        ("zufällige Daten (float64, n = 8, 3 Merkmale)", rng.normal(0, 1, 3), 0.3, X,
         rng.integers(0, 2, 8)),
        ("float32-Daten (n = 5)", rng.normal(0, 1, 2).astype(np.float32), np.float32(-0.2),
         rng.normal(0, 1, (5, 2)).astype(np.float32), rng.integers(0, 2, 5)),
        ("Batchgröße 1", np.array([0.5, -1.0]), 0.1, np.array([[1.0, 2.0]]), np.array([1])),
        ("große Logits (|a| ≈ 1000)", np.array([500.0, -500.0]), 0.0,
         np.array([[1.0, -1.0], [-1.0, 1.0], [2.0, 0.0]]), np.array([0, 1, 1])),
    ]


def reference_gradient(w, b, X, y):
    """[dL/dw, dL/db] of the mean NLL, from codes.logistic_regression."""
    model = LogisticRegression(len(w))
    model.w[:], model.b[...] = w, b
    return model.gradient(X, y)


def flat(pair):
    """Concatenate (grad_w, grad_b) into one vector for comparison."""
    return np.concatenate([np.ravel(np.asarray(part, dtype=np.float64)) for part in pair])


def logreg_mistakes(w, b, X, y, expected):
    a = X @ w + b
    p = Sigmoid()(a)
    n = len(X)
    mse = (p - y) * p * (1 - p)
    return [
        (-expected, "Das Vorzeichen ist vertauscht: Sie berechnen den Gradienten der "
         "Log-Likelihood statt der *negativen* Log-Likelihood.",
         "∂𝓛/∂w = (1/n) Σ_i (p_i − y_i) x_i mit p_i = σ(w^T x_i + b)."),
        (n * expected, "Ihr Gradient ist um den Faktor n (Batchgröße) zu groß: Die Division "
         "durch n fehlt (1/n vergessen).",
         "𝓛 ist der *Mittelwert* der ℓ_i; teilen Sie die Summe über die Beispiele durch n."),
        (flat([X.T @ mse / n, mse.mean()]), "Das ist der Gradient des quadratischen Fehlers "
         "(least squares) mit Sigmoid: Er enthält den Faktor σ'(a) = p(1 − p).",
         "Bei der negativen Log-Likelihood kürzt sich σ'(a) heraus: ∂ℓ/∂a = p − y."),
        (flat([X.T @ (a - y) / n, np.mean(a - y)]), "Sie verwenden die Logits a = w^T x + b "
         "statt der Wahrscheinlichkeiten p = σ(a).", "Es gilt ∂ℓ/∂a = σ(a) − y."),
    ]


def check_logreg_gradient(fn, verbose=True, seed=0):
    """Check ``fn(w, b, X, y) -> (grad_w, grad_b)``: gradient of the mean NLL of logistic regression.

    X has shape (n, d) (one row per example), y contains 0/1 labels, w shape (d,), b a number.
    """
    require_callable(fn, "eine Funktion fn(w, b, X, y), die (grad_w, grad_b) zurückgibt")
    result = CheckResult("check_logreg_gradient")
    for label, w, b, X, y in logreg_inputs(seed):
        w64, X64 = w.astype(np.float64), X.astype(np.float64)
        expected = flat(reference_gradient(w64, float(b), X64, y))
        try:
            answer = call(fn, w.copy(), b, X.copy(), y.copy())
        except StudentError as error:
            result.fail(f"{label}: Ihre Funktion bricht mit {error} ab.",
                        "X hat die Form (n, d); X^T @ (p − y) hat dann die Form (d,).")
            continue
        if not isinstance(answer, tuple | list) or len(answer) != 2:
            result.fail(f"{label}: Erwartet wird ein Paar (grad_w, grad_b), erhalten: "
                        f"{type(answer).__name__}.", "return grad_w, grad_b")
            continue
        if np.shape(answer[0]) != w.shape:
            result.fail(f"{label}: grad_w hat die Form {np.shape(answer[0])}, erwartet {w.shape}.",
                        "grad_w hat dieselbe Form wie w.")
            continue
        with np.errstate(all="ignore"):
            mistakes = logreg_mistakes(w64, float(b), X64, y, expected)
        compare(result, label, flat(answer), expected, mistakes, dtype=X.dtype,
                hint="∂𝓛/∂w = (1/n) X^T (σ(Xw + b) − y), ∂𝓛/∂b = (1/n) Σ_i (σ(a_i) − y_i).")
    return finish(result, verbose)
