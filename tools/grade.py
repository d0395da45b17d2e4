"""Grade the handed-in notebooks of one sheet with nbgrader: ``make grade BLATT=3 ABGABEN=ordner/``.

    python -m tools.grade 3 abgaben/                 # grade, gradebook, CSV, feedback
    python -m tools.grade 3 abgaben/ --db-url postgresql+psycopg://…   # gradebook in PostgreSQL
    python -m tools.grade --benchmark 120            # 120 varied copies of sheet 3, timed

Submissions (``ABGABEN``): one notebook per student, either ``ABGABEN/<kennung>.ipynb``
or ``ABGABEN/<kennung>/<beliebig>.ipynb`` (one notebook in the folder); the file or folder
name is the student's id (Matrikelnummer or login: letters, digits, ``.``, ``_``, ``-``).
A folder without a notebook counts as "keine Abgabe" (0 points).

What happens (course folder ``bewertung/``, nbgrader's layout):

1. ``source/blatt_NN`` from the MyST sheet, ``nbgrader generate_assignment`` puts the
   assignment and its grade cells into the gradebook (SQLite ``bewertung/gradebook/
   gradebook.db`` by default; ``--db-url`` or ``NN_GRADEBOOK_URL`` for PostgreSQL).
2. Every submission is checked (readable notebook?) and copied to ``submitted/``;
   ``nbgrader autograde`` restores the test cells from the gradebook, runs the notebook
   in the grading kernel (``tools/grade_kernel.py``: no network, gradebook hidden,
   project read-only) with a time limit per cell and per notebook, and stores the points.
3. ``nbgrader generate_feedback`` writes ``feedback/<kennung>/blatt_NN/blatt_NN.html``
   (in German; the test cells show the self-checks' diagnoses).
4. ``bewertung/blatt_NN_punkte.csv``: one row per student (columns in :data:`CSV_HELP`).
"""

import argparse
import csv
import json
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat
from traitlets import Integer

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_COURSE_DIR = ROOT / "bewertung"
CELL_TIMEOUT = 60          # seconds per cell (nbgrader's Execute.timeout)
NOTEBOOK_TIMEOUT = 300     # seconds per notebook (all cells together)
STUDENT_ID = re.compile(r"^[\w.-]+$")
CSV_HELP = ("Matrikelnummer (Datei- oder Ordnername der Abgabe), Punkte (Summe, automatisch und "
            "von Hand), Maximum, je Aufgabe 'Aufgabe n' (Punkte), Status (bewertet, "
            "'von Hand offen', 'keine Abgabe', 'nicht lesbar').")


def _execute_class():
    """nbgrader's Execute with an overall time limit per notebook on top of the per-cell one."""
    from nbgrader.preprocessors import Execute

    class ExecuteWithLimit(Execute):
        notebook_timeout = Integer(NOTEBOOK_TIMEOUT, help="Sekunden für alle Zellen eines "
                                   "Notebooks zusammen").tag(config=True)

        def preprocess(self, nb, resources=None, km=None):
            self._deadline = time.monotonic() + self.notebook_timeout
            return super().preprocess(nb, resources, km)

        def _get_timeout(self, cell):
            timeout = super()._get_timeout(cell)
            deadline = getattr(self, "_deadline", None)
            if deadline is None:
                return timeout
            remaining = max(1, int(deadline - time.monotonic()))
            return remaining if timeout is None or timeout < 0 else min(timeout, remaining)

    return ExecuteWithLimit


def _kernel_spec(course: Path, scratch: Path, isolate: bool, db_dir: Path | None) -> str:
    """Write the grading kernel's spec under ``scratch`` and return its name."""
    spec_dir = scratch / "kernels" / "nn-bewertung"
    spec_dir.mkdir(parents=True, exist_ok=True)
    hidden = [str(db_dir)] if db_dir else []
    hidden += [str(course / name) for name in ("source", "release", "feedback", "submitted",
                                               "nbgrader_config.py")]
    argv = [sys.executable, "-m", "tools.grade_kernel", *(["--isolieren"] if isolate else []),
            "-f", "{connection_file}"]
    env = {"PYTHONPATH": str(ROOT), "NN_BEWERTUNG_VERBORGEN": os.pathsep.join(hidden),
           "NN_BEWERTUNG_NUR_LESEN": str(ROOT), "MPLBACKEND": "Agg",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": argv, "display_name": "Bewertung (ohne Netz)", "language": "python", "env": env}))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(scratch),
                                                               os.environ.get("JUPYTER_PATH")]))
    return "nn-bewertung"


