r"""Triplet odd-one-out: model predictions, agreement with humans, noise ceilings, RDMs.

A trial shows three items :math:`(i, j, k)`; the participant picks the odd one out. A
model with an embedding :math:`X` (one row per item) and a pair **similarity**
:math:`s(a, b)` (dot product :math:`x_a^\top x_b` or cosine) keeps the most similar pair
together, so it predicts as odd one out the item outside the most similar pair, and gives
choice probabilities by a softmax with temperature :math:`T` (Hebart et al. 2020;
Muttenthaler et al. 2022):

.. math::

    P(\text{odd} = k \mid i, j, k) = \frac{\exp(s(i, j)/T)}
    {\exp(s(i, j)/T) + \exp(s(i, k)/T) + \exp(s(j, k)/T)} .

Agreement with humans is the accuracy (share of trials where the model's odd one out is the
human's; ties between pairs count fractionally) and the log-likelihood of the human choices.
The noise ceiling is what the best possible model could reach given disagreement between
people: the *modal agreement* (per unique triplet, the share of responses equal to the most
frequent response, averaged over triplets; 0.6722 on the THINGS test triplets) and the
*leave-one-participant-out majority* (predict each trial by the other participants'
majority response on that triplet).

The triplet RDM comes from the choice-probability **similarity**: for each pair, the share of
triplets containing both in which neither was the odd one out (the pair was kept together),
converted to dissimilarities explicitly as :math:`1 - p`.

Inputs: ``triplets`` is an ``(n_trials, 3)`` integer array of item indices, ``choices`` the
chosen odd-one-out *item index* per trial (one of the three), ``participants`` an optional
label per trial. :func:`triplets_from_table` reads them from a trial table.

References
----------
Hebart, M. N., Zheng, C. Y., Pereira, F., & Baker, C. I. (2020). Revealing the
multidimensional mental representations of natural objects underlying human similarity
judgements. Nat. Hum. Behav. 4, 1173-1185.

Muttenthaler, L., Zheng, C. Y., McClure, P., Vandermeulen, R. A., Hebart, M. N., & Pereira,
F. (2022). VICE: Variational interpretable concept embeddings. NeurIPS.

Hebart, M. N., et al. (2023). THINGS-data. eLife 12:e82580.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp

from cogalign.metrics._checks import RDMInputError, as_2d_float
from cogalign.metrics.rdm import similarity_to_dissimilarity

__all__ = [
    "MIN_REPEATED_TRIPLETS",
    "TripletAgreement",
    "TripletCeiling",
    "TripletData",
    "fit_temperature",
    "odd_one_out_probabilities",
    "predict_odd_one_out",
    "rdm_from_triplets",
    "triplet_agreement",
    "triplet_noise_ceiling",
    "triplet_similarity",
    "triplets_from_table",
]

Similarity = Literal["dot", "cosine"]


# --------------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TripletData:
    """Triplet trials as arrays: ``triplets (n, 3)``, ``choices (n,)``, ``participants``."""

    triplets: NDArray[np.int64]
    choices: NDArray[np.int64]
    participants: NDArray[np.str_] | None = None


def triplets_from_table(
    table: Any,
    *,
    items: tuple[str, str, str] = ("item_1", "item_2", "item_3"),
    response: str = "response",
    participant: str | None = "participant_id",
) -> TripletData:
    """Read triplet trials from a table (DataFrame or dict of arrays).

    The default column names follow cogalign's trial schema: ``item_1..item_3`` (0-based
    item indices), ``response`` (the item index chosen as odd one out) and
    ``participant_id``. Rows with a missing response are dropped.
    """
    trip = np.stack([np.asarray(table[c]) for c in items], axis=1)
    resp = np.asarray(table[response], dtype=np.float64)
    keep = ~np.isnan(resp)
    parts = None
    if participant is not None:
        try:
            parts = np.asarray(table[participant]).astype(str)[keep]
        except (KeyError, IndexError):
            parts = None
    t = trip[keep].astype(np.int64)
    c = resp[keep].astype(np.int64)
    _positions(t, c)  # validates
    return TripletData(t, c, parts)


def _check_triplets(triplets: ArrayLike) -> NDArray[np.int64]:
    t = np.asarray(triplets)
    if t.ndim != 2 or t.shape[1] != 3:
        raise RDMInputError(f"triplets must have shape (n_trials, 3); got {t.shape}")
    if not np.issubdtype(t.dtype, np.integer):
        if not np.all(np.equal(np.mod(t, 1), 0)):
            raise RDMInputError("triplets must hold integer item indices")
    t = t.astype(np.int64)
    if np.any(t < 0):
        raise RDMInputError("triplets hold negative item indices")
    same = (t[:, 0] == t[:, 1]) | (t[:, 0] == t[:, 2]) | (t[:, 1] == t[:, 2])
    if np.any(same):
        raise RDMInputError(f"trial {int(np.argmax(same))} repeats an item within its triplet")
    return t


def _positions(triplets: NDArray, choices: ArrayLike) -> NDArray[np.int64]:
    """Position (0, 1, 2) of each chosen item within its triplet."""
    c = np.asarray(choices)
    if c.shape != (triplets.shape[0],):
        raise RDMInputError(
            f"choices must have one entry per trial ({triplets.shape[0]}); got {c.shape}"
        )
    hit = triplets == c.astype(np.int64)[:, None]
    ok = hit.any(axis=1)
    if not np.all(ok):
        bad = int(np.argmax(~ok))
        raise RDMInputError(
            f"trial {bad}: the choice {c[bad]} is not one of its items {triplets[bad].tolist()}"
            " (choices are item indices, not positions)"
        )
    return np.argmax(hit, axis=1).astype(np.int64)


def _keys(triplets: NDArray) -> tuple[NDArray, NDArray]:
    """Unique unordered triplets and each trial's group index."""
    srt = np.sort(triplets, axis=1)
    uniq, inv = np.unique(srt, axis=0, return_inverse=True)
    return uniq, inv.ravel()


