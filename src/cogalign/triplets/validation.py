"""Cross-validation of triplet models split by triplet, with language-model baselines on the same folds."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cogalign import crossval
from cogalign.triplets.arrays import shown_triplets, triplet_groups
from cogalign.triplets.base import TripletEmbeddingModel

__all__ = ["TRIPLET_SCORING", "cosine_similarity", "cross_validate", "similarity_accuracy"]


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


def _scored_similarity(similarity: NDArray, train: pd.DataFrame, test: pd.DataFrame
                       ) -> dict[str, float]:
    """A fixed similarity matrix as a cross-validation baseline (nothing is fitted)."""
    return {"accuracy": similarity_accuracy(similarity, test), "log_likelihood": np.nan,
            "n_dims": np.nan}


#: Held-out scores of a triplet model: accuracy, mean log-likelihood, dimensions kept.
TRIPLET_SCORING = {
    "accuracy": lambda model, test: model.score(test),
    "log_likelihood": lambda model, test: model.log_likelihood(test),
    "n_dims": lambda model, test: model.n_dims_,
}


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

    The folds are :func:`~cogalign.triplets.arrays.triplet_folds` (the same ``n_splits`` and
    ``seed`` give the same folds); the driver is :func:`cogalign.crossval.cross_validate`.

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
    fixed = {name: functools.partial(_scored_similarity, cosine_similarity(x))
             for name, x in (baselines or {}).items()}
    return crossval.cross_validate(
        estimator, table, groups=triplet_groups, cv=n_splits, seed=seed, baselines=fixed,
        scoring=TRIPLET_SCORING, fit_params=None if features is None else {"features": features})
