"""Build the student edition of the book: the same sources, every solution left out.

    python -m tools.student_build                      # whole book -> _build_student/html
    python -m tools.student_build --pages psets/blatt_03_mlp.md --out /tmp/student
    python -m tools.student_build --pdf                # PDF -> _build_student/html/kursbuch-studierende.pdf

The sources are copied to OUT/source; in the copy every ``{solution}`` directive and
every gated ``{solution-start}`` ... ``{solution-end}`` block (with its code cells) is
cut out of the pages, and the configuration gets sphinx-exercise's
``hide_solutions: True`` as a second guard. Cutting the text (and not only hiding it
in the HTML) matters: the downloadable sources (.md, .ipynb) of a page must not contain
the solutions either, and solution code is not executed. The book is then built from
the copy with ``-n -W --keep-going``; the HTML ends up in OUT/html, the execution cache
in OUT/work is kept for the next build.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from tools.preview import preview_toc

ROOT = Path(__file__).resolve().parents[1]
PDF_NAME = "kursbuch-studierende.pdf"
SKIP = shutil.ignore_patterns(".git", ".venv", "_build", "_build_student", ".pytest_cache",
                              ".ruff_cache", "__pycache__", ".ipynb_checkpoints", "artifacts")
OPENING = re.compile(r"^\s*(?P<fence>`{3,}|:{3,})\{(?P<name>[\w-]+)\}")


def closing_line(lines, start, fence):
    """Index of the line that closes the directive opened at ``start`` with ``fence``."""
    char, length = fence[0], len(fence)
    for index in range(start + 1, len(lines)):
        text = lines[index].strip()
        if len(text) >= length and set(text) == {char}:
            return index
    raise ValueError(f"Zeile {start + 1}: die Direktive mit {fence} wird nie geschlossen.")


def strip_solutions(text):
    """Return ``(text without solutions, number of solutions removed)``.

    Removes ``{solution}`` directives and everything from a ``{solution-start}`` to the
    end of the next ``{solution-end}`` directive. Fences follow MyST: a directive ends
    at the first line of at least as many fence characters and nothing else.
    """
    lines = text.splitlines(keepends=True)
    kept, removed, index = [], 0, 0
    while index < len(lines):
        match = OPENING.match(lines[index])
        name = match.group("name") if match else None
        if name not in ("solution", "solution-start"):
            kept.append(lines[index])
            index += 1
            continue
        end = closing_line(lines, index, match.group("fence"))
        if name == "solution-start":
            end = _end_of_gated_solution(lines, end, index)
        removed += 1
        index = end + 1
    return "".join(kept), removed


def _end_of_gated_solution(lines, after, start):
    for index in range(after + 1, len(lines)):
        match = OPENING.match(lines[index])
        if match and match.group("name") == "solution-end":
            return closing_line(lines, index, match.group("fence"))
        if match and match.group("name") == "solution-start":
            break
    raise ValueError(f"Zeile {start + 1}: zu diesem solution-start fehlt das solution-end.")


def prepare_sources(root, source, student=True, execute=True):
    """Copy the book from ``root`` to ``source``; for students cut the solutions out.

    Returns the number of solutions removed. The copy's ``_config.yml`` gets
    ``hide_solutions`` (student edition) and, with ``execute=False``, no execution.
    """
    root, source = Path(root), Path(source)
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(root, source, ignore=SKIP)
    removed = 0
    if student:
        for page in sorted(source.rglob("*.md")):
            text = page.read_text(encoding="utf-8")
            stripped, count = strip_solutions(text)
            if count:
                page.write_text(stripped, encoding="utf-8")
                removed += count
    config_file = source / "_config.yml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    if student:
        config["title"] = f"{config.get('title', '')} (Studierendenausgabe)".strip()
        config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
        config.setdefault("parse", {}).setdefault("myst_substitutions", {})["pdf_link"] = (
            f'<a href="{PDF_NAME}" download>{PDF_NAME}</a>')
    if not execute:
        config.setdefault("execute", {})["execute_notebooks"] = "off"
    elif (Path(root) / "_build" / ".jupyter_cache").is_dir():
        # The cache matches notebooks by their code, not their path: pages that are the
        # same in both editions reuse the results of `make book` instead of running again.
        config.setdefault("execute", {})["cache"] = str(Path(root).resolve() / "_build" / ".jupyter_cache")
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                           encoding="utf-8")
    return removed


def build(root=ROOT, out=ROOT / "_build_student", pages=None, student=True, strict=True,
          execute=True, pdf=False):
    """Build the (student) edition of the book at ``root`` into ``out``/html.

    With ``pdf``, the LaTeX builder makes the PDF edition instead: OUT/html/PDF_NAME.
    Returns ``(return code of jupyter-book, number of solutions removed)``.
    """
    out = Path(out).resolve()
    source, work, html = out / "source", out / "work", out / "html"
    removed = prepare_sources(root, source, student=student, execute=execute)
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
    if pdf:
        if (work / "_build" / "latex" / "kursbuch.pdf").is_file():
            html.mkdir(parents=True, exist_ok=True)
            shutil.copy(work / "_build" / "latex" / "kursbuch.pdf", html / PDF_NAME)
        return code, removed
    if (work / "_build" / "html").is_dir():
        if html.exists():
            shutil.rmtree(html)
        shutil.copytree(work / "_build" / "html", html)
    return code, removed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "_build_student"),
                        help="output folder (gets html/, source/ and work/)")
    parser.add_argument("--pages", nargs="+", help="build only these pages (relative to the root)")
    parser.add_argument("--pdf", action="store_true", help=f"PDF statt HTML: OUT/html/{PDF_NAME}")
    parser.add_argument("--no-strict", action="store_true", help="without -n -W --keep-going")
    args = parser.parse_args()
    code, removed = build(out=args.out, pages=args.pages, strict=not args.no_strict, pdf=args.pdf)
    result = Path(args.out).resolve() / "html" / (PDF_NAME if args.pdf else "")
    print(f"Studierendenausgabe: {removed} Lösungen entfernt; {'PDF' if args.pdf else 'HTML'}: {result}")
    sys.exit(code)


if __name__ == "__main__":
    main()
