"""Build the student edition of the book: the same sources, every solution left out.

    python -m tools.student_build                      # whole book -> _build_student/html
    python -m tools.student_build --pages psets/blatt_03_mlp.md --out /tmp/student
    python -m tools.student_build --pdf                # PDF -> _build_student/html/kursbuch-studierende.pdf

The sources are copied to OUT/source; in the copy every ``{solution}`` directive and
every gated ``{solution-start}`` ... ``{solution-end}`` block (with its code cells) is
cut out of the pages, in each MyST form (backtick, tilde and colon fences of any
length), and the configuration gets sphinx-exercise's ``hide_solutions: True`` as a
second guard. Text between ``% BEGIN instructor-edition`` and ``% END instructor-edition``
is cut too; lines between ``% BEGIN student-edition`` and ``% END student-edition`` are
MyST comments in the instructor edition and become text in the student edition.
Cutting the text (and not only hiding it in the HTML) matters: the downloadable sources
(.md, .ipynb) of a page must not contain the solutions either, and solution code is not
executed. Which sheets and which of their solutions students see is set in the course
file ``kurs.yml`` (tools/course.py): an unreleased sheet is deleted from the copy, taken
out of its table of contents and the sheets overview, and references to it from other
pages become plain text with the sheet's stable number ("Aufgabe 3.1"), so that every
other number stays as in the instructor edition; a sheet whose solutions are released
keeps them. The launch and repository buttons point to the student source set under
``student_edition`` in ``_config.yml``, or are left out when none is set. The book is
then built from the copy with ``-n -W --keep-going``; the HTML ends up in OUT/html, the
execution cache in OUT/work is kept for the next build, the copied sources are deleted,
and every file of OUT is searched for the text of the removed solutions and hidden sheets
(for the PDF: the LaTeX source and, with poppler's pdftotext, the PDF's text). Other
files in OUT/html (the PDFs of ``make pdf`` and ``make sheets``) survive an HTML build.
"""

import argparse
import html as html_lib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import yaml

from tools.course import load_course
from tools.includes import closing_line
from tools.package_codes import NOTEBOOK_DIR
from tools.preview import preview_toc

ROOT = Path(__file__).resolve().parents[1]
PDF_NAME = "kursbuch-studierende.pdf"
# Not copied: what the book build does not need, and what may quote solutions (tests).
SKIP = shutil.ignore_patterns(".git", ".venv", "_build", "_build_student", ".pytest_cache",
                              ".ruff_cache", "__pycache__", ".ipynb_checkpoints", "artifacts",
                              "tests", ".ci", ".github")
OPENING = re.compile(r"^\s*(?P<fence>`{3,}|~{3,}|:{3,})\s*\{(?P<name>[\w-]+)\}")
EDITION = re.compile(r"^%\s*(?P<edge>BEGIN|END)\s+(?P<edition>instructor|student)-edition\s*$")
SOLUTIONS = ("solution", "solution-start")
# A line of a removed solution counts as leaked when it is this long (shorter lines like
# "import numpy as np" also occur outside solutions).
LEAK_MIN_CHARS = 40


def split_solutions(text):
    """Return ``(text without solutions, list of the removed solution blocks)``.

    Removes ``{solution}`` directives and everything from a ``{solution-start}`` to the
    end of the next ``{solution-end}`` directive. Fences follow MyST: a directive ends
    at the first line of at least as many of its fence characters and nothing else.
    """
    lines = text.splitlines(keepends=True)
    kept, removed, index = [], [], 0
    while index < len(lines):
        match = OPENING.match(lines[index])
        if not match or match.group("name") not in SOLUTIONS:
            kept.append(lines[index])
            index += 1
            continue
        end = closing_line(lines, index, match.group("fence"))
        if match.group("name") == "solution-start":
            end = _end_of_gated_solution(lines, end, index)
        removed.append("".join(lines[index:end + 1]))
        index = end + 1
    return "".join(kept), removed


def strip_solutions(text):
    """Return ``(text without solutions, number of solutions removed)``."""
    stripped, removed = split_solutions(text)
    return stripped, len(removed)


def _end_of_gated_solution(lines, after, start):
    for index in range(after + 1, len(lines)):
        match = OPENING.match(lines[index])
        if match and match.group("name") == "solution-end":
            return closing_line(lines, index, match.group("fence"))
        if match and match.group("name") == "solution-start":
            break
    raise ValueError(f"Zeile {start + 1}: zu diesem solution-start fehlt das solution-end.")


