"""python -m codes.data: fetch and verify the data before the build, one German message."""

import http.client
import io
import os
import time
from pathlib import Path

import pytest

from codes.data import fetch, mnist
from codes.data.mnist import load_mnist

SHARED_DATA = Path(os.environ.get("NN_DATA_DIR") or Path(__file__).parents[1].parent / "shared/data")


@pytest.fixture
def no_data(tmp_path, monkeypatch):
    """No NN_DATA_DIR data, an empty cache, and a mirror that refuses at once (offline)."""
    monkeypatch.setenv("NN_DATA_DIR", str(tmp_path / "leer"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "MIRRORS", ("http://127.0.0.1:9/mnist/",))
    return tmp_path


def test_missing_data_stop_within_seconds_with_one_german_message(no_data, capsys):
    start = time.monotonic()
    assert fetch.main([]) == 1
    assert time.monotonic() - start < 10
    err = capsys.readouterr().err
    assert "FEHLER: Die Daten des Buchs fehlen" in err and "NN_DATA_DIR" in err
    assert "README.md" in err and "Traceback" not in err
    assert not [p for p in no_data.rglob("*") if p.is_file()], "keine halbe Datei"


def test_present_data_are_verified(monkeypatch, capsys):
    assert (SHARED_DATA / "mnist").is_dir(), f"MNIST fehlt in {SHARED_DATA} (NN_DATA_DIR setzen)"
    monkeypatch.setenv("NN_DATA_DIR", str(SHARED_DATA))
    assert fetch.main(["mnist"]) == 0
    assert "4 Dateien geprüft" in capsys.readouterr().out


def test_unknown_data_set_is_named(capsys):
    assert fetch.main(["cifar"]) == 2
    assert "unbekannter Datensatz cifar" in capsys.readouterr().err


class _Response:
    def __init__(self, body, length):
        self.body, self.headers = io.BytesIO(body), {"Content-Length": str(length)}

    def read(self, size=-1):
        return self.body.read(size)


def test_download_reports_progress_and_notices_a_short_transfer():
    calls = []
    body = bytes(200_000)
    assert mnist._read(_Response(body, len(body)), "f", lambda *a: calls.append(a)) == body
    assert calls[-1] == ("f", len(body), len(body)) and len(calls) > 1
    with pytest.raises(http.client.IncompleteRead):
        mnist._read(_Response(body, len(body) + 10), "f", lambda *a: None)


def test_progress_bar_writes_one_line_per_file_into_a_log():
    stream = io.StringIO()
    bar = fetch.ProgressBar(stream)
    bar("train-labels-idx1-ubyte", 10, 100)
    bar("train-labels-idx1-ubyte", 100, 100)
    assert stream.getvalue().count("\n") == 1 and "100 %" in stream.getvalue()


@pytest.mark.parametrize("n_val", [-1, 2.5, True, "10"])
def test_n_val_is_checked_before_any_data_is_loaded(no_data, n_val):
    with pytest.raises(ValueError, match="n_val"):
        load_mnist(no_data / "leer", n_val=n_val, mirrors=[])
