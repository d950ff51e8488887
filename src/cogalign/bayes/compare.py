"""Model comparison by PSIS-LOO and posterior summaries.

References
----------
Vehtari, A., Gelman, A. & Gabry, J. (2017). Practical Bayesian model evaluation using
leave-one-out cross-validation and WAIC. *Statistics and Computing*, 27, 1413-1432.

Yao, Y., Vehtari, A., Simpson, D. & Gelman, A. (2018). Using stacking to average Bayesian
predictive distributions. *Bayesian Analysis*, 13(3), 917-1007.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError

__all__ = ["compare", "loo", "summarize"]


def loo(idata: Any, *, var_name: str | None = None) -> Any:
    """PSIS-LOO of one fit (:func:`arviz.loo` with pointwise values).

    Returns
    -------
    arviz.ELPDData
        With ``elpd_loo``, ``se``, ``p_loo`` and ``pareto_k``.
    """
    import arviz as az

    if not hasattr(idata, "log_likelihood"):
        raise CogalignError("the fit has no log_likelihood group; fit with log_likelihood=True")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Estimated shape parameter of Pareto.*")
        warnings.filterwarnings("ignore", message=".*pareto_k.*")
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        result = az.loo(idata, pointwise=True, var_name=var_name)
    return _repair_flat_points(result, idata, var_name)


def _repair_flat_points(result: Any, idata: Any, var_name: str | None) -> Any:
    r"""Plain importance sampling where PSIS breaks down on a nearly constant log-likelihood.

    ArviZ's Pareto fit divides by a quantile of the tail's exceedances; when an observation is
    predicted with probability one to float precision in many draws (log-likelihood exactly 0,
    e.g. a dominated option in an intertemporal choice), that quantile is 0 and the point's
    ``loo_i`` - and so the whole ``elpd_loo`` - becomes NaN. Where the log-likelihood of such a
    point varies by less than 1 across draws, the raw importance ratios
    :math:`1/p(y_i\mid\theta_s)` vary by less than a factor of e, so the unsmoothed estimate
    :math:`\log S - \operatorname{logsumexp}_s(-\log p(y_i\mid\theta_s))` is accurate, and it
    replaces the NaN. Totals, standard error and ``p_loo`` are recomputed.
    """
    from scipy.special import logsumexp

    loo_i = np.asarray(result.loo_i, dtype=float)
    bad = ~np.isfinite(loo_i)
    if not bad.any():
        return result
    group = idata.log_likelihood
    name = var_name or next(iter(group.data_vars))
    ll = np.asarray(group[name].values, dtype=float)
    ll = ll.reshape(ll.shape[0] * ll.shape[1], -1)  # draws x points, as loo_i is raveled
    if ll.shape[1] != loo_i.size:
        return result
    flat = bad & np.all(np.isfinite(ll), axis=0) & (np.ptp(ll, axis=0) < 1.0)
    if not flat.any():
        return result
    n_draws = ll.shape[0]
    loo_i = loo_i.copy()
    loo_i[flat] = np.log(n_draws) - logsumexp(-ll[:, flat], axis=0)
    lppd = float(np.sum(logsumexp(ll, axis=0) - np.log(n_draws)))
    result = result.copy()
    result["loo_i"] = result["loo_i"].copy(data=loo_i.reshape(np.shape(result["loo_i"])))
    result["elpd_loo"] = float(np.sum(loo_i))
    result["se"] = float(np.sqrt(loo_i.size * np.var(loo_i)))
    result["p_loo"] = lppd - float(np.sum(loo_i))
    return result


def compare(
    fits: Mapping[str, Any],
    *,
    var_name: str | None = None,
    method: str = "stacking",
    scale: str = "log",
    k_threshold: float = 0.7,
) -> pd.DataFrame:
    r"""Rank fitted models by expected log predictive density (PSIS-LOO).

    Parameters
    ----------
    fits
        ``{name: InferenceData}``, each with a ``log_likelihood`` group of the same
        observations.
    var_name
        Observed variable to compare on (needed only when a fit has several).
    method
        Model weights: ``"stacking"`` (default), ``"BB-pseudo-BMA"`` or ``"pseudo-BMA"``.
    scale
        ``"log"`` (higher is better), ``"negative_log"`` or ``"deviance"``.
    k_threshold
        Pareto :math:`\hat k` above which a point's LOO estimate is unreliable.

    Returns
    -------
    pandas.DataFrame
        One row per model, best first: ``rank``, ``elpd_loo``, ``p_loo``, ``elpd_diff`` (to the
        best), ``weight``, ``se``, ``dse`` (standard error of the difference), ``warning``,
        ``scale`` (ArviZ's columns) plus ``n_bad_k`` (points with
        :math:`\hat k > k_\text{threshold}`) and ``n_obs``.
    """
    import arviz as az

    if len(fits) < 2:
        raise CogalignError("compare needs at least two fits")
    loos = {name: loo(idata, var_name=var_name) for name, idata in fits.items()}
    sizes = {name: int(np.asarray(v.loo_i).size) for name, v in loos.items()}
    if len(set(sizes.values())) != 1:
        raise CogalignError(f"the fits have different numbers of observations: {sizes}")
    problems = {name: _loo_problem(fits[name], v, var_name) for name, v in loos.items()}
    problems = {name: text for name, text in problems.items() if text}
    ranked = {name: v for name, v in loos.items() if name not in problems}
    if problems:
        warnings.warn("left out of the ranking: " + "; ".join(
            f"{name} ({text})" for name, text in problems.items()), UserWarning, stacklevel=2)
    if len(ranked) < 2:
        raise CogalignError("compare needs at least two fits with a finite PSIS-LOO; "
                            + "; ".join(f"{name}: {text}" for name, text in problems.items()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = az.compare(ranked, method=method, scale=scale)
    for name in problems:  # kept in the table, unranked, so no fit is silently lost
        table.loc[name] = {"rank": np.nan, "elpd_loo": float(loos[name].elpd_loo),
                           "p_loo": float(loos[name].p_loo), "weight": 0.0,
                           "se": float(loos[name].se), "warning": True, "scale": scale}
    table["n_bad_k"] = [
        int(np.sum(np.asarray(loos[name].pareto_k) > k_threshold)) for name in table.index
    ]
    table["n_obs"] = [sizes[name] for name in table.index]
    table["problem"] = [problems.get(name, "") for name in table.index]
    table.index.name = "model"
    return table


def _loo_problem(idata: Any, elpd: Any, var_name: str | None) -> str:
    """Why a fit's PSIS-LOO cannot be ranked ("" when it can)."""
    if np.isfinite(float(elpd.elpd_loo)):
        return ""
    group = idata.log_likelihood
    names = [var_name] if var_name else list(group.data_vars)
    values = np.concatenate([np.asarray(group[n].values, dtype=float).ravel() for n in names])
    n_nan = int(np.isnan(values).sum())
    n_inf = int(np.isinf(values).sum())
    if n_nan or n_inf:
        return (f"its pointwise log-likelihood holds {n_nan} NaN and {n_inf} infinite values "
                f"out of {values.size}")
    return "its PSIS-LOO estimate is not finite"


