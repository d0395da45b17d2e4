"""Small synthetic data sets, generated from a seed: circles and 1-D target functions."""

import numpy as np


# ANCHOR: circles
def make_circles(n_samples=1000, noise=0.1, factor=0.5, seed=0):
    """Two noisy concentric rings: class 0 outside (radius 1), class 1 inside.

    Returns X of shape (n_samples, 2) and labels y of shape (n_samples,).
    Each point lies at a uniformly random angle on its ring (radius 1 or
    ``factor``), plus Gaussian noise with standard deviation ``noise`` in each
    coordinate. No straight line separates the classes.
    """
    if n_samples < 2 or noise < 0 or not 0 < factor < 1:
        raise ValueError("Erwartet: n_samples >= 2, noise >= 0 und "
                         f"0 < factor < 1, erhalten: {n_samples}, {noise}, "
                         f"{factor}.")
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % 2  # balanced classes
    radius = np.where(y == 1, factor, 1.0)
    angle = rng.uniform(0, 2 * np.pi, n_samples)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X += rng.normal(0, noise, X.shape)
    return X, y.astype(np.int64)
# ANCHOR_END: circles


# ANCHOR: target
def target_function(x):
    """f(x) = x sin(x): on [-pi, pi] two bumps, with zeros at 0 and +-pi."""
    return x * np.sin(x)


def sample_function(f, n_samples=200, low=-np.pi, high=np.pi, noise=0.0,
                    seed=0):
    """Draw x uniformly from [low, high]; return X (n, 1) and y = f(x) + noise."""
    if n_samples < 1 or not low < high:
        raise ValueError(f"Erwartet: n_samples >= 1 und low < high, erhalten: "
                         f"{n_samples}, [{low}, {high}].")
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, n_samples)
    y = f(x) + rng.normal(0, noise, n_samples) if noise > 0 else f(x)
    return x[:, None], y
# ANCHOR_END: target
