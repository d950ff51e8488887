"""Multidimensional scaling: items from a distance matrix, and RDMs in one second-order space."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cogalign.errors import CogalignError
from cogalign.similarity.group import _as_rdms

__all__ = ["classical_mds", "second_order_mds"]


def second_order_mds(rdms: Any, method: str = "spearman", n_components: int = 2
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Place RDMs (humans and models) in one space: classical MDS of ``1 - rsa``.

    Parameters
    ----------
    rdms
        A stack of **dissimilarity** RDMs over the same items.
    method
        Comparator; the distance between two RDMs is ``1 - rsa(a, b, method)``.
    n_components
        Dimensions of the embedding.

    Returns
    -------
    coordinates : ndarray, shape (n_rdms, n_components)
        Torgerson (classical) MDS, each axis signed so its largest loading is positive.
    distances : ndarray, shape (n_rdms, n_rdms)
        The second-order distances that were embedded.
    """
    from cogalign.metrics import rsa

    stack = _as_rdms(rdms, "rdms")
    if stack.n_rdms < 2:
        raise CogalignError("MDS needs at least 2 RDMs")
    d = 1.0 - np.asarray(rsa(stack, stack, method), dtype=np.float64)
    d = 0.5 * (d + d.T)
    np.fill_diagonal(d, 0.0)
    d = np.nan_to_num(d, nan=1.0)
    return classical_mds(d, n_components), d


def classical_mds(distances: ArrayLike, n_components: int = 2) -> NDArray[np.float64]:
    """Classical (Torgerson) multidimensional scaling of a distance matrix.

    The doubly centred matrix ``B = -1/2 J D^2 J`` is factored and the top
    ``n_components`` eigenvectors, scaled by the square roots of their (non-negative)
    eigenvalues, are the coordinates; each axis is signed so its largest loading is
    positive. For Euclidean distances in at most ``n_components`` dimensions the distances
    between the coordinates reproduce ``distances`` exactly.
    """
    d = np.asarray(distances, dtype=np.float64)
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise CogalignError(f"distances must be a square matrix, got shape {d.shape}")
    n = d.shape[0]
    centre = np.eye(n) - 1.0 / n
    gram = -0.5 * centre @ (d**2) @ centre
    values, vectors = np.linalg.eigh(gram)
    top = np.argsort(values)[::-1][:n_components]
    coords = vectors[:, top] * np.sqrt(np.clip(values[top], 0, None))[None, :]
    signs = np.sign(coords[np.argmax(np.abs(coords), axis=0), np.arange(coords.shape[1])])
    coords = coords * np.where(signs == 0, 1.0, signs)[None, :]
    if coords.shape[1] < n_components:
        coords = np.pad(coords, ((0, 0), (0, n_components - coords.shape[1])))
    return coords
