"""Self-check for building a hyperparameter grid (sheet 6)."""

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


def check_grid(fn, verbose=True):
    """Check ``fn(space) -> list of dicts``: every combination of the choices exactly once."""
    require_callable(fn, "eine Funktion fn(space), die die Liste aller Kombinationen (dicts) "
                         "zurückgibt")
    result = CheckResult("check_grid")
    for label, space in SPACES:
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



