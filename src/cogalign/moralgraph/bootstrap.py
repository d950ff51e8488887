"""Rank intervals by the bootstrap: over participants when votes are known, else over votes.

Two ways to redraw a moral graph, chosen by what the data holds:

``resample="participants"``
    Needs the tidy vote table (``graph.votes``): draw participants with replacement, keep all
    votes of every draw (a participant drawn twice votes twice), and count the graph again
    with :func:`~cogalign.moralgraph.io.graph_from_votes`. This is the bootstrap over the
    people who took part, and keeps each person's votes together.

``resample="votes"``
    For a graph known only by its counts (the published MGE export holds no votes per
    participant). The impressions of an edge ``a -> b`` are the votes cast on ``a -> b`` and
    on ``b -> a``; each falls in one of five classes: wiser, not wiser, unsure (on
    ``a -> b``), wiser on ``b -> a`` (counted as less wise) and any other vote on ``b -> a``.
    Each edge's impressions are redrawn from a multinomial with the observed class shares,
    independently across edges. It ignores that one person cast several votes, and an
    export keeps only the edges that passed the filter, so an edge that was filtered out
    can never come back: the intervals are conditional on the published edge set and tend to
    be narrower than a participant bootstrap would give.

In every replicate the graph is ranked again, filter included (so an edge may drop out). A
value with no score in a replicate (all its edges filtered out) gets score 0 there for the
PageRank methods (it holds no rank mass) and is ranked after every scored value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from cogalign.data.containers import MORAL_GRAPH_COUNTS, MoralGraph
from cogalign.errors import CogalignError
from cogalign.metrics import percentile_interval
from cogalign.moralgraph.io import graph_from_votes
from cogalign.moralgraph.ranking import edge_statistics, rank_values

__all__ = ["RESAMPLE", "bootstrap_ranks", "resample_edge_votes", "resample_participants", "resampled_graphs"]

#: Bootstrap schemes of :func:`bootstrap_ranks`.
RESAMPLE: tuple[str, ...] = ("auto", "participants", "votes")


def resample_edge_votes(edges: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One bootstrap draw of every edge's votes (the ``"votes"`` scheme of the module docstring).

    Returns
    -------
    pandas.DataFrame
        The edges with new counts and recomputed ``wiser_likelihood`` and ``entropy``.
    """
    counts = edges[list(MORAL_GRAPH_COUNTS)].to_numpy(dtype=np.int64)
    voted = counts[:, :4]
    other = counts[:, 4] - voted.sum(axis=1)
    if (other < 0).any():
        row = int(np.flatnonzero(other < 0)[0])
        raise CogalignError(f"edge row {row + 1}: fewer impressions than votes; cannot resample")
    classes = np.column_stack([voted, other])
    total = counts[:, 4]
    new = np.zeros_like(classes)
    for i in np.flatnonzero(total > 0):
        new[i] = rng.multinomial(total[i], classes[i] / total[i])
    out = edges.copy()
    for j, column in enumerate(MORAL_GRAPH_COUNTS[:4]):
        out[column] = new[:, j]
    out["impressions"] = total
    return edge_statistics(out)


def resample_participants(votes: pd.DataFrame, rng: np.random.Generator, *, replicate: int = 0) -> pd.DataFrame:
    """One bootstrap draw of participants (all their votes kept, ids made unique per draw)."""
    codes, ids = pd.factorize(votes["participant_id"], sort=False)
    if len(ids) == 0:
        raise CogalignError("no participants to resample")
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(ids) + 1))
    drawn = rng.choice(len(ids), size=len(ids), replace=True)
    rows = np.concatenate([order[bounds[i]:bounds[i + 1]] for i in drawn])
    sizes = bounds[drawn + 1] - bounds[drawn]
    out = votes.iloc[rows].reset_index(drop=True)
    labels = np.array([f"{ids[i]}#{replicate}.{k}" for k, i in enumerate(drawn)], dtype=object)
    out["participant_id"] = np.repeat(labels, sizes)
    return out


def _scheme(graph: MoralGraph, resample: str) -> str:
    if resample not in RESAMPLE:
        raise CogalignError(f"resample must be one of {RESAMPLE}, got {resample!r}")
    if resample == "auto":
        return "participants" if graph.votes is not None else "votes"
    if resample == "participants" and graph.votes is None:
        raise CogalignError(
            f"{graph.source or 'this graph'} holds vote counts, not votes per participant; "
            "use resample='votes' (or give a tidy vote table)")
    return resample


