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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", help="pages relative to the book root")
    parser.add_argument("--out", required=True, help="output folder (gets _build/html)")
    parser.add_argument("--strict", action="store_true", help="-n -W --keep-going")
    args = parser.parse_args()
    # The references page is always built: citations need its {bibliography}.
    pages = [*args.pages, "chapters/anhang/literatur.md"]
    entries = "\n".join(f"  - file: {Path(p).with_suffix('').as_posix()}" for p in pages)
    with tempfile.TemporaryDirectory() as tmp:
        toc = Path(tmp) / "_toc.yml"
        toc.write_text(f"format: jb-book\nroot: intro\nchapters:\n{entries}\n", encoding="utf-8")
        command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT),
                   "--toc", str(toc), "--path-output", args.out]
        if args.strict:
            command += ["-n", "-W", "--keep-going"]
        result = subprocess.run(command, check=False)
    print(f"HTML: {Path(args.out).resolve() / '_build' / 'html'}")
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
