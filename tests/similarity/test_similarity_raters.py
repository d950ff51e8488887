"""Word pairs rated by individual people: the raters x pairs matrix, agreement, Turing RSA."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from cogalign.similarity.raters import rater_agreement, rater_matrix, word_pair_turing


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    truth = rng.random(30)
    rows = []
    for r in range(5):
        ratings = truth + 0.3 * rng.standard_normal(30)
        rows += [{"participant_id": f"r{r}", "trial": t, "item_a": f"a{t}", "item_b": f"b{t}",
                  "rating": float(v)} for t, v in enumerate(ratings)]
    return pd.DataFrame(rows).sample(frac=1.0, random_state=1), truth


def test_rater_matrix_puts_pairs_in_trial_order(table):
    frame, _ = table
    pairs, ratings, raters = rater_matrix(frame)
    assert raters == [f"r{r}" for r in range(5)] and ratings.shape == (5, 30)
    assert pairs["item_a"].tolist() == [f"a{t}" for t in range(30)]
    r2 = frame[frame["participant_id"] == "r2"].sort_values("trial")["rating"].to_numpy()
    np.testing.assert_allclose(ratings[2], r2)


def test_rater_agreement_is_the_mean_spearman_with_each_rater(table):
    frame, truth = table
    _, ratings, _ = rater_matrix(frame)
    model = np.column_stack([truth, np.arange(30.0)])
    out = rater_agreement(ratings, model, n_boot=200, seed=0)
    expected = [np.mean([spearmanr(model[:, j], r).statistic for r in ratings]) for j in (0, 1)]
    np.testing.assert_allclose(out["rsa"], expected)
    assert (out["ci_low"] <= out["rsa"]).all() and (out["rsa"] <= out["ci_high"]).all()
    turing = word_pair_turing(ratings, model.T, names=["truth", "index"], n_boot=50)
    assert turing["candidate"].tolist() == ["truth", "index"]
    assert turing["percentile"].iloc[0] > turing["percentile"].iloc[1]
