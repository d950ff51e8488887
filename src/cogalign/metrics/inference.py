r"""Inference for RSA: bootstrap intervals, Mantel permutation tests, model and group comparison.

All functions take RDMs of **dissimilarities** (see :mod:`cogalign.metrics.rdm`), a
comparator ``method`` as in :func:`cogalign.metrics.rsa`, and a ``seed`` (int or
:class:`numpy.random.Generator`): the same seed gives the same numbers.

The statistic evaluated for a model is its mean agreement with the participants,
:math:`\bar r = \frac1m \sum_i \mathrm{rsa}(M, D_i)` (rsatoolbox's evaluation). Bootstrap
resampling can run

* over **items** (stimuli drawn with replacement; the pairs of an item with its own copy
  are dropped, as rsatoolbox does, because their dissimilarity is trivially 0),
* over **participants** (RDMs drawn with replacement), or
* over **both** at once (Schütt et al. 2023 discuss when each is appropriate).

Item resampling for ``pearson``, ``cosine``, ``spearman`` and ``rho-a`` is computed without
building resampled RDMs: a drawn sample is equivalent to weighting each original pair
``(a, b)`` by ``c_a c_b`` (``c`` = draw counts), so the comparators become weighted
correlations of the original vectors (with weighted average ranks); values equal explicit
resampling (and rsatoolbox's ``eval_bootstrap_pattern`` given the same draws). Other
comparators resample explicitly.

Confidence intervals are bootstrap percentile intervals; ``se`` is the standard deviation
of the bootstrap distribution (Efron & Tibshirani 1993).

The Mantel test permutes the items of one RDM (rows and columns together) to build the
null distribution of "the two RDMs are unrelated" (Mantel 1967; Kriegeskorte et al. 2008,
step 5); :math:`p = (1 + \#\{r_\pi \ge r\}) / (1 + n_\text{perm})`.

References
----------
Efron, B., & Tibshirani, R. J. (1993). An introduction to the bootstrap. Chapman & Hall.

Mantel, N. (1967). The detection of disease clustering and a generalized regression
approach. Cancer Res. 27, 209-220.

Kriegeskorte, N., Mur, M., & Bandettini, P. (2008). Representational similarity analysis.
Front. Syst. Neurosci. 2:4.

Schütt, H. H., Kipnis, A. D., Diedrichsen, J., & Kriegeskorte, N. (2023). Statistical
inference on representational geometries. eLife 12:e82566.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from cogalign.metrics._checks import RDMInputError, as_rng, parse_rdms
from cogalign.metrics._resample import WEIGHTED_METHODS, item_weights, weighted_rsa
from cogalign.metrics.ceilings import NoiseCeiling, _normalise_rows, rdm_noise_ceiling
from cogalign.metrics.compare import canonical_method, compare_vectors, rank_rows

__all__ = [
    "BootstrapResult",
    "GroupComparison",
    "MantelResult",
    "PairedBootstrapResult",
    "bootstrap_rsa",
    "compare_groups",
    "mantel_test",
    "paired_bootstrap",
    "percentile_interval",
]

Over = Literal["items", "participants", "both"]


def percentile_interval(samples: NDArray, ci: float = 0.95, axis: int = 0
                        ) -> tuple[NDArray, NDArray]:
    """Bootstrap percentile interval ``(low, high)`` at level ``ci``, ignoring NaN samples."""
    if not 0 < ci < 1:
        raise ValueError("ci must be in (0, 1)")
    lo = np.nanpercentile(samples, 100 * (1 - ci) / 2, axis=axis)
    hi = np.nanpercentile(samples, 100 * (1 + ci) / 2, axis=axis)
    return lo, hi


# --------------------------------------------------------------------------------------------
# resampled per-participant agreement
# --------------------------------------------------------------------------------------------


def _explicit_item_sample(data: NDArray, models: NDArray, n: int, sample: NDArray,
                          method: str) -> NDArray:
    """(k, m) agreement after resampling items explicitly; NaN pairs dropped."""
    sample = np.sort(sample)
    ns = sample.size
    iu, ju = np.triu_indices(ns, k=1)
    a, b = sample[iu], sample[ju]
    self_pair = a == b
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    idx = np.where(self_pair, 0, n * lo - lo * (lo + 1) // 2 + (hi - lo - 1))
    dv, mv = data[:, idx], models[:, idx]
    keep = ~self_pair & ~np.isnan(dv).any(axis=0) & ~np.isnan(mv).any(axis=0)
    if keep.sum() < 3:
        return np.full((models.shape[0], data.shape[0]), np.nan)
    mask = None if keep.all() else keep
    return compare_vectors(mv[:, keep], dv[:, keep], method, ns, mask=mask)


def _item_resampled(data: NDArray, models: NDArray, n: int, samples: NDArray,
                    method: str) -> NDArray:
    """Per-participant agreement under each item sample: (B, k, m)."""
    nan = np.isnan(data).any(axis=0) | np.isnan(models).any(axis=0)
    few = np.array([np.unique(s).size < 3 for s in samples])
    if method in WEIGHTED_METHODS:
        w = item_weights(samples, n)
        w[:, nan] = 0.0
        out = weighted_rsa(np.where(nan, 0.0, data), np.where(nan, 0.0, models), w, method)
    else:
        out = np.stack([_explicit_item_sample(data, models, n, s, method) for s in samples])
    out[few] = np.nan
    return out


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Bootstrap distribution of models' mean agreement with participants' RDMs.

    Attributes
    ----------
    estimate : ndarray, shape (k,)
        Mean over participants of ``rsa(model, participant)`` on the full data.
    per_participant : ndarray, shape (k, m)
        ``rsa(model_j, participant_i)`` on the full data.
    samples : ndarray, shape (n_boot, k)
        Bootstrap replicates of the estimate (NaN for samples with fewer than 3 distinct
        items).
    ci_low, ci_high : ndarray, shape (k,)
        Percentile confidence interval.
    se : ndarray, shape (k,)
        Bootstrap standard error.
    """

    estimate: NDArray
    per_participant: NDArray = field(repr=False)
    samples: NDArray = field(repr=False)
    ci_low: NDArray
    ci_high: NDArray
    se: NDArray
    ci: float
    method: str
    over: str


