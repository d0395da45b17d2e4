"""MNIST as IDX files: find them (NN_DATA_DIR, cache, download), verify them, split them.

Lookup order for each of the four files:

1. the data folder given as ``data_dir`` or by the environment variable ``NN_DATA_DIR``
   (files in its ``mnist/`` subfolder or directly in it, gzip-compressed or plain), or
   else ``../shared/data`` next to the project; a relative path is relative to the
   project folder (:func:`codes.data._files.data_dir`);
2. the cache folder ``$XDG_CACHE_HOME/nn-kursbuch/mnist`` (default ``~/.cache/...``);
3. a download from the first mirror that works, into the cache.

Every file is checked against the SHA-256 of its *decompressed* bytes and its IDX header;
a missing or corrupt file raises :class:`DataError` with a message that says what to do.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import io
import math
import os
import urllib.error
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codes.files import atomic_path

from ._files import DATA_DIR_ENV, DataError, cache_dir
from ._files import data_dir as find_data_dir

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
# No IDX file is read (or unpacked) beyond this size; MNIST's largest file has 47 MB.
MAX_IDX_BYTES = 64 * 2**20
_GZIP_MAGIC = b"\x1f\x8b"


class _NotThisFile(ValueError):
    """The file is intact in itself but is not the one expected (empty, or another file)."""


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
    raw = {key: _load_file(name, data_dir, mirrors, checksums) for key, name in FILES.items()}
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


def load_idx(
    path: str | os.PathLike, sha256: str | None = None, checksums: Mapping[str, str] = SHA256
) -> np.ndarray:
    """Read one IDX file (gzip or plain) as a read-only uint8 array of the header's shape.

    ``checksums`` (file name -> SHA-256) lets the error name a file saved under a wrong name.
    """
    path = Path(path)
    todo = (
        f"Löschen Sie die Datei (sie wird dann neu heruntergeladen) oder setzen Sie "
        f"{DATA_DIR_ENV} auf einen Ordner mit intakten MNIST-Dateien."
    )
    try:
        if path.stat().st_size > MAX_IDX_BYTES:
            raise ValueError(f"größer als {MAX_IDX_BYTES} Bytes, keine MNIST-Datei")
        return _decode_idx(path.read_bytes(), sha256, checksums)
    except _NotThisFile as err:
        raise DataError(f"MNIST-Datei {path} {err}. {todo}") from None
    except ValueError as err:
        raise DataError(f"MNIST-Datei {path} ist beschädigt: {err}. {todo}") from None


def _decode_idx(
    raw: bytes, sha256: str | None, checksums: Mapping[str, str] = SHA256
) -> np.ndarray:
    """Decompress, verify and parse IDX bytes; ValueError (German) says what is wrong."""
    if not raw:
        raise _NotThisFile("ist leer (0 Bytes), vermutlich ein abgebrochener Download")
    if raw[:2] == _GZIP_MAGIC:
        raw = _gunzip_idx(raw)
    if sha256 is not None:
        actual = hashlib.sha256(raw).hexdigest()
        other = [name for name, known in checksums.items() if known == actual]
        if actual != sha256 and other:
            raise _NotThisFile(
                f"enthält die Daten von {other[0]}, nicht die erwarteten (falscher Dateiname?); "
                f"benennen Sie sie in {other[0]} um"
            )
        if actual != sha256:
            raise ValueError(
                f"SHA-256 der entpackten Daten ist {actual[:16]}…, erwartet {sha256[:16]}…"
            )
    shape, offset = _idx_header(raw)
    if shape is None:
        raise ValueError("kein gültiger IDX-Kopf (magic number falsch)")
    if len(raw) < offset:
        raise ValueError("IDX-Kopf abgeschnitten")
    if len(raw) - offset != math.prod(shape):
        raise ValueError(
            f"der Kopf verspricht {shape} = {math.prod(shape)} Bytes, "
            f"vorhanden sind {len(raw) - offset} (Datei abgeschnitten?)"
        )
    return np.frombuffer(raw, np.uint8, offset=offset).reshape(shape)


def _idx_header(raw: bytes) -> tuple[tuple[int, ...] | None, int]:
    """Shape promised by an IDX header and the offset of the data; (None, 0) if invalid.

    Header: two zero bytes, type 0x08 (unsigned byte), number of dims, then the dims.
    """
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08" or not 1 <= raw[3] <= 4:
        return None, 0
    offset = 4 + 4 * raw[3]
    if len(raw) < offset:
        return (), offset
    return tuple(int(d) for d in np.frombuffer(raw, ">u4", raw[3], offset=4)), offset


def _gunzip_idx(raw: bytes) -> bytes:
    """Unpack gzip bytes, but never more than the IDX header inside allows (no gzip bomb)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(4)
            shape, offset = _idx_header(data)
            if shape is None:  # not IDX: the checks after unpacking say what is wrong
                return data
            data += stream.read(offset - len(data))
            shape, offset = _idx_header(data)
            if len(data) < offset:  # the header checks after unpacking report it
                return data
            size = offset + math.prod(shape)
            if size > MAX_IDX_BYTES:
                raise ValueError(f"der IDX-Kopf verspricht {shape} = {size} Bytes, mehr als die "
                                 f"erlaubten {MAX_IDX_BYTES}")
            data += stream.read(size - len(data) + 1)  # one byte more reveals extra data
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(f"gzip-Daten unvollständig oder fehlerhaft ({err})") from None
    if len(data) > size:
        raise ValueError(f"entpackt größer als die {size} Bytes, die der IDX-Kopf angibt "
                         "(gzip-Bombe?)")
    return data