def grading_config(course: Path, db_url: str | None, scratch: Path, isolate: bool,
                   cell_timeout: int, notebook_timeout: int):
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    from tools.sheet_notebooks import nbgrader_config
    config = nbgrader_config(course, db_url)
    db_dir = Path(db_url.removeprefix("sqlite:///")).parent if db_url and db_url.startswith("sqlite:///") else None
    execute = _execute_class()
    config.Autograde.autograde_preprocessors = [execute, IgnorePattern, ClearMetadataPreprocessor,
                                                LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                                CheckCellMetadata]
    config.Execute.timeout = cell_timeout
    config.Execute.notebook_timeout = notebook_timeout
    config.Execute.kernel_name = _kernel_spec(course, scratch, isolate, db_dir)
    config.Execute.interrupt_on_timeout = True
    if isolate:  # the kernel has no network: talk over Unix sockets
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(scratch / "k")
    return config


def default_db_url(course: Path) -> str:
    (course / "gradebook").mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{course / 'gradebook' / 'gradebook.db'}"


def write_course_config(course: Path, db_url: str):
    """nbgrader_config.py in the course folder, for the formgrader (JupyterLab) of the tutors."""
    (course / "nbgrader_config.py").write_text(
        "# Von tools/grade.py geschrieben: Kursordner für nbgrader und den Formgrader.\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'nn-kurs'\n"
        f"c.CourseDirectory.db_url = {db_url!r}\n", encoding="utf-8")


def collect(submissions: Path, course: Path, name: str):
    """Copy the submissions into course/submitted; returns {student: status or None}."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise SystemExit(f"Der Abgabenordner {submissions} fehlt. Legen Sie je Studierende(n) eine "
                         "Datei <kennung>.ipynb oder einen Ordner <kennung>/ mit dem Notebook hinein.")
    status = {}
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith("."):
            continue
        student = entry.stem if entry.is_file() else entry.name
        if entry.is_file() and entry.suffix != ".ipynb":
            continue
        if not STUDENT_ID.match(student):
            print(f"Übersprungen: {entry.name} (als Kennung nur Buchstaben, Ziffern, . _ -)",
                  file=sys.stderr)
            continue
        notebooks = [entry] if entry.is_file() else sorted(entry.glob("*.ipynb"))
        if len(notebooks) > 1:
            named = [nb for nb in notebooks if nb.name == f"{name}.ipynb"]
            notebooks = named or notebooks[:1]
        target = course / "submitted" / student / name
        shutil.rmtree(target, ignore_errors=True)
        if not notebooks:
            status[student] = "keine Abgabe"
            continue
        try:
            nbformat.validate(nbformat.read(notebooks[0], as_version=4))
        except Exception as error:  # noqa: BLE001 (any unreadable file is reported)
            status[student] = f"nicht lesbar ({type(error).__name__})"
            continue
        target.mkdir(parents=True)
        shutil.copyfile(notebooks[0], target / f"{name}.ipynb")
        status[student] = None
    return status


def _progress(done: int, total: int, student: str, seconds: float, started: float):
    width = 30
    filled = int(width * done / max(total, 1))
    elapsed = time.monotonic() - started
    seconds = f"{seconds:.1f}".replace(".", ",")
    line = (f"\r[{'#' * filled}{'-' * (width - filled)}] {done}/{total}  {student}: "
            f"{seconds} s  (gesamt {elapsed:.0f} s)   ")
    print(line, end="" if done < total else "\n", file=sys.stderr, flush=True)


def german_feedback(path: Path):
    """Turn nbgrader's English feedback page into German (labels, decimal comma, lang)."""
    text = path.read_text(encoding="utf-8")
    for english, german in [("Late submission penalty", "Abzug für verspätete Abgabe"),
                            ("Coding free-response", "Freie Code-Antwort"),
                            ("Written response", "Schriftliche Antwort"),
                            ("Test cell", "Testzelle"), (">Task<", ">Aufgabe<"),
                            (">Comment<", ">Kommentar<"), ("Comments:", "Kommentare:"),
                            ("Student:", "Studierende(r):"), ("Assignment:", "Blatt:")]:
        text = text.replace(english, german)
    text = re.sub(r"\(Score: (-?[\d.]+) / ([\d.]+)\)",
                  lambda m: f"(Punkte: {m.group(1).replace('.', ',')} von {m.group(2).replace('.', ',')})",
                  text)
    text = re.sub(r"Score: (-?[\d.]+)", lambda m: "Punkte: " + m.group(1).replace(".", ","), text)
    text = re.sub(r"<html(?![^>]*lang=)", '<html lang="de"', text, count=1)
    path.write_text(text, encoding="utf-8")


