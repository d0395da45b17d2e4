"""MNIST as IDX files: find them (NN_DATA_DIR, cache, download), verify them, split them.

Lookup order for each of the four files:

1. the data folder given as ``data_dir`` or by the environment variable ``NN_DATA_DIR``
   (files in its ``mnist/`` subfolder or directly in it, gzip-compressed or plain);
2. the cache folder ``$XDG_CACHE_HOME/nn-kursbuch/mnist`` (default ``~/.cache/...``);
3. a download from the first mirror that works, into the cache.

Every file is checked against the SHA-256 of its *decompressed* bytes and its IDX header;
a missing or corrupt file raises :class:`DataError` with a message that says what to do.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import math
import os
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codes.files import atomic_path

from ._files import DataError, cache_dir

DATA_DIR_ENV = "NN_DATA_DIR"
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# SHA-256 of the decompressed files (identical to the originally published ones).
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
DOWNLOAD_TIMEOUT_S = 30
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, eq=False)
class MnistSplits:
    """Images as float32 rows of 784 pixels in [0, 1], labels as int64 digits 0-9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_mnist(
    data_dir: str | os.PathLike | None = None,
    *,
    n_val: int = 10_000,
    mirrors: Sequence[str] | None = None,
    checksums: Mapping[str, str] | None = None,
) -> MnistSplits:
    """Load MNIST: the first 60 000 - n_val training images train, the last n_val validate.

    ``data_dir`` overrides ``NN_DATA_DIR``; ``mirrors`` and ``checksums`` default to
    :data:`MIRRORS` and :data:`SHA256` (a file without a checksum entry is only
    header-checked).
    """
    # Checked before any file is touched; the upper bound needs the data (below).
    if isinstance(n_val, bool) or not isinstance(n_val, int) or n_val < 0:
        raise ValueError(f"n_val={n_val!r} muss eine ganze Zahl ≥ 0 sein.")
    mirrors = MIRRORS if mirrors is None else mirrors
    checksums = SHA256 if checksums is None else checksums
    raw = {
        key: load_idx(_find_or_download(name, data_dir, mirrors, checksums), checksums.get(name))
        for key, name in FILES.items()
    }
    for part in ("train", "test"):
        images, labels = raw[f"{part}_images"], raw[f"{part}_labels"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DataError(
                f"MNIST-{part}: Bilder {images.shape} und Labels {labels.shape} passen nicht "
                f"zusammen. Löschen Sie die Dateien oder setzen Sie {DATA_DIR_ENV} neu."
            )
    n_total = len(raw["train_images"])
    if not 0 <= n_val < n_total:
        raise ValueError(f"n_val={n_val} muss zwischen 0 und {n_total - 1} liegen.")
    n_train = n_total - n_val
    x = _to_rows(raw["train_images"])
    y = raw["train_labels"].astype(np.int64)
    return MnistSplits(
        x_train=x[:n_train], y_train=y[:n_train], x_val=x[n_train:], y_val=y[n_train:],
        x_test=_to_rows(raw["test_images"]), y_test=raw["test_labels"].astype(np.int64),
    )


def one_hot(labels, num_classes: int = 10) -> np.ndarray:
    """Return a float32 array (n, num_classes) with a single 1 per row, at the label."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"one_hot erwartet ein 1-D-Array ganzzahliger Labels, erhalten: "
            f"shape {labels.shape}, dtype {labels.dtype}."
        )
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"Labels müssen in 0..{num_classes - 1} liegen, gefunden: "
            f"{labels.min()}..{labels.max()}."
        )
    return np.eye(num_classes, dtype=np.float32)[labels]


def load_idx(path: str | os.PathLike, sha256: str | None = None) -> np.ndarray:
    """Read one IDX file (gzip or plain) as a read-only uint8 array of the header's shape."""
    path = Path(path)
    try:
        return _decode_idx(path.read_bytes(), sha256)
    except ValueError as err:
        raise DataError(
            f"MNIST-Datei {path} ist beschädigt: {err}. Löschen Sie die Datei (sie wird dann "
            f"neu heruntergeladen) oder setzen Sie {DATA_DIR_ENV} auf einen Ordner mit "
            f"intakten MNIST-Dateien."
        ) from None


def _decode_idx(raw: bytes, sha256: str | None) -> np.ndarray:
    """Decompress, verify and parse IDX bytes; ValueError (German) says what is wrong."""
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(f"gzip-Daten unvollständig oder fehlerhaft ({err})") from None
    if sha256 is not None:
        actual = hashlib.sha256(raw).hexdigest()
        if actual != sha256:
            raise ValueError(
                f"SHA-256 der entpackten Daten ist {actual[:16]}…, erwartet {sha256[:16]}…"
            )
    # Header: two zero bytes, type 0x08 (unsigned byte), number of dims, then the dims.
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08" or not 1 <= raw[3] <= 4:
        raise ValueError("kein gültiger IDX-Kopf (magic number falsch)")
    ndim = raw[3]
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise ValueError("IDX-Kopf abgeschnitten")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, offset=4))
    if len(raw) - offset != math.prod(shape):
        raise ValueError(
            f"der Kopf verspricht {shape} = {math.prod(shape)} Bytes, "
            f"vorhanden sind {len(raw) - offset} (Datei abgeschnitten?)"
        )
    return np.frombuffer(raw, np.uint8, offset=offset).reshape(shape)


