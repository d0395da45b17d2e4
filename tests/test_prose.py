"""The prose check (tools/prose_check.py) over the whole book, and that it catches slips."""

import pytest

from tools.prose_check import book_pages, check_file, check_text, load_rejected_terms

TERMS = load_rejected_terms()

# Findings in chapters 4-6 and sheets 4-6 that their issues remove; (file, line text).
# Chapters 1-3, their sheets, the appendix and the landing page may have none.
KNOWN_EXCEPTIONS = set()  # chapters 4-6 and sheets 4-6: all findings removed
EXCEPTIONS_ALLOWED_IN = ("chapters/04_", "chapters/05_", "chapters/06_",
                         "psets/blatt_04", "psets/blatt_05", "psets/blatt_06")


def test_known_exceptions_only_for_chapters_4_to_6():
    assert all(path.startswith(EXCEPTIONS_ALLOWED_IN) for path, _ in KNOWN_EXCEPTIONS)


def test_book_prose_has_german_numbers_and_the_glossary_terms():
    findings = [f for page in book_pages() for f in check_file(page, TERMS)]
    new = [f for f in findings if (f.path, f.line.strip()) not in KNOWN_EXCEPTIONS]
    assert not new, "Prosaprüfung:\n" + "\n".join(map(str, new))
    stale = KNOWN_EXCEPTIONS - {(f.path, f.line.strip()) for f in findings}
    assert not stale, f"Behobene Ausnahmen aus KNOWN_EXCEPTIONS streichen: {sorted(stale)}"


PLANTED = """\
---
kernelspec:
  name: python3
---
# Eine Seite mit Fehlern

Die Genauigkeit steigt auf 97.8 %.
Mit $\\eta = 0.5$ konvergiert das Netz.
Eine verborgene Schicht genügt, und das Batch ist klein.

```{note}
Im Hinweis steht 0.25 statt 0,25.
```
"""

CLEAN = """\
# Eine Seite ohne Fehler

Die Genauigkeit steigt auf 97,8 %, mit $\\eta = 0{,}5$ und Python 3.11 (siehe
Abschnitt 4.3, Aufgabe 3.1 und 3.2, Gleichung (3.1), Version 3.2.2, am 28.11.2026).
Die `lr=0.5` im Code und [ein Link](https://example.org/v1.5) zählen nicht,
ebenso {glue:text}`acc:.1f`. Die Lösungen sind zunächst verborgen.

```{code-cell} ipython3
x = 0.5  # code is not prose
```

````{exercise}
:label: ex-test-0.5

Eine verdeckte Schicht, der Mini-Batch.
```python
y = 1.5
```
````
"""


def test_planted_slips_are_found_with_file_and_line():
    findings = check_text(PLANTED, "planted.md", TERMS)
    assert [(f.line_number, f.message.split(":")[0]) for f in findings] == [
        (7, "Dezimalpunkt in '97.8'"),
        (8, "Dezimalpunkt in '0.5'"),
        (9, "Begriff 'verborgene Schicht'"),
        (9, "Begriff 'das Batch'"),
        (12, "Dezimalpunkt in '0.25'"),
    ]
    assert str(findings[0]).startswith("planted.md:7:")


def test_pre_activation_is_not_called_activation():
    assert check_text("Die Präaktivierung $a_l$ und die Aktivierung $h_l$.\n", "x.md", TERMS) == []


def test_allowed_forms_are_not_reported():
    assert check_text(CLEAN, "clean.md", TERMS) == []


@pytest.mark.parametrize("line", ["Gatter", "die Biasse", "Tweaks", "früheres Anhalten",
                                  "die Aktivierung $a_l$", "der Aktivierung $a_{l,j}$"])
def test_each_rejected_term_is_caught(line):
    assert check_text(f"Ein Satz mit {line}.\n", "x.md", TERMS)


# The gender of the glossary (notation.md): das LSTM (like das Netz), die ReLU (like die
# ReLU-Funktion). A compound with a hyphen takes the gender of its last part.
@pytest.mark.parametrize("line", [
    "die LSTM", "Die LSTM liest", "der LSTM", "den LSTM", "einer LSTM", "eine LSTM",
    "einen LSTM", "keine LSTM", "dieser LSTM", "zur LSTM", "die einfache LSTM",
    "einer bidirektionalen LSTM",
    "das ReLU", "Das ReLU", "dem ReLU", "des ReLU", "den ReLU", "ein ReLU", "einem ReLU",
    "eines ReLU", "kein ReLU", "dieses ReLU", "im ReLU", "zum ReLU", "beim ReLU",
    "das einfache ReLU", "ein einfaches ReLU"])
def test_wrong_gender_of_lstm_and_relu_is_caught(line):
    assert check_text(f"Ein Satz mit {line} darin.\n", "x.md", TERMS)


@pytest.mark.parametrize("line", [
    "die LSTM-Zelle", "Die LSTM-Zelle", "der LSTM-Zelle", "einer LSTM-Schicht",
    "die LSTM- und die GRU-Zelle", "die LSTMs", "den LSTMs", "das LSTM", "des LSTM",
    "dem LSTM", "ein LSTM", "ein kleines LSTM", "eines bidirektionalen LSTM",
    "die Eingabe des LSTM", "die des LSTM", "eine Schicht, die LSTM und GRU teilen",
    "die ReLU", "der ReLU", "einer ReLU", "eine ReLU", "keine ReLU", "zur ReLU",
    "das ReLU-Netz", "dem ReLU-Netz", "ein ReLU-Neuron", "den ReLU-Fall", "den ReLUs",
    "mit ReLU", "ein Netz, das ReLU verwendet"])
def test_right_gender_and_compounds_of_lstm_and_relu_pass(line):
    assert check_text(f"Ein Satz mit {line} darin.\n", "x.md", TERMS) == []
