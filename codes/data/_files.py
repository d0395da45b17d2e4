"""Plumbing shared by the data loaders: the error type and the cache folder."""

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
