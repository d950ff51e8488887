"""Pairwise similarity ratings -> per-participant and group RDMs, and their reliability.

The trial table is :data:`cogalign.data.schemas.PAIRWISE` (one row per rated pair:
``participant_id``, ``trial``, ``item_a``, ``item_b``, ``rating``, optional ``scale_min`` /
``scale_max``, ``repeat``, ``rt``); the shipped similarity study (``cogalign study run similarity``) writes it and
:func:`cogalign.data.read_trials` reads it (paradigm ``"similarity"``).

Convention
----------
Ratings are **similarities** (higher = more alike). Every RDM this module returns holds
**dissimilarities**, the convention of :mod:`cogalign.metrics`; the conversion is the explicit
flip ``d = scale_max - rating`` of :func:`cogalign.metrics.rdm_from_ratings`, with the scale
taken from the table's ``scale_min`` / ``scale_max`` columns or given by the caller, never
guessed from the data.

Pairs rated in either order (``a, b`` or ``b, a``) are the same pair; repeated ratings of a
pair by one participant are averaged; pairs a participant never rated are NaN and every
comparison downstream uses only the pairs both sides have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError

__all__ = [
    "Reliability",
    "group_rdm",
    "main_trials",
    "participant_rdms",
    "rating_scale",
    "reliability",
    "retest_reliability",
]


def main_trials(table: pd.DataFrame) -> pd.DataFrame:
    """The rated trials only: attention checks and practice trials (when marked) are dropped.

    The study runner marks attention checks in ``is_attention_check`` and practice trials in
    ``is_practice``; tables without these columns are returned unchanged.
    """
    keep = np.ones(len(table), dtype=bool)
    for column in ("is_attention_check", "is_practice"):
        if column in table.columns:
            keep &= ~table[column].fillna(False).astype(bool).to_numpy()
    return table.loc[keep]


def rating_scale(table: pd.DataFrame, scale: tuple[float, float] | None = None
                 ) -> tuple[float, float]:
    """The rating scale ``(min, max)``: ``scale`` if given, else the table's columns.

    Raises
    ------
    CogalignError
        When neither is available or the table mixes scales.
    """
    if scale is not None:
        lo, hi = float(scale[0]), float(scale[1])
        if not hi > lo:
            raise CogalignError(f"scale must be (min, max) with max > min, got {scale}")
        return lo, hi
    if not {"scale_min", "scale_max"} <= set(table.columns):
        raise CogalignError(
            "the rating scale is unknown: the table has no scale_min/scale_max columns; "
            "pass scale=(min, max)"
        )
    lo = pd.unique(table["scale_min"].dropna())
    hi = pd.unique(table["scale_max"].dropna())
    if len(lo) != 1 or len(hi) != 1:
        raise CogalignError(
            f"the table mixes rating scales (scale_min {sorted(lo)}, scale_max {sorted(hi)}); "
            "rescale the ratings to one scale first"
        )
    return float(lo[0]), float(hi[0])


def participant_rdms(
    table: pd.DataFrame,
    *,
    scale: tuple[float, float] | None = None,
    labels: Sequence[str] | None = None,
) -> Any:
    """One dissimilarity RDM per participant from pairwise similarity ratings.

    Parameters
    ----------
    table
        Pairwise trials (:data:`cogalign.data.schemas.PAIRWISE`): ``participant_id``,
        ``item_a``, ``item_b``, ``rating`` (a similarity).
    scale
        ``(scale_min, scale_max)`` of the rating scale; default: the table's ``scale_min`` /
        ``scale_max`` columns.
    labels
        All items in the order wanted for the RDM rows; default: sorted unique items.

    Returns
    -------
    cogalign.metrics.RatingsRDMs
        ``.rdms`` (dissimilarities ``scale_max - mean rating``, NaN for unrated pairs, names =
        participant ids), ``.counts`` (ratings per entry), ``.labels``, ``.mean()``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"participant_id": ["p1"] * 4, "item_a": ["a", "b", "a", "c"],
    ...                   "item_b": ["b", "a", "c", "b"], "rating": [7, 5, 1, 4],
    ...                   "scale_min": 1, "scale_max": 7})
    >>> participant_rdms(t).rdms.vectors.tolist()   # pairs ab (rated twice), ac, bc
    [[1.0, 6.0, 3.0]]
    """
    from cogalign.metrics import rdm_from_ratings

    missing = [c for c in ("participant_id", "item_a", "item_b", "rating") if c not in table]
    if missing:
        raise CogalignError(f"the ratings table lacks columns {missing}")
    rows = main_trials(table)
    lo, hi = rating_scale(rows, scale)
    try:
        return rdm_from_ratings(
            rows, participant="participant_id", item_a="item_a", item_b="item_b",
            rating="rating", kind="similarity", scale=(lo, hi), labels=labels,
        )
    except ValueError as exc:  # RDMInputError derives from ValueError
        raise CogalignError(str(exc)) from None


def group_rdm(table: pd.DataFrame, *, scale: tuple[float, float] | None = None,
              labels: Sequence[str] | None = None) -> Any:
    """The group RDM: per pair, the mean over participants of their (mean) dissimilarity.

    Each participant counts once per pair however often they rated it. Returns a one-RDM
    :class:`cogalign.metrics.RDMs` of dissimilarities (NaN where nobody rated the pair).
    """
    return participant_rdms(table, scale=scale, labels=labels).mean()


def retest_reliability(table: pd.DataFrame) -> pd.DataFrame:
    """Each participant's agreement between first and repeated ratings of the same pairs.

    Uses the ``repeat`` column (0 = first rating, 1 = second, ...): for every participant the
    ratings at ``repeat == 0`` are correlated with the mean of later repeats over the pairs
    rated more than once (pair order ignored).

    Returns
    -------
    pandas.DataFrame
        ``participant_id``, ``n_pairs``, ``pearson``, ``spearman``, ``mean_abs_diff`` (in
        rating units); NaN correlations where fewer than 3 pairs were repeated.
    """
    from scipy import stats

    if "repeat" not in table.columns:
        raise CogalignError("test-retest reliability needs a 'repeat' column")
    rows = main_trials(table)
    a = rows["item_a"].astype(str).to_numpy()
    b = rows["item_b"].astype(str).to_numpy()
    frame = pd.DataFrame({
        "participant_id": rows["participant_id"].astype(str).to_numpy(),
        "pair": [f"{x}\x1f{y}" if x < y else f"{y}\x1f{x}" for x, y in zip(a, b, strict=True)],
        "later": rows["repeat"].to_numpy() > 0,
        "rating": rows["rating"].to_numpy(dtype=float),
    })
    out = []
    for pid, part in frame.groupby("participant_id", sort=True):
        first = part[~part["later"]].groupby("pair")["rating"].mean()
        again = part[part["later"]].groupby("pair")["rating"].mean()
        both = first.index.intersection(again.index)
        x, y = first[both].to_numpy(), again[both].to_numpy()
        ok = len(both) >= 3 and np.std(x) > 0 and np.std(y) > 0
        out.append({
            "participant_id": pid,
            "n_pairs": len(both),
            "pearson": float(stats.pearsonr(x, y)[0]) if ok else np.nan,
            "spearman": float(stats.spearmanr(x, y)[0]) if ok else np.nan,
            "mean_abs_diff": float(np.mean(np.abs(x - y))) if len(both) else np.nan,
        })
    return pd.DataFrame(out)


@dataclass(frozen=True)
class Reliability:
    """How consistent the ratings are, within and between participants.

    Attributes
    ----------
    split_half_r : float
        Mean correlation between the group RDMs of random halves of the participants.
    split_half_reliability : float
        Spearman-Brown corrected ``split_half_r``: reliability of the full group RDM.
    noise_ceiling_lower, noise_ceiling_upper : float
        Noise ceiling of the participant RDMs (Nili et al. 2014) for ``method``.
    test_retest : float
        Mean over participants of the test-retest correlation of repeated pairs (NaN without
        repeats).
    n_participants : int
    method : str
        Comparator used.
    """

    split_half_r: float
    split_half_reliability: float
    noise_ceiling_lower: float
    noise_ceiling_upper: float
    test_retest: float
    n_participants: int
    method: str

    def to_dict(self) -> dict[str, float | int | str]:
        """Plain-Python dict (JSON-able)."""
        return {k: (None if isinstance(v, float) and np.isnan(v) else v)
                for k, v in self.__dict__.items()}


def reliability(
    table_or_rdms: Any,
    *,
    method: str = "spearman",
    n_splits: int = 100,
    scale: tuple[float, float] | None = None,
    seed: int | np.random.Generator | None = 0,
) -> Reliability:
    """Split-half (Spearman-Brown), noise ceiling and test-retest reliability.

    Parameters
    ----------
    table_or_rdms
        A pairwise ratings table, or participant dissimilarity RDMs (anything
        :func:`cogalign.metrics.split_half_reliability` takes; no test-retest then).
    method
        Comparator for the split halves and the noise ceiling
        (see :func:`cogalign.metrics.rsa`).
    n_splits
        Random splits of the participants into halves.
    scale
        Rating scale for a table without ``scale_min`` / ``scale_max``.
    seed
        Seed for the random splits.

    Returns
    -------
    Reliability
    """
    from cogalign.metrics import RDMs, rdm_noise_ceiling, split_half_reliability

    retest = np.nan
    if isinstance(table_or_rdms, pd.DataFrame):
        rdms = participant_rdms(table_or_rdms, scale=scale).rdms
        if "repeat" in table_or_rdms.columns and (table_or_rdms["repeat"] > 0).any():
            values = retest_reliability(table_or_rdms)["pearson"].to_numpy(dtype=float)
            retest = float(np.nanmean(values)) if np.isfinite(values).any() else np.nan
    else:
        rdms = RDMs.from_array(table_or_rdms)
    half = split_half_reliability(rdms, method, n_splits=n_splits, seed=seed)
    ceiling = rdm_noise_ceiling(rdms, method)
    return Reliability(
        split_half_r=half.r, split_half_reliability=half.reliability,
        noise_ceiling_lower=ceiling.lower, noise_ceiling_upper=ceiling.upper,
        test_retest=retest, n_participants=rdms.n_rdms, method=half.method,
    )
