"""Coulomb matrices and their eigenvalues; the linear atom-count baseline."""

import numpy as np
import pytest

from codes.molecules import (
    atom_counts,
    coulomb_eigenvalues,
    coulomb_matrices,
    fit_linear,
    predict_linear,
    standardiser,
)

BOHR = 0.529177210903  # Angstrom
# Water: O-H 0.9572 Angstrom, H-O-H 104.52 degrees; two empty slots as padding.
ANGLE = np.radians(104.52)
WATER_Z = np.array([[8, 1, 1, 0, 0]])
WATER_R = np.array([[[0.0, 0.0, 0.0], [0.9572, 0.0, 0.0],
                     [0.9572 * np.cos(ANGLE), 0.9572 * np.sin(ANGLE), 0.0],
                     [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])


def test_coulomb_matrix_of_h2_by_hand():
    C = coulomb_matrices([[1, 1]], [[[0, 0, 0], [0, 0, 0.74]]])[0]
    r = 0.74 / BOHR  # 1.3984 Bohr
    np.testing.assert_allclose(C, [[0.5, 1 / r], [1 / r, 0.5]], rtol=1e-12)
    assert C[0, 1] == pytest.approx(0.7151, abs=1e-4)


def test_coulomb_matrix_of_water_by_hand():
    C = coulomb_matrices(WATER_Z, WATER_R)[0]
    d_hh = 2 * 0.9572 * np.sin(ANGLE / 2)  # 1.5139 Angstrom
    expected = np.zeros((5, 5))
    expected[:3, :3] = [[0.5 * 8**2.4, 8 * BOHR / 0.9572, 8 * BOHR / 0.9572],
                        [8 * BOHR / 0.9572, 0.5, BOHR / d_hh],
                        [8 * BOHR / 0.9572, BOHR / d_hh, 0.5]]
    np.testing.assert_allclose(C, expected, rtol=1e-12, atol=1e-15)
    assert C[0, 0] == pytest.approx(73.5167, abs=1e-4)
    assert C[0, 1] == pytest.approx(4.4227, abs=1e-4)
    assert C[1, 2] == pytest.approx(0.3495, abs=1e-4)


def test_eigenvalues_are_invariant_to_permutation_rotation_and_translation():
    rng = np.random.default_rng(0)
    Z = np.array([[6, 1, 1, 1, 8, 1, 0]])
    R = rng.normal(size=(1, 7, 3)) * 1.5
    R[0, 6] = 0
    reference = coulomb_eigenvalues(Z, R)[0]
    perm = np.array([4, 2, 6, 0, 5, 1, 3])  # the padding slot moves too
    Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    R_moved = R[:, perm] @ Q.T + np.array([1.0, -2.0, 0.5])
    R_moved[0, perm == 6] = 0  # an empty slot stays at the origin, it is ignored anyway
    moved = coulomb_eigenvalues(Z[:, perm], R_moved)[0]
    np.testing.assert_allclose(moved, reference, rtol=1e-10, atol=1e-12)
    assert abs(reference[-1]) < 1e-12 and np.all(np.abs(reference[:-1]) > 1e-3)
    assert np.all(np.diff(np.abs(reference)) <= 0)  # sorted by decreasing |lambda|


def test_chunks_give_the_same_result_and_bad_shapes_are_rejected():
    Z = np.repeat(WATER_Z, 5, axis=0)
    R = np.repeat(WATER_R, 5, axis=0)
    np.testing.assert_allclose(coulomb_eigenvalues(Z, R, chunk_size=2), coulomb_eigenvalues(Z, R))
    with pytest.raises(ValueError, match=r"\(n, m, 3\)"):
        coulomb_matrices(WATER_Z, WATER_R[:, :, :2])


def test_linear_baseline_recovers_atom_energies():
    Z = np.array([[6, 1, 1, 1, 1, 0], [8, 1, 1, 0, 0, 0], [6, 6, 8, 1, 9, 7]])
    counts = atom_counts(Z)
    np.testing.assert_array_equal(counts, [[4, 1, 0, 0, 0], [2, 0, 0, 1, 0], [1, 2, 1, 1, 1]])
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 8, size=(50, 5)).astype(float)
    energies = counts @ np.array([-0.5, -38.0, -54.6, -75.1, -99.7]) - 1.0
    w, c = fit_linear(counts, energies)
    np.testing.assert_allclose(w, [-0.5, -38.0, -54.6, -75.1, -99.7], rtol=1e-10)
    assert c == pytest.approx(-1.0)
    np.testing.assert_allclose(predict_linear(counts, w, c), energies, rtol=1e-10)


def test_standardiser_keeps_constant_columns_finite():
    mean, std = standardiser(np.array([[1.0, 5.0], [3.0, 5.0]]))
    np.testing.assert_array_equal(mean, [2.0, 5.0])
    np.testing.assert_array_equal(std, [1.0, 1.0])


def test_bag_of_bonds_sorts_each_bag_and_is_invariant_to_atom_order():
    from codes.molecules import bag_of_bonds, bag_sizes

    sizes = bag_sizes(WATER_Z)
    assert sizes == {"H": 2, "HH": 1, "HO": 2, "O": 1}
    bob = bag_of_bonds(WATER_Z, WATER_R, sizes)[0]
    C = coulomb_matrices(WATER_Z, WATER_R)[0]
    np.testing.assert_allclose(bob, [0.5, 0.5, C[1, 2], C[0, 1], C[0, 2], C[0, 0]], rtol=1e-6)
    perm = [2, 0, 4, 1, 3]
    np.testing.assert_array_equal(bag_of_bonds(WATER_Z[:, perm], WATER_R[:, perm], sizes), [bob])


def test_german_property_names_cover_every_property():
    from codes.data.qm9 import PROPERTY_NAMES, PROPERTY_UNITS

    assert list(PROPERTY_NAMES) == list(PROPERTY_UNITS)
    assert PROPERTY_NAMES["Cv"].startswith("Wärmekapazität")


def test_residual_mlp_learns_a_smooth_function():
    from codes.molecules import fit_residual_mlp

    rng = np.random.default_rng(0)
    features = rng.normal(size=(400, 3))
    residual = np.sin(features[:, 0]) + 0.5 * features[:, 1]
    train, val = np.arange(300), np.arange(300, 400)
    predicted, history = fit_residual_mlp(features, residual, train, val, epochs=20, batch_size=16)
    assert predicted.shape == (400,) and len(history["val_loss"]) == 20
    assert np.mean(np.abs(predicted[val] - residual[val])) < 0.3 * np.mean(np.abs(residual[val]))
