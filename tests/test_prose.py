"""The prose check (tools/prose_check.py) over the whole book, and that it catches slips."""

import pytest

from tools.prose_check import book_pages, check_file, check_text, load_rejected_terms

TERMS = load_rejected_terms()

# Findings in chapters 4-6 and sheets 4-6 that their issues remove; (file, line text).
# Chapters 1-3, their sheets, the appendix and the landing page may have none.
KNOWN_EXCEPTIONS = {
    ("chapters/05_lstm/experimente.md",
     "haben einen Rumpf aus zwei LSTM-Schichten mit $d = 64$ und Dropout 0.2 zwischen den"),
    ("chapters/05_lstm/lstm.md",
     "{numref}`fig-vanishing-gradient`: Mit $b_f \\approx 0$ ist $f_t \\approx \\sigma(0) = 0.5$,"),
    ("chapters/05_lstm/lstm.md",
     "$f_t \\approx \\sigma(3) \\approx 0.95$, und er überlebt 100 Schritte. Der entscheidende"),
    ("chapters/05_lstm/lstm.md", "## Warum diese Tweaks?"),
    ("chapters/05_lstm/rnn.md",
     "Gradienten werden über das Batch gemittelt. Die Rechnung braucht alle Zustände"),
    ("chapters/06_hyperparameter/grid_search.md",
     "Für das `BasicMLP` variieren wir die Breiten der verborgenen Schichten, die Dropout-Rate"),
    ("psets/blatt_05_lstm.md",
     "$x_t \\in \\mathbb{R}^{d}$, verborgenem Zustand $h_{t-1} \\in \\mathbb{R}^{m}$ und"),
    ("psets/blatt_05_lstm.md",
     "$m$ verborgenen Neuronen? PyTorch speichert für jedes Gatter *zwei* Biasvektoren"),
    ("psets/blatt_05_lstm.md",
     "**1.** Jedes der vier Gatter $i, f, o, g$ hat $W \\in \\mathbb{R}^{d \\times m}$,"),
    ("psets/blatt_05_lstm.md",
     "**1.** Mit festen Gattern ist $c_t$ linear in $c_{t-1}$ mit dem elementweisen Faktor $f_t$:"),
    ("psets/blatt_06_hyperparameter.md",
     "ein neues Beispiel mit Wahrscheinlichkeit $p = 0.9$ richtig, unabhängig von den anderen."),
    ("psets/blatt_06_hyperparameter.md", "= \\sqrt{\\frac{0.9 \\cdot 0.1}{500}} \\approx 0.013 ."),
    ("psets/blatt_06_hyperparameter.md",
     "liegt das Maximum im Mittel etwa 1.9 Standardabweichungen über dem Mittelwert, also"),
    ("psets/blatt_06_hyperparameter.md", "rund $0.9 + 1.9 \\cdot 0.013 \\approx 0.925$ statt $0.9$."),
    ("psets/blatt_06_hyperparameter.md",
     "$\\in \\{1, 2\\}$, `dropout` $\\in \\{0, 0.2, 0.5\\}$, `bidirectional` $\\in \\{$`False`, `True`$\\}$,"),
}
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


def test_allowed_forms_are_not_reported():
    assert check_text(CLEAN, "clean.md", TERMS) == []


@pytest.mark.parametrize("line", ["Gatter", "die Biasse", "Tweaks", "früheres Anhalten"])
def test_each_rejected_term_is_caught(line):
    assert check_text(f"Ein Satz mit {line}.\n", "x.md", TERMS)
