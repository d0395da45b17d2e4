"""Build only some pages of the book (with the real configuration) into a separate folder.

    python tools/preview.py chapters/03_mlp/theorie.md chapters/03_mlp/mnist.md --out /tmp/ch3

Useful while writing a chapter: the pages execute with their own cache under
OUT/_build, and the full book in _build is left alone. Cross-references to pages
that are not part of the preview are reported as warnings.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def preview_toc(pages, folder):
    """Write ``folder``/_toc.yml with only ``pages``; returns its path.

    The references page is always added: citations need its {bibliography}.
    """
    pages = [*pages, "chapters/anhang/literatur.md"]
    entries = "\n".join(f"  - file: {Path(p).with_suffix('').as_posix()}" for p in pages)
    toc = Path(folder) / "_toc.yml"
    toc.write_text(f"format: jb-book\nroot: intro\nchapters:\n{entries}\n", encoding="utf-8")
    return toc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", help="pages relative to the book root")
    parser.add_argument("--out", required=True, help="output folder (gets _build/html)")
    parser.add_argument("--strict", action="store_true", help="-n -W --keep-going")
    args = parser.parse_args()
    missing = [page for page in args.pages if not (ROOT / page).is_file()]
    if missing:
        sys.exit(f"FEHLER: Seite nicht gefunden: {', '.join(missing)} (Pfade relativ zu {ROOT}).")
    with tempfile.TemporaryDirectory() as tmp:
        toc = preview_toc(args.pages, tmp)
        command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT),
                   "--toc", str(toc), "--path-output", args.out]
        if args.strict:
            command += ["-n", "-W", "--keep-going"]
        result = subprocess.run(command, check=False)
    print(f"HTML: {Path(args.out).resolve() / '_build' / 'html'}")
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