def _to_rows(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1).astype(np.float32) / np.float32(255)


def fetch_mnist(data_dir=None, *, progress=None) -> dict[str, Path]:
    """Find or download the four MNIST files and verify them; return their paths by name.

    ``progress(name, done_bytes, total_bytes_or_None)`` is called while a file downloads.
    """
    paths = {}
    for name in FILES.values():
        paths[name] = _find_or_download(name, data_dir, MIRRORS, SHA256, progress)
        load_idx(paths[name], SHA256[name])
    return paths


def _find_or_download(
    name: str, data_dir, mirrors: Sequence[str], checksums: Mapping[str, str], progress=None
) -> Path:
    """Path of an existing copy of ``name`` (see module docstring), else download it."""
    data_dir = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV)
    folders = [Path(data_dir) / "mnist", Path(data_dir)] if data_dir else []
    folders.append(cache_dir("mnist"))
    for folder in folders:
        for candidate in (folder / f"{name}.gz", folder / name):
            if candidate.is_file():
                return candidate
    target = cache_dir("mnist") / f"{name}.gz"
    return _download(name, target, mirrors, checksums.get(name), searched=folders,
                     progress=progress)


def _download(
    name: str, target: Path, mirrors: Sequence[str], sha256: str | None, searched: list[Path],
    progress=None,
) -> Path:
    """Fetch ``name``.gz from the first mirror whose bytes verify; write it atomically."""
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + f"/{name}.gz"
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
                raw = _read(response, name, progress)  # IncompleteRead if it breaks off
            _decode_idx(raw, sha256)
            with atomic_path(target) as tmp:
                tmp.write_bytes(raw)
            return target
        except (OSError, http.client.HTTPException, ValueError) as err:
            failures.append(f"  {url}: {err}")
    tried = "\n".join(failures) or "  (keine Mirrors angegeben)"
    raise DataError(
        f"MNIST-Datei {name} nicht gefunden (gesucht in: {', '.join(map(str, searched))}; "
        f"{DATA_DIR_ENV}={os.environ.get(DATA_DIR_ENV) or 'nicht gesetzt'}), "
        f"und der Download ist fehlgeschlagen:\n{tried}\n"
        f"Setzen Sie {DATA_DIR_ENV} auf einen Ordner, der mnist/ mit den IDX-Dateien enthält, "
        f"oder stellen Sie eine Internetverbindung her."
    )


def _read(response, name: str, progress, chunk: int = 1 << 16) -> bytes:
    """The whole response body; reports ``progress`` after every chunk when given."""
    if progress is None:
        return response.read()
    total = response.headers.get("Content-Length")
    total = int(total) if total and total.isdigit() else None
    parts, done = [], 0
    while block := response.read(chunk):
        parts.append(block)
        done += len(block)
        progress(name, done, total)
    if total is not None and done != total:
        raise http.client.IncompleteRead(b"", total - done)
    return b"".join(parts)
