"""WCAG 2.1 A and AA: every HTML file of both editions, in light and in dark mode, has no
axe-core violation.

axe-core comes bundled with the pinned PyPI package axe-playwright-python; it runs in the
system Chromium (conftest.py). The pages are found by crawling the builds, so new pages
are checked without a list to maintain. Run after ``make book`` and ``make student``.
"""

import functools
from pathlib import Path

import pytest
from book_html import EDITIONS, served_html_files

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Every rule with one of the tags, the experimental ones included (axe runs those only when
# named, e.g. label-content-name-mismatch for WCAG 2.5.3).
RUN_AXE = """async (tags) => {
  const rules = axe.getRules(tags).map(rule => rule.ruleId);
  const result = await axe.run(document, {runOnly: {type: 'rule', values: rules},
                                          resultTypes: ['violations']});
  return {rules: rules.length, violations: result.violations};
}"""
# Without builds the list is empty; the placeholder lets the fixtures fail with their
# message instead of pytest skipping an empty parametrisation.
CASES = [(edition, path) for edition, folder in EDITIONS.items()
         for path in served_html_files(folder)] or [("lehrende", "(kein Build)")]


@functools.cache
def _bundled_axe():
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def _violations(page):
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(_bundled_axe())
    result = page.evaluate(RUN_AXE, WCAG_TAGS)
    assert result["rules"] > 50, f"axe-core kennt nur {result['rules']} WCAG-Regeln"
    return result["violations"]


def _report(violations, mode):
    """One line per rule and up to three elements with axe's reason (e.g. the contrast)."""
    lines = []
    for rule in violations:
        lines.append(f"[{mode}] {rule['id']} ({rule.get('impact')}): {rule['help']}, "
                     f"{len(rule['nodes'])} Stelle(n)")
        for node in rule["nodes"][:3]:
            reason = " ".join(node.get("failureSummary", "").split())[:200]
            lines.append(f"    {' '.join(map(str, node['target']))}: {reason}")
    return lines


def _set_dark(page):
    """Switch the loaded page to dark mode as a reader's system setting would."""
    page.emulate_media(color_scheme="dark")
    page.evaluate("""() => { document.documentElement.dataset.mode = 'dark';
                             document.documentElement.dataset.theme = 'dark'; }""")
    page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
    # Colours change with CSS transitions; axe must see the final ones.
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")


@pytest.mark.parametrize(("edition", "path"), CASES, ids=[f"{e}:{p}" for e, p in CASES])
def test_page_meets_wcag_21_aa_in_light_and_dark_mode(open_page, edition_urls, edition, path):
    page, _ = open_page(path, base=edition_urls[edition])
    problems = _report(_violations(page), "hell")
    _set_dark(page)
    problems += _report(_violations(page), "dunkel")
    assert not problems, f"{edition} {path}: WCAG-2.1-AA-Verstöße (axe-core):\n" + "\n".join(problems)


BAD_PAGE = """<!DOCTYPE html><html><head><title>x</title></head><body><main>
<details><summary><i class="icon"></i></summary>Text</details>
<p style="color:#777;background:#888">zu wenig Kontrast</p>
<button aria-label="Farbe">Suche</button></main></body></html>"""


def test_axe_reports_what_the_book_fixed(browser):
    """The check itself works: a page with the theme's old faults fails with their rule ids."""
    page = browser.new_page()
    page.set_content(BAD_PAGE)
    found = {rule["id"] for rule in _violations(page)}
    page.close()
    assert {"summary-name", "color-contrast", "label-content-name-mismatch",
            "html-has-lang"} <= found, found
