"""What every self-check shares: the German report, safe calls and the list of known mistakes.

A check calls the student's function on a few prepared inputs, compares the answer
with the reference implementation from ``codes/`` and, when they differ, looks for the
first *Fehlerbild* (known mistake: wrong sign, wrong axis, missing 1/N, ...) whose
output matches the student's. Wrong answers never raise; they end up as German
messages with a hint. Only something that cannot be called at all raises a TypeError.

Every call of student code runs under a time limit (``TIME_LIMIT`` seconds per case,
environment variable ``NN_SELBSTTEST_ZEITLIMIT``), and whatever it raises, also
``SystemExit`` and ``KeyboardInterrupt``, becomes a German ✗ for that case. Each ✓/✗ is
one case in ``CheckResult.cases``; ``CheckResult.score`` and ``points`` make a grade of
it (``codes.selfcheck.grading``). In grading mode a :func:`reference_guard` records calls
of the book's reference implementations from student code.
"""

import contextlib
import contextvars
import os
import signal
import sys
import textwrap
import threading
import warnings
from dataclasses import dataclass, field

import numpy as np

OK, WRONG, HINT = "✓", "✗", "Tipp:"
TIME_LIMIT = float(os.environ.get("NN_SELBSTTEST_ZEITLIMIT", "10"))  # seconds per case


@dataclass
class Case:
    """One test case of a check: what was tested and whether the answer was right."""

    text: str
    passed: bool


@dataclass
class CheckResult:
    """Outcome of one self-check: ``passed`` and the German ``messages`` (✓, ✗, Tipp:)."""

    name: str
    passed: bool = True
    messages: list[str] = field(default_factory=list)
    diagnoses: set = field(default_factory=set, repr=False)  # reported once, then "wie oben"
    cases: list[Case] = field(default_factory=list)          # one per ✓ or ✗
    references: list[str] = field(default_factory=list)      # reference code the student called

    def ok(self, text):
        self.messages.append(f"{OK} {text}")
        self.cases.append(Case(text, True))

    def fail(self, text, hint=None):
        self.passed = False
        self.messages.append(f"{WRONG} {text}")
        self.cases.append(Case(text, False))
        if hint and f"{HINT} {hint}" not in self.messages:
            self.messages.append(f"{HINT} {hint}")

    def fail_case(self, label, diagnosis, hint=None):
        """A failed test case; a diagnosis already given is not repeated in full."""
        if diagnosis in self.diagnoses:
            self.fail(f"{label}: derselbe Fehler wie oben.")
        else:
            self.diagnoses.add(diagnosis)
            self.fail(f"{label}: {diagnosis}", hint)

    def report(self, width=78):
        """The German report, wrapped to ``width`` characters (readable in a notebook)."""
        verdict = "bestanden" if self.passed else "noch nicht bestanden"
        lines = [f"Selbsttest {self.name}: {verdict}"]
        for message in self.messages:
            lines.append(textwrap.fill(message, width, initial_indent="  ",
                                       subsequent_indent="    "))
        return "\n".join(lines)

    @property
    def score(self) -> float:
        """Share of passed cases, 0 … 1; 0 if the student's code called the reference."""
        if self.references or not self.cases:
            return 0.0
        return sum(case.passed for case in self.cases) / len(self.cases)

    def points(self, max_points) -> float:
        """Points for this check: ``max_points`` times :attr:`score`, rounded to 0,01."""
        return round(max_points * self.score, 2)

    def as_dict(self) -> dict:
        """Machine-readable result: name, passed, score, the cases and reference calls."""
        return {"name": self.name, "passed": self.passed, "score": self.score,
                "cases": [{"text": case.text, "passed": case.passed} for case in self.cases],
                "references": list(self.references)}

    def __bool__(self):
        return self.passed

    def __repr__(self):
        right = sum(case.passed for case in self.cases)
        verdict = "bestanden" if self.passed else "noch nicht bestanden"
        return f"<Selbsttest {self.name}: {verdict}, {right} von {len(self.cases)} Fällen richtig>"


def require_callable(candidate, what):
    """Raise a clear TypeError unless ``candidate`` can be called (a mistake in the call itself)."""
    if not callable(candidate):
        raise TypeError(
            f"Der Selbsttest erwartet {what}, erhalten wurde aber ein Objekt vom Typ "
            f"{type(candidate).__name__!r}. Übergeben Sie die Funktion selbst, ohne Klammern "
            f"dahinter (also f statt f(...))."
        )


def finish(result, verbose):
    """Print the report (unless ``verbose`` is False) and return the result."""
    if verbose:
        print(result.report())
    return result


class StudentError(Exception):
    """The student's code raised; carries a German description of the exception.

    ``ordinary`` is False for a timeout, SystemExit or KeyboardInterrupt (no code hint fits).
    """

    def __init__(self, text, ordinary=True):
        super().__init__(text)
        self.ordinary = ordinary


class CaseTimeout(BaseException):  # noqa: N818 (BaseException: "except Exception" must not swallow it)
    """The student's code ran longer than the time limit of one case."""


