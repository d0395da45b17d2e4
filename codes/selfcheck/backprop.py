"""Self-check for backpropagation in the NumPy MLP (sheet 3).

The student's code gets a ``codes.mlp.MLP`` and a mini-batch and returns the gradients
of the mean loss, ``(grads_w, grads_b)`` as lists over the layers, exactly like
``MLP.backprop``. The comparison is made layer by layer, so that the report can say
*where* the error sits: at the output (delta_L), in the recursion for delta_l (e.g.
W_{l+1} instead of its transpose) or in the averaging over the batch.
"""

import copy

import numpy as np

from codes.mlp import MLP
from codes.selfcheck.core import (
    CheckResult,
    StudentError,
    as_array,
    call,
    close,
    finish,
    require_callable,
)

RECURSION_HINT = ("Gl. für δ_l im Batch: Δ_l = (Δ_{l+1} W_{l+1}^T) ⊙ σ_l'(A_l). Prüfen Sie, "
                  "ob Sie W_{l+1} transponieren (transponierte Gewichte vergessen oder doppelt) "
                  "und σ' an A_l (nicht an H_l) auswerten.")


def backprop_cases(seed=0):
    """Named (network, x, y): different widths, square layers, batch size 1, float32."""
    rng = np.random.default_rng(seed)

    def data(net, n):
        x = rng.normal(0, 1, (n, net.sizes[0])).astype(net.dtype)
        if net.loss.name == "cross_entropy":
            return x, np.eye(net.sizes[-1], dtype=net.dtype)[rng.integers(0, net.sizes[-1], n)]
        return x, rng.normal(0, 1, (n, net.sizes[-1])).astype(net.dtype)

    cases = []
    for label, layers, loss, n, dtype in [
        ("Netz 4-5-3 (sigmoid, softmax + Kreuzentropie), n = 6",
         [(4, None), (5, "sigmoid"), (3, "softmax")], "cross_entropy", 6, np.float64),
        ("Netz 3-6-4-2 (tanh, relu, identity + MSE), n = 5",
         [(3, None), (6, "tanh"), (4, "relu"), (2, "identity")], "mse", 5, np.float64),
        ("quadratische Schichten 4-4-4-4, n = 7",
         [(4, None), (4, "tanh"), (4, "sigmoid"), (4, "softmax")], "cross_entropy", 7, np.float64),
        ("Batchgröße 1", [(3, None), (5, "sigmoid"), (2, "softmax")], "cross_entropy", 1,
         np.float64),
        ("float32-Netz, n = 4", [(4, None), (3, "relu"), (3, "softmax")], "cross_entropy", 4,
         np.float32),
    ]:
        net = MLP(layers, loss=loss, dtype=dtype, seed=seed)
        # Non-zero biases, so that a mix-up of W and b shows.
        for b in net.biases:
            b += rng.normal(0, 0.5, b.shape).astype(dtype)
        cases.append((label, net, *data(net, n)))
    return cases


def as_backprop_function(candidate):
    """A function (net, x, y) -> (grads_w, grads_b) from a function or an MLP-like class."""
    if isinstance(candidate, type):
        def via_class(net, x, y):
            layers = [(net.sizes[0], None)] + [(d, act.name) for d, act in
                                               zip(net.sizes[1:], net.activations, strict=True)]
            student = candidate(layers, loss=net.loss.name, dtype=net.dtype)
            student.weights = [W.copy() for W in net.weights]
            student.biases = [b.copy() for b in net.biases]
            return student.backprop(x, y)
        return via_class
    return candidate


