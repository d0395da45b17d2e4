"""QM9 loader: parsing the qm9pack CSV files once, then the .npz cache."""

from importlib import metadata

import numpy as np
import pytest

from codes.data import qm9
from codes.data.qm9 import PROPERTY_UNITS, DataError, load_qm9


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A fresh cache folder, filled by one full parse (a few seconds)."""
    folder = tmp_path_factory.mktemp("qm9-cache")
    load_qm9(cache_dir=folder)
    return folder


@pytest.fixture(scope="module")
def cached(cache):
    """Load from the cache only: parsing the CSV files again would fail the test."""
    def no_parse(paths):
        raise AssertionError("CSV parsed although a valid cache exists")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(qm9, "_parse_csv", no_parse)
        return load_qm9(cache_dir=cache)


def test_all_molecules_with_consistent_shapes(cached):
    n = 130_831
    assert len(cached) == n
    assert cached.index.shape == cached.smiles.shape == cached.n_atoms.shape == (n,)
    assert cached.atomic_numbers.shape == (n, 29) and cached.coordinates.shape == (n, 29, 3)
    assert cached.index[0] == 1 and np.all(np.diff(cached.index) > 0)
    assert cached.n_atoms.min() >= 1 and cached.n_atoms.max() == 29


def test_atom_counts_match_atomic_numbers_and_padding(cached):
    occupied = cached.atomic_numbers != 0
    np.testing.assert_array_equal(occupied.sum(axis=1), cached.n_atoms)
    # the occupied slots come first, and padded slots have zero coordinates
    np.testing.assert_array_equal(occupied, np.arange(29) < cached.n_atoms[:, None])
    assert not cached.coordinates[~occupied].any()
    assert set(np.unique(cached.atomic_numbers)) == {0, 1, 6, 7, 8, 9}


def test_first_molecule_is_methane(cached):
    assert cached.smiles[0] == "C" and cached.n_atoms[0] == 5
    assert cached.atomic_numbers[0, :5].tolist() == [6, 1, 1, 1, 1]
    bond_lengths = np.linalg.norm(cached.coordinates[0, 1:5] - cached.coordinates[0, 0], axis=1)
    np.testing.assert_allclose(bond_lengths, 1.09, atol=0.01)  # C-H bond in Angstrom
    assert cached.properties.loc[0, "U0"] == pytest.approx(-40.47893)


def test_property_table(cached):
    props = cached.properties
    assert list(props.columns) == list(PROPERTY_UNITS)
    assert {"A", "mu", "alpha", "homo", "lumo", "gap", "r2", "zpve", "U0", "U", "H", "G", "Cv"} <= set(props)
    assert len(props) == len(cached) and not props.isna().any().any()
    assert all(dtype == np.float64 for dtype in props.dtypes)
    np.testing.assert_allclose(props["gap"], props["lumo"] - props["homo"], atol=2e-4)


def test_cached_load_equals_parsed_data(cache, cached):
    parsed = load_qm9(cache_dir=cache, refresh=True)
    for name in ("index", "smiles", "n_atoms", "atomic_numbers", "coordinates"):
        np.testing.assert_array_equal(getattr(parsed, name), getattr(cached, name))
    assert parsed.properties.equals(cached.properties)
    assert [p.name for p in cache.iterdir()] == ["qm9.npz"]  # no temp files left


def tiny_arrays(source, n=3):
    """The first n molecules of a loaded data set, as the parser would return them."""
    names = ("index", "smiles", "n_atoms", "atomic_numbers", "coordinates")
    return {name: getattr(source, name)[:n] for name in names} | {
        "properties": source.properties.to_numpy()[:n]
    }


@pytest.mark.parametrize("damage", ["garbage", "truncated", "old_version"])
def test_damaged_or_stale_cache_is_rebuilt(cache, cached, tmp_path, monkeypatch, damage):
    target = tmp_path / "qm9.npz"
    good = (cache / "qm9.npz").read_bytes()
    if damage == "garbage":
        target.write_bytes(b"definitely not an npz file")
    elif damage == "truncated":
        target.write_bytes(good[: len(good) // 2])
    else:
        target.write_bytes(good)
        monkeypatch.setattr(qm9, "CACHE_VERSION", qm9.CACHE_VERSION + 1)
    calls = []

    def fake_parse(paths):
        calls.append(paths)
        return tiny_arrays(cached)

    monkeypatch.setattr(qm9, "_parse_csv", fake_parse)
    rebuilt = load_qm9(cache_dir=tmp_path)
    assert len(calls) == 1 and len(rebuilt) == 3
    assert rebuilt.smiles.tolist() == cached.smiles[:3].tolist()
    assert len(load_qm9(cache_dir=tmp_path)) == 3 and len(calls) == 1  # new cache is valid


def test_failed_cache_write_leaves_no_file(cached, tmp_path, monkeypatch):
    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(qm9, "_parse_csv", lambda paths: tiny_arrays(cached))
    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.warns(UserWarning, match="Cache"):
        assert len(load_qm9(cache_dir=tmp_path)) == 3
    assert list(tmp_path.iterdir()) == []


def test_missing_qm9pack_says_how_to_install(tmp_path, monkeypatch):
    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", not_installed)
    with pytest.raises(DataError, match=r"pip install qm9pack==1\.0\.3"):
        load_qm9(cache_dir=tmp_path)


def synthetic_arrays():
    """Two one-atom molecules, shaped like the parser's output (no CSV parsing needed)."""
    atomic_numbers = np.zeros((2, 29), np.int8)
    atomic_numbers[:, 0] = [6, 7]
    return {
        "index": np.array([1, 2]), "smiles": np.array(["C", "N"]), "n_atoms": np.array([1, 1]),
        "atomic_numbers": atomic_numbers, "coordinates": np.zeros((2, 29, 3)),
        "properties": np.arange(2.0 * len(PROPERTY_UNITS)).reshape(2, -1),
    }


@pytest.mark.parametrize("change", ["properties", "coordinates", "smiles"])
def test_a_cache_with_changed_values_is_rebuilt(tmp_path, monkeypatch, change):
    calls = []

    def fake_parse(paths):
        calls.append(paths)
        return synthetic_arrays()

    monkeypatch.setattr(qm9, "_parse_csv", fake_parse)
    load_qm9(cache_dir=tmp_path)
    cache = tmp_path / "qm9.npz"
    with np.load(cache) as npz:
        stored = {key: npz[key] for key in npz.files}
    stored[change] = stored[change].copy()
    if change == "smiles":
        stored[change][1] = "O"
    else:
        stored[change].flat[-1] += 1.0  # same shapes, tag and checksum; one value changed
    np.savez(cache, **stored)
    rebuilt = load_qm9(cache_dir=tmp_path)
    assert len(calls) == 2  # the changed cache was not used
    np.testing.assert_array_equal(rebuilt.properties.to_numpy(), synthetic_arrays()["properties"])
    assert rebuilt.smiles.tolist() == ["C", "N"]
    load_qm9(cache_dir=tmp_path)
    assert len(calls) == 2  # the rebuilt cache verifies


def test_a_cache_without_checksum_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setattr(qm9, "_parse_csv", lambda paths: synthetic_arrays())
    load_qm9(cache_dir=tmp_path)
    cache = tmp_path / "qm9.npz"
    with np.load(cache) as npz:
        stored = {key: npz[key] for key in npz.files if key != "checksum"}
    np.savez(cache, **stored)  # as written before the checksum existed
    assert qm9._read_cache(cache, str(stored["tag"])) is None
