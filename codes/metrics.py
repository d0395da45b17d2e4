"""Kleine Helfer zur Auswertung: Genauigkeit und Konfusionsmatrix (Klassifikation), MAE und RMSE."""

import numpy as np


# ANCHOR: classification
def accuracy(labels, predicted):
    """Anteil der Beispiele, deren vorhergesagte Klasse die wahre Klasse ist."""
    labels, predicted = _same_shape(labels, predicted)
    return float(np.mean(labels == predicted))


def confusion_matrix(labels, predicted, num_classes=10):
    """C[j, k] = Zahl der Beispiele der wahren Klasse j, die als Klasse k vorhergesagt wurden."""
    labels, predicted = _same_shape(labels, predicted)
    if labels.size and (min(labels.min(), predicted.min()) < 0
                        or max(labels.max(), predicted.max()) >= num_classes):
        raise ValueError(f"Klassen müssen ganze Zahlen in [0, {num_classes}) sein.")
    counts = np.bincount(num_classes * labels + predicted, minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes)
# ANCHOR_END: classification


# ANCHOR: regression
def mae(target, predicted):
    """Mittlerer absoluter Fehler (1/N) sum_i |y^(i) - y_hat^(i)|."""
    target, predicted = _same_shape(target, predicted)
    return float(np.mean(np.abs(target - predicted)))


def rmse(target, predicted):
    """Wurzel des mittleren quadratischen Fehlers sqrt((1/N) sum_i (y^(i) - y_hat^(i))^2)."""
    target, predicted = _same_shape(target, predicted)
    return float(np.sqrt(np.mean((target - predicted) ** 2)))
# ANCHOR_END: regression


# ANCHOR: noise
def accuracy_standard_error(acc, n_images):
    """Standardfehler sqrt(p (1 - p) / N) einer Genauigkeit p, gemessen auf N Bildern.

    Das ist die Streuung, die eine einzelne Auswertung allein wegen der endlichen
    Auswertungsdaten hat: etwa 0,006 (0,6 Prozentpunkte) für p = 0,93 auf 2000 Bildern.
    """
    if n_images <= 0 or not 0.0 <= acc <= 1.0:
        raise ValueError(f"Erwartet: 0 <= acc <= 1 und n_images > 0, erhalten: {acc}, {n_images}.")
    return float(np.sqrt(acc * (1.0 - acc) / n_images))


def is_noise(first, second, floor=0.0):
    """Die Faustregel des Buches für "Rauschen" (eine Heuristik, kein Signifikanztest).

    ``first`` und ``second`` sind Paare (Mittelwert, Streuung), die Streuung ist die
    Standardabweichung über die Seeds. Ein Unterschied der Mittelwerte gilt als Rauschen,
    wenn er nicht größer ist als die Summe der beiden Streuungen (die Intervalle
    Mittelwert ± Streuung überlappen) oder nicht größer als ``floor``, etwa der
    Standardfehler einer Genauigkeit auf den Auswertungsdaten
    (:func:`accuracy_standard_error`). Die Kapitel 3 bis 6 entscheiden alle mit dieser Regel.
    """
    difference = abs(first[0] - second[0])
    return difference <= first[1] + second[1] or difference <= floor
# ANCHOR_END: noise


def _same_shape(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"Zielwerte und Vorhersagen brauchen dieselbe Form: {a.shape} != {b.shape}.")
    return a, b


# ANCHOR: plot_confusion
def plot_confusion_matrix(counts, ax=None):
    """Farbkarte einer Konfusionsmatrix mit der Anzahl in jeder Zelle (Zeilen: wahre Klasse).

    Die Anzahlen stehen in 10 pt, der größten Schrift, in der eine vierstellige Anzahl
    noch in ihre Zelle passt: Auf dem Telefon (390 px) schrumpft die Abbildung auf etwa
    340 px, und die Schrift bleibt über 9 CSS-px (tests/browser/test_phone.py).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 5.2))
    k = len(counts)
    ax.imshow(np.log1p(counts), cmap="Blues")  # logarithmische Skala: die wenigen Fehler bleiben sichtbar
    ax.grid(False)
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=10,
                    color="white" if i == j else "black")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("Vorhergesagte Klasse")
    ax.set_ylabel("Wahre Klasse")
    return ax.figure
# ANCHOR_END: plot_confusion
