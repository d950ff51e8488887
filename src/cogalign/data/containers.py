"""Containers for datasets that are not trial tables: stacks of RDMs and moral graphs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError

__all__ = [
    "MORAL_GRAPH_COUNTS",
    "MORAL_GRAPH_EDGE_COLUMNS",
    "MORAL_GRAPH_VALUE_COLUMNS",
    "MoralGraph",
    "RDMStack",
]


@dataclass(frozen=True)
class RDMStack:
    """Several representational dissimilarity matrices over the same items.

    Attributes
    ----------
    rdms
        ``(n, k, k)`` float64 array of **dissimilarities** (zero diagonal, symmetric).
    names
        One name per RDM.
    kinds
        One kind per RDM, e.g. ``"behaviour"``, ``"brain"``, ``"model"``.
    """

    rdms: np.ndarray
    names: list[str]
    kinds: list[str]

    def __post_init__(self) -> None:
        if self.rdms.ndim != 3 or self.rdms.shape[1] != self.rdms.shape[2]:
            raise CogalignError(f"RDMStack needs an (n, k, k) array, got {self.rdms.shape}")
        if not len(self.names) == len(self.kinds) == len(self.rdms):
            raise CogalignError("RDMStack: names, kinds and rdms differ in length")

    def __len__(self) -> int:
        return len(self.rdms)

    @property
    def n_items(self) -> int:
        """Number of items (rows of each RDM)."""
        return int(self.rdms.shape[1])

    def select(self, kind: str) -> RDMStack:
        """The RDMs of one kind."""
        keep = [i for i, k in enumerate(self.kinds) if k == kind]
        if not keep:
            raise CogalignError(f"no RDMs of kind '{kind}'; kinds: {sorted(set(self.kinds))}")
        return RDMStack(self.rdms[keep], [self.names[i] for i in keep], [kind] * len(keep))


#: Vote-count columns of a moral-graph edge, in the order of the MGE export's ``counts``.
MORAL_GRAPH_COUNTS: tuple[str, ...] = (
    "marked_wiser", "marked_not_wiser", "marked_less_wise", "marked_unsure", "impressions",
)

#: Columns of :attr:`MoralGraph.edges`.
MORAL_GRAPH_EDGE_COLUMNS: tuple[str, ...] = (
    "edge_index", "source_value_id", "wiser_value_id", "contexts", *MORAL_GRAPH_COUNTS,
    "wiser_likelihood", "entropy", "extra",
)

#: Columns of :attr:`MoralGraph.values`.
MORAL_GRAPH_VALUE_COLUMNS: tuple[str, ...] = (
    "id", "title", "instructions_short", "instructions_detailed", "evaluation_criteria", "extra",
)


@dataclass(frozen=True)
class MoralGraph:
    """A moral graph: values cards and wisdom-upgrade edges with their vote counts.

    One row of :attr:`edges` is one ordered pair of values (``source_value_id`` ->
    ``wiser_value_id``), as in the Moral Graph Elicitation (MGE) export: the votes of every
    context are counted together and ``contexts`` lists the contexts they were cast in.
    Reading and writing the export, building a graph from a tidy vote table and ranking the
    values are in :mod:`cogalign.moralgraph`.

    Attributes
    ----------
    values
        One row per values card: ``id`` (int), ``title``, ``instructions_short`` (the card's
        one-sentence description), ``instructions_detailed``, ``evaluation_criteria`` (list of
        str: the attention policies, what someone attends to when choosing by this value) and
        ``extra`` (dict of any other fields of the source, kept for the round trip).
    edges
        One row per ordered pair: ``edge_index`` (position in the source), ``source_value_id``,
        ``wiser_value_id``, ``contexts`` (tuple of str), the vote counts ``marked_wiser``,
        ``marked_not_wiser``, ``marked_less_wise``, ``marked_unsure``, ``impressions``, and the
        summary ``wiser_likelihood`` and ``entropy`` (as published, NaN where absent), and
        ``extra`` (dict of any other fields of the source; those of its ``summary`` under the
        key ``"summary"``).
    votes
        The tidy vote table (schema ``MORAL_VOTES``: one row per participant, context and
        edge) the counts were made from, or None when only counts are known (the MGE export).
    merges
        Values cards merged into others by deduplication (``kept_id``, ``merged_id``, ...), or
        None when nothing was merged.
    source
        Where the graph came from (a file path or a description).
    meta
        Other top-level fields of the source, kept for the round trip.
    """

    values: pd.DataFrame
    edges: pd.DataFrame
    votes: pd.DataFrame | None = None
    merges: pd.DataFrame | None = None
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [c for c in ("id", "title") if c not in self.values.columns]
        missing += [c for c in ("source_value_id", "wiser_value_id", *MORAL_GRAPH_COUNTS)
                    if c not in self.edges.columns]
        if missing:
            raise CogalignError(f"MoralGraph {self.source or ''}: missing columns {missing}".strip())

    @property
    def n_edges(self) -> int:
        """Number of edges (ordered pairs of values)."""
        return len(self.edges)

    @property
    def n_values(self) -> int:
        """Number of values cards."""
        return len(self.values)

    @property
    def contexts(self) -> list[str]:
        """The contexts of the edges, in order of first appearance."""
        seen: dict[str, None] = {}
        for contexts in self.edges.get("contexts", pd.Series(dtype=object)):
            for c in contexts:
                seen.setdefault(c, None)
        return list(seen)

    def titles(self) -> dict[int, str]:
        """Card title by value id."""
        return dict(zip(self.values["id"].astype(int), self.values["title"].astype(str), strict=True))
