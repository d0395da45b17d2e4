"""What every self-check shares: the German report, safe calls and the list of known mistakes.

A check calls the student's function on a few prepared inputs, compares the answer
with the reference implementation from ``codes/`` and, when they differ, looks for the
first *Fehlerbild* (known mistake: wrong sign, wrong axis, missing 1/N, ...) whose
output matches the student's. Wrong answers never raise; they end up as German
messages with a hint. Only something that cannot be called at all raises a TypeError.
"""

import textwrap
import warnings
from dataclasses import dataclass, field

import numpy as np

OK, WRONG, HINT = "✓", "✗", "Tipp:"


@dataclass
class CheckResult:
    """Outcome of one self-check: ``passed`` and the German ``messages`` (✓, ✗, Tipp:)."""

    name: str
    passed: bool = True
    messages: list[str] = field(default_factory=list)
    diagnoses: set = field(default_factory=set, repr=False)  # reported once, then "wie oben"

    def ok(self, text):
        self.messages.append(f"{OK} {text}")

    def fail(self, text, hint=None):
        self.passed = False
        self.messages.append(f"{WRONG} {text}")
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

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return f"CheckResult({self.name!r}, passed={self.passed})"


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
    """The student's code raised; carries a German description of the exception."""


def call(fn, *args):
    """Call student code with overflow warnings silenced; its exceptions become StudentError."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args)
        except Exception as error:  # anything the student's code raises is reported, not raised
            raise StudentError(f"{type(error).__name__}: {str(error).strip()}") from error


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
        result.fail_case(label, f"Ihre Funktion bricht mit {error} ab.", crash_hint or hint)
        return None
    compare(result, label, answer, expected, mistakes, hint, dtype)
    return answer
