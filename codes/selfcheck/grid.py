"""Self-check for building a hyperparameter grid (sheet 6)."""

import numpy as np

from codes.hpo import grid
from codes.selfcheck.core import CheckResult, StudentError, call, finish, require_callable

SPACES = [
    ("zwei Parameter", {"hidden_size": [32, 64, 128], "lr": [1e-3, 1e-2]}),
    ("vier Parameter, darunter bool", {"hidden_size": [16, 32], "num_layers": [1, 2],
                                       "bidirectional": [False, True], "dropout": [0.0, 0.2, 0.5]}),
    ("ein Parameter mit einem Wert", {"batch_size": [64]}),
]


def _as_set(combinations):
    return {tuple(sorted(c.items())) for c in combinations}


def spaces(seed=0):
    """SPACES for seed 0, else two random search spaces (hidden cases of the grading)."""
    if seed == 0:
        return SPACES
    rng = np.random.default_rng(seed)
    names = ["hidden_size", "num_layers", "dropout", "lr", "batch_size", "bidirectional"]
    result = []
    for count in (2, 3):
        chosen = [str(name) for name in rng.choice(names, size=count, replace=False)]
        space = {name: [int(v) for v in rng.choice(range(1, 200), size=int(rng.integers(1, 4)),
                                                   replace=False)] for name in chosen}
        result.append((f"{count} zufällige Parameter", space))
    return result


def check_grid(fn, verbose=True, seed=0):
    """Check ``fn(space) -> list of dicts``: every combination of the choices exactly once."""
    require_callable(fn, "eine Funktion fn(space), die die Liste aller Kombinationen (dicts) "
                         "zurückgibt")
    result = CheckResult("check_grid")
    for label, space in spaces(seed):
        expected = grid(space)
        try:
            answer = call(fn, {k: list(v) for k, v in space.items()})
            answer = [dict(c) for c in answer]
        except (StudentError, TypeError, ValueError) as error:
            result.fail(f"{label}: Ihre Funktion bricht ab oder liefert keine Liste von dicts "
                        f"({error}).", "Geben Sie eine Liste [{Name: Wert, ...}, ...] zurück.")
            continue
        zipped = [dict(zip(space, values, strict=True)) for values in zip(*space.values(), strict=False)]
        if _as_set(answer) == _as_set(expected) and len(answer) == len(expected):
            result.ok(f"{label}: alle {len(expected)} Kombinationen, jede genau einmal")
        elif _as_set(answer) == _as_set(zipped):
            result.fail(f"{label}: Sie kombinieren die Werte paarweise wie zip ({len(answer)} "
                        f"Kombinationen) statt alle Kombinationen ({len(expected)}).",
                        "Das Gitter ist das kartesische Produkt: itertools.product(*space.values()).")
        elif len(answer) != len(_as_set(answer)):
            result.fail(f"{label}: Manche Kombinationen kommen mehrfach vor.",
                        "Jede Kombination genau einmal: itertools.product.")
        else:
            missing = len(_as_set(expected) - _as_set(answer))
            result.fail(f"{label}: {len(answer)} Kombinationen, erwartet {len(expected)}; "
                        f"{missing} fehlen.",
                        f"Anzahl = Produkt der Anzahlen der Werte, hier "
                        f"{' · '.join(str(len(v)) for v in space.values())}.")
    return finish(result, verbose)



