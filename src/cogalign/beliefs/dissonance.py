r"""Relative dissonance: how much nearer one side of a new issue lies to a person's beliefs.

For a person at position :math:`u` (the mean of their beliefs) and the two sides of a new
issue, with distances :math:`d_\text{pro}` and :math:`d_\text{con}`, Lee et al. (2024) use the
relative distance

.. math:: D = \frac{\lvert d_\text{pro} - d_\text{con} \rvert}{\min(d_\text{pro}, d_\text{con})}

(:func:`relative_dissonance`): taking the farther side would cost that much more dissonance,
relative to the nearer one. Their central finding is that the nearer-side prediction becomes
more accurate as :math:`D` grows (:func:`accuracy_by_dissonance`). The signed version
:func:`signed_dissonance`, :math:`(d_\text{con} - d_\text{pro}) / \min(\cdot)`, is positive
when Pro is the nearer side; it is the predictor of the choice models in
:mod:`cogalign.beliefs.models`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["accuracy_by_dissonance", "dissonance_trend", "relative_dissonance",
           "signed_dissonance", "wilson_interval"]


def relative_dissonance(d_pro: np.ndarray, d_con: np.ndarray) -> np.ndarray:
    r""":math:`\lvert d_\text{pro} - d_\text{con} \rvert / \min(d_\text{pro}, d_\text{con})`."""
    d_pro, d_con = np.asarray(d_pro, dtype=float), np.asarray(d_con, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.abs(d_pro - d_con) / np.minimum(d_pro, d_con)


def signed_dissonance(d_pro: np.ndarray, d_con: np.ndarray) -> np.ndarray:
    r"""The relative dissonance of taking the Con side rather than the Pro side.

    :math:`(d_\text{con} - d_\text{pro}) / \min(d_\text{pro}, d_\text{con})`: above 0 when
    Pro is the nearer side.
    """
    d_pro, d_con = np.asarray(d_pro, dtype=float), np.asarray(d_con, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (d_con - d_pro) / np.minimum(d_pro, d_con)


def wilson_interval(successes: np.ndarray, n: np.ndarray, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of binomial proportions (Wilson 1927)."""
    successes, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + ci / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = successes / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def accuracy_by_dissonance(frame: pd.DataFrame, *, n_bins: int = 10, ci: float = 0.95) -> pd.DataFrame:
    """Accuracy of the nearer-side rule in bins of relative dissonance (the paper's figure).

    Parameters
    ----------
    frame
        One row per prediction with ``stance`` (+1/-1), ``d_pro`` and ``d_con``.
    n_bins
        Number of bins, at quantiles of the relative dissonance (equal counts).
    ci
        Coverage of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``bin``, ``low``, ``high`` (edges), ``dissonance`` (mean in the
        bin), ``n``, ``correct``, ``accuracy``, ``ci_low``, ``ci_high``. ``attrs["trend"]``
        holds :func:`dissonance_trend`.
    """
    d_pro, d_con = frame["d_pro"].to_numpy(dtype=float), frame["d_con"].to_numpy(dtype=float)
    rel = relative_dissonance(d_pro, d_con)
    ok = np.isfinite(rel)
    rel = rel[ok]
    correct = (np.where(d_pro < d_con, 1, -1) == frame["stance"].to_numpy())[ok]
    edges = np.unique(np.quantile(rel, np.linspace(0, 1, n_bins + 1)))
    which = np.clip(np.searchsorted(edges, rel, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for b in range(len(edges) - 1):
        sel = which == b
        if not sel.any():
            continue
        rows.append({"bin": b, "low": edges[b], "high": edges[b + 1],
                     "dissonance": float(rel[sel].mean()), "n": int(sel.sum()),
                     "correct": int(correct[sel].sum())})
    out = pd.DataFrame(rows)
    out["accuracy"] = out["correct"] / out["n"]
    out["ci_low"], out["ci_high"] = wilson_interval(out["correct"], out["n"], ci)
    out.attrs["trend"] = dissonance_trend(rel, correct)
    return out


def dissonance_trend(dissonance: np.ndarray, correct: np.ndarray) -> dict[str, float]:
    """Does the nearer-side rule get more accurate as relative dissonance grows?

    A logistic regression (maximum likelihood) of correctness on the log1p-transformed
    relative dissonance, with the slope's standard error from the Fisher information and its
    two-sided Wald p-value, and the Spearman correlation between the two.

    Returns
    -------
    dict
        ``slope``, ``slope_se``, ``p_value``, ``spearman``, ``n``.
    """
    from sklearn.linear_model import LogisticRegression

    x = np.log1p(np.asarray(dissonance, dtype=float))
    y = np.asarray(correct, dtype=float)
    model = LogisticRegression(C=np.inf, max_iter=1000).fit(x[:, None], y)
    design = np.column_stack([np.ones_like(x), x])
    p = model.predict_proba(x[:, None])[:, 1]
    information = design.T @ (design * (p * (1 - p))[:, None])
    slope = float(model.coef_[0, 0])
    se = float(np.sqrt(np.linalg.inv(information)[1, 1]))
    rho = stats.spearmanr(x, y).statistic
    return {"slope": slope, "slope_se": se, "p_value": float(2 * stats.norm.sf(abs(slope / se))),
            "spearman": float(rho), "n": int(len(y))}
