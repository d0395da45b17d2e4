"""The student edition leaves every solution out, and only the solutions.

The fast tests check the text surgery on small examples and on the real sheets; the
build test builds only the problem-set pages plus a page with every MyST form of a
solution (without execution) in an instructor and a student variant, compares the
HTML and searches every file of the student output (search index, objects.inv,
downloads, code zip) for solution text.
"""

import re
import shutil
import zipfile
import zlib
from pathlib import Path

import pytest
import yaml

from tools.student_build import (
    SKIP,
    build,
    readable_texts,
    scaffold_text,
    split_solutions,
    strip_solutions,
    student_buttons,
    student_text,
)

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


# Every MyST form of a solution; each hides a word starting with "zqx" (found nowhere else).
FORMS = """# Formen

```{exercise} Aufgabe
:label: ex-forms

Aufgabentext der Formenseite.
```

```{solution} ex-forms
:class: dropdown

zqxbacktickdrei
```

`````{solution} ex-forms
````python
zqxbacktickfuenf = 1
````
`````

~~~{solution} ex-forms
zqxtildedrei
~~~

~~~~~~{solution} ex-forms
```python
zqxtildesechs = 2
```
~~~~~~

:::{solution} ex-forms
:class: dropdown
zqxcolondrei
:::

::::{solution} ex-forms
:::{note}
zqxcolonvierinnen
:::
zqxcolonvier
::::

``` {solution} ex-forms
zqxleerzeichen
```

~~~{solution-start} ex-forms
~~~
zqxgatedtilde
```python
zqxgatedcode = 3
```
:::{solution-end}
:::

::::{solution-start} ex-forms
::::
zqxgatedcolon
```{solution-end}
```

Text nach allen Formen.
"""
SECRET = "zqx"


def test_every_myst_form_of_a_solution_is_stripped():
    text, blocks = split_solutions(FORMS)
    assert len(blocks) == FORMS.count("{solution") - FORMS.count("{solution-end}")
    assert SECRET not in text and "{solution" not in text
    assert "Aufgabentext der Formenseite." in text and "Text nach allen Formen." in text


def test_instructor_and_student_only_blocks():
    page = ("A\n% BEGIN instructor-edition\nLösungen verborgen\n% END instructor-edition\n"
            "% BEGIN student-edition\n% Ohne Lösungen.\n%   eingerückt\n"
            "% END student-edition\nB\n")
    assert student_text(page) == "A\nOhne Lösungen.\n  eingerückt\nB\n"
    with pytest.raises(ValueError, match="END"):
        student_text("% BEGIN student-edition\nx\n")
    intro = student_text((ROOT / "intro.md").read_text(encoding="utf-8"))
    assert "verborgen" not in intro and "ohne Lösungen" in intro


def test_student_buttons_point_to_the_student_source_or_are_absent():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    instructor_url = config["repository"]["url"]
    config["student_edition"] = {"repository_url": ""}
    student_buttons(config)
    assert instructor_url not in str(config)
    assert not any(config["html"][key] for key in
                   ("use_repository_button", "use_issues_button", "use_edit_page_button"))
    assert not any(config["launch_buttons"].get(key) for key in
                   ("binderhub_url", "jupyterhub_url", "colab_url", "thebe"))
    config["student_edition"] = {"repository_url": "https://example.org/kurs/studierende"}
    student_buttons(config)
    assert config["repository"]["url"] == "https://example.org/kurs/studierende"
    assert instructor_url not in str(config)


def _book_with_forms_page(folder):
    shutil.copytree(ROOT, folder, ignore=SKIP)
    (folder / "psets" / "formen.md").write_text(FORMS, encoding="utf-8")
    return folder


def _external_links(html_dir):
    return {href for page in html_dir.rglob("*.html")
            for href in re.findall(r'href="(https?://[^"]+)"', page.read_text(encoding="utf-8"))}


