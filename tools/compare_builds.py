"""Compare the glued numbers of two builds of the book (e.g. CPU against GPU).

    python -m tools.compare_builds A/_build B/_build

Every number that a page glues into its text (myst-nb ``glue``) is read from the
executed notebooks in each build's jupyter cache (``_build/.jupyter_cache``), listed
side by side and flagged when the two builds differ by more than the page allows. Exit
code 0: nothing flagged; 1: at least one difference flagged; 2: a build cannot be read.

Each page declares in its MyST front matter how far its glued numbers may differ
between two builds (another CPU, another thread count, a GPU)::

    build_comparison:
      default: 0            # absolute tolerance for every glued number not matched below
      tolerances:           # fnmatch pattern of the glue name -> absolute tolerance,
        acc_*: 0.5          # in the glued unit (percent stays percent)
        '*_seconds': .inf   # never flagged, only listed
      why:                  # the reason for a tolerance (default, tolerances or a pattern)
        acc_*: 3 sd of the spread over seeds

The first pattern (in the order written) that matches the glue name decides; a page
without ``build_comparison`` has tolerance 0 for everything. The reasons are data, not
YAML comments, because JupyterLab (jupytext) rewrites the front matter on every save and
drops comments; the pages keep jupytext's own layout, so a save changes nothing. The front matter is read
from the source page of the notebook (``record.uri`` of the cache, else the page at the
same place next to the build folder), else from the notebook metadata in the cache.

How values are compared: a glued value is its Markdown text (``text/markdown``), else
its plain text, else the text of its HTML (tables); figures are skipped. All numbers in
that text are found, written the German way (``93,7``, ``130 831`` with thin spaces,
``5,7 · 10⁻⁷``) or the Python way (``0.937``, ``1e-05``), and compared one by one:
``name[2]`` is the second number of the glue ``name``. A glue that exists in only one
build, a different count of numbers, or a different text around the numbers (a verdict
such as "besser" against "Rauschen") is flagged too, unless the tolerance is ``.inf``.
"""

import argparse
import ast
import fnmatch
import html
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from codes.plotting import german_number
from tools.glue_outputs import GLUE_PREFIX, glue_bundles, joined

SUPERSCRIPTS = str.maketrans("⁻⁺⁰¹²³⁴⁵⁶⁷⁸⁹", "-+0123456789")
GROUP = "[\u202f\u2009\u00a0]"  # thin, narrow and no-break spaces group thousands
NUMBER = re.compile(
    r"(?<![\w.,])"                       # not the tail of a word (float64) or a number
    r"(?P<sign>[-−+]?)"
    rf"(?P<digits>\d{{1,3}}(?:{GROUP}\d{{3}})+|\d+)"
    r"(?P<fraction>[.,]\d+)?"
    r"(?:[eE](?P<exp>[-+]?\d+)|\s*[·×]\s*10(?P<power>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))?"
)
TAG = re.compile(r"<style.*?</style>|<[^>]+>", re.S)  # tags, and the CSS pandas adds


@dataclass
class Row:
    """One compared glued number (or text) of one page."""

    page: str
    name: str
    a: str
    b: str
    difference: float
    tolerance: float
    flagged: bool


def parse_numbers(text):
    """All numbers in ``text`` as floats, German or Python notation; and the text around them."""
    values = []
    for match in NUMBER.finditer(text):
        digits = re.sub(GROUP, "", match["digits"])
        number = float(digits + (match["fraction"] or "").replace(",", "."))
        if match["exp"]:
            number *= 10.0 ** int(match["exp"])
        elif match["power"]:
            number *= 10.0 ** int(match["power"].translate(SUPERSCRIPTS))
        values.append(-number if match["sign"] in ("-", "−") else number)
    skeleton = " ".join(NUMBER.sub("#", text).split())
    return values, skeleton