@contextlib.contextmanager
def time_limit(seconds):
    """Raise CaseTimeout in the main thread after ``seconds`` (no limit elsewhere or if <= 0)."""
    usable = (seconds and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise CaseTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Reference implementations that student code must not call (grading mode): the code
# objects to watch and the list that records a call; set by reference_guard.
_GUARD = contextvars.ContextVar("reference_guard", default=None)


@contextlib.contextmanager
def reference_guard(references):
    """Record calls of ``references`` ({code object: German name}) from student code.

    Used by ``codes.selfcheck.grading`` in grading mode: the student's function is
    called under ``sys.setprofile``, and a call of a watched function (however it was
    imported or bound) is recorded in the yielded list.
    """
    hits = []
    token = _GUARD.set((dict(references), hits))
    try:
        yield hits
    finally:
        _GUARD.reset(token)


@contextlib.contextmanager
def _watch_references():
    guard = _GUARD.get()
    if not guard or not guard[0]:
        yield
        return
    watched, hits = guard

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in watched:
            name = watched[frame.f_code]
            if name not in hits:
                hits.append(name)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)


def describe_exception(error) -> str:
    """German description of what the student's code raised."""
    if isinstance(error, CaseTimeout):
        limit = f"{TIME_LIMIT:g}".replace(".", ",")
        return f"Zeitüberschreitung (mehr als {limit} s für einen Fall; eine Endlosschleife?)"
    if isinstance(error, SystemExit):
        return (f"SystemExit({error.code!r}): Ihr Code ruft sys.exit() oder exit() auf; eine "
                "Funktion soll ihr Ergebnis mit return zurückgeben, nicht das Programm beenden")
    if isinstance(error, KeyboardInterrupt):
        return "KeyboardInterrupt: die Ausführung wurde unterbrochen (Zeitlimit der Zelle?)"
    return f"{type(error).__name__}: {str(error).strip()}"


_TIMED_OUT = set()  # ids of functions that ran out of time: not called again (one wait is enough)


def call(fn, *args):
    """Call student code under the time limit, with overflow warnings silenced.

    Whatever it raises, also SystemExit, KeyboardInterrupt and the timeout, becomes a
    StudentError with a German description. A function that timed out once is not
    called again by the checks (each further case fails at once).
    """
    if id(fn) in _TIMED_OUT:
        raise StudentError("Zeitüberschreitung (schon in einem früheren Fall; nicht erneut "
                           "aufgerufen)", ordinary=False)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with time_limit(TIME_LIMIT), _watch_references():
                return fn(*args)
        except BaseException as error:  # noqa: BLE001 (student code: reported, not raised)
            if isinstance(error, CaseTimeout):
                _TIMED_OUT.add(id(fn))
            ordinary = isinstance(error, Exception)
            raise StudentError(describe_exception(error), ordinary) from None


def as_array(value):
    """The student's answer as a float64 array (None if it is not numeric at all)."""
    try:
        detached = value.detach().cpu().numpy() if hasattr(value, "detach") else value
        return np.asarray(detached, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def tolerance(dtype):
    """Relative and absolute tolerance for answers computed in ``dtype``."""
    return (1e-4, 1e-6) if np.dtype(dtype) == np.float32 else (1e-7, 1e-10)


def close(answer, expected, dtype=np.float64, equal_nan=False):
    """True if ``answer`` has the shape of ``expected`` and agrees within the dtype's tolerance."""
    answer, expected = as_array(answer), np.asarray(expected, dtype=np.float64)
    if answer is None or answer.shape != expected.shape:
        return False
    rtol, atol = tolerance(dtype)
    return bool(np.allclose(answer, expected, rtol=rtol, atol=atol, equal_nan=equal_nan))


def diagnose(answer, mistakes, dtype=np.float64):
    """``(message, hint)`` of the first known mistake whose output matches ``answer``, else None.

    ``mistakes`` is a list of ``(output_of_the_mistake, message, hint)``; an output may be
    a function (evaluated only when needed, skipped if it fails). Outputs are computed
    with overflow warnings silenced and compared with NaN == NaN, so that e.g. a softmax
    without max-shift is recognised by its NaN pattern.
    """
    for wrong, message, hint in mistakes:
        with np.errstate(all="ignore"):
            try:
                wrong = np.asarray(wrong() if callable(wrong) else wrong, dtype=np.float64)
            except ValueError:  # this mistake cannot even be computed for these shapes
                continue
        if close(answer, wrong, dtype, equal_nan=True):
            return message, hint
    return None


def describe_difference(answer, expected):
    """A short German description of how ``answer`` deviates from ``expected``."""
    answer = as_array(answer)
    if answer is None:
        return "Ihre Funktion gibt keine Zahlen zurück."
    if answer.shape != np.shape(expected):
        return (f"Die Form stimmt nicht: erwartet {np.shape(expected)}, "
                f"erhalten {answer.shape}.")
    if not np.all(np.isfinite(answer)):
        return "Ihr Ergebnis enthält nan oder inf."
    error = np.max(np.abs(answer - expected))
    return f"Die Werte weichen ab (größte Abweichung {error:.3g})."


def compare(result, label, answer, expected, mistakes=(), hint=None, dtype=np.float64):
    """Record one comparison: ✓ if close, else ✗ with the matching mistake or the difference."""
    if close(answer, expected, dtype):
        result.ok(label)
        return True
    known = diagnose(answer, mistakes, dtype)
    if known is not None:
        result.fail_case(label, *known)
    else:
        result.fail_case(label, describe_difference(answer, expected), hint)
    return False


def run_case(result, label, fn, args, expected, mistakes=(), hint=None, dtype=np.float64,
             crash_hint=None):
    """Call ``fn(*args)`` and compare; an exception in the student's code is a ✗, not a crash."""
    try:
        answer = call(fn, *args)
    except StudentError as error:
        result.fail_case(label, f"Ihre Funktion bricht mit {error} ab.",
                         (crash_hint or hint) if error.ordinary else None)
        return None
    compare(result, label, answer, expected, mistakes, hint, dtype)
    return answer
