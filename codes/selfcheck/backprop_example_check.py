"""Selbsttest für die Handrechnung am 2-3-2-Netz (Übungsblatt 3).

Die Studierenden rechnen das Beispiel aus dem Abschnitt "Backpropagation nachgerechnet"
von Hand (oder mit dem Taschenrechner) durch: Vorwärtsrechnung, Deltas, einen SGD-Schritt
und den neuen Verlust. ``check_backprop_example`` vergleicht ihre gerundeten Zahlen mit
der Rechnung aus ``codes.backprop_example`` und erkennt die häufigsten Fehler.
"""

import numpy as np

from codes.backprop_example import EXAMPLE, backprop_by_hand
from codes.plotting import german_number
from codes.selfcheck.core import CheckResult, as_array, finish

# Handrechnungen runden auf vier Nachkommastellen; Folgefehler bleiben unter dieser Schranke.
RTOL, ATOL = 1e-3, 2e-3

# Die Größen, die die Aufgabe verlangt, in der Reihenfolge der Rechnung, mit deutschem Namen.
QUANTITIES = {
    "a1": "Präaktivierung a_1",
    "h1": "Ausgabe h_1",
    "a2": "Präaktivierung a_2",
    "h2": "Ausgabe h_2 (Softmax)",
    "loss": "Verlust ℓ",
    "delta2": "Delta δ_2",
    "delta1": "Delta δ_1",
    "grad_W2": "Gradient ∂ℓ/∂W_2",
    "grad_b2": "Gradient ∂ℓ/∂b_2",
    "grad_W1": "Gradient ∂ℓ/∂W_1",
    "grad_b1": "Gradient ∂ℓ/∂b_1",
    "W1_new": "neues W_1",
    "b1_new": "neues b_1",
    "W2_new": "neues W_2",
    "b2_new": "neues b_2",
    "loss_new": "neuer Verlust ℓ",
}


def reference_steps(eta, example=EXAMPLE):
    """Alle Größen der Aufgabe: Vorwärtsrechnung, Deltas, Gradienten, ein SGD-Schritt, neuer Verlust."""
    steps = backprop_by_hand(**example)
    (W1, W2), (b1, b2) = example["weights"], example["biases"]
    new = {"W1_new": W1 - eta * steps["grad_W1"], "b1_new": b1 - eta * steps["grad_b1"],
           "W2_new": W2 - eta * steps["grad_W2"], "b2_new": b2 - eta * steps["grad_b2"]}
    after = backprop_by_hand(example["x"], example["y"], [new["W1_new"], new["W2_new"]],
                             [new["b1_new"], new["b2_new"]])
    return {**steps, **new, "loss_new": after["loss"]}


def known_mistakes(key, steps, eta, example=EXAMPLE):
    """(falsche Zahl, Meldung, Tipp) für die häufigsten Fehler bei der Größe ``key``."""
    (W1, W2), (b1, b2) = example["weights"], example["biases"]
    old = {"W1_new": W1, "b1_new": b1, "W2_new": W2, "b2_new": b2}
    grad = {"W1_new": "grad_W1", "b1_new": "grad_b1", "W2_new": "grad_W2", "b2_new": "grad_b2"}
    mistakes = {
        "delta2": [(-steps["delta2"], "Das Vorzeichen ist vertauscht: δ_2 = h_2 − y, nicht y − h_2.",
                    "Softmax mit Kreuzentropie ergibt δ_L = h_L − y, Gl. (eq:delta-softmax-ce).")],
        "delta1": [(W2 @ steps["delta2"], "Der Faktor σ'(a_1) = h_1 ⊙ (1 − h_1) fehlt.",
                    "δ_1 = σ'(a_1) ⊙ (W_2 δ_2), Gl. (eq:delta-recursion).")],
        "grad_W1": [(steps["grad_W1"].T, "Das ist die transponierte Matrix: Zeile j gehört zum "
                     "Eingang x_j, Spalte k zum Neuron k (δ_{1,k}).", "∂ℓ/∂W_1 = x δ_1^T.")],
        "grad_W2": [(steps["grad_W2"].T, "Das ist die transponierte Matrix: Zeile j gehört zu "
                     "h_{1,j}, Spalte k zu δ_{2,k}.", "∂ℓ/∂W_2 = h_1 δ_2^T.")],
        "loss_new": [(steps["loss"], "Das ist der alte Verlust: Rechnen Sie die Vorwärtsrechnung "
                      "mit den neuen Gewichten noch einmal.", None)],
    }
    if key in old:
        return [(old[key] + eta * steps[grad[key]], "Der Schritt geht in die falsche Richtung: "
                 "SGD zieht η mal den Gradienten ab.", "θ ← θ − η ∂ℓ/∂θ, Gl. (eq:sgd-step)."),
                (old[key], "Das sind noch die alten Parameter.", None)]
    return mistakes.get(key, [])


def _close(answer, expected):
    return answer is not None and answer.shape == np.shape(expected) and bool(
        np.allclose(answer, expected, rtol=RTOL, atol=ATOL))


def check_backprop_example(answers, eta=0.5, verbose=True):
    """Prüft Ihre Handrechnung am 2-3-2-Netz: ``answers`` ist ein Wörterbuch Name -> Zahl(en).

    Erlaubte Namen (alle optional, geprüft wird, was Sie angeben): a1, h1, a2, h2, loss,
    delta2, delta1, grad_W2, grad_b2, grad_W1, grad_b1, W1_new, b1_new, W2_new, b2_new und
    loss_new. Matrizen haben die Form von W_l (d_{l-1} x d_l), Vektoren sind flach. Die
    Zahlen dürfen auf vier Nachkommastellen gerundet sein.
    """
    if not isinstance(answers, dict):
        raise TypeError(
            "Der Selbsttest erwartet ein Wörterbuch wie {'h1': [...], 'loss': ...}, erhalten "
            f"wurde ein Objekt vom Typ {type(answers).__name__!r}.")
    unknown = sorted(set(answers) - set(QUANTITIES))
    result = CheckResult("check_backprop_example")
    if unknown:
        result.fail(f"Unbekannte Namen: {', '.join(unknown)}.",
                    f"Erlaubt sind: {', '.join(QUANTITIES)}.")
    if not set(answers) & set(QUANTITIES):
        result.fail("Keine der gesuchten Größen angegeben.")
        return finish(result, verbose)
    steps = reference_steps(eta)
    for key, label in QUANTITIES.items():
        if key not in answers:
            continue
        answer, expected = as_array(answers[key]), steps[key]
        if _close(answer, expected):
            result.ok(label)
            continue
        for wrong, message, hint in known_mistakes(key, steps, eta):
            if _close(answer, wrong):
                result.fail_case(label, message, hint)
                break
        else:
            if answer is None or answer.shape != np.shape(expected):
                shape = "keine Zahlen" if answer is None else f"Form {answer.shape}"
                result.fail(f"{label}: erwartet wird die Form {np.shape(expected)}, erhalten {shape}.")
            else:
                worst = float(np.max(np.abs(answer - expected)))
                result.fail(f"{label}: Die Werte weichen ab (größte Abweichung "
                            f"{german_number(worst, '.4f')}).",
                            "Prüfen Sie die Größen davor; ein Fehler dort setzt sich fort.")
    return finish(result, verbose)
