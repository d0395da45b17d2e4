"""Data loaders of the book: MNIST as verified IDX files, QM9 from the qm9pack wheel."""

from ._files import DataError
from .mnist import MnistSplits, load_idx, load_mnist, one_hot
from .qm9 import PROPERTY_UNITS, QM9, load_qm9

__all__ = [
    "DataError", "MnistSplits", "load_idx", "load_mnist", "one_hot",
    "PROPERTY_UNITS", "QM9", "load_qm9",
]
