"""The self-checks as graders: points per function, hidden cases, no credit for the reference.

An autograded test cell of a sheet notebook (made by ``tools/sheet_notebooks.py``) reads

    from codes.selfcheck.grading import Bewertung
    bewertung = Bewertung("softmax", punkte=3)
    bewertung.pruefe(globals())                  # the self-check's cases
    ### BEGIN HIDDEN TESTS
    bewertung.pruefe(globals(), verdeckt=True)   # further seeded cases, only when grading
    ### END HIDDEN TESTS
    bewertung.punkte()

``pruefe`` looks the student's function up by name, runs the self-check (with its
German diagnoses of typical mistakes) and keeps the result per case. ``punkte()`` is the
cell's value: the share of passed cases times the points, which nbgrader takes as the
cell's score (partial credit). Hidden cases use other seeds (:data:`HIDDEN_SEEDS`).

Grading mode (the hidden part, and every check while ``nbgrader autograde`` runs, which
sets ``NBGRADER_EXECUTION=autograde``): the student's function is called under
:func:`codes.selfcheck.core.reference_guard`. If it calls the book's reference
implementation of the task (e.g. ``codes.activations.Softmax`` for ``softmax``,
``MLP.backprop`` for ``backprop``), the function gets 0 points, with a German note.
"""

import importlib
import json
import os
from dataclasses import dataclass

from codes.selfcheck.core import reference_guard

HIDDEN_SEEDS = (20261, 20262)        # seeds of the hidden cases (not in the student notebook)


@dataclass(frozen=True)
class GradedFunction:
    """A function a sheet asks for: its name, its self-check and the references it must not call."""

    function: str                    # name the student defines in the notebook
    check: str                       # name of the self-check in codes.selfcheck
    args: tuple = ()                 # extra arguments of the check
    references: tuple = ()           # "module:Qualified.name" of the reference implementations


_ACTIVATION_GRADIENTS = ("codes.activations:Sigmoid.gradient", "codes.activations:Tanh.gradient",
                         "codes.activations:ReLU.gradient")

# Part names as in kurs.yml (punkte je Teil) -> what is graded.
TASKS = {
    "sigmoid_derivative": GradedFunction("sigmoid_derivative", "check_sigmoid_derivative", (),
                                         _ACTIVATION_GRADIENTS),
    "tanh_derivative": GradedFunction("tanh_derivative", "check_activation_gradient", ("tanh",),
                                      _ACTIVATION_GRADIENTS),
    "relu_derivative": GradedFunction("relu_derivative", "check_activation_gradient", ("relu",),
                                      _ACTIVATION_GRADIENTS),
    "logreg_gradient": GradedFunction("logreg_gradient", "check_logreg_gradient", (),
                                      ("codes.logistic_regression:LogisticRegression.gradient",)),
    "bce": GradedFunction("bce", "check_binary_cross_entropy", (),
                          ("codes.logistic_regression:binary_cross_entropy",)),
    "softmax": GradedFunction("softmax", "check_softmax", (),
                              ("codes.activations:Softmax.__call__",)),
    "delta_softmax_ce": GradedFunction("delta_softmax_ce", "check_cross_entropy_gradient", (),
                                       ("codes.losses:CrossEntropy.delta",)),
    "backprop": GradedFunction("backprop", "check_backprop", (),
                               ("codes.mlp:MLP.backprop", "codes.mlp:MLP.backward")),
}


def grading_mode() -> bool:
    """True while nbgrader autogrades (it sets NBGRADER_EXECUTION=autograde for the kernel)."""
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def reference_code(references) -> dict:
    """{code object: "module.Qualified.name"} of the reference implementations."""
    watched = {}
    for reference in references:
        module_name, _, qualname = reference.partition(":")
        target = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
        code = getattr(target, "__code__", None)
        if code is not None:
            watched[code] = f"{module_name}.{qualname}"
    return watched


def _german(value) -> str:
    return f"{value:g}".replace(".", ",")


class Bewertung:
    """Grade one function of a sheet: self-check cases, hidden cases, points."""

    def __init__(self, teil: str, punkte):
        if teil not in TASKS:
            raise ValueError(f"Unbekannter Teil {teil!r}; bekannt sind {', '.join(TASKS)}.")
        self.task = TASKS[teil]
        self.max_points = punkte
        self.results = []            # CheckResult per run (visible, then hidden seeds)
        self.problems = []           # German notes that cost all points (missing function, ...)

    def _check(self):
        import codes.selfcheck as selfcheck
        return getattr(selfcheck, self.task.check)

    def pruefe(self, namespace, verdeckt=False):
        """Run the self-check on the student's function (from ``namespace``, e.g. ``globals()``).

        ``verdeckt=True``: the hidden cases (other seeds), always in grading mode.
        Prints the German report; returns the list of CheckResults of this call.
        """
        fn = namespace.get(self.task.function) if isinstance(namespace, dict) else namespace
        name = self.task.function
        if fn is None or not callable(fn):
            note = (f"Die Funktion {name} fehlt: Definieren Sie sie mit def {name}(...) in der "
                    "Zelle darüber und führen Sie diese Zelle aus.")
            if note not in self.problems:
                self.problems.append(note)
                print(f"✗ {note}")
            return []
        seeds = HIDDEN_SEEDS if verdeckt else (0,)
        guarded = verdeckt or grading_mode()
        watched = reference_code(self.task.references) if guarded else {}
        results = []
        for seed in seeds:
            with reference_guard(watched) as hits:
                try:
                    result = self._check()(fn, *self.task.args, verbose=False, seed=seed)
                except Exception as error:  # noqa: BLE001 (a broken answer must not stop grading)
                    note = f"Der Test von {name} bricht ab: {type(error).__name__}: {error}"
                    self.problems.append(note)
                    print(f"✗ {note}")
                    continue
            for reference in hits:
                if reference not in result.references:
                    result.references.append(reference)
            if result.references:
                result.passed = False
                result.messages.append(
                    f"✗ Ihre Funktion ruft die Referenzimplementierung {', '.join(result.references)} "
                    "des Buches auf. Die Aufgabe ist, sie selbst zu schreiben; dafür gibt es in "
                    "der Bewertung 0 Punkte.")
            if verdeckt:
                result.name = f"{result.name}, weitere Fälle (Seed {seed})"
            print(result.report())
            results.append(result)
            self.results.append(result)
        return results

    @property
    def score(self) -> float:
        """Share of passed cases over all runs; 0 on a problem or a call of the reference."""
        cases = [case for result in self.results for case in result.cases]
        if self.problems or not cases or any(result.references for result in self.results):
            return 0.0
        return sum(case.passed for case in cases) / len(cases)

    def punkte(self) -> float:
        """The points (nbgrader's partial credit: the cell's value); prints them in German."""
        points = round(self.max_points * self.score, 2)
        cases = [case for result in self.results for case in result.cases]
        right = sum(case.passed for case in cases)
        print(f"Punkte für {self.task.function}: {_german(points)} von {_german(self.max_points)} "
              f"({right} von {len(cases)} Fällen richtig)")
        return points

    def as_dict(self) -> dict:
        """Machine-readable: function, points, maximum, problems and every case."""
        return {"function": self.task.function, "points": round(self.max_points * self.score, 2),
                "max_points": self.max_points, "problems": list(self.problems),
                "results": [result.as_dict() for result in self.results]}

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)
