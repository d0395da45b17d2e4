"""A page run as a notebook (make lab, Binder) looks like the page and leaves its file alone.

- jupytext.toml: opening, running and saving a page in JupyterLab keeps the .md
  byte-identical, for every page with code (simulated with jupytext's contents manager,
  as JupyterLab saves); the headers carry no YAML comments (a save would drop them);
- make lab passes options (LAB_OPTS, --allow-root as root) and registers the kernel under
  the name in the pages' headers;
- the data are found outside make: ../shared/data, a relative NN_DATA_DIR, German errors.
"""

import asyncio
import subprocess
import urllib.error
from pathlib import Path

import pytest

from codes.data import _files
from codes.data.mnist import download_problem

ROOT = Path(__file__).resolve().parents[1]


def pages_with_code():
    """Every page that runs as a notebook: its MyST header names a kernel."""
    pages = sorted(ROOT.glob("chapters/**/*.md")) + sorted(ROOT.glob("psets/*.md"))
    return [page.relative_to(ROOT).as_posix() for page in pages
            if "\nkernelspec:" in page.read_text(encoding="utf-8").split("\n---", 1)[0]]


def test_every_chapter_and_sheet_with_code_is_checked():
    assert len(pages_with_code()) >= 20
    assert "chapters/03_mlp/mnist.md" in pages_with_code()


@pytest.mark.parametrize("page", pages_with_code())
def test_running_and_saving_a_page_in_jupyterlab_leaves_it_byte_identical(tmp_path, page):
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

    (tmp_path / "jupytext.toml").write_bytes((ROOT / "jupytext.toml").read_bytes())
    original = (ROOT / page).read_bytes()
    (tmp_path / "page.md").write_bytes(original)
    manager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)(
        root_dir=str(tmp_path))

    async def open_run_save():
        notebook = (await manager.get("page.md", content=True, type="notebook"))["content"]
        # What JupyterLab adds after "run all": the kernel's spec (make lab registers it as
        # "Python 3"), language_info, outputs, execution counts and cell metadata.
        notebook["metadata"]["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                              "name": "python3"}
        notebook["metadata"]["language_info"] = {"name": "python", "version": "3.11.2"}
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                cell["execution_count"] = 1
                cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1"}]
                cell["metadata"]["execution"] = {"iopub.status.idle": "2026-12-01T10:00:00Z"}
                cell["metadata"]["scrolled"] = True
        await manager.save({"type": "notebook", "format": "json", "content": notebook}, "page.md")

    asyncio.run(open_run_save())
    assert (tmp_path / "page.md").read_bytes() == original


@pytest.mark.parametrize("page", ["chapters/03_mlp/mnist.md", "chapters/04_pytorch/architekturen.md"])
def test_saving_a_page_keeps_its_build_tolerances_and_myst_nb_settings(tmp_path, page):
    """The header's build_comparison (with its reasons under why) and mystnb survive a save."""
    import yaml
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

    (tmp_path / "jupytext.toml").write_bytes((ROOT / "jupytext.toml").read_bytes())
    original = (ROOT / page).read_text(encoding="utf-8")
    (tmp_path / "page.md").write_text(original, encoding="utf-8")
    manager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)(
        root_dir=str(tmp_path))

    async def open_save():
        notebook = (await manager.get("page.md", content=True, type="notebook"))["content"]
        await manager.save({"type": "notebook", "format": "json", "content": notebook}, "page.md")

    asyncio.run(open_save())
    header = yaml.safe_load(original.split("---")[1])
    saved = yaml.safe_load((tmp_path / "page.md").read_text(encoding="utf-8").split("---")[1])
    for key in ("build_comparison", "mystnb"):
        assert saved.get(key) == header.get(key)


def test_make_lab_registers_the_pages_kernel_name_and_passes_options():
    header = (ROOT / "chapters/02_logreg_slp/slp.md").read_text(encoding="utf-8").split("---")[1]
    assert "display_name: Python 3\n" in header
    dry = subprocess.run(["make", "--no-print-directory", "-n", "lab", "LAB_OPTS=--port 8999 --allow-root"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert '--display-name "Python 3"' in dry
    assert dry.rstrip().endswith("--port 8999 --allow-root")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "LAB_OPTS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)" in makefile


def test_relative_data_dir_is_relative_to_the_project_and_made_absolute(monkeypatch):
    monkeypatch.setenv("NN_DATA_DIR", "DATEN")
    assert _files.data_dir() == ROOT / "DATEN"
    import os
    assert os.environ["NN_DATA_DIR"] == str(ROOT / "DATEN")  # kernels inherit the absolute path
    assert _files.data_dir("/abs/ordner") == Path("/abs/ordner")


def test_shared_data_next_to_the_project_is_found_without_make(monkeypatch, tmp_path):
    monkeypatch.delenv("NN_DATA_DIR", raising=False)
    (tmp_path / "mnist").mkdir()
    monkeypatch.setattr(_files, "SHARED_DATA", tmp_path)
    assert _files.data_dir() == tmp_path
    monkeypatch.setattr(_files, "SHARED_DATA", tmp_path / "fehlt")
    assert _files.data_dir() is None
    assert _files.SHARED_DATA != ROOT  # the default is ../shared/data next to the project


@pytest.mark.parametrize("error, german", [
    (urllib.error.URLError(OSError(-3, "Temporary failure in name resolution")), "keine Verbindung"),
    (urllib.error.URLError(TimeoutError("timed out")), "Zeitüberschreitung"),
    (TimeoutError("The read operation timed out"), "Zeitüberschreitung"),
    (urllib.error.HTTPError("https://x", 404, "Not Found", {}, None), "HTTP-Status 404"),
    (ConnectionResetError(104, "Connection reset by peer"), "keine Verbindung"),
])
def test_download_problems_are_reported_in_german(error, german):
    text = download_problem(error)
    assert german in text
    for english in ("urlopen", "Temporary failure", "timed out", "Not Found", "reset by peer"):
        assert english not in text