def task_points(gb, name: str, student: str, sheet, tasks):
    """({label: points}, manual_pending) of one student from the gradebook."""
    submission = gb.find_submission(name, student)
    per_task = {label: 0.0 for label in tasks}
    pending = False
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            label = next((t for t in tasks if grade.name.startswith(t + "-")), None)
            if label is None:
                continue
            per_task[label] += float(grade.score or 0) + float(grade.extra_credit or 0)
            pending = pending or bool(grade.needs_manual_grade)
    return per_task, pending


def write_csv(path: Path, sheet, course_dir: Path, db_url: str, status: dict, name: str):
    """The CSV for Moodle/ILIAS: one row per student (see CSV_HELP)."""
    from nbgrader.api import Gradebook, MissingEntry

    from tools.sheet_notebooks import parse_sheet
    _, _, parsed = parse_sheet(sheet.path)
    tasks = [task.label for task in parsed if task.label in sheet.points]
    numbers = {task.label: task.number for task in parsed}
    rows = []
    with Gradebook(db_url, "nn-kurs") as gb:
        for student, problem in sorted(status.items()):
            per_task, pending = {label: 0.0 for label in tasks}, False
            if problem is None:
                try:
                    per_task, pending = task_points(gb, name, student, sheet, tasks)
                except MissingEntry:
                    problem = "nicht bewertet"
            state = problem or ("von Hand offen" if pending else "bewertet")
            rows.append([student, _num(sum(per_task.values())), _num(sheet.total_points),
                         *(_num(per_task[label]) for label in tasks), state])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Matrikelnummer", "Punkte", "Maximum",
                         *(f"Aufgabe {numbers[label]}" for label in tasks), "Status"])
        writer.writerows(rows)
    return rows


def _num(value) -> str:
    """Points in the CSV: decimal point (what Moodle's and ILIAS' imports read), no trailing .0."""
    return f"{round(float(value), 2):g}"


