"""Fixtures for the metrics tests: random RDMs and the rsa92 stack split by kind."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist


def random_rdms(rng: np.random.Generator, m: int, n: int, ties: bool = False) -> np.ndarray:
    """``m`` condensed RDMs over ``n`` items from noisy embeddings of a shared structure."""
    base = rng.normal(size=(n, 4))
    out = np.stack([pdist(base + rng.normal(size=base.shape)) for _ in range(m)])
    if ties:
        out = np.round(out)
    return out


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def rsa92(load_dataset):
    """The rsa92 stack as a dict of (RDMs, names) by kind; skips when absent."""
    stack = load_dataset("rsa92")
    return {kind: stack.select(kind) for kind in ("behaviour", "brain", "model")}


@pytest.fixture
def make_rdms():
    """The :func:`random_rdms` helper."""
    return random_rdms
