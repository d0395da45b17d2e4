"""The notebook edition in a real JupyterLab: a downloaded page reads like the page.

Starts JupyterLab (the project's, with jupyterlab-myst and the settings of ``make lab``)
on a temporary folder with notebooks of the built editions (``_sources/<page>.ipynb``,
tools/notebook_edition.py), opens them in Chromium without network and checks what a
reader sees in the markdown cells: glued values in German, the figures, the book's
equation numbers rendered by KaTeX, the exercise boxes with their German titles, and no
English or unrendered MyST. Screenshots (1280 px wide) go to ``artifacts/screenshots/``.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from book_html import HTML_DIR, ROOT, STUDENT_HTML_DIR

from tools.course import load_course

pytestmark = pytest.mark.browser

PAGES = {"slp": (HTML_DIR, "chapters/02_logreg_slp/slp"),
         "blatt": (HTML_DIR, "psets/blatt_03_mlp"),
         "blatt_studierende": (STUDENT_HTML_DIR, "psets/blatt_03_mlp")}
TOKEN = "notebook-ausgabe-test"
# What must not show in a rendered markdown cell.
FOREIGN = re.compile(r"Unknown Directive|\{glue|\{numref|\{eq\}|\{exercise|\{solution|\bExercise\b"
                     r"|\bSolution\b|\bNote\b|\bFigure \d|\bTable \d")


def _notebook(edition, docname):
    path = edition / "_sources" / f"{docname}.ipynb"
    if not path.is_file() or "nn_kursbuch" not in json.loads(path.read_text(encoding="utf-8"))["metadata"]:
        pytest.fail(f"{path} fehlt oder stammt nicht aus der Notebook-Ausgabe: erst `make book` "
                    "(und `make student`).", pytrace=False)
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """URL of a JupyterLab serving copies of the PAGES' notebooks (name.ipynb); shut down after."""
    folder = tmp_path_factory.mktemp("notebooks")
    for name, (edition, docname) in PAGES.items():
        shutil.copy(_notebook(edition, docname), folder / f"{name}.ipynb")
    settings = tmp_path_factory.mktemp("lab")
    overrides = json.loads((ROOT / "tools" / "lab" / "overrides.json").read_text(encoding="utf-8"))
    # Every cell rendered at once (no virtual scrolling), no news from the internet.
    overrides["@jupyterlab/notebook-extension:tracker"] = {"windowingMode": "none"}
    overrides["@jupyterlab/apputils-extension:notification"] = {"checkForUpdates": False,
                                                               "fetchNews": "false"}
    (settings / "overrides.json").write_text(json.dumps(overrides), encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).parent / "jupyter-lab"), "--no-browser",
               f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={TOKEN}",
               f"--ServerApp.root_dir={folder}", f"--LabApp.app_settings_dir={settings}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    environment = dict(os.environ, JUPYTER_RUNTIME_DIR=str(settings / "runtime"),
                       JUPYTER_CONFIG_DIR=str(settings / "config"))
    log = (settings / "lab.log").open("w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("JupyterLab startet nicht:\n"
                                + (settings / "lab.log").read_text(encoding="utf-8")[-3000:])
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab antwortet nicht innerhalb von 2 Minuten")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def open_notebook(browser, lab):
    """``open_notebook(name)`` -> page with every markdown cell rendered by jupyterlab-myst."""
    contexts = []
    host = lab.removeprefix("http://")

    def _open(name):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
        contexts.append(context)
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith(("data:", "blob:", lab, f"ws://{host}"))
                      else route.abort())
        page = context.new_page()
        page.goto(f"{lab}/lab/tree/{name}.ipynb?token={TOKEN}&reset", wait_until="load")
        notebook = nbformat.read(_notebook(*PAGES[name]), as_version=4)
        expected = sum(cell.cell_type == "markdown" for cell in notebook.cells)
        page.wait_for_function(
            """n => { const cells = [...document.querySelectorAll('.jp-MarkdownCell')];
                      return cells.length === n && cells.every(c => {
                        const r = c.querySelector('.myst');
                        return r && r.innerText.trim().length > 0; })
                      && [...document.querySelectorAll('.jp-MarkdownCell img')]
                           .every(i => i.complete); }""", arg=expected, timeout=120_000)
        return page, notebook

    yield _open
    for context in contexts:
        context.close()