def test_student_html_has_no_solutions_but_instructor_html_does(tmp_path):
    book = _book_with_forms_page(tmp_path / "buch")
    instructor_url = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))[
        "repository"]["url"]
    pages = ["psets/index.md", *(f"psets/{p.name}" for p in SHEETS), "psets/formen.md"]
    html = {}
    for variant in ("lehrende", "studierende"):
        code, removed = build(book, tmp_path / variant, pages=pages,
                              student=variant == "studierende", strict=False, execute=False,
                              course=course_with(tmp_path, released=range(1, 7)))
        assert code == 0
        html[variant] = {p.stem: (tmp_path / variant / "html" / "psets" / f"{p.stem}.html")
                         .read_text(encoding="utf-8") for p in SHEETS}
        if variant == "studierende":
            assert removed == sum(p.read_text(encoding="utf-8").count("{exercise}")
                                  for p in SHEETS) + len(split_solutions(FORMS)[1])
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
    # The forms page: its secrets are in the instructor build, nowhere in the student one.
    teacher_dir, student_dir = tmp_path / "lehrende" / "html", tmp_path / "studierende"
    assert SECRET in (teacher_dir / "psets" / "formen.html").read_text(encoding="utf-8")
    assert SECRET in (teacher_dir / "searchindex.js").read_text(encoding="utf-8")
    leaked = [path for path, text in readable_texts(student_dir) if SECRET in text.lower()]
    assert not leaked, leaked
    student_html = student_dir / "html"
    # Each place a solution could hide, checked on its own (readable_texts covers all).
    assert SECRET not in (student_html / "searchindex.js").read_text(encoding="utf-8")
    inventory = (student_html / "objects.inv").read_bytes()
    body = zlib.decompress(inventory[inventory.index(b"\n", inventory.index(b"zlib")) + 1:])
    assert b"ex-forms" in body and b"solution" not in body.lower()
    for download in (student_html / "_sources" / "psets").glob("*"):
        assert SECRET not in download.read_text(encoding="utf-8").lower(), download.name
    with zipfile.ZipFile(student_html / "nn-kursbuch-code.zip") as archive:
        assert all(SECRET not in archive.read(name).decode("utf-8", "replace")
                   for name in archive.namelist())
    # No copy of the sources (with tests/ that quote solutions) stays behind.
    assert not (student_dir / "source").exists()
    assert not [p for p in student_dir.rglob("*") if p.name in ("tests", ".ci", ".github")]
    # Buttons: the instructor build links the repository and Binder, the student one neither.
    assert any(instructor_url in link for link in _external_links(teacher_dir))
    student_links = _external_links(student_html)
    assert not [link for link in student_links if instructor_url in link or "mybinder" in link]
    landing = (student_html / "intro.html").read_text(encoding="utf-8")
    assert "verborgen" not in landing and "ohne Lösungen" in landing


def test_prepared_student_sources_hide_solutions_and_keep_the_config(tmp_path):
    import yaml

    from tools.student_build import prepare_sources

    removed = len(prepare_sources(ROOT, tmp_path / "source",
                                  course=course_with(tmp_path, released=range(1, 7))))
    config = yaml.safe_load((tmp_path / "source" / "_config.yml").read_text(encoding="utf-8"))
    original = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["config"]["hide_solutions"] is True
    assert config["title"].endswith("(Studierendenausgabe)")
    assert config["sphinx"]["extra_extensions"] == original["sphinx"]["extra_extensions"]
    assert removed == sum(p.read_text(encoding="utf-8").count("{exercise}") for p in SHEETS)
    assert not (tmp_path / "source" / ".venv").exists()
    assert not (tmp_path / "source" / "_build").exists()


# --- Release per sheet (kurs.yml) ---------------------------------------------------

def course_with(tmp_path, released, solutions=()):
    """A course file like kurs.yml with only ``released`` sheets and ``solutions`` out."""
    from tools.course import load_course

    data = yaml.safe_load((ROOT / "kurs.yml").read_text(encoding="utf-8"))
    for number, entry in data["blaetter"].items():
        entry["veroeffentlicht"] = number in released
        entry["loesungen_veroeffentlicht"] = number in solutions
    path = tmp_path / "kurs.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_course(path)


def test_hidden_sheets_are_unlinked_with_their_stable_numbers(tmp_path):
    from tools.student_build import release_toc, unlink_hidden

    course = course_with(tmp_path, released=(1, 2, 3))
    text = ("Siehe {numref}`ex-b4-residual` und {doc}`../../psets/blatt_04_pytorch`.\n"
            "| {doc}`blatt_05_lstm` | LSTM |\n| {doc}`blatt_03_mlp` | MLP |\n"
            "Auch {ref}`Text <ex-b6-grid>` und {numref}`ex-b3-backprop`.\n")
    fixed = unlink_hidden(text, course.hidden_sheets())
    assert fixed == ("Siehe Aufgabe 4.2 und Übungsblatt 4.\n| {doc}`blatt_03_mlp` | MLP |\n"
                     "Auch Aufgabe 6.2 und {numref}`ex-b3-backprop`.\n")
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    released = release_toc(toc, {s.docname for s in course.hidden_sheets()})
    assert "blatt_04" not in str(released) and "blatt_03" in str(released)
    # Chapters stay where they are: their numbers (and the tasks' numbers) do not change.
    chapters = [c["file"] for c in released["parts"][0]["chapters"]]
    assert chapters == [c["file"] for c in toc["parts"][0]["chapters"]]


