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