def student_text(text):
    """The student version of a page's text: instructor-only blocks cut, student-only
    blocks (MyST comments ``% ...`` in the instructor edition) turned into text."""
    kept, inside = [], None
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        match = EDITION.match(line.strip())
        if match and match.group("edge") == "BEGIN":
            if inside:
                raise ValueError(f"Zeile {number}: BEGIN innerhalb von {inside}-edition.")
            inside = match.group("edition")
        elif match:
            if inside != match.group("edition"):
                raise ValueError(f"Zeile {number}: END ohne passendes BEGIN.")
            inside = None
        elif inside == "student":
            kept.append(re.sub(r"^%\s?", "", line))
        elif inside is None:
            kept.append(line)
    if inside:
        raise ValueError(f"Zu BEGIN {inside}-edition fehlt das END.")
    return "".join(kept)


def leaked_lines(blocks, public=""):
    """The lines of removed solution blocks that must not appear in the student edition
    (without those that ``public``, the text the edition may show, contains anyway)."""
    lines = set()
    for block in blocks:
        for line in block.splitlines():
            line = " ".join(line.split())
            if (len(line) >= LEAK_MIN_CHARS and not OPENING.match(line)
                    and not line.startswith(":") and line not in public):
                lines.add(line)
    return lines


def public_text(root, keep=()):
    """Whitespace-normalised text that the student edition of the book at ``root`` may
    show: its pages without solutions (except those of the pages ``keep``, paths relative
    to ``root``) and its code (tests and hidden folders left out)."""
    tops = [top for top in Path(root).iterdir()
            if not top.name.startswith((".", "_")) and top.name not in ("tests", "artifacts")]
    texts = []
    for top in tops:
        for path in [top] if top.is_file() else sorted(top.rglob("*")):
            if path.suffix == ".md":
                text = student_text(path.read_text(encoding="utf-8"))
                released = path.relative_to(root).as_posix() in keep
                texts.append(text if released else split_solutions(text)[0])
                texts.append(scaffold_text(text))
            elif path.suffix == ".py":
                texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(" ".join(text.split()) for text in texts)


