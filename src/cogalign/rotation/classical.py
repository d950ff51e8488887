r"""Classical analyses of mental-rotation data, to set beside published results.

:func:`rm_anova` is the repeated-measures ANOVA of a fully within-person design (e.g. 4 angles
x 2 pair types on correct-trial RT, as Ganis & Kievit 2015 report) with the Greenhouse-Geisser
correction; :func:`rt_regression` the slope, intercept and :math:`R^2` of RT on angle, on
condition means and on single trials; :func:`person_slopes` each person's least-squares line;
:func:`condition_means` the per-angle summary that papers tabulate.

Repeated-measures ANOVA
-----------------------
Each person's cell means :math:`y_s` (one per combination of the within factors) are
projected on orthonormal contrasts :math:`L` of an effect (Helmert contrasts of the effect's
factors, averaged over the others): :math:`z_s = L^\top y_s`, :math:`p` columns. Then

.. math::

    SS_\text{effect} = n\,\lVert\bar z\rVert^2, \quad
    SS_\text{error} = \sum_s \lVert z_s - \bar z\rVert^2, \quad
    F = \frac{SS_\text{effect} / p}{SS_\text{error} / (p (n - 1))},

equal to the classical sums of squares, partial :math:`\eta^2 = SS_\text{effect} /
(SS_\text{effect} + SS_\text{error})`, and the Greenhouse-Geisser
:math:`\hat\varepsilon = (\operatorname{tr} S)^2 / (p \operatorname{tr} S^2)` with
:math:`S` the covariance of the :math:`z_s` (Greenhouse & Geisser 1959), which multiplies
both degrees of freedom.

References
----------
Greenhouse, S. W. & Geisser, S. (1959). On methods in the analysis of profile data.
*Psychometrika*, 24(2), 95-112.

Ganis, G. & Kievit, R. (2015). A new set of three-dimensional shapes for investigating mental
rotation processes: validation data and stimulus set. *Journal of Open Psychology Data*,
3(1), e3.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cogalign.errors import CogalignError

__all__ = ["condition_means", "person_slopes", "rm_anova", "rt_regression"]


def _helmert(k: int) -> np.ndarray:
    """Orthonormal contrasts of ``k`` levels: ``(k, k - 1)``, columns orthogonal to ones."""
    m = np.zeros((k, k - 1))
    for j in range(1, k):
        m[:j, j - 1] = 1.0
        m[j, j - 1] = -float(j)
        m[:, j - 1] /= np.linalg.norm(m[:, j - 1])
    return m


def _select(table: pd.DataFrame, correct_only: bool) -> pd.DataFrame:
    t = table.loc[table["rt"].notna()]
    if correct_only:
        if "correct" not in t.columns:
            raise CogalignError("correct_only needs a 'correct' column")
        t = t.loc[t["correct"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    return t


def rm_anova(
    table: pd.DataFrame,
    dv: str = "rt",
    within: Sequence[str] = ("angle", "pair_type"),
    subject: str = "participant_id",
    *,
    correct_only: bool = True,
    scale: float = 1000.0,
) -> pd.DataFrame:
    r"""Repeated-measures ANOVA with the Greenhouse-Geisser correction.

    Parameters
    ----------
    table
        Trial table (``rotation`` schema or any long table with the named columns).
    dv
        The dependent variable, averaged per person and cell.
    within
        Within-person factors (one or two).
    subject
        Person column.
    correct_only
        Use correct trials only (for ``dv="rt"``).
    scale
        Multiplies ``dv`` before averaging (1000: seconds to milliseconds); F, p and
        :math:`\eta^2` do not depend on it.

    Returns
    -------
    pandas.DataFrame
        One row per effect (each factor, then the interaction): ``df1``, ``df2``, ``F``,
        ``p``, ``eps_gg``, ``df1_gg``, ``df2_gg``, ``p_gg``, ``partial_eta2``, ``ss``,
        ``ss_error``; ``attrs["n"]`` people used and ``attrs["dropped"]`` those left out for
        an empty cell.
    """
    within = list(within)
    if not 1 <= len(within) <= 2:
        raise CogalignError("rm_anova takes one or two within-person factors")
    t = _select(table, correct_only and dv == "rt")
    cells = t.groupby([subject, *within], observed=True)[dv].mean() * scale
    wide = cells.unstack(within)
    levels = [sorted(t[f].unique().tolist()) for f in within]
    full = pd.MultiIndex.from_product(levels, names=within) if len(within) == 2 else levels[0]
    wide = wide.reindex(columns=full)
    complete = wide.notna().all(axis=1)
    dropped = [str(s) for s in wide.index[~complete]]
    y = wide.loc[complete].to_numpy(dtype=float)
    n = y.shape[0]
    if n < 3:
        raise CogalignError(f"rm_anova needs at least 3 people with every cell, got {n}")
    sizes = [len(lv) for lv in levels]
    if any(k < 2 for k in sizes):
        raise CogalignError(f"every within factor needs at least 2 levels, got {dict(zip(within, sizes, strict=True))}")
    if len(within) == 1:
        effects = {within[0]: _helmert(sizes[0])}
    else:
        a, b = sizes
        ones_a, ones_b = np.ones((a, 1)) / np.sqrt(a), np.ones((b, 1)) / np.sqrt(b)
        effects = {
            within[0]: np.kron(_helmert(a), ones_b),
            within[1]: np.kron(ones_a, _helmert(b)),
            f"{within[0]}:{within[1]}": np.kron(_helmert(a), _helmert(b)),
        }
    rows = []
    for name, contrasts in effects.items():
        z = y @ contrasts
        p = z.shape[1]
        zbar = z.mean(axis=0)
        ss = n * float(zbar @ zbar)
        resid = z - zbar
        ss_err = float(np.sum(resid**2))
        df1, df2 = p, p * (n - 1)
        f = (ss / df1) / (ss_err / df2)
        s = np.atleast_2d(np.cov(z, rowvar=False))
        eps = float(np.trace(s) ** 2 / (p * np.trace(s @ s))) if p > 1 else 1.0
        rows.append({
            "effect": name, "df1": df1, "df2": df2, "F": f, "p": float(stats.f.sf(f, df1, df2)),
            "eps_gg": eps, "df1_gg": df1 * eps, "df2_gg": df2 * eps,
            "p_gg": float(stats.f.sf(f, df1 * eps, df2 * eps)),
            "partial_eta2": ss / (ss + ss_err), "ss": ss, "ss_error": ss_err,
        })
    out = pd.DataFrame(rows).set_index("effect")
    out.attrs["n"] = n
    out.attrs["dropped"] = dropped
    return out


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    slope, intercept, r, _, _ = stats.linregress(x, y)
    return float(slope), float(intercept), float(r**2)


def rt_regression(table: pd.DataFrame, *, correct_only: bool = True,
                  by_pair_type: bool = True) -> pd.DataFrame:
    r"""Slope, intercept and :math:`R^2` of RT on angle, on condition means and on trials.

    Condition means are the mean over people of each person's mean RT per angle (and pair
    type); trial level is the least-squares line through every (correct) trial.

    Returns
    -------
    pandas.DataFrame
        Rows ``level`` in (``"condition means"``, ``"trials"``) x ``pair_type`` (``"all"`` and,
        with ``by_pair_type``, ``"same"`` and ``"mirror"``), columns ``slope_ms_per_deg``,
        ``intercept_ms``, ``r2``, ``n`` (points in the fit) and ``speed_deg_per_s``
        (:math:`1000 / \text{slope}`).
    """
    t = _select(table, correct_only)
    groups = [("all", t)]
    if by_pair_type:
        groups += [(k, t.loc[t["pair_type"] == k]) for k in ("same", "mirror")]
    rows = []
    for label, g in groups:
        if g.empty:
            continue
        per = g.groupby(["participant_id", "angle"], observed=True)["rt"].mean().reset_index()
        means = per.groupby("angle")["rt"].mean()
        for level, x, y in (
            ("condition means", means.index.to_numpy(dtype=float), means.to_numpy() * 1000.0),
            ("trials", g["angle"].to_numpy(dtype=float), g["rt"].to_numpy(dtype=float) * 1000.0),
        ):
            if np.unique(x).size < 2:
                continue
            slope, intercept, r2 = _ols(x, y)
            rows.append({"level": level, "pair_type": label, "slope_ms_per_deg": slope,
                         "intercept_ms": intercept, "r2": r2, "n": int(len(x)),
                         "speed_deg_per_s": 1000.0 / slope if slope > 0 else np.nan})
    return pd.DataFrame(rows).set_index(["level", "pair_type"])


def person_slopes(table: pd.DataFrame, *, correct_only: bool = True) -> pd.DataFrame:
    """Each person's least-squares line of RT (ms) on angle over their (correct) trials.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``participant_id``: ``slope_ms_per_deg``, ``intercept_ms``, ``r2``,
        ``n_trials``.
    """
    t = _select(table, correct_only)
    rows = []
    for pid, g in t.groupby("participant_id", sort=True):
        x = g["angle"].to_numpy(dtype=float)
        if np.unique(x).size < 2:
            continue
        slope, intercept, r2 = _ols(x, g["rt"].to_numpy(dtype=float) * 1000.0)
        rows.append({"participant_id": pid, "slope_ms_per_deg": slope, "intercept_ms": intercept,
                     "r2": r2, "n_trials": int(len(g))})
    return pd.DataFrame(rows).set_index("participant_id")


def condition_means(table: pd.DataFrame, *, by: Sequence[str] = ("angle",),
                    exclude: str | None = None) -> pd.DataFrame:
    """Per-condition summary computed as papers do: per person first, then over people.

    Mean RT of each person's correct trials per condition, and each person's accuracy per
    condition; then the mean and standard deviation over people.

    Parameters
    ----------
    table
        Trial table.
    by
        Condition columns (e.g. ``("angle",)`` or ``("angle", "pair_type")``).
    exclude
        A boolean column whose true rows are left out of both (e.g. ``"outlier"``).

    Returns
    -------
    pandas.DataFrame
        Indexed by the condition, columns ``rt_ms`` and ``rt_sd_ms`` (over people),
        ``accuracy`` and ``accuracy_sd``, ``n_people``.
    """
    t = table
    if exclude is not None:
        t = t.loc[~t[exclude].astype(bool).to_numpy()]
    keys = ["participant_id", *by]
    correct = t["correct"].astype("boolean")
    answered = t.loc[correct.notna().to_numpy()]
    acc = answered.assign(c=answered["correct"].astype(float)).groupby(keys, observed=True)["c"].mean()
    hits = t.loc[correct.fillna(False).to_numpy(dtype=bool) & t["rt"].notna().to_numpy()]
    rt = hits.groupby(keys, observed=True)["rt"].mean() * 1000.0
    by = list(by)
    out = pd.DataFrame({
        "rt_ms": rt.groupby(by).mean(),
        "rt_sd_ms": rt.groupby(by).std(),
        "accuracy": acc.groupby(by).mean(),
        "accuracy_sd": acc.groupby(by).std(),
        "n_people": acc.groupby(by).size(),
    })
    return out