def _draw_items(rng: np.random.Generator, n_boot: int, n: int,
                samples: NDArray | None) -> NDArray:
    if samples is not None:
        s = np.asarray(samples, dtype=np.int64)
        if s.ndim != 2 or s.min() < 0 or s.max() >= n:
            raise RDMInputError(f"item_samples must be (n_boot, n_draws) indices in [0, {n})")
        return s
    return rng.integers(0, n, size=(n_boot, n))


def _draw_participants(rng: np.random.Generator, n_boot: int, m: int,
                       samples: NDArray | None) -> NDArray:
    if samples is not None:
        s = np.asarray(samples, dtype=np.int64)
        if s.ndim != 2 or s.min() < 0 or s.max() >= m:
            raise RDMInputError(f"participant_samples must be (n_boot, m) indices in [0, {m})")
        return s
    return rng.integers(0, m, size=(n_boot, m))


def _participant_weights(samples: NDArray, m: int) -> NDArray:
    w = np.zeros((samples.shape[0], m))
    np.add.at(w, (np.repeat(np.arange(samples.shape[0]), samples.shape[1]), samples.ravel()), 1)
    return w / samples.shape[1]


def _bootstrap_agreement(
    data: NDArray, models: NDArray, n: int, method: str, over: str, n_boot: int,
    rng: np.random.Generator, item_samples: NDArray | None,
    participant_samples: NDArray | None,
) -> NDArray:
    """(B, k) bootstrap replicates of the mean agreement."""
    m = data.shape[0]
    if over not in ("items", "participants", "both"):
        raise ValueError("over must be 'items', 'participants' or 'both'")
    if over in ("items", "both"):
        s_items = _draw_items(rng, n_boot, n, item_samples)
        per = _item_resampled(data, models, n, s_items, method)  # (B, k, m)
    else:
        full = _full_agreement(data, models, n, method)
        per = np.broadcast_to(full, (n_boot, *full.shape))
    if over == "items":
        return per.mean(axis=2)
    s_part = _draw_participants(rng, per.shape[0], m, participant_samples)
    w = _participant_weights(s_part, m)  # (B, m)
    return np.einsum("bkm,bm->bk", per, w)


