"""The built book keeps its own rules: German numbers and German words in what the reader sees.

    python -m tools.html_check _build/html _build_student/html

The prose check (tools/prose_check.py) reads the sources; this one reads the BUILT HTML,
so it also sees what execution produced: glued values, printed outputs of code cells,
table cells (pandas tables included), figure text (the SVG files of the figures, whose
texts matplotlib keeps as comments), alt texts and the theme's interface. It rejects

- a decimal point in a number (``0.5``, ``MAE 1.73``; German: ``0,5``);
- e-notation (``3,1e-30``, ``2,1e-05-Fache``; German: ``3,1 · 10⁻³⁰``);
- a hyphen used as a minus sign (``-0,5``; German: ``−0,5``);
- wrong digit grouping: a number of five or more digits without a narrow space
  (``130831``; German: ``130 831``), a four-digit number split (``9 943``), Python's
  grouping with commas (``1,234,567``);
- a breakable space after "±" in running text or a table cell (``96,65 ± 0,30`` must not
  break after the ±; tools/a11y.py writes no-break spaces);
- English column headers (``train_loss``, ``epoch_seconds``, ``accuracy``);
- English interface text: known phrases of the theme and its extensions anywhere
  ("Launch on Binder", "Click to show"), English words in the page outside the article
  and in ``title``/``aria-label``/``placeholder``/``alt`` attributes.

Not checked, by design: code (code cells' sources, ``<code>``, literal blocks), the
bibliography, URLs, version numbers (``2.4.1``, ``Python 3.11``), section, figure and
equation numbers (``3.1``, ``(3.11)``), dates (``01.12.2026``) and file names.
Every finding names the file, the element and the text. Exit status 1 when there is one.
"""

import argparse
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString

# Folders of a build that hold assets, not pages (as tests/browser/book_html.py).
NOT_PAGES = {"_static", "_sources", "_images", "_downloads", "jupyter_execute", "reports"}
THIN = "\u202f\u2009\u00a0"
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Words after which "3.1" is a number of a section, figure, equation, sheet or a version.
NUMBER_WORDS = {
    "abschnitt", "abschnitte", "abschnitts", "kapitel", "kapitels", "abbildung", "abb",
    "tabelle", "tab", "gleichung", "gleichungen", "gl", "aufgabe", "aufgaben", "übung",
    "blatt", "lösung", "beispiel", "definition", "satz", "python", "pytorch", "torch",
    "numpy", "version", "versionen", "cuda", "mathjax", "sphinx", "optuna", "pandas",
    "matplotlib", "arxiv", "wcag", "html", "myst", "jupyter", "jupyter-book", "v",
}
# Words after which a long digit string is an identifier, not an amount.
ID_WORDS = {"arxiv", "isbn", "doi", "port", "nr", "id", "seed"}
E_NOTATION = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?[eE][+-]?\d+(?![\w])")
# "-0,5" after a space, bracket or sign; not "axis=-1" (a keyword argument: code)
HYPHEN_MINUS = re.compile(r"(?:^|(?<=[\s(\[:;/≈<>])|(?<=\s=))-\d")
SPLIT_FOUR = re.compile(rf"(?<![\d{THIN},.])\d[{THIN}]\d{{3}}(?![{THIN}]?\d)")
PYTHON_GROUPS = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3}){2,}(?![\d,])")
URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")
FILE_NAME = re.compile(r"\S*\w\.(?:py|md|yml|yaml|json|csv|npz|npy|pt|pkl|db|sqlite|gz|zip|pdf|"
                       r"svg|png|html|txt|ipynb|bib|tex|sh|idx\d?-ubyte)\b", re.IGNORECASE)
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
ENGLISH_HEADERS = {
    "epoch", "epochs", "loss", "accuracy", "acc", "mean", "std", "value", "values", "seconds",
    "time", "count", "params", "number", "state", "train", "validation",
    "model", "method", "error", "lr", "learning rate", "batch size", "hidden size",
    "duration", "datetime_start", "datetime_complete", "best", "score", "width", "depth",
}
# Interface phrases of the theme and its extensions: wrong wherever they appear.
ENGLISH_PHRASES = [
    "launch on", "toggle primary sidebar", "toggle secondary sidebar", "link to this",
    "click to show", "click to hide", "show code cell", "hide code cell", "copy to clipboard",
    "skip to main content", "back to top", "print to pdf", "fullscreen mode",
    "source repository", "open an issue", "suggest edit", "download this page",
    "search this book", "table of contents", "on this page", "last updated on",
    "toggle hidden content", "show source", "previous page", "next page", "ctrl+k",
    "binder logo", "colab logo", "jupyterhub logo", "system settings", "light/dark",
    "color mode", "copied!", "show more", "show less", "by the",
]
# English words that German never uses: outside the article and in attributes.
ENGLISH_WORDS = {
    "toggle", "launch", "heading", "copy", "copied", "click", "show", "hide", "search",
    "previous", "next", "skip", "main", "contents", "back", "print", "fullscreen", "source",
    "light", "dark", "settings", "this", "the", "of", "and", "for", "with", "by", "open",
    "edit", "last", "updated", "sidebar", "primary", "secondary", "close", "results",
    "clear", "hidden", "page", "to", "on", "from", "view", "enter", "press", "here", "your",
    "you", "image", "equation", "table", "figure", "interactive",
}
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-bs-title", "data-tooltip")
# Elements whose text is code or a label the reader does not read as a number.
SKIP_CLASSES = {"cell_input", "highlight", "section-number", "caption-number", "eqno",
                "headerlink", "citation", "bibliography", "footnote-reference", "math",
                "toctree-wrapper", "prev-next-area", "sd-badge", "docutils.literal"}
