r"""Simulated triplet odd-one-out data from a ground-truth embedding.

Choice rule (SPoSE; Hebart et al. 2020): for a triplet ``(i, j, k)`` with similarities
``s_ij = x_i . x_j``, the probability that the pair ``(i, j)`` is kept together, i.e. that
``k`` is chosen as the odd one out, is

.. math:: P(\text{odd} = k) = \frac{\exp(s_{ij}/T)}{\exp(s_{ij}/T) + \exp(s_{ik}/T) + \exp(s_{jk}/T)}

with temperature ``T`` (``T = 1`` is the model SPoSE and VICE fit).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cogalign.metrics.triplets import odd_one_out_probabilities

__all__ = [
    "random_triplets",
    "simulate_triplets",
    "sparse_embedding",
]


def sparse_embedding(
    n_items: int, n_dims: int, *, density: float = 0.3, scale: float = 1.0, seed: int = 0
) -> NDArray[np.float64]:
    """A non-negative, sparse embedding of the kind SPoSE recovers.

    Each weight is non-zero with probability ``density`` and then exponential with mean
    ``scale``; every item gets at least one non-zero dimension.
    """
    rng = np.random.default_rng(seed)
    weights = rng.exponential(scale, size=(n_items, n_dims)) * (rng.random((n_items, n_dims)) < density)
    empty = ~weights.any(axis=1)
    weights[empty, rng.integers(0, n_dims, empty.sum())] = rng.exponential(scale, empty.sum())
    return weights


def random_triplets(n_items: int, n_trials: int, *, seed: int = 0) -> NDArray[np.int64]:
    """``n_trials`` triplets of three distinct items drawn uniformly, ``(n, 3)`` int64."""
    rng = np.random.default_rng(seed)
    out = np.empty((n_trials, 3), dtype=np.int64)
    filled = 0
    while filled < n_trials:
        draw = rng.integers(0, n_items, size=(n_trials - filled, 3))
        ok = (draw[:, 0] != draw[:, 1]) & (draw[:, 0] != draw[:, 2]) & (draw[:, 1] != draw[:, 2])
        draw = draw[ok]
        out[filled : filled + len(draw)] = draw
        filled += len(draw)
    return out


def simulate_triplets(
    embedding: NDArray,
    n_trials: int | None = None,
    *,
    triplets: NDArray | None = None,
    n_participants: int = 1,
    temperature: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Simulate odd-one-out choices from an embedding with the softmax choice rule.

    Parameters
    ----------
    embedding
        ``(n_items, n_dims)`` ground-truth embedding; pair similarity is the dot product.
    n_trials
        Number of random triplets (ignored when ``triplets`` is given).
    triplets
        ``(n, 3)`` item indices to present instead of random ones.
    n_participants
        Trials are dealt round-robin to this many simulated participants.
    temperature
        Softmax temperature ``T``; larger is noisier.
    seed
        Seed for the triplets and the choices.

    Returns
    -------
    pandas.DataFrame
        A tidy triplet table (:data:`cogalign.data.schemas.TRIPLETS`) with ``p_response``,
        the model probability of the simulated choice.
    """
    x = np.asarray(embedding, dtype=np.float64)
    rng = np.random.default_rng(seed)
    if triplets is None:
        if n_trials is None:
            raise ValueError("give n_trials or triplets")
        triplets = random_triplets(len(x), n_trials, seed=int(rng.integers(2**31)))
    t = np.asarray(triplets, dtype=np.int64)
    p = odd_one_out_probabilities(x, t, similarity="dot", temperature=temperature)
    position = (rng.random(len(t))[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    position = np.minimum(position, 2)
    participant = np.arange(len(t)) % n_participants
    table = pd.DataFrame(
        {
            "participant_id": [f"sim{p_:03d}" for p_ in participant],
            "trial": np.arange(len(t)) // n_participants,
            "item_1": t[:, 0],
            "item_2": t[:, 1],
            "item_3": t[:, 2],
            "response": t[np.arange(len(t)), position],
            "p_response": p[np.arange(len(t)), position],
        }
    )
    return table
