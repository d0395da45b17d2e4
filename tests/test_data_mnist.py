"""MNIST loader: the real files from shared/data, and downloads from a local HTTP server."""

import gzip
import hashlib
import http.server
import os
import socket
import threading
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest

from codes.data import mnist
from codes.data.mnist import FILES, DataError, load_idx, load_mnist, one_hot

SHARED_DATA = Path(os.environ.get("NN_DATA_DIR") or Path(__file__).parents[1].parent / "shared/data")


# --- the real data set ----------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    assert (SHARED_DATA / "mnist").is_dir(), f"MNIST fehlt in {SHARED_DATA} (NN_DATA_DIR setzen)"
    return load_mnist(SHARED_DATA)


def test_real_splits_have_expected_shapes_and_types(real):
    sizes = {name: len(getattr(real, name)) for name in ("x_train", "x_val", "x_test")}
    assert sizes == {"x_train": 50_000, "x_val": 10_000, "x_test": 10_000}
    for x, y in [(real.x_train, real.y_train), (real.x_val, real.y_val), (real.x_test, real.y_test)]:
        assert x.dtype == np.float32 and x.shape[1] == 784
        assert y.dtype == np.int64 and y.shape == (len(x),)
        assert x.min() == 0.0 and x.max() == 1.0
        assert set(np.unique(y)) == set(range(10))


def test_real_pixel_statistics_and_label_counts(real):
    x = np.concatenate([real.x_train, real.x_val])
    assert x.mean() == pytest.approx(0.1307, abs=1e-4)
    assert x.std() == pytest.approx(0.3081, abs=1e-4)
    counts = np.bincount(np.concatenate([real.y_train, real.y_val, real.y_test]))
    assert counts.sum() == 70_000 and counts.min() > 6_000 and counts.max() < 8_000


