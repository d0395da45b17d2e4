"""Parallel pre-execution (tools/parallel_build.py) gives what a serial myst-nb build gives.

The build test builds three small pages twice on the same machine: once as
``jupyter-book build`` does it alone (myst-nb executes the notebooks one after another),
once with the notebooks executed in parallel first. The second Sphinx build must find
every page in the cache (no record changes, so myst-nb executed nothing), and every glued
value must be the same, exactly (except measured times, named ``*_seconds`` as the
pages' ``build_comparison`` front matter matches them).
"""

import fnmatch
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jupyter_cache import get_cache

from tools import parallel_build
from tools.preview import preview_toc

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["chapters/01_einfuehrung/index.md", "chapters/02_logreg_slp/logistische_regression.md",
         "chapters/03_mlp/theorie.md"]


def jupyter_book(out, toc):
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT),
               "--toc", str(toc), "--path-output", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def records(build):
    """{hashkey: (primary key, creation time)} of the cache in ``build``."""
    cache = get_cache(str(build / ".jupyter_cache"))
    return {r.hashkey: (r.pk, r.created) for r in cache.list_cache_records()}


TIMINGS = "*_seconds"  # measured times differ from run to run


def glued(build):
    """{page: {glue name: output data}} from the executed notebooks in the cache, no timings."""
    cache = get_cache(str(build / ".jupyter_cache"))
    values = {}
    for record in cache.list_cache_records():
        notebook = cache.get_cache_bundle(record.pk).nb
        page = parallel_build.docname(record.uri, ROOT)
        values[page] = {
            output["metadata"]["scrapbook"]["name"]: dict(output["data"])
            for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", [])
            if "scrapbook" in output.get("metadata", {})
            and not fnmatch.fnmatch(output["metadata"]["scrapbook"]["name"], TIMINGS)
        }
    return values


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """(serial build folder, parallel build folder, cache records before the 2nd Sphinx run)."""
    tmp = tmp_path_factory.mktemp("builds")
    toc = preview_toc(PAGES, tmp)
    serial, parallel = tmp / "serial", tmp / "parallel"
    jupyter_book(serial, toc)
    failed = parallel_build.run(ROOT, build_dir=parallel / "_build",
                                pages=[ROOT / p for p in PAGES], jobs=2, calibration=1.0,
                                quiet=True)
    assert failed == 0
    before = records(parallel / "_build")
    jupyter_book(parallel, toc)
    return serial / "_build", parallel / "_build", before


def test_sphinx_finds_every_pre_executed_page_in_the_cache(builds):
    _, parallel, before = builds
    assert len(before) == len(PAGES)
    assert records(parallel) == before  # myst-nb replaces a record when it executes


def test_glued_values_equal_those_of_a_serial_build(builds):
    serial, parallel, _ = builds
    expected, got = glued(serial), glued(parallel)
    assert set(expected) == {p.removesuffix(".md") for p in PAGES}
    assert sum(len(v) for v in expected.values()) >= 10  # the pages do glue numbers
    assert got == expected


def test_the_report_gives_wall_time_and_serial_sum(builds):
    import json

    _, parallel, _ = builds
    report = json.loads((parallel / parallel_build.REPORT_NAME).read_text(encoding="utf-8"))
    assert report["executed"] == len(PAGES) and report["failed"] == []
    assert report["jobs"] == 2
    assert report["serial_sum_seconds"] == pytest.approx(sum(report["seconds"].values()))
    assert 0 < report["wall_seconds"]


def test_a_second_run_executes_nothing(builds, capsys):
    _, parallel, before = builds
    assert parallel_build.run(ROOT, build_dir=parallel, pages=[ROOT / p for p in PAGES],
                              calibration=1.0) == 0
    assert "nichts auszuführen" in capsys.readouterr().out
    assert records(parallel) == before


def test_longest_first_and_time_left():
    expected = {"a": 100.0, "b": 60.0, "c": 50.0, "d": 10.0}
    # two processes: a then d on one (110 s), b then c on the other (110 s)
    assert parallel_build.time_left({}, ["a", "b", "c", "d"], expected, 0.0, 2) == 110.0
    # a has run 40 s: 60 s left; b waits and goes to the free process
    assert parallel_build.time_left({"a": 0.0}, ["b"], expected, 40.0, 2) == 60.0


def test_nn_jobs_caps_the_processes(monkeypatch):
    monkeypatch.setenv("NN_JOBS", "3")
    assert parallel_build.jobs_from_environment() == 3
    monkeypatch.delenv("NN_JOBS")
    assert parallel_build.jobs_from_environment() == (os.cpu_count() or 1)
    monkeypatch.setenv("NN_JOBS", "null")
    with pytest.raises(SystemExit, match="NN_JOBS"):
        parallel_build.jobs_from_environment()


def test_pages_come_from_the_toc_in_book_order():
    pages = [parallel_build.docname(p, ROOT) for p in parallel_build.toc_pages(ROOT)]
    assert pages[0] == "intro"
    assert pages.index("chapters/03_mlp/mnist") < pages.index("chapters/05_lstm/experimente")
    assert "chapters/anhang/ausfuehrungsstatistik" in pages


def test_calibration_measures_both_workloads_and_says_so(monkeypatch, tmp_path):
    from codes.data import DataError
    from tools import calibrate

    monkeypatch.setattr(calibrate, "MLP_IMAGES", 200)
    monkeypatch.setattr(calibrate, "LSTM_IMAGES", 100)
    import torch

    threads = torch.get_num_threads()
    try:
        result = calibrate.calibrate(repeats=1)
    except DataError as err:
        pytest.skip(f"MNIST fehlt: {err}")
    finally:  # the LSTM part sets one thread and flushes subnormals: undo for other tests
        torch.set_num_threads(threads)
        torch.set_flush_denormal(False)
    assert result["numpy_mlp_seconds"] > 0 and result["torch_lstm_seconds"] > 0
    assert result["seconds"] == result["numpy_mlp_seconds"] + result["torch_lstm_seconds"]
    calibrate.save(result, tmp_path)
    assert calibrate.load(tmp_path) == result
    assert parallel_build.stored_calibration(tmp_path) == result["seconds"]
    line = calibrate.describe(result)[0]
    assert line.startswith("Kalibrierung: ") and "." not in line.split(" s")[0]
