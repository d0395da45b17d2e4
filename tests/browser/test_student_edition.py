"""The built student edition (make student) holds no solution: no file, no search entry, no
inventory entry, no download, no code zip, no button to the instructor sources.

Marked ``browser`` because it needs the build; it reads files and starts no browser. The
fast tests in tests/test_student_build.py check the same on a small build of every MyST
form of a solution.
"""

import re
import zlib

import pytest
import yaml
from book_html import HTML_DIR, ROOT, STUDENT_HTML_DIR

from tools.course import load_course
from tools.student_build import find_leaks, public_text, readable_texts, split_solutions

pytestmark = pytest.mark.browser

OUT = STUDENT_HTML_DIR.parent


@pytest.fixture(scope="module")
def solutions():
    """Every solution block of the book's sources, and the labels they define."""
    if not (STUDENT_HTML_DIR / "intro.html").is_file():
        pytest.fail(f"Keine Studierendenausgabe unter {STUDENT_HTML_DIR}: erst `make student`.",
                    pytrace=False)
    released = {s.path for s in load_course().sheets if s.solutions_released}
    blocks = [block for page in sorted(ROOT.glob("[!_.]*/**/*.md")) if page not in released
              for block in split_solutions(page.read_text(encoding="utf-8"))[1]]
    assert len(blocks) >= 10, "zu wenige Lösungen in den Quellen gefunden"
    labels = {label for block in blocks for label in re.findall(r":label:\s*(\S+)", block)}
    return blocks, labels


def test_no_file_of_the_student_edition_holds_solution_text(solutions):
    blocks, _ = solutions
    public = public_text(ROOT, {s.source for s in load_course().sheets if s.solutions_released})
    leaks = find_leaks(OUT, blocks, public)
    assert not leaks, "\n".join(leaks[:20])
    # The search is not blind: the instructor edition shows the solutions' lines.
    if (HTML_DIR / "intro.html").is_file():
        assert find_leaks(HTML_DIR, blocks, public), "Suche findet nicht einmal die Lehrendenausgabe"
    assert not (OUT / "source").exists(), "Kopie der Quellen (mit tests/) liegt noch im Build"
    assert not [p for p in OUT.rglob("*") if p.name in ("tests", ".ci", ".github")]


def test_search_index_inventory_and_downloads_are_clean(solutions):
    _, labels = solutions
    searchindex = (STUDENT_HTML_DIR / "searchindex.js").read_text(encoding="utf-8")
    if not any(s.solutions_released for s in load_course().sheets):
        assert "Lösung zu" not in searchindex
    inventory = (STUDENT_HTML_DIR / "objects.inv").read_bytes()
    body = zlib.decompress(inventory[inventory.index(b"\n", inventory.index(b"zlib")) + 1:])
    entries = {line.split()[0] for line in body.decode("utf-8").splitlines() if line.strip()}
    assert not labels & entries, sorted(labels & entries)
    solved = tuple(s.docname for s in load_course().sheets if s.solutions_released)
    assert not [line for line in body.decode("utf-8").splitlines()
                if "solution" in line.lower() and not (solved and line.startswith(solved))]
    for path, text in readable_texts(STUDENT_HTML_DIR / "_sources"):
        assert "{solution" not in text or (solved and any(d in path for d in solved)), path
    assert (STUDENT_HTML_DIR / "nn-kursbuch-code.zip").is_file()


def test_no_button_leads_to_the_instructor_sources():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    instructor = config["repository"]["url"]
    student = (config.get("student_edition") or {}).get("repository_url") or None
    links = {href for page in STUDENT_HTML_DIR.rglob("*.html")
             for href in re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8"))}
    bad = [link for link in links if instructor in link or "mybinder.org" in link
           and not (student and student in link)]
    assert not bad, bad[:10]


def test_only_released_sheets_are_in_the_student_edition():
    """kurs.yml: an unreleased sheet is in no file (page, source, search, inventory, zip),
    a released one is there and offers its notebook, on its page and in the code zip."""
    course = load_course()
    hidden = [s for s in course.sheets if not s.released]
    marks = [mark for s in hidden for mark in (s.docname.split("/")[-1], *s.points)]
    found = [f"{path}: {mark}" for path, text in readable_texts(OUT) for mark in marks
             if mark in text]
    assert not found, found[:10]
    import zipfile
    with zipfile.ZipFile(STUDENT_HTML_DIR / "nn-kursbuch-code.zip") as archive:
        zipped = {name.rsplit("/", 1)[-1] for name in archive.namelist() if "/blaetter/" in name}
    for sheet in course.released_sheets():
        page = (STUDENT_HTML_DIR / f"{sheet.docname}.html").read_text(encoding="utf-8")
        assert f"blatt_{sheet.number:02d}.ipynb" in page, sheet.docname
        assert f"blatt_{sheet.number:02d}.ipynb" in zipped
        assert ('class="solution' in page) == sheet.solutions_released, sheet.docname
