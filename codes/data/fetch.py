"""Fetch and verify the book's data before anything else runs: ``python -m codes.data``.

``make book`` and ``make lab`` call this first, so that a missing data set stops the build
within seconds with one German message (instead of a notebook traceback deep in the
Sphinx log). MNIST: the four IDX files are found (``NN_DATA_DIR``, cache) or downloaded
with a progress bar, and checked against their SHA-256; QM9: the arrays are read from the
``qm9pack`` wheel and cached. Exit status 0 when everything is there, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys

from ._files import DataError
from .mnist import DATA_DIR_ENV, FILES, MIRRORS, fetch_mnist
from .qm9 import load_qm9

_GZ = [f"{name}.gz" for name in FILES.values()]
HELP = (
    "Ohne Internet: Laden Sie auf einem anderen Rechner die vier Dateien "
    f"{', '.join(_GZ[:-1])} und {_GZ[-1]} von {MIRRORS[0]} herunter, "
    f"legen Sie sie in einen Ordner DATEN/mnist/ und setzen Sie {DATA_DIR_ENV} auf den "
    "Ordner DATEN (am besten als absoluten Pfad; ein relativer gilt ab dem Projektordner, "
    "der codes/ enthält; Anleitung: README.md, Abschnitt „Daten“)."
)
BAR_WIDTH = 30
DATASETS = ("mnist", "qm9")


class ProgressBar:
    """A one-line download bar on a terminal; elsewhere (CI logs) one line per file."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def __call__(self, name, done, total):
        megabytes = done / 1e6
        if total:
            filled = round(BAR_WIDTH * done / total)
            line = (f"  {name}: [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
                    f"{100 * done / total:3.0f} % von {total / 1e6:.1f} MB".replace(".", ","))
        else:
            line = f"  {name}: {megabytes:.1f} MB".replace(".", ",")
        finished = total is not None and done >= total
        if self.tty:
            self.stream.write("\r" + line + ("\n" if finished else ""))
            self.stream.flush()
        elif finished:
            self.stream.write(line + "\n")


def fetch(datasets=DATASETS, out=None) -> None:
    """Make every data set of ``datasets`` available and verified; DataError if one is not."""
    out = out or sys.stdout
    if "mnist" in datasets:
        print("MNIST: Dateien suchen und prüfen …", file=out, flush=True)
        fetch_mnist(progress=ProgressBar())
        print("MNIST: 4 Dateien geprüft (SHA-256)", file=out)
    if "qm9" in datasets:
        print("QM9: Daten aus qm9pack lesen (beim ersten Mal einige Sekunden) …", file=out,
              flush=True)
        print(f"QM9: {len(load_qm9()):_} Moleküle bereit".replace("_", " "), file=out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m codes.data",
        description="Daten des Buchs (MNIST, QM9) bereitstellen und prüfen.")
    parser.add_argument("datasets", nargs="*", metavar="DATENSATZ",
                        help="mnist und/oder qm9 (ohne Angabe: beide)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.datasets) - set(DATASETS))
    if unknown:
        print(f"FEHLER: unbekannter Datensatz {', '.join(unknown)}; "
              f"erlaubt sind {' und '.join(DATASETS)}.", file=sys.stderr)
        return 2
    try:
        fetch(tuple(args.datasets) or DATASETS)
    except DataError as err:
        print(f"\nFEHLER: Die Daten des Buchs fehlen oder sind beschädigt.\n{err}\n\n{HELP}",
              file=sys.stderr)
        return 1
    except OSError as err:
        print(f"\nFEHLER beim Lesen oder Schreiben der Daten: {err}\n"
              "Prüfen Sie den freien Platz und die Schreibrechte des Cache-Ordners "
              "(~/.cache/nn-kursbuch) oder setzen Sie XDG_CACHE_HOME auf einen "
              f"beschreibbaren Ordner.\n\n{HELP}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nAbgebrochen; es bleibt keine halbe Datei zurück.", file=sys.stderr)
        return 130
    return 0