def _full_agreement(data: NDArray, models: NDArray, n: int, method: str) -> NDArray:
    nan = np.isnan(data).any(axis=0) | np.isnan(models).any(axis=0)
    if nan.all():
        raise RDMInputError("no pair is present in every RDM")
    mask = None if not nan.any() else ~nan
    return compare_vectors(models[:, ~nan], data[:, ~nan], method, n, mask=mask)


def _parse_data_models(data_rdms: Any, model_rdms: Any) -> tuple[NDArray, NDArray, int]:
    pd_ = parse_rdms(data_rdms, "data_rdms")
    pm = parse_rdms(model_rdms, "model_rdms")
    if pd_.n_items != pm.n_items:
        raise RDMInputError(f"data and model RDMs differ in items: {pd_.n_items} vs "
                            f"{pm.n_items}")
    return pd_.vectors, pm.vectors, pd_.n_items


def bootstrap_rsa(
    data_rdms: Any,
    model_rdms: Any,
    method: str = "spearman",
    *,
    over: Over = "items",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = None,
    item_samples: NDArray | None = None,
    participant_samples: NDArray | None = None,
) -> BootstrapResult:
    """Bootstrap confidence intervals for models' agreement with participants' RDMs.

    Parameters
    ----------
    data_rdms : array_like or RDMs
        Participants' dissimilarity RDMs, ``(m, n, n)`` or ``(m, n_pairs)`` (one RDM is
        fine for ``over="items"``).
    model_rdms : array_like or RDMs
        One model RDM or a stack of ``k`` (dissimilarities, same items).
    method : str
        Comparator (see :func:`cogalign.metrics.rsa`).
    over : {"items", "participants", "both"}
        What to resample (module docstring).
    n_boot : int
        Number of bootstrap samples.
    ci : float
        Confidence level of the percentile interval.
    seed : int or numpy.random.Generator, optional
    item_samples : ndarray, shape (n_boot, n_items), optional
        Explicit item draws (indices) instead of random ones, e.g. to reproduce another
        tool's samples.
    participant_samples : ndarray, shape (n_boot, m), optional
        Explicit participant draws.

    Returns
    -------
    BootstrapResult
        Estimate, bootstrap samples, percentile interval and standard error per model.

    Examples
    --------
    >>> import numpy as np
    >>> from cogalign.metrics import bootstrap_rsa, rdm_from_embedding
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(20, 5))
    >>> data = np.stack([rdm_from_embedding(x + rng.normal(size=x.shape)) for _ in range(4)])
    >>> res = bootstrap_rsa(data, rdm_from_embedding(x), n_boot=200, seed=1)
    >>> bool(res.ci_low[0] < res.estimate[0] < res.ci_high[0])
    True
    """
    method = canonical_method(method)
    data, models, n = _parse_data_models(data_rdms, model_rdms)
    rng = as_rng(seed)
    if item_samples is not None:
        n_boot = len(item_samples)
    elif participant_samples is not None:
        n_boot = len(participant_samples)
    samples = _bootstrap_agreement(data, models, n, method, over, n_boot, rng, item_samples,
                                   participant_samples)
    per = _full_agreement(data, models, n, method)
    lo, hi = percentile_interval(samples, ci)
    return BootstrapResult(
        estimate=per.mean(axis=1),
        per_participant=per,
        samples=samples,
        ci_low=lo,
        ci_high=hi,
        se=np.nanstd(samples, axis=0, ddof=1),
        ci=ci,
        method=method,
        over=over,
    )


@dataclass(frozen=True, eq=False)
class PairedBootstrapResult:
    """Paired bootstrap comparison of two models (A minus B).

    Attributes
    ----------
    difference : float
        ``estimate_a - estimate_b`` on the full data.
    estimate_a, estimate_b : float
        Each model's mean agreement with the participants.
    samples : ndarray, shape (n_boot,)
        Bootstrap replicates of the difference (same draws for both models).
    ci_low, ci_high : float
        Percentile interval of the difference.
    p_value : float
        Two-sided bootstrap p-value, ``2 * min(P(diff* <= 0), P(diff* >= 0))``, capped at
        1, with the ``(1 + count) / (1 + n_boot)`` correction.
    """

    difference: float
    estimate_a: float
    estimate_b: float
    samples: NDArray = field(repr=False)
    ci_low: float
    ci_high: float
    p_value: float
    method: str
    over: str


