r"""Simulated moral-graph studies: participants voting on upgrade edges between known values.

Each value has a latent wisdom :math:`\theta_v`. A participant shown the edge ``s -> w`` in a
context answers "unsure" with probability ``p_unsure``, otherwise "wiser" with probability
:math:`\sigma(\theta_w - \theta_s)` (the Bradley-Terry model of
:mod:`cogalign.moralgraph.bradley_terry`) and "not wiser" otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cogalign.data.containers import MoralGraph
from cogalign.errors import CogalignError
from cogalign.moralgraph.cards import ValuesCard, cards_frame
from cogalign.moralgraph.io import graph_from_votes

__all__ = ["simulate_study"]


def simulate_study(
    n_values: int = 20,
    n_edges: int = 40,
    n_participants: int = 60,
    votes_per_participant: int = 8,
    *,
    contexts: Sequence[str] = ("When parenting", "When in distress"),
    wisdom_sd: float = 1.5,
    p_unsure: float = 0.15,
    p_upward: float = 0.75,
    seed: int = 0,
) -> tuple[MoralGraph, pd.Series]:
    """Simulate a moral-graph study and return its graph (with the vote table) and the truth.

    Parameters
    ----------
    n_values
        Number of values cards (ids 1..n_values).
    n_edges
        Number of candidate upgrade edges (distinct pairs); each gets one context.
    n_participants
        Number of participants (``sim-001``, ...).
    votes_per_participant
        Edges each participant votes on (distinct, drawn at random).
    contexts
        Contexts the edges are drawn in.
    wisdom_sd
        Standard deviation of the latent wisdom.
    p_unsure
        Probability of answering "unsure".
    p_upward
        Probability that a candidate edge points towards the truly wiser value (MGE proposed
        upgrades that people mostly endorsed).
    seed
        Random seed.

    Returns
    -------
    graph, wisdom
        The graph counted by :func:`~cogalign.moralgraph.io.graph_from_votes` (its ``votes``
        hold the simulated table), and the latent wisdom by value id.
    """
    if votes_per_participant > n_edges:
        raise CogalignError("votes_per_participant cannot exceed n_edges")
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, wisdom_sd, size=n_values)
    pairs = [(i, j) for i in range(n_values) for j in range(i + 1, n_values)]
    if n_edges > len(pairs):
        raise CogalignError(f"{n_edges} edges asked for, but {n_values} values have only {len(pairs)} pairs")
    chosen = [pairs[k] for k in rng.choice(len(pairs), size=n_edges, replace=False)]
    edges = []
    for i, j in chosen:
        low, high = (i, j) if theta[i] < theta[j] else (j, i)
        s, w = (low, high) if rng.random() < p_upward else (high, low)
        edges.append((s, w, contexts[int(rng.integers(len(contexts)))]))
    rows = []
    for p in range(n_participants):
        for k in rng.choice(n_edges, size=votes_per_participant, replace=False):
            s, w, c = edges[k]
            if rng.random() < p_unsure:
                vote = "unsure"
            else:
                vote = "wiser" if rng.random() < 1.0 / (1.0 + np.exp(theta[s] - theta[w])) else "not_wiser"
            rows.append({"participant_id": f"sim-{p + 1:03d}", "context": c,
                         "source_value_id": s + 1, "wiser_value_id": w + 1, "vote": vote})
    cards = [ValuesCard(title=f"Value {v + 1}", description=f"Simulated value number {v + 1}.",
                        attention_policies=(f"THING {v + 1} to attend to",), id=v + 1)
             for v in range(n_values)]
    votes = pd.DataFrame(rows)
    graph = graph_from_votes(votes, cards_frame(cards), source=f"simulated study (seed {seed})")
    wisdom = pd.Series(theta, index=pd.Index(np.arange(1, n_values + 1), name="value_id"), name="wisdom")
    return graph, wisdom
