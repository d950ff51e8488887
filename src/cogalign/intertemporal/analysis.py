"""The headline analysis of intertemporal choice.

:func:`compare_discounting` - exponential, hyperbolic, quasi-hyperbolic discounting and ITCH on
Ericson et al. (2015), ranked by PSIS-LOO.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from cogalign.data.groups import subsample_groups

__all__ = ["compare_discounting", "fit_intertemporal_model"]


def compare_discounting(
    table: pd.DataFrame | None = None,
    *,
    models: Sequence[str] = ("exponential", "hyperbolic", "quasi-hyperbolic", "itch"),
    scale: str = "relative",
    hierarchical: bool = True,
    backend: str = "numpyro",
    method: str | None = "nuts",
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    seed: int = 0,
    precision: str = "float64",
    n_participants: int | None = None,
    progress: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Rank intertemporal-choice models by PSIS-LOO (default data: Ericson et al. 2015).

    Rows with a missing response (369 in Ericson et al.'s data) are left out of every
    likelihood.

    Parameters
    ----------
    table
        An ``intertemporal`` table (default: ``load("ericson2015")``).
    models
        Models to compare.
    scale
        ``"relative"`` or ``"absolute"`` value differences for the discounting models.
    hierarchical
        Per-participant (non-centred) parameters or one pooled set.
    backend, method, draws, tune, chains, seed, precision
        Fit settings (:data:`cogalign.bayes.estimator.FIT_SETTINGS`; ``method=None``: NUTS
        for hierarchical fits, else MAP).
    n_participants
        Use a random subset of participants (fast runs).
    progress
        Progress bars.

    Returns
    -------
    table, fits
        :func:`cogalign.bayes.compare` table (best first) and ``{model: fitted
        IntertemporalChoiceModel}``.
    """
    from cogalign.bayes import compare
    from cogalign.intertemporal.estimators import IntertemporalChoiceModel

    if table is None:
        from cogalign.data import load

        table = load("ericson2015", progress=False)
    table = subsample_groups(table, n_participants, "participant_id", seed)
    fits = {}
    for name in models:
        fits[name] = IntertemporalChoiceModel(
            name, scale=scale, hierarchical=hierarchical, backend=backend, method=method,
            draws=draws, tune=tune, chains=chains, seed=seed, precision=precision,
            progress=progress,
        ).fit(table)
    ranking = compare({k: v.idata_ for k, v in fits.items()})
    first = next(iter(fits.values()))
    ranking.attrs.update(n_missing=first.n_missing_, n_obs=first.n_obs_, scale=scale,
                         hierarchical=hierarchical, backend=backend, method=first.method_,
                         n_participants=len(getattr(first, "participants_", [])) or None)
    return ranking, fits


def fit_intertemporal_model(
    table: pd.DataFrame,
    *,
    model: str = "hyperbolic",
    scale: str = "relative",
    hierarchical: bool = True,
    limit: int | None = None,
    seed: int = 0,
    **settings: Any,
) -> tuple[dict[str, Any], Any]:
    """Fit one intertemporal-choice model and score it: what ``cogalign fit intertemporal`` reports.

    Parameters
    ----------
    table
        An ``intertemporal`` table.
    model, scale, hierarchical
        Settings of :class:`~cogalign.intertemporal.estimators.IntertemporalChoiceModel`.
    limit
        Use a seeded random subset of this many participants.
    seed
        Seed of the subset and the fit.
    **settings
        Fit settings (:data:`cogalign.bayes.estimator.FIT_SETTINGS`).

    Returns
    -------
    report : dict
        JSON-able: ``model``, ``scale``, ``hierarchical``, ``backend``, ``method``, ``n_obs``,
        ``n_missing_excluded``, ``n_participants``, ``interval``, ``parameters``, ``loo``
        (``elpd``, ``se``, ``p_loo``, ``n_bad_k``), ``accuracy_in_sample``, ``divergences``
        (NUTS) and ``seconds``.
    estimator : IntertemporalChoiceModel
        The fitted model.
    """
    import time

    from cogalign.bayes import loo
    from cogalign.bayes.cli_options import divergences, params_payload
    from cogalign.data.groups import subsample_groups
    from cogalign.intertemporal.estimators import IntertemporalChoiceModel

    start = time.perf_counter()
    table = subsample_groups(table, limit, "participant_id", seed)
    est = IntertemporalChoiceModel(model, scale=scale, hierarchical=hierarchical, seed=seed,
                                   **settings).fit(table)
    elpd = loo(est.idata_)
    report: dict[str, Any] = {
        "model": model,
        "scale": scale if model != "itch" else None,
        "hierarchical": hierarchical,
        "backend": est.backend,
        "method": est.method_,
        "n_obs": est.n_obs_,
        "n_missing_excluded": est.n_missing_,
        "n_participants": len(getattr(est, "participants_", [])) or None,
        "interval": est.interval,
        "parameters": params_payload(est.summary_),
        "loo": {"elpd": float(elpd.elpd_loo), "se": float(elpd.se), "p_loo": float(elpd.p_loo),
                "n_bad_k": int((elpd.pareto_k.values > 0.7).sum())},
        "accuracy_in_sample": est.score(table),
    }
    report.update(divergences(est.idata_))
    report["seconds"] = time.perf_counter() - start
    return report, est
