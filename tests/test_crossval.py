"""The cross-validation driver: grouped folds, every model on the same folds, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import LeaveOneGroupOut

from cogalign.crossval import cross_val_predict, cross_validate, fold_labels, holdout_split
from cogalign.errors import CogalignError
from cogalign.estimator import Estimator


class MeanModel(Estimator):
    """Predicts the training mean of ``y`` (shrunk towards 0)."""

    score_name = "negative mse"

    def __init__(self, shrink: float = 0.0) -> None:
        self.shrink = shrink

    def fit(self, table: pd.DataFrame, offset: float = 0.0) -> MeanModel:
        self.mean_ = (1 - self.shrink) * float(table["y"].mean()) + offset
        self.train_groups_ = set(table["g"])
        return self

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        return np.full(len(table), self.mean_)

    def score(self, table: pd.DataFrame) -> float:
        """Negative mean squared error (higher is better)."""
        return -float(np.mean((table["y"] - self.mean_) ** 2))


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(12), 3)
    return pd.DataFrame({"g": g, "y": rng.normal(size=36) + g}, index=np.arange(100, 136))


def test_groups_stay_whole_and_folds_repeat_with_the_seed(table):
    fold = fold_labels(table, groups="g", cv=4, seed=1)
    assert sorted(set(fold)) == [0, 1, 2, 3]
    assert table.groupby(fold)["g"].nunique().tolist() == [3, 3, 3, 3]
    assert (pd.Series(fold).groupby(table["g"].to_numpy()).nunique() == 1).all()
    np.testing.assert_array_equal(fold, fold_labels(table, groups=table["g"], cv=4, seed=1))
    np.testing.assert_array_equal(fold, fold_labels(table, groups=lambda t: t["g"], cv=4, seed=1))
    assert not np.array_equal(fold, fold_labels(table, groups="g", cv=4, seed=2))


def test_models_and_baselines_share_the_folds(table):
    seen = []

    def baseline(train, test):
        seen.append(set(test["g"]))
        return {"negative mse": -float(np.mean((test["y"] - train["y"].mean()) ** 2))}

    result = cross_validate({"plain": MeanModel(), "shrunk": MeanModel(shrink=0.5)}, table,
                            groups="g", cv=3, seed=0, baselines={"mean": baseline})
    assert list(result.columns) == ["fold", "model", "negative mse", "n_train", "n_test"]
    assert result["model"].tolist() == ["plain", "shrunk", "mean"] * 3
    fold = fold_labels(table, groups="g", cv=3, seed=0)
    assert seen == [set(table["g"][fold == k]) for k in range(3)]
    plain = result[result["model"] == "plain"]["negative mse"].to_numpy()
    mean = result[result["model"] == "mean"]["negative mse"].to_numpy()
    np.testing.assert_allclose(plain, mean)  # the same model, scored on the same folds
    assert (result["n_train"] + result["n_test"] == len(table)).all()


def test_scoring_fit_params_and_a_given_splitter(table):
    result = cross_validate(MeanModel(), table, groups="g", cv=LeaveOneGroupOut(),
                            scoring={"mean": lambda m, t: m.mean_,
                                     "leak": lambda m, t: len(m.train_groups_ & set(t["g"]))},
                            fit_params={"offset": 100.0})
    assert len(result) == 12 and (result["leak"] == 0).all()
    assert (result["mean"] > 90).all() and result["model"].eq("MeanModel").all()


def test_out_of_fold_predictions(table):
    preds = cross_val_predict({"m": MeanModel()}, table, groups="g", cv=3, seed=0)
    assert preds.index.equals(table.index) and preds["fold"].ge(0).all()
    fold = fold_labels(table, groups="g", cv=3, seed=0)
    np.testing.assert_array_equal(preds["fold"], fold)
    for k in range(3):
        train = table[fold != k]
        assert np.allclose(preds["m"][fold == k], train["y"].mean())


def test_holdout_split_keeps_groups_apart(table):
    train, test = holdout_split(table, 0.25, groups="g", seed=3)
    assert len(set(table["g"].iloc[train]) & set(table["g"].iloc[test])) == 0
    assert len(set(table["g"].iloc[test])) == 3 and len(train) + len(test) == len(table)
    rows_train, rows_test = holdout_split(np.zeros((40, 2)), 0.25, seed=0)
    assert len(rows_test) == 10 and np.all(np.diff(rows_train) > 0)


def test_bad_folds_are_refused_with_a_reason(table):
    with pytest.raises(CogalignError, match="at least 2 folds"):
        fold_labels(table, groups="g", cv=1)
    with pytest.raises(CogalignError, match="only 12 groups: too few for 20 folds"):
        cross_validate(MeanModel(), table, groups="g", cv=20)
    with pytest.raises(CogalignError, match="no column 'person'"):
        fold_labels(table, groups="person")
    with pytest.raises(CogalignError, match="one label per row"):
        fold_labels(table, groups=[1, 2, 3])
    with pytest.raises(CogalignError, match="splitter"):
        fold_labels(table, cv="five")
    with pytest.raises(CogalignError, match="test_size"):
        holdout_split(table, 1.5)
    with pytest.raises(CogalignError, match="nothing to cross-validate"):
        cross_validate(None, table)
