"""Deduplicating values cards: near-identical cards merged, every merge recorded.

Interviews with many people produce cards that say the same thing in other words (the MGE
app merged them into "canonical" cards). :func:`find_duplicates` proposes merges:

1. every card is embedded as text (title, description, attention policies) with a sentence
   model through :func:`cogalign.llm.embed` (or given embeddings), and every pair whose cosine
   similarity reaches ``threshold`` is a **candidate**;
2. where a judge model is given, it is asked whether each candidate pair describes the same
   value (template ``same-value``, both card orders and both answer orders), and the pair is
   merged when the mean probability of "same" exceeds ``judge_threshold``; without a judge
   every candidate is merged;
3. merged pairs are joined into clusters (connected components); each cluster keeps its card
   with the lowest id.

:func:`merge_duplicates` applies the merges to a graph: edges (and votes) are moved onto the
kept cards, edges that now join the same two cards are added up, and edges inside a cluster
are dropped. The graph's ``merges`` table lists every merged card, what it was merged into,
why, and how many edges and impressions moved or were dropped; nothing is merged silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cogalign.data.containers import MORAL_GRAPH_COUNTS, MoralGraph
from cogalign.errors import CogalignError
from cogalign.moralgraph.cards import render_card
from cogalign.moralgraph.io import edges_frame
from cogalign.moralgraph.ranking import edge_statistics

__all__ = ["Deduplication", "find_duplicates", "merge_duplicates"]


@dataclass
class Deduplication:
    """Proposed merges of values cards.

    Attributes
    ----------
    candidates
        Every pair at or above the similarity threshold: ``value_a``, ``value_b``,
        ``similarity``, ``p_same`` (the judge's probability, NaN without a judge), ``merge``
        (bool), ``reason``.
    merges
        One row per card merged into another: ``kept_id``, ``merged_id``, ``kept_title``,
        ``merged_title``, ``similarity`` (cosine, merged card vs kept card), ``p_same``,
        ``method`` (``"embedding"`` or ``"embedding+judge"``).
    threshold, judge_threshold
        The settings used.
    model_id, judge_id
        Identities of the embedding and judge models (judge None when not used).
    """

    candidates: pd.DataFrame
    merges: pd.DataFrame
    threshold: float
    judge_threshold: float | None
    model_id: str
    judge_id: str | None = None


def _similarity(embeddings: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
    if (norms == 0).any():
        raise CogalignError("a card has an all-zero embedding; cosine similarity is undefined")
    unit = embeddings / norms
    return unit @ unit.T


def _judge_pairs(values: pd.DataFrame, pairs: list[tuple[int, int]], judge_model: Any, progress: bool) -> np.ndarray:
    from cogalign.llm import judge
    from cogalign.llm.tasks import load_task

    task = load_task("same-value")
    text = {int(r["id"]): render_card(r) for r in values.to_dict("records")}
    rows = []
    for a, b in pairs:
        rows.append({"card_a": text[a], "card_b": text[b]})
        rows.append({"card_a": text[b], "card_b": text[a]})
    out = judge(pd.DataFrame(rows), task, judge_model, permutations="all", progress=progress)
    p = out["p_same"].to_numpy(dtype=float).reshape(-1, 2)
    return np.nanmean(p, axis=1) if np.isfinite(p).any() else np.full(len(pairs), np.nan)


def find_duplicates(
    values: pd.DataFrame | MoralGraph,
    *,
    embeddings: np.ndarray | None = None,
    model: Any = "minilm-l6",
    threshold: float = 0.9,
    judge_model: Any = None,
    judge_threshold: float = 0.5,
    progress: bool = False,
) -> Deduplication:
    """Propose merges of near-identical values cards (see the module docstring).

    Parameters
    ----------
    values
        The cards (:attr:`~cogalign.data.MoralGraph.values`) or a graph.
    embeddings
        ``(n_cards, width)`` card embeddings in the order of ``values`` (computed with
        ``model`` when None).
    model
        Sentence model for the embeddings (last layer, its own pooling).
    threshold
        Cosine similarity at or above which a pair is a candidate.
    judge_model
        Optional local causal model or :class:`cogalign.llm.ChatClient` that confirms each
        candidate.
    judge_threshold
        Probability of "same" above which the judge merges a pair.
    progress
        Show progress bars.
    """
    table = values.values if isinstance(values, MoralGraph) else values
    ids = table["id"].astype(int).to_numpy()
    if embeddings is None:
        from cogalign.llm import embed

        texts = [render_card(r) for r in table.to_dict("records")]
        reps = embed(texts, model=model, layers=-1, pooling="sentence", progress=progress)
        embeddings = reps.layer(-1)
        model_id = str(reps.model_id) if hasattr(reps, "model_id") else str(model)
    else:
        model_id = "given embeddings"
    emb = np.asarray(embeddings, dtype=np.float64)
    if emb.ndim != 2 or len(emb) != len(ids):
        raise CogalignError(f"embeddings must be (n_cards, width) with n_cards = {len(ids)}, got {emb.shape}")
    sim = _similarity(emb)
    i, j = np.triu_indices(len(ids), k=1)
    hit = sim[i, j] >= threshold
    pairs = [(int(ids[a]), int(ids[b])) for a, b in zip(i[hit], j[hit], strict=True)]
    cand = pd.DataFrame({"value_a": [p[0] for p in pairs], "value_b": [p[1] for p in pairs],
                         "similarity": sim[i[hit], j[hit]]})
    judge_id = None
    if judge_model is not None and pairs:
        cand["p_same"] = _judge_pairs(table, pairs, judge_model, progress)
        cand["merge"] = cand["p_same"].to_numpy() > judge_threshold
        cand["reason"] = np.where(cand["merge"], "similar and judged the same", "similar but judged different")
        judge_id = str(getattr(judge_model, "model_id", judge_model))
    else:
        cand["p_same"] = np.nan
        cand["merge"] = True
        cand["reason"] = f"cosine similarity >= {threshold:g}"
    parent = {int(v): int(v) for v in ids}

    def root(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for a, b in cand.loc[cand["merge"], ["value_a", "value_b"]].itertuples(index=False):
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    index = {int(v): k for k, v in enumerate(ids)}
    titles = dict(zip(ids, table["title"], strict=True))
    p_same = {(int(a), int(b)): p for a, b, p in cand[["value_a", "value_b", "p_same"]].itertuples(index=False)}
    rows = []
    for v in ids:
        kept = root(int(v))
        if kept == v:
            continue
        rows.append({"kept_id": kept, "merged_id": int(v), "kept_title": titles[kept], "merged_title": titles[v],
                     "similarity": float(sim[index[kept], index[int(v)]]),
                     "p_same": p_same.get((min(kept, int(v)), max(kept, int(v))), np.nan),
                     "method": "embedding+judge" if judge_id else "embedding"})
    merges = pd.DataFrame(rows, columns=["kept_id", "merged_id", "kept_title", "merged_title", "similarity",
                                         "p_same", "method"])
    return Deduplication(cand, merges, threshold, judge_threshold if judge_id else None, model_id, judge_id)


def merge_duplicates(graph: MoralGraph, dedup: Deduplication | pd.DataFrame) -> MoralGraph:
    """Apply merges to a graph (see the module docstring).

    Parameters
    ----------
    graph
        The moral graph.
    dedup
        A :class:`Deduplication` or its ``merges`` table (``kept_id``, ``merged_id``).

    Returns
    -------
    MoralGraph
        Merged cards removed, edges and votes moved onto the kept cards and added up,
        statistics recomputed; ``merges`` holds the merge table with ``edges_moved``,
        ``edges_dropped`` and ``impressions_dropped`` per merged card, and ``votes_dropped``
        (votes between two cards of one cluster, which no longer compare anything) when the
        graph has votes (previous merges of the graph kept above them). Votes keep their original ids in ``original_source_value_id``
        and ``original_wiser_value_id``.

    Raises
    ------
    CogalignError
        A merge names a card that is not in the graph, or a kept card that is itself merged.
    """
    merges = (dedup.merges if isinstance(dedup, Deduplication) else dedup).copy()
    known = set(graph.values["id"].astype(int))
    for column in ("kept_id", "merged_id"):
        unknown = sorted(set(merges[column].astype(int)) - known)
        if unknown:
            raise CogalignError(f"merge table: {column} {unknown} not among the graph's values")
    target = dict(zip(merges["merged_id"].astype(int), merges["kept_id"].astype(int), strict=True))
    chained = sorted(set(target.values()) & set(target))
    if chained:
        raise CogalignError(f"merge table: kept cards {chained} are themselves merged into others")

    def move(v: Any) -> int:
        return target.get(int(v), int(v))

    edges = graph.edges.copy()
    src = edges["source_value_id"].map(move)
    wis = edges["wiser_value_id"].map(move)
    touched = edges["source_value_id"].isin(target.keys()) | edges["wiser_value_id"].isin(target.keys())
    inside = (src == wis).to_numpy()
    moved_rows, dropped_rows = edges[touched.to_numpy() & ~inside], edges[inside]

    def per_card(rows: pd.DataFrame) -> pd.Series:
        ends = pd.concat([rows["source_value_id"], rows["wiser_value_id"]])
        return ends[ends.isin(target.keys())].value_counts()

    merges["edges_moved"] = merges["merged_id"].map(per_card(moved_rows)).fillna(0).astype(np.int64)
    merges["edges_dropped"] = merges["merged_id"].map(per_card(dropped_rows)).fillna(0).astype(np.int64)
    imp = pd.concat([dropped_rows.assign(end=dropped_rows["source_value_id"]),
                     dropped_rows.assign(end=dropped_rows["wiser_value_id"])])
    imp = imp[imp["end"].isin(target.keys())].groupby("end")["impressions"].sum()
    merges["impressions_dropped"] = merges["merged_id"].map(imp).fillna(0).astype(np.int64)
    edges["source_value_id"], edges["wiser_value_id"] = src, wis
    edges = edges[~inside]
    rows = []
    for (s, w), group in edges.groupby(["source_value_id", "wiser_value_id"], sort=False):
        contexts: dict[str, None] = {}
        for cs in group["contexts"]:
            contexts.update(dict.fromkeys(cs))
        rows.append({"source_value_id": int(s), "wiser_value_id": int(w), "contexts": tuple(contexts),
                     **{c: int(group[c].sum()) for c in MORAL_GRAPH_COUNTS},
                     "wiser_likelihood": np.nan, "entropy": np.nan, "extra": dict(group["extra"].iloc[0] or {})})
    new_edges = edge_statistics(edges_frame([{**row, "edge_index": n} for n, row in enumerate(rows)]))
    values = graph.values[~graph.values["id"].astype(int).isin(target.keys())].reset_index(drop=True)
    votes = None
    if graph.votes is not None:
        votes = graph.votes.copy()
        votes["original_source_value_id"] = votes["source_value_id"]
        votes["original_wiser_value_id"] = votes["wiser_value_id"]
        votes["source_value_id"] = votes["source_value_id"].map(move)
        votes["wiser_value_id"] = votes["wiser_value_id"].map(move)
        within = (votes["source_value_id"] == votes["wiser_value_id"]).to_numpy()
        counted = votes.loc[within, "original_source_value_id"].where(
            votes.loc[within, "original_source_value_id"].isin(target.keys()),
            votes.loc[within, "original_wiser_value_id"]).value_counts()
        merges["votes_dropped"] = merges["merged_id"].map(counted).fillna(0).astype(np.int64)
        votes = votes[~within].reset_index(drop=True)
    history = merges if graph.merges is None else pd.concat([graph.merges, merges], ignore_index=True)
    return MoralGraph(values, new_edges, votes=votes, merges=history, source=graph.source, meta=dict(graph.meta))
