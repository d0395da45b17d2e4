"""QM9 (130 831 small organic molecules) from the CSV files inside the ``qm9pack`` wheel.

The CSV files are parsed once (a few seconds, vectorised) and cached as an ``.npz`` file in
``$XDG_CACHE_HOME/nn-kursbuch/qm9/``; later loads read only the cache, verified by a SHA-256
over its arrays (a cache with changed values is parsed again). The qm9pack modules
are never imported (they need ``pkg_resources``): the files are found via package metadata.
"""

from __future__ import annotations

import hashlib
import os
import warnings
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from codes.files import atomic_path

from ._files import DataError
from ._files import cache_dir as data_cache_dir

MAX_ATOMS = 29
ATOMIC_NUMBERS = {"H": 1, "C": 6, "N": 7, "O": 8, "F": 9}
# Short property name -> (CSV column, unit). Energies in Hartree, as in the data set.
PROPERTY_COLUMNS = {
    "A": ("RotA_GHz", "GHz"),
    "B": ("RotB_GHz", "GHz"),
    "C": ("RotC_GHz", "GHz"),
    "mu": ("Dipole_debye", "D"),
    "alpha": ("Polarizability_bohr3", "Bohr³"),
    "homo": ("HOMO_au", "Hartree"),
    "lumo": ("LUMO_au", "Hartree"),
    "gap": ("HOMO_LUMO_gap_au", "Hartree"),
    "r2": ("R2_bohr2", "Bohr²"),
    "zpve": ("ZPVE_au", "Hartree"),
    "U0": ("InternalEnergy_0K_au", "Hartree"),
    "U": ("InternalEnergy_298K_au", "Hartree"),
    "H": ("Enthalphy_298K_au", "Hartree"),
    "G": ("GibbsFreeEnergy_298K_au", "Hartree"),
    "Cv": ("Heatcapacity_Cv_cal_mol_K", "cal/(mol·K)"),
}
PROPERTY_UNITS = {name: unit for name, (_, unit) in PROPERTY_COLUMNS.items()}
# German name of each property, for the tables the reader sees (Ramakrishnan et al. 2014).
PROPERTY_NAMES = {
    "A": "Rotationskonstante A",
    "B": "Rotationskonstante B",
    "C": "Rotationskonstante C",
    "mu": "Dipolmoment",
    "alpha": "isotrope Polarisierbarkeit",
    "homo": "Energie des HOMO",
    "lumo": "Energie des LUMO",
    "gap": "HOMO-LUMO-Abstand",
    "r2": "elektronische räumliche Ausdehnung ⟨R²⟩",
    "zpve": "Nullpunktsschwingungsenergie",
    "U0": "innere Energie bei 0 K",
    "U": "innere Energie bei 298,15 K",
    "H": "Enthalpie bei 298,15 K",
    "G": "freie Enthalpie (Gibbs-Energie) bei 298,15 K",
    "Cv": "Wärmekapazität bei 298,15 K",
}
# Bump when the cache layout or the parsing changes, so that old caches are rebuilt.
CACHE_VERSION = 1
_ARRAYS = ("index", "smiles", "n_atoms", "atomic_numbers", "coordinates", "properties")


@dataclass(frozen=True, eq=False)
class QM9:
    """Molecules as zero-padded arrays (29 atom slots) plus a table of scalar properties."""

    index: np.ndarray  # int64 (n,), the molecule number in QM9 (1-based)
    smiles: np.ndarray  # str (n,)
    n_atoms: np.ndarray  # int64 (n,)
    atomic_numbers: np.ndarray  # int8 (n, 29), 0 in unused slots
    coordinates: np.ndarray  # float64 (n, 29, 3) in Angstrom, 0 in unused slots
    properties: pd.DataFrame  # one row per molecule, columns as in PROPERTY_UNITS

    def __len__(self) -> int:
        return len(self.index)


def load_qm9(*, cache_dir: str | os.PathLike | None = None, refresh: bool = False) -> QM9:
    """Load QM9 from the cache, or parse the qm9pack CSV files and cache the result."""
    csv_paths, version = _csv_files()
    cache = Path(cache_dir) if cache_dir is not None else data_cache_dir("qm9")
    cache_file = cache / "qm9.npz"
    tag = f"{CACHE_VERSION} qm9pack {version}"
    arrays = None if refresh else _read_cache(cache_file, tag)
    if arrays is None:
        arrays = _parse_csv(csv_paths)
        _write_cache(cache_file, arrays, tag)
    return QM9(
        **{key: arrays[key] for key in _ARRAYS if key != "properties"},
        properties=pd.DataFrame(arrays["properties"], columns=list(PROPERTY_COLUMNS)),
    )


