r"""Individual-level Turing RSA: could a model pass for one more participant?

:func:`turing_rsa` ranks each candidate's agreement with leave-one-out groups of participants
among the humans' own (:func:`cogalign.metrics.individual_alignment`), with a bootstrap
interval on the percentile and an inside/outside-the-human-range verdict;
:func:`population_spread` measures how much individuals differ within a population, and
:func:`rsa92_turing` runs the analysis on the ``rsa92`` data. RDMs are **dissimilarities**.

References
----------
Ogg, M., Bose, R., Scharf, J., Ratto, C., & Wolmetz, M. (2024). Turing Representational
Similarity Analysis (RSA): a flexible method for measuring alignment between human and
artificial intelligence. arXiv:2412.00577.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cogalign.errors import CogalignError
from cogalign.similarity.group import _as_rdms, _group_agreement

__all__ = ["TuringRSA", "population_spread", "rsa92_turing", "turing_rsa"]


@dataclass(frozen=True, eq=False)
class TuringRSA:
    """Result of :func:`turing_rsa`: where each candidate falls among individual humans.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per candidate: ``candidate``, ``kind``, ``score`` (mean agreement with the
        leave-one-out human groups), ``percentile`` among the humans' own scores with
        ``percentile_low`` / ``percentile_high`` (bootstrap over items),
        ``inside_human_range``, ``verdict`` (``"inside"``, ``"below"`` or ``"above"`` the
        human range), ``p_below`` / ``p_above`` (rank tests, see
        :mod:`cogalign.metrics.individual`), ``human_min`` / ``human_median`` /
        ``human_max``, and the group-level ``group_rsa`` (mean agreement with individual
        participants) with ``group_ci_low`` / ``group_ci_high``.
    humans : pandas.DataFrame
        One row per participant: ``participant``, ``score`` (agreement with the others'
        pooled RDM), ``percentile`` among the humans.
    noise_ceiling : dict
        ``lower`` / ``upper`` noise ceiling of the participants.
    alignment : cogalign.metrics.IndividualAlignment
        The full result (pairwise human agreement, per-participant candidate agreement,
        bootstrap replicates).
    method : str
    n_items, n_participants : int
    """

    table: pd.DataFrame
    humans: pd.DataFrame
    noise_ceiling: dict[str, float]
    alignment: Any = field(repr=False)
    method: str = "spearman"
    n_items: int = 0
    n_participants: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (tables as lists of records)."""
        import json

        return {
            "method": self.method,
            "n_items": self.n_items,
            "n_participants": self.n_participants,
            "noise_ceiling": self.noise_ceiling,
            "human_pairwise_mean": float(np.nanmean(_off_diagonal(
                self.alignment.human_pairwise))),
            "candidates": json.loads(self.table.to_json(orient="records")),
            "humans": json.loads(self.humans.to_json(orient="records")),
        }


def _off_diagonal(matrix: NDArray) -> NDArray:
    m = np.asarray(matrix)
    return m[~np.eye(m.shape[0], dtype=bool)]


