"""Embedding probes, baselines and grouped cross-validation, on synthetic features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sklearn")

from cogalign.errors import CogalignError  # noqa: E402
from cogalign.risky.probes import (  # noqa: E402
    EmbeddingProbe,
    FeatureRegressor,
    cross_validate_rates,
    embed_problems,
    gamble_features,
    gamble_text,
    grouped_folds,
)
from cogalign.risky.simulate import random_problems, simulate_rates  # noqa: E402


def test_gamble_text_formats():
    assert gamble_text([26, -1], [0.95, 0.05]) == "$26 with 95% chance, -$1 with 5% chance"
    assert gamble_text([26, -1], [0.95, 0.05], "arithmetic") == "0.95*26+0.05*-1"
    assert gamble_text([10, 10], [0.5, 0.5]) == "$10 for sure"
    assert gamble_text([3, 7], [0.25, 0.75], "arithmetic") == "0.75*7+0.25*3"
    with pytest.raises(ValueError, match="fmt"):
        gamble_text([1], [1], "latex")


def test_grouped_folds_keep_groups_together_and_are_seeded():
    groups = np.repeat(np.arange(50), [1, 2] * 25)
    folds = grouped_folds(groups, 5, seed=3)
    for g in np.unique(groups):
        assert len(set(folds[groups == g])) == 1
    counts = np.bincount(folds)
    assert counts.min() >= 12 and len(counts) == 5
    np.testing.assert_array_equal(folds, grouped_folds(groups, 5, seed=3))
    assert not np.array_equal(folds, grouped_folds(groups, 5, seed=4))
    with pytest.raises(CogalignError, match="groups"):
        grouped_folds([1, 1, 2], 5)


@pytest.fixture(scope="module")
def rates():
    table = simulate_rates(random_problems(300, seed=1), "ev", {"phi": 0.15}, seed=2)
    # every problem twice (two "feedback" conditions), like choices13k
    both = pd.concat([table.assign(feedback=False), table.assign(feedback=True)])
    return both.reset_index(drop=True)


def _fake_embed(noise_layers: int = 2, seed: int = 0):
    """Embedding function: layer `noise_layers` carries the expected value, the others noise."""
    rng = np.random.default_rng(seed)

    def embed(texts):
        out = rng.normal(size=(len(texts), noise_layers + 1, 8))
        for i, t in enumerate(texts):
            ev = sum(float(a) * float(b) for a, b in (term.split("*") for term in t.split("+")))
            out[i, noise_layers, 0] = ev / 50
        return out

    return embed


def test_embedding_probe_finds_the_informative_layer(rates):
    emb = embed_problems(rates, _fake_embed(), fmt="arithmetic")
    assert emb.shape == (len(rates), 3, 16)
    probe = EmbeddingProbe(emb, rates.index, extra=rates[["feedback"]].astype(float))
    probe.fit(rates.iloc[:400])
    assert probe.layer_ == 2
    assert probe.layer_scores_[2] > max(probe.layer_scores_[0], probe.layer_scores_[1])
    assert probe.score(rates.iloc[400:]) > 0.5
    fixed = EmbeddingProbe(emb, rates.index, layer=0).fit(rates.iloc[:400])
    assert fixed.layer_ == 0 and fixed.score(rates.iloc[400:]) < 0.2
    with pytest.raises(CogalignError, match="no embedding"):
        probe.predict(rates.set_axis(rates.index + 10_000))


def test_cross_validation_table(rates):
    feats = gamble_features(rates)
    emb = embed_problems(rates, _fake_embed(), fmt="arithmetic")
    summary, preds = cross_validate_rates(rates, {
        "EV difference": FeatureRegressor(feats[["ev_diff"]], regression="logistic"),
        "ridge on features": FeatureRegressor(feats, regression="ridge"),
        "probe": EmbeddingProbe(emb, rates.index),
        "noise": EmbeddingProbe(emb, rates.index, layer=0),
    }, n_splits=4, seed=0)
    assert list(summary.columns) == ["r2", "mse", "r2_fold_mean", "r2_fold_sd", "n"]
    assert summary.index[0] in ("EV difference", "probe")
    assert summary.loc["EV difference", "r2"] > 0.6
    assert summary.loc["noise", "r2"] < 0.1
    assert preds["EV difference"].notna().all()
    # both rows of a problem are predicted out of fold together
    assert preds.groupby(rates["problem_id"])["fold"].nunique().max() == 1


def test_mlp_baseline_learns(rates):
    feats = gamble_features(rates)
    assert {"ev_a", "ev_b", "ev_diff", "feedback", "ploss_b"} <= set(feats.columns)
    mlp = FeatureRegressor(feats, regression="mlp", hidden=(16,), seed=0)
    mlp.fit(rates.iloc[:450])
    assert mlp.score(rates.iloc[450:]) > 0.3
    with pytest.raises(CogalignError, match="regression"):
        FeatureRegressor(feats, regression="svm").fit(rates)


@pytest.mark.llm
@pytest.mark.slow
def test_offline_sentence_model_probe(rates):
    pytest.importorskip("torch")
    try:
        emb = embed_problems(rates.iloc[:40], "minilm-l6", fmt="text", layers="-1")
    except Exception as exc:  # model package not installed
        pytest.skip(f"minilm-l6 not available: {exc}")
    assert emb.shape == (40, 1, 768)
    assert np.isfinite(emb).all()


def test_prompted_probabilities_map_back_to_rows(rates, monkeypatch):
    import cogalign.llm
    from cogalign.risky.probes import logit_feature, prompted_choice_probabilities

    calls = {}

    def fake_judge(trials, task, model, **kwargs):
        calls["n"] = len(trials)
        calls["task"] = task
        out = trials.copy()
        out["p_gamble_b"] = [len(b) / (len(a) + len(b)) for a, b in
                             zip(trials["gamble_a"], trials["gamble_b"], strict=True)]
        return out

    monkeypatch.setattr(cogalign.llm, "judge", fake_judge)
    p = prompted_choice_probabilities(rates, "fake")
    assert calls["task"] == "gamble-choice"
    assert calls["n"] == len(rates) // 2  # the two feedback copies share one prompt
    assert p.shape == (len(rates),) and np.all((p > 0) & (p < 1))
    np.testing.assert_allclose(p[: len(rates) // 2], p[len(rates) // 2:])
    feat = logit_feature(p, rates.index)
    assert np.isfinite(feat["logit_p"]).all()
