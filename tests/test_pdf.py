"""The PDF editions (make pdf): sane, searchable, fonts embedded, no solutions for students.

The PDF tests skip when the PDF is not built (`make book`, `make student`, `make pdf`);
`.ci/run` builds both and runs them. The source checks always run.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tools.student_build import PDF_NAME, strip_solutions

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTOR = ROOT / "_build" / "html" / "kursbuch.pdf"
STUDENT = ROOT / "_build_student" / "html" / PDF_NAME
EDITIONS = {"lehrende": INSTRUCTOR, "studierende": STUDENT}
KEY_TERMS = ["Inhaltsverzeichnis", "Backpropagation", "Kreuzentropie", "Präaktivierung",
             "Mini-Batch", "Residualverbindung", "Zellzustand", "Grid Search", "Übungsblatt",
             "Literatur", "Hochreiter und Schmidhuber"]


def poppler(tool, *args):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} fehlt (Debian-Paket poppler-utils)")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True).stdout


def built(path):
    if not path.is_file():
        pytest.skip(f"{path.relative_to(ROOT)} ist nicht gebaut (make book, make student, make pdf)")
    return path


_texts = {}


def text_of(path):
    """Text of the PDF as pdftotext extracts it (one string, cached per file)."""
    if path not in _texts:
        _texts[path] = poppler("pdftotext", "-enc", "UTF-8", str(path), "-")
    return _texts[path]


def squeeze(text):
    """Letters and digits only: line breaks, hyphenation and quote styles do not matter."""
    return re.sub(r"[^0-9a-zäöüß]", "", text.lower())


@pytest.fixture(params=sorted(EDITIONS), ids=str)
def pdf(request):
    return built(EDITIONS[request.param])


def test_page_count_is_sane(pdf):
    info = poppler("pdfinfo", str(pdf))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    assert 100 <= pages <= 600, f"{pdf.name}: {pages} Seiten"
    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info, re.MULTILINE), info


def test_every_font_is_embedded(pdf):
    rows = poppler("pdffonts", str(pdf)).splitlines()[2:]
    assert rows, "pdffonts fand keine Schriften"
    missing = [row for row in rows if row.split()[-5] != "yes"]
    assert not missing, "nicht eingebettet:\n" + "\n".join(missing)


def test_no_unresolved_reference(pdf):
    text = text_of(pdf)
    lines = [line for line in text.splitlines() if "??" in line]
    assert not lines, f"{pdf.name}: unaufgelöste Verweise:\n" + "\n".join(lines[:10])


def test_equation_references_have_one_pair_of_brackets(pdf):
    doubled = re.findall(r"\(\(\d+\.\d+\)\)", re.sub(r"\s", "", text_of(pdf)))
    assert not doubled, f"{pdf.name}: doppelte Klammern um Gleichungsnummern: {doubled[:5]}"


def test_no_blank_pages(pdf):
    """Chapters start on the next page (openany), not on the next right-hand page."""
    pages = text_of(pdf).split("\f")[:-1]  # pdftotext ends every page with a form feed
    blank = [number for number, page in enumerate(pages, 1) if len(re.sub(r"\s", "", page)) < 5]
    assert not blank, f"{pdf.name}: leere Seiten {blank}"


def test_no_figure_as_text(pdf):
    text = text_of(pdf)
    for leftover in ("<Figure size", "<pandas.io.formats.style.Styler", "<IPython.core.display"):
        assert leftover not in text, f"{pdf.name}: Ausgabe als Text statt als Bild/Tabelle: {leftover}"


def test_text_is_searchable(pdf):
    text = squeeze(text_of(pdf))
    missing = [term for term in KEY_TERMS if squeeze(term) not in text]
    assert not missing, f"{pdf.name}: nicht gefunden: {missing}"


def test_nothing_web_only_in_the_pdf(pdf):
    text = squeeze(text_of(pdf))
    for phrase in ("ein Klick öffnet sie", "Schaltfläche mit dem Pfeil", "Code des Buches herunterladen (ZIP)"):
        assert squeeze(phrase) not in text, f"{pdf.name}: nur fürs Web gedacht: {phrase}"


def solution_sentences():
    """Plain prose lines (no markup) of every solution in the problem sheets."""
    from tools.course import load_course

    released = {s.path for s in load_course().sheets if s.solutions_released}
    sentences = []
    for sheet in sorted((ROOT / "psets").glob("blatt_*.md")):
        if sheet in released:  # kurs.yml: loesungen_veroeffentlicht
            continue
        text = sheet.read_text(encoding="utf-8")
        kept = set(strip_solutions(text)[0].splitlines())
        for raw in text.splitlines():
            line = raw.strip(" -*>0123456789.")
            if raw not in kept and len(line) >= 50 and not re.search(r"[`${}\[\]<>|:=_\\]", line):
                sentences.append(line)
    return sentences


def test_student_pdf_has_no_solution_text():
    student, instructor = squeeze(text_of(built(STUDENT))), squeeze(text_of(built(INSTRUCTOR)))
    sentences = solution_sentences()
    assert len(sentences) >= 20, "zu wenige Lösungssätze zum Vergleichen"
    # The comparison works: the instructor edition contains nearly all of them.
    found = [s for s in sentences if squeeze(s) in instructor]
    assert len(found) >= 0.8 * len(sentences), f"nur {len(found)}/{len(sentences)} in der Lehrendenausgabe"
    leaked = [s for s in sentences if squeeze(s) in student]
    assert not leaked, "Lösungstext in der Studierendenausgabe:\n" + "\n".join(leaked[:5])
    from tools.course import load_course

    released = {s.number for s in load_course().sheets if s.solutions_released}
    titles = [t for t in re.findall(r"Lösung zu Aufgabe (\d+)\.\d+", text_of(STUDENT))
              if int(t) not in released]  # kurs.yml: loesungen_veroeffentlicht
    assert not titles, f"Lösungen in der Studierendenausgabe: {titles[:5]}"


def test_latex_log_has_no_missing_glyph():
    log = built(ROOT / "_build" / "latex" / "kursbuch.log").read_text(encoding="utf-8", errors="replace")
    assert "Missing character" not in log


def test_sources_do_not_bracket_equation_references_twice():
    """``math_eqref_format`` prints "(3.1)": ({eq}`…`) in a source would print "((3.1))"."""
    hits = []
    for page in sorted([*ROOT.glob("chapters/**/*.md"), *ROOT.glob("psets/*.md"), ROOT / "intro.md"]):
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if "({eq}`" in line:
                hits.append(f"{page.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not hits, "Gleichungsverweis ohne Klammern schreiben, {eq} setzt sie:\n" + "\n".join(hits)


def test_exercises_are_quoted_with_numref():
    """``{ref}`` to an exercise prints "Übung ??" in LaTeX; ``{numref}`` works in both builds."""
    labels = set()
    for sheet in (ROOT / "psets").glob("*.md"):
        labels |= set(re.findall(r":label:\s*(ex-[\w-]+)", sheet.read_text(encoding="utf-8")))
    hits = []
    for page in [*ROOT.glob("chapters/**/*.md"), *ROOT.glob("psets/*.md")]:
        for label in re.findall(r"\{ref\}`(?:[^`<]*<)?(ex-[\w-]+)>?`", page.read_text(encoding="utf-8")):
            if label in labels:
                hits.append(f"{page.relative_to(ROOT)}: {{ref}}`{label}`")
    assert not hits, "Übungen mit {numref} zitieren:\n" + "\n".join(hits)


def test_cpu_workflow_builds_and_uploads_both_pdfs():
    text = (ROOT / ".github" / "workflows" / "book.yml").read_text(encoding="utf-8")
    cpu = text.split("\n  gpu:")[0]
    assert "jupyter-book build . --builder pdflatex -n -W --keep-going" in cpu
    assert "python -m tools.student_build --pdf" in cpu
    assert "_build/html/kursbuch.pdf" in cpu and f"_build_student/html/{PDF_NAME}" in cpu
    # The PDF is built before the HTML (and the Pages artifact) is uploaded.
    assert cpu.index("--builder pdflatex") < cpu.index("name: HTML hochladen")


def test_html_table_becomes_a_real_table():
    """tools/pdf_edition.py: a pandas table in a notebook output becomes a docutils table."""
    import pandas as pd
    from docutils import nodes

    from tools.pdf_edition import html_table

    frame = pd.DataFrame({"Wert": {"Python": "3.11", "GPU": "keine"}}).rename_axis("Merkmal")
    table = html_table(frame.to_html())
    rows = [[entry.astext() for entry in row.children] for row in table.findall(nodes.row)]
    assert rows == [["Merkmal", "Wert"], ["Python", "3.11"], ["GPU", "keine"]]
    assert len(list(table.findall(nodes.thead))) == 1
    styled = pd.DataFrame({"lr": [0.01], "val_acc": ["82,6 %"]}).style.hide(axis="index")
    rows = [[entry.astext() for entry in row.children] for row in html_table(styled.to_html()).findall(nodes.row)]
    assert rows == [["lr", "val_acc"], ["0.010000", "82,6 %"]]
    assert html_table("<p>kein Tisch</p>") is None


# --- One PDF per sheet (make sheets, tools/sheets.py) ------------------------------------

def test_sheet_header_has_course_due_date_points_and_fields_for_students_only():
    from tools.course import load_course
    from tools.sheets import header_lines, preamble

    course = load_course()
    sheet = course.sheet(3)
    due, points = header_lines(sheet)
    assert due == f"Abgabe bis {sheet.due_text}"
    assert points.startswith("Aufgabe 3.1: ") and f"zusammen {sheet.total_points} P." in points
    for label, value in sheet.points.items():
        assert f": {value} P." in points, label
    student, tutors = preamble(course, tutors=False), preamble(course, tutors=True)
    assert "Matrikelnummer" in student and "Name:" in student
    assert "Matrikelnummer" not in tutors and "Musterlösung" in tutors
    assert course.semester in student and r"\renewcommand\sphinxmaketitle" in student


def test_sheets_configuration_has_one_latex_document_per_sheet(tmp_path):
    import yaml

    from tools.course import load_course
    from tools.sheets import configure

    course = load_course()
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    configure(tmp_path, course, [course.sheet(1), course.sheet(3)], tutors=True)
    config = yaml.safe_load((tmp_path / "_config.yml").read_text(encoding="utf-8"))
    documents = config["sphinx"]["config"]["latex_documents"]
    assert [d[:2] for d in documents] == [["psets/blatt_01_einfuehrung", "blatt-01-loesungen.tex"],
                                          ["psets/blatt_03_mlp", "blatt-03-loesungen.tex"]]
    assert documents[1][2] == "Übungsblatt 3: MLP und Backpropagation – Musterlösung"
    # Only the sheets built here execute.
    excluded = config["execute"]["exclude_patterns"]
    assert "psets/blatt_02_logreg_slp.md" in excluded and "psets/blatt_03_mlp.md" not in excluded
    # References to the rest of the book as text (tools/pdf_edition.py).
    assert config["sphinx"]["config"]["pdf_sheet_documents"] is True


def _sheet_pdfs(folder, pattern):
    pdfs = sorted(folder.glob(pattern)) if folder.is_dir() else []
    if not pdfs:
        pytest.skip(f"keine Blatt-PDFs in {folder.relative_to(ROOT)} (make sheets)")
    return pdfs


def test_student_sheet_pdfs_start_with_the_header_and_hold_no_solutions():
    from tools.course import load_course

    course = load_course()
    for pdf in _sheet_pdfs(ROOT / "_build_student" / "html" / "blaetter", "blatt-??.pdf"):
        sheet = course.sheet(int(pdf.stem.split("-")[1]))
        first = poppler("pdftotext", "-l", "1", "-enc", "UTF-8", str(pdf), "-")
        for expected in (course.title, course.semester, f"Abgabe bis {sheet.due_text}",
                         "Name:", "Matrikelnummer:", f"Aufgabe {sheet.number}.1"):
            assert squeeze(expected) in squeeze(first), f"{pdf.name}: {expected!r} fehlt"
        text = poppler("pdftotext", "-enc", "UTF-8", str(pdf), "-")
        if not sheet.solutions_released:
            assert "Lösung zu" not in text, pdf.name


def test_tutor_sheet_pdfs_hold_the_solutions():
    for pdf in _sheet_pdfs(ROOT / "_build" / "html" / "blaetter", "blatt-??-loesungen.pdf"):
        text = poppler("pdftotext", "-enc", "UTF-8", str(pdf), "-")
        assert "Musterlösung" in text and "Lösung zu Aufgabe" in text, pdf.name


# A reference Sphinx cannot link prints its own text: the bare label ("sec-notation",
# "siehe index", "../chapters/03_mlp/mnist") or "??". Python code in codes/ names book
# equations by label in comments ("Gl. (eq:delta-L-batch)"); that is code, as in the HTML.
RAW_LABEL = re.compile(r"\?\?|\.\./\w|\bsiehe index\b|\b(?:sec|fig|tab|ex)-[a-z0-9]+(?:-[a-z0-9]+)*\b"
                       r"|(?<!Gl\. \()(?<!Gl\. )\beq:[a-z0-9-]+")


def sheet_text(pdf):
    """The PDF's text in one line: wrapped code lines (↪) and words hyphenated at a line end
    joined, spaces squeezed."""
    text = poppler("pdftotext", "-enc", "UTF-8", str(pdf), "-")
    return re.sub(r"\s+", " ", re.sub(r"-\n", "-", re.sub(r"\n↪", "", text)))


def test_sheet_pdfs_print_no_raw_label():
    """tools/pdf_edition.py (SheetReferencesToTheBook): a reference out of the sheet reads
    "Abschnitt 3.4 (…) im Kursbuch", never as its label."""
    pdfs = [*_sheet_pdfs(ROOT / "_build_student" / "html" / "blaetter", "blatt-??.pdf"),
            *_sheet_pdfs(ROOT / "_build" / "html" / "blaetter", "blatt-??-loesungen.pdf")]
    found = [f"{pdf.name}: {match.group(0)!r}" for pdf in pdfs
             for match in RAW_LABEL.finditer(sheet_text(pdf))]
    assert not found, "Verweise als rohes Label:\n" + "\n".join(found)


def web_heading(page, label=None):
    """(number, title) of a page's heading (or the heading with ``label``) in the built HTML."""
    import html

    source = built(ROOT / "_build" / "html" / f"{page}.html").read_text(encoding="utf-8")
    anchor = rf'<section id="[^"]*">\s*<span id="{label}"></span>\s*' if label else ""
    match = re.search(anchor + r'<h(\d)><span class="section-number">([\d.]+)\. </span>(.*?)'
                      r'<a class="headerlink"', source, re.DOTALL)
    assert match, f"{page}: Überschrift {label or ''} nicht gefunden"
    return match.group(2), html.unescape(re.sub(r"<[^>]+>", "", match.group(3))).strip()


