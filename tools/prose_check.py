"""Prose check: German number format and the book's terms in the Markdown sources.

    python -m tools.prose_check            # every page of chapters/, psets/ and intro.md
    python -m tools.prose_check FILE ...   # only these files

Reads the Markdown outside code (code cells, code fences, inline code, directive options
and front matter are skipped; admonitions, exercises, solutions, captions and math are
read) and reports, with file and line,

- a decimal point in a number of the prose or of the math: German writes ``0,5`` in the
  text and ``0{,}5`` in LaTeX. Version numbers (three parts, or after "Python", "torch",
  ...), dates, and numbers of equations, figures, sections and exercises are allowed;
- a term that the glossary rejects: ``chapters/anhang/begriffe_abgelehnt.txt`` lists each
  rejected word form with the term the book uses instead.
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REJECTED_TERMS_FILE = ROOT / "chapters" / "anhang" / "begriffe_abgelehnt.txt"
# The notation page names the rejected terms on purpose.
TERM_CHECK_SKIPS = {"chapters/anhang/notation.md"}

# Directives whose body is code (or data), not prose.
CODE_DIRECTIVES = {"code-cell", "code", "code-block", "literalinclude", "raw", "mermaid",
                   "bibliography", "toctree", "glue:math", "csv-table", "list-table"}
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,}|:{3,})\s*(\{([\w:-]+)\})?\s*(\S*)")
OPTION = re.compile(r"^\s*:[\w-]+:")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
LINK_TARGET = re.compile(r"\]\([^)]*\)|<https?://[^>]*>|https?://\S+")
LABEL = re.compile(r"^\s*\([\w:.-]+\)=\s*$")

# Numbers with a dot that are not decimals.
REFERENCE_WORDS = (r"(?:Gleichung(?:en)?|Gl\.|Abbildung(?:en)?|Abb\.|Tabelle(?:n)?|Tab\.|"
                   r"Abschnitt(?:e|en)?|Kapitel|Aufgabe(?:n)?|Übung(?:en)?|Blatt|Blätter|"
                   r"Teilaufgabe(?:n)?|Satz|Definition|Beispiel|Version(?:en)?|Python|"
                   r"PyTorch|torch|NumPy|Sphinx|MathJax|Optuna|CUDA|pip|Jupyter Book|"
                   r"jupyter-book|myst-nb|pandas|matplotlib|Node\.js|PostgreSQL|SQLite|"
                   r"sphinx-book-theme|WCAG)")
DOTTED = r"\d+(?:\.\d+)+"
REFERENCE = re.compile(REFERENCE_WORDS + r"\s+" + DOTTED
                       + r"(?:(?:\s*,\s*|\s+und\s+|\s+bis\s+|\s*[–-]\s*)" + DOTTED + r")*")
ALLOWED_NUMBERS = [
    re.compile(r"\d+\.\d+\.\d+(?:\.\d+)*"),             # 3.2.2, 4.3.4: versions, sections
    re.compile(r"\(\d+\.\d+\)"),                         # (3.1): an equation number
    re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b"),         # a date
]
DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")


@dataclass(frozen=True)
class Finding:
    path: str
    line_number: int
    line: str
    message: str

    def __str__(self):
        return f"{self.path}:{self.line_number}: {self.message}\n    {self.line.strip()}"


def load_rejected_terms(path=REJECTED_TERMS_FILE):
    """Pairs (regex, preferred term) from lines ``rejected form => preferred term``."""
    terms = []
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        rejected, _, preferred = (part.strip() for part in line.partition("=>"))
        if not rejected or not preferred:
            raise ValueError(f"{path}: Zeile ohne 'abgelehnt => stattdessen': {raw!r}")
        terms.append((re.compile(r"(?<!\w)" + rejected + r"(?!\w)", re.IGNORECASE), preferred))
    return terms


def prose_lines(text):
    """Yield (line number, text) of the lines a reader sees as prose or math."""
    lines = text.splitlines()
    start = 0
    if lines and lines[0].strip() == "---":                 # front matter
        end = next((k for k in range(1, len(lines)) if lines[k].strip() == "---"), 0)
        start = end + 1
    stack = []   # open fences: (marker, is_code)
    for number in range(start, len(lines)):
        line = lines[number]
        match = FENCE.match(line)
        if match:
            marker, directive, info = match.group(2), match.group(4), match.group(5)
            if stack and stack[-1][0][0] == marker[0] and len(marker) >= len(stack[-1][0]) \
                    and not directive and not info:
                stack.pop()                                  # closing fence
                continue
            if not (stack and stack[-1][1]):
                is_code = (directive in CODE_DIRECTIVES) if directive else (
                    marker[0] != ":" and info not in ("", "{"))
                stack.append((marker, is_code))
                continue
        if any(is_code for _, is_code in stack):
            continue
        if stack and OPTION.match(line) and not line.strip().startswith(":alt:"):
            continue
        if LABEL.match(line) or line.lstrip().startswith("<!--"):
            continue
        yield number + 1, line


def _visible(line):
    """The line without inline code, roles' targets and link addresses."""
    return LINK_TARGET.sub(" ", INLINE_CODE.sub(" ", line))


def decimal_points(line):
    """Numbers written with a decimal point in ``line`` (outside allowed forms)."""
    text = REFERENCE.sub(" ", _visible(line))
    for allowed in ALLOWED_NUMBERS:
        text = allowed.sub(" ", text)
    return DECIMAL_POINT.findall(text)


def check_text(text, path, rejected_terms):
    findings = []
    for number, line in prose_lines(text):
        for found in decimal_points(line):
            findings.append(Finding(path, number, line,
                                    f"Dezimalpunkt in {found!r}: im Text 0,5, in Formeln 0{{,}}5"))
        visible = _visible(line)
        for pattern, preferred in rejected_terms:
            for found in pattern.findall(visible):
                findings.append(Finding(path, number, line,
                                        f"Begriff {found!r}: im Buch heißt es {preferred!r}"))
    return findings


def check_file(path, rejected_terms=None):
    path = Path(path)
    rel = path.resolve().relative_to(ROOT).as_posix() if path.resolve().is_relative_to(ROOT) \
        else path.as_posix()
    terms = [] if rel in TERM_CHECK_SKIPS else (
        load_rejected_terms() if rejected_terms is None else rejected_terms)
    return check_text(path.read_text(encoding="utf-8"), rel, terms)


def book_pages():
    """Every Markdown page of the book: chapters/, psets/ and intro.md."""
    return sorted([*ROOT.glob("chapters/**/*.md"), *ROOT.glob("psets/*.md"), ROOT / "intro.md"])


def main(argv=None):
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])] or book_pages()
    terms = load_rejected_terms()
    findings = [f for path in paths for f in check_file(path, terms)]
    for finding in findings:
        print(finding)
    print(f"{len(findings)} Fund(e) in {len(paths)} Datei(en).")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
