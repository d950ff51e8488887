r"""Group-level RSA: candidate RDMs vs the participants' rating RDMs, with the noise ceiling.

With per-participant ratings of every pair of a set of items, :func:`rsa_alignment` gives each
candidate RDM's mean agreement with the participants' RDMs
(:func:`cogalign.metrics.bootstrap_rsa`, interval over items), next to the noise ceiling
(:func:`cogalign.metrics.rdm_noise_ceiling`); :func:`align_ratings` builds the candidates from
a language model first. RDMs are **dissimilarities** (:mod:`cogalign.metrics.rdm`).

References
----------
Nili, H., et al. (2014). A toolbox for representational similarity analysis. PLoS Comput.
Biol. 10(4): e1003553.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cogalign.errors import CogalignError

__all__ = ["align_ratings", "rsa_alignment"]


def _as_rdms(x: Any, what: str) -> Any:
    from cogalign.metrics import RDMs

    try:
        return x if isinstance(x, RDMs) else RDMs.from_array(x)
    except ValueError as exc:
        raise CogalignError(f"{what}: {exc}") from None


def _group_agreement(people: Any, cands: Any, method: str, n_boot: int, over: str,
                     ci: float, seed: Any) -> tuple[NDArray, NDArray, NDArray]:
    """Mean agreement of each candidate with the participants, and its bootstrap interval."""
    from cogalign.metrics import bootstrap_rsa, rsa

    if n_boot > 0:
        boot = bootstrap_rsa(people, cands, method, over=over, n_boot=n_boot, ci=ci, seed=seed)
        return boot.estimate, boot.ci_low, boot.ci_high
    per = np.asarray(rsa(cands.vectors, people.vectors, method), dtype=np.float64)
    estimate = per.reshape(cands.n_rdms, people.n_rdms).mean(axis=1)
    empty = np.full(cands.n_rdms, np.nan)
    return estimate, empty, empty.copy()


def rsa_alignment(
    participant_rdms: Any,
    candidate_rdms: Any,
    *,
    method: str = "spearman",
    names: Sequence[str] | None = None,
    n_boot: int = 1000,
    over: str = "items",
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Group-level RSA of candidate RDMs against participants' RDMs, with the noise ceiling.

    Parameters
    ----------
    participant_rdms
        One **dissimilarity** RDM per participant (``(m, n, n)``, condensed stack or
        :class:`cogalign.metrics.RDMs`); NaN for unrated pairs.
    candidate_rdms
        One candidate dissimilarity RDM or a stack (models, layers, brain regions).
    method
        Comparator (see :func:`cogalign.metrics.rsa`).
    names
        Candidate names (default: the RDMs' names, else ``0..k-1``).
    n_boot, over, ci, seed
        Bootstrap of the mean agreement (:func:`cogalign.metrics.bootstrap_rsa`): over
        ``"items"``, ``"participants"`` or ``"both"``.

    Returns
    -------
    pandas.DataFrame
        One row per candidate: ``candidate``, ``rsa`` (mean over participants of
        ``rsa(candidate, participant)``), ``ci_low``, ``ci_high``, ``rsa_pooled``
        (against the participants' pooled RDM), ``noise_ceiling_lower``,
        ``noise_ceiling_upper`` (NaN with fewer than 2 participants),
        ``share_of_lower_ceiling`` (``rsa / noise_ceiling_lower``), ``n_participants``,
        ``n_items``.
    """
    from cogalign.metrics import pool_rdms, rdm_noise_ceiling, rsa

    people = _as_rdms(participant_rdms, "participant_rdms")
    cands = _as_rdms(candidate_rdms, "candidate_rdms")
    if people.n_items != cands.n_items:
        raise CogalignError(f"participant RDMs have {people.n_items} items, candidates "
                            f"{cands.n_items}")
    labels = list(names) if names is not None else (
        list(cands.names) if cands.names else [str(i) for i in range(cands.n_rdms)])
    if len(labels) != cands.n_rdms:
        raise CogalignError(f"{len(labels)} names for {cands.n_rdms} candidates")
    estimate, low, high = _group_agreement(people, cands, method, n_boot, over, ci, seed)
    pooled = pool_rdms(people, method) if people.n_rdms > 1 else people.vectors[0]
    vs_pool = np.atleast_1d(rsa(cands, pooled, method))
    if people.n_rdms >= 2:
        ceiling = rdm_noise_ceiling(people, method)
        lower, upper = ceiling.lower, ceiling.upper
    else:
        lower = upper = np.nan
    rows = []
    for k, name in enumerate(labels):
        rows.append({
            "candidate": name,
            "rsa": float(estimate[k]),
            "ci_low": float(low[k]),
            "ci_high": float(high[k]),
            "rsa_pooled": float(vs_pool[k]),
            "noise_ceiling_lower": lower,
            "noise_ceiling_upper": upper,
            "share_of_lower_ceiling": float(estimate[k] / lower)
            if np.isfinite(lower) and lower > 0 else np.nan,
            "n_participants": people.n_rdms,
            "n_items": people.n_items,
        })
    return pd.DataFrame(rows)


def align_ratings(
    table: pd.DataFrame,
    *,
    model: Any,
    method: str = "embedding",
    layers: Any = "all",
    pooling: str | None = None,
    template: str | None = "auto",
    prompt: Any = None,
    orders: str = "both",
    rsa_method: str = "spearman",
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A model's RDM (per layer, or from prompted ratings) vs participants' rating RDMs.

    Parameters
    ----------
    table
        Pairwise ratings (:data:`cogalign.data.schemas.PAIRWISE`) from several participants;
        item labels are the text the model sees.
    model
        Model preset, hub id or path.
    method
        ``"embedding"`` (cosine-distance RDM per layer) or ``"prompt"`` (expected rating of
        every pair of items, flipped to a dissimilarity on the template's scale).
    layers, pooling, template, prompt, orders
        As in :func:`cogalign.similarity.wordpairs.align_word_pairs`; the default prompt is
        the built-in task on the data's scale.
    rsa_method, n_boot, seed
        Comparator and bootstrap (over items) of :func:`rsa_alignment`.
    progress
        Show progress bars.

    Returns
    -------
    summary : pandas.DataFrame
        :func:`rsa_alignment` rows with ``layer`` and ``relative_depth``.
    info : dict
        ``labels``, ``n_participants``, ``reliability`` (split-half etc., JSON-able).
    """
    from cogalign.similarity.llm import _layer_rdms, prompt_rdm, task_for_scale
    from cogalign.similarity.ratings import participant_rdms, rating_scale, reliability

    people = participant_rdms(table)
    labels = list(people.labels)
    if people.rdms.n_rdms < 2:
        raise CogalignError("full-matrix RSA needs ratings from at least 2 participants")
    if method == "embedding":
        cands, layer_ids, depth = _layer_rdms(labels, model, layers, pooling, template,
                                              progress)
    elif method == "prompt":
        template_name = prompt or task_for_scale(rating_scale(table))
        cands, _ = prompt_rdm(labels, model=model, template=template_name, orders=orders,
                              progress=progress)
        layer_ids, depth = ["prompt"], [np.nan]
    else:
        raise CogalignError(f"method must be 'embedding' or 'prompt', got {method!r}")
    summary = rsa_alignment(people.rdms, cands, method=rsa_method, n_boot=n_boot, seed=seed)
    summary.insert(0, "layer", layer_ids)
    summary.insert(1, "relative_depth", depth)
    rel = reliability(table, method=rsa_method, seed=seed)
    info = {"labels": labels, "n_participants": people.rdms.n_rdms,
            "reliability": rel.to_dict()}
    return summary, info