def _to_rows(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1).astype(np.float32) / np.float32(255)


def fetch_mnist(data_dir=None, *, progress=None) -> None:
    """Find or download the four MNIST files and verify them (DataError if one fails).

    ``progress(name, done_bytes, total_bytes_or_None)`` is called while a file downloads.
    """
    for name in FILES.values():
        _load_file(name, data_dir, MIRRORS, SHA256, progress)


def _load_file(
    name: str, data_dir, mirrors: Sequence[str], checksums: Mapping[str, str], progress=None
) -> np.ndarray:
    """The first intact copy of ``name`` (see module docstring), else a download.

    A broken copy does not hide an intact one found later (e.g. a plain file beside a
    truncated .gz); only if every copy is broken, all of them are reported.
    """
    data_dir = find_data_dir(data_dir)
    folders = [data_dir / "mnist", data_dir] if data_dir else []
    folders.append(cache_dir("mnist"))
    broken = []
    for folder in folders:
        for candidate in (folder / f"{name}.gz", folder / name):
            if candidate.is_file():
                try:
                    return load_idx(candidate, checksums.get(name), checksums)
                except DataError as err:
                    broken.append(str(err))
    if broken:
        raise DataError("\n".join(broken))
    target = cache_dir("mnist") / f"{name}.gz"
    path = _download(name, target, mirrors, checksums.get(name), searched=folders,
                     progress=progress)
    return load_idx(path, checksums.get(name), checksums)


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
            failures.append(f"  {url}: {download_problem(err)}")
    tried = "\n".join(failures) or "  (keine Mirrors angegeben)"
    raise DataError(
        f"MNIST-Datei {name} nicht gefunden (gesucht in: {', '.join(map(str, searched))}; "
        f"{DATA_DIR_ENV}={os.environ.get(DATA_DIR_ENV) or 'nicht gesetzt'}), "
        f"und der Download ist fehlgeschlagen:\n{tried}\n"
        f"Setzen Sie {DATA_DIR_ENV} auf einen Ordner, der mnist/ mit den IDX-Dateien enthält, "
        f"oder stellen Sie eine Internetverbindung her."
    )


def download_problem(err: BaseException) -> str:
    """What went wrong with a download, in German (no raw English urllib text)."""
    if isinstance(err, urllib.error.HTTPError):
        return f"der Server antwortet mit dem HTTP-Status {err.code}"
    if isinstance(err, http.client.IncompleteRead):
        return "der Download brach vorzeitig ab"
    if isinstance(err, TimeoutError) or "timed out" in str(err):
        return f"keine Antwort innerhalb von {DOWNLOAD_TIMEOUT_S} s (Zeitüberschreitung)"
    if isinstance(err, (urllib.error.URLError, ConnectionError, http.client.HTTPException)):
        return "keine Verbindung zum Server (Netzwerk nicht erreichbar oder Name unbekannt)"
    if isinstance(err, ValueError):  # our own German messages about the bytes
        return f"die geladene Datei ist unbrauchbar: {err}"
    return f"Lese- oder Schreibfehler ({type(err).__name__})"


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
