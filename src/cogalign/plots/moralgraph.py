"""Figures for moral graphs.

* :func:`plot_moral_graph`: the graph itself, arrows pointing to the wiser value, node size by
  rank score, edge width by votes, the top values labelled;
* :func:`plot_rank_intervals`: the top values with their bootstrap (or posterior) intervals;
* :func:`plot_vote_calibration`: a model's probability of "wiser" against people's share.

matplotlib is imported when a figure is drawn; each function draws on ``ax`` (or makes a
figure) and returns the axes.
"""

from __future__ import annotations

import os
import textwrap
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["graph_layout", "plot_moral_graph", "plot_rank_intervals", "plot_vote_calibration"]


def _pyplot() -> Any:
    import matplotlib.pyplot as plt

    return plt


def _spring(n: int, pairs: np.ndarray, rng: np.random.Generator, iterations: int) -> np.ndarray:
    """Fruchterman-Reingold positions of one connected component, scaled into the unit square."""
    pos = rng.random((n, 2))
    if n == 1:
        return np.full((1, 2), 0.5)
    k = 1.0 / np.sqrt(n)
    temperature = 0.1
    for step in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=-1), 1e-6)
        force = (delta / dist[..., None] * (k * k / dist)[..., None]).sum(axis=1)
        if len(pairs):
            d = pos[pairs[:, 0]] - pos[pairs[:, 1]]
            length = np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-6)
            pull = d / length * (length * length / k)
            np.add.at(force, pairs[:, 0], -pull)
            np.add.at(force, pairs[:, 1], pull)
        size = np.maximum(np.linalg.norm(force, axis=1, keepdims=True), 1e-9)
        pos += force / size * np.minimum(size, temperature)
        temperature = 0.1 * (1 - (step + 1) / iterations) + 1e-3
    pos -= pos.min(axis=0)
    return pos / np.maximum(pos.max(axis=0), 1e-9)


def graph_layout(nodes: list[int], edges: list[tuple[int, int]], *, seed: int = 0,
                 iterations: int = 300) -> dict[int, np.ndarray]:
    """Force-directed positions (Fruchterman & Reingold 1991), components packed side by side.

    Each connected component is laid out on its own and given a square cell whose side grows
    with the square root of its size; cells fill rows, largest first. Positions lie in the
    unit square.

    Parameters
    ----------
    nodes
        Node ids.
    edges
        ``(a, b)`` pairs (direction ignored).
    seed
        Seed of the starting positions (same seed, same layout).
    iterations
        Steps of the cooling schedule.
    """
    if not nodes:
        return {}
    rng = np.random.default_rng(seed)
    index = {v: i for i, v in enumerate(nodes)}
    parent = list(range(len(nodes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    links = [(index[a], index[b]) for a, b in edges if a in index and b in index]
    for a, b in links:
        parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for i in range(len(nodes)):
        groups.setdefault(root(i), []).append(i)
    components = sorted(groups.values(), key=lambda g: (-len(g), g[0]))
    sides = [np.sqrt(len(g)) for g in components]
    width = max(max(sides), 1.3 * np.sqrt(sum(len(g) for g in components)))
    out: dict[int, np.ndarray] = {}
    x = y = row_height = 0.0
    for members, side in zip(components, sides, strict=True):
        if x + side > width + 1e-9:
            x, y, row_height = 0.0, y + row_height, 0.0
        local = {m: k for k, m in enumerate(members)}
        pairs = np.array([(local[a], local[b]) for a, b in links if a in local and b in local], dtype=np.int64)
        pos = _spring(len(members), pairs.reshape(-1, 2), rng, iterations)
        for m, xy in zip(members, pos, strict=True):
            out[nodes[m]] = np.array([x + (0.1 + 0.8 * xy[0]) * side, y + (0.1 + 0.8 * xy[1]) * side])
        x += side
        row_height = max(row_height, side)
    scale = max(width, y + row_height)
    return {v: xy / scale for v, xy in out.items()}


def plot_moral_graph(
    graph: Any,
    ranking: pd.DataFrame | None = None,
    *,
    method: str = "mge",
    filtered: bool = True,
    top: int = 8,
    ax: Any = None,
    seed: int = 0,
    title: str | None = None,
) -> Any:
    """Draw a moral graph: arrows to the wiser value, nodes sized by score, top values named.

    Parameters
    ----------
    graph
        A :class:`cogalign.data.MoralGraph`.
    ranking
        Output of :func:`cogalign.moralgraph.rank_values` (computed with ``method`` if None).
    method
        Ranking method when ``ranking`` is None.
    filtered
        Draw the edges that pass the published filter (the ones ranked), or all.
    top
        Label this many of the best-ranked values.
    ax
        Axes to draw on.
    seed
        Layout seed.
    title
        Axes title (default: the graph's source and the method).
    """
    from cogalign.moralgraph.ranking import edge_statistics, filter_edges, rank_values

    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 8))
    ranking = rank_values(graph, method) if ranking is None else ranking
    edges = filter_edges(graph.edges) if filtered else edge_statistics(graph.edges)
    pairs = list(zip(edges["source_value_id"].astype(int), edges["wiser_value_id"].astype(int), strict=True))
    nodes = sorted({v for p in pairs for v in p})
    pos = graph_layout(nodes, pairs, seed=seed)
    score = pd.Series(ranking["score"].to_numpy(), index=ranking["value_id"].to_numpy())
    s = score.reindex(nodes).to_numpy(dtype=float)
    finite = np.isfinite(s)
    span = (np.nanmin(s), np.nanmax(s)) if finite.any() else (0.0, 1.0)
    scaled = (s - span[0]) / (span[1] - span[0]) if span[1] > span[0] else np.full(len(s), 0.5)
    sizes = 30 + 600 * np.where(finite, scaled, 0.0)
    votes = edges["impressions"].to_numpy(dtype=float)
    widths = 0.5 + 3.5 * votes / max(votes.max(), 1.0) if len(votes) else []
    for (a, b), w in zip(pairs, widths, strict=True):
        ax.annotate("", xy=pos[b], xytext=pos[a],
                    arrowprops={"arrowstyle": "-|>", "lw": w, "color": "0.55", "alpha": 0.7,
                                "shrinkA": 6, "shrinkB": 9})
    xy = np.array([pos[v] for v in nodes]) if nodes else np.zeros((0, 2))
    points = ax.scatter(xy[:, 0], xy[:, 1], s=sizes, c=np.where(finite, scaled, 0.0), cmap="viridis",
                        edgecolors="k", linewidths=0.5, zorder=3)
    best = ranking.dropna(subset=["score"]).head(top)
    legend = []
    for r in best.itertuples():
        if int(r.value_id) in pos:
            x, y = pos[int(r.value_id)]
            ax.annotate(str(int(r.rank)), (x, y), xytext=(5, 5), textcoords="offset points", fontsize=8,
                        fontweight="bold", zorder=4,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.8, "lw": 0})
            legend.append(f"{int(r.rank)}. " + textwrap.shorten(str(r.title), 40, placeholder="..."))
    if legend:
        ax.text(1.02, 1.0, "\n".join(legend), transform=ax.transAxes, va="top", ha="left", fontsize=8)
    ax.figure.colorbar(points, ax=ax, shrink=0.45, location="bottom", pad=0.02, label="score (scaled)")
    ax.set_xticks([])
    ax.set_yticks([])
    name = os.path.basename(graph.source) if graph.source else "moral graph"
    ax.set_title(title or f"{name}: {ranking.attrs.get('method', method)}, "
                 f"{len(nodes)} values, {len(pairs)} edges", fontsize=9)
    return ax


