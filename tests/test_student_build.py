"""The student edition leaves every solution out, and only the solutions.

The fast tests check the text surgery on small examples and on the real sheets; the
build test builds only the problem-set pages (without execution) in an instructor and
a student variant and compares the HTML.
"""

import re
from pathlib import Path

import pytest

from tools.student_build import build, strip_solutions

ROOT = Path(__file__).resolve().parents[1]
SHEETS = sorted((ROOT / "psets").glob("blatt_*.md"))
LABEL = re.compile(r"\$\$\s*\((eq:[\w-]+)\)|^\((eq:[\w-]+)\)=", re.M)
EQ_REF = re.compile(r"\{eq\}`(eq:[\w-]+)`")

PAGE = """# Blatt

````{exercise} Erste
:label: ex-one

Aufgabentext eins.
````

````{solution} ex-one
:class: dropdown

Geheime Lösung eins.

```python
print("code in der Lösung")
```
````

````{exercise} Zweite
:label: ex-two

Aufgabentext zwei.
````

````{solution-start} ex-two
:class: dropdown
````

Geheime Lösung zwei.

```{code-cell} ipython3
print("geheimer Code")
```

````{solution-end}
````

Text nach den Aufgaben.
"""


def test_strip_solutions_removes_plain_and_gated_solutions_and_keeps_the_rest():
    text, removed = strip_solutions(PAGE)
    assert removed == 2
    assert "Geheime" not in text and "geheimer Code" not in text and "code in der" not in text
    assert "solution" not in text
    for kept in ("Aufgabentext eins.", "Aufgabentext zwei.", "Text nach den Aufgaben.",
                 ":label: ex-one", ":label: ex-two"):
        assert kept in text
    assert text.count("````") == 4  # both exercises still open and close


def test_strip_solutions_leaves_pages_without_solutions_alone():
    page = "# Seite\n\n```{code-cell} ipython3\nx = 1\n```\n"
    assert strip_solutions(page) == (page, 0)


@pytest.mark.parametrize("broken", [
    "````{solution} ex\nnie geschlossen\n",
    "```{solution-start} ex\n```\nText ohne Ende\n",
])
def test_unclosed_solutions_are_an_error(broken):
    with pytest.raises(ValueError, match="Zeile 1"):
        strip_solutions(broken)


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda p: p.name)
def test_every_sheet_loses_exactly_its_solutions(sheet):
    source = sheet.read_text(encoding="utf-8")
    text, removed = strip_solutions(source)
    exercises = source.count("{exercise}")
    assert exercises >= 3 and removed == exercises, "jede Aufgabe braucht genau eine Lösung"
    assert "{solution" not in text
    assert text.count("{exercise}") == exercises
    # What the student edition still references must still be defined (-W build).
    defined = {a or b for a, b in LABEL.findall(text)}
    missing = set(EQ_REF.findall(text)) - defined
    assert not missing, f"Aufgabentexte verweisen auf Gleichungen aus Lösungen: {missing}"


def test_equation_labels_of_the_sheets_are_unique_and_prefixed():
    labels = []
    for sheet in SHEETS:
        number = sheet.name.split("_")[1].lstrip("0")
        found = [a or b for a, b in LABEL.findall(sheet.read_text(encoding="utf-8"))]
        assert all(label.startswith(f"eq:b{number}-") for label in found), found
        labels += found
    assert len(labels) == len(set(labels))


# Phrases that occur only inside solutions, one per sheet.
SOLUTION_PHRASES = [
    "nicht linear trennbar",                      # sheet 1
    "kein\nLogarithmus einer Wahrscheinlichkeit",  # sheet 2 (line break as in the source)
    "Die Ableitung der Softmax kürzt sich also",   # sheet 3
    "Puffer",                                     # sheet 4
    "der Parameter hätte also keinen Gradienten",  # sheet 5
    "Ehrlich ist",                                # sheet 6
]


def visible_text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_student_html_has_no_solutions_but_instructor_html_does(tmp_path):
    pages = ["psets/index.md", *(f"psets/{p.name}" for p in SHEETS)]
    html = {}
    for variant in ("lehrende", "studierende"):
        code, removed = build(ROOT, tmp_path / variant, pages=pages,
                              student=variant == "studierende", strict=False, execute=False)
        assert code == 0
        html[variant] = {p.stem: (tmp_path / variant / "html" / "psets" / f"{p.stem}.html")
                         .read_text(encoding="utf-8") for p in SHEETS}
        if variant == "studierende":
            assert removed == sum(p.read_text(encoding="utf-8").count("{exercise}")
                                  for p in SHEETS)
            sources = (tmp_path / variant / "html" / "_sources" / "psets")
            for source in sources.glob("blatt_*"):
                assert "solution" not in source.read_text(encoding="utf-8"), source.name
    for sheet, phrase in zip(SHEETS, SOLUTION_PHRASES, strict=True):
        phrase = " ".join(phrase.split())
        teacher, student = html["lehrende"][sheet.stem], html["studierende"][sheet.stem]
        assert phrase in visible_text(teacher), sheet.name
        assert phrase not in visible_text(student), sheet.name
        assert 'class="solution' in teacher
        assert 'class="solution' not in student and "Lösung zu" not in student
        # The exercises themselves are in both editions, with the same numbers.
        assert teacher.count('class="exercise') == student.count('class="exercise') >= 3


def test_prepared_student_sources_hide_solutions_and_keep_the_config(tmp_path):
    import yaml

    from tools.student_build import prepare_sources

    removed = prepare_sources(ROOT, tmp_path / "source")
    config = yaml.safe_load((tmp_path / "source" / "_config.yml").read_text(encoding="utf-8"))
    original = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["config"]["hide_solutions"] is True
    assert config["title"].endswith("(Studierendenausgabe)")
    assert config["sphinx"]["extra_extensions"] == original["sphinx"]["extra_extensions"]
    assert removed == sum(p.read_text(encoding="utf-8").count("{exercise}") for p in SHEETS)
    assert not (tmp_path / "source" / ".venv").exists()
    assert not (tmp_path / "source" / "_build").exists()
