"""Prompt sweeps: how template and temperature move a language model towards or away from people.

:func:`prompt_sweep` scores every template's expected ratings once and samples synthetic
individuals at every temperature, in one tidy table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from cogalign.errors import CogalignError
from cogalign.similarity.group import _as_rdms
from cogalign.similarity.individual import _off_diagonal, population_spread, turing_rsa
from cogalign.similarity.wordpairs import _row_pearson, spearman

__all__ = ["prompt_sweep"]


def _rating_matrix(table: pd.DataFrame, n_pairs: int) -> NDArray:
    """(participants, pairs) ratings from a synthetic table (``trial`` = pair index)."""
    ids = sorted(table["participant_id"].unique())
    out = np.full((len(ids), n_pairs), np.nan)
    row = {p: i for i, p in enumerate(ids)}
    out[table["participant_id"].map(row).to_numpy(), table["trial"].to_numpy()] = \
        table["rating"].to_numpy(dtype=np.float64)
    return out


def prompt_sweep(
    item_a: Sequence[str],
    item_b: Sequence[str],
    human: ArrayLike,
    *,
    model: Any = "smollm2-135m",
    templates: Sequence[Any] = ("similarity-0-10", "similarity-0-10-meaning"),
    temperatures: Sequence[float] = (0.0, 0.5, 1.0, 2.0),
    n_participants: int = 10,
    orders: str = "both",
    human_rdms: Any = None,
    labels: Sequence[str] | None = None,
    method: str = "spearman",
    seed: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """How prompt template and temperature move a model towards or away from people.

    For every template the model's expected rating of each pair is scored once (the
    distributions are cached, so temperatures cost no extra model calls), then synthetic
    individuals are sampled at every temperature.

    Parameters
    ----------
    item_a, item_b
        The pairs.
    human : array_like, shape (n_pairs,)
        Mean human **similarity** of each pair.
    model
        A causal language model.
    templates
        Prompt templates (see :func:`cogalign.similarity.llm.load_template`).
    temperatures
        Sampling temperatures of the synthetic individuals.
    n_participants
        Synthetic individuals per template and temperature.
    orders
        ``"both"`` or ``"one"`` item order(s).
    human_rdms, labels
        Optional per-participant human **dissimilarity** RDMs over ``labels`` (full-matrix
        data; the pairs must cover every pair of ``labels``): adds where the synthetic
        individuals fall in the human distribution
        (:func:`~cogalign.similarity.individual.turing_rsa`) and the humans' own spread.
    method
        Comparator for the RDM-level columns.
    seed
        Seed of the sampling.
    progress
        Show progress bars.

    Returns
    -------
    pandas.DataFrame
        Tidy: one row per template and rater (``rater = "expected"`` with ``temperature``
        NaN, then ``"synthetic"`` per temperature). Columns: ``template``, ``rater``,
        ``temperature``, ``group_spearman`` (mean rating over synthetic individuals, or the
        expected rating, vs the human means), ``individual_spearman_mean`` /
        ``individual_spearman_sd`` (each synthetic individual vs the human means),
        ``synthetic_agreement`` (mean pairwise Spearman between synthetic individuals: 1 =
        no individual differences), ``valid_mass``, ``n_pairs``, ``n_participants``; with
        ``human_rdms`` also ``human_agreement`` (mean pairwise agreement between people)
        and ``share_inside_human_range`` (synthetic individuals inside the human range).
    """
    from cogalign.metrics import RDMs, rank_rows
    from cogalign.similarity.llm import prompt_ratings, synthetic_participants
    from cogalign.similarity.ratings import participant_rdms

    h = np.asarray(human, dtype=np.float64).ravel()
    if h.size != len(item_a):
        raise CogalignError(f"{h.size} human ratings for {len(item_a)} pairs")
    people = _as_rdms(human_rdms, "human_rdms") if human_rdms is not None else None
    human_agreement = np.nan
    if people is not None:
        human_agreement = population_spread(people, people, method)["human_mean"]
    rows: list[dict[str, Any]] = []
    for template in templates:
        rated = prompt_ratings(item_a, item_b, model=model, template=template, orders=orders,
                               progress=progress)
        name = rated.attrs["template"]
        base = {"template": name, "valid_mass": float(rated["valid_mass"].mean()),
                "n_pairs": int(h.size)}
        rows.append({**base, "rater": "expected", "temperature": np.nan,
                     "group_spearman": spearman(h, rated["expected"]),
                     "individual_spearman_mean": np.nan, "individual_spearman_sd": np.nan,
                     "synthetic_agreement": np.nan, "n_participants": 0,
                     "human_agreement": human_agreement, "share_inside_human_range": np.nan})
        for t, temperature in enumerate(temperatures):
            synth = synthetic_participants(item_a, item_b, model=model, template=template,
                                           n_participants=n_participants,
                                           temperature=float(temperature), orders=orders,
                                           seed=seed + t, progress=False)
            matrix = _rating_matrix(synth, h.size)
            ok = np.isfinite(h)
            ranks = rank_rows(matrix[:, ok])
            each = _row_pearson(ranks, rank_rows(h[ok][None]))
            if n_participants > 1:
                corr = _row_pearson(ranks[:, None, :], ranks[None, :, :])
                agree = float(np.nanmean(_off_diagonal(corr))) \
                    if np.isfinite(_off_diagonal(corr)).any() else np.nan
            else:
                agree = np.nan
            inside = np.nan
            if people is not None:
                synth_rdms = participant_rdms(synth, labels=labels).rdms
                verdict = turing_rsa(people, RDMs(synth_rdms.vectors), method=method,
                                     n_boot=0, seed=seed).table["inside_human_range"]
                inside = float(np.mean(verdict))
            rows.append({**base, "rater": "synthetic", "temperature": float(temperature),
                         "group_spearman": spearman(h, np.nanmean(matrix, axis=0)),
                         "individual_spearman_mean": float(np.nanmean(each))
                         if np.isfinite(each).any() else np.nan,
                         "individual_spearman_sd": float(np.nanstd(each))
                         if np.isfinite(each).any() else np.nan,
                         "synthetic_agreement": agree, "n_participants": n_participants,
                         "human_agreement": human_agreement,
                         "share_inside_human_range": inside})
    columns = ["template", "rater", "temperature", "group_spearman", "individual_spearman_mean",
               "individual_spearman_sd", "synthetic_agreement", "human_agreement",
               "share_inside_human_range", "valid_mass", "n_pairs", "n_participants"]
    return pd.DataFrame(rows)[columns]