def _small_book(folder):
    """The real sheets and overview, with every chapter a one-line stub (no execution)."""
    shutil.copytree(ROOT, folder, ignore=SKIP)
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    chapters = toc["parts"][0]["chapters"]
    for number, chapter in enumerate(chapters, start=1):
        chapter["sections"] = [s for s in chapter["sections"] if s["file"].startswith("psets/")]
        text = f"# Kapitel {number}\n\nText.\n"
        if number == 3:  # a chapter that cites a task of a later sheet
            text += "\nSiehe {numref}`ex-b4-params` im {doc}`../../psets/blatt_04_pytorch`.\n"
        (folder / f"{chapter['file']}.md").write_text(text, encoding="utf-8")
    (folder / "intro.md").write_text("# {{ kurs_titel }}\n\nWillkommen.\n", encoding="utf-8")
    small = {"format": "jb-book", "root": "intro",
             "parts": [toc["parts"][0], {"caption": "Übungen", "chapters": [{"file": "psets/index"}]}]}
    (folder / "_toc.yml").write_text(yaml.safe_dump(small, allow_unicode=True), encoding="utf-8")
    return folder


TASK_NUMBER = re.compile(r"Aufgabe (\d+\.\d+)")


def test_release_sheets_1_to_3_with_the_solutions_of_sheet_1(tmp_path):
    """Release 1–3 and the solutions of sheet 1: 4–6 appear nowhere, only sheet 1 has
    solutions, every number is the instructor edition's."""
    book = _small_book(tmp_path / "buch")
    course = course_with(tmp_path, released=(1, 2, 3), solutions=(1,))
    code, _ = build(book, tmp_path / "lehrende", student=False, strict=False, execute=False)
    assert code == 0
    code, _ = build(book, tmp_path / "studierende", student=True, strict=False, execute=False,
                    course=course, notebooks=True)
    assert code == 0, "Leck-Suche oder Bau fehlgeschlagen"
    teacher, student = tmp_path / "lehrende" / "html", tmp_path / "studierende" / "html"
    assert (teacher / "psets" / "blatt_04_pytorch.html").is_file()
    # Sheets 4-6: no page, no source, no entry in search index, objects.inv, zip, overview.
    hidden = [s for s in course.sheets if not s.released]
    marks = [mark for s in hidden for mark in
             (Path(s.docname).name, *s.points, s.path.read_text(encoding="utf-8").split("\n# ")[1]
              .splitlines()[0])]
    found = [f"{path}: {mark}" for path, text in readable_texts(tmp_path / "studierende")
             for mark in marks if mark in text]
    assert not found, found[:5]
    # Solutions of sheet 1 only.
    pages = {s.number: (student / f"{s.docname}.html").read_text(encoding="utf-8")
             for s in course.sheets if s.released}
    assert 'class="solution' in pages[1] and "Lösung zu Aufgabe 1.1" in visible_text(pages[1])
    assert all('class="solution' not in pages[n] for n in (2, 3))
    # Numbering: the same task numbers in both editions, "Aufgabe 3.1" style; the chapter
    # that cited a hidden task names its future number as text.
    for number, page in pages.items():
        ours = TASK_NUMBER.findall(page)
        theirs = TASK_NUMBER.findall((teacher / f"{course.sheet(number).docname}.html")
                                     .read_text(encoding="utf-8"))
        assert ours and set(ours) == set(theirs), (ours, theirs)
        assert all(n.startswith(f"{number}.") for n in ours), ours
    chapter3 = visible_text((student / "chapters" / "03_mlp" / "index.html").read_text(encoding="utf-8"))
    assert "Siehe Aufgabe 4.1 im Übungsblatt 4." in chapter3
    assert "Aufgabe 4.1" in visible_text((teacher / "chapters" / "03_mlp" / "index.html")
                                         .read_text(encoding="utf-8"))
    # Each released sheet offers its notebook (nbgrader release version) on its page and
    # in the code zip; the leak scan (code 0 above) covered both.
    with zipfile.ZipFile(student / "nn-kursbuch-code.zip") as archive:
        zipped = {Path(name).name for name in archive.namelist() if "/blaetter/" in name}
        readme = archive.read("nn-kursbuch-code/LIESMICH.txt").decode("utf-8")
    assert zipped == {"blatt_01.ipynb", "blatt_02.ipynb", "blatt_03.ipynb"}
    assert "blaetter/" in readme and "Notebooks (.ipynb) des Buches" not in readme
    for number, page in pages.items():
        links = re.findall(r'href="([^"]+\.ipynb)"', page)
        assert any(link.endswith(f"blatt_{number:02d}.ipynb") for link in links), number
        target = (student / "psets" / next(link for link in links if "_downloads" in link))
        assert target.resolve().is_file() and "IHR" in target.read_text(encoding="utf-8")
    # The overview lists what exists, with due dates and points from the course file.
    overview = visible_text((student / "psets" / "index.html").read_text(encoding="utf-8"))
    assert course.sheet(3).due_text in overview and course.sheet(4).due_text not in overview
    assert str(course.sheet(3).total_points) in overview