@pytest.mark.parametrize("pdf, page, label", [
    ("_build_student/html/blaetter/blatt-03.pdf", "chapters/03_mlp/backprop_beispiel", None),
    ("_build/html/blaetter/blatt-05-loesungen.pdf", "chapters/05_lstm/experimente",
     "sec-lstm-kontrollen"),
], ids=["doc", "ref"])
def test_sheet_pdf_refers_to_the_book_with_the_web_number_and_title(pdf, page, label):
    text = sheet_text(built(ROOT / pdf))
    number, title = web_heading(page, label)
    expected = f"Abschnitt {number} ({title}) im Kursbuch"
    assert re.sub(r"\s+", " ", expected) in text, f"{pdf}: {expected!r} fehlt"
    assert "„Übungsblätter“ im Kursbuch" in text  # (siehe {doc}`index`): an unnumbered page


def test_sheet_references_out_of_the_document_read_like_the_book(tmp_path):
    """SheetReferencesToTheBook in a small LaTeX build: every kind of reference out of the
    document, one inside that stays a link, and no change without ``pdf_sheet_documents``."""
    from sphinx.application import Sphinx

    source = tmp_path / "source"
    (source / "chap").mkdir(parents=True)
    (source / "conf.py").write_text(
        "extensions = ['myst_parser', 'tools.pdf_edition']\nlanguage = 'de'\nnumfig = True\n"
        "myst_enable_extensions = ['dollarmath']\n"
        "latex_documents = [('sheet', 'sheet.tex', 'Blatt', 'Team', 'manual')]\n",
        encoding="utf-8")
    (source / "index.md").write_text("# Buch\n\n```{toctree}\n:numbered:\nchap/index\nsheet\n```\n"
                                      "\n```{toctree}\nanhang\n```\n", encoding="utf-8")
    (source / "anhang.md").write_text("(sec-anhang)=\n# Anhang ohne Nummer\n", encoding="utf-8")
    (source / "chap" / "index.md").write_text(
        "# Das erste Kapitel\n\n(sec-teil)=\n## Ein Teil mit $x$\n\n$$ a = b $$ (eq:eins)\n\n"
        "```{list-table} Zahlen\n:name: tab-zahlen\n* - 1\n```\n", encoding="utf-8")
    (source / "sheet.md").write_text(
        "# Blatt\n\n(sec-intern)=\n## Intern\n\n"
        "A: {ref}`sec-teil`. B: im Abschnitt {ref}`sec-teil`. C: (siehe {ref}`sec-teil`).\n"
        "D: {doc}`chap/index`. E: {ref}`sec-anhang`. F: {eq}`eq:eins`. G: Gl. {eq}`eq:eins`.\n"
        "H: {numref}`tab-zahlen`. I: {numref}`Tab. %s <tab-zahlen>`. "
        "J: {ref}`den Teil <sec-teil>`. K: {ref}`sec-intern`.\n", encoding="utf-8")

    def latex(sheets):
        out = tmp_path / f"out-{sheets}"
        app = Sphinx(str(source), str(source), str(out), str(out / ".doctrees"), "latex",
                     confoverrides={"pdf_sheet_documents": sheets}, status=None, freshenv=True)
        app.build()
        body = (out / "sheet.tex").read_text(encoding="utf-8")
        return re.sub(r"\s+", " ", body.split(r"\begin{document}")[1].replace("\u00a0", " "))

    tex = latex(True)
    for expected in [r"A: Abschnitt 1.1 (Ein Teil mit \(x\)) im Kursbuch.",
                     r"B: im Abschnitt 1.1 (Ein Teil mit \(x\)) im Kursbuch.",
                     r"C: (siehe Abschnitt 1.1 {[}Ein Teil mit \(x\){]} im Kursbuch).",
                     "D: Kapitel 1 (Das erste Kapitel) im Kursbuch.",
                     "E: „Anhang ohne Nummer“ im Kursbuch.",
                     "F: Gleichung (1.1) im Kursbuch.", "G: Gl. (1.1) im Kursbuch.",
                     "H: Tabelle 1.1 im Kursbuch.", "I: Tab. 1.1 im Kursbuch.",
                     "J: den Teil (Abschnitt 1.1 im Kursbuch)."]:
        assert expected in tex, f"{expected!r} fehlt in:\n{tex}"
    assert re.search(r"K: {?\\hyperref\[\\detokenize\{sheet:sec-intern\}\]", tex), tex
    assert "Kursbuch" not in latex(False)