def paired_bootstrap(
    data_rdms: Any,
    model_a: Any,
    model_b: Any,
    method: str = "spearman",
    *,
    over: Over = "both",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = None,
) -> PairedBootstrapResult:
    """Is model A more aligned with the participants than model B? Paired bootstrap.

    Both models are evaluated on the same bootstrap samples (items, participants or both)
    and the difference of their mean agreement is recorded. Takes dissimilarity RDMs
    (participants' stack and two model RDMs over the same items).

    Returns
    -------
    PairedBootstrapResult
        Difference, its percentile interval and a two-sided bootstrap p-value.
    """
    method = canonical_method(method)
    data, ma, n = _parse_data_models(data_rdms, model_a)
    _, mb, _ = _parse_data_models(data_rdms, model_b)
    if ma.shape[0] != 1 or mb.shape[0] != 1:
        raise RDMInputError("model_a and model_b must each be a single RDM")
    models = np.concatenate([ma, mb])
    rng = as_rng(seed)
    samples = _bootstrap_agreement(data, models, n, method, over, n_boot, rng, None, None)
    diff = samples[:, 0] - samples[:, 1]
    per = _full_agreement(data, models, n, method).mean(axis=1)
    lo, hi = percentile_interval(diff, ci)
    ok = diff[~np.isnan(diff)]
    nb = ok.size
    p = 2 * min((1 + np.sum(ok <= 0)) / (1 + nb), (1 + np.sum(ok >= 0)) / (1 + nb))
    return PairedBootstrapResult(
        difference=float(per[0] - per[1]), estimate_a=float(per[0]), estimate_b=float(per[1]),
        samples=diff, ci_low=float(lo), ci_high=float(hi), p_value=float(min(1.0, p)),
        method=method, over=over,
    )


# --------------------------------------------------------------------------------------------
# Mantel test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MantelResult:
    """Permutation (Mantel) test of the agreement between two RDMs.

    Attributes
    ----------
    statistic : float
        ``rsa(rdm_a, rdm_b, method)``.
    p_value : float
        ``(1 + #extreme permutations) / (1 + n_perm)`` for the chosen alternative.
    null : ndarray, shape (n_perm,)
        Agreement after each random permutation of the items of ``rdm_b``.
    """

    statistic: float
    p_value: float
    null: NDArray = field(repr=False)
    method: str
    alternative: str


def _permuted_index(perms: NDArray, n: int) -> NDArray:
    """Condensed positions of the pairs of permuted RDMs: (B, p)."""
    iu, ju = np.triu_indices(n, k=1)
    a, b = perms[:, iu], perms[:, ju]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return n * lo - lo * (lo + 1) // 2 + (hi - lo - 1)