def plot_rank_intervals(table: pd.DataFrame, *, top: int = 20, ax: Any = None, what: str = "score",
                        title: str | None = None) -> Any:
    """The best-ranked values with their intervals (bootstrap or posterior).

    Parameters
    ----------
    table
        Output of :func:`cogalign.moralgraph.bootstrap_ranks` (or a ranking with
        ``score_low`` / ``score_high`` and ``rank_low`` / ``rank_high``).
    top
        Number of values shown.
    ax
        Axes to draw on.
    what
        ``"score"`` or ``"rank"``: which interval to draw.
    title
        Axes title.
    """
    plt = _pyplot()
    if what not in ("score", "rank"):
        raise ValueError("what must be 'score' or 'rank'")
    rows = table.dropna(subset=["score"]).head(top)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.3 * len(rows) + 1.5))
    y = np.arange(len(rows))[::-1]
    centre = rows[what].to_numpy(dtype=float)
    low, high = rows[f"{what}_low"].to_numpy(dtype=float), rows[f"{what}_high"].to_numpy(dtype=float)
    ax.errorbar(centre, y, xerr=[centre - low, high - centre], fmt="o", color="tab:blue", ecolor="0.5",
                capsize=2)
    ax.set_yticks(y)
    ax.set_yticklabels([textwrap.shorten(str(t), 40, placeholder="...") for t in rows["title"]], fontsize=8)
    ax.set_xlabel("rank (1 = wisest)" if what == "rank" else "score")
    if what == "rank":
        ax.invert_xaxis()
    ci = table.attrs.get("ci", 0.95)
    ax.set_title(title or f"top {len(rows)} values, {int(100 * ci)}% intervals "
                 f"({table.attrs.get('method', '')}, {table.attrs.get('resample', 'posterior')})", fontsize=9)
    return ax


def plot_vote_calibration(agreement: dict[str, Any], *, ax: Any = None, title: str | None = None) -> Any:
    """Reliability diagram of a model's votes against people's (from ``vote_agreement``).

    Parameters
    ----------
    agreement
        Output of :func:`cogalign.moralgraph.vote_agreement` (its ``reliability`` and
        ``per_edge``).
    ax
        Axes to draw on.
    title
        Axes title.
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    per_edge = agreement.get("per_edge")
    if isinstance(per_edge, pd.DataFrame) and len(per_edge):
        ax.scatter(per_edge["model_p_wiser_decisive"], per_edge["human_p_wiser_decisive"], s=14, alpha=0.5,
                   color="0.5", label="edges (human share)")
    rel = pd.DataFrame(agreement.get("reliability", []))
    if len(rel):
        ax.plot(rel["mean_predicted"], rel["observed"], "o-", color="tab:orange", label="binned: majority wiser")
    ax.plot([0, 1], [0, 1], ":", color="k", lw=1)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("model P(wiser)")
    ax.set_ylabel("people: wiser")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(title or f"accuracy {agreement.get('accuracy_decisive', float('nan')):.2f}, "
                 f"ECE {agreement.get('ece', float('nan')):.2f}", fontsize=9)
    return ax