GRADED_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n:tags: \[[^\]]*grade-solution[^\]]*\]\n(?P<code>.*?)^```",
                         re.MULTILINE | re.DOTALL)
SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION.*?### END SOLUTION", re.DOTALL)


def scaffold_text(text):
    """The code that the sheet notebooks give students (tools/sheet_notebooks.py): the
    graded cells of a sheet without their ``### BEGIN/END SOLUTION`` regions, e.g. the
    signature ``def __init__(self, in_features, out_features):`` of a class to write."""
    return "\n".join(SOLUTION_REGION.sub("", match.group("code"))
                     for match in GRADED_CELL.finditer(text))


def readable_texts(folder):
    """(path, text) of every file under ``folder`` as a reader or a search would see it:
    HTML without tags and entities, objects.inv decompressed, zip archives unpacked."""
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        if path.name == "objects.inv":
            header_end = raw.index(b"\n", raw.index(b"zlib")) + 1
            raw = raw[:header_end] + zlib.decompress(raw[header_end:])
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    yield f"{path}!{name}", archive.read(name).decode("utf-8", "replace")
            continue
        text = raw.decode("utf-8", "replace")
        if path.suffix in (".html", ".js", ".ipynb", ".txt"):
            text = html_lib.unescape(re.sub(r"<[^>]+>", " ", text)).replace("\\n", " ")
        yield str(path), " ".join(text.split())


def find_leaks(folder, blocks, public=""):
    """``file: line`` for every line of ``blocks`` (not in ``public``) found under ``folder``."""
    lines = leaked_lines(blocks, public)
    return [f"{path}: {line}" for path, text in readable_texts(folder) for line in lines
            if line in text]


def task_numbers(sheet):
    """``{label: "3.1", ...}``: the stable number of each task of ``sheet`` (a
    :class:`tools.course.Sheet`), as sphinx-exercise numbers it: chapter = sheet number
    (each chapter ends with its sheet), then the position of the task in the sheet."""
    labels = [m.group(1) for m in re.finditer(r"^:label:\s*(ex-[\w-]+)\s*$",
                                               sheet.path.read_text(encoding="utf-8"), re.M)]
    return {label: f"{sheet.number}.{index}" for index, label in enumerate(labels, start=1)}


def unlink_hidden(text, hidden):
    """``text`` without links to the ``hidden`` sheets: a row of a table that links one
    is dropped, ``{doc}`` links become "Übungsblatt n" and references to a task
    ``{numref}``/``{ref}`` become "Aufgabe n.k" (the number the task will keep)."""
    for sheet in hidden:
        name = Path(sheet.docname).name
        doc = re.compile(r"\{doc\}`(?:[^`<]*<)?[./]*(?:psets/)?" + re.escape(name) + r">?`")
        text = "".join(line for line in text.splitlines(keepends=True)
                       if not (line.lstrip().startswith("|") and doc.search(line)))
        text = doc.sub(f"Übungsblatt {sheet.number}", text)
        for label, number in task_numbers(sheet).items():
            text = re.sub(r"\{(?:num)?ref\}`(?:[^`<]*<)?" + re.escape(label) + r">?`",
                          f"Aufgabe {number}", text)
    return text


def release_toc(toc, hidden_docnames):
    """The table of contents (a parsed ``_toc.yml``) without the hidden pages."""
    if isinstance(toc, list):
        return [release_toc(entry, hidden_docnames) for entry in toc
                if not (isinstance(entry, dict)
                        and str(entry.get("file", "")).removesuffix(".md") in hidden_docnames)]
    if isinstance(toc, dict):  # a chapter left without sections loses the (empty) list
        kept = {key: release_toc(value, hidden_docnames) for key, value in toc.items()}
        return {key: value for key, value in kept.items() if value != []}
    return toc


NOTEBOOK_BOX = """
```{{admonition}} Das Notebook zu diesem Blatt
Bearbeiten und abgeben: {{download}}`{name} <{link}>` enthält die Aufgaben, Platzhalter für
Ihre Antworten („IHR CODE HIER“, „IHRE ANTWORT HIER“) und die Selbsttests. Es liegt auch im
{{codes-zip}}`Code-Archiv` (Ordner `blaetter/`); öffnen Sie es in JupyterLab mit der Umgebung
aus dem Archiv (`LIESMICH.txt`).
```
"""


def add_sheet_notebooks(source, course):
    """Write the students' notebook of every released sheet (nbgrader's release version,
    tools/sheet_notebooks.py) into ``source``/NOTEBOOK_DIR and offer it on the sheet's
    page (a box below the title). The code zip takes them from there."""
    from tools.sheet_notebooks import release_notebook

    for sheet in course.released_sheets():
        page = source / sheet.source
        notebook = release_notebook(sheet, source / NOTEBOOK_DIR)
        link = Path(notebook).relative_to(page.parent).as_posix()
        text = page.read_text(encoding="utf-8")
        title = re.search(r"^# .*\n", text, re.M)
        box = NOTEBOOK_BOX.format(name=Path(notebook).name, link=link)
        page.write_text(text[:title.end()] + box + text[title.end():], encoding="utf-8")


def prepare_sources(root, source, student=True, execute=True, course=None, notebooks=False):
    """Copy the book from ``root`` to ``source``; for students cut the solutions out.

    Returns the list of removed blocks: solutions, and the whole text of every sheet the
    course file (``course``, default: ``load_course()``) has not released. The copy's
    ``_config.yml`` gets ``hide_solutions`` (unless solutions are released) and the
    student buttons (student edition) and, with ``execute=False``, no execution. With
    ``notebooks``, the released sheets get their students' notebook (students only).
    """
    root, source = Path(root), Path(source)
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(root, source, ignore=SKIP)
    removed = []
    shown_solutions = False
    if student:
        course = course or load_course()
        hidden = course.hidden_sheets()
        solved = {s.docname for s in course.released_sheets() if s.solutions_released}
        shown_solutions = bool(solved)
        for sheet in hidden:
            page = source / sheet.source
            if page.is_file():
                removed.append(page.read_text(encoding="utf-8"))
                page.unlink()
        for page in sorted(source.rglob("*.md")):
            text = page.read_text(encoding="utf-8")
            docname = page.relative_to(source).with_suffix("").as_posix()
            try:
                stripped = unlink_hidden(student_text(text), hidden)
                if docname not in solved:
                    stripped, blocks = split_solutions(stripped)
                    removed += blocks
            except ValueError as err:
                raise ValueError(f"{page.relative_to(source)}: {err}") from None
            if stripped != text:
                page.write_text(stripped, encoding="utf-8")
        course_file = source / "kurs.yml"
        if hidden and course_file.is_file():  # the copy's course file knows only what is out
            data = yaml.safe_load(course_file.read_text(encoding="utf-8"))
            data["blaetter"] = {number: entry for number, entry in data["blaetter"].items()
                                if int(number) not in {s.number for s in hidden}}
            course_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                   encoding="utf-8")
        if notebooks:
            add_sheet_notebooks(source, course)
        toc_file = source / "_toc.yml"
        if hidden and toc_file.is_file():
            toc = release_toc(yaml.safe_load(toc_file.read_text(encoding="utf-8")),
                              {s.docname for s in hidden})
            toc_file.write_text(yaml.safe_dump(toc, allow_unicode=True, sort_keys=False),
                                encoding="utf-8")
    config_file = source / "_config.yml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    if student:
        config["title"] = f"{config.get('title', '')} (Studierendenausgabe)".strip()
        sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
        sphinx_config["course_edition"] = "studierende"
        # Second guard; off when some sheet's solutions are released (the others are cut).
        sphinx_config["hide_solutions"] = not shown_solutions
        config.setdefault("parse", {}).setdefault("myst_substitutions", {})["pdf_link"] = (
            f'<a href="{PDF_NAME}" download>{PDF_NAME}</a>')
        student_buttons(config)
    config.pop("student_edition", None)
    if not execute:
        config.setdefault("execute", {})["execute_notebooks"] = "off"
    elif (Path(root) / "_build" / ".jupyter_cache").is_dir():
        # The cache matches notebooks by their code, not their path: pages that are the
        # same in both editions reuse the results of `make book` instead of running again.
        config.setdefault("execute", {})["cache"] = str(Path(root).resolve() / "_build" / ".jupyter_cache")
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                           encoding="utf-8")
    return removed


