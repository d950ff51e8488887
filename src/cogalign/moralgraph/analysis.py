"""The paradigm's headline analyses as one function each: rank a graph, and the demo section.

:func:`load_graph` reads a graph from a registered dataset, an MGE export file or a tidy vote
table; :func:`rank_graph` ranks it (with bootstrap intervals and the structure checks) and
returns plain JSON-able data, which is what ``cogalign moralgraph rank`` prints;
:func:`demo_section` is the moral-graph part of ``cogalign demo``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogalign.data.containers import MoralGraph
from cogalign.errors import CogalignError
from cogalign.moralgraph.bootstrap import bootstrap_ranks
from cogalign.moralgraph.ranking import rank_values
from cogalign.moralgraph.structure import graph_structure

__all__ = ["DATASETS", "json_ready", "load_graph", "rank_graph", "demo_section"]

#: The registered moral-graph datasets.
DATASETS: tuple[str, ...] = ("moralgraph-mge-prolific", "moralgraph-mge-all")


def json_ready(value: Any) -> Any:
    """Plain JSON data: NaN and infinities become None, NumPy scalars Python numbers."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return json_ready(value.to_dict("records"))
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NA:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def load_graph(
    dataset: str | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    votes: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> MoralGraph:
    """A moral graph from a registered dataset, an MGE export file, or votes plus cards.

    Parameters
    ----------
    dataset
        Registry name (see :data:`DATASETS`).
    path
        An MGE JSON export (its values are the cards when ``votes`` is given).
    votes
        A tidy vote table file; the graph is counted from it
        (:func:`~cogalign.moralgraph.io.graph_from_votes`) with the cards of ``path`` or
        ``dataset``.
    download
        Let the registry download a dataset that is not found locally.
    """
    from cogalign.moralgraph.io import graph_from_votes, read_mge_json, read_votes

    if (dataset is None) == (path is None):
        raise CogalignError("give exactly one of a dataset name or an MGE export file")
    if dataset is not None:
        from cogalign.data import load

        graph = load(dataset, download=download, progress=False)
        if not isinstance(graph, MoralGraph):
            raise CogalignError(f"dataset {dataset!r} is not a moral graph; use one of {', '.join(DATASETS)}")
    else:
        graph = read_mge_json(path)
    if votes is None:
        return graph
    table = read_votes(votes)
    return graph_from_votes(table, graph.values, source=str(Path(votes)))


def rank_graph(
    graph: MoralGraph,
    method: str = "mge",
    *,
    n_boot: int = 0,
    seed: int = 0,
    resample: str = "auto",
    top_k: int = 10,
    dangling: str = "uniform",
    progress: bool = False,
    **options: Any,
) -> dict[str, Any]:
    """Rank a graph's values and describe the result as plain data.

    Parameters
    ----------
    graph
        The moral graph.
    method
        See :func:`~cogalign.moralgraph.ranking.rank_values`.
    n_boot
        Bootstrap replicates for intervals (0: none; the Bayesian method has posterior
        intervals instead).
    seed, resample, top_k
        See :func:`~cogalign.moralgraph.bootstrap.bootstrap_ranks`.
    dangling
        PageRank treatment of values without a wiser successor.
    progress
        Show progress bars.
    **options
        Passed to the ranking (e.g. Bradley-Terry settings).

    Returns
    -------
    dict
        ``source``, ``method``, ``n_values``, ``n_edges``, ``n_edges_ranked``, ``bootstrap``
        (``None`` or its settings), ``structure`` (:func:`graph_structure`) and ``values``
        (one record per value, best first, with intervals when computed). JSON-able after
        :func:`json_ready`.
    """
    if method == "pagerank":
        options["dangling"] = dangling
    if n_boot and method != "bayes-bradley-terry":
        table = bootstrap_ranks(graph, method, n_boot=n_boot, seed=seed, resample=resample, top_k=top_k,
                                progress=progress, **options)
        boot = {k: table.attrs[k] for k in ("resample", "n_boot", "ci", "top_k")}
    else:
        if method == "bayes-bradley-terry":
            options.setdefault("seed", seed)
        table = rank_values(graph, method, **options)
        boot = None
    return {
        "source": graph.source,
        "method": method,
        "n_values": graph.n_values,
        "n_edges": graph.n_edges,
        "n_edges_ranked": int(table.attrs.get("n_edges", graph.n_edges)),
        "bootstrap": boot,
        "structure": graph_structure(graph),
        "values": table.to_dict("records"),
    }


def demo_section(echo: Callable[[str], Any] | None = None, *, n_boot: int = 200, top: int = 5,
                 datasets: tuple[str, ...] = DATASETS) -> dict[str, Any]:
    """The moral-graph part of ``cogalign demo``: the two MGE graphs ranked, with intervals.

    For each shared graph found locally (never downloaded): the top values by the published
    rule with 95% bootstrap intervals (votes resampled within edges: the export has no votes
    per participant), whether the leak-free PageRank orders them the same, the top value by
    Bradley-Terry, and the cycles of the graph. Missing data is skipped with the reason.

    Returns
    -------
    dict
        ``{"results": [{"dataset", "n_values", "n_edges", "top": [...], "same_order_pagerank",
        "bradley_terry_top", "n_cyclic_triads", "strong_components"}], "skipped": [...]}``
        (JSON-able).
    """
    from cogalign.data import load

    report: dict[str, Any] = {"results": [], "skipped": []}
    if echo:
        echo("\nMoral graph elicitation: values ranked by the published rule (MGE PageRank)")
    for name in datasets:
        try:
            graph = load(name, download=False, progress=False)
        except CogalignError as exc:
            reason = (str(exc).splitlines() or [type(exc).__name__])[0]
            report["skipped"].append({"what": name, "reason": reason})
            if echo:
                echo(f"  skipped {name}: {reason}")
            continue
        boot = bootstrap_ranks(graph, "mge", n_boot=n_boot, seed=0)
        fixed = rank_values(graph, "pagerank")
        bt = rank_values(graph, "bradley-terry")
        structure = graph_structure(graph)
        top_rows = [{"value_id": int(r.value_id), "title": r.title, "score": float(r.score),
                     "rank_low": int(r.rank_low), "rank_high": int(r.rank_high)}
                    for r in boot.head(top).itertuples()]
        entry = {"dataset": name, "n_values": graph.n_values, "n_edges": graph.n_edges, "top": top_rows,
                 "same_order_pagerank": bool((fixed["value_id"].to_numpy() == boot["value_id"].to_numpy()).all()),
                 "bradley_terry_top": str(bt["title"].iloc[0]), "n_cyclic_triads": structure["n_cyclic_triads"],
                 "strong_components": structure["strong_components"]}
        report["results"].append(entry)
        if echo:
            echo(f"  {name}: {graph.n_values} values, {graph.n_edges} edges; 95% rank intervals from "
                 f"{n_boot} bootstrap draws of the votes")
            for r in top_rows:
                echo(f"    {r['title'][:48]:<48} score {r['score']:.4f}  rank {r['rank_low']}-{r['rank_high']}")
            echo(f"    leak-free PageRank, same order: {entry['same_order_pagerank']}; Bradley-Terry top: "
                 f"{entry['bradley_terry_top']}; cyclic triads: {entry['n_cyclic_triads']}")
    return json_ready(report)
