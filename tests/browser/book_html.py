"""Where the built book is and which of its files are pages (shared by the browser tests)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HTML_DIR = Path(os.environ.get("BOOK_HTML_DIR", ROOT / "_build" / "html")).resolve()
# The student edition (make student); the accessibility checks cover both editions.
STUDENT_HTML_DIR = Path(os.environ.get("STUDENT_HTML_DIR",
                                       ROOT / "_build_student" / "html")).resolve()
EDITIONS = {"lehrende": HTML_DIR, "studierende": STUDENT_HTML_DIR}
# Folders of the build that hold assets, not pages.
NOT_PAGES = {"_static", "_sources", "_images", "_downloads", "jupyter_execute", "reports"}


def book_pages(html_dir=HTML_DIR):
    """Every HTML page of the build (relative POSIX paths, sorted), without asset folders
    and without redirect stubs (index.html only forwards to intro.html)."""
    if not html_dir.is_dir():
        return []
    return sorted(
        path.relative_to(html_dir).as_posix()
        for path in html_dir.rglob("*.html")
        if not NOT_PAGES.intersection(path.relative_to(html_dir).parts[:-1])
        and not is_redirect(path)
    )


def is_redirect(path):
    """A page that only forwards the browser elsewhere (``<meta http-equiv="refresh">``)."""
    head = path.read_text(encoding="utf-8", errors="replace")[:1000].lower()
    return 'http-equiv="refresh"' in head


def served_html_files(html_dir=HTML_DIR):
    """Every HTML file a browser can open in the build, asset folders included (a theme
    fragment left in _static/ is reachable too), without redirect stubs."""
    if not html_dir.is_dir():
        return []
    return sorted(path.relative_to(html_dir).as_posix() for path in html_dir.rglob("*.html")
                  if not is_redirect(path))
