r"""Convergence diagnostics that warn in plain words.

Thresholds follow Vehtari, Gelman, Simpson, Carpenter & Burkner (2021), "Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of MCMC", *Bayesian
Analysis* 16(2): split rank-normalised :math:`\hat{R} < 1.01` and bulk and tail effective
sample sizes of at least 100 per chain for reliable posterior summaries.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["ConvergenceWarning", "check_convergence"]


class ConvergenceWarning(UserWarning):
    """The sampler or optimiser did not converge well enough to trust every number."""


def _worst(values: dict[str, float], n: int = 4, reverse: bool = True) -> str:
    items = sorted(values.items(), key=lambda kv: kv[1], reverse=reverse)[:n]
    return ", ".join(f"{k} ({v:.3g})" for k, v in items)


def check_convergence(
    idata: Any,
    *,
    var_names: Sequence[str] | None = None,
    rhat_max: float = 1.01,
    ess_min: float | None = None,
    warn: bool = True,
) -> dict[str, Any]:
    """Compute r-hat, bulk/tail ESS and divergences; warn when any is off.

    Parameters
    ----------
    idata
        ArviZ ``InferenceData`` with a ``posterior`` group (and ``sample_stats`` for NUTS).
    var_names
        Variables to check (default: every posterior variable).
    rhat_max
        Largest acceptable split rank-normalised r-hat.
    ess_min
        Smallest acceptable bulk and tail ESS (default: 100 per chain).
    warn
        Issue a :class:`ConvergenceWarning` for each problem found.

    Returns
    -------
    dict
        ``max_rhat``, ``min_ess_bulk``, ``min_ess_tail``, ``divergences``, ``problems`` (list of
        sentences; empty when all is well).
    """
    import arviz as az

    post = idata.posterior
    names = list(var_names) if var_names is not None else list(post.data_vars)
    n_chains = post.sizes["chain"]
    n_draws = post.sizes["draw"]
    if ess_min is None:
        ess_min = 100.0 * n_chains
    problems: list[str] = []
    rhat_bad: dict[str, float] = {}
    bulk_bad: dict[str, float] = {}
    tail_bad: dict[str, float] = {}
    max_rhat, min_bulk, min_tail = np.nan, np.nan, np.nan
    if n_draws >= 4:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rhat = az.rhat(post, var_names=names)
            bulk = az.ess(post, var_names=names, method="bulk")
            tail = az.ess(post, var_names=names, method="tail")
        maxes, minb, mint = [], [], []
        for name in names:
            r = np.asarray(rhat[name].values, dtype=float)
            b = np.asarray(bulk[name].values, dtype=float)
            t = np.asarray(tail[name].values, dtype=float)
            # constant quantities (e.g. a fixed deterministic) give nan: skip them
            if np.all(np.isnan(r)):
                continue
            maxes.append(np.nanmax(r))
            minb.append(np.nanmin(b))
            mint.append(np.nanmin(t))
            if np.nanmax(r) > rhat_max:
                rhat_bad[name] = float(np.nanmax(r))
            if np.nanmin(b) < ess_min:
                bulk_bad[name] = float(np.nanmin(b))
            if np.nanmin(t) < ess_min:
                tail_bad[name] = float(np.nanmin(t))
        if maxes:
            max_rhat, min_bulk, min_tail = max(maxes), min(minb), min(mint)
    if rhat_bad:
        problems.append(
            f"r-hat above {rhat_max} for {len(rhat_bad)} variable(s): {_worst(rhat_bad)}; "
            "the chains disagree: run longer or reparameterise"
        )
    if bulk_bad:
        problems.append(
            f"bulk ESS below {ess_min:.0f} for {len(bulk_bad)} variable(s): "
            f"{_worst(bulk_bad, reverse=False)}; means and medians are unreliable: draw more"
        )
    if tail_bad:
        problems.append(
            f"tail ESS below {ess_min:.0f} for {len(tail_bad)} variable(s): "
            f"{_worst(tail_bad, reverse=False)}; interval ends are unreliable: draw more"
        )
    divergences = 0
    stats = getattr(idata, "sample_stats", None)
    if stats is not None and "diverging" in stats:
        divergences = int(np.asarray(stats["diverging"].values).sum())
        if divergences:
            problems.append(
                f"{divergences} divergent transition(s) after warm-up; the posterior may be "
                "biased: raise target_accept or use a non-centred parameterisation"
            )
    if warn:
        for p in problems:
            warnings.warn(p, ConvergenceWarning, stacklevel=3)
    return {
        "max_rhat": float(max_rhat),
        "min_ess_bulk": float(min_bulk),
        "min_ess_tail": float(min_tail),
        "divergences": divergences,
        "problems": problems,
    }
