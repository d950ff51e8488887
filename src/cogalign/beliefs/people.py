"""People and issues in the belief space: polarisation, its party gap, 2-D maps.

* :func:`polarization` - per issue, the distance between its Pro and Con statements (Lee et
  al. 2024 find it larger for issues that split the parties);
* :func:`polarization_vs_party` - its correlation with the party gap of ``ddo-issue-party``
  (the absolute difference between the shares of Republicans and Democrats who are Pro);
* :func:`project_beliefs` - a 2-D principal-component map of statements and people, for
  :func:`cogalign.plots.beliefs.plot_belief_map`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["polarization", "polarization_vs_party", "project_beliefs"]


def polarization(vectors: np.ndarray, issues: Sequence[str]) -> pd.DataFrame:
    """Distance between the Pro and Con statement of each issue.

    Parameters
    ----------
    vectors
        ``(n_issues, 2, dim)``: Pro and Con vectors (e.g. ``BeliefSpace.vectors_``).
    issues
        Issue names.

    Returns
    -------
    pandas.DataFrame
        ``issue``, ``distance`` (Euclidean) and ``cosine_distance``.
    """
    vectors = np.asarray(vectors, dtype=float)
    pro, con = vectors[:, 0], vectors[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.sum(pro * con, axis=1) / (np.linalg.norm(pro, axis=1) * np.linalg.norm(con, axis=1))
    return pd.DataFrame({"issue": list(issues), "distance": np.linalg.norm(pro - con, axis=1),
                         "cosine_distance": 1.0 - cosine})


def polarization_vs_party(polar: pd.DataFrame, party: pd.DataFrame,
                          column: str = "absolute_difference") -> dict[str, float]:
    """Correlation between issues' Pro-Con distance and their party gap.

    Parameters
    ----------
    polar
        Output of :func:`polarization`.
    party
        ``ddo-issue-party`` (``issue`` and ``column``).
    column
        The party measure to correlate with (``"absolute_difference"``: the party gap; or
        ``"paper_distance"``: the distances of the paper's own fine-tuned space).

    Returns
    -------
    dict
        ``pearson``, ``pearson_p``, ``spearman``, ``spearman_p``, ``n`` (issues in both).
    """
    merged = polar.merge(party[["issue", column]], on="issue")
    x, y = merged["distance"].to_numpy(), merged[column].to_numpy()
    if len(merged) < 3:
        return {"pearson": np.nan, "pearson_p": np.nan, "spearman": np.nan, "spearman_p": np.nan,
                "n": len(merged)}
    r = stats.pearsonr(x, y)
    rho = stats.spearmanr(x, y)
    return {"pearson": float(r.statistic), "pearson_p": float(r.pvalue),
            "spearman": float(rho.statistic), "spearman_p": float(rho.pvalue), "n": len(merged)}


def project_beliefs(vectors: np.ndarray, people: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray | None]:
    """2-D coordinates of statements (and people) on the statements' first two principal axes.

    Parameters
    ----------
    vectors
        ``(n_issues, 2, dim)`` statement vectors.
    people
        ``(n_people, dim)`` person positions, projected on the same axes.

    Returns
    -------
    statements, people
        ``(n_issues, 2, 2)`` and ``(n_people, 2)`` (``None`` without people).
    """
    flat = np.asarray(vectors, dtype=float).reshape(-1, vectors.shape[-1])
    centre = flat.mean(axis=0)
    _, _, vt = np.linalg.svd(flat - centre, full_matrices=False)
    axes = vt[:2].T
    statements = ((flat - centre) @ axes).reshape(vectors.shape[0], 2, 2)
    placed = None if people is None else (np.asarray(people, dtype=float) - centre) @ axes
    return statements, placed