def turing_rsa(
    participant_rdms: Any,
    candidate_rdms: Any,
    *,
    names: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    participants: Sequence[str] | None = None,
    method: str = "spearman",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> TuringRSA:
    """Individual-level Turing RSA: could each candidate pass for one more participant?

    Each participant's agreement with the pooled RDM of the others is the human
    distribution; each candidate's mean agreement with the same leave-one-out groups is
    ranked within it (:func:`cogalign.metrics.individual_alignment`). A candidate inside the
    human range is as aligned with the group as a person is; below it, less; above it, more
    consistent with the group than any individual (a model of the average, not of a person).

    Parameters
    ----------
    participant_rdms
        One **dissimilarity** RDM per participant, at least 3.
    candidate_rdms
        Candidate dissimilarity RDMs over the same items (models, brain regions, language
        model layers, synthetic LLM individuals).
    names, kinds
        Candidate names and kinds (e.g. ``"brain"``, ``"model"``, ``"llm"``); default: the
        RDMs' names, kind ``"candidate"``.
    participants
        Participant names (default: the RDMs' names).
    method
        Comparator (see :func:`cogalign.metrics.rsa`).
    n_boot, ci, seed
        Item bootstrap of the percentile and of the group-level agreement.

    Returns
    -------
    TuringRSA
    """
    from cogalign.metrics import individual_alignment, rdm_noise_ceiling

    people = _as_rdms(participant_rdms, "participant_rdms")
    cands = _as_rdms(candidate_rdms, "candidate_rdms")
    if people.n_rdms < 3:
        raise CogalignError("Turing RSA needs RDMs from at least 3 participants")
    if people.n_items != cands.n_items:
        raise CogalignError(f"participant RDMs have {people.n_items} items, candidates "
                            f"{cands.n_items}")
    names = list(names) if names is not None else (
        list(cands.names) if cands.names else [f"candidate {i}" for i in range(cands.n_rdms)])
    kinds = list(kinds) if kinds is not None else ["candidate"] * cands.n_rdms
    if not len(names) == len(kinds) == cands.n_rdms:
        raise CogalignError(f"{len(names)} names and {len(kinds)} kinds for "
                            f"{cands.n_rdms} candidates")
    who = list(participants) if participants is not None else (
        list(people.names) if people.names else [f"p{i + 1}" for i in range(people.n_rdms)])
    rng = np.random.default_rng(seed)
    result = individual_alignment(people, cands, method, n_boot=n_boot, ci=ci, seed=rng,
                                  names=names)
    estimate, low, high = _group_agreement(people, cands, method, n_boot, "items", ci, rng)
    table = result.to_frame()
    table.insert(1, "kind", kinds)
    verdict = np.where(result.inside_range, "inside",
                       np.where(result.candidate_scores < result.human_scores.min(),
                                "below", "above"))
    table.insert(table.columns.get_loc("inside_human_range") + 1, "verdict", verdict)
    table["group_rsa"] = estimate
    table["group_ci_low"] = low
    table["group_ci_high"] = high
    human = result.human_scores
    below = (human[None, :] < human[:, None]).sum(axis=1)
    ties = (human[None, :] == human[:, None]).sum(axis=1) - 1
    humans = pd.DataFrame({"participant": who, "score": human,
                           "percentile": 100.0 * (below + 0.5 * ties) / max(1, human.size - 1)})
    ceiling = rdm_noise_ceiling(people, method)
    return TuringRSA(table=table, humans=humans,
                     noise_ceiling={"lower": ceiling.lower, "upper": ceiling.upper},
                     alignment=result, method=result.method, n_items=people.n_items,
                     n_participants=people.n_rdms)


def population_spread(human_rdms: Any, synthetic_rdms: Any, method: str = "spearman"
                      ) -> dict[str, float]:
    """How much individuals differ: mean pairwise agreement within each population.

    Ogg et al. (2024) found that no model reproduced the spread between human individuals:
    synthetic individuals sampled from one language model agree with each other far more
    than people do. Takes two stacks of **dissimilarity** RDMs over the same items.

    Returns
    -------
    dict
        ``human_mean`` / ``human_sd`` and ``synthetic_mean`` / ``synthetic_sd`` of the
        pairwise agreements (off-diagonal ``rsa`` values) and ``n_human``, ``n_synthetic``.
    """
    from cogalign.metrics import rsa

    out: dict[str, float] = {}
    for key, x in (("human", human_rdms), ("synthetic", synthetic_rdms)):
        rdms = _as_rdms(x, f"{key}_rdms")
        if rdms.n_rdms < 2:
            raise CogalignError(f"{key}: need at least 2 RDMs to measure spread")
        with np.errstate(invalid="ignore", divide="ignore"):
            pair = _off_diagonal(np.asarray(rsa(rdms, rdms, method)))
        out[f"{key}_mean"] = float(np.nanmean(pair)) if np.isfinite(pair).any() else np.nan
        out[f"{key}_sd"] = float(np.nanstd(pair)) if np.isfinite(pair).any() else np.nan
        out[f"n_{key}"] = rdms.n_rdms
    return out


def rsa92_turing(stack: Any = None, *, candidates: Sequence[str] = ("brain", "model"),
                 method: str = "spearman", n_boot: int = 1000, seed: int = 0) -> TuringRSA:
    """Turing RSA on ``rsa92``: 16 participants' similarity judgements vs brain and models.

    Parameters
    ----------
    stack
        The ``rsa92`` :class:`~cogalign.data.RDMStack` (loaded when None).
    candidates
        Kinds of RDM used as candidates (``"brain"``, ``"model"``).
    method, n_boot, seed
        As in :func:`turing_rsa`.
    """
    if stack is None:
        from cogalign.data import load

        stack = load("rsa92")
    people = stack.select("behaviour")
    picked = [stack.select(kind) for kind in candidates]
    rdms = np.concatenate([p.rdms for p in picked])
    names = [n for p in picked for n in p.names]
    kinds = [k for p in picked for k in p.kinds]
    return turing_rsa(people.rdms, rdms, names=names, kinds=kinds,
                      participants=[n.split("|")[-1].strip() for n in people.names],
                      method=method, n_boot=n_boot, seed=seed)
