"""Triplet trials as integer arrays, in the layout the embedding models train on.

Training arrays hold one row per trial with the two items kept together first and the odd one
out last: ``[i, j, k]`` means ``k`` was chosen as the odd one out, so ``(i, j)`` is the pair
judged most similar.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from cogalign.crossval import fold_labels, holdout_split
from cogalign.errors import CogalignError

__all__ = ["odd_last", "shown_triplets", "split_by_triplet", "triplet_folds", "triplet_groups"]


def odd_last(table: Any) -> NDArray[np.int64]:
    """Reorder each triplet so that the odd one out comes last.

    Parameters
    ----------
    table
        A triplet trial table (``item_1``, ``item_2``, ``item_3``, ``response``, as in
        :data:`cogalign.data.schemas.TRIPLETS`), or an ``(n, 3)`` integer array that is
        already in odd-last order.

    Returns
    -------
    numpy.ndarray
        ``(n, 3)`` int64 array ``[kept, kept, odd]``.
    """
    if isinstance(table, np.ndarray):
        arr = np.asarray(table)
        if arr.ndim != 2 or arr.shape[1] != 3 or not np.issubdtype(arr.dtype, np.integer):
            raise CogalignError(f"expected an (n, 3) integer array of triplets, got {arr.shape}")
        return arr.astype(np.int64)
    items = np.stack([np.asarray(table[c], dtype=np.int64) for c in ("item_1", "item_2", "item_3")], 1)
    response = np.asarray(table["response"], dtype=np.int64)
    position = np.argmax(items == response[:, None], axis=1)
    if not np.all(items[np.arange(len(items)), position] == response):
        bad = int(np.flatnonzero(items[np.arange(len(items)), position] != response)[0])
        raise CogalignError(f"row {bad + 1}: response is not one of the three items")
    order = np.array([[1, 2, 0], [0, 2, 1], [0, 1, 2]])[position]
    return np.take_along_axis(items, order, axis=1)


def shown_triplets(table: Any) -> NDArray[np.int64]:
    """The three items of each trial in screen order, ``(n, 3)`` int64."""
    if isinstance(table, np.ndarray):
        return np.asarray(table, dtype=np.int64)
    return np.stack([np.asarray(table[c], dtype=np.int64) for c in ("item_1", "item_2", "item_3")], 1)


def triplet_groups(table: Any) -> NDArray[np.int64]:
    """Group number of every row: the triplet as a set of items, in any screen order.

    Rows with the same group are repeats of one triplet; cross-validation keeps them together
    (:func:`cogalign.crossval.cross_validate` with ``groups=triplet_groups``).
    """
    _, group = np.unique(np.sort(shown_triplets(table), axis=1), axis=0, return_inverse=True)
    return group.ravel().astype(np.int64)


def split_by_triplet(
    table: Any, test_size: float = 0.2, *, seed: int = 0
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row indices of a train/test split in which no triplet (as a set of items) is in both.

    Repeated presentations of one triplet stay together, so held-out accuracy is measured on
    triplets the model never saw (:func:`cogalign.crossval.holdout_split` by
    :func:`triplet_groups`; ``test_size`` is the share of distinct triplets held out).
    """
    return holdout_split(table, test_size, groups=triplet_groups, seed=seed)


def triplet_folds(table: Any, n_splits: int = 5, *, seed: int = 0) -> NDArray[np.int64]:
    """Fold number of every row for k-fold cross-validation split by triplet.

    All presentations of one triplet (as a set of items, in any screen order) share a fold;
    the triplets are dealt to folds at random (seeded), in near-equal numbers. These are the
    folds of :func:`cogalign.triplets.cross_validate` with the same ``n_splits`` and ``seed``
    (:func:`cogalign.crossval.fold_labels`).
    """
    n_groups = len(np.unique(triplet_groups(table)))
    if n_groups < n_splits:
        raise CogalignError(f"only {n_groups} distinct triplets; cannot make {n_splits} folds")
    return fold_labels(table, groups=triplet_groups, cv=n_splits, seed=seed)
