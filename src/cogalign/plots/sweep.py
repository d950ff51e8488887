"""Figures of a sweep: layer curves with the ceiling band, model comparisons, Turing RSA.

Each function takes rows of a sweep's results table (:mod:`cogalign.sweep.results`) or of a
leaderboard (:mod:`cogalign.report.leaderboard`) for one task, draws on ``ax`` (or a new
figure) and returns the axes. matplotlib is imported when a figure is drawn.

* :func:`plot_layer_curves` - the primary metric by relative depth, one line per model and
  template with its interval, and the noise ceiling as a band;
* :func:`plot_task_scores` - each model's held-out and best score with intervals and the
  ceiling (probe and prompt comparisons);
* :func:`plot_percentiles` - individual-level Turing RSA: where each model falls among the
  people (percentile with its interval);
* :func:`plot_synthetic_spread` - how much synthetic individuals agree with each other at
  each temperature, against how much people do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_layer_curves", "plot_percentiles", "plot_synthetic_spread", "plot_task_scores"]


def _axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size)
    return ax


def _numeric_layer(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def _line_label(row: pd.Series, templates: int, methods: int) -> str:
    parts = [str(row["model"])]
    if templates > 1 and row.get("template") is not None:
        parts.append(str(row["template"]))
    if methods > 1 and row.get("method") is not None:
        parts.append(str(row["method"]))
    return " · ".join(parts)


def plot_layer_curves(rows: pd.DataFrame, *, ax: Any = None, title: str | None = None) -> Any:
    """The primary metric by depth in the model, with intervals and the noise-ceiling band.

    Parameters
    ----------
    rows
        Results rows of one task: primary metric, split ``"all"``, numeric layers (other
        rows are ignored). ``relative_depth`` is the x axis (layer number when missing).
    ax
        Axes to draw on.
    title
        Axes title.
    """
    ax = _axes(ax, (6.0, 3.8))
    data = rows[(rows["split"] == "all") & rows["primary"].astype(bool)].copy()
    data["layer_number"] = _numeric_layer(data["layer"])
    data = data[data["layer_number"].notna()]
    use_depth = "relative_depth" in data and data["relative_depth"].notna().all()
    data["x"] = data["relative_depth"] if use_depth else data["layer_number"]
    for key in ("template", "method"):
        if key not in data:
            data[key] = None
    n_templates = data["template"].nunique()
    n_methods = data["method"].nunique()
    for _, group in data.groupby(["model", "template", "method"], dropna=False, sort=False):
        label = _line_label(group.iloc[0], n_templates, n_methods)
        # seeds and temperatures that do not change the curve are averaged into one line
        line = group.groupby("x", as_index=False)[["value", "ci_low", "ci_high"]].mean()
        (drawn,) = ax.plot(line["x"], line["value"], marker="o", ms=3, lw=1.5, label=label)
        if line["ci_low"].notna().any():
            ax.fill_between(line["x"], line["ci_low"], line["ci_high"], alpha=0.15,
                            color=drawn.get_color(), lw=0)
    ceiling = data["ceiling"].dropna()
    if len(ceiling):
        low = float(ceiling.mean())
        high = float(data["ceiling_upper"].dropna().mean()) if "ceiling_upper" in data and \
            data["ceiling_upper"].notna().any() else low
        if high > low:
            ax.axhspan(low, high, color="0.6", alpha=0.3, lw=0,
                       label="noise ceiling (lower to upper)")
        else:
            ax.axhline(low, color="0.4", ls="--", lw=1.2, label="noise ceiling")
    metric = data["metric"].iloc[0] if len(data) else "score"
    ax.set_xlabel("relative depth (0 = embeddings, 1 = last layer)" if use_depth else "layer")
    ax.set_ylabel(str(metric))
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="best")
    ax.figure.tight_layout()
    return ax


def plot_task_scores(tasks: pd.DataFrame, *, ax: Any = None, title: str | None = None) -> Any:
    """Each model's score on one task: held-out (ranked on) and best, with the ceiling.

    Parameters
    ----------
    tasks
        Leaderboard rows of one task (:attr:`cogalign.report.Leaderboard.tasks`).
    ax, title
        Axes and title.
    """
    ax = _axes(ax, (6.0, 0.6 + 0.45 * max(1, len(tasks))))
    data = tasks.reset_index(drop=True)
    y = np.arange(len(data))
    for key, marker, shift, label in (("heldout", "o", -0.12, "held-out (chosen on train)"),
                                      ("best", "s", 0.12, "best on all units")):
        value = data[key].to_numpy(dtype=float)
        low = data[f"{key}_ci_low"].to_numpy(dtype=float)
        high = data[f"{key}_ci_high"].to_numpy(dtype=float)
        err = np.vstack([value - low, high - value])
        err = np.where(np.isfinite(err), np.clip(err, 0, None), 0.0)
        ax.errorbar(value, y + shift, xerr=err, fmt=marker, ms=5, capsize=2, label=label)
    ceiling = data["heldout_ceiling"].dropna()
    if len(ceiling):
        ax.axvline(float(ceiling.mean()), color="0.4", ls="--", lw=1, label="noise ceiling")
    ax.set_yticks(y, [str(m) for m in data["model"]])
    ax.invert_yaxis()
    ax.set_xlabel(str(data["metric"].iloc[0]) if len(data) else "score")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="best")
    ax.figure.tight_layout()
    return ax


def plot_percentiles(rows: pd.DataFrame, *, ax: Any = None, title: str | None = None) -> Any:
    """Individual-level Turing RSA: each candidate's percentile among the people.

    Parameters
    ----------
    rows
        Results rows with ``metric == "percentile"`` (split ``"all"``); one point per model,
        layer and template, with its interval. The shaded range is the people's: a candidate
        at 0 is less aligned with the group than every person, at 100 more than every one.
    ax, title
        Axes and title.
    """
    data = rows[(rows["metric"] == "percentile") & (rows["split"] == "all")].copy()
    data = data.drop_duplicates(["model", "layer", "template"])
    ax = _axes(ax, (6.0, 0.6 + 0.3 * max(1, len(data))))
    data["layer_number"] = _numeric_layer(data["layer"])
    data = data.sort_values(["model", "layer_number", "template"], na_position="last")
    labels = [f"{r['model']} {('layer ' + str(r['layer'])) if pd.notna(r['layer_number']) else r['layer']}"
              for _, r in data.iterrows()]
    y = np.arange(len(data))
    value = data["value"].to_numpy(dtype=float)
    err = np.vstack([value - data["ci_low"].to_numpy(dtype=float),
                     data["ci_high"].to_numpy(dtype=float) - value])
    err = np.where(np.isfinite(err), np.clip(err, 0, None), 0.0)
    ax.axvspan(0, 100, color="0.85", lw=0, label="range of the people")
    ax.errorbar(value, y, xerr=err, fmt="o", ms=4, capsize=2, color="tab:blue")
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(-5, 105)
    ax.set_xlabel("percentile among the people (Turing RSA)")
    if title:
        ax.set_title(title, fontsize=10)
    ax.figure.tight_layout()
    return ax


def plot_synthetic_spread(rows: pd.DataFrame, *, ax: Any = None,
                          title: str | None = None) -> Any:
    """Agreement among synthetic individuals by temperature, and among people.

    Parameters
    ----------
    rows
        Results rows with ``synthetic_agreement`` (and ``human_agreement``) metrics, one per
        model, template and temperature.
    ax, title
        Axes and title.
    """
    ax = _axes(ax, (6.0, 3.5))
    synth = rows[rows["metric"] == "synthetic_agreement"].copy()
    for (model, template), line in synth.groupby(["model", "template"], dropna=False):
        line = line.drop_duplicates("temperature").sort_values("temperature")
        ax.plot(line["temperature"], line["value"], marker="o", label=f"{model} · {template}")
    human = rows.loc[rows["metric"] == "human_agreement", "value"].dropna()
    if len(human):
        ax.axhline(float(human.mean()), color="0.3", ls="--", lw=1.2,
                   label="people (mean pairwise agreement)")
    ax.set_xlabel("sampling temperature")
    ax.set_ylabel("mean pairwise Spearman")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="best")
    ax.figure.tight_layout()
    return ax