def check_backprop(fn, verbose=True, seed=0):
    """Check backpropagation: ``fn(net, x, y) -> (grads_w, grads_b)`` or an MLP-like class.

    ``net`` is a ``codes.mlp.MLP`` (use ``net.weights``, ``net.biases``,
    ``net.activations`` and ``net.loss.delta``); the gradients are those of the *mean*
    loss over the batch x (n, d_0), y (n, d_L). A class is built like ``MLP(layers,
    loss=..., dtype=...)``, gets the reference weights and is asked for ``.backprop(x, y)``.
    """
    require_callable(fn, "eine Funktion fn(net, x, y) oder eine MLP-Klasse mit backprop")
    backprop = as_backprop_function(fn)
    result = CheckResult("check_backprop")
    for label, net, x, y in backprop_cases(seed):
        expected_w, expected_b = net.backprop(x, y)
        try:
            answer = call(backprop, copy.deepcopy(net), x.copy(), y.copy())
        except StudentError as error:
            shape_error = any(word in str(error) for word in ("shape", "align", "broadcast",
                                                               "dimension", "size"))
            result.fail(f"{label}: Ihr Code bricht mit {error} ab.",
                        RECURSION_HINT if shape_error else None)
            continue
        _compare_layers(result, label, answer, expected_w, expected_b, len(x), net.dtype)
    return finish(result, verbose)


def _compare_layers(result, label, answer, expected_w, expected_b, n, dtype):
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        result.fail(f"{label}: Erwartet wird ein Paar (grads_w, grads_b) von Listen über die "
                    "Schichten.", "return grads_w, grads_b")
        return
    grads_w, grads_b = (list(part) for part in answer)
    L = len(expected_w)
    if len(grads_w) != L or len(grads_b) != L:
        result.fail(f"{label}: Erwartet werden {L} Gradienten für W und für b (einer pro "
                    f"Schicht), erhalten {len(grads_w)} und {len(grads_b)}.")
        return
    expected = [*expected_w, *expected_b]
    student = [as_array(g) for g in (*grads_w, *grads_b)]
    for factor, message, hint in [
        (1, None, None),
        (n, f"Alle Gradienten sind um den Faktor n = {n} zu groß: die Division durch die "
            "Batchgröße fehlt (1/n vergessen).",
         "𝓛 ist der Mittelwert über den Batch; teilen Sie δ_L (oder die Gradienten) durch n."),
        (1 / n, f"Alle Gradienten sind um den Faktor n = {n} zu klein: Sie teilen zweimal durch n.",
         "Teilen Sie genau einmal durch die Batchgröße."),
        (-1, "Alle Gradienten haben das falsche Vorzeichen.",
         "δ_L = ∂ℓ/∂a_L, z. B. softmax(a_L) − y, nicht y − softmax(a_L)."),
    ]:
        if n == 1 and factor != 1 and abs(factor) == n:
            continue  # with n = 1 a missing 1/n cannot show
        if all(close(s, factor * e, dtype) for s, e in zip(student, expected, strict=True)):
            if message is None:
                result.ok(f"{label}: alle {L} Schichten stimmen")
            else:
                result.fail_case(label, message, hint)
            return
    wrong = [k + 1 for k in range(L) if not (close(student[k], expected[k], dtype)
                                             and close(student[L + k], expected[L + k], dtype))]
    shapes = [k + 1 for k in range(L) if student[L + k] is not None
              and student[L + k].shape != expected[L + k].shape]
    if shapes:
        result.fail(f"{label}: Der Gradient von b hat in Schicht(en) {shapes} die falsche Form "
                    f"(erwartet {[expected[L + k - 1].shape for k in shapes]}).",
                    "∂𝓛/∂b_l ist die Summe der Zeilen von Δ_l: Δ_l.sum(axis=0).")
    elif wrong == list(range(1, L)):
        result.fail(f"{label}: Die letzte Schicht stimmt, die Schichten {wrong} nicht: Der Fehler "
                    "liegt in der Rekursion für δ_l (z. B. W_{l+1} statt W_{l+1}^T, transponierte "
                    "Gewichte).", RECURSION_HINT)
    elif L in wrong:
        result.fail(f"{label}: Schon die Gradienten der letzten Schicht L = {L} stimmen nicht "
                    f"(falsche Schichten: {wrong}).",
                    "Prüfen Sie δ_L und ∂𝓛/∂W_L = H_{L−1}^T Δ_L, ∂𝓛/∂b_L = Σ_Zeilen Δ_L.")
    else:
        result.fail(f"{label}: Die Gradienten der Schichten {wrong} stimmen nicht.", RECURSION_HINT)
