"""Print how long each notebook took to execute in the last build (from the jupyter cache)."""

import sys
from pathlib import Path

from jupyter_cache import get_cache


def main(build_dir="_build"):
    cache_dir = Path(build_dir) / ".jupyter_cache"
    if not cache_dir.is_dir():
        sys.exit(f"Kein Ausführungs-Cache unter {cache_dir}: zuerst das Buch bauen (make book).")
    root = Path.cwd().resolve()
    rows = []
    for record in get_cache(str(cache_dir)).list_cache_records():
        path = Path(record.uri)
        name = path.relative_to(root) if path.is_relative_to(root) else path
        rows.append((str(name), record.data.get("execution_seconds") or 0.0))
    rows.sort()
    width = max((len(name) for name, _ in rows), default=10)
    for name, seconds in rows:
        print(f"  {name:<{width}}  {seconds:7.1f} s")
    print(f"  {'Summe':<{width}}  {sum(s for _, s in rows):7.1f} s  ({len(rows)} Notebooks)")


if __name__ == "__main__":
    main(*sys.argv[1:])
