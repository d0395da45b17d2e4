"""Kleine synthetische Datensätze, aus einem Seed erzeugt: Kreise und eindimensionale Zielfunktionen."""

import numpy as np


# ANCHOR: circles
def make_circles(n_samples=1000, noise=0.1, factor=0.5, seed=0):
    """Zwei verrauschte konzentrische Ringe: Klasse 0 außen (Radius 1), Klasse 1 innen.

    Gibt X der Form (n_samples, 2) und Labels y der Form (n_samples,) zurück. Jeder Punkt
    liegt unter einem gleichverteilt zufälligen Winkel auf seinem Ring (Radius 1 oder
    ``factor``), plus normalverteiltem Rauschen mit Standardabweichung ``noise`` in jeder
    Koordinate. Keine Gerade trennt die Klassen.
    """
    if n_samples < 2 or noise < 0 or not 0 < factor < 1:
        raise ValueError("Erwartet: n_samples >= 2, noise >= 0 und "
                         f"0 < factor < 1, erhalten: {n_samples}, {noise}, "
                         f"{factor}.")
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % 2  # gleich große Klassen
    radius = np.where(y == 1, factor, 1.0)
    angle = rng.uniform(0, 2 * np.pi, n_samples)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X += rng.normal(0, noise, X.shape)
    return X, y.astype(np.int64)
# ANCHOR_END: circles


# ANCHOR: target
def target_function(x):
    """f(x) = x sin(x): auf [-pi, pi] zwei Buckel, mit Nullstellen bei 0 und +-pi."""
    return x * np.sin(x)


def sample_function(f, n_samples=200, low=-np.pi, high=np.pi, noise=0.0,
                    seed=0):
    """Zieht x gleichverteilt aus [low, high]; gibt X (N, 1) und y = f(x) + Rauschen zurück."""
    if n_samples < 1 or not low < high:
        raise ValueError(f"Erwartet: n_samples >= 1 und low < high, erhalten: "
                         f"{n_samples}, [{low}, {high}].")
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, n_samples)
    y = f(x) + rng.normal(0, noise, n_samples) if noise > 0 else f(x)
    return x[:, None], y
# ANCHOR_END: target
