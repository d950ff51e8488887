"""Individual-level alignment (Turing RSA) on simulated participants and on rsa92."""

from __future__ import annotations

import numpy as np
import pytest

from cogalign.metrics import (
    RDMInputError,
    individual_alignment,
    rdm_from_embedding,
    rdm_noise_ceiling,
    rsa,
)


@pytest.fixture
def humans(rng):
    truth = rng.normal(size=(16, 3))
    people = np.stack([rdm_from_embedding(truth + 0.6 * rng.normal(size=truth.shape))
                       for _ in range(10)])
    return truth, people


def test_scores_by_definition(humans, rng):
    truth, people = humans
    cands = np.stack([rdm_from_embedding(truth), rdm_from_embedding(rng.normal(size=(16, 3)))])
    res = individual_alignment(people, cands, n_boot=0, names=["truth", "noise"])
    # human scores: each participant vs the rank-pooled others; mean = lower noise ceiling
    assert res.human_scores.mean() == pytest.approx(rdm_noise_ceiling(people).lower)
    np.testing.assert_allclose(res.candidate_each, rsa(cands, people), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.diag(res.human_pairwise), 1.0)
    # the noiseless structure beats every human, a random geometry is below every human
    assert res.percentile[0] == 100.0 and res.percentile[1] == 0.0
    assert not res.inside_range.any()
    assert res.p_below[1] == pytest.approx(1 / 11) and res.p_above[0] == pytest.approx(1 / 11)
    np.testing.assert_allclose(res.percentile_ci, np.nan)
    frame = res.to_frame()
    assert list(frame["candidate"]) == ["truth", "noise"]


def test_a_typical_human_is_inside_the_range(humans, rng):
    truth, people = humans
    newcomer = rdm_from_embedding(truth + 0.6 * rng.normal(size=truth.shape))
    res = individual_alignment(people, newcomer, n_boot=60, seed=0)
    assert res.inside_range[0]
    assert 0 < res.percentile[0] < 100
    assert res.percentile_ci[0, 0] <= res.percentile[0] <= res.percentile_ci[0, 1]
    again = individual_alignment(people, newcomer, n_boot=60, seed=0)
    np.testing.assert_array_equal(res.boot_percentiles, again.boot_percentiles)


def test_needs_three_participants(humans):
    _, people = humans
    with pytest.raises(RDMInputError, match="3 participants"):
        individual_alignment(people[:2], people[0])


@pytest.mark.realdata
@pytest.mark.slow
def test_rsa92_brain_and_model_percentiles(rsa92):
    behaviour = rsa92["behaviour"]
    for kind in ("brain", "model"):
        cands = rsa92[kind]
        res = individual_alignment(behaviour, cands, n_boot=40, seed=0)
        assert res.names == tuple(cands.names)
        assert res.percentile.shape == (8,) and res.percentile_ci.shape == (8, 2)
        assert np.all((res.percentile_ci[:, 0] <= res.percentile + 1e-9)
                      & (res.percentile <= res.percentile_ci[:, 1] + 1e-9))
        assert np.all((0 <= res.percentile) & (res.percentile <= 100))
    # the 16 people's own agreement: the lower noise ceiling of rsa92's judgments
    assert res.human_scores.mean() == pytest.approx(
        rdm_noise_ceiling(behaviour.rdms).lower)
    # the animacy model sits among the humans; the RADON model is below all of them
    names = list(rsa92["model"].names)
    assert res.inside_range[names.index("animacy")]
    assert res.percentile[names.index("RADON")] == 0.0