def grade(number: int, submissions: Path, course_dir: Path = DEFAULT_COURSE_DIR,
          db_url: str | None = None, cell_timeout: int = CELL_TIMEOUT,
          notebook_timeout: int = NOTEBOOK_TIMEOUT, feedback: bool = True, quiet: bool = False):
    """Grade one sheet's submissions end to end; returns (csv path, rows, seconds per student)."""
    from nbgrader.apps import NbGraderAPI

    from tools.course import load_course
    from tools.grade_kernel import namespaces_available
    from tools.sheet_notebooks import assignment_name, generate_assignment
    warnings.filterwarnings("ignore", module="nbgrader")   # SQLAlchemy notes from nbgrader's gradebook
    warnings.filterwarnings("ignore", message=".*not in session.*")
    sheet = load_course().sheet(number)
    name = assignment_name(sheet)
    course_dir = Path(course_dir).resolve()
    course_dir.mkdir(parents=True, exist_ok=True)
    db_url = db_url or os.environ.get("NN_GRADEBOOK_URL") or default_db_url(course_dir)
    write_course_config(course_dir, db_url)
    generate_assignment(sheet, course_dir, db_url)
    status = collect(submissions, course_dir, name)
    isolate = namespaces_available()
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr))
    say(f"Blatt {number}: {len(status)} Abgaben; Kernel "
        + ("in eigenem Netz- und Dateisystem-Namensraum (ohne Netz, Gradebook verborgen)"
           if isolate else "ohne Namensräume (unshare nicht verfügbar): nur Socket-Sperre in Python")
        + f"; Zeitlimit {cell_timeout} s je Zelle, {notebook_timeout} s je Notebook.")
    times = {}
    with tempfile.TemporaryDirectory(prefix="nnb-") as scratch:
        config = grading_config(course_dir, db_url, Path(scratch), isolate, cell_timeout,
                                notebook_timeout)
        api = NbGraderAPI(config=config)
        gradable = [student for student, problem in status.items() if problem is None]
        started = time.monotonic()
        for done, student in enumerate(gradable, start=1):
            t0 = time.monotonic()
            result = api.autograde(name, student, force=True, create=True)
            times[student] = time.monotonic() - t0
            if not result.get("success"):
                status[student] = "Bewertung gescheitert (siehe autograded/)"
                say(f"\n{student}: nbgrader autograde ist gescheitert:\n"
                    f"{(result.get('error') or result.get('log') or '')[-1500:]}")
            if not quiet:
                _progress(done, len(gradable), student, times[student], started)
        if feedback:
            feedback_config = grading_config(course_dir, db_url, Path(scratch), isolate,
                                             cell_timeout, notebook_timeout)
            feedback_api = NbGraderAPI(config=feedback_config)
            for student in gradable:
                if status[student] is not None:
                    continue
                result = feedback_api.generate_feedback(name, student, force=True)
                page = course_dir / "feedback" / student / name / f"{name}.html"
                if result.get("success") and page.is_file():
                    german_feedback(page)
    with Gradebook_for(db_url) as gb:  # students without a gradable notebook: 0 in the gradebook
        for student, problem in status.items():
            if problem is not None:
                gb.update_or_create_student(student)
    (course_dir / f"{name}_status.json").write_text(json.dumps(status, ensure_ascii=False, indent=1),
                                                    encoding="utf-8")
    path = course_dir / f"{name}_punkte.csv"
    rows = write_csv(path, sheet, course_dir, db_url, status, name)
    if times:
        total = sum(times.values())
        mean = f"{total / len(times):.1f}".replace(".", ",")
        say(f"Bewertet: {len(times)} Notebooks in {total:.0f} s, im Mittel {mean} s je Abgabe.")
    say(f"Punkte: {path}  (Spalten: {CSV_HELP})")
    if feedback:
        say(f"Rückmeldungen: {course_dir / 'feedback'}/<kennung>/{name}/{name}.html")
    return path, rows, times


def export_csv(number: int, course_dir: Path = DEFAULT_COURSE_DIR, db_url: str | None = None):
    """Write the CSV again from the gradebook (after tutors entered points in the formgrader)."""
    from tools.course import load_course
    from tools.sheet_notebooks import assignment_name
    sheet = load_course().sheet(number)
    name = assignment_name(sheet)
    course_dir = Path(course_dir).resolve()
    status_file = course_dir / f"{name}_status.json"
    if not status_file.is_file():
        raise SystemExit(f"Blatt {number} ist in {course_dir} noch nicht bewertet; zuerst "
                         f"make grade BLATT={number} ABGABEN=ordner/.")
    db_url = db_url or os.environ.get("NN_GRADEBOOK_URL") or default_db_url(course_dir)
    status = json.loads(status_file.read_text(encoding="utf-8"))
    path = course_dir / f"{name}_punkte.csv"
    write_csv(path, sheet, course_dir, db_url, status, name)
    print(f"Punkte: {path}", file=sys.stderr)
    return path


def Gradebook_for(db_url):  # noqa: N802 (reads like the nbgrader class it returns)
    from nbgrader.api import Gradebook
    return Gradebook(db_url, "nn-kurs")


# --- benchmark -------------------------------------------------------------------------------

