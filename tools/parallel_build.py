"""Execute the book's notebooks in parallel into the execution cache, before Sphinx runs.

    python -m tools.parallel_build                 # the book at . into _build/.jupyter_cache
    NN_JOBS=2 python -m tools.parallel_build       # at most 2 notebooks at a time

``jupyter-book build`` (myst-nb, ``execute_notebooks: cache``) executes every notebook
whose code is not in the cache, one after another. This step fills the same cache first,
one process per core, each notebook on one thread, the longest notebooks first; the
build afterwards finds every page in the cache and executes nothing.

A notebook is read exactly as myst-nb reads it (``myst_nb.core.read``), executed exactly
as myst-nb executes it (``jupyter_cache``'s ``single_nb_execution`` in the page's folder,
with the timeout and ``allow_errors`` of ``_config.yml`` and the page's ``mystnb`` front
matter) and cached under the same key (jupyter-cache hashes the code cells and the
kernelspec), so the outputs are the ones a serial build gives (tests/test_parallel_build.py).

Order: the last known run time of a page (an older entry of the cache), else its budget
(tools/exec_budgets.py) times the calibration (tools/calibrate.py), longest first.
While it runs it prints which notebooks run, which are done, the time so far and an
estimate of the time left. At the end it writes ``parallel_build.json`` into the build
folder (wall time, serial sum, number of processes) for tools/exec_report.py; the
calibration ``calibration.json`` lies next to the cache (measured when something runs
and none is there yet).
"""

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REPORT_NAME = "parallel_build.json"
PROGRESS_EVERY = 30.0  # seconds between progress lines while nothing finishes
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# ---------------------------------------------------------------- configuration and pages

def book_config(root):
    """The ``execute`` settings of ``root``/_config.yml that matter for execution."""
    config = yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8")) or {}
    execute = config.get("execute") or {}
    mode = execute.get("execute_notebooks", "auto")
    return {
        "mode": "off" if mode is False else mode,
        "cache": execute.get("cache") or "",
        "timeout": execute.get("timeout", 30),
        "allow_errors": bool(execute.get("allow_errors", False)),
        "exclude": list(execute.get("exclude_patterns") or []),
        "in_temp": bool(execute.get("run_in_temp", False)),
    }


def toc_pages(root, toc=None):
    """Source files of the pages in the table of contents (root first, in book order)."""
    root = Path(root)
    data = yaml.safe_load(Path(toc or root / "_toc.yml").read_text(encoding="utf-8"))
    names = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                names.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    names.append(data["root"])
    walk({key: value for key, value in data.items() if key != "root"})
    pages = []
    for name in dict.fromkeys(names):
        for suffix in ("", ".md", ".ipynb"):
            path = root / f"{name}{suffix}"
            if path.is_file() and path.suffix in (".md", ".ipynb"):
                pages.append(path)
                break
    return pages


def docname(path, root):
    """``chapters/03_mlp/mnist`` for ``root``/chapters/03_mlp/mnist.md."""
    return Path(path).resolve().relative_to(Path(root).resolve()).with_suffix("").as_posix()


def read_notebook(path):
    """The notebook of ``path`` as myst-nb reads it, or None for a page without code."""
    import nbformat
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    text = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix == ".ipynb":
        return nbformat.reads(text, as_version=4)
    if not is_myst_markdown_notebook(text):
        return None
    # The Markdown settings shape only the Markdown cells; the cache key is made of the
    # code cells and the kernelspec, which do not depend on them.
    return read_myst_markdown_notebook(text, config=MdParserConfig(), add_source_map=True,
                                       path=str(path))


def page_settings(notebook, config):
    """Execution mode, timeout and allow_errors after the page's ``mystnb`` front matter."""
    overrides = notebook.metadata.get("mystnb", {}) or {}
    return (overrides.get("execution_mode", config["mode"]),
            overrides.get("execution_timeout", config["timeout"]),
            overrides.get("execution_allow_errors", config["allow_errors"]))


def cache_dir_of(root, config, build_dir=None):
    """Where myst-nb keeps the cache: ``execute.cache`` or BUILD/.jupyter_cache."""
    if config["cache"]:
        path = Path(config["cache"])
        return path if path.is_absolute() else Path(root) / path
    return Path(build_dir or Path(root) / "_build") / ".jupyter_cache"


# ---------------------------------------------------------------- execution in a worker

def execute_page(path, timeout, allow_errors, kernel_log=None):
    """Execute one notebook (in a worker process); returns (notebook dict, seconds, error).

    ``kernel_log``: a file for what the kernels write to stderr (their start-up warnings),
    so that the progress lines stay readable; the cells' own output is in the notebook.
    """
    from jupyter_cache.executors.utils import single_nb_execution

    os.environ.update(ONE_THREAD)  # the kernel inherits this process's environment
    if kernel_log:
        with open(kernel_log, "a", encoding="utf-8") as log:
            os.dup2(log.fileno(), 2)
    notebook = read_notebook(path)
    result = single_nb_execution(notebook, cwd=str(Path(path).parent), timeout=timeout,
                                 allow_errors=allow_errors, meta_override=True)
    return dict(result.nb), result.time, result.exc_string


