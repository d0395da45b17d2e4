"""Self-checks for the problem sheets: call them with your own implementation.

    from codes.selfcheck import check_softmax
    check_softmax(my_softmax)

Each check tests your function on random inputs and edge cases (large logits,
batch size 1, float32) against the reference implementation in ``codes/``, prints a
short German report (what is right, what is wrong, a hint) and returns a
``CheckResult`` with ``.passed`` and ``.messages``. A wrong answer never raises;
passing something that cannot be called raises a TypeError.

Every check also takes ``seed`` (other random cases) and its result is machine-readable:
``result.cases`` (one per ✓/✗), ``result.score``, ``result.points(max_points)``,
``result.as_dict()``. Student code runs under a time limit per case, and whatever it
raises (also ``SystemExit`` and ``KeyboardInterrupt``) is reported in German.
Grading (points, hidden cases, no credit for calling the reference): ``codes.selfcheck.grading``.

Sheet 1: check_activation_gradient, check_sigmoid_derivative
Sheet 2: check_logreg_gradient, check_binary_cross_entropy
Sheet 3: check_softmax, check_cross_entropy_gradient, check_backprop
Sheet 4: check_parameter_count, check_residual_block
Sheet 5: check_attention_weights
Sheet 6: check_grid
"""

from codes.selfcheck.activations import (
    check_activation_gradient,
    check_sigmoid_derivative,
    check_softmax,
)
from codes.selfcheck.backprop import check_backprop
from codes.selfcheck.backprop_example_check import check_backprop_example as check_backprop_example
from codes.selfcheck.core import CheckResult
from codes.selfcheck.logreg import check_logreg_gradient
from codes.selfcheck.losses import check_binary_cross_entropy, check_cross_entropy_gradient


def __getattr__(name):
    """The checks that need PyTorch load it only when they are first used."""
    if name in ("check_parameter_count", "check_residual_block", "check_attention_weights"):
        from codes.selfcheck import torch_checks

        return getattr(torch_checks, name)
    if name == "check_grid":  # codes.hpo imports torch and optuna
        from codes.selfcheck.grid import check_grid

        return check_grid
    raise AttributeError(f"module 'codes.selfcheck' has no attribute {name!r}")


__all__ = [
    "CheckResult",
    "check_activation_gradient",
    "check_attention_weights",
    "check_backprop",
    "check_binary_cross_entropy",
    "check_cross_entropy_gradient",
    "check_grid",
    "check_logreg_gradient",
    "check_parameter_count",
    "check_residual_block",
    "check_sigmoid_derivative",
    "check_softmax",
]
