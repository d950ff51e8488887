"""Folds of both protocols, the metrics, and the cross-validation driver."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cogalign.beliefs import simulate_believers
from cogalign.beliefs.evaluation import (
    classification_metrics,
    cross_validate_stances,
    stance_folds,
    summarize_folds,
)
from cogalign.errors import CogalignError


def test_held_out_stances_folds(believers):
    folds = stance_folds(believers, "stances", n_folds=4, hide=0.2, seed=1)
    tested = [set(f.queries["participant_id"]) | set(f.context["participant_id"]) for f in folds]
    assert sum(len(t) for t in tested) == believers["participant_id"].nunique()
    assert all(not (a & b) for i, a in enumerate(tested) for b in tested[i + 1:])
    for f in folds:
        assert not set(f.train["participant_id"]) & (set(f.queries["participant_id"]))
        n_hidden = f.queries.groupby("participant_id").size()
        n_known = f.context.groupby("participant_id").size()
        total = n_hidden.add(n_known, fill_value=0)
        assert (n_hidden == np.minimum(np.ceil(0.2 * total[n_hidden.index]), total[n_hidden.index] - 1)).all()
        assert (n_known >= 1).all()
    again = stance_folds(believers, "stances", n_folds=4, hide=0.2, seed=1)
    assert all(a.queries.equals(b.queries) for a, b in zip(folds, again, strict=True))


def test_held_out_issues_folds(believers):
    folds = stance_folds(believers, "issues", n_folds=5, seed=0)
    seen = set()
    for f in folds:
        test_issues = set(f.queries["issue"])
        assert not test_issues & set(f.train["issue"]) and not test_issues & set(f.context["issue"])
        assert set(f.context["participant_id"]) == set(f.queries["participant_id"])
        seen |= test_issues
    assert seen == set(believers["issue"])
    with pytest.raises(CogalignError, match="protocol"):
        stance_folds(believers, "people")


def test_metrics_on_known_values():
    y = np.array([1, 1, -1, -1])
    m = classification_metrics(y, np.array([1, -1, -1, -1]), np.full(4, 0.5))
    assert m["accuracy"] == 0.75 and m["log_loss"] == pytest.approx(math.log(2))
    assert m["brier"] == 0.25 and m["ece"] == 0.0
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    confident = classification_metrics(y, y, np.array([0.9, 0.9, 0.1, 0.1]))
    assert confident["ece"] == pytest.approx(0.1)
    rule = classification_metrics(y, y, None)
    assert rule["accuracy"] == 1.0 and math.isnan(rule["log_loss"])


def test_summary_interval_is_the_t_interval():
    per_fold = pd.DataFrame({"fold": range(5), "method": "m",
                             "accuracy": [0.6, 0.62, 0.58, 0.65, 0.61], "macro_f1": 0.5,
                             "log_loss": 0.7, "brier": 0.2, "ece": 0.05, "n": 10})
    row = summarize_folds(per_fold).loc["m"]
    acc = per_fold["accuracy"]
    half = stats.t.ppf(0.975, 4) * acc.std(ddof=1) / math.sqrt(5)
    assert row["accuracy"] == pytest.approx(acc.mean())
    assert row["accuracy_high"] - row["accuracy"] == pytest.approx(half)
    assert row["n"] == 50 and row["n_folds"] == 5


def test_cross_validation_scores_every_method_on_the_same_queries(hash_encoder):
    pytest.importorskip("torch")
    table = simulate_believers(240, 8, 2, seed=11)
    cv = cross_validate_stances(table, protocol="stances", n_folds=3, model=hash_encoder,
                                space_settings={"max_epochs": 15}, seed=0,
                                predictor_settings={"cf-low-rank": {"steps": 100, "learning_rate": 0.1}})
    summary = cv.summary
    assert {"always-pro", "issue-majority", "person-majority", "party-majority", "cf-logistic",
            "cf-low-rank", "space-nearest (base)", "space-readout (fine-tuned)"} <= set(summary.index)
    assert summary["n"].nunique() == 1
    assert summary.loc["cf-logistic", "accuracy"] > summary.loc["always-pro", "accuracy"] + 0.1
    assert summary.loc["space-nearest (fine-tuned)", "accuracy"] > summary.loc["space-nearest (base)", "accuracy"]
    assert math.isnan(summary.loc["space-nearest (fine-tuned)", "log_loss"])
    near = cv.predictions[cv.predictions["method"] == "space-nearest (fine-tuned)"]
    assert np.array_equal(near["predicted"], np.where(near["d_pro"] < near["d_con"], 1, -1))
    issues = cross_validate_stances(table, protocol="issues", n_folds=4, model=hash_encoder,
                                    fine_tune=False, seed=0)
    assert set(issues.summary.index) == {"always-pro", "person-majority", "space-nearest (base)",
                                         "space-readout (base)"}
    with pytest.raises(CogalignError, match="inapplicable"):
        cross_validate_stances(table, protocol="issues", model=hash_encoder, fine_tune=False,
                               methods=["cf-logistic"])
