r"""Noise ceilings and reliability for RDMs from several participants.

Takes per-participant RDMs of **dissimilarities** (see :mod:`cogalign.metrics.rdm`).

Noise ceiling (Nili et al. 2014): how well the unknown true model could do given the
between-participant variability. With :math:`\bar D` the pooled RDM of all participants and
:math:`\bar D_{-i}` that of all but participant :math:`i`,

.. math::

    \text{upper} = \frac1m\sum_i \mathrm{rsa}(\bar D, D_i), \qquad
    \text{lower} = \frac1m\sum_i \mathrm{rsa}(\bar D_{-i}, D_i).

Pooling matches the comparator, as in rsatoolbox's ``pool_rdm``: RDMs are rank-transformed
for rank comparators (spearman, rho-a, kendall, tau-a), z-scored for pearson and corr_cov,
scaled to unit root-mean-square for cosine and cosine_cov, then averaged. Values equal
rsatoolbox's ``boot_noise_ceiling``.

Split-half reliability: participants are split at random into two halves, the half-mean
RDMs are compared, and the Spearman-Brown formula :math:`r_{SB} = 2r/(1+r)` estimates the
reliability of the full group's mean RDM.

References
----------
Nili, H., Wingfield, C., Walther, A., Su, L., Marslen-Wilson, W., & Kriegeskorte, N. (2014).
A toolbox for representational similarity analysis. PLoS Comput. Biol. 10(4): e1003553.

Spearman, C. (1910). Correlation calculated from faulty data. Br. J. Psychol. 3, 271-295.
Brown, W. (1910). Some experimental results in the correlation of mental abilities.
Br. J. Psychol. 3, 296-322.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata

from cogalign.metrics._checks import RDMInputError, as_rng, parse_rdms
from cogalign.metrics.compare import canonical_method, compare_vectors

__all__ = [
    "NoiseCeiling",
    "SplitHalf",
    "pairs_noise_ceiling",
    "pool_rdms",
    "rdm_noise_ceiling",
    "spearman_brown",
    "split_half_reliability",
]


def _normalise_rows(v: NDArray, method: str) -> NDArray:
    """Per-RDM transform before averaging (NaN kept), as fits the comparator."""
    out = np.array(v, dtype=np.float64)
    if method in ("spearman", "rho-a", "kendall", "tau-a"):
        ranks = rankdata(out, axis=1, nan_policy="omit")
        return np.where(np.isnan(out), np.nan, ranks)
    if method in ("pearson", "corr_cov"):
        out = out - np.nanmean(out, axis=1, keepdims=True)
        return out / np.nanstd(out, axis=1, keepdims=True)
    # cosine, cosine_cov: unit root-mean-square
    return out / np.sqrt(np.nanmean(out**2, axis=1, keepdims=True))


def _nanmean_rows(v: NDArray) -> NDArray:
    ok = ~np.isnan(v)
    cnt = ok.sum(axis=0)
    tot = np.where(ok, v, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)


def pool_rdms(rdms: Any, method: str = "spearman") -> NDArray[np.float64]:
    """The pooled (group) RDM best suited to a comparator, condensed.

    Takes a stack of dissimilarity RDMs; transforms each as the comparator requires (ranks,
    z-scores, unit norm; see the module docstring) and averages, ignoring NaN.
    """
    method = canonical_method(method)
    parsed = parse_rdms(rdms, "rdms")
    return _nanmean_rows(_normalise_rows(parsed.vectors, method))


def _compare_masked(a: NDArray, b: NDArray, method: str, n_items: int) -> float:
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 3:
        return float("nan")
    mask = None if ok.all() else ok
    return float(compare_vectors(a[ok][None, :], b[ok][None, :], method, n_items,
                                 mask=mask)[0, 0])


@dataclass(frozen=True, eq=False)
class NoiseCeiling:
    """Lower and upper bound of the noise ceiling (Nili et al. 2014).

    Attributes
    ----------
    lower, upper : float
        Mean over participants of the leave-one-out and the all-participant agreement.
    lower_each, upper_each : ndarray
        The per-participant values.
    method : str
    """

    lower: float
    upper: float
    lower_each: NDArray = field(repr=False)
    upper_each: NDArray = field(repr=False)
    method: str = "spearman"


def rdm_noise_ceiling(rdms: Any, method: str = "spearman") -> NoiseCeiling:
    """Noise ceiling of a group of participant RDMs (dissimilarities) for a comparator.

    Parameters
    ----------
    rdms : array_like or RDMs
        One dissimilarity RDM per participant (``(m, n, n)`` or ``(m, n_pairs)``),
        ``m >= 2``. NaN marks missing pairs (each comparison uses the pairs both sides have).
    method : str
        Comparator, as in :func:`cogalign.metrics.rsa`.

    Returns
    -------
    NoiseCeiling
        ``lower`` (leave-one-participant-out) and ``upper`` (all participants) bounds;
        formulas in the module docstring. Equal to rsatoolbox's
        ``boot_noise_ceiling(rdms, method)``.
    """
    method = canonical_method(method)
    parsed = parse_rdms(rdms, "rdms")
    v, n = parsed.vectors, parsed.n_items
    m = v.shape[0]
    if m < 2:
        raise RDMInputError("a noise ceiling needs RDMs from at least 2 participants")
    z = _normalise_rows(v, method)
    pooled = _nanmean_rows(z)
    if not np.isnan(v).any():
        loo = (z.sum(axis=0)[None, :] - z) / (m - 1)
        upper = compare_vectors(np.broadcast_to(pooled, v.shape).copy(), v, method, n,
                                paired=True)
        lower = compare_vectors(loo, v, method, n, paired=True)
    else:
        upper = np.array([_compare_masked(pooled, v[i], method, n) for i in range(m)])
        lower = np.array([
            _compare_masked(_nanmean_rows(np.delete(z, i, axis=0)), v[i], method, n)
            for i in range(m)
        ])
    return NoiseCeiling(float(np.mean(lower)), float(np.mean(upper)), lower, upper, method)


def pairs_noise_ceiling(values: Any, method: str = "spearman") -> NoiseCeiling:
    """Noise ceiling of participants' ratings of a list of pairs (word pairs, not RDMs).

    The bounds of :func:`rdm_noise_ceiling` for values that have no item structure: each
    participant against the mean of the others (lower) and of everyone (upper), after the
    comparator's per-participant normalisation. Pairs someone did not rate (NaN) are dropped.

    Parameters
    ----------
    values : array_like, shape (m, n_pairs)
        One row of ratings per participant, ``m >= 2``.
    method : str
        ``"spearman"`` or ``"pearson"``.

    Returns
    -------
    NoiseCeiling
    """
    method = canonical_method(method)
    if method not in ("spearman", "pearson"):
        raise RDMInputError(f"pair ratings are compared with spearman or pearson, not {method!r}")
    v = np.atleast_2d(np.asarray(values, dtype=np.float64))
    v = v[:, ~np.isnan(v).any(axis=0)]
    m, n = v.shape
    if m < 2 or n < 3:
        raise RDMInputError("a noise ceiling needs at least 2 participants and 3 pairs rated "
                            "by all")
    z = _normalise_rows(v, method)
    loo = (z.sum(axis=0)[None, :] - z) / (m - 1)
    pooled = np.broadcast_to(z.mean(axis=0), v.shape).copy()
    upper = compare_vectors(pooled, v, method, n, paired=True)
    lower = compare_vectors(loo, v, method, n, paired=True)
    return NoiseCeiling(float(np.mean(lower)), float(np.mean(upper)), lower, upper, method)


def spearman_brown(r: ArrayLike, factor: float = 2.0) -> NDArray[np.float64] | float:
    r"""Spearman-Brown prophecy: reliability of a test ``factor`` times as long.

    :math:`r_k = k r / (1 + (k - 1) r)`; ``factor=2`` turns a split-half correlation into
    the full-length reliability.
    """
    ra = np.asarray(r, dtype=np.float64)
    out = factor * ra / (1.0 + (factor - 1.0) * ra)
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True, eq=False)
class SplitHalf:
    """Split-half reliability of a group-mean RDM.

    Attributes
    ----------
    r : float
        Mean over random splits of the agreement between the two half-group mean RDMs.
    reliability : float
        Spearman-Brown corrected ``r`` (``2r / (1 + r)``): the estimated reliability of
        the full group's mean RDM.
    r_each : ndarray
        Per-split agreement values.
    """

    r: float
    reliability: float
    r_each: NDArray = field(repr=False)
    method: str = "pearson"


def split_half_reliability(
    rdms: Any,
    method: str = "pearson",
    *,
    n_splits: int = 100,
    seed: int | np.random.Generator | None = None,
) -> SplitHalf:
    """Split-half reliability (Spearman-Brown corrected) of per-participant RDMs.

    Parameters
    ----------
    rdms : array_like or RDMs
        One dissimilarity RDM per participant, NaN for unrated pairs (e.g.
        ``rdm_from_ratings(...).rdms``), at least 2 participants.
    method : str
        Comparator for the two half-mean RDMs, as in :func:`cogalign.metrics.rsa`.
    n_splits : int
        Random splits into halves of ``floor(m/2)`` and ``ceil(m/2)`` participants.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    SplitHalf
        Mean split-half correlation ``r`` and ``reliability = 2r/(1+r)``.
    """
    method = canonical_method(method)
    parsed = parse_rdms(rdms, "rdms")
    v, n = parsed.vectors, parsed.n_items
    m = v.shape[0]
    if m < 2:
        raise RDMInputError("split-half reliability needs at least 2 participants")
    rng = as_rng(seed)
    half = m // 2
    perms = np.argsort(rng.random((n_splits, m)), axis=1)
    sel = np.zeros((n_splits, m), dtype=bool)
    np.put_along_axis(sel, perms[:, :half], True, axis=1)
    ok = ~np.isnan(v)
    vals = np.where(ok, v, 0.0)
    w1, w2 = sel.astype(np.float64), (~sel).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        m1 = (w1 @ vals) / (w1 @ ok)
        m2 = (w2 @ vals) / (w2 @ ok)
    if not (np.isnan(m1).any() or np.isnan(m2).any()):
        r = compare_vectors(m1, m2, method, n, paired=True)
    else:
        r = np.array([_compare_masked(a, b, method, n) for a, b in zip(m1, m2, strict=True)])
    r_mean = float(np.nanmean(r))
    return SplitHalf(r_mean, float(spearman_brown(r_mean)), r, method)
