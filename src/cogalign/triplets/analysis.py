"""The paper-style comparison: several language models x layers against human triplet choices.

One call gives the tidy table behind "Uncovering the Computational Ingredients of Human-Like
Representations in LLMs" style figures: odd-one-out accuracy per model and relative layer
depth, with the human noise ceiling. Fitted models of the human choices are cross-validated
on the same folds with :func:`cogalign.triplets.cross_validate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from cogalign.triplets.alignment import embed_concepts, prompt_alignment, triplet_alignment


def compare_models(
    table: pd.DataFrame,
    concepts: pd.DataFrame,
    models: Sequence[str] = ("minilm-l6", "smollm2-135m"),
    *,
    method: str = "embedding",
    template: str | None = None,
    similarity: str = "cosine",
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """Alignment of every model and layer with the human triplet choices, as one tidy table.

    Parameters
    ----------
    table
        Human triplet trials (``things-triplets-test`` or a study's output).
    concepts
        ``things-concepts`` (item texts for the template).
    models
        Model presets, Hugging Face ids or local paths.
    method
        ``"embedding"`` (hidden states, every layer) or ``"prompt"`` (forced-choice answer).
    template, similarity, n_boot, seed, progress
        See :func:`~cogalign.triplets.alignment.triplet_alignment`.

    Returns
    -------
    pandas.DataFrame
        The per-layer rows of :func:`triplet_alignment` with a ``model`` column.
    """
    frames = []
    for model in models:
        if method == "prompt":
            summary, _ = prompt_alignment(table, concepts, model=model, template=template,
                                          n_boot=n_boot, seed=seed, progress=progress)
        else:
            x, layers = embed_concepts(table, concepts, model=model, template=template,
                                       progress=progress)
            summary = triplet_alignment(x, table, layers=layers, similarity=similarity,
                                        n_boot=n_boot, seed=seed)
        summary.insert(0, "model", model)
        frames.append(summary)
    return pd.concat(frames, ignore_index=True)


def plot_layer_curves(results: pd.DataFrame, *, ax: Any = None, reference: dict | None = None):
    """Accuracy by relative layer depth per model, with the noise-ceiling band and chance.

    Parameters
    ----------
    results
        Output of :func:`compare_models` (embedding method).
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
    ax.axhspan(ceiling - 0.005, ceiling + 0.005, color="grey", alpha=0.4, label="noise ceiling")
    ax.axhline(1 / 3, color="black", linestyle=":", label="chance")
    if reference:
        ax.axhline(reference["accuracy"], color="tab:red", linestyle="--",
                   label=reference.get("label", "reference"))
    ax.set_xlabel("relative layer depth")
    ax.set_ylabel("odd-one-out accuracy vs people")
    ax.set_ylim(0.3, max(0.75, ceiling + 0.05))
    ax.legend(fontsize=8)
    return ax


def demo_section(echo: Any = None, models: Sequence[str] = ("minilm-l6", "smollm2-135m")) -> dict:
    """The triplet part of ``cogalign demo``: offline models vs people on THINGS triplets.

    Runs the embedding alignment of each model at every layer on ``things-triplets-test``
    (found locally; never downloaded) and reports the best and last layer. Anything missing
    (data, model package) is skipped with the reason.

    Returns
    -------
    dict
        ``{"noise_ceiling": ..., "models": [...], "skipped": [...]}``.
    """
    from cogalign.data import load
    from cogalign.errors import CogalignError

    report: dict = {"models": [], "skipped": []}
    try:
        table = load("things-triplets-test", download=False, progress=False)
        concepts = load("things-concepts", download=False, progress=False)
    except CogalignError as exc:
        report["skipped"].append({"what": "triplet alignment", "reason": str(exc).splitlines()[0]})
        if echo:
            echo(f"Triplet alignment skipped: {report['skipped'][0]['reason']}")
        return report
    if echo:
        echo("\nTriplet odd-one-out (things-triplets-test): language models vs people")
    for model in models:
        try:
            x, layers = embed_concepts(table, concepts, model=model, progress=False)
        except Exception as exc:  # a missing model package or weights: say so and go on
            report["skipped"].append({"what": model, "reason": str(exc).splitlines()[0]})
            if echo:
                echo(f"  skipped {model}: {str(exc).splitlines()[0]}")
            continue
        rows = triplet_alignment(x, table, layers=layers, n_boot=200)
        best = rows.loc[rows["accuracy"].idxmax()]
        last = rows.iloc[-1]
        report["noise_ceiling"] = float(rows["noise_ceiling"].iloc[0])
        entry = {"model": model, "best_layer": int(best["layer"]),
                 "best_accuracy": float(best["accuracy"]), "last_layer_accuracy": float(last["accuracy"]),
                 "share_of_ceiling": float(best["share_of_ceiling"]), "layers": len(rows)}
        report["models"].append(entry)
        if echo:
            echo(f"  {model:<14} best layer {entry['best_layer']:>2}: accuracy {entry['best_accuracy']:.3f} "
                 f"[{best['ci_low']:.3f}, {best['ci_high']:.3f}], {100 * entry['share_of_ceiling']:.0f}% of "
                 f"the ceiling {report['noise_ceiling']:.3f}; last layer {entry['last_layer_accuracy']:.3f}")
    return report
