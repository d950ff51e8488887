"""Feature SPoSE and cross-validation split by triplet: recovery on items never seen in training."""

import json

import numpy as np
import pandas as pd
import pytest

from cogalign.errors import CogalignError
from cogalign.triplets import (
    FeatureSPoSE,
    cosine_similarity,
    cross_validate,
    similarity_accuracy,
    simulate_triplets,
    triplet_folds,
)
from cogalign.triplets.arrays import shown_triplets

pytest.importorskip("torch")
N_ITEMS, N_FEATURES, N_TRUE = 300, 20, 6


@pytest.fixture(scope="module")
def world():
    """Items with features; the true embedding is a sparse non-negative map of the features."""
    rng = np.random.default_rng(3)
    features = rng.normal(size=(N_ITEMS, N_FEATURES))
    w = rng.normal(size=(N_FEATURES, N_TRUE)) * (rng.random((N_FEATURES, N_TRUE)) < 0.4)
    truth = 1.2 * np.maximum(features @ w / np.sqrt(0.4 * N_FEATURES) - 0.3, 0.0)
    seen = np.arange(200)
    unseen = np.arange(200, N_ITEMS)
    train_triplets = np.stack([rng.choice(seen, 3, replace=False) for _ in range(8_000)])
    test_triplets = np.stack([rng.choice(unseen, 3, replace=False) for _ in range(3_000)])
    train = simulate_triplets(truth, triplets=train_triplets, n_participants=20, seed=4)
    test = simulate_triplets(truth, triplets=test_triplets, n_participants=20, seed=5)
    return features, truth, train, test


def truth_accuracy(truth, test):
    return similarity_accuracy(truth @ truth.T, test)


def test_feature_spose_generalises_to_items_never_seen(world):
    features, truth, train, test = world
    model = FeatureSPoSE(n_dims=20, alpha=(0.001, 0.01), progress=False, seed=0).fit(train, features)
    ceiling = truth_accuracy(truth, test)
    assert ceiling > 0.5
    # every test item is outside the training items, yet accuracy is within two points of
    # the generating embedding's, and the similarity structure of the new items is recovered
    assert model.score(test) > ceiling - 0.02
    new = np.arange(200, N_ITEMS)
    iu = np.triu_indices(len(new), 1)
    fitted = model.similarity_matrix()[np.ix_(new, new)][iu]
    assert np.corrcoef(fitted, (truth[new] @ truth[new].T)[iu])[0, 1] > 0.9
    assert set(model.alpha_scores_) == {0.001, 0.01}
    assert model.alpha_ == max(model.alpha_scores_, key=model.alpha_scores_.get)
    assert 1 <= model.n_dims_ <= 20


def test_a_free_spose_cannot_predict_unseen_items_but_feature_spose_can(world):
    from cogalign.triplets import SPoSE

    features, _, train, test = world
    free = SPoSE(n_dims=10, n_items=N_ITEMS, epochs=30, progress=False).fit(train)
    feat = FeatureSPoSE(n_dims=20, alpha=0.01, progress=False).fit(train, features)
    assert abs(free.score(test) - 1 / 3) < 0.05
    assert feat.score(test) > free.score(test) + 0.15


def test_transform_save_and_load_agree(world, tmp_path):
    features, _, train, _ = world
    small = train.iloc[:3000]
    model = FeatureSPoSE(n_dims=8, alpha=[0.01, 0.1], epochs=30, progress=False).fit(small, features)
    np.testing.assert_allclose(model.transform(features), model.embedding_, atol=1e-5)
    path = model.save(tmp_path / "feature_spose")
    again = FeatureSPoSE.load(path)
    np.testing.assert_array_equal(again.embedding_, model.embedding_)
    np.testing.assert_allclose(again.transform(features[:5]), model.transform(features[:5]))
    assert again.get_params() == model.get_params()
    refit = FeatureSPoSE(n_dims=8, alpha=[0.01, 0.1], epochs=30, progress=False).fit(small, features)
    np.testing.assert_array_equal(refit.embedding_, model.embedding_)


def test_bad_features_are_named(world):
    features, _, train, _ = world
    with pytest.raises(CogalignError, match="only 10 rows"):
        FeatureSPoSE(progress=False).fit(train, features[:10])
    broken = features.copy()
    broken[7, 3] = np.nan
    with pytest.raises(CogalignError, match="row 7, column 3"):
        FeatureSPoSE(progress=False).fit(train, broken)
    model = FeatureSPoSE(n_dims=4, alpha=0.1, epochs=3, progress=False).fit(train.iloc[:500], features)
    with pytest.raises(CogalignError, match=f"{N_FEATURES} columns"):
        model.transform(features[:, :5])


