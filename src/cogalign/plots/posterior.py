"""Pieces the posterior figures share: axes, a fit's ArviZ data, a curve with its interval.

Every paradigm's figure module draws posterior curves (weighting, value and discount
functions) the same way: a median line and a shaded central interval over posterior draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["axes", "fit_idata", "interval_band"]


def axes(ax: Any = None, figsize: tuple[float, float] = (4.5, 4)) -> Any:
    """``ax``, or the axes of a new figure."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def fit_idata(fit: Any) -> Any:
    """The ArviZ data of a fitted Bayesian estimator (its ``idata_``), or ``fit`` itself."""
    return getattr(fit, "idata_", fit)


def interval_band(ax: Any, x: np.ndarray, curves: np.ndarray, interval: float, label: str,
                  color: Any = None) -> None:
    """Draw the median of ``curves`` (draws x points) and its central ``interval`` band."""
    lo, hi = np.quantile(curves, [(1 - interval) / 2, 1 - (1 - interval) / 2], axis=0)
    line = ax.plot(x, np.median(curves, axis=0), label=label, color=color)[0]
    ax.fill_between(x, lo, hi, alpha=0.25, color=line.get_color(), linewidth=0)
