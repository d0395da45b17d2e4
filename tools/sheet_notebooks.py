"""The notebook of a problem sheet, made from its MyST source (the single source).

    from tools.course import load_course
    from tools.sheet_notebooks import release_notebook, source_notebook
    sheet = load_course().sheet(3)
    source_notebook(sheet, out_dir)    # out_dir/blatt_03.ipynb: nbgrader source, with solutions
    release_notebook(sheet, out_dir)   # out_dir/blatt_03.ipynb: what students get and hand in

The *source* notebook is nbgrader's instructor version of the sheet:

- per task a markdown cell with the task text ("Aufgabe n: ...", points from ``kurs.yml``);
- per function to write a solution cell: the sheet's own model solution, a code cell
  tagged ``grade-solution`` inside the sheet's ``{solution-start}`` block, with its
  ``### BEGIN SOLUTION`` / ``### END SOLUTION`` region;
- per function an autograded test cell (points from the course file, ``punkte`` split
  per part) that runs the self-check's cases and, between ``### BEGIN HIDDEN TESTS`` and
  ``### END HIDDEN TESTS``, further seeded cases that only the grading runs
  (``codes.selfcheck.grading``);
- per task a manually graded markdown cell for derivations and experiments (part
  ``herleitung``, or the whole task when the course file gives one number); in the source
  it holds the sheet's model solution text for the tutors.

The *release* notebook is what ``nbgrader generate_assignment`` makes of it: solutions
replaced by "IHR CODE HIER" / "IHRE ANTWORT HIER", hidden tests removed, test cells locked.
It is the one notebook students download, work in and hand in (``make grade`` grades it).
"""

import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
MANUAL_PART = "herleitung"          # part name in kurs.yml for the hand-graded rest of a task
SOLUTION_TAG = "grade-solution"     # tag of a solution code cell in the MyST sheet
CODE_STUB = "# IHR CODE HIER\nraise NotImplementedError(\"Diese Funktion fehlt noch.\")"
TEXT_STUB = "IHRE ANTWORT HIER (Herleitung, Begründung, Ergebnisse)"


@dataclass
class Task:
    """One exercise of a sheet: its label, title, task text and the solution parts."""

    number: int
    label: str
    title: str
    text: str
    solution_text: str = ""
    solution_cells: list = field(default_factory=list)   # code of the grade-solution cells


def assignment_name(sheet) -> str:
    """nbgrader's assignment and notebook name of a sheet: blatt_03."""
    return f"blatt_{sheet.number:02d}"


# --- reading the MyST sheet ---------------------------------------------------------------

