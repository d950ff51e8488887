"""Fixtures shared by the belief-embedding tests: simulated believers and a fitted space.

The spaces here use :class:`cogalign.beliefs.HashEncoder` (a fixed random vector per text)
instead of a language model, so they load nothing and any structure they show was learned
from the simulated stances.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def believers():
    from cogalign.beliefs import simulate_believers

    return simulate_believers(400, 10, 2, noise=0.3, missing=0.3, seed=3)


@pytest.fixture(scope="session")
def hash_encoder():
    from cogalign.beliefs import HashEncoder

    return HashEncoder(48, seed=1)


@pytest.fixture(scope="session")
def tuned_space(believers, hash_encoder):
    pytest.importorskip("torch")
    from cogalign.beliefs import BeliefSpace

    return BeliefSpace(hash_encoder, max_epochs=40, patience=4, seed=0).fit(believers)
