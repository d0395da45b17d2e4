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
  title or language that no page uses) are left out of the output;
- the interface is German: the tooltips and labels that Sphinx 7.4, sphinx-book-theme 1.3
  and pydata-sphinx-theme write in English ("Launch on Binder", "Toggle primary sidebar",
  "Link to this heading") are translated in the HTML (``GERMAN_UI``), so that readers,
  screen readers and tools/html_check.py see German;
- "mean ± sd" is held together: the spaces around a "±" in text become no-break spaces,
  so a narrow table cell on a phone never breaks after the ±.

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
# English interface strings of Sphinx and the theme -> German (attributes and button texts).
GERMAN_UI = {
    "Link to this heading": "Link zu dieser Überschrift",
    "Link to this equation": "Link zu dieser Gleichung",
    "Link to this image": "Link zu dieser Abbildung",
    "Link to this table": "Link zu dieser Tabelle",
    "Link to this code": "Link zu diesem Code",
    "Link to this definition": "Link zu dieser Definition",
    "Link to this term": "Link zu diesem Begriff",
    "Toggle primary sidebar": "Navigation ein- oder ausblenden",
    "Toggle secondary sidebar": "Inhaltsverzeichnis der Seite ein- oder ausblenden",
    "Main": "Kapitelnavigation",
    "Page": "Seite",
    "Launch interactive content": "Interaktiv ausführen",
    "Launch on Binder": "Auf Binder starten",
    "Launch on Colab": "In Colab öffnen",
    "Launch on JupyterHub": "Auf JupyterHub starten",
    "Launch on Deepnote": "Auf Deepnote starten",
    "Binder logo": "Binder-Logo",
    "Colab logo": "Colab-Logo",
    "JupyterHub logo": "JupyterHub-Logo",
    "Search this book...": "Im Buch suchen …",
    "Search": "Suche",
    "Download this page": "Diese Seite herunterladen",
    "Download source file": "Quelldatei herunterladen",
    "Download notebook file": "Notebook herunterladen",
    "Print to PDF": "Als PDF drucken",
    "Fullscreen mode": "Vollbildmodus",
    "Source repository": "Quell-Repository",
    "Copy": "Kopieren",
    "Copy to clipboard": "In die Zwischenablage kopieren",
    "Toggle hidden content": "Verborgenen Inhalt ein- oder ausblenden",
    "Click to show": "Zum Einblenden klicken",
    "Click to hide": "Zum Ausblenden klicken",
    "previous page": "vorherige Seite",
    "next page": "nächste Seite",
    "Back to top": "Zurück zum Anfang",
    "Skip to main content": "Zum Hauptinhalt springen",
}
UI_ATTRIBUTE = re.compile(
    r'(\s(?:title|aria-label|data-bs-title|data-bs-original-title|placeholder|alt)=")([^"]*)(")')
UI_TEXT = re.compile(r">(\s*)(" + "|".join(re.escape(k) for k in sorted(GERMAN_UI, key=len,
                                                                         reverse=True)
                                          if " " in k) + r")(\s*)<")
# Text between tags that is not TeX: a " ± " in it gets no-break spaces.
PLUS_MINUS = re.compile(r" ± ")
SEGMENT = re.compile(r"(<pre\b.*?</pre>|<script\b.*?</script>|<[^>]*>)", re.DOTALL)


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
    text = TABLE.sub('<table tabindex="0"', text)
    return plus_minus_together(german_interface(text))


def german_interface(text):
    """The English interface strings of ``GERMAN_UI`` in attributes and texts translated."""
    def attribute(match):
        german = GERMAN_UI.get(html.unescape(match.group(2)).strip())
        return match.group(1) + (html.escape(german) if german else match.group(2)) + match.group(3)

    text = UI_ATTRIBUTE.sub(attribute, text)
    return UI_TEXT.sub(lambda m: f">{m.group(1)}{html.escape(GERMAN_UI[m.group(2)])}{m.group(3)}<",
                       text)


def plus_minus_together(text):
    """``96,65 ± 0,30`` with no-break spaces around the ± (outside tags, code and TeX)."""
    parts = SEGMENT.split(text)
    for k in range(0, len(parts), 2):                   # even parts: text between tags
        if "±" in parts[k] and "\\(" not in parts[k] and "\\[" not in parts[k]:
            parts[k] = PLUS_MINUS.sub("\u00a0±\u00a0", parts[k])
    return "".join(parts)


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
