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


def _same_shape(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"Zielwerte und Vorhersagen brauchen dieselbe Form: {a.shape} != {b.shape}.")
    return a, b


# ANCHOR: plot_confusion
def plot_confusion_matrix(counts, ax=None):
    """Heat map of a confusion matrix with the count in every cell (rows: true class)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 5.2))
    k = len(counts)
    ax.imshow(np.log1p(counts), cmap="Blues")  # log scale: the few errors stay visible
    ax.grid(False)
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if i == j else "black")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("Vorhergesagte Klasse")
    ax.set_ylabel("Wahre Klasse")
    return ax.figure
# ANCHOR_END: plot_confusion