def test_sheet_build_drops_only_the_glue_warnings_of_pages_read_without_execution(tmp_path):
    """make sheets reads the chapters without execution: their {glue} values are missing
    (e.g. "No key 'basic_first_failed'"), some 560 warnings per build. A sheet's stay."""
    import logging
    from types import SimpleNamespace

    from tools.pdf_edition import _GlueOfPagesReadWithoutExecution

    for page in ("chapters/05_lstm/experimente", "psets/blatt_05_lstm"):
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
    env = SimpleNamespace(found_docs={"chapters/05_lstm/experimente", "psets/blatt_05_lstm"},
                          doc2path=lambda docname: str(tmp_path / f"{docname}.md"))
    config = SimpleNamespace(nb_execution_excludepatterns=["chapters/*/*.md", "intro.md"])
    glue = _GlueOfPagesReadWithoutExecution(SimpleNamespace(env=env, config=config))

    def warning(docname, subtype="glue"):
        record = logging.makeLogRecord({"msg": "No key 'x' found in glue data", "type": "mystnb",
                                        "subtype": subtype, "docname": docname})
        return glue.filter(record)

    assert not warning("chapters/05_lstm/experimente")
    assert warning("psets/blatt_05_lstm")
    assert warning("chapters/05_lstm/experimente", subtype="render")
    assert glue.dropped == 1
