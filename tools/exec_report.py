"""How long each notebook took in the last build, in seconds and as multiples of the calibration.

    python tools/exec_report.py _build                  # table, sum, calibration
    python tools/exec_report.py _build --wall 412       # and the build's wall time / sum

Reads the execution cache (one row per page: its newest run), the calibration
(``calibration.json``, tools/calibrate.py) and the report of the parallel execution
(``parallel_build.json``, tools/parallel_build.py) in the build folder.
"""

import argparse
import json
import sys
from pathlib import Path

from codes.plotting import german_number

ROOT = Path(__file__).resolve().parents[1]


def page_seconds(build_dir="_build", root=ROOT):
    """{docname: execution seconds of the page's newest run} from the cache in ``build_dir``."""
    from jupyter_cache import get_cache

    cache_dir = Path(build_dir) / ".jupyter_cache"
    if not cache_dir.is_dir():
        sys.exit(f"Kein Ausführungs-Cache unter {cache_dir}: zuerst das Buch bauen (make book).")
    root = Path(root).resolve()
    newest = {}
    for record in get_cache(str(cache_dir)).list_cache_records():
        path = Path(record.uri).resolve()
        if not path.is_relative_to(root):
            continue
        name = path.relative_to(root).with_suffix("").as_posix()
        if name.startswith("_build"):  # pages of the student edition's copy
            continue
        if name not in newest or record.created > newest[name][0]:
            newest[name] = (record.created, (record.data or {}).get("execution_seconds") or 0.0)
    return {name: seconds for name, (_, seconds) in newest.items()}


def predicted_wall(seconds, jobs):
    """Seconds until the last notebook is done with ``jobs`` processes, longest first."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools.parallel_build import time_left

    order = sorted(seconds, key=seconds.get, reverse=True)
    return time_left({}, order, seconds, 0.0, jobs)


def read_json(build_dir, name):
    path = Path(build_dir) / name
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def report(build_dir="_build", wall=None, root=ROOT):
    """The lines of the report."""
    seconds = page_seconds(build_dir, root)
    calibration = (read_json(build_dir, "calibration.json") or {}).get("seconds")
    parallel = read_json(build_dir, "parallel_build.json")
    width = max((len(name) for name in seconds), default=10)
    lines = [f"  {'Seite':<{width}}  {'Laufzeit':>9}  × Kalibrierung"]
    for name, spent in sorted(seconds.items()):
        multiple = german_number(spent / calibration, "7.1f") if calibration else "      –"
        lines.append(f"  {name:<{width}}  {german_number(spent, '7.1f')} s  {multiple}")
    total = sum(seconds.values())
    multiple = german_number(total / calibration, "7.1f") if calibration else "      –"
    lines.append(f"  {'Summe (' + str(len(seconds)) + ' Notebooks)':<{width}}  "
                 f"{german_number(total, '7.1f')} s  {multiple}")
    if calibration:
        lines.append(f"Kalibrierung: {german_number(calibration, '.2f')} s; Summe der Laufzeiten "
                     f"(seriell): {german_number(total, '.0f')} s = {german_number(total / calibration, '.0f')} "
                     "× Kalibrierung")
    else:
        lines.append("Keine Kalibrierung im Build-Ordner (tools/calibrate.py lief nicht).")
    if parallel:
        executed = parallel["serial_sum_seconds"]
        lines.append(f"Parallele Ausführung: {parallel['executed']} Notebooks mit "
                     f"{parallel['jobs']} Prozessen in {german_number(parallel['wall_seconds'], '.0f')} s "
                     f"Wandzeit; ihre Summe {german_number(executed, '.0f')} s; Verhältnis "
                     f"{german_number(parallel['wall_seconds'] / executed, '.2f') if executed else '–'}")
    if seconds:
        lines.append("Reine Ausführungszeit bei n Prozessen (die längsten zuerst, aus diesen "
                     "Laufzeiten): " + "; ".join(
                         f"{jobs}: {german_number(predicted_wall(seconds, jobs) / 60, '.1f')} min"
                         for jobs in (1, 2, 4, 8)))
    if wall is not None and total:
        lines.append(f"Wandzeit des ganzen Baus: {german_number(wall, '.0f')} s; Wandzeit / Summe der "
                     f"Laufzeiten = {german_number(wall / total, '.2f')} (Ziel auf 2 Kernen: höchstens 0,6)")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", nargs="?", default="_build", help="build folder")
    parser.add_argument("--wall", type=float, help="wall time of the whole build in seconds")
    args = parser.parse_args(argv)
    print("\n".join(report(args.build, args.wall)))


if __name__ == "__main__":
    main()
