"""Figures for intertemporal choice.

* :func:`plot_discounting` - population discount curves with posterior intervals.

Every function takes an optional matplotlib ``ax`` and returns it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from cogalign.plots.posterior import axes, fit_idata, interval_band

__all__ = ["plot_discounting"]

#: The parameters of each discount function.
_DISCOUNT_PARAMS = {"exponential": ["delta"], "hyperbolic": ["k"],
                    "quasi-hyperbolic": ["beta", "delta"]}


def plot_discounting(fits: Mapping[str, Any] | Any, *, ax: Any = None, interval: float = 0.9,
                     n_draws: int = 300, t_max: float = 5.0) -> Any:
    """Population discount curves :math:`D(t)` of fitted discounting models with intervals.

    ``fits`` is one :class:`~cogalign.intertemporal.IntertemporalChoiceModel` or
    ``{label: model}``; ITCH (no discount function) is skipped.
    """
    from cogalign.bayes.estimator import posterior_draws
    from cogalign.intertemporal.functions import discount

    if not isinstance(fits, Mapping):
        fits = {getattr(fits, "model", "model"): fits}
    ax = axes(ax)
    t = np.linspace(0.0, t_max, 121)
    for label, est in fits.items():
        kind = getattr(est, "model", label)
        if kind == "itch":
            continue
        idata = fit_idata(est)
        suffix = "_pop" if any(v.endswith("_pop") for v in idata.posterior.data_vars) else ""
        names = _DISCOUNT_PARAMS[kind]
        draws = posterior_draws(idata, [f"{n}{suffix}" for n in names], n_draws, 0)
        curves = np.stack([discount(t, kind, {n: draws[f"{n}{suffix}"][i] for n in names})
                           for i in range(len(draws[f"{names[0]}{suffix}"]))])
        interval_band(ax, t, curves, interval, str(label))
    ax.set(xlabel="delay t", ylabel="discount factor D(t)", ylim=(0, 1.05))
    ax.legend(fontsize=8)
    return ax
