"""Simulated raters, and parameter recovery of the individual-level (Turing RSA) analysis."""

from __future__ import annotations

import numpy as np
import pytest

from cogalign.data import validate
from cogalign.data.schemas import PAIRWISE
from cogalign.errors import CogalignError
from cogalign.metrics import rsa
from cogalign.similarity import Rater, RaterPopulation, latent_space, participant_rdms, turing_rsa


def test_table_follows_the_pairwise_schema_and_is_seeded(population):
    table = population.simulate(3, n_repeats=5, seed=2)
    validate(table, PAIRWISE)
    n_pairs = 20 * 19 // 2
    assert len(table) == 3 * (n_pairs + 5)
    assert set(table["rating"].unique()) <= set(range(1, 8))
    assert (table.groupby("participant_id")["repeat"].sum() == 5).all()
    again = population.simulate(3, n_repeats=5, seed=2)
    assert table.equals(again)
    assert not table.equals(population.simulate(3, n_repeats=5, seed=3))


def test_noise_free_ratings_follow_the_latent_distances(population):
    from scipy.spatial.distance import pdist

    plain = Rater("plain", np.ones(4), population.latent)
    expected = population.expected_ratings(plain)
    assert expected.min() >= 1 and expected.max() <= 7
    np.testing.assert_allclose(population.true_rdm(plain),
                               6 * (1 - np.exp(-pdist(population.latent) / population.tau)))


def test_group_rdm_recovers_the_population_geometry(population, ratings):
    truth = population.true_rdm(Rater("mean", np.ones(4), population.latent))
    group = participant_rdms(ratings).mean()
    single = participant_rdms(ratings).rdms[0]
    assert rsa(group, truth) > 0.85
    assert rsa(group, truth) > rsa(single, truth)


def test_more_individual_variation_lowers_agreement_between_people():
    latent = latent_space(16, 3, seed=0)
    low = RaterPopulation(latent, weight_sd=0.1, position_sd=0.05, noise_sd=0.05)
    high = RaterPopulation(latent, weight_sd=1.0, position_sd=0.8, noise_sd=0.05)
    ceil = [turing_rsa(participant_rdms(p.simulate(10, seed=1)).rdms,
                       participant_rdms(p.simulate(1, seed=50, prefix="x")).rdms,
                       n_boot=0).noise_ceiling["lower"] for p in (low, high)]
    assert ceil[0] > ceil[1] + 0.1


def test_turing_rsa_recovers_who_is_human(population, ratings):
    """A newcomer from the population is inside the human range; a distorted rater falls
    below it; the noise-free population geometry is above it (more typical than anyone)."""
    people = participant_rdms(ratings).rdms
    drawn = participant_rdms(population.simulate(1, seed=101, prefix="new")).rdms
    distorted = participant_rdms(population.simulate(1, seed=102, distortion=1.5,
                                                     prefix="odd")).rdms
    mean = population.true_rdm(Rater("mean", np.ones(4), population.latent))
    cands = np.vstack([drawn.vectors, distorted.vectors, mean[None]])
    res = turing_rsa(people, cands, names=["drawn", "distorted", "population mean"],
                     n_boot=100, seed=0)
    verdict = dict(zip(res.table["candidate"], res.table["verdict"], strict=True))
    assert verdict == {"drawn": "inside", "distorted": "below", "population mean": "above"}
    row = res.table.set_index("candidate")
    assert row.loc["distorted", "p_below"] == pytest.approx(1 / 16)
    assert row.loc["drawn", "percentile_low"] <= row.loc["drawn", "percentile"] \
        <= row.loc["drawn", "percentile_high"]
    assert row.loc["distorted", "percentile_high"] < 50


def test_drawn_candidates_are_exchangeable_with_humans():
    """Calibration: a rater drawn from the population falls outside the range of m humans
    with probability 2 / (m + 1); a distorted one almost always does."""
    pop = RaterPopulation(latent_space(12, 3, seed=5), weight_sd=0.5, position_sd=0.3,
                          noise_sd=0.1, step=None)
    m, reps = 9, 60
    inside_drawn, inside_distorted = [], []
    for r in range(reps):
        table = pop.simulate(m + 2, seed=1000 + 7 * r)
        rdms = participant_rdms(table).rdms
        people, newcomer = rdms[list(range(m))], rdms[m]
        odd = participant_rdms(pop.simulate(1, seed=5000 + r, distortion=2.0)).rdms
        res = turing_rsa(people, np.vstack([newcomer.vectors, odd.vectors]), n_boot=0)
        inside_drawn.append(res.table["inside_human_range"].iloc[0])
        inside_distorted.append(res.table["inside_human_range"].iloc[1])
    expected = (m - 1) / (m + 1)
    assert abs(np.mean(inside_drawn) - expected) < 0.15
    assert np.mean(inside_distorted) < 0.1


def test_bad_settings_are_refused():
    with pytest.raises(CogalignError, match="latent"):
        RaterPopulation(np.zeros((2, 3)))
    with pytest.raises(CogalignError, match="labels"):
        RaterPopulation(np.zeros((3, 2)), labels=["a", "a", "b"])
    with pytest.raises(CogalignError, match="scale"):
        RaterPopulation(np.zeros((3, 2)), scale=(7, 1))
