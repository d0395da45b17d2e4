"""The phone (390 px): no formula, box or table is cut off, and text in figures stays legible.

A wide display formula or table may scroll inside its own box (book.css shows a shadow at
the edge that can be scrolled), but nothing may disappear behind an edge that does not
scroll. Text in a figure is at least 9 CSS px high on the screen: its font size in the SVG
(matplotlib keeps the size of every text, tools/html_check.svg_font_sizes) times the scale
at which the browser shows the figure. Run after the build: ``make browser-test``.
"""

import pytest
from book_html import HTML_DIR, book_pages

from tools.html_check import svg_font_sizes

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390
MIN_FIGURE_TEXT_PX = 9.0
PAGES = book_pages() or ["(kein Build)"]

# Formulas, tables, boxes, figures and outputs whose right or left edge lies beyond an
# ancestor that cuts off (overflow hidden/clip) before any ancestor that scrolls.
CLIPPED_REPORT = """() => {
  const article = document.querySelector('.bd-article');
  if (!article) return [];
  const selector = 'mjx-container, div.math, table, .admonition, figure, img, svg, pre, .cell_output';
  const found = [];
  for (const el of article.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    const own = getComputedStyle(el);
    if (['hidden', 'clip'].includes(own.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      found.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')}: Inhalt ${el.scrollWidth} px in ${el.clientWidth} px abgeschnitten`);
      continue;
    }
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll'].includes(s.overflowX)) break;          // scrolls: reachable
      if (['hidden', 'clip'].includes(s.overflowX)) {
        const pr = p.getBoundingClientRect();
        if (r.right > pr.right + 1 || r.left < pr.left - 1) {
          found.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} in ` +
                     `${p.tagName.toLowerCase()}.${[...p.classList].join('.')}: ` +
                     `${Math.round(r.left)}–${Math.round(r.right)} px, sichtbar ${Math.round(pr.left)}–${Math.round(pr.right)} px: ` +
                     (el.textContent || el.getAttribute('alt') || '').trim().slice(0, 50));
        }
        break;
      }
    }
  }
  return found.slice(0, 15);
}"""

# Every SVG figure: its source and the width at which it is shown.
FIGURES = """async () => {
  const images = [...document.querySelectorAll('.bd-article img')]
      .filter(img => (img.getAttribute('src') || '').split('#')[0].endsWith('.svg'));
  for (const img of images) { img.loading = 'eager'; }
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  return images.map(img => [img.getAttribute('src'), img.getBoundingClientRect().width]);
}"""


def small_figure_text(html_dir, path, figures):
    """``[message]`` for every figure text below MIN_FIGURE_TEXT_PX at its shown width."""
    problems = []
    for src, shown in figures:
        svg = (html_dir / path).parent / src.split("#")[0]
        if not svg.is_file() or not shown:
            continue
        width, sizes = svg_font_sizes(svg.read_text(encoding="utf-8"))
        if not width or not sizes:
            continue
        scale = shown / width
        small = sorted({(round(size * scale, 1), text) for text, size in sizes
                        if size * scale < MIN_FIGURE_TEXT_PX})
        if small:
            sample = ", ".join(f"„{text}“ {px} px" for px, text in small[:4])
            problems.append(f"{src}: {len(small)} Texte unter {MIN_FIGURE_TEXT_PX:g} px "
                            f"(Bild {shown:.0f} px breit): {sample}")
    return problems


@pytest.mark.parametrize("path", PAGES)
def test_nothing_clipped_and_figure_text_legible_on_phone(open_page, html_dir, path):
    page, _ = open_page(path, width=PHONE_WIDTH, height=844)
    clipped = page.evaluate(CLIPPED_REPORT)
    small = small_figure_text(html_dir, path, page.evaluate(FIGURES))
    assert not clipped and not small, f"{path} bei {PHONE_WIDTH} px:\n" + "\n".join(
        [f"abgeschnitten: {c}" for c in clipped] + [f"zu kleine Schrift: {s}" for s in small])


def test_small_figure_text_is_found(tmp_path):
    """The measurement itself: a 6-pt text in a figure shown at its own width fails."""
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from codes.plotting import use_book_style

    use_book_style()
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "winzig", fontsize=6)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    (tmp_path / "fig.svg").write_text(buffer.getvalue(), encoding="utf-8")
    width, _ = svg_font_sizes(buffer.getvalue())
    assert small_figure_text(tmp_path, "page.html", [("fig.svg", width)])[0].count("winzig") == 1
    assert small_figure_text(tmp_path, "page.html", [("fig.svg", 2 * width)]) == []
    assert HTML_DIR.name == "html"
