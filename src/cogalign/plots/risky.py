"""Figures for risky choice.

* :func:`plot_rates` - predicted vs observed choice rates, with binned means;
* :func:`plot_ppc_rates` - posterior predictive check of the distribution of choice rates;
* :func:`plot_weighting` and :func:`plot_value` - probability-weighting and value functions
  with posterior intervals.

Every function takes an optional matplotlib ``ax`` and returns it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cogalign.plots.posterior import axes, fit_idata, interval_band

__all__ = ["plot_ppc_rates", "plot_rates", "plot_value", "plot_weighting"]


def _draws(idata: Any, name: str, n: int, seed: int = 0) -> np.ndarray:
    from cogalign.bayes.estimator import posterior_draws

    return posterior_draws(idata, [name], n, seed)[name]


def plot_rates(observed: Any, predicted: Any, *, ax: Any = None, bins: int = 20,
               label: str | None = None) -> Any:
    """Predicted vs observed choice rates: hexbin of problems, binned means, identity line.

    Parameters
    ----------
    observed, predicted
        Choice rates of B.
    bins
        Number of equal-width bins of the predicted rate for the binned means.
    label
        Legend label of the binned means (default: the :math:`R^2`).
    """
    from cogalign.risky.estimators import r2_score

    ax = axes(ax)
    y = np.asarray(observed, dtype=float)
    f = np.asarray(predicted, dtype=float)
    ax.hexbin(f, y, gridsize=30, extent=(0, 1, 0, 1), mincnt=1, cmap="Greys")
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(f, edges) - 1, 0, bins - 1)
    centers, means = [], []
    for b in range(bins):
        m = idx == b
        if m.sum() >= 5:
            centers.append(f[m].mean())
            means.append(y[m].mean())
    ax.plot(centers, means, "o-", color="C3",
            label=label or f"binned means ($R^2$ = {r2_score(y, f):.3f})")
    ax.plot([0, 1], [0, 1], "--", color="0.5", linewidth=1)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted P(B)", ylabel="observed rate of B")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_ppc_rates(fit: Any, *, ax: Any = None, n_draws: int = 50, bins: int = 20,
                   seed: int = 0) -> Any:
    """Posterior predictive check: histogram of observed choice rates vs replicated data.

    ``fit`` is an aggregate :class:`~cogalign.risky.RiskyChoiceModel` or its ``idata_`` (with a
    ``posterior_predictive`` group and ``constant_data["n_choices"]``).
    """
    idata = fit_idata(fit)
    ax = axes(ax)
    n = np.asarray(idata.constant_data["n_choices"].values, dtype=float)
    y = np.asarray(idata.observed_data["y"].values, dtype=float) / n
    rep = _draws_pp(idata, n_draws, seed) / n
    edges = np.linspace(0, 1, bins + 1)
    for i, r in enumerate(rep):
        h, _ = np.histogram(r, edges, density=True)
        ax.stairs(h, edges, color="C0", alpha=0.15, label="replicated" if i == 0 else None)
    h, _ = np.histogram(y, edges, density=True)
    ax.stairs(h, edges, color="k", linewidth=2, label="observed")
    ax.set(xlabel="choice rate of B", ylabel="density")
    ax.legend(fontsize=8)
    return ax


def _draws_pp(idata: Any, n: int, seed: int) -> np.ndarray:
    arr = np.asarray(idata.posterior_predictive["y"].values, dtype=float)
    flat = arr.reshape((-1,) + arr.shape[2:])
    rng = np.random.default_rng(seed)
    return flat[rng.choice(len(flat), size=min(n, len(flat)), replace=False)]


def _weighting_name(fit: Any, weighting: str | None) -> str:
    if weighting is not None:
        return weighting
    return getattr(fit, "weighting", "tk")


def plot_weighting(fit: Any, *, weighting: str | None = None, ax: Any = None,
                   interval: float = 0.9, n_draws: int = 300, population: bool = True) -> Any:
    """Probability-weighting functions :math:`w^+(p)` and :math:`w^-(p)` with intervals.

    ``fit`` is a PT/CPT :class:`~cogalign.risky.RiskyChoiceModel` or its ``idata_`` (then give
    ``weighting``). Hierarchical fits show the population median parameters (``*_pop``).
    """
    from cogalign.risky.functions import weight

    idata = fit_idata(fit)
    w_name = _weighting_name(fit, weighting)
    ax = axes(ax)
    p = np.linspace(0.0, 1.0, 201)
    suffix = "_pop" if population and "gamma_gain_pop" in idata.posterior else ""
    for domain, color in (("gain", "C0"), ("loss", "C3")):
        g = _draws(idata, f"gamma_{domain}{suffix}", n_draws)
        dname = f"delta_{domain}{suffix}"
        d = _draws(idata, dname, n_draws) if dname in idata.posterior else np.ones_like(g)
        curves = np.stack([weight(p, w_name, gi, di) for gi, di in zip(g, d, strict=True)])
        interval_band(ax, p, curves, interval, f"$w^{{{'+' if domain == 'gain' else '-'}}}(p)$", color)
    ax.plot([0, 1], [0, 1], "--", color="0.5", linewidth=1)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="probability p", ylabel="decision weight w(p)")
    ax.legend(fontsize=8)
    return ax


def plot_value(fit: Any, *, ax: Any = None, interval: float = 0.9, n_draws: int = 300,
               x_max: float = 100.0, population: bool = True) -> Any:
    """Value function :math:`v(x)` (PT/CPT, or EU's power utility) with intervals."""
    from cogalign.risky.functions import power_utility, value_function

    idata = fit_idata(fit)
    ax = axes(ax)
    x = np.linspace(-x_max, x_max, 201)
    suffix = "_pop" if population and "alpha_pop" in idata.posterior else ""
    a = _draws(idata, f"alpha{suffix}", n_draws)
    if f"lam{suffix}" in idata.posterior:
        b = _draws(idata, f"beta{suffix}", n_draws)
        lam = _draws(idata, f"lam{suffix}", n_draws)
        curves = np.stack([value_function(x, ai, bi, li) for ai, bi, li in zip(a, b, lam,
                                                                              strict=True)])
    else:
        curves = np.stack([power_utility(x, ai) for ai in a])
    interval_band(ax, x, curves, interval, "v(x)")
    ax.axhline(0, color="0.7", linewidth=0.8)
    ax.axvline(0, color="0.7", linewidth=0.8)
    ax.set(xlabel="outcome x", ylabel="value v(x)")
    ax.legend(fontsize=8)
    return ax
