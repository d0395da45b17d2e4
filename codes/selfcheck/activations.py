"""Self-checks for activation functions, their derivatives and softmax (sheets 1 and 3)."""

import numpy as np

from codes.activations import Softmax, get_activation
from codes.selfcheck.core import CheckResult, StudentError, call, finish, require_callable, run_case


def activation_inputs(seed=0):
    """Named test inputs a (float64, float32, batch size 1, large |a|)."""
    rng = np.random.default_rng(seed)
    return [
        ("zufällige Eingaben (float64, Form (5, 4))", rng.normal(0, 3, (5, 4))),
        ("float32-Eingaben", rng.normal(0, 3, (3, 4)).astype(np.float32)),
        ("Batchgröße 1 (Form (1, 6))", rng.normal(0, 3, (1, 6))),
        ("große Beträge (a = ±1000, ±50)", np.array([[-1000.0, -50.0, -0.5, 0.5, 50.0, 1000.0]])),
    ]


def _sigmoid_mistakes(a, sigma, derivative):
    s = sigma(a)
    naive = np.exp(-a) / (1 + np.exp(-a)) ** 2
    return [
        (s, "Sie geben σ(a) zurück, nicht die Ableitung σ'(a).",
         "Leiten Sie σ(a) = 1/(1 + e^(−a)) ab und schreiben Sie das Ergebnis als σ(a)(1 − σ(a))."),
        (-derivative, "Das Vorzeichen ist vertauscht.",
         "σ ist monoton steigend, also ist σ'(a) > 0 für alle a."),
        (1 - s**2, "Sie berechnen 1 − σ(a)²; das ist die Form der tanh-Ableitung.",
         "Für die Sigmoidfunktion gilt σ'(a) = σ(a)(1 − σ(a))."),
        (naive, "Für große |a| entsteht nan: e^(−a) läuft über, und inf/inf ist nan.",
         "Berechnen Sie zuerst s = σ(a) numerisch stabil und dann s(1 − s)."),
    ]


def _tanh_mistakes(a, sigma, derivative):
    return [
        (sigma(a), "Sie geben tanh(a) zurück, nicht die Ableitung.",
         "Es gilt tanh'(a) = 1 − tanh(a)²."),
        (-derivative, "Das Vorzeichen ist vertauscht.", "tanh ist monoton steigend."),
        (1 - a**2, "Sie berechnen 1 − a² statt 1 − tanh(a)².",
         "Das Quadrat gehört zu tanh(a), nicht zu a."),
        (1 - np.tanh(a), "Sie berechnen 1 − tanh(a); das Quadrat fehlt.",
         "Es gilt tanh'(a) = 1 − tanh(a)²."),
    ]


def _relu_mistakes(a, sigma, derivative):
    return [
        (sigma(a), "Sie geben ReLU(a) = max(0, a) zurück, nicht die Ableitung.",
         "Die Ableitung ist 1 für a > 0 und 0 für a < 0."),
        ((a < 0).astype(float), "Die Stufe ist verkehrt herum: 1 für a < 0 statt für a > 0.",
         "ReLU ist für positive a die Identität (Steigung 1) und sonst konstant 0."),
        (-derivative, "Das Vorzeichen ist vertauscht.", "ReLU ist monoton steigend."),
    ]


MISTAKES = {"sigmoid": _sigmoid_mistakes, "tanh": _tanh_mistakes, "relu": _relu_mistakes}


def check_activation_gradient(fn, name="sigmoid", verbose=True, seed=0):
    """Check ``fn(a)`` against sigma'(a) of the activation ``name`` ("sigmoid", "tanh", "relu").

    ``fn`` works elementwise on arrays of any shape. The reference is
    ``codes.activations``; for ReLU both 0 and 1 are accepted at a = 0.
    """
    require_callable(fn, "eine Funktion fn(a), die die Ableitung σ'(a) elementweise berechnet")
    if name not in MISTAKES:
        raise ValueError(f"Unbekannte Aktivierung {name!r}; erlaubt sind {sorted(MISTAKES)}.")
    sigma = get_activation(name)
    result = CheckResult(f"check_activation_gradient ({name})")
    for label, a in activation_inputs(seed):
        expected = sigma.gradient(a.astype(np.float64))
        with np.errstate(all="ignore"):
            mistakes = MISTAKES[name](a.astype(np.float64), sigma, expected)
        run_case(result, label, fn, (a,), expected, mistakes, dtype=a.dtype,
                 hint="Vergleichen Sie mit der Herleitung der Ableitung auf dem Übungsblatt.")
    if name == "relu":
        _check_relu_at_zero(result, fn)
    return finish(result, verbose)


