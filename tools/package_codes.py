"""Pack the book's Python package ``codes/`` into a zip for readers.

    python tools/package_codes.py /tmp/nn-kursbuch-code.zip

The book build does the same (tools/book_extras.py), so the zip in the HTML output always
holds the code that the pages ran. Besides ``codes/`` it holds ``pyproject.toml`` and
``requirements.txt`` (``pip install -r requirements.txt`` installs the package too) and a
short German LIESMICH.txt
with the course's title, semester and instructors from ``kurs.yml``.
"""

import sys
import zipfile
from pathlib import Path

from codes.files import atomic_path

try:  # as tools.package_codes, or as package_codes from tools/ (Sphinx local extension)
    from tools.course import load_course
except ImportError:
    from course import load_course

ROOT = Path(__file__).resolve().parents[1]
ZIP_NAME = "nn-kursbuch-code.zip"
FOLDER = "nn-kursbuch-code"  # everything unpacks into this one folder
# Besides the package: what `pip install -r requirements.txt` needs to install it.
EXTRA_FILES = ("pyproject.toml", "requirements.txt")
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints"}
# The student edition (tools/student_build.py) writes the sheets' notebooks here in its
# copy of the sources; the zip then holds them in blaetter/.
NOTEBOOK_DIR = "psets/notebooks"
SKIP_SUFFIXES = {".pyc", ".pyo"}
# Fixed timestamp: the same code gives a byte-identical zip.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)

README = """\
Code zum Kurs „{title}“
{underline}

{semester}, {instructors}

Dieses Archiv enthält das Python-Paket `codes/`, das alle Kapitel und Übungsblätter
importieren, und seine Abhängigkeiten (requirements.txt).

Installation (Python 3.11 oder neuer), im entpackten Ordner nn-kursbuch-code/:

    python3 -m venv .venv
    source .venv/bin/activate        # unter Windows: .venv\\Scripts\\activate
    pip install -r requirements.txt  # installiert auch `codes` selbst und JupyterLab

Eine Seite des Buches als Notebook: Laden Sie sie über die Schaltfläche oben auf der
Seite als Notebook (.ipynb) herunter, legen Sie sie in diesen Ordner, starten Sie
`jupyter lab` und öffnen Sie sie. Sie zeigt Zahlen und Abbildungen wie die Webseite; die
Code-Zellen berechnen sie neu. Den Quelltext (.md) öffnet „Öffnen mit“ → „Jupytext Notebook“.

Daten: MNIST wird beim ersten Aufruf heruntergeladen und im Cache (~/.cache/nn-kursbuch)
abgelegt. Liegen die IDX-Dateien schon vor, setzen Sie NN_DATA_DIR auf den Ordner, der
`mnist/` enthält (am besten als absoluten Pfad). QM9 kommt mit dem Paket qm9pack.
{notebooks}"""

NOTEBOOKS = """
Übungsblätter: Im Ordner blaetter/ liegt zu jedem veröffentlichten Blatt das Notebook, das
Sie bearbeiten und abgeben (z. B. blaetter/blatt_03.ipynb). Öffnen Sie es mit
`jupyter lab` in dieser Umgebung, schreiben Sie Ihre Lösungen an die Stellen mit
„IHR CODE HIER“ bzw. „IHRE ANTWORT HIER“ und prüfen Sie Ihre Funktionen mit den
Selbsttests im Notebook.
"""


def sheet_notebooks(root=ROOT):
    """The sheets' notebooks in ``root`` (only in the student edition's sources)."""
    return sorted((Path(root) / NOTEBOOK_DIR).glob("*.ipynb"))


def readme(root=ROOT):
    """LIESMICH.txt with the course's title, semester and instructors (kurs.yml)."""
    course_file = Path(root) / "kurs.yml"
    course = load_course(course_file if course_file.is_file() else ROOT / "kurs.yml")
    title = course.title
    return README.format(title=title, underline="=" * (len(title) + 16),
                         semester=course.semester, instructors=course.instructors_text,
                         notebooks=NOTEBOOKS if sheet_notebooks(root) else "")


def package_files(root=ROOT):
    """The files that go into the zip, as paths relative to ``root``, sorted."""
    root = Path(root)
    if not (root / "codes" / "__init__.py").is_file():
        raise ValueError(f"Kein Paket codes/ unter {root}: erwartet wird codes/__init__.py.")
    files = [
        path.relative_to(root)
        for path in (root / "codes").rglob("*")
        if path.is_file()
        and not SKIP_PARTS.intersection(path.relative_to(root).parts)
        and path.suffix not in SKIP_SUFFIXES
    ]
    files += [Path(name) for name in EXTRA_FILES if (root / name).is_file()]
    return sorted(files)


def write_zip(target, root=ROOT):
    """Write the package zip to ``target`` (atomically) and return its path."""
    target = Path(target)
    with atomic_path(target) as partial:  # readers never see a half-written zip
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for relative in package_files(root):
                _add(archive, f"{FOLDER}/{relative.as_posix()}", (Path(root) / relative).read_bytes())
            for notebook in sheet_notebooks(root):
                _add(archive, f"{FOLDER}/blaetter/{notebook.name}", notebook.read_bytes())
            _add(archive, f"{FOLDER}/LIESMICH.txt", readme(root).encode("utf-8"))
    return target


def _add(archive, name, data):
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("Aufruf: python tools/package_codes.py ZIELDATEI.zip")
    print(write_zip(sys.argv[1]))
