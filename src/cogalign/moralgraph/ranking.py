r"""Ranking values on a moral graph: the published MGE rule, PageRank done right, and friends.

The published rule (Klingefjord, Lowe & Edelman 2024; the app's ``summarizeGraph`` and
``calculatePageRank`` in github.com/meaningalignment/dft, ``app/values-tools/``):

1. per ordered pair ``a -> b`` (is ``b`` a wiser successor of ``a``?) the counts
   ``markedWiser`` :math:`w`, ``markedNotWiser`` :math:`n`, ``markedLessWise`` :math:`l`,
   ``markedUnsure`` :math:`u` and ``impressions`` :math:`i` (see
   :func:`cogalign.moralgraph.io.graph_from_votes`);
2. **wiser-likelihood** :math:`(w - l) / (w + n + l + u)` (0 when there are no votes);
3. **entropy**: the Shannon entropy in bits of the five counts taken as one distribution,
   :math:`-\sum_k p_k \log_2 p_k` with :math:`p_k = c_k / (w + n + l + u + i)`. The app
   passes the whole ``counts`` object, impressions included, so the impressions count as a
   fifth category; this module does the same, which is what reproduces the published
   numbers;
4. **edge filter**: keep an edge when :math:`w \ge 2` (and :math:`w > 0`), wiser-likelihood
   :math:`\ge 0.33` and entropy :math:`\le 1.69`;
5. **PageRank** over the kept edges, weighted by wiser-likelihood: the nodes are the values
   the kept edges touch; every rank starts at :math:`1/N`; 100 iterations of

   .. math:: r'_v = \frac{1-d}{N} + d \sum_{e: s \to v} r_s \frac{\omega_e}{\sum_{e': s \to \cdot} \omega_{e'}}

   with :math:`d = 0.85` and :math:`\omega` the wiser-likelihood (:func:`mge_pagerank`).

A value with no outgoing edge (often the wisest: nothing was voted wiser than it) passes its
rank on to nobody in that iteration, so the total rank leaks below 1 and the scores are not a
probability distribution (on the shared MGE graphs they sum to about 0.42). :func:`pagerank`
handles such **dangling** values in one of two ways:

``dangling="uniform"``
    the standard treatment (as in :func:`networkx.pagerank`): their rank is spread evenly
    over all values. The scores sum to 1. Because the leaked mass comes back as a uniform
    term, just as the teleport term does, the fixed point is the published one rescaled:
    :math:`r \propto (I - dM)^{-1}\mathbf 1` in both cases, so the **order** of the
    published ranking is not changed by the leak, only its scale (tested).
``dangling="self"``
    a value with no wiser successor keeps its rank (a self-loop): the walk towards wiser
    values stops at the wisest value it reaches, up to the teleport. This credits the
    values nobody found a wiser successor to, and does change the order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cogalign.data.containers import MORAL_GRAPH_COUNTS, MoralGraph
from cogalign.errors import CogalignError

__all__ = [
    "DANGLING",
    "METHODS",
    "edge_statistics",
    "filter_edges",
    "mge_pagerank",
    "pagerank",
    "rank_table",
    "rank_values",
    "vote_entropy",
    "wiser_likelihood",
]

#: Ranking methods of :func:`rank_values`.
METHODS: tuple[str, ...] = ("mge", "pagerank", "bradley-terry", "bayes-bradley-terry")

#: Treatments of values with no outgoing edge in :func:`pagerank`.
DANGLING: tuple[str, ...] = ("uniform", "self")

#: The published edge filter.
MIN_WISER = 2
MIN_LIKELIHOOD = 0.33
MAX_ENTROPY = 1.69


def _counts(edges: pd.DataFrame) -> np.ndarray:
    missing = [c for c in MORAL_GRAPH_COUNTS if c not in edges.columns]
    if missing:
        raise CogalignError(f"edge table lacks the count columns {missing}")
    counts = edges[list(MORAL_GRAPH_COUNTS)].to_numpy(dtype=np.float64)
    if (counts < 0).any():
        row, col = np.argwhere(counts < 0)[0]
        raise CogalignError(f"edge row {row + 1}: negative count in '{MORAL_GRAPH_COUNTS[col]}'")
    return counts


def wiser_likelihood(wiser: Any, not_wiser: Any, less_wise: Any, unsure: Any) -> np.ndarray:
    """The published wiser-likelihood :math:`(w - l) / (w + n + l + u)`, 0 without votes.

    Examples
    --------
    >>> float(wiser_likelihood(3, 0, 0, 1))
    0.75
    """
    w, n, lw, u = (np.asarray(x, dtype=np.float64) for x in (wiser, not_wiser, less_wise, unsure))
    total = w + n + lw + u
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (w - lw) / np.where(total > 0, total, 1.0), 0.0)


def vote_entropy(counts: Any) -> np.ndarray:
    """Shannon entropy (bits) of each row of counts taken as a distribution.

    With the five MGE counts (wiser, not wiser, less wise, unsure, impressions) this is the
    published edge entropy (see the module docstring). Rows of zeros give 0.

    Examples
    --------
    >>> round(float(vote_entropy([3, 0, 0, 1, 4])), 6)
    1.405639
    """
    c = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    total = c.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(total > 0, c / np.where(total > 0, total, 1.0), 0.0)
        terms = np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    out = terms.sum(axis=1)
    return out if np.ndim(counts) > 1 else out[0]


def edge_statistics(edges: pd.DataFrame) -> pd.DataFrame:
    """The edges with ``wiser_likelihood`` and ``entropy`` recomputed from the counts.

    Parameters
    ----------
    edges
        An edge table with the five count columns.

    Returns
    -------
    pandas.DataFrame
        A copy with the two summary columns replaced.
    """
    counts = _counts(edges)
    out = edges.copy()
    out["wiser_likelihood"] = wiser_likelihood(*counts[:, :4].T) if len(out) else np.zeros(0)
    out["entropy"] = vote_entropy(counts) if len(out) else np.zeros(0)
    return out


def filter_edges(
    edges: pd.DataFrame,
    *,
    min_wiser: int = MIN_WISER,
    min_likelihood: float = MIN_LIKELIHOOD,
    max_entropy: float = MAX_ENTROPY,
) -> pd.DataFrame:
    """The edges that pass the published filter (statistics recomputed from the counts).

    An edge is kept when ``marked_wiser >= max(min_wiser, 1)``, wiser-likelihood
    ``>= min_likelihood`` and entropy ``<= max_entropy`` (defaults: 2, 0.33, 1.69, as
    published).
    """
    stats = edge_statistics(edges)
    keep = (
        (stats["marked_wiser"] >= max(min_wiser, 1))
        & (stats["wiser_likelihood"] >= min_likelihood)
        & (stats["entropy"] <= max_entropy)
    )
    return stats[keep.to_numpy()].reset_index(drop=True)


def _node_order(edges: pd.DataFrame) -> list[int]:
    """Nodes in order of first appearance (source, then wiser value of each edge)."""
    seen: dict[int, None] = {}
    for s, w in zip(edges["source_value_id"], edges["wiser_value_id"], strict=True):
        seen.setdefault(int(s), None)
        seen.setdefault(int(w), None)
    return list(seen)


def _transition(edges: pd.DataFrame, weight: str, nodes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    index = {v: i for i, v in enumerate(nodes)}
    n = len(nodes)
    src = np.array([index[int(v)] for v in edges["source_value_id"]], dtype=np.int64)
    dst = np.array([index[int(v)] for v in edges["wiser_value_id"]], dtype=np.int64)
    w = edges[weight].to_numpy(dtype=np.float64)
    out_total = np.bincount(src, weights=w, minlength=n)
    mat = np.zeros((n, n))
    ok = out_total[src] > 0
    np.add.at(mat, (dst[ok], src[ok]), w[ok] / out_total[src[ok]])
    return mat, out_total


def mge_pagerank(
    edges: pd.DataFrame,
    *,
    damping: float = 0.85,
    iterations: int = 100,
    weight: str = "wiser_likelihood",
) -> pd.Series:
    """PageRank exactly as the published app iterates it (rank mass leaks at dangling nodes).

    Parameters
    ----------
    edges
        The (filtered) edges with a ``weight`` column.
    damping, iterations
        0.85 and 100 as published.
    weight
        Edge weight column (the wiser-likelihood).

    Returns
    -------
    pandas.Series
        Score by value id, for the values the edges touch, in order of first appearance.
        The scores sum to less than 1 when some value has no outgoing edge.
    """
    nodes = _node_order(edges)
    n = len(nodes)
    if n == 0:
        return pd.Series(dtype=np.float64, name="score")
    mat, _ = _transition(edges, weight, nodes)
    rank = np.full(n, 1.0 / n)
    for _ in range(iterations):
        rank = (1.0 - damping) / n + damping * (mat @ rank)
    return pd.Series(rank, index=pd.Index(nodes, name="value_id"), name="score")


def pagerank(
    edges: pd.DataFrame,
    *,
    damping: float = 0.85,
    dangling: str = "uniform",
    weight: str = "wiser_likelihood",
    tol: float = 1e-12,
    max_iter: int = 10_000,
) -> pd.Series:
    """Weighted PageRank that keeps every bit of rank (scores sum to 1).

    The random surfer follows an edge ``a -> b`` (towards the wiser value) with probability
    proportional to its weight; with probability ``1 - damping`` it jumps to any value. From
    a value with no outgoing edge (or only edges of weight 0) it jumps to any value
    (``dangling="uniform"``) or stays (``dangling="self"``); see the module docstring. Edges
    with a negative weight are an error.

    Returns
    -------
    pandas.Series
        The stationary distribution by value id (sums to 1), in order of first appearance.
    """
    nodes = _node_order(edges)
    n = len(nodes)
    if n == 0:
        return pd.Series(dtype=np.float64, name="score")
    if (edges[weight].to_numpy(dtype=np.float64) < 0).any():
        raise CogalignError(f"pagerank needs non-negative edge weights ('{weight}')")
    if dangling not in DANGLING:
        raise CogalignError(f"dangling must be one of {DANGLING}, got {dangling!r}")
    mat, out_total = _transition(edges, weight, nodes)
    sinks = out_total <= 0
    spread = dangling == "uniform"
    if not spread:
        mat[np.flatnonzero(sinks), np.flatnonzero(sinks)] = 1.0
    rank = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        leaked = rank[sinks].sum() / n if spread else 0.0
        new = (1.0 - damping) / n + damping * (mat @ rank + leaked)
        new /= new.sum()
        done = np.abs(new - rank).sum() < tol
        rank = new
        if done:
            break
    return pd.Series(rank, index=pd.Index(nodes, name="value_id"), name="score")


def rank_table(scores: pd.Series, graph: MoralGraph, **columns: Any) -> pd.DataFrame:
    """Scores as a table of every value in the graph, best first.

    Values without a score (not touched by the ranked edges) come last with score NaN and no
    rank. Ties share the best rank (``method="min"``).

    Parameters
    ----------
    scores
        Score by value id (higher is wiser).
    graph
        Supplies the titles and the full list of values.
    **columns
        Further columns by value id (Series) to add.
    """
    table = pd.DataFrame({"value_id": graph.values["id"].astype(np.int64).to_numpy(),
                          "title": graph.values["title"].to_numpy()})
    table["score"] = table["value_id"].map(scores).astype(np.float64)
    for name, series in columns.items():
        table[name] = table["value_id"].map(series)
    table["rank"] = table["score"].rank(ascending=False, method="min").astype("Int64")
    table = table.sort_values(["score", "value_id"], ascending=[False, True], na_position="last")
    return table.reset_index(drop=True)


def _degrees(edges: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    n_in = edges.groupby("wiser_value_id").size()
    n_out = edges.groupby("source_value_id").size()
    return n_in, n_out


def rank_values(
    graph: MoralGraph,
    method: str = "mge",
    *,
    filtered: bool = True,
    damping: float = 0.85,
    dangling: str = "uniform",
    **options: Any,
) -> pd.DataFrame:
    """Rank a graph's values, wisest first.

    Parameters
    ----------
    graph
        The moral graph.
    method
        ``"mge"`` (the published rule, see the module docstring), ``"pagerank"`` (same edges
        and weights, no rank lost at dangling values, see :func:`pagerank`), ``"bradley-terry"``
        (L2-penalised maximum likelihood, :class:`~cogalign.moralgraph.bradley_terry.BradleyTerry`)
        or ``"bayes-bradley-terry"`` (NumPyro NUTS,
        :class:`~cogalign.moralgraph.bradley_terry.BayesianBradleyTerry`; adds posterior
        intervals).
    filtered
        PageRank methods: apply the published edge filter first (as the app does). The
        Bradley-Terry methods always use every vote.
    damping
        PageRank damping.
    dangling
        ``"pagerank"`` only: ``"uniform"`` or ``"self"`` (see :func:`pagerank`).
    **options
        Passed to the Bradley-Terry estimator (e.g. ``l2``, ``draws``, ``seed``).

    Returns
    -------
    pandas.DataFrame
        ``value_id``, ``title``, ``score`` (higher is wiser; PageRank mass or Bradley-Terry
        log-strength), ``n_in`` / ``n_out`` (ranked edges into / out of the value), ``rank``
        (1 = wisest), plus ``score_low``, ``score_high``, ``rank_low``, ``rank_high`` for the
        Bayesian method. ``attrs`` hold the method and the number of edges ranked.
    """
    if method not in METHODS:
        raise CogalignError(f"unknown ranking method {method!r}; choose one of {', '.join(METHODS)}")
    if method in ("mge", "pagerank"):
        edges = filter_edges(graph.edges) if filtered else edge_statistics(graph.edges)
        if method == "mge":
            scores = mge_pagerank(edges, damping=damping)
        else:
            scores = pagerank(edges, damping=damping, dangling=dangling)
        n_in, n_out = _degrees(edges)
        table = rank_table(scores, graph, n_in=n_in, n_out=n_out)
    else:
        from cogalign.moralgraph.bradley_terry import BayesianBradleyTerry, BradleyTerry

        model = (BradleyTerry if method == "bradley-terry" else BayesianBradleyTerry)(**options)
        model.fit(graph)
        edges = graph.edges
        n_in, n_out = _degrees(edges)
        cols: dict[str, Any] = {"n_in": n_in, "n_out": n_out}
        if method == "bayes-bradley-terry":
            cols.update(model.intervals_.set_index("value_id")[
                ["score_low", "score_high", "rank_low", "rank_high"]].to_dict("series"))
        table = rank_table(model.scores_, graph, **cols)
    for c in ("n_in", "n_out"):
        table[c] = table[c].fillna(0).astype(np.int64)
    table.attrs.update(method=method, n_edges=len(edges), filtered=bool(filtered))
    return table