def _check_relu_at_zero(result, fn):
    try:
        value = np.asarray(call(fn, np.zeros((1, 1))), dtype=np.float64)
    except (StudentError, TypeError, ValueError) as error:  # reported, not raised
        result.fail(f"a = 0: Ihre Funktion bricht mit {error} ab.")
        return
    if value.shape == (1, 1) and value[0, 0] in (0.0, 1.0):
        result.ok(f"a = 0: ReLU ist dort nicht differenzierbar; Ihr Wert {value[0, 0]:g} ist "
                  "eine zulässige Konvention.")
    else:
        result.fail(f"a = 0: erwartet 0 oder 1 (Konvention), erhalten {value.ravel()}.")


def check_sigmoid_derivative(fn, verbose=True, seed=0):
    """Check ``fn(a)`` against sigma'(a) = sigma(a) (1 - sigma(a)), elementwise."""
    result = check_activation_gradient(fn, "sigmoid", verbose=False, seed=seed)
    result.name = "check_sigmoid_derivative"
    return finish(result, verbose)


def softmax_inputs(seed=0):
    """Named test batches of logits (rows = examples)."""
    rng = np.random.default_rng(seed)
    return [
        ("zufällige Logits (float64, Form (5, 4))", rng.normal(0, 2, (5, 4))),
        ("quadratischer Batch (Form (4, 4))", rng.normal(0, 2, (4, 4))),
        ("float32-Logits", rng.normal(0, 2, (3, 5)).astype(np.float32)),
        ("Batchgröße 1 (Form (1, 3))", np.array([[0.5, -1.0, 2.0]])),
        ("große Logits (±1000)", np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1002.0]])),
    ]


def softmax_mistakes(a):
    """Outputs of the usual wrong softmax implementations, with message and hint."""
    e = np.exp(a)
    col = np.exp(a - a.max(axis=0, keepdims=True))
    glob = np.exp(a - a.max())
    row = np.exp(a - a.max(axis=1, keepdims=True))
    return [
        (e / e.sum(axis=1, keepdims=True),
         "Bei großen Logits entsteht nan oder inf: ohne Verschiebung läuft exp(1000) über "
         "(inf/inf = nan).",
         "Ziehen Sie vor exp das Maximum jeder Zeile ab, exp(a − max_k a_k); das ändert "
         "softmax mathematisch nicht."),
        (col / col.sum(axis=0, keepdims=True),
         "Sie normieren über den Batch (axis=0): Die Spalten summieren sich zu 1, nicht die Zeilen.",
         "Softmax wirkt auf jede Zeile (ein Beispiel) einzeln: max und sum mit axis=1 "
         "(oder axis=-1) und keepdims=True."),
        (e / e.sum(axis=0, keepdims=True),
         "Sie normieren über den Batch (axis=0): Die Spalten summieren sich zu 1, nicht die "
         "Zeilen (und ohne Verschiebung um das Maximum).",
         "Softmax wirkt auf jede Zeile einzeln: axis=1 und keepdims=True; vorher das "
         "Zeilenmaximum abziehen."),
        (glob / glob.sum(),
         "Sie normieren über alle Einträge des Arrays; jede Zeile muss für sich die Summe 1 haben.",
         "Summieren Sie mit axis=1, keepdims=True."),
        (glob / glob.sum(axis=1, keepdims=True),
         "Sie ziehen das Maximum des ganzen Arrays ab statt das jeder Zeile; Zeilen mit kleinen "
         "Logits werden zu 0/0 = nan.",
         "Verwenden Sie a.max(axis=1, keepdims=True)."),
        (lambda: row / row.sum(axis=1)[None, :],  # only square batches broadcast
         "Sie teilen durch die Zeilensummen, aber entlang der falschen Achse (keepdims=True "
         "vergessen?): (n, K) / (n,) teilt Spalte j durch die Summe von Zeile j.",
         "Summieren Sie mit sum(axis=1, keepdims=True), dann hat die Summe die Form (n, 1)."),
        (e, "Die Normierung fehlt: Sie geben exp(a) zurück.",
         "Teilen Sie durch die Summe jeder Zeile."),
    ]


def check_softmax(fn, verbose=True, seed=0):
    """Check ``fn(a)`` for a batch a of shape (n, K): softmax of every row (sum 1 per row)."""
    require_callable(fn, "eine Funktion fn(a), die softmax auf jede Zeile von a anwendet")
    result = CheckResult("check_softmax")
    softmax = Softmax()
    for label, a in softmax_inputs(seed):
        with np.errstate(all="ignore"):
            mistakes = softmax_mistakes(a.astype(np.float64))
        run_case(result, label, fn, (a,), softmax(a.astype(np.float64)), mistakes, dtype=a.dtype,
                 hint="Jede Zeile soll exp(a_j − max a) / Σ_k exp(a_k − max a) sein.",
                 crash_hint="Achten Sie auf keepdims=True, damit (n, K) / (n, 1) zeilenweise "
                            "geteilt wird.")
    return finish(result, verbose)
