"""The word-similarity section of ``cogalign demo``: offline models vs human word ratings.

:func:`word_similarity_entries` computes, one entry at a time, each model's last-layer
Spearman correlation with the human mean ratings of every word-pair dataset found locally (or
why it was skipped). Models read the words by the reading rule of
:mod:`cogalign.llm.context` (causal models in ``"The concept: {item}"``); for causal models
the section also chooses the context on half of the pairs and reports its Spearman on the
other half (:func:`cogalign.similarity.wordpairs.choose_word_context`). :func:`format_entry`
turns an entry into its console line, and :func:`demo_section` runs both for ``cogalign
demo``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from cogalign.errors import CogalignError
from cogalign.similarity.wordpairs import (
    WORD_PAIR_DATASETS,
    align_word_pairs,
    choose_word_context,
)

__all__ = ["HEADER", "demo_section", "format_entry", "word_similarity_entries"]

#: First line of the section.
HEADER = ("\nWord similarity (last layer, cosine; causal models read each word in "
          "'The concept: {item}'): language models vs human ratings")


def _reason(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def word_similarity_entries(
    models: Sequence[str] = ("minilm-l6", "smollm2-135m"),
    datasets: Sequence[str] = WORD_PAIR_DATASETS,
    n_boot: int = 1000,
    context_datasets: Sequence[str] = ("wordsim353",),
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each model's alignment with each word-pair dataset found locally, as it is computed.

    Datasets are never downloaded; a missing dataset, model package or model is skipped with
    the reason (a model that fails is not tried on the remaining datasets). The context of
    causal models is chosen on held-out pairs for the datasets in ``context_datasets`` (each
    candidate context costs one pass over the dataset's words).

    Yields
    ------
    kind, entry
        ``("results", {"model", "dataset", "layer", "spearman", "ci_low", "ci_high",
        "n_pairs"})`` (last layer, embedding method, cosine similarity, bootstrap interval over
        pairs), ``("context", {"model", "dataset", "template", "held_out", "bare_held_out",
        "n_held_out"})`` (causal models: the context chosen on half of the pairs and its
        Spearman on the other half) or ``("skipped", {"what", "reason"})``.
    """
    from cogalign.data import load
    from cogalign.llm.models import resolve_model

    tables = {}
    for name in datasets:
        try:
            tables[name] = load(name, download=False, progress=False)
        except CogalignError as exc:
            yield "skipped", {"what": name, "reason": _reason(exc)}
    for model in models if tables else ():
        for name, pairs in tables.items():
            try:
                summary, _ = align_word_pairs(pairs, model=model, method="embedding",
                                              layers="last", n_boot=n_boot, seed=0,
                                              progress=False)
            except Exception as exc:  # a missing model package or weights: say so, go on
                yield "skipped", {"what": f"{model} on {name}", "reason": _reason(exc)}
                break
            row = summary.iloc[-1]
            yield "results", {"model": model, "dataset": name, "layer": int(row["layer"]),
                              "spearman": float(row["spearman"]), "ci_low": float(row["ci_low"]),
                              "ci_high": float(row["ci_high"]), "n_pairs": int(row["n_pairs"])}
            if resolve_model(model).kind == "causal" and name in context_datasets:
                choice = choose_word_context(pairs, model=model, seed=0)
                yield "context", {"model": model, "dataset": name, "template": choice.template,
                                  "held_out": choice.held_out,
                                  "bare_held_out": choice.bare_held_out,
                                  "n_held_out": choice.n_held_out}


def format_entry(kind: str, entry: dict[str, Any]) -> str:
    """The console line of one entry of :func:`word_similarity_entries`."""
    if kind == "skipped":
        return f"  skipped {entry['what']}: {entry['reason']}"
    if kind == "context":
        return (f"  {entry['model']:<14} {entry['dataset']:<11} context chosen on half of the "
                f"pairs: {entry['template']!r}, Spearman on the other {entry['n_held_out']} "
                f"{entry['held_out']:.3f} (bare words {entry['bare_held_out']:.3f})")
    return (f"  {entry['model']:<14} {entry['dataset']:<11} layer {entry['layer']:>2}: Spearman "
            f"{entry['spearman']:.3f} [{entry['ci_low']:.3f}, {entry['ci_high']:.3f}]"
            f"  ({entry['n_pairs']} pairs)")


def demo_section(
    echo: Callable[[str], Any] | None = None,
    models: Sequence[str] = ("minilm-l6", "smollm2-135m"),
    datasets: Sequence[str] = WORD_PAIR_DATASETS,
    n_boot: int = 1000,
    context_datasets: Sequence[str] = ("wordsim353",),
) -> dict[str, Any]:
    """The word-similarity part of ``cogalign demo``, printed as it goes.

    Parameters
    ----------
    echo
        Where each line goes (``None``: silent).
    models, datasets, n_boot, context_datasets
        See :func:`word_similarity_entries`.

    Returns
    -------
    dict
        ``{"results": [...], "context": [...], "skipped": [...]}``, the entries of
        :func:`word_similarity_entries` by kind (JSON-able).
    """
    report: dict[str, Any] = {"results": [], "context": [], "skipped": []}
    if echo:
        echo(HEADER)
    for kind, entry in word_similarity_entries(models, datasets, n_boot, context_datasets):
        report[kind].append(entry)
        if echo:
            echo(format_entry(kind, entry))
    return report
