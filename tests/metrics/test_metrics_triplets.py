"""Odd-one-out predictions, agreement, noise ceilings and triplet RDMs."""

from __future__ import annotations

import numpy as np
import pytest

from cogalign.metrics import (
    OddOneOutModel,
    RDMInputError,
    fit_temperature,
    odd_one_out_probabilities,
    predict_odd_one_out,
    rdm_from_triplets,
    triplet_agreement,
    triplet_noise_ceiling,
    triplet_similarity,
    triplets_from_table,
)

# items 0 and 1 are close, 2 is far; 3 is close to 2
EMB = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.8]])


def test_prediction_and_probabilities():
    trip = np.array([[0, 1, 2], [2, 0, 1], [0, 2, 3]])
    np.testing.assert_array_equal(predict_odd_one_out(EMB, trip), [2, 2, 0])
    p = odd_one_out_probabilities(EMB, trip, temperature=0.5)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # explicit softmax for trial 0: position k odd <-> the other pair kept
    s = np.array([EMB[1] @ EMB[2], EMB[0] @ EMB[2], EMB[0] @ EMB[1]]) / 0.5
    np.testing.assert_allclose(p[0], np.exp(s) / np.exp(s).sum())
    # cosine ignores the norm of the embedding rows
    np.testing.assert_allclose(
        odd_one_out_probabilities(EMB * [[1], [5], [2], [3]], trip, similarity="cosine"),
        odd_one_out_probabilities(EMB, trip, similarity="cosine"))


def test_agreement_counts_ties_fractionally():
    emb = np.array([[1.0, 0], [1.0, 0], [1.0, 0]])  # all pairs equally similar
    res = triplet_agreement(emb, [[0, 1, 2]] * 3, [0, 1, 2], temperature=1.0)
    assert res.accuracy == pytest.approx(1 / 3)
    assert res.mean_log_likelihood == pytest.approx(np.log(1 / 3))


def test_agreement_breakdowns():
    trip = np.array([[0, 1, 2], [1, 0, 2], [0, 2, 3], [3, 2, 0]])
    choices = np.array([2, 2, 0, 3])
    parts = np.array(["a", "b", "a", "b"])
    res = triplet_agreement(EMB, trip, choices, parts, temperature=1.0)
    assert res.accuracy == pytest.approx(0.75)
    p = odd_one_out_probabilities(EMB, trip, temperature=1.0)
    pos = np.argmax(trip == choices[:, None], axis=1)
    assert res.log_likelihood == pytest.approx(np.log(p[np.arange(4), pos]).sum())
    np.testing.assert_array_equal(res.per_participant["participant"], ["a", "b"])
    np.testing.assert_allclose(res.per_participant["accuracy"], [1.0, 0.5])
    tri = res.per_triplet
    np.testing.assert_array_equal(tri["n_trials"], [2, 2])
    np.testing.assert_allclose(tri["accuracy"], [1.0, 0.5])
    np.testing.assert_array_equal(tri["model_choice"], [2, 0])
    np.testing.assert_allclose(tri["modal_agreement"], [1.0, 0.5])
    frame = res.participant_frame()
    assert list(frame["n_trials"]) == [2, 2]


