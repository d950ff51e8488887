"""Cross-validation of triplet models split by triplet, with language-model baselines on the same folds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cogalign.triplets.arrays import shown_triplets, triplet_folds
from cogalign.triplets.base import TripletEmbeddingModel


def similarity_accuracy(similarity: NDArray, table: pd.DataFrame) -> float:
    """Odd-one-out accuracy of a fixed similarity matrix: the odd one is outside the most similar pair.

    Ties between pair similarities are split evenly, as in
    :func:`cogalign.metrics.triplet_agreement`.
    """
    t = shown_triplets(table)
    s = np.stack([similarity[t[:, 1], t[:, 2]], similarity[t[:, 0], t[:, 2]],
                  similarity[t[:, 0], t[:, 1]]], axis=1)
    chosen = np.argmax(t == np.asarray(table["response"])[:, None], axis=1)
    is_top = np.isclose(s, s.max(axis=1, keepdims=True), rtol=1e-12, atol=0.0)
    return float(np.mean(is_top[np.arange(len(t)), chosen] / is_top.sum(axis=1)))


def cosine_similarity(x: NDArray) -> NDArray[np.float64]:
    """Cosine similarity between the rows of ``x`` (zero rows get similarity 0)."""
    x = np.asarray(x, dtype=np.float64)
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    unit = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)
    return unit @ unit.T


def cross_validate(
    estimator: TripletEmbeddingModel,
    table: pd.DataFrame,
    *,
    n_splits: int = 5,
    seed: int = 0,
    features: NDArray | None = None,
    baselines: Mapping[str, NDArray] | None = None,
) -> pd.DataFrame:
    """K-fold cross-validation split by triplet: held-out accuracy and log-likelihood per fold.

    Parameters
    ----------
    estimator
        An unfitted model; a fresh copy with the same settings is fitted on each fold.
    table
        Triplet table (``item_1..item_3``, ``response``).
    features
        Item features, passed to ``fit`` for models that take them (:class:`FeatureSPoSE`).
    baselines
        ``{name: item representation (items x width)}``: each is scored on the same test
        folds by the cosine similarity of its rows, for a like-for-like comparison.

    Returns
    -------
    pandas.DataFrame
        One row per fold and model: ``fold``, ``model``, ``accuracy``, ``log_likelihood``
        (NaN for baselines), ``n_dims``, ``n_train`` and ``n_test`` (trials).
    """
    fold = triplet_folds(table, n_splits, seed=seed)
    sims = {name: cosine_similarity(x) for name, x in (baselines or {}).items()}
    rows: list[dict[str, Any]] = []
    for k in range(n_splits):
        train, test = table[fold != k], table[fold == k]
        model = type(estimator)(**estimator.get_params())
        if features is not None:
            model.fit(train, features)
        else:
            model.fit(train)
        rows.append({"fold": k, "model": type(estimator).__name__, "accuracy": model.score(test),
                     "log_likelihood": model.log_likelihood(test), "n_dims": model.n_dims_,
                     "n_train": len(train), "n_test": len(test)})
        for name, sim in sims.items():
            rows.append({"fold": k, "model": name, "accuracy": similarity_accuracy(sim, test),
                         "log_likelihood": np.nan, "n_dims": np.nan, "n_train": len(train),
                         "n_test": len(test)})
    return pd.DataFrame(rows)
