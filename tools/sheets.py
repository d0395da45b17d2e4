"""One PDF per problem sheet (make sheets): for students, and with solutions for tutors.

    python -m tools.sheets                 # every released sheet
    python -m tools.sheets --sheets 1 3    # only these

Two LaTeX runs of Sphinx (jupyter-book's pdflatex builder), one per version, each with one
``latex_documents`` entry per sheet, so every sheet is its own small PDF:

- students: ``_build_student/html/blaetter/blatt-03.pdf``, made from the student sources
  of tools/student_build.py (solutions cut unless the course file releases them; sheets
  the course file has not released are not built) and searched for solution text like
  the HTML; the student edition's sheets overview links these files;
- tutors: ``_build/html/blaetter/blatt-03-loesungen.pdf``, in the instructor edition
  (with a copy of the student PDF beside it); its sheets overview links both.

Each sheet starts on its own page with a header from the course file ``kurs.yml``:
course, semester, sheet, due date, points per task, and (student version) fields for name
and student ID. Tasks keep the book's numbers ("Aufgabe 3.1"). Only the sheets execute
(from the cache of ``make book`` when it is there); the chapters are read without
execution, for the references only: a reference to them reads "Abschnitt 3.2 (Titel) im
Kursbuch" (``pdf_sheet_documents``, tools/pdf_edition.py).
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from tools.course import load_course
from tools.student_build import (
    find_leaks,
    find_leaks_in_pdfs,
    prepare_sources,
    public_text,
    task_numbers,
)

ROOT = Path(__file__).resolve().parents[1]
FOLDER = "blaetter"  # in the HTML output of each edition, next to index.html
STUDENT_DIR = ROOT / "_build_student" / "html" / FOLDER
TUTOR_DIR = ROOT / "_build" / "html" / FOLDER


def tex_escape(text):
    """Plain text for LaTeX (the header macros)."""
    special = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
               "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
               "^": r"\textasciicircum{}"}
    return "".join(special.get(char, char) for char in text)


def header_lines(sheet):
    """Due date and points of ``sheet`` as the header prints them (plain text)."""
    numbers = task_numbers(sheet)
    points = " · ".join(f"Aufgabe {numbers[label]}: {value} P." for label, value in
                        sheet.points.items())
    return f"Abgabe bis {sheet.due_text}", f"{points} · zusammen {sheet.total_points} P."


def preamble(course, tutors):
    """LaTeX for the header: ``\\sphinxmaketitle`` prints it, and the sheet's own chapter
    heading (the same title) is left out, so the sheet starts right below it."""
    fields = "" if tutors else (
        r"\par\vspace{5mm}\noindent Name: \rule{7cm}{0.4pt}\hfill"
        r" Matrikelnummer: \rule{4cm}{0.4pt}")
    version = r"\hfill Musterlösung für Tutorinnen und Tutoren" if tutors else ""
    return "\n".join([
        r"\makeatletter",
        r"\newcommand\sheetcourse{" + tex_escape(course.title) + "}",
        r"\newcommand\sheetsemester{" + tex_escape(course.semester) + "}",
        r"\renewcommand\sphinxmaketitle{%",
        r"  \thispagestyle{plain}\noindent{\sffamily\small\sheetcourse\hfill\sheetsemester}\par",
        r"  \vspace{3mm}\noindent{\sffamily\LARGE\bfseries\@title}\par",
        r"  \vspace{2mm}\noindent{\sffamily\small\@author" + version + r"}" + fields + r"\par",
        r"  \vspace{4mm}\hrule\vspace{4mm}}",
        # The page's heading is the title above: its chapter keeps its number, prints nothing.
        r"\renewcommand\chapter{\secdef\sheet@chapter\sheet@schapter}",
        r"\newcommand\sheet@chapter[2][]{\refstepcounter{chapter}}",
        r"\newcommand\sheet@schapter[1]{}",
        r"\makeatother",
    ])


# jupyter-book 1.0.4 fails on its own notice for a latex_documents list of several
# documents (a message box called with the text as its colour, KeyError). Its CLI with that
# step skipped for several documents, as the notice intends ("[Skipping] processing").
JUPYTER_BOOK_WITH_SEVERAL_DOCUMENTS = "\n".join([
    "import sys",
    "import jupyter_book.sphinx as jb_sphinx",
    "single = jb_sphinx.update_latex_documents",
    "jb_sphinx.update_latex_documents = lambda documents, overrides: (",
    "    documents if len(documents) > 1 else single(documents, overrides))",
    "from jupyter_book.cli.main import main",
    "sys.exit(main())",
])


def configure(source, course, sheets, tutors):
    """Turn the copied book at ``source`` into the sheets' LaTeX project."""
    config_file = source / "_config.yml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    documents = []
    for sheet in sheets:
        title = sheet.path.read_text(encoding="utf-8").split("\n# ", 1)[1].splitlines()[0]
        due, points = header_lines(sheet)
        if tutors:
            title += " – Musterlösung"
        name = sheet.solutions_pdf_name if tutors else sheet.pdf_name
        # The author slot carries the header's line (Sphinx escapes it for LaTeX).
        documents.append([sheet.docname, name.replace(".pdf", ".tex"), title,
                          f"{due} · {points}", "jupyterBook"])
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["latex_documents"] = documents
    # tools/pdf_edition.py: a reference to the rest of the book reads "Abschnitt 3.4 (…) im
    # Kursbuch" instead of its label; the pages read without execution keep their glue quiet.
    sphinx["pdf_sheet_documents"] = True
    elements = sphinx.setdefault("latex_elements", {})
    elements["preamble"] = elements.get("preamble", "") + "\n" + preamble(course, tutors)
    elements["tableofcontents"] = ""
    elements["extraclassoptions"] = "openany,oneside"
    # jupyter-book overrides a single document's title and file name with these.
    config.setdefault("latex", {})["latex_documents"] = {"targetname": documents[0][1],
                                                         "title": documents[0][2]}
    # Only the sheets built here execute; the other pages are read for the references.
    built = {sheet.source for sheet in sheets}
    others = [s.source for s in course.sheets if s.source not in built]
    config.setdefault("execute", {})["exclude_patterns"] = ["chapters/*/*.md", "intro.md",
                                                            "psets/index.md", *others]
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                           encoding="utf-8")