SKIP_TAGS = {"code", "kbd", "script", "style", "pre", "svg", "head", "title", "noscript"}


@dataclass(frozen=True)
class Finding:
    """One slip: where (file and element) and what (rule and text)."""

    file: str
    element: str
    rule: str
    text: str

    def __str__(self):
        return f"{self.file}: <{self.element}>: {self.rule}: „{self.text}“"


def _excerpt(text, start, end, width=40):
    left, right = max(0, start - width), min(len(text), end + width)
    return ("…" if left else "") + " ".join(text[left:right].split()) + ("…" if right < len(text) else "")


def _word_before(text, start):
    match = re.search(r"([\w.-]+)[\s:\u00a0]*[(]?$", text[:start])
    return match.group(1).rstrip(".").lower() if match else ""


def number_slips(text):
    """``[(rule, excerpt)]`` for every number in ``text`` that breaks the German rule."""
    slips = []
    masked = URL.sub(lambda m: " " * len(m.group()), text)
    masked = FILE_NAME.sub(lambda m: " " * len(m.group()), masked)
    for match in E_NOTATION.finditer(masked):
        slips.append(("E-Notation statt Zehnerpotenz (3,1 · 10⁻³⁰)", match.start(), match.end()))
    for match in HYPHEN_MINUS.finditer(masked):
        slips.append(("Bindestrich als Minuszeichen (−, U+2212)", match.start(), match.end()))
    for match in SPLIT_FOUR.finditer(masked):
        slips.append(("vierstellige Zahl getrennt (erst ab 10 000 gruppieren)",
                      match.start(), match.end()))
    for match in PYTHON_GROUPS.finditer(masked):
        slips.append(("englische Zifferngruppen (1,234,567)", match.start(), match.end()))
    for match in NUMBER.finditer(masked):
        token, start, end = match.group(), match.start(), match.end()
        before = masked[start - 1] if start else " "
        after = masked[end:end + 1] or " "
        if before.isalpha() or before in "_/#:\\" or after.isalpha() or after in "_/":
            continue                                    # identifier, path, x1.5
        word = _word_before(masked, start)
        if "." in token:
            parts = token.split(".")
            if (len(parts) > 2 or "," in token or word in NUMBER_WORDS
                    or _is_equation_number(masked, start, end) or E_NOTATION.match(masked, start)):
                continue
            slips.append(("Dezimalpunkt statt Komma", start, end))
        elif re.fullmatch(r"\d{5,}", token) and word not in ID_WORDS:
            if after in THIN or (start and masked[start - 1] in THIN):
                continue
            slips.append(("Zahl ab 10 000 ohne schmales Leerzeichen (130 831)", start, end))
    return [(rule, _excerpt(text, start, end)) for rule, start, end in sorted(
        slips, key=lambda s: s[1])]


def _is_equation_number(text, start, end):
    """``(3.11)`` or ``(A.2)``: an equation number in parentheses."""
    return (start and text[start - 1] == "(" and text[end:end + 1] == ")"
            and re.fullmatch(r"[1-9A-Z]\.\d{1,2}", text[start:end]) is not None)


def english_phrases(text):
    lower = " ".join(text.lower().split())
    return [phrase for phrase in ENGLISH_PHRASES if phrase in lower]


def english_words(text):
    words = re.findall(r"[A-Za-z]+", text)
    return sorted({w for w in words if w.lower() in ENGLISH_WORDS and not w.isupper()})


