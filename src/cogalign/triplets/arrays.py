"""Triplet trials as integer arrays, in the layout the embedding models train on.

Training arrays hold one row per trial with the two items kept together first and the odd one
out last: ``[i, j, k]`` means ``k`` was chosen as the odd one out, so ``(i, j)`` is the pair
judged most similar.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from cogalign.errors import CogalignError


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


def split_by_triplet(
    table: Any, test_size: float = 0.2, *, seed: int = 0
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row indices of a train/test split in which no triplet (as a set of items) is in both.

    Repeated presentations of one triplet stay together, so held-out accuracy is measured on
    triplets the model never saw.
    """
    items = np.sort(shown_triplets(table), axis=1)
    _, group = np.unique(items, axis=0, return_inverse=True)
    group = group.ravel()
    rng = np.random.default_rng(seed)
    groups = rng.permutation(group.max() + 1)
    n_test = max(1, int(round(test_size * len(groups))))
    test_groups = np.zeros(group.max() + 1, dtype=bool)
    test_groups[groups[:n_test]] = True
    test = test_groups[group]
    return np.flatnonzero(~test), np.flatnonzero(test)


def triplet_folds(table: Any, n_splits: int = 5, *, seed: int = 0) -> NDArray[np.int64]:
    """Fold number of every row for k-fold cross-validation split by triplet.

    All presentations of one triplet (as a set of items, in any screen order) share a fold,
    and the triplets are dealt to folds at random (seeded), so fold sizes differ by at most
    one triplet.
    """
    if n_splits < 2:
        raise CogalignError(f"n_splits must be at least 2, got {n_splits}")
    items = np.sort(shown_triplets(table), axis=1)
    _, group = np.unique(items, axis=0, return_inverse=True)
    group = group.ravel()
    n_groups = int(group.max()) + 1
    if n_groups < n_splits:
        raise CogalignError(f"only {n_groups} distinct triplets; cannot make {n_splits} folds")
    rng = np.random.default_rng(seed)
    fold_of_group = rng.permutation(n_groups) % n_splits
    return fold_of_group[group].astype(np.int64)
