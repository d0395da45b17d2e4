"""Deskriptoren fester Länge für Moleküle aus ihrer 3-D-Struktur, und eine lineare Basislinie.

Moleküle kommen als mit Nullen aufgefüllte Felder, wie aus ``codes.data.qm9.load_qm9``:
Ordnungszahlen Z der Form (N, m) (0 = leerer Platz) und Koordinaten R der Form (N, m, 3)
in Ångström. Die Atome eines Moleküls zählen p und q (wie im Kapitel).
"""

import numpy as np

from codes.mlp import MLP

ANGSTROM_TO_BOHR = 1.0 / 0.529177210903  # Bohrscher Radius in Ångström nach CODATA 2018
HARTREE_TO_KCAL_MOL = 627.509474
ELEMENTS = {"H": 1, "C": 6, "N": 7, "O": 8, "F": 9}


# ANCHOR: coulomb
def coulomb_matrices(atomic_numbers, coordinates):
    """Coulomb-Matrizen C der Form (N, m, m) in Hartree (Gl. eq:coulomb-matrix).

    C_pp = 0.5 Z_p^2.4 und C_pq = Z_p Z_q / |R_p - R_q| mit Abständen in Bohr;
    Zeilen und Spalten leerer Plätze (Z = 0) sind null.
    """
    Z, R = _check_molecules(atomic_numbers, coordinates)
    R = R * ANGSTROM_TO_BOHR
    diff = R[:, :, None, :] - R[:, None, :, :]  # R_p - R_q für alle Paare: (N, m, m, 3)
    distances = np.sqrt(np.einsum("nijk,nijk->nij", diff, diff))
    ZZ = Z[:, :, None] * Z[:, None, :]
    off_diagonal = ~np.eye(Z.shape[1], dtype=bool)
    C = np.divide(ZZ, distances, out=np.zeros_like(ZZ), where=(ZZ > 0) & off_diagonal)
    diagonal = np.einsum("nii->ni", C)  # eine beschreibbare Sicht auf die Diagonalen
    diagonal[:] = 0.5 * Z**2.4
    return C


def coulomb_eigenvalues(atomic_numbers, coordinates, chunk_size=2048):
    """Eigenwerte jeder Coulomb-Matrix, absteigend nach |lambda| sortiert: Form (N, m).

    Das Sortieren macht den Deskriptor unabhängig von der Reihenfolge der Atome;
    Eigenwerte ändern sich unter Drehungen und Verschiebungen nicht. Leere Plätze ergeben
    Nullen am Ende. Die (N, m, m) Matrizen entstehen stückweise, damit der Speicher klein bleibt.
    """
    Z, R = _check_molecules(atomic_numbers, coordinates)
    eigenvalues = np.empty(Z.shape)
    for start in range(0, len(Z), chunk_size):
        part = slice(start, start + chunk_size)
        lam = np.linalg.eigvalsh(coulomb_matrices(Z[part], R[part]))  # alle Matrizen eines Stücks auf einmal
        order = np.argsort(-np.abs(lam), axis=1, kind="stable")
        eigenvalues[part] = np.take_along_axis(lam, order, axis=1)
    return eigenvalues
# ANCHOR_END: coulomb


# ANCHOR: bag_of_bonds
def bag_sizes(atomic_numbers, elements=ELEMENTS):
    """Länge jedes Beutels: die größte Zahl von Atompaaren jedes Elementpaars (und von
    Atomen jedes Elements, für die Diagonale) über die gegebenen Moleküle."""
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
    """Bag of Bonds (Hansen u. a. 2015): die Einträge der Coulomb-Matrix, nach Elementpaar gruppiert.

    Jeder Beutel (etwa "CH": alle Z_C Z_H / |R_C - R_H|) wird absteigend sortiert und mit
    Nullen auf seine Länge aus ``sizes`` aufgefüllt (aus ``bag_sizes`` über alle Moleküle);
    die Beutel werden aneinandergehängt: Form (N, Summe der Längen), float32.
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
            if bag in elements:  # ein Element: die Diagonale 0.5 Z^2.4
                values = np.where(z == elements[bag], np.einsum("nii->ni", C), 0.0)
            else:
                first, second = _split_pair(bag, elements)
                zi, zj = z[:, rows], z[:, cols]
                match = (((zi == elements[first]) & (zj == elements[second]))
                         | ((zi == elements[second]) & (zj == elements[first])))
                values = np.where(match, C[:, rows, cols], 0.0)
            values = -np.sort(-values, axis=1)[:, :size]  # größte zuerst, Nullen zuletzt
            bags.append(np.pad(values, ((0, 0), (0, size - values.shape[1]))))
        columns.append(np.concatenate(bags, axis=1).astype(np.float32))
    return np.concatenate(columns, axis=0)


def _split_pair(bag, elements):
    """"CH" -> ("C", "H"); in QM9 sind alle Elementsymbole ein Buchstabe."""
    for symbol in elements:
        if bag.startswith(symbol) and bag[len(symbol):] in elements:
            return symbol, bag[len(symbol):]
    raise ValueError(f"Unbekannte Elementpaarung {bag!r}.")
# ANCHOR_END: bag_of_bonds


# ANCHOR: baseline
def atom_counts(atomic_numbers, elements=ELEMENTS):
    """Zahl der Atome jedes Elements (H, C, N, O, F) je Molekül: Form (N, 5)."""
    Z = np.asarray(atomic_numbers)
    return np.stack([(Z == z).sum(axis=1) for z in elements.values()], axis=1).astype(np.float64)


def fit_linear(features, target):
    """Kleinste Quadrate y ~ X w + c (geschlossen mit np.linalg.lstsq); gibt (w, c) zurück."""
    X = np.column_stack([features, np.ones(len(features))])
    coefficients, *_ = np.linalg.lstsq(X, target, rcond=None)
    return coefficients[:-1], coefficients[-1]


def predict_linear(features, weights, intercept):
    """Die Vorhersage X w + c eines Modells aus ``fit_linear``."""
    return features @ weights + intercept
# ANCHOR_END: baseline


# ANCHOR: standardise
def standardiser(train):
    """Mittelwert und Standardabweichung jeder Spalte der Trainingsdaten (Standardabweichung 0 -> 1)."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)
# ANCHOR_END: standardise


# ANCHOR: residual_mlp
def fit_residual_mlp(features, residual, train, val, *, seed=0, epochs=10, batch_size=32):
    """Residuum einer Basislinie lernen: Ein MLP lernt den Rest, den die lineare Basislinie lässt.

    Merkmale und Rest werden mit den Trainingszeilen standardisiert; das Netz hat zwei
    tanh-Schichten mit je 100 Neuronen und eine lineare Ausgabe und lernt mit eta = 0.05,
    in den letzten beiden Epochen mit 0.01. Gibt den vorhergesagten Rest für jede Zeile
    und den Trainingsverlauf zurück.
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