# ---------------------------------------------------------------- planning

def plan(root, cache, pages, config):
    """Split ``pages`` into (to run, already cached); each to run as (path, timeout, allow_errors)."""
    todo, cached = [], []
    for path in pages:
        if any(fnmatch.fnmatch(str(path), pattern) or fnmatch.fnmatch(docname(path, root), pattern)
               for pattern in config["exclude"]):
            continue
        notebook = read_notebook(path)
        if notebook is None:
            continue
        mode, timeout, allow_errors = page_settings(notebook, config)
        if mode != "cache":
            continue  # myst-nb runs "force" pages itself and never runs "off" pages
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            todo.append((path, timeout, allow_errors))
        else:
            cached.append(path)
    return todo, cached


def last_known_seconds(cache):
    """{absolute path: execution seconds of its newest cache record} (also outdated ones)."""
    newest = {}
    for record in cache.list_cache_records():
        seconds = (record.data or {}).get("execution_seconds")
        if seconds is None:
            continue
        uri = str(Path(record.uri).resolve())
        if uri not in newest or record.created > newest[uri][0]:
            newest[uri] = (record.created, seconds)
    return {uri: seconds for uri, (_, seconds) in newest.items()}


def expected_seconds(paths, root, cache, calibration):
    """The expected run time of each page: last known time, else budget × calibration."""
    from tools.exec_budgets import expected_multiple

    known = last_known_seconds(cache)
    return {path: known.get(str(Path(path).resolve()),
                            expected_multiple(docname(path, root)) * calibration)
            for path in paths}


def jobs_from_environment():
    """Number of processes: NN_JOBS if set, else the number of cores."""
    value = os.environ.get("NN_JOBS", "").strip()
    if not value:
        return os.cpu_count() or 1
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        sys.exit(f"FEHLER: NN_JOBS={value!r} ist keine positive ganze Zahl. "
                 "Setzen Sie z. B. NN_JOBS=2 oder lassen Sie die Variable weg (alle Kerne).")
    return jobs


# ---------------------------------------------------------------- progress

def german(value, spec=".2f"):
    """A number with a decimal comma (0.55 -> "0,55")."""
    return format(value, spec).replace(".", ",")


def minutes(seconds):
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def time_left(running, waiting, expected, now, jobs):
    """Estimated seconds until the last notebook is done (list scheduling, longest first)."""
    slots = sorted(max(expected[p] - (now - started), 1.0) for p, started in running.items())
    slots += [0.0] * (jobs - len(slots))
    for path in waiting:  # each next notebook goes to the process that is free first
        slots.sort()
        slots[0] += expected[path]
    return max(slots, default=0.0)


# ---------------------------------------------------------------- the run

