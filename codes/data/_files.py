"""Plumbing shared by the data loaders: the error type, the data folder and the cache folder."""

from __future__ import annotations

import os
from pathlib import Path


class DataError(RuntimeError):
    """A data file is missing, corrupt or cannot be fetched; the message says what to do."""


def cache_dir(name: str) -> Path:
    """Cache folder of one data set: ``$XDG_CACHE_HOME/nn-kursbuch/<name>``.

    ``XDG_CACHE_HOME`` defaults to ``~/.cache``, as on every Linux desktop.
    """
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "nn-kursbuch" / name


DATA_DIR_ENV = "NN_DATA_DIR"
# The project folder (the one that holds codes/): a relative NN_DATA_DIR means a folder
# relative to it, wherever a kernel starts (chapters/03_mlp, psets, ...).
PROJECT_DIR = Path(__file__).resolve().parents[2]
# Course machines and CI keep the data next to the project, as the Makefile does.
SHARED_DATA = PROJECT_DIR.parent / "shared" / "data"


def data_dir(explicit=None) -> Path | None:
    """The data folder: ``explicit``, else ``NN_DATA_DIR``, else ../shared/data next to the
    project when it holds ``mnist/``; None when there is none (cache and download).

    A relative path is taken relative to the project folder, not to the folder a kernel
    happens to start in, and written back to ``NN_DATA_DIR`` as an absolute path, so that
    processes started from here (kernels, workers) find the same folder.
    """
    chosen = explicit if explicit is not None else os.environ.get(DATA_DIR_ENV)
    if not chosen:
        return SHARED_DATA if (SHARED_DATA / "mnist").is_dir() else None
    path = Path(chosen).expanduser()
    if not path.is_absolute():
        path = (PROJECT_DIR / path).resolve()
        if explicit is None:
            os.environ[DATA_DIR_ENV] = str(path)
    return path