# --------------------------------------------------------------------------------------------
# model predictions
# --------------------------------------------------------------------------------------------


def _pair_similarities(embedding: NDArray, triplets: NDArray, similarity: str) -> NDArray:
    """Similarity of the pair left when each position is the odd one: (n, 3)."""
    if similarity not in ("dot", "cosine"):
        raise ValueError(f"similarity must be 'dot' or 'cosine'; got {similarity!r}")
    if triplets.max(initial=-1) >= embedding.shape[0]:
        raise RDMInputError(
            f"triplets refer to item {int(triplets.max())} but the embedding has "
            f"{embedding.shape[0]} rows"
        )
    e = embedding
    if similarity == "cosine":
        norms = np.linalg.norm(e, axis=1)
        if np.any(norms[np.unique(triplets)] == 0):
            raise RDMInputError("cosine similarity is undefined for an all-zero embedding row")
        e = e / np.where(norms == 0, 1.0, norms)[:, None]
    a, b, c = e[triplets[:, 0]], e[triplets[:, 1]], e[triplets[:, 2]]
    s_bc = np.einsum("ij,ij->i", b, c)
    s_ac = np.einsum("ij,ij->i", a, c)
    s_ab = np.einsum("ij,ij->i", a, b)
    return np.stack([s_bc, s_ac, s_ab], axis=1)


def odd_one_out_probabilities(
    embedding: ArrayLike,
    triplets: ArrayLike,
    *,
    similarity: Similarity = "dot",
    temperature: float = 1.0,
) -> NDArray[np.float64]:
    """Softmax choice probabilities ``P(odd = position k)``, shape ``(n_trials, 3)``.

    Takes an embedding (items x dimensions; pair **similarity** by dot product or cosine)
    and triplets of item indices. Column ``k`` is the probability that the item at position
    ``k`` is chosen as the odd one out, ``softmax(s(other pair) / temperature)``; formula in
    the module docstring.
    """
    if not temperature > 0:
        raise ValueError("temperature must be > 0")
    s = _pair_similarities(as_2d_float(embedding, "embedding", min_rows=3),
                           _check_triplets(triplets), similarity)
    z = s / temperature
    return np.exp(z - logsumexp(z, axis=1, keepdims=True))