def test_fit_temperature_recovers_simulation():
    rng = np.random.default_rng(3)
    emb = rng.normal(size=(30, 4))
    trip = np.array([rng.choice(30, 3, replace=False) for _ in range(6000)])
    true_t = 0.7
    p = odd_one_out_probabilities(emb, trip, temperature=true_t)
    pos = (rng.random(6000)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    choices = trip[np.arange(6000), pos]
    t = fit_temperature(emb, trip, choices)
    assert t == pytest.approx(true_t, rel=0.1)
    res = triplet_agreement(emb, trip, choices)
    assert res.temperature == pytest.approx(t)
    # the fitted temperature beats nearby ones
    ll = [triplet_agreement(emb, trip, choices, temperature=x).log_likelihood
          for x in (0.8 * t, t, 1.25 * t)]
    assert ll[1] >= max(ll[0], ll[2])


def test_noise_ceiling_by_hand():
    trip = np.array([[0, 1, 2], [2, 1, 0], [1, 0, 2], [0, 1, 3], [3, 0, 1]])
    choices = np.array([2, 2, 0, 3, 0])
    parts = np.array(["a", "b", "c", "a", "b"])
    c = triplet_noise_ceiling(trip, choices, parts)
    # triplet {0,1,2}: responses 2,2,0 -> modal 2/3; triplet {0,1,3}: 3,0 -> 1/2
    assert c.modal_agreement == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert c.modal_agreement_trials == pytest.approx(3 / 5)
    # LOPO: a (2 | others 2,0 -> tie -> 1/2), b (2 | 2,0 -> 1/2), c (0 | 2,2 -> 0),
    # a (3 | 0 -> 0), b (0 | 3 -> 0)
    assert c.lopo_majority == pytest.approx((0.5 + 0.5 + 0 + 0 + 0) / 5)
    assert c.n_triplets == 2 and c.n_lopo_trials == 5


def test_noise_ceiling_says_when_it_means_nothing():
    from cogalign.metrics.triplets import MIN_REPEATED_TRIPLETS

    once = np.array([[0, 1, 2], [3, 4, 5], [0, 2, 4]])
    c = triplet_noise_ceiling(once, once[:, 0])
    assert c.modal_agreement == 1.0 and c.n_repeated == 0 and not c.meaningful
    assert "0 of 3 triplets" in c.problem and str(MIN_REPEATED_TRIPLETS) in c.problem
    rng = np.random.default_rng(0)
    base = np.array([rng.choice(30, 3, replace=False) for _ in range(MIN_REPEATED_TRIPLETS)])
    twice = np.repeat(base, 2, axis=0)
    c = triplet_noise_ceiling(twice, twice[:, 0])
    assert c.n_repeated == MIN_REPEATED_TRIPLETS and c.meaningful and c.problem is None
    singles = np.array([rng.choice(np.arange(30, 60), 3, replace=False) for _ in range(11)])
    mostly_once = np.concatenate([twice, singles])
    c = triplet_noise_ceiling(mostly_once, mostly_once[:, 0])
    assert not c.meaningful and "at least half" in c.problem


def test_triplet_similarity_and_rdm():
    trip = np.array([[0, 1, 2], [0, 1, 2], [0, 2, 3]])
    choices = np.array([2, 0, 3])
    sim, shown = triplet_similarity(trip, choices, n_items=5)
    assert shown[0, 1] == 2 and shown[0, 3] == 1 and shown[0, 4] == 0
    assert sim[0, 1] == pytest.approx(0.5)  # kept together once of twice
    assert sim[1, 2] == pytest.approx(0.5)
    assert sim[0, 2] == pytest.approx(1 / 3)
    assert np.isnan(sim[0, 4]) and sim[3, 3] == 1.0
    np.testing.assert_allclose(sim, sim.T)
    rdm = rdm_from_triplets(trip, choices, n_items=5)
    iu, ju = np.triu_indices(5, 1)
    np.testing.assert_allclose(rdm, 1 - sim[iu, ju])


def test_input_errors():
    with pytest.raises(RDMInputError, match="not one of its items"):
        triplet_agreement(EMB, [[0, 1, 2]], [3])
    with pytest.raises(RDMInputError, match="repeats an item"):
        predict_odd_one_out(EMB, [[0, 0, 2]])
    with pytest.raises(RDMInputError, match="rows"):
        predict_odd_one_out(EMB, [[0, 1, 9]])
    with pytest.raises(ValueError, match="similarity"):
        predict_odd_one_out(EMB, [[0, 1, 2]], similarity="l2")


def test_estimator():
    trip = np.array([[0, 1, 2], [0, 2, 3], [1, 2, 3]])
    choices = np.array([2, 0, 1])
    model = OddOneOutModel(temperature=0.5)
    assert model.fit(EMB) is model
    assert model.temperature_ == 0.5
    np.testing.assert_array_equal(model.predict(trip), predict_odd_one_out(EMB, trip))
    assert model.score(trip, choices) == pytest.approx(1.0)
    np.testing.assert_allclose(model.predict_proba(trip),
                               odd_one_out_probabilities(EMB, trip, temperature=0.5))
    fitted = OddOneOutModel().fit(EMB, trip, choices)
    assert fitted.temperature_ > 0
    with pytest.raises(ValueError, match="needs triplets"):
        OddOneOutModel().fit(EMB)


@pytest.mark.realdata
def test_things_triplets_ceiling(load_dataset):
    table = load_dataset("things-triplets-test")
    data = triplets_from_table(table)
    assert data.triplets.shape == (20000, 3)
    ceiling = triplet_noise_ceiling(data.triplets, data.choices, data.participants)
    assert round(ceiling.modal_agreement, 4) == 0.6722
    assert ceiling.n_triplets == 1000
    assert 0.55 < ceiling.lopo_majority < ceiling.modal_agreement
    # a random embedding is at chance, with per-participant rows for all 325 people
    emb = np.abs(np.random.default_rng(0).normal(size=(1854, 10)))
    res = triplet_agreement(emb, data.triplets, data.choices, data.participants)
    assert abs(res.accuracy - 1 / 3) < 0.02
    assert len(res.per_participant["participant"]) == 325
    assert res.per_participant["n_trials"].sum() == 20000
