"""Figures for triplet odd-one-out.

* :func:`plot_layer_curves`: odd-one-out accuracy against people by relative layer depth, one
  curve per language model, with the noise-ceiling band, chance and an optional reference
  line (e.g. a fitted SPoSE model).

matplotlib is imported when a figure is drawn; each function draws on ``ax`` (or makes a
figure) and returns the axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_layer_curves"]


def plot_layer_curves(results: pd.DataFrame, *, ax: Any = None, reference: dict | None = None) -> Any:
    """Accuracy by relative layer depth per model, with the noise-ceiling band and chance.

    Parameters
    ----------
    results
        Output of :func:`cogalign.triplets.analysis.compare_models` (embedding method).
    ax
        Matplotlib axes to draw on (a new figure by default).
    reference
        Optional ``{"accuracy": ..., "label": ...}`` drawn as a dashed line (e.g. SPoSE).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for model, part in results.groupby("model", sort=False):
        part = part.sort_values("relative_depth")
        ax.plot(part["relative_depth"], part["accuracy"], marker="o", label=str(model))
        ax.fill_between(part["relative_depth"], part["ci_low"], part["ci_high"], alpha=0.2)
    ceiling = float(results["noise_ceiling"].iloc[0])
    if np.isfinite(ceiling):  # NaN: too few repeated triplets for a meaningful ceiling
        ax.axhspan(ceiling - 0.005, ceiling + 0.005, color="grey", alpha=0.4, label="noise ceiling")
    else:
        ceiling = 0.0
    ax.axhline(1 / 3, color="black", linestyle=":", label="chance")
    if reference:
        ax.axhline(reference["accuracy"], color="tab:red", linestyle="--",
                   label=reference.get("label", "reference"))
    ax.set_xlabel("relative layer depth")
    ax.set_ylabel("odd-one-out accuracy vs people")
    ax.set_ylim(0.3, max(0.75, ceiling + 0.05))
    ax.legend(fontsize=8)
    return ax