def test_triplet_folds_keep_every_triplet_in_one_fold():
    table = pd.DataFrame({"item_1": [1, 2, 3, 1, 7, 9, 4], "item_2": [2, 1, 4, 3, 8, 8, 3],
                          "item_3": [3, 3, 5, 2, 9, 7, 5], "response": [1, 1, 3, 1, 7, 9, 4]})
    fold = triplet_folds(table, 2, seed=0)
    key = [tuple(sorted(r)) for r in shown_triplets(table)]
    for k in set(key):
        assert len({f for f, kk in zip(fold, key, strict=True) if kk == k}) == 1
    assert set(fold) == {0, 1}
    with pytest.raises(CogalignError, match="distinct triplets"):
        triplet_folds(table.iloc[:2], 3)


def test_cross_validate_scores_models_and_baselines_on_the_same_folds(world):
    features, truth, train, _ = world
    table = train.iloc[:6000]
    result = cross_validate(FeatureSPoSE(n_dims=10, alpha=0.01, epochs=15, progress=False), table,
                            n_splits=3, features=features, baselines={"truth": truth})
    assert list(result["model"].unique()) == ["FeatureSPoSE", "truth"]
    assert len(result) == 6
    fold = triplet_folds(table, 3, seed=0)
    for k in range(3):
        expected = similarity_accuracy(cosine_similarity(truth), table[fold == k])
        got = result.query("model == 'truth' and fold == @k")["accuracy"].item()
        assert got == pytest.approx(expected)
    assert (result["n_test"].groupby(result["model"]).sum() == len(table)).all()


def test_similarity_accuracy_splits_ties_evenly():
    table = pd.DataFrame({"item_1": [0, 0], "item_2": [1, 1], "item_3": [2, 2], "response": [2, 0]})
    sim = np.array([[1, 0.9, 0.1], [0.9, 1, 0.2], [0.1, 0.2, 1]])
    assert similarity_accuracy(sim, table) == 0.5
    assert similarity_accuracy(np.ones((3, 3)), table) == pytest.approx(1 / 3)


@pytest.fixture(scope="module")
def things(load_dataset):
    return load_dataset("things-triplets-test"), load_dataset("things-concepts")


@pytest.mark.realdata
@pytest.mark.llm
def test_fit_triplets_command_on_a_users_file(things, tmp_path):
    from click.testing import CliRunner

    from cogalign.cli import main

    table, _ = things
    key = np.sort(table[["item_1", "item_2", "item_3"]].to_numpy(), axis=1)
    _, group = np.unique(key, axis=0, return_inverse=True)
    path = tmp_path / "mine.csv"
    table[group.ravel() < 120].to_csv(path, index=False)
    saved = tmp_path / "model.npz"
    result = CliRunner().invoke(main, ["fit", "triplets", "--data", str(path), "--features", "minilm-l6:last",
                                       "--dims", "10", "--folds", "3", "--save", str(saved),
                                       "--no-progress", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [r["model"] for r in payload["results"]] == ["feature-spose(minilm-l6:last)", "cosine(minilm-l6:last)"]
    assert all(len(r["per_fold"]) == 3 for r in payload["results"])
    assert payload["best_baseline"] == "cosine(minilm-l6:last)"
    assert 0.5 < payload["noise_ceiling"] < 1
    assert FeatureSPoSE.load(saved).n_dims_ == payload["n_dims_saved"]
    bad = CliRunner().invoke(main, ["fit", "triplets", "--data", str(path), "--features", "minilm-l6:99",
                                    "--no-progress"])
    assert bad.exit_code == 1 and "out of range" in bad.output


@pytest.mark.realdata
@pytest.mark.llm
@pytest.mark.slow
def test_feature_spose_beats_the_language_model_it_reads_on_held_out_things_triplets(things):
    from cogalign.triplets.alignment import embed_concepts

    table, concepts = things
    x, _ = embed_concepts(table, concepts, model="minilm-l6", layers=[-1], progress=False)
    features = x[:, -1]
    cv = cross_validate(FeatureSPoSE(n_dims=30, alpha=0.03, progress=False), table, n_splits=3,
                        features=features, baselines={"minilm-l6": features})
    accuracy = cv.groupby("model")["accuracy"].mean()
    # 5-fold CLI run with the alpha search: 0.480 vs 0.418 (see the issue note); chance is 1/3.
    # Here (alpha 0.03, 3 folds) 0.461 vs 0.414; alpha 0.01 overfits (0.423 to 0.425, moved by
    # float rounding alone)
    assert accuracy["minilm-l6"] == pytest.approx(0.418, abs=0.01)
    assert accuracy["FeatureSPoSE"] > accuracy["minilm-l6"] + 0.03
