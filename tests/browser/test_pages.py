"""The built book in a real browser without network: pages, formulas, figures, search, phone.

Run after the build: ``make browser-test`` (or ``BOOK_HTML_DIR=/tmp/x/_build/html
.venv/bin/python -m pytest -m browser``).
"""

import re

import pytest
from book_html import EDITIONS, book_pages

from tools.html_check import check_build, check_page

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390
MLP_CHAPTER = "chapters/03_mlp/theorie.html"
PROBLEM_SET = "psets/blatt_03_mlp.html"
# Without a build the list is empty; the one placeholder entry lets the html_dir fixture
# fail with its message instead of pytest skipping an empty parametrisation.
PAGES = book_pages() or ["(kein Build)"]
# Beginnings of the English labels that the theme and Sphinx would otherwise show.
ENGLISH = re.compile(r"^(Toggle|Launch|Download|Search|Link to|Show|Hide|Main$|Page$|Home$)")

# Formulas: every math element of Sphinx holds MathJax output, and no TeX is left over.
MATH_REPORT = """() => {
  const maths = [...document.querySelectorAll('.bd-article .math')];
  const raw = maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.trim());
  const text = document.querySelector('.bd-article').innerText;
  return {count: maths.length, rendered: document.querySelectorAll('.bd-article mjx-container').length,
          raw: raw.slice(0, 5), dollars: text.includes('$$') || text.includes('\\\\begin{')};
}"""

# Figures: every <img> has a decoded bitmap and every inline <svg> a visible size.
FIGURE_REPORT = """async () => {
  const images = [...document.querySelectorAll('.bd-article img')];
  for (const img of images) { img.loading = 'eager'; }
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  const broken = images.filter(img => !(img.complete && img.naturalWidth > 0 && img.naturalHeight > 0))
                       .map(img => img.getAttribute('src'));
  const svgs = [...document.querySelectorAll('.bd-article .cell_output svg, .bd-article figure svg')];
  const empty = svgs.filter(svg => { const r = svg.getBoundingClientRect(); return !(r.width > 0 && r.height > 0); });
  return {images: images.length, broken, svgs: svgs.length, emptySvgs: empty.length};
}"""

# Phone width: the page must not scroll sideways; list what sticks out (outside of
# elements that scroll on their own, like code blocks, tables and wide formulas).
OVERFLOW_REPORT = """() => {
  const width = window.innerWidth;
  const scrolls = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX) || s.position === 'fixed') return true; }
    return false; };
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1 || scrolls(el)) continue;
    if (getComputedStyle(el).position === 'fixed') continue;
    offenders.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} (rechts bei ${Math.round(r.right)} px): ` +
                   (el.textContent || '').trim().slice(0, 60));
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, offenders: offenders.slice(0, 10)};
}"""


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline(open_page, path):
    """Every page loads with no console error, no failed and no external request."""
    page, log = open_page(path)
    page.wait_for_load_state("networkidle")
    assert not log.problems(), f"{path}:\n" + "\n".join(log.problems())
    assert page.title(), f"{path}: kein <title>"
    assert page.evaluate("() => document.documentElement.lang") == "de"


@pytest.mark.parametrize("path", PAGES)
def test_formulas_and_figures_render(open_page, path):
    """Formulas are typeset by the shipped MathJax; every figure has a size."""
    page, log = open_page(path)
    if not page.query_selector(".bd-article"):
        return  # e.g. the redirect index.html
    math = page.evaluate(MATH_REPORT)
    assert not math["raw"], f"{path}: Formeln nicht gesetzt: {math['raw']}"
    assert not math["dollars"], f"{path}: roher TeX-Text ($$ oder \\begin) sichtbar"
    figures = page.evaluate(FIGURE_REPORT)
    assert not figures["broken"], f"{path}: Bilder ohne Inhalt: {figures['broken']}"
    assert not figures["emptySvgs"], f"{path}: {figures['emptySvgs']} SVG-Grafiken ohne Größe"


