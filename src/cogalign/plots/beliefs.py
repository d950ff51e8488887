"""Figures for belief embeddings.

* :func:`plot_belief_map` - statements and people on the first two principal axes of the
  statements, people coloured by party;
* :func:`plot_polarization` - each issue's Pro-Con distance against its party gap;
* :func:`plot_accuracy_by_dissonance` - accuracy of the nearer-side rule by relative
  dissonance, with intervals (the central figure of Lee et al. 2024);
* :func:`plot_stance_methods` - accuracy of every stance predictor with its interval.

Every function takes an optional matplotlib ``ax`` and returns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_accuracy_by_dissonance", "plot_belief_map", "plot_polarization",
           "plot_stance_methods"]

PARTY_COLOURS = {"Republican": "tab:red", "Democratic": "tab:blue"}


def _ax(ax: Any, size: tuple[float, float] = (5.0, 4.5)) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_belief_map(statements: np.ndarray, issues: Sequence[str], *, people: np.ndarray | None = None,
                    party: Sequence[Any] | None = None, label: Sequence[str] | None = None,
                    ax: Any = None, max_people: int = 3000, seed: int = 0) -> Any:
    """Statements (Pro as upward, Con as downward triangles) and people in 2-D.

    Parameters
    ----------
    statements
        ``(n_issues, 2, 2)`` coordinates (from
        :func:`cogalign.beliefs.people.project_beliefs`).
    issues
        Issue names.
    people
        ``(n_people, 2)`` coordinates.
    party
        Party of each person (``"Republican"``, ``"Democratic"`` or missing).
    label
        Issues to name on the map (default: the eight with the longest Pro-Con segment).
    max_people
        At most this many people are drawn (a random subset, ``seed``).
    """
    ax = _ax(ax, (6.5, 6.0))
    if people is not None:
        people = np.asarray(people)
        party = np.asarray(party if party is not None else [None] * len(people), dtype=object)
        rng = np.random.default_rng(seed)
        keep = rng.permutation(len(people))[:max_people]
        for name, colour in [(None, "lightgrey"), *PARTY_COLOURS.items()]:
            sel = keep[[(p == name) if name else (p not in PARTY_COLOURS) for p in party[keep]]]
            if len(sel):
                ax.scatter(people[sel, 0], people[sel, 1], s=4, alpha=0.35, color=colour,
                           label=name or "no party given", linewidths=0)
    pro, con = statements[:, 0], statements[:, 1]
    for a, b in zip(pro, con, strict=True):
        ax.plot([a[0], b[0]], [a[1], b[1]], color="black", alpha=0.25, linewidth=0.7)
    ax.scatter(pro[:, 0], pro[:, 1], marker="^", s=28, color="darkgreen", label="Pro statement")
    ax.scatter(con[:, 0], con[:, 1], marker="v", s=28, color="darkorange", label="Con statement")
    if label is None:
        length = np.linalg.norm(pro - con, axis=1)
        label = [issues[i] for i in np.argsort(-length)[:8]]
    index = {name: i for i, name in enumerate(issues)}
    for name in label:
        i = index[name]
        ax.annotate(name, pro[i], fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("principal axis 1")
    ax.set_ylabel("principal axis 2")
    ax.legend(fontsize=7, markerscale=1.5, loc="best")
    return ax


def plot_polarization(polar: pd.DataFrame, party: pd.DataFrame, *, column: str = "absolute_difference",
                      ax: Any = None, annotate: int = 6) -> Any:
    """Each issue's Pro-Con distance in the space against its party gap.

    Parameters
    ----------
    polar
        :func:`cogalign.beliefs.people.polarization`.
    party
        ``ddo-issue-party``.
    column
        Party measure on the x axis.
    annotate
        Name this many issues with the largest gaps.
    """
    from scipy import stats

    ax = _ax(ax)
    merged = polar.merge(party[["issue", column]], on="issue")
    x, y = merged[column].to_numpy(), merged["distance"].to_numpy()
    ax.scatter(x, y, s=18, color="tab:purple")
    if len(merged) > 2:
        slope, intercept = np.polyfit(x, y, 1)
        grid = np.linspace(x.min(), x.max(), 50)
        ax.plot(grid, slope * grid + intercept, color="black", linewidth=1)
        r = stats.pearsonr(x, y).statistic
        ax.set_title(f"Pearson r = {r:.2f} over {len(merged)} issues", fontsize=9)
    for _, row in merged.nlargest(annotate, column).iterrows():
        ax.annotate(row["issue"], (row[column], row["distance"]), fontsize=7,
                    xytext=(3, 2), textcoords="offset points")
    ax.set_xlabel("party gap (|share Pro among Republicans - Democrats|)"
                  if column == "absolute_difference" else column)
    ax.set_ylabel("Pro-Con distance in the belief space")
    return ax


def plot_accuracy_by_dissonance(bins: pd.DataFrame | Mapping[str, pd.DataFrame], *, ax: Any = None,
                                chance: float | None = 0.5) -> Any:
    """Accuracy of the nearer-side rule by relative dissonance, with Wilson intervals.

    Parameters
    ----------
    bins
        :func:`cogalign.beliefs.dissonance.accuracy_by_dissonance`, or several by name (e.g.
        base and fine-tuned space).
    chance
        Draw a dotted line here (``None``: none).
    """
    ax = _ax(ax)
    curves = bins if isinstance(bins, Mapping) else {"": bins}
    for name, frame in curves.items():
        x = frame["dissonance"].to_numpy()
        ax.errorbar(x, frame["accuracy"], yerr=[frame["accuracy"] - frame["ci_low"],
                                                frame["ci_high"] - frame["accuracy"]],
                    marker="o", markersize=4, capsize=2, label=name or None)
    if chance is not None:
        ax.axhline(chance, color="black", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("relative dissonance |d_pro - d_con| / min(d_pro, d_con)")
    ax.set_ylabel("accuracy of the nearer side")
    if len(curves) > 1:
        ax.legend(fontsize=8)
    return ax


def plot_stance_methods(summary: pd.DataFrame, *, metric: str = "accuracy", ax: Any = None) -> Any:
    """Each method's mean ``metric`` over folds with its interval (horizontal bars).

    Parameters
    ----------
    summary
        :func:`cogalign.beliefs.evaluation.summarize_folds` (indexed by method).
    metric
        Column to show (with ``<metric>_low`` / ``<metric>_high``).
    """
    ax = _ax(ax, (6.0, 0.35 * len(summary) + 1.0))
    values = summary[metric].to_numpy()
    low = summary[f"{metric}_low"].to_numpy()
    high = summary[f"{metric}_high"].to_numpy()
    y = np.arange(len(summary))[::-1]
    ax.barh(y, values, color="tab:blue", alpha=0.6)
    ax.errorbar(values, y, xerr=[values - low, high - values], fmt="none", ecolor="black", capsize=2)
    ax.set_yticks(y, summary.index)
    lo = np.nanmin(low) if np.isfinite(low).any() else np.nanmin(values)
    ax.set_xlim(max(0.0, lo - 0.05), min(1.0, np.nanmax(high if np.isfinite(high).any() else values) + 0.03))
    ax.set_xlabel(metric.replace("_", " "))
    return ax
