"""Shared fixtures of the similarity tests: a small simulated rater population."""

from __future__ import annotations

import pytest

from cogalign.similarity import RaterPopulation, latent_space


@pytest.fixture(scope="session")
def population():
    """Twenty items in four categories, raters with attention and position differences."""
    return RaterPopulation(latent_space(20, 4, n_clusters=4, seed=3), weight_sd=0.5,
                           position_sd=0.35, noise_sd=0.08, scale=(1, 7), step=1)


@pytest.fixture(scope="session")
def ratings(population):
    """Fifteen simulated participants, ten repeated pairs each."""
    return population.simulate(15, n_repeats=10, seed=11)
