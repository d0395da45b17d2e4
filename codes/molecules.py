"""Fixed-length descriptors of molecules from their 3-D structure, and a linear baseline.

Molecules come as zero-padded arrays, as from ``codes.data.qm9.load_qm9``: atomic numbers
Z of shape (n, m) (0 = empty slot) and coordinates R of shape (n, m, 3) in Angstrom.
"""

import numpy as np

from codes.mlp import MLP

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


# ANCHOR: bag_of_bonds
def bag_sizes(atomic_numbers, elements=ELEMENTS):
    """Length of each bag: the largest number of atom pairs of each element pair (and of
    atoms of each element, for the diagonal) over the given molecules."""
    counts = atom_counts(atomic_numbers, elements).astype(int)
    names, sizes = list(elements), {}
    for a, first in enumerate(names):
        sizes[first] = int(counts[:, a].max())
        for b in range(a, len(names)):
            pairs = (counts[:, a] * (counts[:, a] - 1) // 2 if a == b
                     else counts[:, a] * counts[:, b])
            sizes[first + names[b]] = int(pairs.max())
    return {bag: size for bag, size in sizes.items() if size > 0}


def bag_of_bonds(atomic_numbers, coordinates, sizes, chunk_size=2048, elements=ELEMENTS):
    """Bag of bonds (Hansen et al. 2015): the Coulomb matrix entries grouped by element pair.

    Each bag (e.g. "CH": all Z_C Z_H / |R_C - R_H|) is sorted in decreasing order and
    padded with zeros to its length in ``sizes`` (from ``bag_sizes`` on all molecules);
    the bags are concatenated: shape (n, sum of the sizes), float32.
    """
    Z, R = _check_molecules(atomic_numbers, coordinates)
    m = Z.shape[1]
    rows, cols = np.triu_indices(m, k=1)
    columns = []
    for start in range(0, len(Z), chunk_size):
        part = slice(start, start + chunk_size)
        C = coulomb_matrices(Z[part], R[part])
        z = Z[part]
        bags = []
        for bag, size in sizes.items():
            if bag in elements:  # one element: the diagonal 0.5 Z^2.4
                values = np.where(z == elements[bag], np.einsum("nii->ni", C), 0.0)
            else:
                first, second = _split_pair(bag, elements)
                zi, zj = z[:, rows], z[:, cols]
                match = (((zi == elements[first]) & (zj == elements[second]))
                         | ((zi == elements[second]) & (zj == elements[first])))
                values = np.where(match, C[:, rows, cols], 0.0)
            values = -np.sort(-values, axis=1)[:, :size]  # largest first, zeros last
            bags.append(np.pad(values, ((0, 0), (0, size - values.shape[1]))))
        columns.append(np.concatenate(bags, axis=1).astype(np.float32))
    return np.concatenate(columns, axis=0)


def _split_pair(bag, elements):
    """"CH" -> ("C", "H"); element symbols are one letter in QM9."""
    for symbol in elements:
        if bag.startswith(symbol) and bag[len(symbol):] in elements:
            return symbol, bag[len(symbol):]
    raise ValueError(f"Unbekannte Elementpaarung {bag!r}.")
# ANCHOR_END: bag_of_bonds


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


# ANCHOR: residual_mlp
def fit_residual_mlp(features, residual, train, val, *, seed=0, epochs=10, batch_size=32):
    """Delta learning: an MLP learns the residual that the baseline leaves.

    Features and residual are standardised with the training rows; the network has two
    tanh layers of 100 neurons and a linear output, trained with eta = 0.05 and, for
    the last two epochs, 0.01. Returns the predicted residual for every row and the
    training history.
    """
    x_mean, x_std = standardiser(features[train])
    x = ((features - x_mean) / x_std).astype(np.float32)
    r_std = residual[train].std()
    y = (residual / r_std).astype(np.float32)[:, None]
    model = MLP([(x.shape[1], None), (100, "tanh"), (100, "tanh"), (1, "identity")],
                loss="half_squared_error", seed=seed)
    history = model.train(x[train], y[train], epochs=epochs, batch_size=batch_size,
                          eta=lambda epoch: 0.05 if epoch < epochs - 2 else 0.01,
                          validation_data=(x[val], y[val]), seed=seed)
    return r_std * model.feedforward(x)[:, 0], history
# ANCHOR_END: residual_mlp


def _check_molecules(atomic_numbers, coordinates):
    Z = np.asarray(atomic_numbers, dtype=np.float64)
    R = np.asarray(coordinates, dtype=np.float64)
    if Z.ndim != 2 or R.shape != (*Z.shape, 3):
        raise ValueError(
            "Erwartet werden Ordnungszahlen der Form (n, m) und Koordinaten der Form "
            f"(n, m, 3); erhalten: {Z.shape} und {R.shape}.")
    return Z, R