def make_variants(number: int, count: int, out: Path):
    """``count`` submissions of sheet ``number``: the model solution with varied mistakes."""
    from tools.course import load_course
    from tools.sheet_notebooks import assignment_name, release_notebook, source_notebook
    sheet = load_course().sheet(number)
    release = nbformat.read(release_notebook(sheet, out / "_vorlage"), as_version=4)
    source = nbformat.read(source_notebook(sheet, out / "_quelle"), as_version=4)
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    out.mkdir(parents=True, exist_ok=True)
    for k in range(count):
        nb = nbformat.from_dict(release)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in solutions:
                code = solutions[grade_id]
                code = re.sub(r"^\s*### (BEGIN|END) SOLUTION\n", "", code, flags=re.MULTILINE)
                if cell.cell_type == "markdown":
                    code = f"Antwort von Abgabe {k}: siehe Rechnung."
                elif k % 4 == 1:          # every fourth: a wrong sign somewhere
                    code = code.replace("return ", "return -", 1)
                elif k % 4 == 2:          # every fourth: left unsolved
                    continue
                cell.source = code
        nbformat.write(nb, out / f"{10000 + k}.ipynb")
    shutil.rmtree(out / "_vorlage")
    shutil.rmtree(out / "_quelle")
    return assignment_name(sheet)


def benchmark(count: int, number: int = 3):
    with tempfile.TemporaryDirectory(prefix="nn-benchmark-") as work:
        work = Path(work)
        make_variants(number, count, work / "abgaben")
        started = time.monotonic()
        _, rows, times = grade(number, work / "abgaben", work / "kurs")
        total = time.monotonic() - started
    per = sorted(times.values())
    print(f"Benchmark Blatt {number}: {count} Abgaben in {total:.0f} s "
          f"({total / 60:.1f} min); autograde je Abgabe: Mittel {sum(per) / len(per):.1f} s, "
          f"Median {per[len(per) // 2]:.1f} s, Maximum {per[-1]:.1f} s; Kerne: {os.cpu_count()}"
          .replace(".", ","))
    return total, times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.grade",
        description="Abgaben eines Übungsblattes mit nbgrader bewerten (Punkte-CSV, Rückmeldungen).")
    parser.add_argument("blatt", nargs="?", type=int, help="Nummer des Blattes (kurs.yml)")
    parser.add_argument("abgaben", nargs="?", type=Path,
                        help="Ordner mit <kennung>.ipynb oder <kennung>/<notebook>.ipynb")
    parser.add_argument("--kurs", type=Path, default=DEFAULT_COURSE_DIR,
                        help="nbgrader-Kursordner (Standard: bewertung/)")
    parser.add_argument("--db-url", default=None,
                        help="Gradebook, z. B. postgresql+psycopg://nutzer@host/datenbank "
                             "(Standard: SQLite im Kursordner; auch NN_GRADEBOOK_URL)")
    parser.add_argument("--zeit-zelle", type=int, default=CELL_TIMEOUT, help="Sekunden je Zelle")
    parser.add_argument("--zeit-notebook", type=int, default=NOTEBOOK_TIMEOUT,
                        help="Sekunden je Notebook")
    parser.add_argument("--ohne-rueckmeldung", action="store_true", help="kein Feedback-HTML")
    parser.add_argument("--nur-csv", action="store_true",
                        help="nur die CSV neu schreiben (nach dem Bewerten von Hand im Formgrader)")
    parser.add_argument("--benchmark", type=int, metavar="N",
                        help="N abgewandelte Abgaben eines Blattes bewerten und die Zeit messen")
    args = parser.parse_args(argv)
    if args.benchmark:
        benchmark(args.benchmark, args.blatt or 3)
        return 0
    if args.nur_csv and args.blatt is not None:
        export_csv(args.blatt, args.kurs, args.db_url)
        return 0
    if args.blatt is None or args.abgaben is None:
        parser.error("Bitte Blatt und Abgabenordner angeben, z. B. make grade BLATT=3 ABGABEN=abgaben/")
    grade(args.blatt, args.abgaben, args.kurs, args.db_url, args.zeit_zelle, args.zeit_notebook,
          feedback=not args.ohne_rueckmeldung)
    return 0


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["CSV_HELP", "benchmark", "collect", "export_csv", "grade", "main"]
