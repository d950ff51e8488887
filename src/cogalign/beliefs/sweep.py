"""The belief-embeddings paradigm's align entry: a model's issue structure against people's.

People who take the Pro side of one issue tend to take the Pro side of certain others; one
minus the correlation of their stances is the people's issue-by-issue dissimilarity
(:func:`cogalign.beliefs.alignment.stance_correlations`). A language model's is the cosine
distance between issue axes (Pro statement minus Con statement) in its own, not fine-tuned,
representation at each layer. :func:`sweep_alignment` compares the two by Spearman RSA, with a
bootstrap over people for the interval and the people's split-half reliability for the
noise ceiling; it follows the align contract of :mod:`cogalign.paradigms` and is what
``cogalign sweep`` calls.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cogalign.beliefs.alignment import stance_correlations
from cogalign.errors import CogalignError

__all__ = ["DEFAULT_DATASET", "people_ceiling", "sweep_alignment"]

#: The stance table a sweep compares with when it names none.
DEFAULT_DATASET = "ddo-big-issues"


def _condensed(r: np.ndarray) -> np.ndarray:
    """Condensed ``1 - r`` (the issue RDM) of a correlation matrix."""
    upper = np.triu_indices(len(r), k=1)
    return 1.0 - r[upper]


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman RSA over the pairs both RDMs have (NaN with fewer than 3)."""
    from cogalign.metrics import rsa

    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
        return float("nan")
    return float(rsa(a[ok], b[ok], "spearman"))