def _markdown_text(page):
    return page.evaluate("() => [...document.querySelectorAll('.jp-MarkdownCell .myst')]"
                         ".map(e => e.innerText).join('\\n')")


def _screenshot(page, screenshot_dir, name):
    """The whole notebook at 1280 px width (the viewport grows to the notebook's height)."""
    height = page.evaluate("() => document.querySelector('.jp-WindowedPanel-inner').scrollHeight")
    page.set_viewport_size({"width": 1280, "height": min(max(900, height + 200), 16_000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshot_dir / f"notebook-{name}.png"))


def test_a_chapter_notebook_reads_like_its_page(open_notebook, screenshot_dir):
    page, notebook = open_notebook("slp")
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    value = re.search(r"auf den Testdaten nur\s+(\d+,\d) %", source).group(1)
    text = _markdown_text(page)
    assert f"nur {value} %" in " ".join(text.split()), "geklebter Wert fehlt"
    assert "2.2. Das Single-Layer-Perzeptron" in text
    assert re.search(r"Abb\. 2\.\d Ein Single-Layer-Perzeptron", text)
    assert re.search(r"\(2\.1\d\)", text), "Gleichungsnummer des Buches fehlt"
    assert "Bemerkung" in text
    figures = page.evaluate("""() => [...document.querySelectorAll('.jp-MarkdownCell img')]
                                     .map(i => [i.naturalWidth, i.getBoundingClientRect().width])""")
    assert len(figures) >= 2 and all(natural > 0 and shown > 100 for natural, shown in figures), figures
    assert page.locator(".jp-MarkdownCell .katex").count() >= 10, "KaTeX hat nichts gesetzt"
    assert not FOREIGN.findall(text), FOREIGN.findall(text)
    assert "Unknown Directive" not in page.evaluate("() => document.body.innerText")
    menus = page.evaluate("() => [...document.querySelectorAll('.lm-MenuBar-itemLabel')]"
                          ".map(e => e.innerText.trim())")
    assert "Datei" in menus and "Hilfe" in menus, f"JupyterLab nicht auf Deutsch: {menus}"
    _screenshot(page, screenshot_dir, "slp")


def test_a_sheet_notebook_has_german_numbered_exercises_and_folded_solutions(open_notebook,
                                                                             screenshot_dir):
    page, _ = open_notebook("blatt")
    titles = page.evaluate("() => [...document.querySelectorAll('.myst-admonition-header-text')]"
                           ".map(e => e.innerText.trim())")
    assert any(title.startswith("Aufgabe 3.1 (Softmax") for title in titles), titles
    assert any(title.startswith("Lösung zu Aufgabe 3.1") for title in titles), titles
    assert any(title.startswith("Aufgabe 3.5") for title in titles), titles
    text = _markdown_text(page)
    assert "3.6. Übungsblatt 3" in text and "(3.20)" in text
    assert page.locator(".jp-MarkdownCell .katex").count() >= 20
    assert not FOREIGN.findall(text), FOREIGN.findall(text)
    _screenshot(page, screenshot_dir, "blatt_03")


def test_the_student_sheet_notebook_has_the_exercises_without_solutions(open_notebook):
    page, _ = open_notebook("blatt_studierende")
    titles = page.evaluate("() => [...document.querySelectorAll('.myst-admonition-header-text')]"
                           ".map(e => e.innerText.trim())")
    assert any(title.startswith("Aufgabe 3.1") for title in titles), titles
    if not load_course().sheet(3).solutions_released:  # kurs.yml decides
        assert not [title for title in titles if title.startswith("Lösung")], titles
    assert "Studierendenausgabe" in _markdown_text(page)