def resampled_graphs(graph: MoralGraph, n_boot: int, *, seed: int = 0, resample: str = "auto") -> Iterator[MoralGraph]:
    """Yield ``n_boot`` bootstrap copies of a graph (see the module docstring for the schemes)."""
    scheme = _scheme(graph, resample)
    rng = np.random.default_rng(seed)
    for b in range(n_boot):
        if scheme == "participants":
            votes = resample_participants(graph.votes, rng, replicate=b)
            yield graph_from_votes(votes, graph.values, source=f"{graph.source} (bootstrap {b})", check=False)
        else:
            yield MoralGraph(graph.values, resample_edge_votes(graph.edges, rng),
                             source=f"{graph.source} (bootstrap {b})")


def _replicate_ranks(scores: np.ndarray) -> np.ndarray:
    """Rank (1 = best, ties share the best) per row; NaN scores rank after every number."""
    table = pd.DataFrame(scores.T)
    return table.rank(ascending=False, method="min", na_option="bottom").to_numpy().T


def bootstrap_ranks(
    graph: MoralGraph,
    method: str = "mge",
    *,
    n_boot: int = 1000,
    seed: int = 0,
    resample: str = "auto",
    ci: float = 0.95,
    top_k: int = 10,
    progress: bool = False,
    **options: Any,
) -> pd.DataFrame:
    """Rank a graph's values with bootstrap intervals on their scores and ranks.

    Parameters
    ----------
    graph
        The moral graph (with ``votes`` for the participant bootstrap).
    method
        Ranking method of :func:`~cogalign.moralgraph.ranking.rank_values` (not
        ``"bayes-bradley-terry"``, which has posterior intervals of its own).
    n_boot
        Bootstrap replicates.
    seed
        Random seed.
    resample
        ``"auto"`` (participants when the graph has votes, else votes), ``"participants"`` or
        ``"votes"``.
    ci
        Interval level.
    top_k
        Report the probability of being among the ``top_k`` wisest values.
    progress
        Show a progress bar.
    **options
        Passed to :func:`~cogalign.moralgraph.ranking.rank_values`.

    Returns
    -------
    pandas.DataFrame
        The point ranking of :func:`~cogalign.moralgraph.ranking.rank_values` plus
        ``score_low``, ``score_high``, ``rank_low``, ``rank_high``, ``p_top_k`` (share of
        replicates with the value among the ``top_k``) and ``p_ranked`` (share of replicates
        in which the value had a score). ``attrs``: ``resample``, ``n_boot``, ``ci``,
        ``top_k``, ``method``.
    """
    from tqdm.auto import tqdm

    if method == "bayes-bradley-terry":
        raise CogalignError("the Bayesian Bradley-Terry ranking has posterior intervals; "
                            "use rank_values(graph, 'bayes-bradley-terry') instead of the bootstrap")
    if n_boot < 1:
        raise CogalignError("n_boot must be at least 1")
    scheme = _scheme(graph, resample)
    point = rank_values(graph, method, **options)
    ids = point["value_id"].to_numpy()
    scores = np.full((n_boot, len(ids)), np.nan)
    bar = tqdm(total=n_boot, disable=not progress, desc=f"bootstrap {method}", unit="replicate")
    for b, g in enumerate(resampled_graphs(graph, n_boot, seed=seed, resample=scheme)):
        table = rank_values(g, method, **options)
        scores[b] = pd.Series(table["score"].to_numpy(), index=table["value_id"]).reindex(ids).to_numpy()
        bar.update(1)
    bar.close()
    ranked = np.isfinite(scores)
    ranks = _replicate_ranks(scores)
    if method in ("mge", "pagerank"):
        scores = np.where(ranked, scores, 0.0)
    out = point.copy()
    out["score_low"], out["score_high"] = percentile_interval(scores, ci)
    lo, hi = 100 * (1 - ci) / 2, 100 * (1 + ci) / 2
    out["rank_low"] = np.percentile(ranks, lo, axis=0, method="lower").astype(np.int64)
    out["rank_high"] = np.percentile(ranks, hi, axis=0, method="higher").astype(np.int64)
    out["p_top_k"] = (ranks <= top_k).mean(axis=0)
    out["p_ranked"] = ranked.mean(axis=0)
    out.attrs.update(point.attrs)
    out.attrs.update(resample=scheme, n_boot=n_boot, ci=ci, top_k=top_k, method=method)
    return out