def _csv_files() -> tuple[list[Path], str]:
    """Paths of the three CSV parts inside the installed wheel, and its version."""
    try:
        dist = metadata.distribution("qm9pack")
    except metadata.PackageNotFoundError:
        raise DataError(
            "Das Paket qm9pack ist nicht installiert; es enthält die QM9-Daten. "
            "Installieren Sie es mit: pip install qm9pack==1.0.3"
        ) from None
    paths = [Path(dist.locate_file(f"qm9pack/data/qm9_part{i}.csv")) for i in (1, 2, 3)]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise DataError(
            f"qm9pack ist installiert, aber die Datendateien fehlen: {', '.join(missing)}. "
            f"Installieren Sie es neu: pip install --force-reinstall qm9pack==1.0.3"
        )
    return paths, dist.version


def _parse_csv(paths: list[Path]) -> dict[str, np.ndarray]:
    """Parse the CSV parts into padded arrays; list-valued cells are split in one go."""
    columns = ["Index", "SMILES", "N_atoms", "Elements", "XYZ_Ang"]
    columns += [csv for csv, _ in PROPERTY_COLUMNS.values()]
    frame = pd.concat([pd.read_csv(p, usecols=columns) for p in paths], ignore_index=True)
    n_atoms = frame["N_atoms"].to_numpy(np.int64)
    # "['C','H']" cells and "[[x,y,z],...]" cells become one flat list for all molecules.
    symbols = np.array(_strip_brackets(frame["Elements"]).replace("'", "").split(","))
    xyz = np.fromstring(_strip_brackets(frame["XYZ_Ang"]), sep=",")
    if n_atoms.max() > MAX_ATOMS or len(symbols) != n_atoms.sum() or len(xyz) != 3 * len(symbols):
        raise DataError(
            "Die QM9-CSV-Dateien in qm9pack sind inkonsistent (Atomzahlen passen nicht zu "
            "Elementen/Koordinaten). Installieren Sie neu: pip install --force-reinstall "
            "qm9pack==1.0.3"
        )
    z = np.zeros(len(symbols), np.int8)
    for symbol, number in ATOMIC_NUMBERS.items():
        z[symbols == symbol] = number
    if (z == 0).any():
        raise DataError(f"Unbekannte Elemente in QM9: {sorted(set(symbols[z == 0]))}.")
    # Row-major boolean indexing fills the first n_atoms slots of each molecule in order.
    occupied = np.arange(MAX_ATOMS) < n_atoms[:, None]
    atomic_numbers = np.zeros((len(n_atoms), MAX_ATOMS), np.int8)
    atomic_numbers[occupied] = z
    coordinates = np.zeros((len(n_atoms), MAX_ATOMS, 3))
    coordinates[occupied] = xyz.reshape(-1, 3)
    return {
        "index": frame["Index"].to_numpy(np.int64),
        "smiles": frame["SMILES"].to_numpy(str),
        "n_atoms": n_atoms,
        "atomic_numbers": atomic_numbers,
        "coordinates": coordinates,
        "properties": frame[[csv for csv, _ in PROPERTY_COLUMNS.values()]].to_numpy(np.float64),
    }


def _strip_brackets(cells: pd.Series) -> str:
    return ",".join(cells.tolist()).replace("[", "").replace("]", "")


def _read_cache(path: Path, tag: str) -> dict[str, np.ndarray] | None:
    """The cached arrays, or None if the cache is missing, stale or damaged."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    if set(arrays) != {*_ARRAYS, "tag", "property_names", "checksum"} or str(arrays["tag"]) != tag:
        return None
    n = len(arrays["index"])
    expected_shapes = {
        "index": (n,), "smiles": (n,), "n_atoms": (n,),
        "atomic_numbers": (n, MAX_ATOMS), "coordinates": (n, MAX_ATOMS, 3),
        "properties": (n, len(PROPERTY_COLUMNS)),
    }
    if any(arrays[key].shape != shape for key, shape in expected_shapes.items()):
        return None
    if arrays["property_names"].tolist() != list(PROPERTY_COLUMNS):
        return None
    if str(arrays["checksum"]) != _checksum(arrays):  # changed values: parse again
        return None
    return arrays


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over name, dtype, shape and bytes of every cached array."""
    digest = hashlib.sha256()
    for key in _ARRAYS:
        array = np.ascontiguousarray(arrays[key])
        digest.update(f"{key} {array.dtype.str} {array.shape}".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def _write_cache(path: Path, arrays: dict[str, np.ndarray], tag: str) -> None:
    """Write the cache atomically; a read-only cache folder only costs speed next time."""
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as out:
            np.savez(out, tag=tag, property_names=list(PROPERTY_COLUMNS),
                     checksum=_checksum(arrays), **arrays)
    except OSError as err:
        warnings.warn(
            f"QM9-Cache {path} konnte nicht geschrieben werden ({err}); "
            f"die CSV-Dateien werden beim nächsten Mal erneut eingelesen.",
            stacklevel=3,
        )
