"""The triplet analyses as library functions: a fitted model against cosine baselines."""

from pathlib import Path

import numpy as np
import pytest

from cogalign.errors import CogalignError
from cogalign.metrics import triplet_noise_ceiling
from cogalign.triplets import FeatureSPoSE, simulate_triplets
from cogalign.triplets.analysis import fit_and_compare

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(60, 8))
    truth = np.maximum(features[:, :4], 0.0) * 1.5
    shown = np.stack([rng.choice(60, 3, replace=False) for _ in range(300)])
    table = simulate_triplets(truth, triplets=np.repeat(shown, 4, axis=0), n_participants=8, seed=1)
    noise = rng.normal(size=(60, 8))
    return table, {"good": features, "noise": noise}


def test_fit_and_compare_scores_the_model_and_every_baseline_on_the_same_folds(world, tmp_path):
    table, features = world
    report = fit_and_compare(table, features, model="feature-spose", n_dims=6, folds=2, seed=0,
                             save=tmp_path / "fitted", params={"epochs": 20, "alpha": 0.01})
    assert report["model"] == "feature-spose(good+noise)" and report["features"] == ["good", "noise"]
    assert [r["model"] for r in report["results"]] == [
        "feature-spose(good+noise)", "cosine(good)", "cosine(noise)"]
    items = table[["item_1", "item_2", "item_3"]].to_numpy()
    ceiling = triplet_noise_ceiling(items, table["response"].to_numpy(),
                                    table["participant_id"].to_numpy()).modal_agreement
    assert report["noise_ceiling"] == pytest.approx(ceiling)
    for row in report["results"]:
        assert len(row["per_fold"]) == 2
        assert row["accuracy"] == pytest.approx(np.mean(row["per_fold"]))
        assert row["share_of_ceiling"] == pytest.approx(row["accuracy"] / ceiling)
    good, noise = report["results"][1]["accuracy"], report["results"][2]["accuracy"]
    assert good > noise + 0.05
    assert report["best_baseline"] == "cosine(good)"
    assert report["beats_best_baseline"] == (report["results"][0]["accuracy"] > good)
    assert FeatureSPoSE.load(report["saved"]).n_dims_ == report["n_dims_saved"]


def test_fit_and_compare_refuses_settings_that_fit_nothing(world, tmp_path):
    table, features = world
    for folds in (1, -2):
        with pytest.raises(CogalignError, match="folds must be 0 .* or at least 2"):
            fit_and_compare(table, features, model="spose", folds=folds)
    with pytest.raises(CogalignError, match="folds=0 without save fits nothing"):
        fit_and_compare(table, features, model="spose", folds=0)
    assert not list(tmp_path.iterdir())


def test_fit_and_compare_without_folds_saves_the_model(world, tmp_path):
    table, features = world
    report = fit_and_compare(table, features, model="spose", folds=0, save=tmp_path / "m",
                             n_dims=4, params={"epochs": 2})
    assert report["model"] == "spose" and report["results"] == []
    assert "beats_best_baseline" not in report and Path(report["saved"]).is_file()


def test_a_ceiling_from_unrepeated_triplets_is_not_reported(world):
    table, features = world
    once = table.drop_duplicates(["item_1", "item_2", "item_3"]).head(3)
    report = fit_and_compare(once, features, model="feature-spose", folds=2, n_dims=2,
                             params={"epochs": 2})
    assert report["noise_ceiling"] is None
    assert "0 of 3 triplets were answered more than once" in report["noise_ceiling_note"]
    assert all(r["share_of_ceiling"] is None for r in report["results"])


def test_bad_names(world):
    table, features = world
    with pytest.raises(CogalignError, match="model must be one of"):
        fit_and_compare(table, features, model="word2vec")
    with pytest.raises(CogalignError, match="at least one feature set"):
        fit_and_compare(table, {}, model="feature-spose")
