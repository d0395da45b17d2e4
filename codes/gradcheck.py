"""Check analytic gradients against central finite differences.

    df/dtheta_j  ~=  (f(theta + eps e_j) - f(theta - eps e_j)) / (2 eps)

The error of this estimate is O(eps^2); with float64 and eps ~ 1e-6 analytic and numeric
gradients of a smooth loss agree to about 1e-8 (relative), so a relative error above
1e-6 points at a bug.
"""

import numpy as np


def numerical_gradient(f, theta, eps=1e-6):
    """Central differences of the scalar function f() with respect to the array theta.

    ``theta`` is perturbed in place, one entry at a time, and restored afterwards.
    """
    grad = np.zeros(theta.shape, dtype=np.float64)
    flat, flat_grad = theta.reshape(-1), grad.reshape(-1)  # views on theta and grad
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + eps
        f_plus = f()
        flat[j] = old - eps
        f_minus = f()
        flat[j] = old
        flat_grad[j] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), 0 when both are 0."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def check_gradients(model, X, y, eps=1e-6):
    """Relative error of each of ``model.gradient(X, y)`` against central differences.

    The model needs ``parameters()``, ``gradient(X, y)`` (same order) and ``loss(X, y)``;
    its parameters must be float64 arrays (float32 rounding swamps the differences).
    """
    for theta in model.parameters():
        if theta.dtype != np.float64:
            raise ValueError(f"Gradientenprüfung braucht float64-Parameter, erhalten: "
                             f"{theta.dtype}.")
    analytic = model.gradient(X, y)
    return [relative_error(g, numerical_gradient(lambda: model.loss(X, y), theta, eps))
            for theta, g in zip(model.parameters(), analytic, strict=True)]