def student_buttons(config):
    """Point the launch and repository buttons of ``config`` to the student source.

    The one place that names the student source is ``student_edition.repository_url``
    (and ``branch``) in ``_config.yml``. Without it the student edition has no launch,
    repository, issue or edit buttons: they would open the instructor sources.
    """
    student = config.get("student_edition") or {}
    html = config.setdefault("html", {})
    launch = config.setdefault("launch_buttons", {})
    if student.get("repository_url"):
        config["repository"] = {**config.get("repository", {}),
                                "url": student["repository_url"],
                                "branch": student.get("branch", "main")}
        html["use_edit_page_button"] = False
        return
    config["repository"] = {"url": "", "path_to_book": "", "branch": "main"}
    for key in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
        html[key] = False
    for key in ("binderhub_url", "jupyterhub_url", "colab_url"):
        launch[key] = ""
    launch["thebe"] = False


def build(root=ROOT, out=ROOT / "_build_student", pages=None, student=True, strict=True,
          execute=True, pdf=False, course=None, notebooks=False):
    """Build the (student) edition of the book at ``root`` into ``out``/html.

    With ``pdf``, the LaTeX builder makes the PDF edition instead: OUT/html/PDF_NAME.
    ``course`` (default: ``load_course()``) says which sheets and solutions students see;
    with ``notebooks`` each released sheet offers its notebook (nbgrader release version).
    Returns ``(return code, number of solutions removed)``. The return code is that of
    jupyter-book, or 1 when text of a removed solution or hidden sheet is found anywhere
    under ``out``.
    """
    out = Path(out).resolve()
    source, work, html = out / "source", out / "work", out / "html"
    course = (course or load_course()) if student else None
    removed = prepare_sources(root, source, student=student, execute=execute, course=course,
                              notebooks=notebooks and student and not pdf)
    public = public_text(source, {s.source for s in course.sheets if s.solutions_released}
                         ) if student else ""
    if pages and student:
        hidden = {s.source for s in course.hidden_sheets()}
        pages = [page for page in pages if Path(page).as_posix() not in hidden]
    forget_removed_pages(work / "_build", source, html=not pdf)
    try:
        if execute and not pdf:  # notebooks in parallel into the cache first (make student)
            from tools.parallel_build import run as pre_execute
            pre_execute(source, build_dir=work / "_build",
                        pages=[source / page for page in pages] if pages else None)
        with tempfile.TemporaryDirectory() as tmp:
            command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(source),
                       "--path-output", str(work)]
            if pages:
                command += ["--toc", str(preview_toc(pages, tmp))]
            if strict:
                command += ["-n", "-W", "--keep-going"]
            if pdf:
                command += ["--builder", "pdflatex"]
            code = subprocess.run(command, check=False).returncode
    finally:
        # The copy holds everything that is not a page (it is made anew for every build).
        shutil.rmtree(source, ignore_errors=True)
    if pdf:
        latex = work / "_build" / "latex"
        if (latex / "kursbuch.pdf").is_file():
            html.mkdir(parents=True, exist_ok=True)
            shutil.copy(latex / "kursbuch.pdf", html / PDF_NAME)
        leaks = find_leaks(latex, removed, public) + find_leaks_in_pdfs(html, removed, public)
    else:
        if (work / "_build" / "html").is_dir():
            replace_html(work / "_build" / "html", html)
        leaks = find_leaks(out, removed, public) if student else []
    if student and leaks:
        print(f"FEHLER: Text aus {len(leaks)} Lösungszeilen oder verborgenen Blättern steht "
              "in der Studierendenausgabe:\n" + "\n".join(leaks[:20]), file=sys.stderr)
        code = code or 1
    return code, len(removed)