def _halves(matrix: np.ndarray, n_splits: int, min_people: int, seed: int
            ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Issue correlations of both halves of ``n_splits`` seeded random splits of the people."""
    rng = np.random.default_rng(seed)
    n_people = len(matrix)
    out = []
    for _ in range(n_splits):
        half = np.zeros(n_people)
        half[rng.permutation(n_people)[: n_people // 2]] = 1.0
        out.append((stance_correlations(matrix, half, min_people=min_people),
                    stance_correlations(matrix, 1.0 - half, min_people=min_people)))
    return out


def _ceiling(halves: list[tuple[np.ndarray, np.ndarray]], idx: np.ndarray) -> dict[str, float]:
    """Split-half ceiling over the issues ``idx`` (see :func:`people_ceiling`)."""
    from cogalign.metrics import spearman_brown

    sub = np.ix_(idx, idx)
    rs = np.array([_spearman(_condensed(a[sub]), _condensed(b[sub])) for a, b in halves])
    if not np.isfinite(rs).any():
        return {"r": float("nan"), "reliability": float("nan"), "ceiling": float("nan")}
    r = float(np.nanmean(rs))
    reliability = float(spearman_brown(r))
    return {"r": r, "reliability": reliability, "ceiling": float(np.sqrt(max(reliability, 0.0)))}


def people_ceiling(matrix: np.ndarray, *, n_splits: int = 100, min_people: int = 10,
                   seed: int = 0) -> dict[str, float]:
    """The people's split-half noise ceiling of the issue-structure RSA.

    People are split at random into halves ``n_splits`` times; the two halves' issue RDMs
    are compared by Spearman correlation. The mean ``r``, corrected to the whole group by
    Spearman-Brown (:func:`cogalign.metrics.spearman_brown`), is the reliability of the
    people's RDM; a model equal to the true structure correlates with the noisy RDM at about
    its square root, the ceiling.

    Parameters
    ----------
    matrix
        People x issues stances (:func:`cogalign.beliefs.data.stance_matrix`).
    n_splits
        Random half splits.
    min_people
        As in :func:`stance_correlations`.
    seed
        Seed of the splits.

    Returns
    -------
    dict
        ``r``, ``reliability``, ``ceiling`` (NaN when no split gives a correlation).
    """
    return _ceiling(_halves(matrix, n_splits, min_people, seed), np.arange(matrix.shape[1]))


def sweep_alignment(
    model: str,
    *,
    dataset: str | None = None,
    layer: str | int | None = None,
    template: str | None = None,
    seed: int = 0,
    limit: int | None = None,
    progress: bool = False,
    n_boot: int = 200,
    n_splits: int = 100,
    min_people: int = 10,
) -> list[dict[str, Any]]:
    """The belief paradigm's align entry: a model's issue-by-issue structure vs people's.

    Follows the align contract of :mod:`cogalign.paradigms`. Every issue's two sides are
    written as statements (:func:`cogalign.beliefs.statements.belief_statements`) and read by
    the model (:func:`cogalign.llm.embed`; sentence models with their own pooling, causal
    models by the mean over the statement's tokens) at each layer; the issue RDM (cosine
    distance between issue axes) is compared with the people's (one minus the correlation of
    stances). The units are the issues: ``train`` and ``test`` are a seeded half split of them
    (the RSA over the pairs within each half), the same for every model, layer and template.

    Parameters
    ----------
    model
        A :mod:`cogalign.llm` model (preset, Hugging Face id, local path).
    dataset
        A stance table in the registry (default ``ddo-big-issues``).
    layer
        Layers to measure (a spec of :mod:`cogalign.llm.layers`); default ``"::3"`` (every
        third, first and last included where the count allows).
    template
        The statement template (a name among ``kind = "statement"`` templates of
        :mod:`cogalign.llm.tasks`, or a TOML file); default ``favor-against``.
    seed
        Seed of the issue subset, the half split, the bootstrap and the ceiling's splits.
    limit
        Use a seeded subset of this many issues (at least 4).
    progress
        Progress bars.
    n_boot
        Bootstrap replicates over people for the interval (0: none).
    n_splits
        Half splits of the people for the ceiling (:func:`people_ceiling`).
    min_people
        Pairs of issues with fewer people holding stances on both are left out.

    Returns
    -------
    list of dict
        Per layer and split: ``rsa`` (primary; Spearman between the model's and the people's
        issue RDMs, bootstrap interval over people, ceiling from :func:`people_ceiling`).
        Rows carry ``layer``, ``relative_depth``, ``template``, ``dataset``, ``n`` (issues),
        ``n_pairs`` (issue pairs compared), ``n_people`` and ``reliability``.
    """
    from cogalign.beliefs.data import issue_texts, stance_matrix
    from cogalign.beliefs.space import side_vectors
    from cogalign.beliefs.statements import DEFAULT_TEMPLATES, belief_statements
    from cogalign.crossval import holdout_split
    from cogalign.data import load
    from cogalign.llm import embed
    from cogalign.llm.models import resolve_model
    from cogalign.metrics import rdm_from_embedding
    from cogalign.paradigms import align_row

    name = dataset or DEFAULT_DATASET
    table = load(name, download=True, progress=progress)
    if not isinstance(table, pd.DataFrame) or not {"participant_id", "issue", "stance"} <= set(
            table.columns):
        raise CogalignError(f"{name} is not a stance table (participant_id, issue, stance); "
                            f"choose one such as {DEFAULT_DATASET}")
    matrix, _, issues = stance_matrix(table)
    if limit is not None:
        if limit < 4:
            raise CogalignError(f"limit={limit}: an issue structure needs at least 4 issues")
        if limit < len(issues):
            keep = np.sort(np.random.default_rng(seed).choice(len(issues), int(limit),
                                                              replace=False))
            matrix, issues = matrix[:, keep], [issues[k] for k in keep]
    matrix = matrix[(matrix != 0).any(axis=1)]
    chosen = template or DEFAULT_TEMPLATES[0]
    frame = belief_statements(issues, [chosen], texts=issue_texts(table))
    pooling = "sentence" if resolve_model(model).kind == "sentence" else "mean"
    reps = embed(frame["text"].tolist(), model=model, layers="::3" if layer is None else layer,
                 pooling=pooling, progress=progress)
    array = np.asarray(reps.array, dtype=np.float64)
    total = reps.meta.get("n_hidden_states") or len(reps.layers)

    n_issues = len(issues)
    train, test = holdout_split(np.arange(n_issues), 0.5, seed=seed)
    parts = {"all": np.arange(n_issues), "train": train, "test": test}
    rng = np.random.default_rng(seed)
    boots = rng.multinomial(len(matrix), np.full(len(matrix), 1.0 / len(matrix)), size=n_boot)
    people = stance_correlations(matrix, min_people=min_people)
    boot_people = [stance_correlations(matrix, w, min_people=min_people) for w in boots]
    halves = _halves(matrix, n_splits, min_people, seed)
    rows: list[dict[str, Any]] = []
    for split, idx in parts.items():
        sub = np.ix_(idx, idx)
        human = _condensed(people[sub])
        ceiling = _ceiling(halves, idx)
        drawn = [_condensed(b[sub]) for b in boot_people]
        for j, lay in enumerate(reps.layers):
            vectors = side_vectors(frame, array[:, j, :], issues)[idx]
            model_rdm = rdm_from_embedding(vectors[:, 0] - vectors[:, 1], "cosine")
            value = _spearman(model_rdm, human)
            draws = np.array([_spearman(model_rdm, d) for d in drawn])
            draws = draws[np.isfinite(draws)]
            ci = tuple(np.quantile(draws, [0.025, 0.975])) if len(draws) else (None, None)
            rows.append(align_row(
                "rsa", value, ci=ci, ceiling=ceiling["ceiling"], layer=int(lay),
                template=chosen, split=split, primary=True, dataset=name, n=len(idx),
                n_pairs=int(np.isfinite(human).sum()), n_people=len(matrix),
                reliability=ceiling["reliability"],
                relative_depth=float(lay) / max(1, total - 1)))
    return rows
