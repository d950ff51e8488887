"""Figures for pairwise similarity and Turing RSA.

* :func:`plot_rdm`: an RDM heatmap with item labels;
* :func:`plot_mds`: humans and models in one space (classical MDS of ``1 - rsa``);
* :func:`plot_turing_rsa`: the individual-level result: the humans' spread and each candidate
  inside or outside it, with the percentile and its bootstrap interval;
* :func:`plot_sweep`: alignment by temperature for each prompt template;
* :func:`plot_word_pairs`: model vs human similarity of word pairs.

RDMs are **dissimilarities** (:mod:`cogalign.metrics.rdm`). matplotlib is imported when a
figure is drawn; each function draws on ``ax`` (or makes a figure) and returns the axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_mds", "plot_rdm", "plot_sweep", "plot_turing_rsa", "plot_word_pairs"]

_KIND_COLOURS = {"human": "0.45", "behaviour": "0.45", "brain": "tab:purple",
                 "model": "tab:blue", "llm": "tab:orange", "synthetic": "tab:orange",
                 "candidate": "tab:blue"}


def _pyplot() -> Any:
    """Pyplot, imported on demand.

    The backend is left to matplotlib: inline in notebooks, Agg without a display.
    """
    import matplotlib.pyplot as plt

    return plt


def plot_rdm(
    rdm: Any,
    labels: Sequence[str] | None = None,
    *,
    ax: Any = None,
    title: str | None = None,
    rank: bool = False,
    cmap: str = "viridis",
    max_labels: int = 50,
) -> Any:
    """Heatmap of one RDM (dissimilarities), items labelled.

    Parameters
    ----------
    rdm
        Square or condensed dissimilarity RDM, or a one-RDM :class:`cogalign.metrics.RDMs`
        (its labels are used when ``labels`` is None). NaN (unrated pairs) is drawn blank.
    labels
        Item labels (shown when there are at most ``max_labels`` items).
    ax
        Axes to draw on.
    title
        Axes title.
    rank
        Show percentile ranks of the dissimilarities (0-100) instead of raw values, which
        makes RDMs on different scales comparable.
    cmap
        Colour map (low = similar).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from cogalign.metrics import to_square

    plt = _pyplot()
    if labels is None and getattr(rdm, "labels", None) is not None:
        labels = list(rdm.labels)
    vectors = getattr(rdm, "vectors", None)
    square = to_square(vectors[0] if vectors is not None else rdm)
    square = np.array(square, dtype=np.float64)
    n = square.shape[0]
    if rank:
        from scipy.stats import rankdata

        iu = np.triu_indices(n, k=1)
        v = square[iu]
        ok = np.isfinite(v)
        r = np.full(v.shape, np.nan)
        r[ok] = 100.0 * (rankdata(v[ok]) - 0.5) / ok.sum()
        square = np.zeros((n, n))
        square[iu] = r
        square = square + square.T
    np.fill_diagonal(square, np.nan)
    if ax is None:
        size = min(9.0, 3.0 + 0.12 * n)
        _, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(square, cmap=cmap, interpolation="nearest")
    colourbar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    colourbar.set_label("dissimilarity (percentile)" if rank else "dissimilarity")
    if labels is not None and n <= max_labels:
        ax.set_xticks(range(n), labels=list(labels), rotation=90, fontsize=7)
        ax.set_yticks(range(n), labels=list(labels), fontsize=7)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def plot_mds(
    rdms: Any,
    names: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    *,
    method: str = "spearman",
    ax: Any = None,
    annotate: bool = True,
) -> Any:
    """Humans and models in one space: classical MDS of the RDM-to-RDM distances ``1 - rsa``.

    Parameters
    ----------
    rdms
        Stack of dissimilarity RDMs over the same items (participants and candidates).
    names
        One label per RDM.
    groups
        One group per RDM (``"human"``, ``"brain"``, ``"model"``, ``"llm"``, ...), coloured;
        human points are drawn small and unlabelled.
    method
        Comparator (see :func:`cogalign.metrics.rsa`).
    ax
        Axes to draw on.
    annotate
        Write the names of non-human points.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from cogalign.similarity.mds import second_order_mds

    plt = _pyplot()
    coords, _ = second_order_mds(rdms, method)
    k = coords.shape[0]
    names = list(names) if names is not None else [str(i) for i in range(k)]
    groups = list(groups) if groups is not None else ["candidate"] * k
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    for group in dict.fromkeys(groups):
        sel = np.array([g == group for g in groups])
        human = group in ("human", "behaviour")
        ax.scatter(coords[sel, 0], coords[sel, 1], s=25 if human else 55,
                   color=_KIND_COLOURS.get(group), alpha=0.7 if human else 0.9,
                   marker="o" if human else "D", label=group, edgecolor="none")
        if annotate and not human:
            for i in np.flatnonzero(sel):
                ax.annotate(names[i], coords[i], fontsize=7, xytext=(3, 3),
                            textcoords="offset points")
    ax.set_xlabel("MDS 1")
    ax.set_ylabel("MDS 2")
    ax.set_title(f"RDMs in one space (1 - {method})")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(fontsize=8, frameon=False)
    return ax


def plot_turing_rsa(result: Any, *, axes: Any = None, title: str | None = None) -> Any:
    """The individual-level figure: the humans' spread and where each candidate falls.

    Left: every participant's agreement with the others (grey dots; the band spans the
    human range) and each candidate's agreement with the same leave-one-out groups
    (diamonds: filled inside the range, open outside). Right: each candidate's percentile
    among the humans with its bootstrap interval.

    Parameters
    ----------
    result
        A :class:`cogalign.similarity.individual.TuringRSA`.
    axes
        Two axes to draw on (a new figure by default).
    title
        Figure title.

    Returns
    -------
    ndarray of matplotlib.axes.Axes
    """
    plt = _pyplot()
    table = result.table.sort_values("score").reset_index(drop=True)
    human = result.humans["score"].to_numpy()
    k = len(table)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 0.8 + 0.32 * (k + 2)), sharey=True,
                                 gridspec_kw={"width_ratios": [3, 2]})
    else:
        fig = axes[0].figure
    left, right = axes
    y_h = k + 0.5
    left.axvspan(human.min(), human.max(), color="0.85", zorder=0, label="human range")
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, human.size)
    left.scatter(human, y_h + jitter, s=18, color="0.4", zorder=2, label="participants")
    for i, row in table.iterrows():
        colour = _KIND_COLOURS.get(str(row["kind"]), "tab:blue")
        filled = bool(row["inside_human_range"])
        left.scatter(row["score"], i, marker="D", s=40, zorder=3,
                     facecolor=colour if filled else "white", edgecolor=colour)
        right.errorbar(row["percentile"], i,
                       xerr=[[max(0.0, row["percentile"] - row["percentile_low"])],
                             [max(0.0, row["percentile_high"] - row["percentile"])]]
                       if np.isfinite(row["percentile_low"]) else None,
                       fmt="D", color=colour, mfc=colour if filled else "white", ms=5,
                       capsize=2)
    labels = [f"{c} ({kind})" for c, kind in zip(table["candidate"], table["kind"], strict=True)]
    left.set_yticks([*range(k), y_h], labels=[*labels, "humans"], fontsize=8)
    left.set_xlabel(f"agreement with the other participants ({result.method})")
    left.legend(fontsize=8, loc="lower right", frameon=False)
    right.axvspan(0, 100, color="0.92", zorder=0)
    right.axvline(50, color="0.5", linestyle=":", linewidth=1)
    right.set_xlim(-5, 105)
    right.set_xlabel("percentile among participants [95% CI]")
    fig.suptitle(title or f"Turing RSA: {result.n_participants} participants, "
                 f"{result.n_items} items; open = outside the human range", fontsize=10)
    fig.tight_layout()
    return np.asarray(axes)


def plot_sweep(table: pd.DataFrame, *, ax: Any = None, value: str = "group_spearman") -> Any:
    """Alignment by sampling temperature, one line per prompt template.

    Synthetic individuals' ``value`` (default ``group_spearman``) against temperature; the
    expected rating of each template is a dashed line in the same colour.

    Parameters
    ----------
    table
        Output of :func:`cogalign.similarity.sweep.prompt_sweep`.
    ax
        Axes to draw on.
    value
        Column to plot.
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for t, (template, part) in enumerate(table.groupby("template", sort=False)):
        colour = f"C{t}"
        synth = part[part["rater"] == "synthetic"].sort_values("temperature")
        ax.plot(synth["temperature"], synth[value], marker="o", color=colour, label=template)
        expected = part[part["rater"] == "expected"]
        if len(expected) and np.isfinite(expected[value]).any():
            ax.axhline(float(expected[value].iloc[0]), color=colour, linestyle="--",
                       linewidth=1)
    ax.set_xlabel("sampling temperature")
    ax.set_ylabel(value.replace("_", " "))
    ax.set_title("prompt template x temperature (dashed: expected rating)")
    ax.legend(fontsize=8, frameon=False)
    return ax


def plot_word_pairs(values: pd.DataFrame, column: str, *, ax: Any = None,
                    label: str | None = None) -> Any:
    """Scatter of a model's pair similarity against the human mean rating.

    Parameters
    ----------
    values
        The ``pair_values`` output of
        :func:`cogalign.similarity.wordpairs.align_word_pairs`.
    column
        The model column to plot (e.g. ``"layer 6"`` or ``"prompt"``).
    """
    from cogalign.similarity.wordpairs import spearman

    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(values["human"], values[column], s=8, alpha=0.5)
    rho = spearman(values["human"], values[column])
    ax.set_xlabel("human similarity (mean rating)")
    ax.set_ylabel(f"model similarity ({column})")
    ax.set_title(label or f"Spearman {rho:.3f}")
    return ax