def forget_removed_pages(build_dir, source, html=True):
    """Sphinx never deletes what a page that left the book produced: a sheet hidden again
    would stay in the HTML, its doctree and its executed notebook. Drop the doctrees and
    executed notebooks of pages without a source, and with ``html`` the whole HTML (it is
    written anew from the kept doctrees; only the writing is repeated)."""
    if html:
        shutil.rmtree(build_dir / "html", ignore_errors=True)
    for folder, suffixes in ((".doctrees", (".doctree",)),
                             ("jupyter_execute", (".ipynb", ".glue.json"))):
        for suffix in suffixes:
            for path in sorted((build_dir / folder).rglob(f"*{suffix}")):
                docname = path.relative_to(build_dir / folder).as_posix().removesuffix(suffix)
                if not any((source / f"{docname}{ext}").is_file() for ext in (".md", ".ipynb")):
                    path.unlink()


def replace_html(built, html):
    """Put the new HTML at ``html``; PDFs already there (make pdf, make sheets) stay."""
    kept = {}
    if html.exists():
        kept = {path.relative_to(html): path.read_bytes() for path in html.rglob("*.pdf")}
        shutil.rmtree(html)
    shutil.copytree(built, html)
    for relative, data in kept.items():
        target = html / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def pdf_text(path):
    """Text of a PDF (poppler's pdftotext), or None without poppler-utils."""
    if shutil.which("pdftotext") is None:
        return None
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                            capture_output=True, text=True, check=False)
    return result.stdout if result.returncode == 0 else None


def find_leaks_in_pdfs(folder, blocks, public=""):
    """:func:`find_leaks` for the text of every PDF under ``folder`` (needs pdftotext)."""
    lines = leaked_lines(blocks, public)
    leaks = []
    for path in sorted(Path(folder).rglob("*.pdf")):
        text = pdf_text(path)
        if text is not None:
            text = " ".join(text.split())
            leaks += [f"{path}: {line}" for line in lines if line in text]
    return leaks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "_build_student"),
                        help="output folder (gets html/ and work/)")
    parser.add_argument("--pages", nargs="+", help="build only these pages (relative to the root)")
    parser.add_argument("--pdf", action="store_true", help=f"PDF statt HTML: OUT/html/{PDF_NAME}")
    parser.add_argument("--no-strict", action="store_true", help="without -n -W --keep-going")
    args = parser.parse_args()
    missing = [page for page in args.pages or [] if not (ROOT / page).is_file()]
    if missing:
        print(f"FEHLER: Seite nicht gefunden: {', '.join(missing)} (Pfade relativ zu {ROOT}).",
              file=sys.stderr)
        sys.exit(2)
    try:
        code, removed = build(out=args.out, pages=args.pages, strict=not args.no_strict,
                              pdf=args.pdf, notebooks=True)
    except (ValueError, OSError) as err:
        print(f"FEHLER: Die Studierendenausgabe ließ sich nicht bauen: {err}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\nAbgebrochen.", file=sys.stderr)
        sys.exit(130)
    where = Path(args.out).resolve() / "html" / (PDF_NAME if args.pdf else "index.html")
    if code:
        print(f"FEHLER: Der Bau der Studierendenausgabe ist fehlgeschlagen (Code {code}); "
              "die Meldungen stehen oben.", file=sys.stderr)
    else:
        print(f"Studierendenausgabe: {removed} Lösungen entfernt; öffnen Sie {where}")
    sys.exit(code)


if __name__ == "__main__":
    main()
