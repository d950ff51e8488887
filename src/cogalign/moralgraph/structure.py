"""Is the wisdom order consistent? Cycles and intransitive triads of a moral graph.

An edge ``a -> b`` says ``b`` is wiser than ``a``. If wisdom were one linear order the
graph would have no directed cycle. :func:`graph_structure` reports the strongly connected
components with more than one value (every value in one is, through some chain, both wiser
and less wise than every other), the two-way pairs (``a -> b`` and ``b -> a``), and the
triads: among three values joined by three edges, a triad is **transitive** when the edges
are consistent with an order (``a -> b``, ``b -> c``, ``a -> c``) and **intransitive**
(cyclic) when they go round (``a -> b``, ``b -> c``, ``c -> a``).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from cogalign.data.containers import MoralGraph
from cogalign.moralgraph.ranking import filter_edges

__all__ = ["graph_structure", "intransitive_triads", "strong_components"]


def _pairs(edges: pd.DataFrame) -> set[tuple[int, int]]:
    return set(zip(edges["source_value_id"].astype(int), edges["wiser_value_id"].astype(int), strict=True))


def strong_components(edges: pd.DataFrame) -> list[list[int]]:
    """Strongly connected components with more than one value (each a list of value ids).

    A graph whose wisdom edges are consistent with one order has none.
    """
    nodes = sorted({v for p in _pairs(edges) for v in p})
    if not nodes:
        return []
    index = {v: i for i, v in enumerate(nodes)}
    src = [index[int(v)] for v in edges["source_value_id"]]
    dst = [index[int(v)] for v in edges["wiser_value_id"]]
    mat = csr_matrix((np.ones(len(src)), (src, dst)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(mat, directed=True, connection="strong")
    groups: dict[int, list[int]] = {}
    for v, label in zip(nodes, labels, strict=True):
        groups.setdefault(int(label), []).append(v)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g))


def intransitive_triads(edges: pd.DataFrame) -> tuple[list[tuple[int, int, int]], int]:
    """The cyclic triads (``a -> b -> c -> a``) and the number of transitive ones.

    Only triads whose three pairs are each joined in exactly one direction are classified.

    Returns
    -------
    cycles, n_transitive
        Each cycle as ``(a, b, c)`` with ``a`` its smallest id and ``a -> b -> c -> a``.
    """
    pairs = _pairs(edges)
    one_way = {p for p in pairs if (p[1], p[0]) not in pairs}
    neighbours: dict[int, set[int]] = {}
    for a, b in one_way:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    cycles, transitive = set(), 0
    for a in sorted(neighbours):
        for b, c in combinations(sorted(n for n in neighbours[a] if n > a), 2):
            if c not in neighbours.get(b, set()):
                continue
            trio = (a, b, c)
            out_degree = {v: sum((v, u) in one_way for u in trio if u != v) for v in trio}
            if sorted(out_degree.values()) == [1, 1, 1]:
                first = a
                second = next(u for u in trio if (first, u) in one_way)
                third = next(u for u in trio if u not in (first, second))
                cycles.add((first, second, third))
            else:
                transitive += 1
    return sorted(cycles), transitive


def graph_structure(graph: MoralGraph, *, filtered: bool = True) -> dict[str, Any]:
    """Cycles and triads of a graph's wisdom edges.

    Parameters
    ----------
    graph
        The moral graph.
    filtered
        Look at the edges that pass the published filter (the ones PageRank uses), or at all.

    Returns
    -------
    dict
        ``n_edges``, ``n_values`` (touched by the edges), ``strong_components`` (lists of value
        ids), ``two_way_pairs`` (``[a, b]`` with both directions present), ``cyclic_triads``
        (``[a, b, c]``), ``n_transitive_triads``, ``n_cyclic_triads``, ``acyclic``.
    """
    edges = filter_edges(graph.edges) if filtered else graph.edges
    pairs = _pairs(edges)
    two_way = sorted([a, b] for a, b in pairs if a < b and (b, a) in pairs)
    components = strong_components(edges)
    cycles, n_transitive = intransitive_triads(edges)
    return {
        "n_edges": len(edges),
        "n_values": len({v for p in pairs for v in p}),
        "strong_components": components,
        "two_way_pairs": two_way,
        "cyclic_triads": [list(c) for c in cycles],
        "n_transitive_triads": n_transitive,
        "n_cyclic_triads": len(cycles),
        "acyclic": not components,
    }
