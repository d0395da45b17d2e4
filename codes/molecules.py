"""Fixed-length descriptors of molecules from their 3-D structure, and a linear baseline.

Molecules come as zero-padded arrays, as from ``codes.data.qm9.load_qm9``: atomic numbers
Z of shape (n, m) (0 = empty slot) and coordinates R of shape (n, m, 3) in Angstrom.
"""

import numpy as np

ANGSTROM_TO_BOHR = 1.0 / 0.529177210903  # CODATA 2018 Bohr radius in Angstrom
HARTREE_TO_KCAL_MOL = 627.509474
ELEMENTS = {"H": 1, "C": 6, "N": 7, "O": 8, "F": 9}


# ANCHOR: coulomb
def coulomb_matrices(atomic_numbers, coordinates):
    """Coulomb matrices C of shape (n, m, m) in Hartree (Gl. eq:coulomb-matrix).

    C_ii = 0.5 Z_i^2.4 and C_ij = Z_i Z_j / |R_i - R_j| with distances in Bohr;
    rows and columns of empty slots (Z = 0) are zero.
    """
    Z, R = _check_molecules(atomic_numbers, coordinates)
    R = R * ANGSTROM_TO_BOHR
    diff = R[:, :, None, :] - R[:, None, :, :]  # R_i - R_j for all pairs: (n, m, m, 3)
    distances = np.sqrt(np.einsum("nijk,nijk->nij", diff, diff))
    ZZ = Z[:, :, None] * Z[:, None, :]
    off_diagonal = ~np.eye(Z.shape[1], dtype=bool)
    C = np.divide(ZZ, distances, out=np.zeros_like(ZZ), where=(ZZ > 0) & off_diagonal)
    diagonal = np.einsum("nii->ni", C)  # a writable view on the diagonals
    diagonal[:] = 0.5 * Z**2.4
    return C


def coulomb_eigenvalues(atomic_numbers, coordinates, chunk_size=2048):
    """Eigenvalues of each Coulomb matrix, sorted by decreasing |lambda|: shape (n, m).

    Sorting makes the descriptor independent of the order of the atoms; eigenvalues do
    not change under rotations and translations. Empty slots give trailing zeros.
    The (n, m, m) matrices are built in chunks to keep the memory small.
    """
    Z, R = _check_molecules(atomic_numbers, coordinates)
    eigenvalues = np.empty(Z.shape)
    for start in range(0, len(Z), chunk_size):
        part = slice(start, start + chunk_size)
        lam = np.linalg.eigvalsh(coulomb_matrices(Z[part], R[part]))  # all matrices at once
        order = np.argsort(-np.abs(lam), axis=1, kind="stable")
        eigenvalues[part] = np.take_along_axis(lam, order, axis=1)
    return eigenvalues
# ANCHOR_END: coulomb


# ANCHOR: baseline
def atom_counts(atomic_numbers, elements=ELEMENTS):
    """Number of atoms of each element (H, C, N, O, F) per molecule: shape (n, 5)."""
    Z = np.asarray(atomic_numbers)
    return np.stack([(Z == z).sum(axis=1) for z in elements.values()], axis=1).astype(np.float64)


def fit_linear(features, target):
    """Least squares y ~ X w + c (closed form via np.linalg.lstsq); returns (w, c)."""
    X = np.column_stack([features, np.ones(len(features))])
    coefficients, *_ = np.linalg.lstsq(X, target, rcond=None)
    return coefficients[:-1], coefficients[-1]


def predict_linear(features, weights, intercept):
    """The prediction X w + c of a model from ``fit_linear``."""
    return features @ weights + intercept
# ANCHOR_END: baseline


# ANCHOR: standardise
def standardiser(train):
    """Mean and standard deviation of each column of the training data (std 0 -> 1)."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)
# ANCHOR_END: standardise


def _check_molecules(atomic_numbers, coordinates):
    Z = np.asarray(atomic_numbers, dtype=np.float64)
    R = np.asarray(coordinates, dtype=np.float64)
    if Z.ndim != 2 or R.shape != (*Z.shape, 3):
        raise ValueError(
            "Erwartet werden Ordnungszahlen der Form (n, m) und Koordinaten der Form "
            f"(n, m, 3); erhalten: {Z.shape} und {R.shape}.")
    return Z, R
