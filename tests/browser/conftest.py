"""Fixtures for the browser tests: the built book, a local web server, Chromium without network.

The tests read the HTML in ``BOOK_HTML_DIR`` (default ``_build/html``), serve it on
127.0.0.1 and open it in the system Chromium through Playwright. Every request that does
not go to that server is aborted and counts as a failure: the book must work offline.
Screenshots go to ``artifacts/screenshots/`` (``SCREENSHOT_DIR`` overrides it).
"""

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from book_html import EDITIONS, HTML_DIR, ROOT

SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "artifacts" / "screenshots"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
@pytest.fixture(scope="session")
def html_dir():
    """The built book; fails (does not skip) when there is none."""
    if not (HTML_DIR / "intro.html").is_file():
        pytest.fail(f"Kein gebautes Buch unter {HTML_DIR}: erst `make book` ausführen "
                    "(oder BOOK_HTML_DIR auf einen Build zeigen lassen).", pytrace=False)
    return HTML_DIR


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


def _serve(directory):
    """Start a web server (127.0.0.1, free port) for ``directory``; returns (url, server)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


@pytest.fixture(scope="session")
def base_url(html_dir):
    """URL of a local web server (127.0.0.1, free port) that serves the build."""
    url, server = _serve(html_dir)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def edition_urls(base_url):
    """``{edition: URL}`` for both editions; fails when the student edition is not built."""
    student = EDITIONS["studierende"]
    if not (student / "intro.html").is_file():
        pytest.fail(f"Keine Studierendenausgabe unter {student}: erst `make student` ausführen "
                    "(oder STUDENT_HTML_DIR setzen).", pytrace=False)
    url, server = _serve(student)
    yield {"lehrende": base_url, "studierende": url}
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium (never a downloaded browser build)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium fehlt unter {CHROMIUM}: `apt-get install chromium` "
                    "(oder CHROMIUM auf das Programm setzen).", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageLog:
    """What went wrong while a page loaded: console errors, failed and blocked requests."""

    def __init__(self):
        self.console_errors, self.failed_requests, self.blocked = [], [], []

    def problems(self):
        return ([f"Konsole: {m}" for m in self.console_errors]
                + [f"Anfrage fehlgeschlagen: {r}" for r in self.failed_requests]
                + [f"Externe Anfrage blockiert: {u}" for u in self.blocked])


@pytest.fixture
def open_page(browser, base_url):
    """``open_page(path, width=1280, dark=False)`` -> (page, log), network limited to the book.

    The page has loaded and MathJax has typeset it (``math=False`` skips that wait).
    ``base`` serves another build (e.g. the student edition from ``edition_urls``).
    """
    contexts = []

    def _open(path, width=1280, height=900, dark=False, math=True, base=None):
        base = base or base_url
        host = urlsplit(base).netloc
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="de-DE", color_scheme="dark" if dark else "light")
        contexts.append(context)
        log = PageLog()

        def route(route):
            url = route.request.url
            if url.startswith(("data:", "blob:", "file:")) or urlsplit(url).netloc == host:
                route.continue_()
            else:
                log.blocked.append(url)
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and log.console_errors.append(
            f"{m.text} ({m.location.get('url', '')})"))
        page.on("pageerror", lambda e: log.console_errors.append(f"JavaScript-Fehler: {e}"))
        page.on("requestfailed", lambda r: log.failed_requests.append(
            f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and log.failed_requests.append(
            f"{r.url} (HTTP {r.status})"))
        page.goto(base + path, wait_until="load")
        if math:
            wait_for_math(page)
        return page, log

    yield _open
    for context in contexts:
        context.close()


def wait_for_math(page, timeout_ms=20_000):
    """Wait until MathJax (if the page loads it) has typeset every formula."""
    if page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')"):
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=timeout_ms)
        page.evaluate("() => MathJax.startup.promise")


@pytest.fixture(scope="session")
def screenshot_dir():
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
