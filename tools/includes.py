"""Check the snippet convention: `# ANCHOR: name` ... `# ANCHOR_END: name` in code files,
and every `{literalinclude}` in the book pointing at an existing file and anchor.

The one place that reads a ``{literalinclude}``: its options (:func:`parse_options`; with
:func:`closing_line` also used for other directives of a page) and
the code it shows (:func:`included_text`, Sphinx's own reader, so the notebook edition of
tools/notebook_edition.py shows exactly the lines of the HTML page).
"""

import re
from dataclasses import dataclass
from pathlib import Path

ANCHOR = re.compile(r"#\s*ANCHOR(_END)?:\s*(\S+)")
DIRECTIVE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{literalinclude\}\s+(?P<path>\S+)\s*$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True)
class Include:
    page: Path
    line: int
    target: Path
    start_after: str | None
    end_before: str | None


def anchor_problems(code_file):
    """Anchors opened twice, closed without being open, or never closed; empty snippets."""
    problems, open_at, seen, body = [], {}, set(), {}
    for number, text in enumerate(Path(code_file).read_text(encoding="utf-8").splitlines(), 1):
        match = ANCHOR.search(text)
        if not match:
            for name in open_at:
                body[name] = body.get(name, False) or bool(text.strip())
            continue
        is_end, name = bool(match.group(1)), match.group(2)
        where = f"{code_file}:{number}"
        if not is_end:
            if name in open_at or name in seen:
                problems.append(f"{where}: Anker '{name}' wird zweimal geöffnet")
            open_at[name] = number
            seen.add(name)
        elif name not in open_at:
            problems.append(f"{where}: ANCHOR_END '{name}' ohne offenen Anker")
        else:
            del open_at[name]
            if not body.get(name):
                problems.append(f"{where}: Anker '{name}' umschließt keinen Code")
    problems += [f"{code_file}:{line}: Anker '{name}' wird nie geschlossen"
                 for name, line in open_at.items()]
    return problems


def closing_line(lines, start, fence, at_end=False):
    """Index of the line that closes the directive opened at ``start`` with ``fence``: the
    first line of at least as many of its fence characters and nothing else. Unclosed, it
    runs to the last line with ``at_end`` (as MyST reads it), else a German ValueError."""
    char, length = fence[0], len(fence)
    for index in range(start + 1, len(lines)):
        text = lines[index].strip()
        if len(text) >= length and set(text) == {char}:
            return index
    if at_end:
        return len(lines) - 1
    raise ValueError(f"Zeile {start + 1}: die Direktive mit {fence} wird nie geschlossen.")


def parse_options(lines):
    """``({key: value}, number of option lines)`` of the ``:key: value`` lines that open a
    directive's body (MyST reads them as YAML: quotes around a value are dropped)."""
    options, count = {}, 0
    for option_line in lines:
        option = OPTION.match(option_line.strip())
        if not option:
            break
        # A marker starting with '#' must be quoted in YAML.
        options[option.group("key")] = option.group("value").strip("'\"")
        count += 1
    return options, count


# Options of Sphinx's literalinclude that take a number.
NUMBER_OPTIONS = ("dedent", "tab-width", "lineno-start")


def included_text(target, options):
    """The code a ``{literalinclude}`` of ``target`` with ``options`` shows, read as Sphinx
    reads it (start-after, end-before, lines, pyobject, dedent, ...)."""
    from types import SimpleNamespace

    from sphinx.directives.code import LiteralIncludeReader

    options = {key: (int(value) if value else None) if key in NUMBER_OPTIONS else value
               for key, value in options.items()}
    reader = LiteralIncludeReader(str(target), options, SimpleNamespace(source_encoding="utf-8-sig"))
    return reader.read()[0]


def find_includes(page):
    """All literalinclude directives of a MyST page with their anchor options."""
    lines = Path(page).read_text(encoding="utf-8").splitlines()
    includes = []
    for index, text in enumerate(lines):
        match = DIRECTIVE.match(text.strip())
        if not match:
            continue
        options, _ = parse_options(lines[index + 1:])
        includes.append(Include(Path(page), index + 1, Path(page).parent / match.group("path"),
                                options.get("start-after"), options.get("end-before")))
    return includes


def include_problems(include):
    where = f"{include.page}:{include.line}"
    if not include.target.is_file():
        return [f"{where}: Datei {include.target} fehlt"]
    lines = include.target.read_text(encoding="utf-8").splitlines()
    start, end = 0, len(lines)
    problems = []
    for key, marker in (("start-after", include.start_after), ("end-before", include.end_before)):
        if marker is None:
            continue
        hits = [i for i, text in enumerate(lines) if marker in text]
        if len(hits) != 1:
            count = "nicht" if not hits else f"{len(hits)}-mal"
            problems.append(f"{where}: '{marker}' ({key}) kommt in {include.target} {count} vor")
        elif key == "start-after":
            start = hits[0] + 1
        else:
            end = hits[0]
    if not problems and not any(text.strip() for text in lines[start:end]):
        problems.append(f"{where}: der eingebundene Ausschnitt aus {include.target} ist leer")
    return problems


def check_tree(root):
    """All problems in a book tree: anchors in codes/ and includes in chapters/ and psets/."""
    root = Path(root)
    problems = []
    for code_file in sorted((root / "codes").rglob("*.py")):
        problems += anchor_problems(code_file)
    for folder in ("chapters", "psets"):
        for page in sorted((root / folder).rglob("*.md")):
            for include in find_includes(page):
                problems += include_problems(include)
    return problems


if __name__ == "__main__":
    import sys

    found = check_tree(sys.argv[1] if len(sys.argv) > 1 else ".")
    print("\n".join(found) or "Alle Einbindungen in Ordnung.")
    sys.exit(1 if found else 0)