def predict_odd_one_out(
    embedding: ArrayLike, triplets: ArrayLike, *, similarity: Similarity = "dot"
) -> NDArray[np.int64]:
    """Predicted odd-one-out item index per trial: the item outside the most similar pair.

    Takes an embedding (pair **similarity** by dot product or cosine) and triplets of item
    indices. Ties go to the first position.
    """
    t = _check_triplets(triplets)
    s = _pair_similarities(as_2d_float(embedding, "embedding", min_rows=3), t, similarity)
    return t[np.arange(len(t)), np.argmax(s, axis=1)]


def _expected_hits(s: NDArray, pos: NDArray) -> NDArray:
    """Accuracy per trial with ties between pair similarities split evenly."""
    top = s.max(axis=1, keepdims=True)
    is_top = np.isclose(s, top, rtol=1e-12, atol=0.0)
    return is_top[np.arange(len(pos)), pos] / is_top.sum(axis=1)


def _loglik_per_trial(s: NDArray, pos: NDArray, beta: float) -> NDArray:
    z = s * beta
    return z[np.arange(len(pos)), pos] - logsumexp(z, axis=1)


def fit_temperature(
    embedding: ArrayLike,
    triplets: ArrayLike,
    choices: ArrayLike,
    *,
    similarity: Similarity = "dot",
) -> float:
    r"""Softmax temperature maximising the log-likelihood of the human choices.

    Takes an embedding (pair **similarity** by dot product or cosine), triplets and the
    chosen item per trial. The negative log-likelihood is convex in the inverse temperature
    :math:`\beta = 1/T`, so a bounded scalar search finds the global optimum. Returns
    ``inf`` when the embedding predicts no better than chance (:math:`\beta = 0`).
    """
    t = _check_triplets(triplets)
    pos = _positions(t, choices)
    s = _pair_similarities(as_2d_float(embedding, "embedding", min_rows=3), t, similarity)
    beta = _fit_beta(s, pos)
    return float("inf") if beta == 0 else 1.0 / beta


def _fit_beta(s: NDArray, pos: NDArray) -> float:
    spread = float(np.std(s - s.mean(axis=1, keepdims=True)))
    if spread == 0:
        return 0.0
    upper = 200.0 / spread

    def nll(beta: float) -> float:
        return -float(np.sum(_loglik_per_trial(s, pos, beta)))

    res = minimize_scalar(nll, bounds=(0.0, upper), method="bounded",
                          options={"xatol": 1e-10 * upper, "maxiter": 500})
    beta = float(res.x)
    return beta if nll(beta) <= nll(0.0) else 0.0


# --------------------------------------------------------------------------------------------
# agreement with humans
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TripletAgreement:
    """Agreement of a model's odd-one-out choices with human choices.

    Attributes
    ----------
    accuracy : float
        Share of trials where the model's odd one out is the human's (ties split evenly).
    log_likelihood : float
        Sum over trials of ``log P(human choice)`` (natural log) at ``temperature``.
    mean_log_likelihood : float
        ``log_likelihood / n_trials`` (chance: ``log(1/3) = -1.0986``).
    temperature : float
        Softmax temperature used (fitted unless given).
    n_trials : int
    per_participant : dict of arrays
        ``participant``, ``n_trials``, ``accuracy``, ``mean_log_likelihood``.
    per_triplet : dict of arrays
        ``item_1``-``item_3`` (sorted), ``n_trials``, ``accuracy``,
        ``mean_log_likelihood``, ``model_choice`` (item), ``human_modal_choice`` (item),
        ``modal_agreement``.
    """

    accuracy: float
    log_likelihood: float
    mean_log_likelihood: float
    temperature: float
    n_trials: int
    per_participant: dict[str, NDArray] = field(repr=False)
    per_triplet: dict[str, NDArray] = field(repr=False)

    def participant_frame(self) -> Any:
        """Per-participant breakdown as a pandas DataFrame (pandas imported on demand)."""
        import pandas as pd

        return pd.DataFrame(self.per_participant)

    def triplet_frame(self) -> Any:
        """Per-triplet breakdown as a pandas DataFrame (pandas imported on demand)."""
        import pandas as pd

        return pd.DataFrame(self.per_triplet)


