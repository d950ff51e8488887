"""Figures for mental rotation.

* :func:`plot_by_angle` - response time or accuracy by angle, same and mirror pairs, people's
  condition means with intervals over people, and the posterior predictive band of a fit;
* :func:`plot_person_slopes` - each person's rotation slope with its posterior interval,
  next to their least-squares slope;
* :func:`plot_stimuli` - example same/mirror stimulus pairs;
* :func:`plot_llm_accuracy` - a language model's accuracy by angle next to people's;
* :func:`plot_model_vs_people` - the neural model's (and its ablations') predicted RT and
  accuracy by angle next to people's condition means;
* :func:`plot_latent_rotation` - a latent turned step by step and decoded, above the true
  rotated views.

Every function takes an optional matplotlib ``ax`` (or ``fig`` for the stimulus grid) and
returns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_by_angle", "plot_latent_rotation", "plot_llm_accuracy", "plot_model_vs_people",
           "plot_person_slopes", "plot_stimuli"]

_COLORS = {"same": "tab:blue", "mirror": "tab:orange"}


def _ax(ax: Any, size: tuple[float, float] = (4.5, 3.8)) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def _people_means(table: pd.DataFrame, measure: str, mass: float, n_boot: int,
                  seed: int) -> pd.DataFrame:
    t = table.loc[table["response"].notna()] if "response" in table.columns else table
    correct = t["correct"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    if measure == "rt":
        t = t.loc[correct & t["rt"].notna().to_numpy()]
        value = t["rt"].to_numpy(dtype=float)
    else:
        value = correct.astype(float)
    per = (t.assign(v=value).groupby(["pair_type", "angle", "participant_id"], observed=True)["v"]
           .mean().reset_index())
    rng = np.random.default_rng(seed)
    rows = []
    for (pair, angle), g in per.groupby(["pair_type", "angle"]):
        v = g["v"].to_numpy()
        boots = v[rng.integers(0, len(v), (n_boot, len(v)))].mean(axis=1)
        lo, hi = np.quantile(boots, [(1 - mass) / 2, 1 - (1 - mass) / 2])
        rows.append({"pair_type": pair, "angle": float(angle), "mean": float(v.mean()),
                     "lower": float(lo), "upper": float(hi)})
    return pd.DataFrame(rows)


def plot_by_angle(
    table: pd.DataFrame,
    fit: Any = None,
    *,
    measure: str = "rt",
    ax: Any = None,
    mass: float = 0.9,
    n_boot: int = 1000,
    seed: int = 0,
) -> Any:
    """Response time (s, correct trials) or accuracy by angle for same and mirror pairs.

    Points are the mean over people of each person's condition mean, with a bootstrap
    interval over people; with ``fit`` (a fitted :class:`~cogalign.rotation.RotationModel`)
    the shaded band is the posterior predictive interval of the condition mean over the
    fitted trials (:func:`cogalign.rotation.analysis.ppc_by_condition`).

    Parameters
    ----------
    table
        A ``rotation`` trial table.
    fit
        Optional fitted model: an RT or joint model for ``measure="rt"``, the accuracy or
        joint model for ``"accuracy"``.
    measure
        ``"rt"`` or ``"accuracy"``.
    mass
        Mass of the intervals.
    """
    from cogalign.rotation.analysis import ppc_by_condition

    if measure not in ("rt", "accuracy"):
        raise ValueError(f"measure must be 'rt' or 'accuracy', got {measure!r}")
    ax = _ax(ax)
    means = _people_means(table, measure, mass, n_boot, seed)
    band = None
    if fit is not None:
        if measure == "rt" and fit.model != "accuracy":
            band = ppc_by_condition(fit, mass=mass, var="y")
        elif measure == "accuracy" and fit.model in ("accuracy", "joint"):
            band = ppc_by_condition(fit, mass=mass, var="correct" if fit.model == "joint" else "y")
    for pair, g in means.groupby("pair_type"):
        color = _COLORS.get(pair)
        ax.errorbar(g["angle"], g["mean"], yerr=[g["mean"] - g["lower"], g["upper"] - g["mean"]],
                    fmt="o", color=color, capsize=3, label=f"{pair} (people)")
        if band is not None:
            b = band.loc[band["pair_type"] == pair].sort_values("angle")
            ax.fill_between(b["angle"], b["lower"], b["upper"], color=color, alpha=0.2, linewidth=0,
                            label=f"{pair} (posterior predictive)")
            ax.plot(b["angle"], b["predicted"], color=color, linewidth=1)
    ax.set_xlabel("angular disparity (deg)")
    ax.set_ylabel("response time (s), correct trials" if measure == "rt" else "accuracy")
    ax.legend(fontsize="small", frameon=False)
    return ax


def plot_person_slopes(fit: Any, table: pd.DataFrame | None = None, *, ax: Any = None) -> Any:
    """Each person's rotation slope (ms/deg, same pairs) with its posterior interval.

    People are sorted by their posterior mean; with ``table`` each person's least-squares
    slope over their correct same-pair trials is drawn as a cross (the hierarchical estimates
    are pulled toward the population, the least-squares ones are not; the model's slope is
    that of the median RT, the least-squares one that of the mean).
    """
    from cogalign.rotation.classical import person_slopes

    ax = _ax(ax, (4.5, 6.0))
    post = fit.person_slopes().sort_values("slope_mean")
    y = np.arange(len(post))
    ax.errorbar(post["slope_mean"], y, xerr=[post["slope_mean"] - post["slope_lower"],
                                             post["slope_upper"] - post["slope_mean"]],
                fmt="o", markersize=3, color="tab:blue", capsize=0, label="hierarchical (posterior)")
    if table is not None:
        same = table.loc[table["pair_type"] == "same"]
        ols = person_slopes(same).reindex(post.index)
        ax.plot(ols["slope_ms_per_deg"], y, "x", color="tab:red", markersize=4,
                label="least squares (same pairs)")
    pop = fit.slope_["same"]
    ax.axvline(pop["mean"], color="k", linewidth=1, linestyle="--", label="population")
    ax.set_yticks(y)
    ax.set_yticklabels(post.index, fontsize=6)
    ax.set_xlabel("rotation slope (ms per degree)")
    ax.set_ylabel("participant")
    ax.legend(fontsize="small", frameon=False)
    return ax


def plot_stimuli(
    objects: Sequence[Any],
    angles: Sequence[float] = (0.0, 50.0, 100.0, 150.0),
    *,
    axis: str = "y",
    size: int = 128,
    seed: int = 0,
    fig: Any = None,
) -> Any:
    """Example stimuli: one row per object and pair type, one column per angle.

    Parameters
    ----------
    objects
        :class:`~cogalign.rotation.objects.CubeObject` s.
    angles, axis, size, seed
        See :func:`cogalign.rotation.stimuli.pair_image`.
    """
    import matplotlib.pyplot as plt

    from cogalign.rotation.stimuli import pair_image

    rows = [(obj, m) for obj in objects for m in (False, True)]
    if fig is None:
        fig = plt.figure(figsize=(2.2 * len(angles), 1.2 * len(rows)))
    axes = fig.subplots(len(rows), len(angles), squeeze=False)
    for i, (obj, mirrored) in enumerate(rows):
        for j, angle in enumerate(angles):
            ax = axes[i, j]
            ax.imshow(pair_image(obj, angle, axis, mirrored, seed=seed + i, size=size))
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(f"{angle:g} deg", fontsize="small")
            if j == 0:
                ax.set_ylabel(f"{obj.name or 'object'}\n{'mirror' if mirrored else 'same'}",
                              fontsize="small")
    return fig


def plot_llm_accuracy(comparison: dict, *, ax: Any = None) -> Any:
    """A language model's accuracy by angle next to people's (:func:`compare_accuracy`)."""
    ax = _ax(ax)
    rows = pd.DataFrame(comparison["by_condition"])
    for pair, g in rows.groupby("pair_type"):
        g = g.sort_values("angle")
        color = _COLORS.get(pair)
        ax.errorbar(g["angle"], g["human_accuracy"],
                    yerr=[g["human_accuracy"] - g["human_lower"], g["human_upper"] - g["human_accuracy"]],
                    fmt="o-", color=color, capsize=3, label=f"{pair} (people)")
        ax.plot(g["angle"], g["model_p_correct"], "s--", color=color, label=f"{pair} (model P(correct))")
    ax.axhline(0.5, color="0.6", linewidth=1, linestyle=":")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("angular disparity (deg)")
    ax.set_ylabel("accuracy")
    ax.legend(fontsize="small", frameon=False)
    return ax


def plot_model_vs_people(
    comparison: dict,
    variants: Sequence[str] | None = None,
    *,
    measure: str = "rt",
    axes: Any = None,
) -> Any:
    """Model vs people by angle: one panel per variant, same and mirror pairs.

    Parameters
    ----------
    comparison
        The result of :func:`cogalign.rotation.neural.people.compare_with_people`: people's
        condition means (points) and each variant's predictions (lines; RT through the
        steps-to-seconds map fitted on everyone), averaged over axes where there are several.
    variants
        Variants to draw (default: all in ``comparison``).
    measure
        ``"rt"`` (seconds, correct trials) or ``"accuracy"``.
    axes
        A sequence of matplotlib axes, one per variant.

    Returns
    -------
    numpy.ndarray
        The axes.
    """
    import matplotlib.pyplot as plt

    if measure not in ("rt", "accuracy"):
        raise ValueError(f"measure must be 'rt' or 'accuracy', got {measure!r}")
    names = list(variants) if variants is not None else list(comparison["variants"])
    if axes is None:
        _, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names), 3.2), sharey=True,
                               squeeze=False)
        axes = axes[0]
    people = pd.DataFrame(comparison["people"]["by_condition"]).groupby(["pair_type", "angle"])[measure].mean()
    for ax, name in zip(np.atleast_1d(axes), names, strict=False):
        model = pd.DataFrame(comparison["variants"][name]["by_condition"]).groupby(
            ["pair_type", "angle"])[measure].mean()
        for pair in ("same", "mirror"):
            if pair not in people.index.get_level_values(0):
                continue
            h, m = people.loc[pair], model.loc[pair]
            ax.plot(h.index, h.to_numpy(), "o", color=_COLORS[pair], label=f"{pair} (people)")
            ax.plot(m.index, m.to_numpy(), "-", color=_COLORS[pair], label=f"{pair} (model)")
        r2 = comparison["variants"][name]["scores"]["r2"]["mean"]
        ax.set_title(f"{name} (held-out R2 {r2:.2f})" if measure == "rt" else name, fontsize="small")
        ax.set_xlabel("angular disparity (deg)")
    first = np.atleast_1d(axes)[0]
    first.set_ylabel("response time (s), correct trials" if measure == "rt" else "accuracy")
    first.legend(fontsize="x-small", frameon=False)
    return axes


def plot_latent_rotation(decoded: np.ndarray, truth: np.ndarray, angles: Sequence[float], *,
                         fig: Any = None) -> Any:
    """A latent turned in steps and decoded (top row), above the true rotated views.

    Parameters
    ----------
    decoded, truth
        ``(k, size, size)`` images, from
        :func:`cogalign.rotation.neural.evaluation.latent_rotation`.
    angles
        The ``k`` angles (degrees).
    """
    import matplotlib.pyplot as plt

    k = len(angles)
    if fig is None:
        fig = plt.figure(figsize=(1.4 * k, 3.0))
    axes = fig.subplots(2, k, squeeze=False)
    for j, angle in enumerate(angles):
        for i, (img, label) in enumerate(((decoded[j], "decoded"), (truth[j], "rendered"))):
            ax = axes[i, j]
            ax.imshow(img, cmap="gray", vmin=0.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(f"{angle:g} deg", fontsize="small")
            if j == 0:
                ax.set_ylabel(label, fontsize="small")
    return fig
