"""tools/a11y.py: the HTML fixes for WCAG 2.1 AA, on small pieces of theme output (no build).

The browser tests (tests/browser/test_accessibility.py) check the built pages with axe-core.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from a11y import accessible_html, is_template_fragment  # noqa: E402

TOGGLE = ('<summary><span class="toctree-toggle" role="presentation">'
          '<i class="fa-solid fa-chevron-down"></i></span></summary>')


def test_sidebar_toggles_are_named_after_their_section():
    page = (f'<li class="toctree-l1 has-children"><a class="reference internal" href="k.html">'
            f'Kapitel <code>x</code> &amp; y</a><details open="open">{TOGGLE}<ul></ul></details>'
            f'<details>{TOGGLE}</details>')
    fixed = accessible_html(page)
    assert 'aria-label="Unterseiten von „Kapitel x &amp; y“ ein- oder ausblenden"' in fixed
    assert 'aria-label="Unterseiten ein- oder ausblenden"' in fixed
    assert "<summary>" not in fixed
    assert accessible_html(fixed) == fixed


def test_other_summaries_keep_their_visible_name():
    page = ('<details><summary>Lösung zu Übung 1</summary></details>'
            '<details class="hide above-input"><summary aria-label="Toggle hidden content">'
            '<p>Code-Zelle einblenden</p></summary></details>')
    fixed = accessible_html(page)
    assert "<summary>Lösung zu Übung 1</summary>" in fixed
    assert "Toggle hidden content" not in fixed and "<summary><p>Code-Zelle" in fixed


def test_bibliography_and_tables():
    page = ('<div role="list" class="citation-list"><div class="citation" id="id1" '
            'role="doc-biblioentry"></div></div><table class="table"></table>'
            '<table id="T_1" class="dataframe"></table>')
    fixed = accessible_html(page)
    assert 'role="listitem"' in fixed and "doc-biblioentry" not in fixed
    assert fixed.count('<table tabindex="0"') == 2
    assert accessible_html(fixed) == fixed


def test_theme_fragments_are_recognised():
    assert is_template_fragment("{% macro head_pre_assets() %}\n{% endmacro %}")
    assert not is_template_fragment('<!DOCTYPE html><html lang="de"><title>x</title>')