def _describe(element):
    parts = [element.name]
    if element.get("id"):
        parts.append(f"#{element['id']}")
    classes = element.get("class") or []
    parts += [f".{c}" for c in classes[:2]]
    return "".join(parts)


def _skipped(element):
    chain = [element, *element.parents]
    if any(node.name in {"script", "style"} for node in chain):
        return True
    if any("cell_output" in (node.get("class") or []) for node in chain):
        return False                             # printed outputs are read, pre or not
    for node in chain:
        if node.name in SKIP_TAGS:
            return True
        classes = set(node.get("class") or []) if hasattr(node, "get") else set()
        if classes & SKIP_CLASSES or {"docutils", "literal"} <= classes:
            return True
        if node.name == "a" and "internal" in classes and re.fullmatch(
                r"[\s\d.()A-Z]*", node.get_text()):
            return True
    return False


def _text_blocks(root):
    """``(element, text)`` for each block of visible text under ``root`` (code left out)."""
    blocks = {}
    for string in root.find_all(string=True):
        if isinstance(string, Comment) or not isinstance(string, NavigableString):
            continue
        parent = string.parent
        if parent is None or _skipped(parent):
            continue
        block = parent
        while block.name in {"span", "em", "strong", "a", "b", "i", "sub", "sup", "abbr"} \
                and block.parent is not None:
            block = block.parent
        blocks.setdefault(id(block), [block, []])[1].append(str(string))
    return [(block, "".join(parts)) for block, parts in blocks.values()]


def _article(soup):
    return soup.find("article") or soup.find("main") or soup.body or soup


def check_page(html, name="", figure_text=None):
    """Every finding of one page. ``figure_text(src)`` returns the text of a linked SVG."""
    soup = BeautifulSoup(html, "html.parser")
    findings = []
    article = _article(soup)

    def add(element, rule, text):
        findings.append(Finding(name, _describe(element), rule, text))

    for element, text in _text_blocks(article):
        slips = {}
        wraps = element.name != "pre" and element.find_parent("pre") is None
        for match in re.finditer(r"\d[^\S\u00a0]*±[ \t\n]+[\d(−]", text if wraps else ""):
            slips.setdefault("Umbruch nach ± möglich (geschütztes Leerzeichen, tools/a11y.py)",
                             []).append(_excerpt(text, match.start(), match.end()))
        for rule, excerpt in number_slips(text):           # one finding per element and rule
            slips.setdefault(rule, []).append(excerpt)
        for rule, excerpts in slips.items():
            more = f" (und {len(excerpts) - 1} weitere)" if len(excerpts) > 1 else ""
            add(element, rule, excerpts[0] + more)
    for math in article.select(".math"):
        # The equation number "(3.11)" is a chapter.equation number, not a decimal.
        tex = "".join(part for part in math.find_all(string=True)
                      if part.find_parent(class_="eqno") is None)
        tex = re.sub(r"\\(?:tag|label|ref|eqref)\{[^}]*\}", "", tex)
        for match in re.finditer(r"(?<![\w\\.])\d+\.\d+(?![\w.])", tex):
            add(math, "Dezimalpunkt in einer Formel (0{,}5)", match.group())
    for cell in article.find_all("th"):
        header = " ".join(cell.get_text().split())
        if SNAKE_CASE.match(header) or header.lower() in ENGLISH_HEADERS:
            add(cell, "englische Spaltenüberschrift", header)
    for image in article.find_all("img"):
        for rule, excerpt in number_slips(image.get("alt", "")):   # read out by screen readers
            add(image, f"Alternativtext: {rule}", excerpt)
        src = image.get("src", "")
        if src.endswith(".svg") and figure_text is not None:
            for text in figure_text(src):
                for rule, excerpt in number_slips(text):
                    add(image, f"Abbildungstext: {rule}", f"{excerpt} ({src})")
    for svg in article.find_all("svg"):
        for comment in svg.find_all(string=lambda s: isinstance(s, Comment)):
            for rule, excerpt in number_slips(str(comment)):
                add(svg, f"Abbildungstext: {rule}", excerpt)
    # German words in the interface: text outside the article, attributes everywhere.
    body = soup.body or soup
    for element, text in _text_blocks(body):
        phrases = english_phrases(text)
        if phrases:
            add(element, "englischer Oberflächentext", ", ".join(phrases))
    for string in body.find_all(string=True):
        parent = string.parent
        if (isinstance(string, Comment) or parent is None or _skipped(parent)
                or parent.find_parent("a") or parent.name == "a"   # link texts: page titles
                or parent is article or article in parent.parents):
            continue
        words = english_words(str(string))
        if words and not english_phrases(str(string)):
            add(parent, "englisches Wort in der Oberfläche", " ".join(str(string).split())[:80])
    for element in body.find_all(True):
        if element.name in {"script", "style"} or _skipped_attr(element):
            continue
        for attribute in ATTRIBUTES:
            if attribute == "title" and "reference" in (element.get("class") or []):
                continue                        # a citation's tooltip: the cited title
            value = element.get(attribute)
            if isinstance(value, str) and (english_phrases(value) or english_words(value)):
                add(element, f"englisches Attribut {attribute}", value)
    return findings