def _folder(path):
    path.mkdir(parents=True)
    return path


def test_a_sheet_hidden_again_leaves_no_page_of_the_earlier_build(tmp_path):
    """Released 1–4, then only 1–3, into the same folder: sheet 4's page and notebook go."""
    book = _small_book(tmp_path / "buch")
    out = tmp_path / "studierende"
    code, _ = build(book, out, student=True, strict=False, execute=False,
                    course=course_with(_folder(tmp_path / "vier"), released=(1, 2, 3, 4)), notebooks=True)
    assert code == 0 and (out / "html" / "psets" / "blatt_04_pytorch.html").is_file()
    code, _ = build(book, out, student=True, strict=False, execute=False,
                    course=course_with(_folder(tmp_path / "drei"), released=(1, 2, 3)), notebooks=True)
    assert code == 0, "Leck-Suche: Reste des ersten Baus"
    assert not list((out / "html").rglob("blatt_04*"))


def test_an_html_build_keeps_the_pdfs_of_make_pdf_and_make_sheets(tmp_path):
    """make student after make pdf / make sheets: the PDFs the pages link stay."""
    from tools.student_build import replace_html

    html, built = tmp_path / "html", tmp_path / "neu"
    (html / "blaetter").mkdir(parents=True)
    (html / "kursbuch-studierende.pdf").write_bytes(b"%PDF buch")
    (html / "blaetter" / "blatt-01.pdf").write_bytes(b"%PDF blatt")
    (html / "alt.html").write_text("alt", encoding="utf-8")
    built.mkdir()
    (built / "index.html").write_text("neu", encoding="utf-8")
    replace_html(built, html)
    assert (html / "kursbuch-studierende.pdf").read_bytes() == b"%PDF buch"
    assert (html / "blaetter" / "blatt-01.pdf").read_bytes() == b"%PDF blatt"
    assert (html / "index.html").is_file() and not (html / "alt.html").exists()


def test_source_downloads_are_downloads_not_tabs():
    """A server without a charset garbles the umlauts of a .md opened in a tab."""
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from book_extras import download_source_links
    finally:
        sys.path.remove(str(ROOT / "tools"))
    page = ('<a href="../_sources/psets/index.md" target="_blank"\n   class="btn">'
            '<a href="https://example.org" target="_blank">')
    fixed = download_source_links(page)
    assert '<a href="../_sources/psets/index.md" download\n' in fixed
    assert '<a href="https://example.org" target="_blank">' in fixed


def test_the_scaffold_of_a_graded_cell_is_public_and_its_solution_is_not():
    """What the sheet notebook gives students (a class signature) is no leak; the code
    between ### BEGIN and ### END SOLUTION stays secret."""
    sheet = "\n".join([
        "```{code-cell} ipython3", ":tags: [remove-cell, grade-solution]", "",
        "class ResidualBlock(nn.Module):",
        "    def __init__(self, in_features, out_features):",
        "        ### BEGIN SOLUTION",
        "        self.branch = nn.Linear(in_features, out_features)  # geheim",
        "        ### END SOLUTION", "```", ""])
    scaffold = scaffold_text(sheet)
    assert "def __init__(self, in_features, out_features):" in scaffold
    assert "geheim" not in scaffold and "BEGIN SOLUTION" not in scaffold
    assert "def __init__(self, in_features, out_features):" in scaffold_text(
        (ROOT / "psets" / "blatt_04_pytorch.md").read_text(encoding="utf-8"))