def mantel_test(
    rdm_a: Any,
    rdm_b: Any,
    method: str = "spearman",
    *,
    n_perm: int = 10_000,
    alternative: Literal["greater", "less", "two-sided"] = "greater",
    seed: int | np.random.Generator | None = None,
    batch: int = 500,
) -> MantelResult:
    """Mantel permutation test: are two RDMs (dissimilarities) more related than chance?

    The items of ``rdm_b`` are permuted (rows and columns together) ``n_perm`` times. For
    pearson, spearman, rho-a and cosine the transformed vectors (ranks, centring) are
    invariant under permutation, so each permutation costs one gather and one dot product;
    whitened comparators permute the double-centred matrices; Kendall comparators loop.

    Parameters
    ----------
    rdm_a, rdm_b : array_like
        One dissimilarity RDM each (square or condensed), no NaN, same items.
    method : str
        Comparator (see :func:`cogalign.metrics.rsa`).
    n_perm : int
    alternative : {"greater", "less", "two-sided"}
        ``"greater"``: agreement larger than chance (the usual RSA question).
    seed : int or numpy.random.Generator, optional
    batch : int
        Permutations evaluated at once.

    Returns
    -------
    MantelResult
    """
    method = canonical_method(method)
    pa = parse_rdms(rdm_a, "rdm_a", allow_nan=False)
    pb = parse_rdms(rdm_b, "rdm_b", allow_nan=False)
    if not (pa.single and pb.single):
        raise RDMInputError("mantel_test compares two single RDMs")
    if pa.n_items != pb.n_items:
        raise RDMInputError("the two RDMs must have the same items")
    n = pa.n_items
    va, vb = pa.vectors[0], pb.vectors[0]
    stat = float(compare_vectors(va[None], vb[None], method, n)[0, 0])
    rng = as_rng(seed)
    null = np.empty(n_perm)
    if method in ("pearson", "spearman", "rho-a", "cosine"):
        if method in ("spearman", "rho-a"):
            xa, xb = rank_rows(va[None])[0], rank_rows(vb[None])[0]
        else:
            xa, xb = va, vb
        if method != "cosine":
            xa, xb = xa - xa.mean(), xb - xb.mean()
        if method == "rho-a":
            p = xa.size
            scale = 12.0 / (float(p) ** 3 - p)
        else:
            denom = np.linalg.norm(xa) * np.linalg.norm(xb)
            scale = 1.0 / denom if denom > 0 else np.nan
        for s in range(0, n_perm, batch):
            nb = min(batch, n_perm - s)
            perms = np.argsort(rng.random((nb, n)), axis=1)
            null[s:s + nb] = (xb[_permuted_index(perms, n)] @ xa) * scale
    elif method in ("cosine_cov", "corr_cov"):
        from cogalign.metrics.compare import _whiten

        centre = method == "corr_cov"
        ga = _whiten(va[None], n, None, centre).reshape(n, n)
        gb = _whiten(vb[None], n, None, centre).reshape(n, n)
        denom = np.linalg.norm(ga) * np.linalg.norm(gb)
        for s in range(0, n_perm, batch):
            nb = min(batch, n_perm - s)
            perms = np.argsort(rng.random((nb, n)), axis=1)
            gbp = gb[perms[:, :, None], perms[:, None, :]]
            null[s:s + nb] = np.einsum("ij,bij->b", ga, gbp) / denom
    else:
        for i in range(n_perm):
            perm = rng.permutation(n)
            null[i] = compare_vectors(va[None], vb[_permuted_index(perm[None], n)], method, n)[0, 0]
    tol = 1e-12 * max(1.0, abs(stat))
    if alternative == "greater":
        count = np.sum(null >= stat - tol)
    elif alternative == "less":
        count = np.sum(null <= stat + tol)
    elif alternative == "two-sided":
        centre_null = np.mean(null)
        count = np.sum(np.abs(null - centre_null) >= abs(stat - centre_null) - tol)
    else:
        raise ValueError("alternative must be 'greater', 'less' or 'two-sided'")
    return MantelResult(stat, float((1 + count) / (1 + n_perm)), null, method, alternative)


# --------------------------------------------------------------------------------------------
# group vs group
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GroupComparison:
    """Comparison of two groups of participants' RDMs.

    Attributes
    ----------
    between : float
        Agreement between the two groups' pooled RDMs, ``rsa(pool(A), pool(B))``.
    ci_low, ci_high : float
        Bootstrap percentile interval of ``between`` (resampling participants within each
        group, items, or both).
    samples : ndarray
        Bootstrap replicates of ``between``.
    ceiling_a, ceiling_b : NoiseCeiling
        Each group's own noise ceiling: how well its members agree with each other.
    between_normalized : float
        ``between / sqrt(ceiling_a.upper * ceiling_b.upper)``: agreement between groups
        relative to the agreement within them.
    p_same : float
        Permutation p-value for "both groups come from one population": the share of
        random relabellings of participants whose between-group agreement is as low as
        observed, ``(1 + count) / (1 + n_perm)``. NaN when ``n_perm=0``.
    null : ndarray
        Between-group agreement under the relabellings.
    """

    between: float
    ci_low: float
    ci_high: float
    samples: NDArray = field(repr=False)
    ceiling_a: NoiseCeiling
    ceiling_b: NoiseCeiling
    between_normalized: float
    p_same: float
    null: NDArray = field(repr=False)
    method: str
    over: str


def _pooled_batch(z: NDArray, w: NDArray) -> NDArray:
    """Weighted means of normalised rows (NaN-aware): (B, p)."""
    ok = ~np.isnan(z)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (w @ np.where(ok, z, 0.0)) / (w @ ok)


def _paired_between(pa: NDArray, pb: NDArray, method: str, n: int) -> NDArray:
    nan = np.isnan(pa) | np.isnan(pb)
    if not nan.any():
        return compare_vectors(pa, pb, method, n, paired=True)
    out = np.empty(pa.shape[0])
    for i in range(pa.shape[0]):
        ok = ~nan[i]
        out[i] = compare_vectors(pa[i:i + 1, ok], pb[i:i + 1, ok], method, n,
                                 mask=None if ok.all() else ok)[0, 0]
    return out