def summarize(
    idata: Any,
    var_names: Sequence[str] | None = None,
    *,
    interval: float = 0.9,
) -> pd.DataFrame:
    """Posterior mean, sd, central interval and (for several draws per chain) r-hat and ESS.

    Parameters
    ----------
    idata
        A fit.
    var_names
        Variables to summarise (default: every posterior variable not ending in ``_raw``,
        ``_z``).
    interval
        Mass of the central (equal-tailed) interval.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``parameter`` (``alpha`` or ``alpha[3]``), with ``mean``, ``sd``,
        ``lower``, ``upper``, ``r_hat``, ``ess_bulk``, and ``mode`` for MAP fits.
    """
    import json

    import arviz as az

    post = idata.posterior
    if var_names is None:
        var_names = [v for v in post.data_vars if not v.endswith(("_raw", "_z"))]
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    rows = []
    mode = json.loads(idata.attrs["map_estimate"]) if "map_estimate" in idata.attrs else {}
    many = post.sizes["draw"] >= 4 and post.sizes["chain"] >= 2
    if many:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rhat = az.rhat(post, var_names=list(var_names))
            ess = az.ess(post, var_names=list(var_names), method="bulk")
    for name in var_names:
        arr = np.asarray(post[name].values)
        flat = arr.reshape((-1,) + arr.shape[2:])
        shape = arr.shape[2:]
        m = np.asarray(mode[name]) if name in mode else None
        for idx in np.ndindex(*shape) if shape else [()]:
            x = flat[(slice(None),) + idx]
            label = name if not idx else f"{name}[{','.join(map(str, idx))}]"
            row = {
                "parameter": label,
                "mean": float(np.mean(x)),
                "sd": float(np.std(x, ddof=1)) if x.size > 1 else np.nan,
                "lower": float(np.quantile(x, lo)),
                "upper": float(np.quantile(x, hi)),
            }
            if m is not None:
                row["mode"] = float(m[idx]) if idx else float(m)
            if many:
                row["r_hat"] = float(np.asarray(rhat[name].values)[idx])
                row["ess_bulk"] = float(np.asarray(ess[name].values)[idx])
            rows.append(row)
    return pd.DataFrame(rows).set_index("parameter")