def glue_text(data):
    """The text of one glued output (mime bundle), or None for a figure."""
    data = {key.removeprefix(GLUE_PREFIX): value for key, value in data.items()}
    if any(key.startswith("image/") for key in data):
        return None  # a figure: its numbers are drawn, not glued into the text
    if "text/markdown" in data:
        return joined(data["text/markdown"])
    if "text/html" in data:
        return html.unescape(TAG.sub(" ", joined(data["text/html"])))
    plain = joined(data.get("text/plain", ""))
    if not plain or re.fullmatch(r"<[^<>]*>", plain.strip()):
        return None  # an object without a text form, e.g. <Figure size 640x480 with 2 Axes>
    if plain[:1] in "'\"" and plain[-1:] == plain[:1]:
        try:
            return str(ast.literal_eval(plain))  # a glued str: its repr escapes thin spaces
        except (ValueError, SyntaxError):
            pass
    return re.sub(r"np\.\w+\((.*?)\)", r"\1", plain)  # np.float64(0.93) -> 0.93


def notebook_glues(nb):
    """{glue name: text} for every glued output of an executed notebook."""
    texts = {name: glue_text(bundle) for name, bundle in glue_bundles(nb).items()}
    return {name: text for name, text in texts.items() if text is not None}


def read_build(build_dir):
    """{page key: (glues, source path or None, notebook metadata)} from a build's cache."""
    from jupyter_cache import get_cache  # heavy import only when a build is read

    build_dir = Path(build_dir)
    cache_dir = build_dir / ".jupyter_cache"
    if not cache_dir.is_dir():
        raise FileNotFoundError(
            f"Kein Ausführungs-Cache unter {cache_dir}. Geben Sie den Ordner _build eines "
            "ausgeführten Buches an (make book oder tools/preview.py).")
    cache = get_cache(str(cache_dir))
    newest = {}
    for record in cache.list_cache_records():
        if record.uri not in newest or record.created > newest[record.uri].created:
            newest[record.uri] = record
    pages = {}
    for uri, record in newest.items():
        key = page_key(Path(uri))
        source = Path(uri) if Path(uri).is_file() else build_dir.parent / key
        nb = cache.get_cache_bundle(record.pk).nb
        pages[key] = (notebook_glues(nb), source if source.is_file() else None,
                      dict(nb.metadata))
    return pages


def page_key(path):
    """The page's path relative to its book (the folder with _config.yml), e.g. chapters/…."""
    for parent in path.parents:
        if (parent / "_config.yml").is_file():
            return path.relative_to(parent).as_posix()
    parts = path.parts
    for anchor in ("chapters", "psets"):
        if anchor in parts:
            return Path(*parts[parts.index(anchor):]).as_posix()
    return path.as_posix()


def declared_tolerances(source, metadata):
    """The page's ``build_comparison`` (front matter of ``source``, else notebook metadata)."""
    front = metadata
    if source is not None:
        text = source.read_text(encoding="utf-8")
        if text.startswith("---"):
            front = yaml.safe_load(text.split("---", 2)[1]) or {}
    declared = front.get("build_comparison") or {}
    if not isinstance(declared, dict):
        raise ValueError(f"{source}: build_comparison muss eine Zuordnung sein "
                         "(default: …, tolerances: {Muster: Toleranz}).")
    unknown = set(declared) - {"default", "tolerances", "why"}
    if unknown:
        raise ValueError(f"{source}: build_comparison kennt {sorted(unknown)} nicht "
                         "(erlaubt: default, tolerances, why).")
    default = float(declared.get("default", 0))
    patterns = {str(k): float(v) for k, v in (declared.get("tolerances") or {}).items()}
    unexplained = set(declared.get("why") or {}) - set(patterns) - {"default", "tolerances"}
    if unexplained:
        raise ValueError(f"{source}: build_comparison.why begründet {sorted(unexplained)}, "
                         "doch diese Muster stehen nicht unter tolerances.")
    return default, patterns


def tolerance_for(name, default, patterns):
    """The tolerance of the first pattern that matches ``name``, else ``default``."""
    for pattern, tolerance in patterns.items():
        if fnmatch.fnmatchcase(name, pattern):
            return tolerance
    return default


