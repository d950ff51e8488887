"""The triplet section of ``cogalign demo``: offline language models vs people on THINGS triplets.

:func:`model_summary` summarises one model's layers by the best and last; :func:`format_model` and
:func:`format_skip` make the console lines; :func:`demo_section` runs them for every model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from cogalign.triplets.alignment import embed_concepts, triplet_alignment

__all__ = ["HEADER", "demo_section", "format_model", "format_skip", "model_summary"]

#: First line of the section (when the data is found).
HEADER = "\nTriplet odd-one-out (things-triplets-test): language models vs people"


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0]


def model_summary(model: str, embeddings: Any, layers: Sequence[int], table: pd.DataFrame,
                  n_boot: int = 200) -> tuple[dict[str, Any], pd.DataFrame]:
    """One model's alignment at every layer, summarised by its best and last layer.

    ``embeddings`` and ``layers`` are what
    :func:`~cogalign.triplets.alignment.embed_concepts` returns for the model.

    Returns
    -------
    entry : dict
        ``model``, ``best_layer``, ``best_accuracy``, ``last_layer_accuracy``,
        ``share_of_ceiling`` (of the best layer), ``layers`` (how many).
    rows : pandas.DataFrame
        The per-layer rows of :func:`~cogalign.triplets.alignment.triplet_alignment`.
    """
    rows = triplet_alignment(embeddings, table, layers=layers, n_boot=n_boot)
    best = rows.loc[rows["accuracy"].idxmax()]
    entry = {"model": model, "best_layer": int(best["layer"]),
             "best_accuracy": float(best["accuracy"]),
             "last_layer_accuracy": float(rows.iloc[-1]["accuracy"]),
             "share_of_ceiling": float(best["share_of_ceiling"]), "layers": len(rows)}
    return entry, rows


def format_model(entry: dict[str, Any], rows: pd.DataFrame) -> str:
    """The console line of one model: best layer with its interval, share of the ceiling."""
    best = rows.loc[rows["accuracy"].idxmax()]
    ceiling = float(rows["noise_ceiling"].iloc[0])
    return (f"  {entry['model']:<14} best layer {entry['best_layer']:>2}: accuracy "
            f"{entry['best_accuracy']:.3f} [{best['ci_low']:.3f}, {best['ci_high']:.3f}], "
            f"{100 * entry['share_of_ceiling']:.0f}% of the ceiling {ceiling:.3f}; last layer "
            f"{entry['last_layer_accuracy']:.3f}")


def format_skip(entry: dict[str, str]) -> str:
    """The console line of something skipped."""
    return f"  skipped {entry['what']}: {entry['reason']}"


def demo_section(echo: Any = None, models: Sequence[str] = ("minilm-l6", "smollm2-135m")) -> dict:
    """The triplet part of ``cogalign demo``: offline models vs people on THINGS triplets.

    Runs the embedding alignment of each model at every layer on ``things-triplets-test``
    (found locally; never downloaded) and reports the best and last layer
    (:func:`model_summary`). Anything missing (data, model package) is skipped with the
    reason.

    Returns
    -------
    dict
        ``{"models": [...], "skipped": [...], "noise_ceiling": ...}``.
    """
    from cogalign.data import load
    from cogalign.errors import CogalignError

    report: dict = {"models": [], "skipped": []}
    try:
        table = load("things-triplets-test", download=False, progress=False)
        concepts = load("things-concepts", download=False, progress=False)
    except CogalignError as exc:
        report["skipped"].append({"what": "triplet alignment", "reason": _reason(exc)})
        if echo:
            echo(f"Triplet alignment skipped: {report['skipped'][0]['reason']}")
        return report
    if echo:
        echo(HEADER)
    for model in models:
        try:
            x, layers = embed_concepts(table, concepts, model=model, progress=False)
        except Exception as exc:  # a missing model package or weights: say so and go on
            report["skipped"].append({"what": model, "reason": _reason(exc)})
            if echo:
                echo(format_skip(report["skipped"][-1]))
            continue
        entry, rows = model_summary(model, x, layers, table)
        report["noise_ceiling"] = float(rows["noise_ceiling"].iloc[0])
        report["models"].append(entry)
        if echo:
            echo(format_model(entry, rows))
    return report