@pytest.mark.parametrize("path", PAGES)
def test_no_horizontal_overflow_on_phone(open_page, path):
    """At 390 px only code, tables and wide formulas scroll sideways, inside their boxes."""
    page, _ = open_page(path, width=PHONE_WIDTH, height=844)
    report = page.evaluate(OVERFLOW_REPORT)
    assert report["scrollWidth"] <= report["width"] + 1, (
        f"{path}: Seite {report['scrollWidth']} px breit bei {report['width']} px Fenster; "
        "ragt heraus:\n" + "\n".join(report["offenders"]))


def test_index_forwards_to_landing_page(open_page):
    page, log = open_page("index.html", math=False)
    page.wait_for_url("**/intro.html")
    assert not log.problems()


def test_mlp_chapter_shows_equations(open_page, screenshot_dir):
    """The backpropagation chapter has numbered equations, all rendered as math."""
    page, log = open_page(MLP_CHAPTER)
    math = page.evaluate(MATH_REPORT)
    assert math["count"] >= 5, f"nur {math['count']} Formeln im MLP-Kapitel"
    assert math["rendered"] >= math["count"]
    assert not math["raw"] and not math["dollars"]
    assert page.locator(".bd-article .math .eqno").count() >= 1, "keine nummerierte Gleichung"
    page.screenshot(path=screenshot_dir / "mlp-kapitel.png", full_page=True)
    assert not log.problems()


def test_search_finds_backpropagation(open_page):
    """Sphinx's search (local JavaScript index) works offline."""
    page, log = open_page("search.html?q=Backpropagation")
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=20_000)
    assert results.count() >= 1
    summary = page.locator("#search-results .search-summary").inner_text()
    assert "Backpropagation" in summary or results.count() >= 1
    assert not log.problems()


def test_german_interface(open_page):
    """Navigation, buttons, labels and the page description are German."""
    page, _ = open_page(MLP_CHAPTER)
    assert page.get_attribute(".bd-search input", "placeholder") == "Im Buch suchen …"
    assert page.locator('meta[name="description"]').count() == 1
    labels = page.evaluate("""() => [...document.querySelectorAll('[title], [aria-label], [placeholder]')]
        .flatMap(el => ['title', 'aria-label', 'placeholder'].map(a => el.getAttribute(a)))
        .filter(Boolean)""")
    english = [label for label in labels if ENGLISH.match(label)]
    assert not english, f"englische Beschriftungen: {sorted(set(english))}"
    # What JavaScript added after loading (copy buttons, toggle hints) is German too.
    page.wait_for_load_state("networkidle")
    live = [f for f in check_page(page.content(), MLP_CHAPTER) if "englisch" in f.rule]
    assert not live, "\n".join(map(str, live))
    for text in ("Zurück zum Anfang", "Suche"):
        assert page.get_by_text(text).count() >= 1, text


def test_screenshots_of_key_pages(open_page, screenshot_dir):
    """Landing page, a problem set, the phone view and dark mode as build artifacts."""
    shots = [("intro.html", "startseite.png", {}),
             (PROBLEM_SET, "uebungsblatt.png", {}),
             (MLP_CHAPTER, "mlp-kapitel-handy.png", {"width": PHONE_WIDTH, "height": 844}),
             (MLP_CHAPTER, "mlp-kapitel-dunkel.png", {"dark": True})]
    for path, name, options in shots:
        page, log = open_page(path, **options)
        page.screenshot(path=screenshot_dir / name, full_page=True)
        assert not log.problems(), f"{path}: {log.problems()}"
        assert (screenshot_dir / name).stat().st_size > 10_000


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_built_html_keeps_the_german_rules(html_dir, edition):
    """tools/html_check.py on each edition: German numbers in prose, glued values, outputs,
    tables and figure text; no English column headers or interface words. No exceptions."""
    folder = EDITIONS[edition]
    if not (folder / "intro.html").is_file():
        pytest.fail(f"Kein Build der Ausgabe {edition} unter {folder}.", pytrace=False)
    findings = check_build(folder)
    assert not findings, f"{len(findings)} Verstöße ({edition}):\n" + "\n".join(
        map(str, findings[:60]))
