"""Static checks of the built HTML: internal links and anchors, downloads, nothing external.

Marked ``browser`` because they need the build; they parse the files and start no browser.
"""

import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from book_html import book_pages

pytestmark = pytest.mark.browser

EXTERNAL_SCHEMES = {"http", "https", "mailto", "javascript", "data", "tel"}
SOURCE_ROOT = Path(__file__).resolve().parents[2]


class _Page(HTMLParser):
    """Collects ids, links and the URLs of resources that a page loads."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.loads = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href") is not None:
            self.links.append(attrs["href"])
        if tag in ("script", "img", "iframe", "source") and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "link" and attrs.get("href") and attrs.get("rel") in (
                "stylesheet", "preload", "icon", "shortcut icon", "modulepreload"):
            self.loads.append(attrs["href"])


def _parse(path, cache={}):  # noqa: B006 - a deliberate per-run cache of parsed pages
    if path not in cache:
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        cache[path] = page
    return cache[path]


def _internal_target(html_dir, page_path, href):
    """(file, fragment) an internal href points to, or None for an external one."""
    parts = urlsplit(href)
    if parts.scheme in EXTERNAL_SCHEMES or parts.netloc:
        return None
    if parts.scheme:
        raise AssertionError(f"unbekanntes Schema in {href!r}")
    path = unquote(parts.path)
    if not path:
        return page_path, unquote(parts.fragment)
    target = (page_path.parent / path).resolve()
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def test_internal_links_and_anchors_resolve(html_dir):
    """Every relative link of every page points to an existing file and, with #anchor, id."""
    broken = []
    for name in book_pages(html_dir) + ["index.html"]:
        path = html_dir / name
        for href in _parse(path).links:
            target = _internal_target(html_dir, path, href)
            if target is None:
                continue
            file, fragment = target
            if not file.is_file():
                broken.append(f"{name}: {href} (Datei fehlt)")
            elif not file.is_relative_to(html_dir):
                broken.append(f"{name}: {href} (außerhalb des Builds)")
            elif fragment and file.suffix == ".html" and fragment not in _parse(file).ids:
                broken.append(f"{name}: {href} (Anker fehlt)")
    assert not broken, f"{len(broken)} kaputte interne Links:\n" + "\n".join(broken[:40])


def test_pages_load_nothing_from_the_network(html_dir):
    """Scripts, styles, fonts, icons and images all come from the build itself."""
    external = [f"{name}: {url}" for name in book_pages(html_dir)
                for url in _parse(html_dir / name).loads
                if urlsplit(url).scheme in ("http", "https") or url.startswith("//")]
    assert not external, "\n".join(external[:20])
    mathjax = html_dir / "_static" / "mathjax" / "tex-svg-full.js"
    assert mathjax.is_file() and mathjax.stat().st_size > 1_000_000


def _notebook_pages(html_dir):
    """Pages built from MyST notebooks (their source in the build has a kernelspec)."""
    pages = []
    for name in book_pages(html_dir):
        source = html_dir / "_sources" / Path(name).with_suffix(".md")
        if source.is_file() and "kernelspec:" in source.read_text(encoding="utf-8")[:1000]:
            pages.append(name)
    return pages


def test_notebook_pages_offer_downloads_and_launch_buttons(html_dir):
    """Each executed page offers its .md source, the executed .ipynb and a Binder button."""
    pages = _notebook_pages(html_dir)
    assert pages, "keine Notebook-Seiten im Build"
    missing = []
    for name in pages:
        links = _parse(html_dir / name).links
        stem = Path(name).with_suffix("").as_posix()
        for suffix in (".md", ".ipynb"):
            if not any(link.endswith(f"_sources/{stem}{suffix}") for link in links):
                missing.append(f"{name}: Download {suffix}")
        notebook = html_dir / "_sources" / f"{stem}.ipynb"
        if not notebook.is_file() or b'"outputs"' not in notebook.read_bytes():
            missing.append(f"{name}: ausgeführtes Notebook {notebook.name} fehlt")
        if not any("mybinder.org" in link for link in links):
            missing.append(f"{name}: Startknopf mybinder.org")
    assert not missing, "\n".join(missing)


def test_codes_zip_is_built_and_linked(html_dir):
    """The build holds the zip of codes/, and the landing page and the appendix link to it."""
    archive = html_dir / "nn-kursbuch-code.zip"
    assert archive.is_file(), "nn-kursbuch-code.zip fehlt im Build"
    with zipfile.ZipFile(archive) as zipped:
        names = {name.removeprefix("nn-kursbuch-code/") for name in zipped.namelist()}
        assert zipped.testzip() is None
        assert all(name.startswith("nn-kursbuch-code/") for name in zipped.namelist())
    assert {"codes/__init__.py", "requirements.txt", "pyproject.toml", "LIESMICH.txt"} <= names
    # Every module that existed when the build wrote the zip is in it.
    written = archive.stat().st_mtime
    expected = {p.relative_to(SOURCE_ROOT).as_posix() for p in (SOURCE_ROOT / "codes").rglob("*.py")
                if "__pycache__" not in p.parts and p.stat().st_mtime < written}
    assert expected <= names, f"fehlt im Zip: {sorted(expected - names)}"
    appendix = _parse(html_dir / "chapters" / "anhang" / "ausfuehrungsstatistik.html")
    assert "../../nn-kursbuch-code.zip" in appendix.links
    assert "nn-kursbuch-code.zip" in _parse(html_dir / "intro.html").links, (
        "Die Startseite (intro.md) verlinkt das Code-Archiv nicht: {codes-zip}`...` einfügen.")


@pytest.mark.parametrize("landing", ["intro.html", "psets/index.html"])
def test_landing_pages_of_both_editions_link_only_what_exists(landing):
    """The PDFs (make pdf, make sheets), the zip and the notebooks the landing pages offer
    are all there, in the instructor and in the student edition."""
    from book_html import EDITIONS

    broken = []
    for edition, html_dir in EDITIONS.items():
        page = html_dir / landing
        if not page.is_file():
            pytest.fail(f"{page} fehlt: make book und make student zuerst.", pytrace=False)
        for href in _parse(page).links:
            target = _internal_target(html_dir, page, href)
            if target and not target[0].is_file():
                broken.append(f"{edition}/{landing}: {href}")
    assert not broken, "Die Startseiten verlinken, was es nicht gibt (make pdf, make sheets?):\n" \
        + "\n".join(broken)