def compare_groups(
    group_a: Any,
    group_b: Any,
    method: str = "spearman",
    *,
    over: Over = "participants",
    n_boot: int = 1000,
    n_perm: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = None,
) -> GroupComparison:
    """Compare two groups of RDMs (e.g. fMRI participants vs behaviour participants).

    The rsatoolbox #183 question: how similar are the representational geometries of two
    groups, with uncertainty from both groups? Each group is pooled as
    :func:`cogalign.metrics.pool_rdms` does for the comparator, the pooled RDMs are
    compared, and the comparison is bootstrapped over participants of *both* groups
    (independently), over items, or both. Each group's noise ceiling shows how much
    agreement to expect at most; a label-permutation test asks whether the groups differ
    more than random halves of the combined sample would.

    Parameters
    ----------
    group_a, group_b : array_like or RDMs
        Dissimilarity RDMs, ``(m_a, n, n)`` and ``(m_b, n, n)`` (or condensed), same items,
        at least 2 per group.
    method : str
        Comparator (see :func:`cogalign.metrics.rsa`).
    over : {"participants", "items", "both"}
        What the bootstrap resamples.
    n_boot, n_perm : int
        Bootstrap samples; label permutations (0 to skip the test).
    ci : float
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    GroupComparison
    """
    method = canonical_method(method)
    pa = parse_rdms(group_a, "group_a")
    pb = parse_rdms(group_b, "group_b")
    if pa.n_items != pb.n_items:
        raise RDMInputError("the two groups' RDMs must have the same items")
    n = pa.n_items
    ma, mb = pa.vectors.shape[0], pb.vectors.shape[0]
    if ma < 2 or mb < 2:
        raise RDMInputError("each group needs at least 2 RDMs")
    za, zb = _normalise_rows(pa.vectors, method), _normalise_rows(pb.vectors, method)
    rng = as_rng(seed)
    pool_a = _pooled_batch(za, np.ones((1, ma)))
    pool_b = _pooled_batch(zb, np.ones((1, mb)))
    between = float(_paired_between(pool_a, pool_b, method, n)[0])
    # bootstrap
    if over not in ("items", "participants", "both"):
        raise ValueError("over must be 'items', 'participants' or 'both'")
    if over in ("participants", "both"):
        wa = _participant_weights(rng.integers(0, ma, (n_boot, ma)), ma)
        wb = _participant_weights(rng.integers(0, mb, (n_boot, mb)), mb)
        boot_a, boot_b = _pooled_batch(za, wa), _pooled_batch(zb, wb)
    else:
        boot_a = np.broadcast_to(pool_a, (n_boot, pool_a.shape[1]))
        boot_b = np.broadcast_to(pool_b, (n_boot, pool_b.shape[1]))
    if over in ("items", "both"):
        s_items = rng.integers(0, n, (n_boot, n))
        samples = np.array([
            _explicit_item_sample(boot_b[i:i + 1], boot_a[i:i + 1], n, s_items[i], method)[0, 0]
            for i in range(n_boot)
        ])
    else:
        samples = _paired_between(boot_a, boot_b, method, n)
    lo, hi = percentile_interval(samples, ci)
    # permutation test of group labels
    null = np.empty(0)
    p_same = float("nan")
    if n_perm > 0:
        z = np.concatenate([za, zb])
        labels = np.argsort(rng.random((n_perm, ma + mb)), axis=1) < ma
        null = _paired_between(_pooled_batch(z, labels.astype(float)),
                               _pooled_batch(z, (~labels).astype(float)), method, n)
        tol = 1e-12 * max(1.0, abs(between))
        p_same = float((1 + np.sum(null <= between + tol)) / (1 + n_perm))
    ca = rdm_noise_ceiling(pa.vectors, method)
    cb = rdm_noise_ceiling(pb.vectors, method)
    norm = between / np.sqrt(ca.upper * cb.upper) if ca.upper > 0 and cb.upper > 0 else np.nan
    return GroupComparison(
        between=between, ci_low=float(lo), ci_high=float(hi), samples=samples,
        ceiling_a=ca, ceiling_b=cb, between_normalized=float(norm), p_same=p_same,
        null=null, method=method, over=over,
    )
