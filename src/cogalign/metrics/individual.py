r"""Individual-level alignment ("Turing RSA"): is a candidate inside the human range?

Takes per-participant RDMs and one or more candidate RDMs (a model's, a brain region's, a
language model's), all **dissimilarities** over the same items
(see :mod:`cogalign.metrics.rdm`).

Group-level RSA asks whether a model agrees with the *average* participant. Individual-level
alignment asks whether the model could pass for *one more participant*: its agreement with
the group is compared with each human's agreement with the rest of the group.

* human-to-human: :math:`h_i = \mathrm{rsa}(D_i, \bar D_{-i})`, each participant vs the
  pooled RDM of the others (pooled as fits the comparator, see
  :func:`cogalign.metrics.pool_rdms`); their mean is the lower noise ceiling.
* candidate: :math:`c = \frac1m\sum_i \mathrm{rsa}(M, \bar D_{-i})`, the candidate vs the
  same leave-one-out groups, so both sides are compared with groups of :math:`m-1` people.
* agreement with each participant: :math:`\mathrm{rsa}(M, D_i)`.
* percentile: :math:`100\,(\#\{h_i < c\} + \tfrac12\#\{h_i = c\}) / m`.
* test: under the hypothesis that the candidate is exchangeable with the humans its rank
  among the :math:`m+1` scores is uniform, so
  :math:`p_\text{below} = (1 + \#\{h_i \le c\}) / (m + 1)` is the p-value for "less
  aligned than a human" (and :math:`p_\text{above}` likewise); ``inside_range`` is
  :math:`\min_i h_i \le c \le \max_i h_i`.
* interval: the percentile is recomputed on bootstrap samples of the items (the pairs of an
  item with its own copy dropped) and summarised by a percentile interval.

References
----------
Nili, H., et al. (2014). A toolbox for representational similarity analysis. PLoS Comput.
Biol. 10(4): e1003553 (the leave-one-out lower bound).

Ogg, M., Bose, R., Scharf, J., Ratto, C., & Wolmetz, M. (2024). Turing Representational
Similarity Analysis (RSA): a flexible method for measuring alignment between human and
artificial intelligence. arXiv:2412.00577.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cogalign.metrics._checks import RDMInputError, as_rng, parse_rdms
from cogalign.metrics.ceilings import _normalise_rows
from cogalign.metrics.compare import canonical_method, compare_vectors, rank_rows
from cogalign.metrics.inference import percentile_interval

__all__ = ["PAIR_METHODS", "IndividualAlignment", "individual_alignment",
           "individual_alignment_pairs"]


@dataclass(frozen=True, eq=False)
class IndividualAlignment:
    """Result of :func:`individual_alignment` (k candidates, m participants).

    Attributes
    ----------
    human_scores : ndarray, shape (m,)
        Each participant's agreement with the pooled RDM of the others.
    human_pairwise : ndarray, shape (m, m)
        Agreement between every two participants (diagonal 1).
    candidate_scores : ndarray, shape (k,)
        Each candidate's mean agreement with the leave-one-out groups.
    candidate_each : ndarray, shape (k, m)
        Each candidate's agreement with each participant.
    percentile : ndarray, shape (k,)
        Candidate's percentile among the human scores (0-100).
    percentile_ci : ndarray, shape (k, 2)
        Bootstrap percentile interval of ``percentile`` (NaN columns without bootstrap).
    inside_range : ndarray of bool, shape (k,)
        ``min(human_scores) <= candidate_score <= max(human_scores)``.
    p_below, p_above : ndarray, shape (k,)
        Exchangeability rank-test p-values for "less / more aligned than a human".
    names : tuple of str or None
        Candidate names.
    boot_percentiles : ndarray, shape (n_boot, k)
        Bootstrap replicates of ``percentile``.
    """

    human_scores: NDArray
    human_pairwise: NDArray = field(repr=False)
    candidate_scores: NDArray
    candidate_each: NDArray = field(repr=False)
    percentile: NDArray
    percentile_ci: NDArray
    inside_range: NDArray
    p_below: NDArray
    p_above: NDArray
    names: tuple[str, ...] | None
    boot_percentiles: NDArray = field(repr=False)
    method: str = "spearman"

    def to_frame(self) -> Any:
        """One row per candidate as a pandas DataFrame (pandas imported on demand)."""
        import pandas as pd

        k = len(self.candidate_scores)
        return pd.DataFrame({
            "candidate": list(self.names) if self.names else list(range(k)),
            "score": self.candidate_scores,
            "percentile": self.percentile,
            "percentile_low": self.percentile_ci[:, 0],
            "percentile_high": self.percentile_ci[:, 1],
            "inside_human_range": self.inside_range,
            "p_below": self.p_below,
            "p_above": self.p_above,
            "human_min": float(np.min(self.human_scores)),
            "human_median": float(np.median(self.human_scores)),
            "human_max": float(np.max(self.human_scores)),
        })


def _scores(data: NDArray, cands: NDArray, method: str, n: int, mask: NDArray | None
            ) -> tuple[NDArray, NDArray]:
    """Human leave-one-out scores (m,) and candidate scores vs each LOO group (k, m)."""
    m = data.shape[0]
    z = _normalise_rows(data, method)
    loo = (z.sum(axis=0)[None, :] - z) / (m - 1)
    if method == "spearman":
        # Spearman = Pearson of ranks: rank every vector once (z already holds the ranks)
        loo_r = rank_rows(loo)
        human = compare_vectors(z, loo_r, "pearson", n, paired=True)
        cand_loo = compare_vectors(rank_rows(cands), loo_r, "pearson", n)
        return human, cand_loo
    human = compare_vectors(data, loo, method, n, paired=True, mask=mask)
    cand_loo = compare_vectors(cands, loo, method, n, mask=mask)  # (k, m)
    return human, cand_loo


def _percentile(human: NDArray, cand: NDArray) -> NDArray:
    tol = 1e-12
    below = (human[None, :] < cand[:, None] - tol).sum(axis=1)
    equal = (np.abs(human[None, :] - cand[:, None]) <= tol).sum(axis=1)
    return 100.0 * (below + 0.5 * equal) / human.size


def individual_alignment(
    participant_rdms: Any,
    candidate_rdms: Any,
    method: str = "spearman",
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = None,
    names: list[str] | tuple[str, ...] | None = None,
) -> IndividualAlignment:
    """Where does each candidate RDM fall among individual humans (Turing RSA)?

    Parameters
    ----------
    participant_rdms : array_like or RDMs
        One dissimilarity RDM per participant, ``(m, n, n)`` or ``(m, n_pairs)``,
        ``m >= 3``. Pairs missing (NaN) in any RDM are dropped from all comparisons.
    candidate_rdms : array_like or RDMs
        One candidate dissimilarity RDM or a stack of ``k`` over the same items.
    method : str
        Comparator (see :func:`cogalign.metrics.rsa`).
    n_boot : int
        Item-bootstrap samples for the percentile interval (0 to skip).
    ci : float
        Level of the percentile interval.
    seed : int or numpy.random.Generator, optional
    names : sequence of str, optional
        Candidate names (default: the ``names`` of an :class:`~cogalign.metrics.RDMs`).

    Returns
    -------
    IndividualAlignment
        Human and candidate scores, percentiles with bootstrap intervals, range test
        (definitions in the module docstring); ``.to_frame()`` gives one row per candidate.
    """
    method = canonical_method(method)
    pd_ = parse_rdms(participant_rdms, "participant_rdms")
    pc = parse_rdms(candidate_rdms, "candidate_rdms")
    if pd_.n_items != pc.n_items:
        raise RDMInputError("participant and candidate RDMs must have the same items")
    m = pd_.vectors.shape[0]
    if m < 3:
        raise RDMInputError("individual-level alignment needs at least 3 participants")
    if names is None and hasattr(candidate_rdms, "names") and candidate_rdms.names is not None:
        names = list(candidate_rdms.names)
    k = pc.vectors.shape[0]
    if names is not None and len(names) != k:
        raise RDMInputError(f"{len(names)} names for {k} candidates")
    n = pd_.n_items
    nan = np.isnan(pd_.vectors).any(axis=0) | np.isnan(pc.vectors).any(axis=0)
    mask = None if not nan.any() else ~nan
    data, cands = pd_.vectors[:, ~nan], pc.vectors[:, ~nan]
    human, cand_loo = _scores(data, cands, method, n, mask)
    cand = cand_loo.mean(axis=1)
    each = compare_vectors(cands, data, method, n, mask=mask)
    pairwise = compare_vectors(data, data, method, n, mask=mask)
    pct = _percentile(human, cand)
    p_below = (1 + (human[None, :] <= cand[:, None]).sum(axis=1)) / (m + 1)
    p_above = (1 + (human[None, :] >= cand[:, None]).sum(axis=1)) / (m + 1)
    inside = (cand >= human.min()) & (cand <= human.max())

    rng = as_rng(seed)
    boots = np.full((n_boot, k), np.nan)
    full_data, full_cands = pd_.vectors, pc.vectors
    for b in range(n_boot):
        sample = np.sort(rng.integers(0, n, n))
        if np.unique(sample).size < 3:
            continue
        iu, ju = np.triu_indices(n, k=1)
        a, c = sample[iu], sample[ju]
        keep = a != c
        lo, hi = np.minimum(a, c), np.maximum(a, c)
        idx = np.where(keep, n * lo - lo * (lo + 1) // 2 + (hi - lo - 1), 0)
        dv, cv = full_data[:, idx], full_cands[:, idx]
        keep &= ~np.isnan(dv).any(axis=0) & ~np.isnan(cv).any(axis=0)
        if keep.sum() < 3:
            continue
        h_b, c_b = _scores(dv[:, keep], cv[:, keep], method, n, None if keep.all() else keep)
        boots[b] = _percentile(h_b, c_b.mean(axis=1))
    if n_boot > 0:
        lo_ci, hi_ci = percentile_interval(boots, ci)
        pct_ci = np.stack([lo_ci, hi_ci], axis=1)
    else:
        pct_ci = np.full((k, 2), np.nan)
    return IndividualAlignment(
        human_scores=human, human_pairwise=pairwise, candidate_scores=cand,
        candidate_each=each, percentile=pct, percentile_ci=pct_ci, inside_range=inside,
        p_below=p_below, p_above=p_above,
        names=None if names is None else tuple(str(s) for s in names),
        boot_percentiles=boots, method=method,
    )


#: Comparators that work on values of any set of pairs (no item structure needed).
PAIR_METHODS = ("spearman", "pearson")


def _pair_values(x: Any, name: str) -> NDArray:
    v = np.atleast_2d(np.asarray(x, dtype=np.float64))
    if v.ndim != 2:
        raise RDMInputError(f"{name} must be (n_people, n_pairs) or (n_pairs,), got {v.shape}")
    return v


def individual_alignment_pairs(
    participant_values: Any,
    candidate_values: Any,
    method: str = "spearman",
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = None,
    names: list[str] | tuple[str, ...] | None = None,
) -> IndividualAlignment:
    """Turing RSA on ratings of a list of pairs (word pairs), not on full RDMs.

    Each participant's vector of pair ratings is compared with the mean of the others
    (ranked first for Spearman), and each candidate with the same leave-one-out means, as in
    :func:`individual_alignment`; the interval resamples **pairs** (the pairs of a word-pair
    dataset share no item structure). Both sides must run the same way: all similarities, or
    all dissimilarities.

    Parameters
    ----------
    participant_values : array_like, shape (m, n_pairs)
        One row of ratings per participant, ``m >= 3``; NaN for a pair not rated (such a
        pair is dropped from every comparison).
    candidate_values : array_like, shape (k, n_pairs) or (n_pairs,)
        The candidates' values of the same pairs (a model's similarities, a synthetic
        individual's ratings).
    method : str
        ``"spearman"`` or ``"pearson"`` (:data:`PAIR_METHODS`).
    n_boot, ci, seed
        Bootstrap over pairs of the percentile interval (0 skips it).
    names : sequence of str, optional
        Candidate names.

    Returns
    -------
    IndividualAlignment
        As :func:`individual_alignment`.
    """
    method = canonical_method(method)
    if method not in PAIR_METHODS:
        raise RDMInputError(f"pair ratings are compared with {' or '.join(PAIR_METHODS)}, "
                            f"not {method!r}")
    data = _pair_values(participant_values, "participant_values")
    cands = _pair_values(candidate_values, "candidate_values")
    if data.shape[1] != cands.shape[1]:
        raise RDMInputError(f"participants rated {data.shape[1]} pairs, candidates have "
                            f"{cands.shape[1]}")
    m, k = data.shape[0], cands.shape[0]
    if m < 3:
        raise RDMInputError("individual-level alignment needs at least 3 participants")
    if names is not None and len(names) != k:
        raise RDMInputError(f"{len(names)} names for {k} candidates")
    ok = ~(np.isnan(data).any(axis=0) | np.isnan(cands).any(axis=0))
    data, cands = data[:, ok], cands[:, ok]
    n = data.shape[1]
    if n < 3:
        raise RDMInputError("fewer than 3 pairs have values from everyone")
    human, cand_loo = _scores(data, cands, method, n, None)
    cand = cand_loo.mean(axis=1)
    each = compare_vectors(cands, data, method, n)
    pairwise = compare_vectors(data, data, method, n)
    pct = _percentile(human, cand)
    rng = as_rng(seed)
    boots = np.full((n_boot, k), np.nan)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        h_b, c_b = _scores(data[:, idx], cands[:, idx], method, n, None)
        boots[b] = _percentile(h_b, c_b.mean(axis=1))
    if n_boot > 0:
        lo_ci, hi_ci = percentile_interval(boots, ci)
        pct_ci = np.stack([lo_ci, hi_ci], axis=1)
    else:
        pct_ci = np.full((k, 2), np.nan)
    return IndividualAlignment(
        human_scores=human, human_pairwise=pairwise, candidate_scores=cand,
        candidate_each=each, percentile=pct, percentile_ci=pct_ci,
        inside_range=(cand >= human.min()) & (cand <= human.max()),
        p_below=(1 + (human[None, :] <= cand[:, None]).sum(axis=1)) / (m + 1),
        p_above=(1 + (human[None, :] >= cand[:, None]).sum(axis=1)) / (m + 1),
        names=None if names is None else tuple(str(s) for s in names),
        boot_percentiles=boots, method=method,
    )
