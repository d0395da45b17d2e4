"""Self-checks for the binary cross-entropy (sheet 2) and delta_L of softmax + cross-entropy (sheet 3)."""

import numpy as np

from codes.activations import Sigmoid, Softmax
from codes.logistic_regression import binary_cross_entropy
from codes.losses import CrossEntropy
from codes.selfcheck.core import CheckResult, finish, require_callable, run_case


def bce_inputs(seed=0):
    """Named test cases (logits a, labels y)."""
    rng = np.random.default_rng(seed)
    return [
        ("zufällige Logits (float64, n = 8)", rng.normal(0, 2, 8), rng.integers(0, 2, 8)),
        ("float32-Logits (n = 6)", rng.normal(0, 2, 6).astype(np.float32), rng.integers(0, 2, 6)),
        ("Batchgröße 1", np.array([0.7]), np.array([1])),
        ("große Logits (a = ±1000, richtig und falsch klassifiziert)",
         np.array([1000.0, -1000.0, 1000.0, -1000.0]), np.array([1, 0, 0, 1])),
    ]


def bce_mistakes(a, y):
    p = Sigmoid()(a)
    naive = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    reference = binary_cross_entropy(a, y)
    return [
        (len(a) * reference, "Sie summieren über die Beispiele, statt zu mitteln: Der Wert ist "
         "um den Faktor n zu groß.", "Teilen Sie durch die Batchgröße n (oder nehmen Sie np.mean)."),
        (-reference, "Das Vorzeichen ist vertauscht: Die Kreuzentropie ist nie negativ.",
         "Der Verlust ist die *negative* Log-Likelihood, −[y log p + (1 − y) log(1 − p)]."),
        (np.mean(naive), "Bei großen Logits entsteht nan oder inf: σ(a) rundet auf 0 oder 1, "
         "und log(0) = −inf (0 · log 0 ergibt nan).",
         "Rechnen Sie mit den Logits: −[y log p + (1 − y) log(1 − p)] = log(1 + e^a) − y a, "
         "stabil als np.logaddexp(0, a) − y * a."),
        (np.mean(-y * np.log(p)), "Der Term (1 − y) log(1 − p) für die Klasse 0 fehlt.",
         "Beide Klassen tragen bei: −[y log p + (1 − y) log(1 − p)]."),
    ]


def check_binary_cross_entropy(fn, verbose=True, seed=0):
    """Check ``fn(a, y)``: the mean binary cross-entropy of logits a (n,) and labels y (n,)."""
    require_callable(fn, "eine Funktion fn(a, y), die die mittlere binäre Kreuzentropie "
                         "der Logits a berechnet")
    result = CheckResult("check_binary_cross_entropy")
    for label, a, y in bce_inputs(seed):
        a64 = a.astype(np.float64)
        with np.errstate(all="ignore"):
            mistakes = bce_mistakes(a64, y)
        run_case(result, label, fn, (a, y), binary_cross_entropy(a64, y), mistakes, dtype=a.dtype,
                 hint="𝓛 = (1/n) Σ_i −[y_i log σ(a_i) + (1 − y_i) log(1 − σ(a_i))].")
    return finish(result, verbose)


def delta_inputs(seed=0):
    """Named test cases (logits A of shape (n, K), one-hot targets Y)."""
    rng = np.random.default_rng(seed)

    def one_hot(labels, k):
        return np.eye(k)[labels]

    return [
        ("zufällige Logits (float64, Form (6, 4))", rng.normal(0, 2, (6, 4)),
         one_hot(rng.integers(0, 4, 6), 4)),
        ("float32-Logits (Form (3, 5))", rng.normal(0, 2, (3, 5)).astype(np.float32),
         one_hot(rng.integers(0, 5, 3), 5).astype(np.float32)),
        ("Batchgröße 1 (Form (1, 3))", np.array([[2.0, -1.0, 0.5]]), one_hot([1], 3)),
        ("große Logits (±1000)", np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 999.0]]),
         one_hot([2, 1], 3)),
    ]


def delta_mistakes(a, y):
    s = Softmax()(a)
    e = np.exp(a)
    col = np.exp(a - a.max(axis=0, keepdims=True))
    return [
        (y - s, "Das Vorzeichen ist vertauscht: Sie berechnen y − softmax(a).",
         "δ_L = ∂ℓ/∂a_L = softmax(a_L) − y; der Gradientenabstieg geht dann in Richtung −δ."),
        ((s - y) / len(a), "Sie teilen durch die Batchgröße n. δ_L ist die Ableitung des Verlusts "
         "ℓ *eines* Beispiels; der Faktor 1/n kommt erst bei den Gradienten von W_L und b_L dazu.",
         "Geben Sie für jede Zeile softmax(a) − y zurück."),
        (e / e.sum(axis=1, keepdims=True) - y, "Bei großen Logits entsteht nan: softmax ohne "
         "Verschiebung um das Zeilenmaximum läuft über.",
         "Ziehen Sie vor exp das Maximum jeder Zeile ab."),
        (col / col.sum(axis=0, keepdims=True) - y, "Ihre Softmax normiert über den Batch (axis=0) "
         "statt über die Klassen jeder Zeile.", "Normieren Sie mit axis=1, keepdims=True."),
        ((s - y) * s * (1 - s), "Sie multiplizieren zusätzlich mit softmax(a)(1 − softmax(a)); bei "
         "Softmax mit Kreuzentropie kürzt sich die Ableitung der Softmax heraus.",
         "Setzen Sie die Jacobi-Matrix von softmax in die Kettenregel ein: Es bleibt softmax − y."),
        (Sigmoid()(a) - y, "Sie verwenden σ(a) (Sigmoid) statt softmax(a).",
         "Die Ausgabeschicht ist eine Softmax über alle K Klassen."),
    ]


def check_cross_entropy_gradient(fn, verbose=True, seed=0):
    """Check ``fn(a, y)`` = delta_L = dl/da_L = softmax(a_L) - y for every row of a batch.

    a has shape (n, K) (logits of the output layer), y is one-hot of the same shape.
    """
    require_callable(fn, "eine Funktion fn(a, y), die δ_L = softmax(a) − y für jede Zeile "
                         "berechnet")
    result = CheckResult("check_cross_entropy_gradient")
    loss, softmax = CrossEntropy(), Softmax()
    for label, a, y in delta_inputs(seed):
        a64, y64 = a.astype(np.float64), y.astype(np.float64)
        expected = loss.delta(a64, softmax(a64), y64, softmax)
        with np.errstate(all="ignore"):
            mistakes = delta_mistakes(a64, y64)
        run_case(result, label, fn, (a, y), expected, mistakes, dtype=a.dtype,
                 hint="Leiten Sie ℓ = −Σ_j y_j log softmax(a)_j nach a_k ab (Fall j = k und j ≠ k).")
    return finish(result, verbose)
