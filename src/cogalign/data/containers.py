"""Containers for datasets that are not trial tables: stacks of RDMs and moral graphs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError


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


@dataclass(frozen=True)
class MoralGraph:
    """A moral graph: values cards and wisdom-upgrade edges with their vote counts.

    Attributes
    ----------
    values
        One row per values card: ``id``, ``title``, ``instructions_short``,
        ``instructions_detailed``, ``evaluation_criteria`` (list of str).
    edges
        One row per (source value, wiser value, context): ``source_value_id``,
        ``wiser_value_id``, ``context``, ``marked_wiser``, ``marked_not_wiser``,
        ``marked_less_wise``, ``marked_unsure``, ``impressions``, ``wiser_likelihood``,
        ``entropy``, ``edge_index`` (the edge in the source file).
    """

    values: pd.DataFrame
    edges: pd.DataFrame

    @property
    def n_edges(self) -> int:
        """Number of edges as published (an edge may apply to several contexts)."""
        return int(self.edges["edge_index"].nunique())
