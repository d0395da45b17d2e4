"""The phone (390 px): no formula, box or table is cut off, and text in figures stays legible.

A wide display formula or table may scroll inside its own box (book.css shows a shadow at
the edge that can be scrolled; on a phone also on figures, tables, boxes, code and inline
formulas), but nothing may disappear behind an edge that does not scroll. Text in a figure is at least 9 CSS px high on the screen: its font size in the SVG
(matplotlib keeps the size of every text, tools/html_check.svg_font_sizes) times the scale
at which the browser shows the figure. Run after the build: ``make browser-test``.
"""

import io

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


# A page whose figures are wider than the phone's column (they scroll in their box).
WIDE_FIGURE_PAGE = "chapters/04_pytorch/experimente.html"

# The first figure box of the page that scrolls sideways (else the first one), marked for
# the locator, with the computed styles of the scroll cue.
FIGURE_BOX = """() => {
  const figures = [...document.querySelectorAll('.bd-article figure')];
  const box = figures.find(f => f.scrollWidth > f.clientWidth + 1) || figures[0];
  if (!box) return null;
  box.setAttribute('data-scroll-cue-test', '');
  const style = getComputedStyle(box), img = box.querySelector('img');
  return {scrolls: box.scrollWidth > box.clientWidth + 1, label: box.id || box.className,
          image: style.backgroundImage, attachment: style.backgroundAttachment,
          page: getComputedStyle(document.body).backgroundColor,
          blend: img ? getComputedStyle(img).mixBlendMode : null};
}"""


def edge_shade(page, selector, cue):
    """Mean brightness (0-255) of the outer 8 px at the left and right edge of the box
    ``selector`` as shown now, with (``cue``) or without its background (the cue)."""
    from PIL import Image

    page.evaluate("([s, cue]) => { document.querySelector(s).style.backgroundImage ="
                  " cue ? '' : 'none'; }", [selector, cue])
    shot = Image.open(io.BytesIO(page.locator(selector).screenshot())).convert("L")
    width, height = shot.size
    rows = range(0, max(1, height - 20))          # without a horizontal scrollbar

    def mean(columns):
        values = [shot.getpixel((x, y)) for x in columns for y in rows]
        return sum(values) / len(values)

    return mean(range(1, 9)), mean(range(width - 9, width - 1))


@pytest.mark.parametrize("dark", [False, True], ids=["hell", "dunkel"])
def test_wide_figure_shows_scroll_shadow_on_phone(open_page, dark):
    """A figure box that scrolls sideways at 390 px has the scroll shadows: gradients with
    covers that move with the content (local) over shadows at the edges (scroll); the
    covers have the colour of the page, in light and in dark mode."""
    page, _ = open_page(WIDE_FIGURE_PAGE, width=PHONE_WIDTH, height=844, dark=dark)
    box = page.evaluate(FIGURE_BOX)
    assert box and box["scrolls"], (
        f"{WIDE_FIGURE_PAGE}: keine Abbildung scrollt bei {PHONE_WIDTH} px; "
        "WIDE_FIGURE_PAGE auf eine Seite mit breiten Abbildungen setzen")
    assert "gradient" in box["image"] and "local" in box["attachment"] \
        and "scroll" in box["attachment"], box
    assert box["image"].startswith(f"linear-gradient(to right, {box['page']}"), box
    assert box["blend"] == ("normal" if dark else "multiply"), box


def test_scroll_shadow_marks_the_edge_with_hidden_content(open_page):
    """On the screen (light mode): at the start the shadow darkens only the right edge of
    the figure, scrolled to the end only the left edge."""
    page, _ = open_page(WIDE_FIGURE_PAGE, width=PHONE_WIDTH, height=844)
    assert page.evaluate(FIGURE_BOX)["scrolls"]
    selector = "[data-scroll-cue-test]"
    for position, shaded in (("0", "rechts"), ("1e6", "links")):
        page.evaluate(f"(s) => {{ document.querySelector(s).scrollLeft = {position}; }}",
                      selector)
        (left, right), (plain_left, plain_right) = (edge_shade(page, selector, cue)
                                                    for cue in (True, False))
        darker = {"links": plain_left - left, "rechts": plain_right - right}
        other = "links" if shaded == "rechts" else "rechts"
        assert darker[shaded] > 3 and abs(darker[other]) < 1, (
            f"scrollLeft={position}: Schatten {shaded} erwartet, Abdunklung {darker}")


def test_no_scroll_shadow_on_wide_screen(open_page):
    """At 1280 px the figure boxes stay as they were: no background, no blending."""
    page, _ = open_page(WIDE_FIGURE_PAGE, width=1280)
    box = page.evaluate(FIGURE_BOX)
    assert box and not box["scrolls"], box
    assert box["image"] == "none" and box["attachment"] == "scroll", box
    assert box["blend"] == "normal", box
