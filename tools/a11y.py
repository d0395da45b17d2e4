"""Sphinx extension: the HTML of the theme made accessible (WCAG 2.1 AA, checked by axe-core
in tests/browser/test_accessibility.py). Together with assets/static/a11y.css and the two
component templates in assets/templates/ it fixes what the theme gets wrong:

- the sidebar's expand buttons (``<summary>`` with only an icon) get a German name that
  names the section they open; myst-nb's hidden code cells lose their English label, so
  that their name is their visible German text ("Code-Zelle einblenden");
- the bibliography uses ``role="listitem"`` instead of the deprecated ARIA role
  ``doc-biblioentry`` (a ``role="list"`` may only hold list items);
- tables that scroll sideways (assets/static/book.css) can be reached with the keyboard
  (``tabindex="0"``);
- the theme's Jinja fragments that Sphinx copies into ``_static/`` (HTML files without
  title or language that no page uses) are left out of the output.

The changes are made to the written HTML files at the end of every build, so that they
also cover the parts of a page that the theme renders outside the page body.
"""

import html
import re
from pathlib import Path

# The sidebar's expand button: <summary> holding only the theme's chevron icon.
TOGGLE = '<summary><span class="toctree-toggle"'
SUMMARY_AFTER_LINK = re.compile(
    r'(<a class="[^"]*reference[^"]*" href="[^"]*">(?P<title>[^<]*(?:<(?!/a>)[^<]*)*)</a>\s*'
    r'<details[^>]*>\s*)' + re.escape(TOGGLE))
# myst-nb's hidden code cells: an English label that hides the visible German text.
HIDDEN_CELL = '<summary aria-label="Toggle hidden content">'
BIBLIO_ROLE = 'role="doc-biblioentry"'
TABLE = re.compile(r"<table(?![^>]*tabindex)")


def _toggle(title=None):
    """The sidebar's expand button with a German name (of the section it opens)."""
    if not title:
        return TOGGLE.replace("<summary>", '<summary aria-label="Unterseiten ein- oder ausblenden">')
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", title)).split())
    label = f"Unterseiten von „{html.escape(text)}“ ein- oder ausblenden"
    return TOGGLE.replace("<summary>", f'<summary aria-label="{label}">')


def accessible_html(text):
    """The page ``text`` with the fixes of this module applied (idempotent)."""
    text = SUMMARY_AFTER_LINK.sub(lambda m: m.group(1) + _toggle(m.group("title")), text)
    text = text.replace(TOGGLE, _toggle())
    text = text.replace(HIDDEN_CELL, "<summary>")
    text = text.replace(BIBLIO_ROLE, 'role="listitem"')
    return TABLE.sub('<table tabindex="0"', text)


def is_template_fragment(text):
    """A Jinja template that a theme ships in its static folder, not a page."""
    return "{% macro" in text or "{%- macro" in text


def _fix_output(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for path in Path(app.outdir).rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if is_template_fragment(text):
            path.unlink()
            continue
        fixed = accessible_html(text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")


def setup(app):
    app.connect("build-finished", _fix_output)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
