"""Argument checks shared by the NumPy MLP, the PyTorch models and the training loops.

Each check raises a ``ValueError`` with a short German message that names the argument,
what was expected and what came instead, before anything is computed. PyTorch is only
imported by ``check_tensor`` (the NumPy chapters never call it), so ``codes.mlp`` stays
free of PyTorch.
"""

import math
from numbers import Integral, Real


def is_positive_int(value):
    """True for 1, 2, ... (also NumPy integers); False for booleans, floats and the rest."""
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= 1


def check_positive_int(name, value):
    """Raise unless ``value`` is a positive whole number (a boolean is not one)."""
    if not is_positive_int(value):
        raise ValueError(f"{name} muss eine positive ganze Zahl sein, nicht {value!r}.")
    return int(value)


def check_learning_rate(value, name="lr"):
    """Raise unless the learning rate is a positive finite number; return it as a float."""
    if type(value) is float and 0.0 < value < math.inf:  # the usual case, checked per batch
        return value
    if isinstance(value, bool) or not isinstance(value, Real) or not (
            math.isfinite(value) and value > 0):
        raise ValueError(
            f"Die Lernrate {name} muss eine positive endliche Zahl sein (z. B. 0.01), "
            f"nicht {value!r}.")
    return float(value)


def check_dropout(value):
    """Raise unless dropout is a probability p in [0, 1); return it as a float."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0.0 <= value < 1.0:
        raise ValueError(
            f"dropout ist eine Wahrscheinlichkeit in [0, 1), z. B. 0.2 (0 schaltet Dropout ab), "
            f"nicht {value!r}.")
    return float(value)


def check_tensor(x, shape, model=None):
    """Raise unless ``x`` is a non-empty tensor that fits ``model`` (dtype and device).

    ``shape`` is the expected shape as text, e.g. ``"(n, 784)"``; every message names it.
    """
    import torch  # only the PyTorch models call this check

    if not isinstance(x, torch.Tensor):
        raise ValueError(
            f"Erwartet wird ein torch.Tensor der Form {shape}, nicht {type(x).__name__}. "
            "Wandeln Sie die Daten mit torch.as_tensor(x, dtype=torch.float32) um.")
    if x.dim() > 0 and len(x) == 0:
        raise ValueError(f"Der Batch ist leer; erwartet wird die Form {shape} mit n ≥ 1, "
                         f"nicht {tuple(x.shape)}.")
    weight = next(model.parameters(), None) if model is not None else None
    if weight is None:
        return
    if x.dtype != weight.dtype:
        raise ValueError(
            f"Erwartet wird ein Tensor mit dtype {weight.dtype} (wie die Gewichte des Modells), "
            f"nicht {x.dtype}. Wandeln Sie ihn mit x.to({weight.dtype}) um.")
    if x.device != weight.device:
        raise ValueError(
            f"Die Eingabe liegt auf {x.device}, das Modell auf {weight.device}. Verschieben "
            f"Sie beide auf dasselbe Gerät, z. B. mit x.to(device) und model.to(device).")