def _skipped_attr(element):
    return element.name in SKIP_TAGS or any(p.name in {"code", "pre"} for p in element.parents)


def svg_texts(svg):
    """The texts of a matplotlib SVG (its comments) and of its ``<text>`` elements."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                # XML read with the HTML parser
        soup = BeautifulSoup(svg, "html.parser")
    texts = [str(c).strip() for c in soup.find_all(string=lambda s: isinstance(s, Comment))]
    texts += [t.get_text() for t in soup.find_all("text")]
    return [t for t in texts if t and not t.startswith(("?xml", "Created with"))]


def pages(html_dir):
    html_dir = Path(html_dir)
    for path in sorted(html_dir.rglob("*.html")):
        if NOT_PAGES.intersection(path.relative_to(html_dir).parts[:-1]):
            continue
        head = path.read_text(encoding="utf-8", errors="replace")[:1000].lower()
        if 'http-equiv="refresh"' not in head:
            yield path


def check_build(html_dir):
    """Every finding on every page of the build ``html_dir``."""
    html_dir = Path(html_dir)
    findings = []
    for path in pages(html_dir):
        def figure_text(src, path=path):
            svg = (path.parent / src.split("#")[0]).resolve()
            return svg_texts(svg.read_text(encoding="utf-8")) if svg.is_file() else []

        name = path.relative_to(html_dir).as_posix()
        findings += check_page(path.read_text(encoding="utf-8"), name, figure_text)
    return findings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("builds", nargs="+", help="HTML-Ordner eines Builds, z. B. _build/html")
    args = parser.parse_args(argv)
    total = 0
    for build in args.builds:
        if not Path(build, "intro.html").is_file() and not any(pages(build)):
            sys.exit(f"FEHLER: Kein gebautes Buch unter {build}: erst `make book` ausführen.")
        for finding in check_build(build):
            print(f"{build}/{finding}")
            total += 1
    print(f"{total} Verstöße gegen die deutschen Zahlen- und Wortregeln." if total
          else "Keine Verstöße: Zahlen und Oberfläche sind deutsch.")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())


SVG_TEXT = re.compile(r"<!--\s*(?P<text>[^<>]*?)\s*-->\s*<g\b[^>]*?transform=\"[^\"]*"
                      r"scale\((?P<scale>[\d.]+) -[\d.]+\)(?P<body>.*?)(?=<!--|\Z)", re.DOTALL)
SVG_SCRIPT = re.compile(r"<use\b[^>]*scale\((?P<scale>[\d.]+)\)")
SVG_VIEWBOX = re.compile(r"<svg[^>]*viewBox=\"[-\d.]+ [-\d.]+ (?P<width>[\d.]+) [\d.]+\"")
# Sub- and superscripts are set at 70 % (mathtext, as TeX); scripts of scripts (49 %, the
# 0 in x_{d_0}) follow that ratio and are not held to the minimum size.
SCRIPT_SCALE = 0.7


def svg_font_sizes(svg):
    """``(width, [(text, size), ...])`` of a matplotlib SVG with text drawn as paths: the
    width of its viewBox and the size of each text's smallest glyphs (sub- and
    superscripts count, scripts of scripts do not), both in the SVG's units (pt).
    The size shown on screen is ``size * displayed_width / width``."""
    width = SVG_VIEWBOX.search(svg)
    sizes = []
    for match in SVG_TEXT.finditer(svg):
        scripts = [float(m.group("scale")) for m in SVG_SCRIPT.finditer(match.group("body"))]
        primes_only = not re.search(r"[_^]", match.group("text"))   # σ'(a): a prime is no text
        factor = (SCRIPT_SCALE if not primes_only
                  and any(abs(x - SCRIPT_SCALE) < 0.01 for x in scripts) else 1.0)
        sizes.append((match.group("text"), 100 * float(match.group("scale")) * factor))
    return (float(width.group("width")) if width else None), sizes