FENCE_EXERCISE = re.compile(r"^(?P<fence>`{3,})\{exercise\}[ \t]*(?P<title>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                            re.MULTILINE | re.DOTALL)
FENCE_SOLUTION = re.compile(r"^`{3,}\{solution-start\}[ \t]*(?P<label>\S+)[^\n]*\n(?P<body>.*?)"
                            r"^`{3,}\{solution-end\}[ \t]*\n`{3,}[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^##[ \t]+Aufgabe[ \t]+\d+[ \t]*:[ \t]*(?P<title>.+)$", re.MULTILINE)


def _split_options(body: str):
    """(options dict, rest) of a directive body that starts with ``:key: value`` lines."""
    options, lines = {}, body.split("\n")
    while lines and re.match(r"^:[\w-]+:", lines[0]):
        key, _, value = lines.pop(0)[1:].partition(":")
        options[key.strip()] = value.strip()
    return options, "\n".join(lines).strip("\n")


def _tags(options: dict) -> list:
    return [tag.strip().strip("'\"") for tag in options.get("tags", "").strip("[]").split(",") if tag.strip()]


def parse_sheet(path: Path):
    """(title, intro, [Task]) of a MyST sheet."""
    text = Path(path).read_text(encoding="utf-8")
    if text.startswith("---\n"):
        text = text[text.index("\n---\n", 4) + 5:]
    title_match = re.search(r"^# (.+)$", text, re.MULTILINE)
    title = title_match.group(1).strip() if title_match else Path(path).stem
    first = FENCE_EXERCISE.search(text)
    intro_end = first.start() if first else len(text)
    heading = HEADING.search(text, 0, intro_end)
    intro = text[title_match.end() if title_match else 0:heading.start() if heading else intro_end]
    intro = CODE_CELL.sub("", intro).strip()
    solutions = {m.group("label"): m.group("body") for m in FENCE_SOLUTION.finditer(text)}
    tasks = []
    for number, match in enumerate(FENCE_EXERCISE.finditer(text), start=1):
        options, body = _split_options(match.group("body"))
        label = options.get("label", f"aufgabe-{number}")
        task_title = match.group("title").strip()
        before = [h for h in HEADING.finditer(text, 0, match.start())]
        if before and (not tasks or before[-1].start() > text.find(tasks[-1].text)):
            heading_title = before[-1].group("title").strip()
            task_title = task_title or heading_title
        solution = solutions.get(label, "")
        sol_options, sol_body = _split_options(solution)
        if sol_body.startswith("```"):            # end of the solution-start directive
            sol_body = sol_body.split("\n", 1)[1] if "\n" in sol_body else ""
        cells = []
        for cell in CODE_CELL.finditer(sol_body):
            cell_options, code = _split_options(cell.group("body"))
            if SOLUTION_TAG in _tags(cell_options):
                cells.append(code.strip("\n"))
        tasks.append(Task(number, label, task_title or f"Aufgabe {number}", body.strip(),
                          sol_body, cells))
    return title, intro, tasks


# --- MyST markup as Jupyter markdown ----------------------------------------------------------

def _literalinclude(match, base: Path) -> str:
    options, _ = _split_options(match.group("body"))
    path = (base / match.group("arg").strip()).resolve()
    try:
        code = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    start, end = options.get("start-after", "").strip('"'), options.get("end-before", "").strip('"')
    if start and start in code:
        code = code.split(start, 1)[1]
    if end and end in code:
        code = code.split(end, 1)[0]
    lines = code.strip("\n").split("\n")
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return "```python\n" + "\n".join(line[indent:] for line in lines) + "\n```"


def myst_to_markdown(text: str, equations: dict, tasks: dict, base: Path) -> str:
    """Jupyter markdown from MyST: numbered equations, task references, plain roles."""
    def display_math(match):
        label = match.group("label")
        body = match.group("math").strip("\n")
        if label:
            body += f" \\tag{{{equations[label]}}}"
        return f"$$\n{body}\n$$"

    text = re.sub(r"^(?P<fence>`{3,})\{literalinclude\}[ \t]*(?P<arg>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                  lambda m: _literalinclude(m, base), text, flags=re.MULTILINE | re.DOTALL)
    text = CODE_CELL.sub(lambda m: "```python\n" + _split_options(m.group("body"))[1] + "\n```"
                         if SOLUTION_TAG not in _tags(_split_options(m.group("body"))[0])
                         and "remove-cell" not in _tags(_split_options(m.group("body"))[0]) else "",
                         text)
    text = re.sub(r"^\$\$\n(?P<math>.*?)^\$\$(?:[ \t]*\((?P<label>[\w:-]+)\))?[ \t]*$", display_math,
                  text, flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"\{eq\}`([^`]+)`",
                  lambda m: f"({equations[m.group(1)]})" if m.group(1) in equations else "(siehe Buch)",
                  text)
    text = re.sub(r"\{numref\}`([^`]+)`",
                  lambda m: f"Aufgabe {tasks[m.group(1)]}" if m.group(1) in tasks else "(siehe Buch)",
                  text)
    text = re.sub(r"\{doc\}`[^`]*`", "der Übersicht der Übungsblätter", text)
    text = re.sub(r"\{ref\}`sec-notation`", "der Notationsseite des Buches", text)
    text = re.sub(r"\{glue:text\}`[^`]*`", "…", text)
    text = re.sub(r"\{cite\}`([^`]+)`", r"[\1]", text)
    text = re.sub(r"\{[\w:-]+\}`(?:([^`<]*?)\s*<[^`]*>|([^`]*))`",
                  lambda m: (m.group(1) or m.group(2) or "").strip(), text)
    text = re.sub(r"^`{3,}\{(?:note|tip|hint|important|warning|admonition)\}[^\n]*\n(.*?)^`{3,}[ \t]*$",
                  lambda m: "\n".join("> " + line for line in m.group(1).strip().split("\n")),
                  text, flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"^`{3,}\{solution-(?:start|end)\}[^\n]*\n(?::[^\n]*\n)*`{3,}[ \t]*$", "", text,
                  flags=re.MULTILINE)
    text = re.sub(r"^%[^\n]*\n", "", text, flags=re.MULTILINE)   # MyST comments
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- the nbgrader source notebook ------------------------------------------------------------

def _meta(grade_id, *, grade, solution, locked, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def test_source(part: str, points) -> str:
    """Source of the autograded test cell of one function (hidden tests included)."""
    return "\n".join([
        f"# Test für {part} ({_points_text(points)}); nicht verändern.",
        "from codes.selfcheck.grading import Bewertung",
        "",
        f"bewertung = Bewertung({part!r}, punkte={points!r})",
        "bewertung.pruefe(globals())                  # die Fälle des Selbsttests",
        "### BEGIN HIDDEN TESTS",
        "bewertung.pruefe(globals(), verdeckt=True)   # weitere Fälle, nur in der Bewertung",
        "### END HIDDEN TESTS",
        "bewertung.punkte()",
    ])


def _points_text(points) -> str:
    value = f"{points:g}".replace(".", ",")
    return f"{value} Punkt" if points == 1 else f"{value} Punkte"


def build_source_notebook(sheet, course=None):
    """The nbgrader source notebook of ``sheet`` (a tools.course.Sheet) as a NotebookNode."""
    from codes.selfcheck.grading import TASKS
    if course is None:
        from tools.course import load_course
        course = load_course()
    title, intro, tasks = parse_sheet(sheet.path)
    source_text = sheet.path.read_text(encoding="utf-8")
    equations = {label: k for k, label in
                 enumerate(re.findall(r"^\$\$[ \t]*\((eq:[\w:-]+)\)", source_text, re.MULTILINE), 1)}
    numbers = {task.label: task.number for task in tasks}

    def md(text):
        return myst_to_markdown(text, equations, numbers, sheet.path.parent)

    name = assignment_name(sheet)
    rows = "\n".join(f"| Aufgabe {t.number}: {md(t.title)} | {_points_text(sheet.points.get(t.label, 0))} |"
                     for t in tasks)
    header = (f"# {title}\n\n{course.title} · {course.semester}\n\n"
              f"**Abgabe bis:** {sheet.due_text} · **Punkte:** {_points_text(sheet.total_points)}\n\n"
              f"| Aufgabe | Punkte |\n| --- | --- |\n{rows}\n\n"
              "**So bearbeiten und geben Sie ab:** Schreiben Sie Ihren Code in die Zellen mit "
              "`IHR CODE HIER` und Ihre Herleitungen in die Zellen mit „IHRE ANTWORT HIER“ "
              "(Markdown, Formeln mit `$...$`). Die Testzellen zeigen, was der Selbsttest meldet; "
              "ändern Sie sie nicht, bei der Bewertung werden sie durch die Originale ersetzt und "
              "um weitere Fälle ergänzt. Starten Sie vor der Abgabe den Kernel neu und führen Sie "
              f"alle Zellen aus (*Run → Restart Kernel and Run All Cells*). Abgegeben wird diese "
              f"Datei, `{name}.ipynb`.\n\n{md(intro)}")
    cells = [nbformat.v4.new_markdown_cell(header, metadata=_meta(f"{name}-kopf", grade=False,
                                                                  solution=False, locked=True)),
             nbformat.v4.new_code_cell("import numpy as np",
                                       metadata=_meta(f"{name}-importe", grade=False,
                                                      solution=False, locked=True))]
    for task in tasks:
        total = sheet.points.get(task.label, 0)
        parts = dict(sheet.parts.get(task.label) or {})
        auto = [part for part in parts if part != MANUAL_PART]
        manual = parts.get(MANUAL_PART, 0) if parts else total
        unknown = [part for part in auto if part not in TASKS]
        if unknown:
            raise ValueError(f"kurs.yml, Blatt {sheet.number}, {task.label}: keine automatische "
                             f"Bewertung für {', '.join(unknown)}; bekannt sind {', '.join(TASKS)} "
                             f"und '{MANUAL_PART}' für den von Hand bewerteten Teil.")
        cells.append(nbformat.v4.new_markdown_cell(
            f"## Aufgabe {task.number}: {md(task.title)} ({_points_text(total)})\n\n{md(task.text)}",
            metadata=_meta(f"{task.label}-aufgabe", grade=False, solution=False, locked=True)))
        defined = {}
        for k, code in enumerate(task.solution_cells, start=1):
            names = re.findall(r"^def (\w+)\(", code, re.MULTILINE)
            for fn in names:
                defined[fn] = k
            cells.append(nbformat.v4.new_code_cell(
                code, metadata=_meta(f"{task.label}-loesung-{k}", grade=False, solution=True,
                                     locked=False)))
        for part in auto:
            if TASKS[part].function not in defined:
                raise ValueError(f"{sheet.source}, {task.label}: für die Bewertung von {part} fehlt "
                                 f"eine Code-Zelle mit :tags: [remove-cell, {SOLUTION_TAG}], die "
                                 f"def {TASKS[part].function}(...) enthält.")
            cells.append(nbformat.v4.new_code_cell(
                test_source(part, parts[part]),
                metadata=_meta(f"{task.label}-test-{part}", grade=True, solution=False,
                               locked=True, points=parts[part])))
        if manual:
            what = "Ihre Herleitungen und Antworten" if auto else "Ihre Lösung"
            cells.append(nbformat.v4.new_markdown_cell(
                f"**{what} zu Aufgabe {task.number}** ({_points_text(manual)}, von Hand bewertet; "
                "Code für Experimente in eigenen Zellen darunter):",
                metadata=_meta(f"{task.label}-frage", grade=False, solution=False, locked=True)))
            model = md(task.solution_text) or "(Musterlösung im Blatt)"
            cells.append(nbformat.v4.new_markdown_cell(
                f"### BEGIN SOLUTION\n{model}\n### END SOLUTION",
                metadata=_meta(f"{task.label}-antwort", grade=True, solution=True, locked=False,
                               points=manual)))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def source_notebook(sheet, out_dir) -> Path:
    """Write the nbgrader source notebook (with solutions) to out_dir/blatt_NN.ipynb."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{assignment_name(sheet)}.ipynb"
    nbformat.write(build_source_notebook(sheet), path)
    return path


def nbgrader_config(course_root: Path, db_url: str | None = None):
    """nbgrader's configuration for the course folder (German stubs, this course's names)."""
    import os

    from traitlets.config import Config
    # nbgrader runs the `alembic` command of the environment when it creates a gradebook.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    config = Config()
    config.CourseDirectory.root = str(course_root)
    config.CourseDirectory.course_id = "nn-kurs"
    if db_url:
        config.CourseDirectory.db_url = db_url
    config.ClearSolutions.code_stub = {"python": CODE_STUB}
    config.ClearSolutions.text_stub = TEXT_STUB
    config.ClearSolutions.enforce_metadata = True
    return config


def generate_assignment(sheet, course_root: Path, db_url: str | None = None) -> Path:
    """Put the source notebook into course_root/source/ and run nbgrader generate_assignment.

    Returns the release notebook course_root/release/blatt_NN/blatt_NN.ipynb; the
    assignment, its notebook and its grade cells are in the gradebook (``db_url``).
    """
    from nbgrader.apps import NbGraderAPI
    name = assignment_name(sheet)
    source_notebook(sheet, Path(course_root) / "source" / name)
    api = NbGraderAPI(config=nbgrader_config(Path(course_root), db_url))
    result = api.generate_assignment(name, force=True, create=True)
    if not result.get("success"):
        raise RuntimeError(f"nbgrader generate_assignment für {name} ist gescheitert:\n"
                           f"{result.get('error') or result.get('log')}")
    return Path(course_root) / "release" / name / f"{name}.ipynb"


def release_notebook(sheet, out_dir) -> Path:
    """Write the students' notebook (nbgrader release version, no solution) to out_dir/blatt_NN.ipynb.

    Made by ``nbgrader generate_assignment`` in a scratch course folder; the same
    notebook (same cells and checksums) that ``make grade`` grades.
    """
    global _SCRATCH
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{assignment_name(sheet)}.ipynb"
    if _SCRATCH is None:  # one scratch course (and gradebook) for all sheets of a build
        _SCRATCH = tempfile.TemporaryDirectory(prefix="nn-blatt-")
    released = generate_assignment(sheet, Path(_SCRATCH.name))
    shutil.copyfile(released, target)
    return target


_SCRATCH = None


def main(argv=None) -> int:
    """python -m tools.sheet_notebooks [--quelle] BLATT... ZIELORDNER"""
    import argparse

    from tools.course import load_course
    parser = argparse.ArgumentParser(description="Notebook eines Übungsblattes (nbgrader) schreiben.")
    parser.add_argument("blaetter", nargs="+", type=int, help="Nummern der Blätter")
    parser.add_argument("--ziel", default="_build/notebooks", help="Zielordner")
    parser.add_argument("--quelle", action="store_true",
                        help="die Quellfassung mit Lösungen (für Lehrende) statt der Fassung für Studierende")
    args = parser.parse_args(argv)
    course = load_course()
    for number in args.blaetter:
        make = source_notebook if args.quelle else release_notebook
        print(make(course.sheet(number), args.ziel))
    return 0


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["assignment_name", "build_source_notebook", "generate_assignment", "release_notebook",
           "source_notebook"]
