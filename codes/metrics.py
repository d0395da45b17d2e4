"""Small evaluation helpers: accuracy and confusion matrix (classification), MAE and RMSE."""

import numpy as np


# ANCHOR: classification
def accuracy(labels, predicted):
    """Fraction of samples whose predicted class equals the true class."""
    labels, predicted = _same_shape(labels, predicted)
    return float(np.mean(labels == predicted))


def confusion_matrix(labels, predicted, num_classes=10):
    """C[i, j] = number of samples of true class i predicted as class j."""
    labels, predicted = _same_shape(labels, predicted)
    if labels.size and (min(labels.min(), predicted.min()) < 0
                        or max(labels.max(), predicted.max()) >= num_classes):
        raise ValueError(f"Klassen müssen ganze Zahlen in [0, {num_classes}) sein.")
    counts = np.bincount(num_classes * labels + predicted, minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes)
# ANCHOR_END: classification


# ANCHOR: regression
def mae(target, predicted):
    """Mean absolute error (1/n) sum_i |y_i - y_hat_i|."""
    target, predicted = _same_shape(target, predicted)
    return float(np.mean(np.abs(target - predicted)))


def rmse(target, predicted):
    """Root mean squared error sqrt((1/n) sum_i (y_i - y_hat_i)^2)."""
    target, predicted = _same_shape(target, predicted)
    return float(np.sqrt(np.mean((target - predicted) ** 2)))
# ANCHOR_END: regression


# ANCHOR: noise
def accuracy_standard_error(acc, n_images):
    """Standard error sqrt(p (1 - p) / n) of one accuracy p measured on n images.

    It is the spread a single evaluation has from the finite evaluation set alone:
    about 0,006 (0,6 points) for p = 0,93 on 2 000 images.
    """
    if n_images <= 0 or not 0.0 <= acc <= 1.0:
        raise ValueError(f"Erwartet: 0 <= acc <= 1 und n_images > 0, erhalten: {acc}, {n_images}.")
    return float(np.sqrt(acc * (1.0 - acc) / n_images))


def is_noise(first, second, floor=0.0):
    """The book's rule of thumb for "noise" (a heuristic, not a significance test).

    ``first`` and ``second`` are (mean, spread) pairs, the spread being the standard
    deviation over seeds. A difference of the means counts as noise when it is no
    larger than the sum of the two spreads (the intervals mean ± spread overlap), or no
    larger than ``floor``, e.g. the standard error of one accuracy on the evaluation
    set (:func:`accuracy_standard_error`). Chapters 3 to 6 all decide with this rule.
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
    """Heat map of a confusion matrix with the count in every cell (rows: true class).

    The counts are set at 10 pt, the largest size at which a four-digit count still fits
    its cell: on a phone (390 px) the figure shrinks to about 340 px and they stay above
    9 CSS px (tests/browser/test_phone.py).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 5.2))
    k = len(counts)
    ax.imshow(np.log1p(counts), cmap="Blues")  # log scale: the few errors stay visible
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
