"""Turing RSA and the noise ceiling on ratings of a list of pairs (not full RDMs)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from cogalign.metrics import (
    RDMInputError,
    individual_alignment,
    individual_alignment_pairs,
    pairs_noise_ceiling,
    rdm_noise_ceiling,
)


@pytest.fixture
def ratings():
    rng = np.random.default_rng(3)
    truth = rng.random(45)
    people = truth + 0.4 * rng.standard_normal((6, 45))
    candidates = np.vstack([truth + 0.3 * rng.standard_normal(45), rng.random(45)])
    return people, candidates


@pytest.mark.parametrize("method", ["spearman", "pearson"])
def test_pairs_match_the_rdm_versions_on_a_full_rdm(ratings, method):
    people, candidates = ratings  # 45 pairs: the condensed RDMs of 10 items
    pairs, rdm = pairs_noise_ceiling(people, method), rdm_noise_ceiling(people, method)
    assert pairs.lower == pytest.approx(rdm.lower) and pairs.upper == pytest.approx(rdm.upper)
    ours = individual_alignment_pairs(people, candidates, method, n_boot=0)
    ref = individual_alignment(people, candidates, method, n_boot=0)
    np.testing.assert_allclose(ours.candidate_scores, ref.candidate_scores)
    np.testing.assert_allclose(ours.human_scores, ref.human_scores)
    np.testing.assert_allclose(ours.percentile, ref.percentile)


def test_the_interval_resamples_pairs_and_is_seeded(ratings):
    people, candidates = ratings
    one = individual_alignment_pairs(people, candidates, n_boot=200, seed=1)
    two = individual_alignment_pairs(people, candidates, n_boot=200, seed=1)
    np.testing.assert_array_equal(one.percentile_ci, two.percentile_ci)
    assert ((one.percentile_ci[:, 0] <= one.percentile) &
            (one.percentile <= one.percentile_ci[:, 1])).all()
    assert one.percentile[0] > one.percentile[1]  # the noisy copy of the truth ranks higher
    # the lower ceiling is the people's mean leave-one-out agreement (Spearman with the mean
    # of the others' ranks)
    ranks = np.argsort(np.argsort(people, axis=1), axis=1) + 1.0
    loo = [spearmanr(people[i], np.delete(ranks, i, axis=0).mean(axis=0)).statistic
           for i in range(6)]
    assert pairs_noise_ceiling(people).lower == pytest.approx(np.mean(loo))
    assert one.human_scores.mean() == pytest.approx(pairs_noise_ceiling(people).lower)


def test_missing_pairs_and_wrong_input(ratings):
    people, candidates = ratings
    holes = people.copy()
    holes[0, 3] = np.nan
    with_holes = individual_alignment_pairs(holes, candidates, n_boot=0)
    without = individual_alignment_pairs(np.delete(people, 3, axis=1),
                                         np.delete(candidates, 3, axis=1), n_boot=0)
    np.testing.assert_allclose(with_holes.candidate_scores, without.candidate_scores)
    with pytest.raises(RDMInputError, match="spearman or pearson"):
        individual_alignment_pairs(people, candidates, "kendall")
    with pytest.raises(RDMInputError, match="at least 3 participants"):
        individual_alignment_pairs(people[:2], candidates)
    with pytest.raises(RDMInputError, match="45 pairs, candidates have 44"):
        individual_alignment_pairs(people, candidates[:, :44])
