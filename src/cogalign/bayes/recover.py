"""Simulation-based parameter recovery.

Recovery simulates data from a model at known parameter values, fits the model to each
simulated data set and checks that the posterior finds the truth: a calibrated fit puts the
true value inside its central ``interval`` in that share of repetitions (Cook, Gelman & Rubin
2006; Talts et al. 2018 for the rank-based version with parameters drawn from the prior;
Wilson & Collins 2019, "Ten simple rules for the computational modeling of behavioral data",
*eLife* 8:e49547, rule 6).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.bayes.inference import _observed_names, fit, simulate, split_data
from cogalign.bayes.numpyro_backend import site_names

__all__ = ["recover", "recovery_summary"]


def recover(
    model: Callable,
    true_params: Mapping[str, Any] | Callable[[np.random.Generator], Mapping[str, Any]] | None,
    data: Mapping[str, Any],
    *,
    n_sims: int = 20,
    interval: float = 0.9,
    var_names: Sequence[str] | None = None,
    seed: int = 0,
    observed: str | Sequence[str] = "y",
    progress: bool = False,
    **fit_kwargs: Any,
) -> pd.DataFrame:
    """Simulate, refit and record whether each true value lies in the posterior interval.

    Parameters
    ----------
    model
        NumPyro model function.
    true_params
        Values of latent or deterministic sites to simulate from (e.g. ``{"alpha": 0.8}``), a
        function ``rng -> dict`` drawing them per simulation, or ``None`` to draw every
        parameter from its prior (simulation-based calibration).
    data
        The model's keyword arguments (design); the observation, if present, is replaced by
        simulated data.
    n_sims
        Number of simulated data sets.
    interval
        Mass of the central posterior interval.
    var_names
        Variables to check (default: the keys of ``true_params``; with ``None`` true values,
        every deterministic site, else every latent site).
    seed
        Seed of the whole procedure.
    observed
        Name(s) of the observed keyword/site.
    progress
        Show a progress bar over simulations.
    **fit_kwargs
        Passed to :func:`cogalign.bayes.fit` (``method="map"`` by default here: fast).

    Returns
    -------
    pandas.DataFrame
        One row per simulation and scalar parameter: ``sim``, ``parameter``, ``true``,
        ``mean``, ``sd``, ``lower``, ``upper``, ``covered``, ``rank`` (share of posterior draws
        below the true value).
    """
    from tqdm.auto import tqdm

    obs_names = _observed_names(observed)
    fit_kwargs.setdefault("method", "map")
    fit_kwargs.setdefault("posterior_predictive", False)
    fit_kwargs.setdefault("log_likelihood", False)
    fit_kwargs.setdefault("check", False)
    rng = np.random.default_rng(seed)
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    rows = []
    design = {k: v for k, v in data.items() if k not in obs_names}
    for sim in tqdm(range(n_sims), disable=not progress, desc="recovery"):
        sim_seed = int(rng.integers(2**31 - 1))
        if callable(true_params):
            truth = dict(true_params(rng))
        elif true_params is None:
            truth = None
        else:
            truth = dict(true_params)
        drawn = simulate(model, truth, design, seed=sim_seed, observed=obs_names)
        if truth is None:
            arrays, static = split_data(design)
            bound = functools.partial(model, **static) if static else model
            names = site_names(bound, arrays)
            keys = var_names or names["deterministic"] or names["latent"]
            truth = {k: drawn[k] for k in keys}
        names_checked = list(var_names) if var_names is not None else list(truth)
        sim_data = dict(design)
        for o in obs_names:
            sim_data[o] = drawn[o]
        idata = fit(model, sim_data, seed=sim_seed, observed=obs_names, **fit_kwargs)
        post = idata.posterior
        for name in names_checked:
            draws = np.asarray(post[name].values)
            draws = draws.reshape((-1,) + draws.shape[2:])
            tv = np.broadcast_to(np.asarray(drawn.get(name, truth.get(name)), dtype=float),
                                 draws.shape[1:])
            for idx in np.ndindex(*tv.shape) if tv.shape else [()]:
                x = draws[(slice(None),) + idx]
                t = float(tv[idx])
                q_lo, q_hi = np.quantile(x, [lo, hi])
                rows.append({
                    "sim": sim,
                    "parameter": name if not idx else f"{name}[{','.join(map(str, idx))}]",
                    "true": t,
                    "mean": float(np.mean(x)),
                    "sd": float(np.std(x, ddof=1)),
                    "lower": float(q_lo),
                    "upper": float(q_hi),
                    "covered": bool(q_lo <= t <= q_hi),
                    "rank": float(np.mean(x < t)),
                })
    out = pd.DataFrame(rows)
    out.attrs["interval"] = interval
    return out


def recovery_summary(table: pd.DataFrame, *, by_element: bool = False) -> pd.DataFrame:
    """Coverage, bias, RMSE and true-vs-estimate correlation per parameter.

    Parameters
    ----------
    table
        Output of :func:`recover`.
    by_element
        Keep vector elements (``alpha[3]``) apart; by default they are pooled under ``alpha``.

    Returns
    -------
    pandas.DataFrame
        Indexed by parameter: ``n``, ``coverage``, ``bias`` (mean of estimate minus truth),
        ``rmse``, ``corr`` (Pearson correlation of truth and posterior mean; NaN when the truth
        does not vary), ``mean_sd``.
    """
    t = table.copy()
    if not by_element:
        t["parameter"] = t["parameter"].str.replace(r"\[.*\]$", "", regex=True)
    rows = []
    for name, g in t.groupby("parameter", sort=False):
        err = g["mean"] - g["true"]
        corr = (float(np.corrcoef(g["true"], g["mean"])[0, 1])
                if g["true"].std() > 0 and g["mean"].std() > 0 else np.nan)
        rows.append({
            "parameter": name,
            "n": len(g),
            "coverage": float(g["covered"].mean()),
            "bias": float(err.mean()),
            "rmse": float(np.sqrt((err**2).mean())),
            "corr": corr,
            "mean_sd": float(g["sd"].mean()),
        })
    return pd.DataFrame(rows).set_index("parameter")