def _group_mean(values: NDArray, groups: NDArray, n_groups: int) -> NDArray:
    tot = np.bincount(groups, weights=values, minlength=n_groups)
    cnt = np.bincount(groups, minlength=n_groups)
    return tot / np.maximum(cnt, 1)


def _modal_counts(triplets: NDArray, pos: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """Unique sorted triplets, trial -> group, and counts (n_groups, 3) per sorted position."""
    uniq, inv = _keys(triplets)
    chosen = triplets[np.arange(len(pos)), pos]
    sorted_pos = np.argmax(uniq[inv] == chosen[:, None], axis=1)
    counts = np.zeros((len(uniq), 3), dtype=np.int64)
    np.add.at(counts, (inv, sorted_pos), 1)
    return uniq, inv, counts


def triplet_agreement(
    embedding: ArrayLike,
    triplets: ArrayLike,
    choices: ArrayLike,
    participants: ArrayLike | None = None,
    *,
    similarity: Similarity = "dot",
    temperature: float | Literal["fit"] = "fit",
) -> TripletAgreement:
    """Accuracy and log-likelihood of an embedding's odd-one-out choices vs human choices.

    Parameters
    ----------
    embedding : array_like, shape (n_items, n_dims)
        Model representation; pair **similarity** is the dot product or cosine of rows.
    triplets : array_like of int, shape (n_trials, 3)
        Item indices shown on each trial.
    choices : array_like of int, shape (n_trials,)
        The item index each participant chose as odd one out.
    participants : array_like, optional
        Participant label per trial (for the per-participant breakdown).
    similarity : {"dot", "cosine"}
    temperature : float or "fit"
        Softmax temperature for the log-likelihood; ``"fit"`` maximises it
        (:func:`fit_temperature`).

    Returns
    -------
    TripletAgreement
        Overall accuracy and log-likelihood with per-participant and per-triplet
        breakdowns.
    """
    t = _check_triplets(triplets)
    pos = _positions(t, choices)
    s = _pair_similarities(as_2d_float(embedding, "embedding", min_rows=3), t, similarity)
    if temperature == "fit":
        beta = _fit_beta(s, pos)
    else:
        if not float(temperature) > 0:
            raise ValueError("temperature must be > 0 or 'fit'")
        beta = 1.0 / float(temperature)
    hits = _expected_hits(s, pos)
    ll = _loglik_per_trial(s, pos, beta)
    n = len(t)
    if participants is None:
        participants = np.full(n, "all")
    parts = np.asarray(participants).astype(str)
    if parts.shape != (n,):
        raise RDMInputError("participants must have one label per trial")
    pid, pinv = np.unique(parts, return_inverse=True)
    per_participant = {
        "participant": pid,
        "n_trials": np.bincount(pinv, minlength=len(pid)),
        "accuracy": _group_mean(hits, pinv, len(pid)),
        "mean_log_likelihood": _group_mean(ll, pinv, len(pid)),
    }
    uniq, inv, counts = _modal_counts(t, pos)
    s_sorted = _pair_similarities(as_2d_float(embedding, "embedding", min_rows=3), uniq,
                                  similarity)
    per_triplet = {
        "item_1": uniq[:, 0],
        "item_2": uniq[:, 1],
        "item_3": uniq[:, 2],
        "n_trials": counts.sum(axis=1),
        "accuracy": _group_mean(hits, inv, len(uniq)),
        "mean_log_likelihood": _group_mean(ll, inv, len(uniq)),
        "model_choice": uniq[np.arange(len(uniq)), np.argmax(s_sorted, axis=1)],
        "human_modal_choice": uniq[np.arange(len(uniq)), np.argmax(counts, axis=1)],
        "modal_agreement": counts.max(axis=1) / counts.sum(axis=1),
    }
    return TripletAgreement(
        accuracy=float(hits.mean()),
        log_likelihood=float(ll.sum()),
        mean_log_likelihood=float(ll.mean()),
        temperature=float(np.inf if beta == 0 else 1.0 / beta),
        n_trials=n,
        per_participant=per_participant,
        per_triplet=per_triplet,
    )


# --------------------------------------------------------------------------------------------
# noise ceilings
# --------------------------------------------------------------------------------------------

#: Fewest triplets answered at least twice for a meaningful noise ceiling
#: (:attr:`TripletCeiling.meaningful`).
MIN_REPEATED_TRIPLETS = 10


@dataclass(frozen=True, eq=False)
class TripletCeiling:
    """Noise ceilings for odd-one-out accuracy.

    Attributes
    ----------
    modal_agreement : float
        Mean over unique triplets of (count of the most frequent response / responses):
        the accuracy of an oracle that always gives each triplet's modal response,
        triplets weighted equally (0.6722 on THINGS ``triplets_test``).
    modal_agreement_trials : float
        The same, trials weighted equally.
    lopo_majority : float
        Leave-one-participant-out majority: each trial predicted by the majority response
        of the *other* participants on the same triplet (ties split evenly); mean over
        trials that have at least one other response (``n_lopo_trials``).
    n_triplets : int
    n_lopo_trials : int
    per_triplet_modal : ndarray
        Modal agreement of each unique triplet (order of ``triplets``).
    triplets : ndarray
        The unique triplets (sorted item indices).
    n_repeated : int
        Unique triplets with at least two responses.

    Notes
    -----
    A triplet answered once agrees with itself: its modal agreement is 1 whatever people
    think. The ceiling is therefore only meaningful (:attr:`meaningful`) when at least
    :data:`MIN_REPEATED_TRIPLETS` triplets were answered at least twice and those are at
    least half of the unique triplets; :attr:`problem` says why when it is not.
    """

    modal_agreement: float
    modal_agreement_trials: float
    lopo_majority: float
    n_triplets: int
    n_lopo_trials: int
    per_triplet_modal: NDArray = field(repr=False)
    triplets: NDArray = field(repr=False)
    n_repeated: int = 0

    @property
    def problem(self) -> str | None:
        """Why the ceiling is not meaningful (None when it is); the rule is in the Notes."""
        if self.n_repeated < MIN_REPEATED_TRIPLETS:
            return (f"only {self.n_repeated} of {self.n_triplets} triplets were answered more "
                    f"than once; a noise ceiling needs at least {MIN_REPEATED_TRIPLETS}")
        if 2 * self.n_repeated < self.n_triplets:
            return (f"only {self.n_repeated} of {self.n_triplets} triplets were answered more "
                    "than once; a noise ceiling needs at least half of them repeated")
        return None

    @property
    def meaningful(self) -> bool:
        """Whether enough triplets were answered repeatedly for the ceiling to mean something."""
        return self.problem is None


def triplet_noise_ceiling(
    triplets: ArrayLike, choices: ArrayLike, participants: ArrayLike | None = None
) -> TripletCeiling:
    """Noise ceilings for odd-one-out agreement from repeated human responses.

    Takes triplets of item indices, the chosen item per trial and (for the
    leave-one-participant-out ceiling) the participant per trial; without participants
    every trial counts as its own participant. Definitions in :class:`TripletCeiling`;
    check :attr:`TripletCeiling.meaningful` before reporting it (a triplet answered once
    agrees with itself, so data without repeats gives a ceiling of 1 that means nothing).
    """
    t = _check_triplets(triplets)
    pos = _positions(t, choices)
    uniq, inv, counts = _modal_counts(t, pos)
    total = counts.sum(axis=1)
    modal = counts.max(axis=1) / total
    n = len(t)
    if participants is None:
        pinv = np.arange(n)
    else:
        parts = np.asarray(participants).astype(str)
        if parts.shape != (n,):
            raise RDMInputError("participants must have one label per trial")
        pinv = np.unique(parts, return_inverse=True)[1].ravel()
    # counts of each participant's own responses per (triplet, sorted position)
    chosen = t[np.arange(n), pos]
    sorted_pos = np.argmax(uniq[inv] == chosen[:, None], axis=1)
    gp, gp_inv = np.unique(np.stack([inv, pinv], axis=1), axis=0, return_inverse=True)
    gp_inv = gp_inv.ravel()
    own = np.zeros((len(gp), 3), dtype=np.int64)
    np.add.at(own, (gp_inv, sorted_pos), 1)
    others = counts[inv] - own[gp_inv]
    n_other = others.sum(axis=1)
    ok = n_other > 0
    top = others.max(axis=1, keepdims=True)
    is_top = (others == top) & ok[:, None]
    hit = np.where(ok, is_top[np.arange(n), sorted_pos] / np.maximum(is_top.sum(axis=1), 1),
                   np.nan)
    return TripletCeiling(
        modal_agreement=float(modal.mean()),
        modal_agreement_trials=float(counts.max(axis=1).sum() / total.sum()),
        lopo_majority=float(np.nanmean(hit)) if ok.any() else float("nan"),
        n_triplets=len(uniq),
        n_lopo_trials=int(ok.sum()),
        per_triplet_modal=modal,
        triplets=uniq,
        n_repeated=int((total >= 2).sum()),
    )


# --------------------------------------------------------------------------------------------
# similarity / RDM from triplet choices
# --------------------------------------------------------------------------------------------


def triplet_similarity(
    triplets: ArrayLike, choices: ArrayLike, n_items: int | None = None
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Choice-probability **similarity** matrix from odd-one-out choices.

    For each pair ``(a, b)``: the share of trials containing both in which neither was
    chosen as odd one out (the pair was kept together). Returns ``(similarity, counts)``,
    both ``(n_items, n_items)``: similarity in [0, 1] (NaN where the pair never appeared
    together, 1 on the diagonal) and the number of trials showing each pair.
    Convert to an RDM with :func:`rdm_from_triplets` (``1 - similarity``).
    """
    t = _check_triplets(triplets)
    pos = _positions(t, choices)
    n = int(t.max()) + 1 if n_items is None else int(n_items)
    if t.max() >= n:
        raise RDMInputError(f"triplets refer to item {int(t.max())} but n_items is {n}")
    together = np.zeros((n, n))
    shown = np.zeros((n, n), dtype=np.int64)
    for p, q, odd in ((0, 1, 2), (0, 2, 1), (1, 2, 0)):
        a, b = t[:, p], t[:, q]
        kept = (pos == odd).astype(np.float64)
        np.add.at(shown, (a, b), 1)
        np.add.at(shown, (b, a), 1)
        np.add.at(together, (a, b), kept)
        np.add.at(together, (b, a), kept)
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(shown > 0, together / np.maximum(shown, 1), np.nan)
    np.fill_diagonal(sim, 1.0)
    return sim, shown


def rdm_from_triplets(
    triplets: ArrayLike, choices: ArrayLike, n_items: int | None = None
) -> NDArray[np.float64]:
    """Condensed RDM (**dissimilarities**) ``1 - p(kept together)`` from triplet choices.

    The explicit conversion ``similarity_to_dissimilarity(sim, scale_max=1)`` of
    :func:`triplet_similarity`; pairs never shown together are NaN.
    """
    sim, _ = triplet_similarity(triplets, choices, n_items)
    d = similarity_to_dissimilarity(sim, scale_max=1.0, scale_min=0.0)
    iu, ju = np.triu_indices(d.shape[0], k=1)
    return d[iu, ju]
