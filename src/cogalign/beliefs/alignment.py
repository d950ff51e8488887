"""Language models' belief spaces against the fitted one and against people.

An issue is represented in a space by its axis, the Pro statement minus the Con statement. Two
issues are close when their axes point the same way (cosine distance between axes): taking the
Pro side of one goes with taking the Pro side of the other. People give the same kind of
matrix directly: one minus the correlation of their stances on two issues, over the people who
took a stance on both (:func:`human_issue_rdm`).

:func:`compare_belief_spaces` compares each space's issue-by-issue matrix with the people's
(RSA, Spearman) and with the fitted space's (RSA, and linear CKA between the axis matrices),
through :mod:`cogalign.metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.beliefs.data import stance_matrix
from cogalign.beliefs.space import embed_statements
from cogalign.beliefs.statements import DEFAULT_TEMPLATES

__all__ = ["compare_belief_spaces", "human_issue_rdm", "issue_axes", "issue_rdm", "model_spaces",
           "stance_correlations"]


def issue_axes(vectors: np.ndarray) -> np.ndarray:
    """Each issue's axis, Pro minus Con: ``(n_issues, dim)`` from ``(n_issues, 2, dim)``."""
    vectors = np.asarray(vectors, dtype=float)
    return vectors[:, 0] - vectors[:, 1]


def issue_rdm(vectors: np.ndarray) -> np.ndarray:
    """Condensed issue-by-issue dissimilarities: cosine distance between issue axes."""
    from cogalign.metrics import rdm_from_embedding

    return rdm_from_embedding(issue_axes(vectors), "cosine")


def stance_correlations(matrix: np.ndarray, weights: np.ndarray | None = None, *,
                        min_people: int = 10) -> np.ndarray:
    """Pearson correlations between issues over the people with a stance on both.

    Parameters
    ----------
    matrix
        People x issues stances, +1, -1 and 0 for none
        (:func:`cogalign.beliefs.data.stance_matrix`).
    weights
        How often each person counts (bootstrap counts, 0/1 for a half); default once each.
    min_people
        Pairs of issues with fewer (weighted) people holding stances on both are NaN.

    Returns
    -------
    numpy.ndarray
        ``(n_issues, n_issues)`` correlations with 1 on the diagonal; NaN where too few people
        hold both stances or one side is unanimous among them.

    Notes
    -----
    With stances of +-1 every sum a pairwise-complete correlation needs is a matrix product
    (``n = M'WM``, ``sum x_i = X'WM``, ``sum x_i x_j = X'WX`` with ``M`` the mask of stances
    and ``W`` the weights), so a bootstrap replicate costs three products, not a pass over
    every pair.
    """
    x = np.asarray(matrix, dtype=np.float64)
    m = (x != 0).astype(np.float64)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    xw, mw = x * w[:, None], m * w[:, None]
    n = m.T @ mw
    sx = xw.T @ m  # sx[i, j]: sum of x_i over the people with stances on i and j
    sxy = x.T @ xw
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my = sx / n, sx.T / n
        r = (sxy / n - mx * my) / np.sqrt((1.0 - mx**2) * (1.0 - my**2))
    r[(n < min_people) | ~np.isfinite(r)] = np.nan
    np.fill_diagonal(r, 1.0)
    return r


def human_issue_rdm(table: pd.DataFrame, issues: Sequence[str], *, min_people: int = 10) -> np.ndarray:
    """Condensed dissimilarities between issues from people's stances: 1 - correlation.

    Parameters
    ----------
    table
        Stance table.
    issues
        Issue order.
    min_people
        Pairs of issues with fewer people holding stances on both are NaN (left out of RSA).

    Returns
    -------
    numpy.ndarray
        Condensed ``1 - r`` where ``r`` is the Pearson correlation of +1/-1 stances over the
        people with a stance on both issues.
    """
    matrix, _, _ = stance_matrix(table, issues=list(issues))
    r = stance_correlations(matrix, min_people=min_people)
    return 1.0 - r[np.triu_indices(len(r), k=1)]


def model_spaces(
    issues: Sequence[str],
    models: Sequence[Any] = ("minilm-l6", "smollm2-135m"),
    *,
    texts: Mapping[str, str] | None = None,
    templates: Sequence[str] = DEFAULT_TEMPLATES,
    layer: int = -1,
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """Each model's own (not fine-tuned) statement vectors, ``(n_issues, 2, dim)`` per model."""
    out = {}
    for model in models:
        name = model if isinstance(model, str) else repr(model)
        _, out[name] = embed_statements(issues, model, templates=templates, texts=texts,
                                        layer=layer, progress=progress)
    return out


def compare_belief_spaces(
    spaces: Mapping[str, np.ndarray],
    table: pd.DataFrame,
    issues: Sequence[str],
    *,
    reference: str | None = None,
) -> pd.DataFrame:
    """How each belief space's issue structure matches people's and the fitted space's.

    Parameters
    ----------
    spaces
        Name to ``(n_issues, 2, dim)`` statement vectors, issues in the order of ``issues``.
    table
        Stance table for the people's issue-by-issue matrix.
    issues
        The issue order.
    reference
        Name of the fitted space in ``spaces`` to compare the others with.

    Returns
    -------
    pandas.DataFrame
        One row per space: ``rsa_people`` (Spearman between its issue RDM and people's),
        ``rsa_reference`` and ``cka_reference`` (linear CKA between issue-axis matrices),
        ``dim``.
    """
    from cogalign.metrics import cka, rsa

    people = human_issue_rdm(table, issues)
    rows = []
    ref = spaces.get(reference) if reference is not None else None
    for name, vectors in spaces.items():
        rdm = issue_rdm(vectors)
        row = {"space": name, "rsa_people": float(rsa(rdm, people, "spearman")),
               "rsa_reference": np.nan, "cka_reference": np.nan, "dim": int(vectors.shape[-1])}
        if ref is not None:
            row["rsa_reference"] = float(rsa(rdm, issue_rdm(ref), "spearman"))
            row["cka_reference"] = float(cka(issue_axes(vectors), issue_axes(ref)))
        rows.append(row)
    return pd.DataFrame(rows).set_index("space")
