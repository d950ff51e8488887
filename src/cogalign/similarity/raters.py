r"""Word pairs rated by individual people: agreement with each rater, and Turing RSA on words.

The per-rater datasets (``wordsim353-raters-set1``, ``wordsim353-raters-set2``, ``card660``)
give every rater's rating of every pair of a list. A list of pairs is not a full RDM, so the
analyses here work on pair vectors:

* :func:`rater_matrix` - the ratings as a raters x pairs matrix (**similarities**);
* :func:`rater_agreement` - a model's mean Spearman correlation with the individual raters,
  with a bootstrap interval over pairs, next to the noise ceiling
  (:func:`cogalign.metrics.pairs_noise_ceiling`: each rater against the mean of the others,
  and of everyone);
* :func:`word_pair_turing` - individual-level Turing RSA
  (:func:`cogalign.metrics.individual_alignment_pairs`): is a model, or each synthetic
  individual sampled from it, inside the range of the human raters?

References
----------
Ogg, M., Bose, R., Scharf, J., Ratto, C., & Wolmetz, M. (2024). Turing Representational
Similarity Analysis (RSA): a flexible method for measuring alignment between human and
artificial intelligence. arXiv:2412.00577.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from cogalign.errors import CogalignError
from cogalign.similarity.wordpairs import _row_pearson

__all__ = ["RATER_DATASETS", "rater_agreement", "rater_matrix", "word_pair_turing"]

#: Registered datasets with every rater's rating of every word pair.
RATER_DATASETS = ("wordsim353-raters-set1", "wordsim353-raters-set2", "card660")


def rater_matrix(table: pd.DataFrame) -> tuple[pd.DataFrame, NDArray[np.float64], list[str]]:
    """Ratings of a list of pairs as a raters x pairs matrix.

    Parameters
    ----------
    table
        A similarity table (:data:`cogalign.data.schemas.PAIRWISE`) in which ``trial``
        numbers the pairs of the list (as the per-rater datasets' loaders write it).

    Returns
    -------
    pairs : pandas.DataFrame
        One row per pair, in ``trial`` order: ``trial``, ``item_a``, ``item_b``.
    ratings : ndarray, shape (n_raters, n_pairs)
        **Similarity** ratings; NaN where a rater did not rate a pair.
    raters : list of str
        The participant ids, in row order.
    """
    missing = [c for c in ("participant_id", "trial", "item_a", "item_b", "rating")
               if c not in table.columns]
    if missing:
        raise CogalignError(f"the ratings table lacks columns {missing}")
    pairs = (table[["trial", "item_a", "item_b"]].drop_duplicates("trial")
             .sort_values("trial").reset_index(drop=True))
    wide = table.pivot_table(index="participant_id", columns="trial", values="rating",
                             aggfunc="mean").reindex(columns=pairs["trial"])
    return pairs, wide.to_numpy(dtype=np.float64), [str(p) for p in wide.index]


def rater_agreement(human: ArrayLike, model: ArrayLike, *, n_boot: int = 1000,
                    ci: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """A model's mean Spearman correlation with individual raters, per model column.

    Parameters
    ----------
    human : array_like, shape (n_raters, n_pairs)
        Every rater's **similarity** ratings (no NaN).
    model : array_like, shape (n_pairs,) or (n_pairs, n_columns)
        The model's **similarity** of each pair, one column per layer or prompt.
    n_boot, ci, seed
        Bootstrap over pairs (every column resampled with the same draws).

    Returns
    -------
    pandas.DataFrame
        One row per column: ``rsa`` (mean over raters of Spearman(model, rater)),
        ``ci_low``, ``ci_high``.
    """
    from cogalign.metrics import percentile_interval, rank_rows

    h = np.asarray(human, dtype=np.float64)
    m = np.asarray(model, dtype=np.float64)
    m = m[:, None] if m.ndim == 1 else m
    if h.ndim != 2 or m.shape[0] != h.shape[1] or np.isnan(h).any() or np.isnan(m).any():
        raise CogalignError(f"human must be (raters, pairs) without NaN and model "
                            f"(pairs, columns); got {h.shape} and {m.shape}")
    n = h.shape[1]
    values = np.vstack([h, m.T])  # raters first, then model columns
    ranks = rank_rows(values)
    corr = _row_pearson(ranks[h.shape[0]:, None, :], ranks[None, :h.shape[0], :])
    estimate = corr.mean(axis=1)
    low = high = np.full(m.shape[1], np.nan)
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        boots = np.empty((n_boot, m.shape[1]))
        for b in range(n_boot):
            r = rank_rows(values[:, rng.integers(0, n, n)])
            boots[b] = _row_pearson(r[h.shape[0]:, None, :],
                                    r[None, :h.shape[0], :]).mean(axis=1)
        low, high = percentile_interval(boots, ci)
    return pd.DataFrame({"rsa": estimate, "ci_low": low, "ci_high": high})


def word_pair_turing(human: ArrayLike, candidates: ArrayLike, *,
                     names: Sequence[str] | None = None, n_boot: int = 1000,
                     ci: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Individual-level Turing RSA on word pairs: is each candidate inside the human range?

    Parameters
    ----------
    human : array_like, shape (n_raters, n_pairs)
        Every rater's **similarity** ratings, at least 3 raters.
    candidates : array_like, shape (k, n_pairs)
        Each candidate's **similarity** of the pairs (a model layer, a prompt's expected
        rating, one synthetic individual's ratings).
    names
        Candidate names.
    n_boot, ci, seed
        Bootstrap over pairs of the percentile interval.

    Returns
    -------
    pandas.DataFrame
        One row per candidate as :meth:`cogalign.metrics.IndividualAlignment.to_frame`
        (``score``, ``percentile`` with ``percentile_low`` / ``percentile_high``,
        ``inside_human_range``, ``human_min`` / ``human_median`` / ``human_max``...).
    """
    from cogalign.metrics import individual_alignment_pairs

    result = individual_alignment_pairs(human, candidates, "spearman", n_boot=n_boot, ci=ci,
                                        seed=seed, names=None if names is None else list(names))
    return result.to_frame()