def test_real_split_keeps_official_order(real):
    labels = load_idx(SHARED_DATA / "mnist/train-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(real.y_train, labels[:50_000])
    np.testing.assert_array_equal(real.y_val, labels[50_000:])
    assert real.y_train[:5].tolist() == [5, 0, 4, 1, 9]
    assert real.y_test[:5].tolist() == [7, 2, 1, 0, 4]


def test_env_var_is_used_and_data_dir_overrides_it(real, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "MIRRORS", ())  # no download possible
    monkeypatch.setenv("NN_DATA_DIR", str(SHARED_DATA))
    np.testing.assert_array_equal(load_mnist(n_val=5_000).y_val, real.y_val[5_000:])
    monkeypatch.setenv("NN_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(DataError, match="NN_DATA_DIR"):
        load_mnist()
    np.testing.assert_array_equal(load_mnist(SHARED_DATA).y_test, real.y_test)


@pytest.mark.parametrize("n_val", [-1, 60_000])
def test_invalid_n_val_is_rejected(n_val):
    with pytest.raises(ValueError, match="n_val"):
        load_mnist(SHARED_DATA, n_val=n_val)


# --- tiny test-made IDX files -----------------------------------------------------------


def idx_bytes(array: np.ndarray) -> bytes:
    """IDX encoding of a uint8 array: magic 0x0000 08 ndim, big-endian dims, raw bytes."""
    dims = np.array(array.shape, dtype=">u4").tobytes()
    return bytes([0, 0, 8, array.ndim]) + dims + array.astype(np.uint8).tobytes()


@pytest.fixture
def tiny():
    """Raw (uncompressed) IDX bytes of 5 training and 3 test images, and their checksums."""
    rng = np.random.default_rng(0)
    raw = {
        FILES["train_images"]: idx_bytes(rng.integers(0, 256, (5, 28, 28))),
        FILES["train_labels"]: idx_bytes(np.arange(5)),
        FILES["test_images"]: idx_bytes(rng.integers(0, 256, (3, 28, 28))),
        FILES["test_labels"]: idx_bytes(np.array([7, 8, 9])),
    }
    return raw, {name: hashlib.sha256(data).hexdigest() for name, data in raw.items()}


@pytest.fixture
def env(tmp_path, monkeypatch):
    """No NN_DATA_DIR, an empty cache under tmp_path; yields the MNIST cache folder."""
    monkeypatch.delenv("NN_DATA_DIR", raising=False)
    monkeypatch.setattr("codes.data._files.SHARED_DATA", tmp_path / "no-shared-data")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache/nn-kursbuch/mnist"


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1; tests fill ``routes``: path -> (body, Content-Length)."""
    routes = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path not in routes:
                self.send_error(404)
                return
            body, length = routes[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(body)  # a length larger than the body breaks the transfer off

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    httpd.shutdown()
    httpd.server_close()


def serve(routes, prefix, raw):
    for name, data in raw.items():
        body = gzip.compress(data)
        routes[f"{prefix}/{name}.gz"] = (body, len(body))


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/mnist/"


def leftovers(folder: Path):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_writes_verified_files_and_then_uses_the_cache(tiny, env, server):
    raw, sums = tiny
    url, routes = server
    serve(routes, "/m", raw)
    data = load_mnist(n_val=2, mirrors=[f"{url}/m/"], checksums=sums)
    assert (data.x_train.shape, data.x_val.shape, data.x_test.shape) == ((3, 784), (2, 784), (3, 784))
    assert data.y_train.tolist() == [0, 1, 2] and data.y_val.tolist() == [3, 4]
    assert data.y_test.tolist() == [7, 8, 9]
    expected = np.frombuffer(raw[FILES["train_images"]], np.uint8, offset=16)[:784] / 255
    np.testing.assert_allclose(data.x_train[0], expected, rtol=1e-6)
    assert leftovers(env) == sorted(f"{name}.gz" for name in raw)
    routes.clear()  # the server now has nothing: a second load must come from the cache
    again = load_mnist(n_val=2, mirrors=[f"{url}/m/"], checksums=sums)
    np.testing.assert_array_equal(again.x_test, data.x_test)


def test_wrong_checksum_is_rejected_and_nothing_is_left(tiny, env, server):
    raw, sums = tiny
    url, routes = server
    serve(routes, "/m", raw)
    sums[FILES["train_images"]] = "0" * 64
    with pytest.raises(DataError, match="SHA-256") as err:
        load_mnist(n_val=2, mirrors=[f"{url}/m/"], checksums=sums)
    assert "NN_DATA_DIR" in str(err.value)
    assert leftovers(env) == []


@pytest.mark.parametrize("how", ["connection_breaks_off", "gzip_truncated"])
def test_truncated_transfer_is_rejected_and_nothing_is_left(tiny, env, server, how):
    raw, sums = tiny
    url, routes = server
    serve(routes, "/m", raw)
    path = f"/m/{FILES['train_images']}.gz"
    body, length = routes[path]
    short = body[: length // 2]
    routes[path] = (short, length) if how == "connection_breaks_off" else (short, len(short))
    with pytest.raises(DataError, match=FILES["train_images"]):
        load_mnist(n_val=2, mirrors=[f"{url}/m/"], checksums=sums)
    assert leftovers(env) == []


def test_failure_while_writing_leaves_no_partial_file(tiny, env, server, monkeypatch):
    """A disk that fills up halfway through the write: no temp file, no half file."""
    raw, sums = tiny
    url, routes = server
    serve(routes, "/m", raw)
    real_write = Path.write_bytes

    def write_half_then_fail(self, data):
        real_write(self, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", write_half_then_fail)
    with pytest.raises(DataError):
        load_mnist(n_val=2, mirrors=[f"{url}/m/"], checksums=sums)
    assert leftovers(env) == []


def test_offline_error_names_env_var_and_every_mirror(tiny, env):
    _, sums = tiny
    mirrors = [closed_port_url(), closed_port_url()]
    with pytest.raises(DataError) as err:
        load_mnist(mirrors=mirrors, checksums=sums)
    message = str(err.value)
    assert "NN_DATA_DIR" in message and "nicht gefunden" in message
    assert all(mirror in message for mirror in mirrors)
    assert leftovers(env) == []


def test_falls_back_to_the_next_mirror(tiny, env, server):
    raw, sums = tiny
    url, routes = server
    serve(routes, "/good", raw)
    serve(routes, "/bad", {name: b"\x00\x00\x08\x01garbage" for name in raw})
    mirrors = [closed_port_url(), f"{url}/missing/", f"{url}/bad/", f"{url}/good/"]
    assert load_mnist(n_val=1, mirrors=mirrors, checksums=sums).y_test.tolist() == [7, 8, 9]
    assert leftovers(env) == sorted(f"{name}.gz" for name in raw)


def test_plain_files_in_data_dir_are_accepted(tiny, env, tmp_path):
    raw, sums = tiny
    (tmp_path / "data/mnist").mkdir(parents=True)
    for name, data in raw.items():
        (tmp_path / "data/mnist" / name).write_bytes(data)
    data = load_mnist(tmp_path / "data", n_val=1, mirrors=[], checksums=sums)
    assert data.y_train.tolist() == [0, 1, 2, 3] and data.y_val.tolist() == [4]
    assert leftovers(env) == []  # nothing copied into the cache


@pytest.mark.parametrize(
    "corrupt, checked, problem",
    [
        (b"not a gzip or idx file", True, "SHA-256"),
        (gzip.compress(b"\x00\x00\x08\x03")[:-4], False, "gzip"),
        (b"\x00\x00\x09\x03" + bytes(12), False, "magic"),
        (b"\x00\x00\x08\x03", False, "abgeschnitten"),
        (b"\x00\x00\x08\x03" + np.array([5, 28, 28], ">u4").tobytes() + bytes(100), False, "3920"),
    ],
)
def test_corrupt_file_in_data_dir_is_rejected_clearly(tiny, env, tmp_path, corrupt, checked, problem):
    raw, sums = tiny
    folder = tmp_path / "data/mnist"
    folder.mkdir(parents=True)
    for name, data in raw.items():
        (folder / f"{name}.gz").write_bytes(gzip.compress(data))
    bad = folder / f"{FILES['train_images']}.gz"
    bad.write_bytes(corrupt)
    with pytest.raises(DataError, match=problem) as err:
        load_mnist(tmp_path / "data", n_val=1, mirrors=[], checksums=sums if checked else {})
    message = str(err.value)
    assert str(bad) in message and "beschädigt" in message and "Löschen" in message


def test_load_idx_returns_array_of_header_shape(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(load_idx(tmp_path / "a.gz"), array)
    with pytest.raises(DataError, match="SHA-256"):
        load_idx(tmp_path / "a.gz", sha256="f" * 64)


# --- one_hot ------------------------------------------------------------------------------


def test_one_hot_puts_a_single_one_at_the_label():
    encoded = one_hot(np.array([0, 3, 9, 3]))
    assert encoded.shape == (4, 10) and encoded.dtype.kind == "f"
    np.testing.assert_array_equal(encoded.sum(axis=1), 1)
    np.testing.assert_array_equal(encoded.argmax(axis=1), [0, 3, 9, 3])
    np.testing.assert_array_equal(one_hot([1, 0], num_classes=2), [[0, 1], [1, 0]])


@pytest.mark.parametrize(
    "labels, problem",
    [([0, 10], "0..9"), ([-1, 2], "0..9"), ([[1, 2]], "1-D"), ([0.5, 1.0], "ganzzahlig")],
)
def test_one_hot_rejects_bad_labels(labels, problem):
    with pytest.raises(ValueError, match=problem):
        one_hot(np.array(labels))


# --- robust files: bombs, broken copies beside intact ones, empty and misnamed files ----------


def gzip_bomb(header_shape, megabytes):
    """A gzip stream: an IDX header for ``header_shape``, then ``megabytes`` MB of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip format
    head = bytes([0, 0, 8, len(header_shape)]) + np.array(header_shape, ">u4").tobytes()
    parts = [compressor.compress(head)]
    zeros = bytes(2**20)
    parts += [compressor.compress(zeros) for _ in range(megabytes)]
    return b"".join(parts) + compressor.flush()


def test_a_gzip_bomb_is_rejected_without_filling_memory(tmp_path):
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(gzip_bomb((5, 28, 28), megabytes=256))  # 256 MB behind a 3920-byte header
    assert bomb.stat().st_size < 2**20
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="größer als die 3936 Bytes.*gzip-Bombe"):
            load_idx(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20  # far below the 256 MB a full decompression would need


def test_a_header_that_promises_too_much_is_rejected_before_unpacking(tmp_path):
    bomb = tmp_path / "big.gz"
    bomb.write_bytes(gzip_bomb((60_000, 1000, 1000), megabytes=1))
    with pytest.raises(DataError, match="verspricht.*mehr als die erlaubten"):
        load_idx(bomb)


def test_a_file_above_the_size_limit_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(mnist, "MAX_IDX_BYTES", 100)
    big = tmp_path / "big"
    big.write_bytes(idx_bytes(np.zeros((5, 28, 28))))
    with pytest.raises(DataError, match="größer als 100 Bytes"):
        load_idx(big)


def test_a_broken_gz_does_not_hide_an_intact_plain_copy_beside_it(tiny, env, tmp_path):
    raw, sums = tiny
    folder = tmp_path / "data/mnist"
    folder.mkdir(parents=True)
    for name, data in raw.items():
        (folder / f"{name}.gz").write_bytes(gzip.compress(data))
    broken = FILES["train_images"]
    (folder / f"{broken}.gz").write_bytes(gzip.compress(raw[broken])[:-20])  # truncated
    (folder / broken).write_bytes(raw[broken])  # the intact plain copy beside it
    data = load_mnist(tmp_path / "data", n_val=1, mirrors=[], checksums=sums)
    expected = np.frombuffer(raw[broken], np.uint8, offset=16).reshape(5, 784) / 255
    np.testing.assert_allclose(data.x_train, expected[:4], rtol=1e-6)
    (folder / broken).write_bytes(b"also broken")  # now every copy is broken: both are named
    with pytest.raises(DataError) as err:
        load_mnist(tmp_path / "data", n_val=1, mirrors=[], checksums=sums)
    assert str(folder / f"{broken}.gz") in str(err.value) and str(folder / broken) in str(err.value)


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_an_empty_file_is_reported_as_empty(tiny, env, tmp_path, suffix):
    raw, sums = tiny
    folder = tmp_path / "data/mnist"
    folder.mkdir(parents=True)
    for name, data in raw.items():
        (folder / f"{name}.gz").write_bytes(gzip.compress(data))
    (folder / f"{FILES['test_labels']}.gz").unlink()
    empty = folder / f"{FILES['test_labels']}{suffix}"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match=r"ist leer \(0 Bytes\)") as err:
        load_mnist(tmp_path / "data", n_val=1, mirrors=[], checksums=sums)
    assert str(empty) in str(err.value) and "beschädigt" not in str(err.value)


def test_a_file_of_the_other_split_under_a_wrong_name_is_named(tiny, env, tmp_path):
    raw, sums = tiny
    folder = tmp_path / "data/mnist"
    folder.mkdir(parents=True)
    for name, data in raw.items():
        (folder / f"{name}.gz").write_bytes(gzip.compress(data))
    swapped = folder / f"{FILES['train_images']}.gz"
    swapped.write_bytes(gzip.compress(raw[FILES["test_images"]]))  # test images, train name
    with pytest.raises(DataError, match=f"enthält die Daten von {FILES['test_images']}") as err:
        load_mnist(tmp_path / "data", n_val=1, mirrors=[], checksums=sums)
    assert str(swapped) in str(err.value) and "beschädigt" not in str(err.value)


def test_the_real_checksums_name_a_misnamed_real_file(real, tmp_path):
    labels = tmp_path / "train-labels-idx1-ubyte.gz"
    labels.write_bytes((SHARED_DATA / "mnist/t10k-labels-idx1-ubyte.gz").read_bytes())
    with pytest.raises(DataError, match="enthält die Daten von t10k-labels-idx1-ubyte"):
        load_idx(labels, mnist.SHA256["train-labels-idx1-ubyte"])