def build_version(course, sheets, tutors, work):
    """Build the PDFs of one version into ``work``/_build/latex; returns (code, removed)."""
    source = work / "source"
    removed = prepare_sources(ROOT, source, student=not tutors, course=course)
    public = "" if tutors else public_text(
        source, {s.source for s in course.sheets if s.solutions_released})
    configure(source, course, sheets, tutors)
    try:
        command = [sys.executable, "-c", JUPYTER_BOOK_WITH_SEVERAL_DOCUMENTS, "build", str(source),
                   "--path-output", str(work), "--builder", "latex"]
        code = subprocess.run(command, check=False).returncode
        latex = work / "_build" / "latex"
        if code == 0:
            code = subprocess.run(["latexmk", "-xelatex", "-interaction=nonstopmode",
                                   "-halt-on-error", "-quiet",
                                   *[Path(d).name for d in sorted(latex.glob("blatt-*.tex"))]],
                                  cwd=latex, check=False, stdout=subprocess.DEVNULL).returncode
            for log in sorted(latex.glob("blatt-*.log")) if code else []:
                errors = [line for line in log.read_text(encoding="utf-8", errors="replace")
                          .splitlines() if line.startswith("!")]
                if errors:
                    print(f"{log.name}: " + "\n".join(errors[:5]), file=sys.stderr)
    finally:
        shutil.rmtree(source, ignore_errors=True)
    return code, removed, public


def build(numbers=None, course=None):
    """Student and tutor PDFs of the sheets ``numbers`` (default: every released sheet).

    Returns 0, or 1 when a build fails or solution text is in a student PDF.
    """
    course = course or load_course()
    sheets = [course.sheet(n) for n in numbers] if numbers else course.released_sheets()
    hidden = [s.number for s in sheets if not s.released]
    if hidden:
        print(f"FEHLER: Blatt {', '.join(map(str, hidden))} ist in kurs.yml nicht "
              "veröffentlicht; setzen Sie dort veroeffentlicht: true.", file=sys.stderr)
        return 1
    status = 0
    for tutors, target in ((False, STUDENT_DIR), (True, TUTOR_DIR)):
        with tempfile.TemporaryDirectory(prefix="blaetter-") as tmp:
            work = Path(tmp)
            code, removed, public = build_version(course, sheets, tutors, work)
            latex = work / "_build" / "latex"
            target.mkdir(parents=True, exist_ok=True)
            for sheet in sheets:
                name = sheet.solutions_pdf_name if tutors else sheet.pdf_name
                if (latex / name).is_file():
                    shutil.copy(latex / name, target / name)
                    if not tutors:  # the instructor edition offers both versions
                        TUTOR_DIR.mkdir(parents=True, exist_ok=True)
                        shutil.copy(latex / name, TUTOR_DIR / name)
                else:
                    code = code or 1
            if not tutors:
                leaks = find_leaks(latex, removed, public) + find_leaks_in_pdfs(
                    target, removed, public)
                if leaks:
                    print("FEHLER: Lösungstext in den PDFs der Studierenden:\n"
                          + "\n".join(leaks[:20]), file=sys.stderr)
                    for sheet in sheets:
                        (target / sheet.pdf_name).unlink(missing_ok=True)
                    code = code or 1
        if code:
            print(f"FEHLER: Die PDFs der Blätter ({'Tutorien' if tutors else 'Studierende'}) "
                  f"ließen sich nicht bauen (Code {code}); die Meldungen stehen oben.",
                  file=sys.stderr)
            status = 1
        else:
            print(f"{'Tutorien' if tutors else 'Studierende'}: {len(sheets)} PDFs in {target}")
    return status


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", nargs="+", type=int, help="nur diese Blätter (Nummern)")
    args = parser.parse_args()
    try:
        sys.exit(build(args.sheets))
    except (ValueError, OSError) as err:
        print(f"FEHLER: Die PDFs der Blätter ließen sich nicht bauen: {err}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
