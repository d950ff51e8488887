"""Word-pair alignment, full-matrix RSA, Turing RSA, MDS: reference values and behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cogalign.errors import CogalignError
from cogalign.metrics import (
    bootstrap_rsa,
    individual_alignment,
    pool_rdms,
    rdm_from_embedding,
    rdm_noise_ceiling,
    rsa,
)
from cogalign.similarity import (
    participant_rdms,
    population_spread,
    rsa_alignment,
    second_order_mds,
    spearman,
    turing_rsa,
    word_pair_alignment,
)
from cogalign.similarity.wordpairs import subsample_pairs


@pytest.fixture
def pairs():
    rng = np.random.default_rng(0)
    human = rng.uniform(0, 10, 200)
    good = human + rng.normal(0, 2, 200)
    noise = rng.normal(size=200)
    return human, np.column_stack([noise, good])


def test_spearman_matches_scipy_with_ties_and_nan():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, 50).astype(float)
    y = x + rng.integers(0, 3, 50)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
    x[3] = np.nan
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y, nan_policy="omit")[0])
    assert np.isnan(spearman([1.0, 2.0], [2.0, 1.0]))


def test_word_pair_alignment_per_layer(pairs):
    human, model = pairs
    out = word_pair_alignment(human, model, layers=[3, 6], n_boot=300, seed=2)
    assert out["layer"].tolist() == [3, 6] and out["relative_depth"].tolist() == [0.0, 1.0]
    for j in range(2):
        assert out["spearman"].iloc[j] == pytest.approx(stats.spearmanr(human, model[:, j])[0])
        assert out["pearson"].iloc[j] == pytest.approx(stats.pearsonr(human, model[:, j])[0])
        assert out["ci_low"].iloc[j] < out["spearman"].iloc[j] < out["ci_high"].iloc[j]
    assert abs(out["spearman"].iloc[0]) < 0.2 and out["spearman"].iloc[1] > 0.7
    # similarity vs dissimilarity: flipping the model's sign flips the correlation
    flipped = word_pair_alignment(human, -model[:, 1], n_boot=0)
    assert flipped["spearman"].iloc[0] == pytest.approx(-out["spearman"].iloc[1])
    pd.testing.assert_frame_equal(out, word_pair_alignment(human, model, layers=[3, 6],
                                                           n_boot=300, seed=2))
    # a layer's interval does not depend on the other layers selected
    alone = word_pair_alignment(human, model[:, 1], n_boot=300, seed=2)
    assert alone["ci_low"].iloc[0] == out["ci_low"].iloc[1]


def test_word_pair_alignment_bootstrap_matches_resampling_by_hand(pairs):
    human, model = pairs
    out = word_pair_alignment(human, model[:, 1], n_boot=200, seed=5)
    rng = np.random.default_rng(5)
    draws = rng.integers(0, human.size, size=(200, human.size))
    boots = [stats.spearmanr(human[d], model[d, 1])[0] for d in draws]
    assert out["ci_low"].iloc[0] == pytest.approx(np.percentile(boots, 2.5))
    assert out["ci_high"].iloc[0] == pytest.approx(np.percentile(boots, 97.5))


def test_word_pair_alignment_drops_missing_and_checks_shapes(pairs):
    human, model = pairs
    m = model.copy()
    m[:10, 1] = np.nan
    out = word_pair_alignment(human, m, n_boot=0)
    assert out["n_pairs"].tolist() == [200, 190]
    with pytest.raises(CogalignError, match="n_pairs"):
        word_pair_alignment(human[:5], model)
    with pytest.raises(CogalignError, match="labels"):
        word_pair_alignment(human, model, layers=[1])


def test_subsample_pairs_is_seeded():
    table = pd.DataFrame({"x": range(50)})
    a = subsample_pairs(table, 10, seed=1)
    assert len(a) == 10 and a["x"].is_monotonic_increasing
    assert a.equals(subsample_pairs(table, 10, seed=1))
    assert subsample_pairs(table, None) is table


def test_rsa_alignment_reference_values(population, ratings):
    people = participant_rdms(ratings).rdms
    model = rdm_from_embedding(population.latent)
    noise = rdm_from_embedding(np.random.default_rng(0).normal(size=population.latent.shape))
    out = rsa_alignment(people, np.stack([model, noise]), names=["latent", "noise"],
                        n_boot=100, seed=1)
    per = [stats.spearmanr(model, v)[0] for v in people.vectors]
    assert out["rsa"].iloc[0] == pytest.approx(np.mean(per))
    boot = bootstrap_rsa(people, np.stack([model, noise]), "spearman", n_boot=100, seed=1)
    np.testing.assert_allclose(out["ci_low"], boot.ci_low)
    ceiling = rdm_noise_ceiling(people)
    assert out["noise_ceiling_lower"].iloc[0] == pytest.approx(ceiling.lower)
    assert out["rsa_pooled"].iloc[0] == pytest.approx(rsa(model, pool_rdms(people)))
    assert out["share_of_lower_ceiling"].iloc[0] == pytest.approx(
        out["rsa"].iloc[0] / ceiling.lower)
    assert out["rsa"].iloc[0] > 0.5 > abs(out["rsa"].iloc[1])
    no_boot = rsa_alignment(people, model, n_boot=0)
    assert no_boot["rsa"].iloc[0] == pytest.approx(out["rsa"].iloc[0])
    assert np.isnan(no_boot["ci_low"].iloc[0])


def test_rsa_alignment_matches_rsatoolbox(ratings, population):
    rsatoolbox = pytest.importorskip("rsatoolbox")
    people = participant_rdms(ratings).rdms
    model = rdm_from_embedding(population.latent)
    data = rsatoolbox.rdm.RDMs(people.vectors)
    ours = rsa_alignment(people, model, method="pearson", n_boot=0)
    theirs = rsatoolbox.rdm.compare(rsatoolbox.rdm.RDMs(model[None]), data, method="corr")
    assert ours["rsa"].iloc[0] == pytest.approx(float(np.mean(theirs)), abs=1e-10)
    lower_upper = rsatoolbox.inference.boot_noise_ceiling(data, method="corr")
    assert ours["noise_ceiling_lower"].iloc[0] == pytest.approx(lower_upper[0], abs=1e-8)
    assert ours["noise_ceiling_upper"].iloc[0] == pytest.approx(lower_upper[1], abs=1e-8)


def test_turing_rsa_wraps_individual_alignment(ratings, population):
    people = participant_rdms(ratings).rdms
    cands = np.stack([rdm_from_embedding(population.latent),
                      rdm_from_embedding(population.latent[:, :1])])
    res = turing_rsa(people, cands, names=["full", "one dim"], kinds=["model", "model"],
                     n_boot=50, seed=3)
    ref = individual_alignment(people, cands, n_boot=0)
    np.testing.assert_allclose(res.table["score"], ref.candidate_scores)
    np.testing.assert_allclose(res.table["percentile"], ref.percentile)
    np.testing.assert_allclose(res.humans["score"], ref.human_scores)
    assert res.noise_ceiling["lower"] == pytest.approx(ref.human_scores.mean())
    assert list(res.table["kind"]) == ["model", "model"]
    assert set(res.table["verdict"]) <= {"inside", "below", "above"}
    assert res.table["group_rsa"].iloc[0] == pytest.approx(
        np.mean([stats.spearmanr(cands[0], v)[0] for v in people.vectors]))
    out = res.to_dict()
    assert out["n_participants"] == 15 and len(out["candidates"]) == 2
    again = turing_rsa(people, cands, names=["full", "one dim"], kinds=["model", "model"],
                       n_boot=50, seed=3)
    pd.testing.assert_frame_equal(res.table, again.table)
    with pytest.raises(CogalignError, match="3 participants"):
        turing_rsa(people[[0, 1]], cands)
    with pytest.raises(CogalignError, match="items"):
        turing_rsa(people, rdm_from_embedding(np.ones((5, 2)) + np.eye(5, 2)))


def test_population_spread(ratings, population):
    people = participant_rdms(ratings).rdms
    clones = np.stack([rdm_from_embedding(population.latent)] * 4)
    spread = population_spread(people, clones)
    assert spread["synthetic_mean"] == pytest.approx(1.0)
    assert spread["synthetic_sd"] == pytest.approx(0.0, abs=1e-12)
    pair = rsa(people, people)
    assert spread["human_mean"] == pytest.approx(pair[~np.eye(15, dtype=bool)].mean())
    assert spread["n_human"] == 15 and spread["n_synthetic"] == 4


def test_classical_mds_reproduces_euclidean_distances():
    from scipy.spatial.distance import pdist, squareform

    from cogalign.similarity.mds import classical_mds

    x = np.random.default_rng(0).normal(size=(12, 3))
    d = squareform(pdist(x))
    coords = classical_mds(d, 3)
    np.testing.assert_allclose(squareform(pdist(coords)), d, atol=1e-10)
    assert classical_mds(d, 5).shape == (12, 5)
    np.testing.assert_array_equal(classical_mds(d), classical_mds(d))


def test_second_order_mds_places_rdms_by_their_agreement():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 4))
    rdms = np.stack([rdm_from_embedding(x + s * rng.normal(size=x.shape))
                     for s in (0.0, 0.1, 0.2, 1.0, 3.0)])
    coords, d = second_order_mds(rdms, "pearson")
    assert coords.shape == (5, 2) and np.allclose(np.diag(d), 0)
    np.testing.assert_allclose(d, 1 - rsa(rdms, rdms, "pearson"), atol=1e-12)
    # the noisiest RDM is the farthest from the noise-free one
    assert np.argmax(np.linalg.norm(coords - coords[0], axis=1)) == 4


@pytest.mark.realdata
def test_rsa92_turing_table(load_dataset):
    from cogalign.similarity import rsa92_turing

    stack = load_dataset("rsa92")
    res = rsa92_turing(stack, n_boot=30, seed=0)
    assert len(res.table) == 16 and res.n_participants == 16 and res.n_items == 92
    assert res.table["kind"].value_counts().to_dict() == {"brain": 8, "model": 8}
    assert list(res.humans["participant"][:2]) == ["subject1", "subject2"]
    people = stack.select("behaviour").rdms
    ref = individual_alignment(people, stack.select("model").rdms, n_boot=0)
    models = res.table[res.table["kind"] == "model"]
    np.testing.assert_allclose(models["percentile"], ref.percentile)
    # published structure: the categorical models (animacy, face/body/man-made/natural)
    # agree with individual people better than low-level image models do
    row = res.table.set_index("candidate")
    assert row.loc["animacy", "score"] > row.loc["V1", "score"]
    assert row.loc["RADON", "verdict"] == "below"