def compare_page(page, glues_a, glues_b, default, patterns):
    """The rows of one page: every glued number of either build, compared."""
    rows = []
    for name in sorted(set(glues_a) | set(glues_b)):
        tolerance = tolerance_for(name, default, patterns)
        if name not in glues_a or name not in glues_b:
            a, b = glues_a.get(name, "(fehlt)"), glues_b.get(name, "(fehlt)")
            rows.append(Row(page, name, a, b, math.nan, tolerance, tolerance != math.inf))
            continue
        values_a, skeleton_a = parse_numbers(glues_a[name])
        values_b, skeleton_b = parse_numbers(glues_b[name])
        if skeleton_a != skeleton_b or len(values_a) != len(values_b):
            rows.append(Row(page, name, glues_a[name], glues_b[name], math.nan,
                            tolerance, tolerance != math.inf))
            continue
        if not values_a:  # text only, e.g. a verdict: equal (checked above)
            rows.append(Row(page, name, glues_a[name], glues_b[name], 0.0, tolerance, False))
        for index, (a, b) in enumerate(zip(values_a, values_b, strict=True), start=1):
            label = name if len(values_a) == 1 else f"{name}[{index}]"
            difference = abs(a - b)
            rows.append(Row(page, label, _german(a), _german(b), difference, tolerance,
                            difference > tolerance))
    return rows


def compare_builds(build_a, build_b):
    """All rows of two builds, page by page."""
    pages_a, pages_b = read_build(build_a), read_build(build_b)
    rows = []
    for page in sorted(set(pages_a) | set(pages_b)):
        glues_a, source, metadata = pages_a.get(page, ({}, None, {}))
        glues_b, source_b, metadata_b = pages_b.get(page, ({}, None, {}))
        if source is None and not metadata.get("build_comparison"):
            source, metadata = source_b, metadata_b
        default, patterns = declared_tolerances(source, metadata)
        rows += compare_page(page, glues_a, glues_b, default, patterns)
    return rows


def _german(value):
    """At most six significant digits, German; very large or small with a power of ten."""
    if value != 0 and not 1e-3 <= abs(value) < 1e6:
        mantissa, exponent = f"{value:.5e}".split("e")
        power = str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return f"{german_number(float(mantissa), '.6g')} · 10{power}".replace("-", "−")
    return german_number(value, ".6g").replace("-", "−")


def _short(text, width=28):
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def report(rows, out=None, only_flagged=False):
    """Print the rows as a table; returns the number of flagged rows."""
    out = out or sys.stdout
    flagged = sum(row.flagged for row in rows)
    page = None
    for row in rows:
        if only_flagged and not row.flagged:
            continue
        if row.page != page:
            page = row.page
            print(f"\n{page}", file=out)
        difference = "–" if math.isnan(row.difference) else _german(row.difference)
        tolerance = "∞" if row.tolerance == math.inf else _german(row.tolerance)
        mark = "ABWEICHUNG" if row.flagged else "ok"
        print(f"  {_short(row.name, 34):<34} {_short(row.a):>28} {_short(row.b):>28} "
              f"Δ {difference:>9} ≤ {tolerance:>6}  {mark}", file=out)
    pages = len({row.page for row in rows})
    print(f"\n{len(rows)} geklebte Werte auf {pages} Seite{'n' if pages != 1 else ''} "
          "verglichen, "
          f"{flagged} Abweichung{'en' if flagged != 1 else ''} über der Toleranz.", file=out)
    return flagged


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tools.compare_builds",
        description="Vergleicht die geklebten Zahlen zweier Builds (Ordner _build).")
    parser.add_argument("build_a", help="erster Build, z. B. _build")
    parser.add_argument("build_b", help="zweiter Build, z. B. ../anderer/_build")
    parser.add_argument("--nur-abweichungen", action="store_true",
                        help="nur die markierten Werte ausgeben")
    args = parser.parse_args(argv)
    try:
        rows = compare_builds(args.build_a, args.build_b)
    except (FileNotFoundError, ValueError) as error:
        print(f"FEHLER: {error}", file=sys.stderr)
        return 2
    flagged = report(rows, only_flagged=args.nur_abweichungen)
    if flagged:
        print("FEHLER: Die Builds weichen stärker ab, als die Seiten erlauben "
              "(build_comparison in ihrem Vorspann).", file=sys.stderr)
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