def run(root=ROOT, build_dir=None, pages=None, jobs=None, calibration=None, quiet=False):
    """Execute every uncached notebook of the book at ``root`` in parallel into its cache.

    Returns the number of notebooks that failed (0: the build will execute nothing).
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    root = Path(root).resolve()
    config = book_config(root)
    build_dir = Path(build_dir or root / "_build")
    say = (lambda *a: None) if quiet else (lambda line: print(line, flush=True))
    if config["mode"] != "cache":
        say(f"Parallele Ausführung übersprungen: execute_notebooks ist {config['mode']!r}, "
            "nicht 'cache'.")
        return 0
    if config["in_temp"]:
        sys.exit("FEHLER: execute.run_in_temp ist gesetzt; tools/parallel_build.py führt "
                 "die Notebooks wie myst-nb im Ordner der Seite aus. Entfernen Sie die Option.")
    cache_dir = cache_dir_of(root, config, build_dir)
    calibration_dir = cache_dir.parent  # the execution table reads it next to the cache
    calibration_dir.mkdir(parents=True, exist_ok=True)
    cache = get_cache(str(cache_dir))
    pages = [Path(p).resolve() for p in pages] if pages else toc_pages(root)
    todo, cached = plan(root, cache, pages, config)
    jobs = min(jobs or jobs_from_environment(), max(len(todo), 1))
    if not todo:
        say(f"Im Ausführungs-Cache: {len(cached)} von {len(cached)} Notebooks; nichts auszuführen.")
        return 0
    if calibration is None:  # measured once per build folder (make book-fresh: anew)
        calibration = stored_calibration(calibration_dir)
        if calibration:
            say(f"Kalibrierung aus {calibration_dir / 'calibration.json'}: {german(calibration)} s")
        else:
            calibration = measure_calibration(calibration_dir, say)
    paths = [path for path, _, _ in todo]
    expected = expected_seconds(paths, root, cache, calibration)
    todo.sort(key=lambda item: expected[item[0]], reverse=True)  # longest first
    name = {path: docname(path, root) for path in paths}
    total = len(todo)
    say(f"Führe {total} Notebooks aus ({len(cached)} im Cache), {jobs} Prozesse zu je einem "
        f"Thread, die längsten zuerst; geschätzt {minutes(time_left({}, paths, expected, 0, jobs))} "
        "min (aus Kalibrierung und letzten Laufzeiten).")

    kernel_log = build_dir / "reports" / "kernels.log"
    kernel_log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    waiting = list(todo)
    running = {}   # future -> (path, started)
    seconds, failed = {}, []
    last_line = start
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        while waiting or running:
            while waiting and len(running) < jobs:
                path, timeout, allow_errors = waiting.pop(0)
                running[pool.submit(execute_page, str(path), timeout, allow_errors,
                                    str(kernel_log))] = (path, time.perf_counter())
                say(f"[{minutes(time.perf_counter() - start)}] ▶ startet: {name[path]}")
            done, _ = wait(running, timeout=PROGRESS_EVERY, return_when=FIRST_COMPLETED)
            for future in done:
                path, started = running.pop(future)
                try:
                    notebook, spent, error = future.result()
                except Exception as err:  # the worker itself failed (not a cell)
                    notebook, spent, error = None, time.perf_counter() - started, repr(err)
                seconds[path] = spent
                if error:
                    failed.append(path)
                    report = build_dir / "reports" / f"{name[path]}.err.log"
                    report.parent.mkdir(parents=True, exist_ok=True)
                    report.write_text(error, encoding="utf-8")
                    say(f"[{minutes(time.perf_counter() - start)}] ✗ FEHLER in {name[path]} "
                        f"nach {spent:.0f} s; Traceback in {report}")
                    continue
                import nbformat

                cache.cache_notebook_bundle(
                    CacheBundleIn(nbformat.from_dict(notebook), str(path),
                                  data={"execution_seconds": spent}),
                    check_validity=False, overwrite=True)
                say(f"[{minutes(time.perf_counter() - start)}] ✓ fertig:  {name[path]} "
                    f"({spent:.0f} s = {german(spent / calibration, '.0f')} × Kalibrierung)")
            now = time.perf_counter()
            if running and (done or now - last_line >= PROGRESS_EVERY):
                last_line = now
                active = ", ".join(f"{name[p]} ({minutes(now - t)})" for p, t in running.values())
                left = time_left({p: t for p, t in running.values()},
                                 [p for p, _, _ in waiting], expected, now, jobs)
                say(f"[{minutes(now - start)}] {len(seconds)}/{total} fertig; läuft: {active}; "
                    f"Rest geschätzt {minutes(left)} min")
    wall = time.perf_counter() - start
    summary = {"jobs": jobs, "cores": os.cpu_count(), "executed": len(seconds),
               "failed": [name[p] for p in failed], "wall_seconds": wall,
               "serial_sum_seconds": sum(seconds.values()), "calibration_seconds": calibration,
               "seconds": {name[p]: s for p, s in seconds.items()}}
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / REPORT_NAME).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    ratio = wall / summary["serial_sum_seconds"] if summary["serial_sum_seconds"] else 0.0
    say(f"Ausführung fertig: {len(seconds)} Notebooks in {wall:.0f} s Wandzeit; Summe der "
        f"Laufzeiten {summary['serial_sum_seconds']:.0f} s (Wandzeit/Summe {german(ratio)}, "
        f"{jobs} Prozesse).")
    if failed:
        say(f"FEHLER: {len(failed)} Notebook(s) liefen nicht durch: "
            + ", ".join(name[p] for p in failed)
            + f". Die Tracebacks stehen in {build_dir / 'reports'}.")
    return len(failed)


def measure_calibration(build_dir, say=print):
    """Run tools/calibrate.py in a fresh process (one thread); store and return its seconds."""
    from tools import calibrate

    say("Kalibrierung (Referenzlauf: tools/calibrate.py) ...")
    target = Path(build_dir) / calibrate.FILE_NAME
    subprocess.run([sys.executable, "-m", "tools.calibrate", "--json", str(target)],
                   cwd=ROOT, check=True, env={**os.environ, **ONE_THREAD})
    return calibrate.load(build_dir)["seconds"]


def stored_calibration(build_dir):
    """The calibration seconds stored in ``build_dir`` by an earlier run, or None."""
    from tools import calibrate

    stored = calibrate.load(build_dir)
    return stored["seconds"] if stored else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(ROOT), help="book folder (with _config.yml)")
    parser.add_argument("--build", default=None, help="build folder (default: ROOT/_build)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="processes (default: NN_JOBS, else the number of cores)")
    parser.add_argument("pages", nargs="*", help="only these pages (default: the whole TOC)")
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        parser.error("--jobs muss mindestens 1 sein.")
    missing = [p for p in args.pages if not Path(p).is_file()]
    if missing:
        sys.exit(f"FEHLER: Seite nicht gefunden: {', '.join(missing)}.")
    sys.exit(1 if run(args.root, args.build, args.pages or None, args.jobs) else 0)


if __name__ == "__main__":
    main()
