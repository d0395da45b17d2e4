"""The course file ``kurs.yml``: the one place for course data, read only here.

    from tools.course import load_course
    course = load_course()            # kurs.yml in the project root
    course.title, course.semester, course.instructors
    sheet = course.sheet(3)           # Sheet(number=3, path=..., released=..., due=..., ...)
    [s.number for s in course.released_sheets()]

Every tool that needs course data (student edition, sheet notebooks and PDFs, landing
pages, PDF title page, LIESMICH.txt, grading) takes it from :func:`load_course`. A wrong
entry stops with a German message that names the entry and says what to write instead.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COURSE_FILE = ROOT / "kurs.yml"
LABEL = re.compile(r"^:label:\s*(?P<label>ex-[\w-]+)\s*$", re.MULTILINE)


class CourseFileError(ValueError):
    """A wrong or missing entry in the course file (German message for instructors)."""


@dataclass(frozen=True)
class Sheet:
    """One problem sheet as the course file describes it."""

    number: int
    path: Path                     # absolute path of the MyST source
    released: bool
    due: dt.date | None
    solutions_released: bool
    points: dict                   # task label -> points, in the sheet's order
    # task label -> {part -> points} where the course file splits a task into graded parts
    # (e.g. {softmax: 3, herleitung: 9}); tools/sheet_notebooks.py makes one grading cell each
    parts: dict = field(default_factory=dict)

    @property
    def source(self) -> str:
        """Path of the source relative to the project root (as in ``_toc.yml``)."""
        return self.path.relative_to(ROOT).as_posix()

    @property
    def docname(self) -> str:
        """Sphinx document name, e.g. ``psets/blatt_03_mlp``."""
        return self.source.removesuffix(".md")

    @property
    def pdf_name(self) -> str:
        """File name of the sheet's PDF for students (make sheets): ``blatt-03.pdf``."""
        return f"blatt-{self.number:02d}.pdf"

    @property
    def solutions_pdf_name(self) -> str:
        """File name of the PDF with model solutions for tutors: ``blatt-03-loesungen.pdf``."""
        return f"blatt-{self.number:02d}-loesungen.pdf"

    @property
    def total_points(self) -> int:
        return sum(self.points.values())

    @property
    def due_text(self) -> str:
        """Due date as German readers write it: 24.11.2026 (or 'ohne Termin')."""
        return self.due.strftime("%d.%m.%Y") if self.due else "ohne Termin"


@dataclass(frozen=True)
class Course:
    title: str
    short_title: str
    semester: str
    instructors: tuple
    sheets: tuple

    @property
    def instructors_text(self) -> str:
        return ", ".join(self.instructors)

    def sheet(self, number: int) -> Sheet:
        for sheet in self.sheets:
            if sheet.number == int(number):
                return sheet
        known = ", ".join(str(s.number) for s in self.sheets)
        raise CourseFileError(f"Blatt {number} steht nicht in der Kursdatei (vorhanden: {known}).")

    def released_sheets(self) -> list:
        return [s for s in self.sheets if s.released]

    def hidden_sheets(self) -> list:
        return [s for s in self.sheets if not s.released]


def _flag(entry: dict, key: str, where: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise CourseFileError(f"{where}: '{key}' muss true oder false sein, nicht {value!r}.")
    return value


def _sheet(number, entry, where: str) -> Sheet:
    if not isinstance(entry, dict):
        raise CourseFileError(f"{where}: erwartet werden die Felder datei, veroeffentlicht, "
                              "abgabe, loesungen_veroeffentlicht und punkte.")
    if "datei" not in entry:
        raise CourseFileError(f"{where}: das Feld 'datei' fehlt (z. B. psets/blatt_03_mlp.md).")
    path = (ROOT / entry["datei"]).resolve()
    if not path.is_file():
        raise CourseFileError(f"{where}: die Datei {entry['datei']} gibt es nicht.")
    due = entry.get("abgabe")
    if isinstance(due, str):
        try:
            due = dt.date.fromisoformat(due)
        except ValueError as error:
            raise CourseFileError(f"{where}: 'abgabe' als JJJJ-MM-TT angeben, nicht {due!r}.") from error
    if due is not None and not isinstance(due, dt.date):
        raise CourseFileError(f"{where}: 'abgabe' als JJJJ-MM-TT angeben, nicht {due!r}.")
    released = _flag(entry, "veroeffentlicht", where)
    solutions = _flag(entry, "loesungen_veroeffentlicht", where)
    if solutions and not released:
        raise CourseFileError(f"{where}: Lösungen eines unveröffentlichten Blattes können nicht "
                              "veröffentlicht werden; setzen Sie zuerst veroeffentlicht: true.")
    labels = LABEL.findall(path.read_text(encoding="utf-8"))
    points = entry.get("punkte") or {}
    unknown = [label for label in points if label not in labels]
    if unknown:
        raise CourseFileError(f"{where}: unbekannte Aufgabe(n) {', '.join(unknown)}; "
                              f"das Blatt hat {', '.join(labels)}.")
    parts = {}
    for label, value in points.items():
        if isinstance(value, dict) and value:  # points per part: {teil: punkte, ...}
            for part, part_points in value.items():
                _check_points(part_points, f"{where}: Punkte für {label}, Teil {part}")
            parts[label] = dict(value)
        else:
            _check_points(value, f"{where}: Punkte für {label}")
    ordered = {label: (sum(parts[label].values()) if label in parts else points[label])
               for label in labels if label in points}
    return Sheet(int(number), path, released, due, solutions, ordered,
                 {label: parts[label] for label in ordered if label in parts})


def _check_points(value, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise CourseFileError(f"{where} müssen eine Zahl ≥ 0 sein (oder, je Teil, eine Zuordnung "
                              f"wie {{code: 4, herleitung: 6}}), nicht {value!r}.")


def load_course(path: Path | str = COURSE_FILE) -> Course:
    """Read and check the course file; raise :class:`CourseFileError` on a wrong entry."""
    path = Path(path)
    if not path.is_file():
        raise CourseFileError(f"Die Kursdatei {path} fehlt; legen Sie sie nach dem Muster in der README an.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise CourseFileError(f"{path.name} ist kein gültiges YAML: {error}") from error
    course = data.get("kurs") or {}
    missing = [key for key in ("titel", "semester", "lehrende") if not course.get(key)]
    if missing:
        raise CourseFileError(f"{path.name}: unter 'kurs' fehlt {', '.join(missing)}.")
    instructors = course["lehrende"]
    if isinstance(instructors, str):
        instructors = [instructors]
    sheets = tuple(
        _sheet(number, entry, f"{path.name}, Blatt {number}")
        for number, entry in sorted((data.get("blaetter") or {}).items()))
    return Course(course["titel"], course.get("kurztitel", course["titel"]), course["semester"],
                  tuple(instructors), sheets)
