"""The RotationModel estimator: scikit-learn protocol, predictions, scores, reports."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone

from cogalign.errors import CogalignError
from cogalign.estimator import NotFittedError
from cogalign.rotation import RotationModel

pytest.importorskip("numpyro")


def test_settings_only_in_init_and_clone():
    est = RotationModel("concave", family="wald", draws=50, priors={"slope": {"loc": 2.0}})
    twin = clone(est)
    assert twin.get_params() == est.get_params() and twin is not est
    assert not hasattr(twin, "idata_")
    with pytest.raises(NotFittedError, match="not fitted"):
        twin.predict(None)
    assert RotationModel.score_name == "mean log predictive density per trial"
    with pytest.raises(CogalignError, match="model must be one of"):
        RotationModel("cubic").fit(None)


def test_fitted_attributes_predictions_and_score(linear_fit, small_study):
    assert linear_fit.method_ == "nuts" and linear_fit.n_obs_ == int(small_study["correct"].sum())
    assert {"slope_pop", "sigma", "p_contam"} <= set(linear_fit.summary_.index)
    assert set(linear_fit.slope_) == {"same", "mirror"}
    s = linear_fit.speed_["same"]
    assert s["lower"] < s["median"] < s["upper"]
    pred = linear_fit.predict(small_study)
    assert pred.shape == (len(small_study),) and np.all(pred > 0)
    by_angle = small_study.assign(p=pred).groupby("angle")["p"].mean()
    assert by_angle.is_monotonic_increasing  # predicted RT grows with angle
    score = linear_fit.score(small_study)
    assert np.isfinite(score)
    # a new person (not in the fit) is drawn from the population
    stranger = small_study.loc[small_study["participant_id"] == "p1"].assign(participant_id="new")
    assert np.isfinite(linear_fit.score(stranger))
    assert linear_fit.log_density(small_study).shape == (int(small_study["correct"].sum()),)


def test_pooled_map_fits_of_every_model_report_as_json(small_study):
    from cogalign.rotation.analysis import fit_report

    for model in ("accuracy", "two-stage", "joint"):
        est = RotationModel(model, hierarchical=False, draws=100, seed=0).fit(small_study)
        assert est.method_ == "map"
        report = fit_report(est)
        json.dumps(report, allow_nan=False)
        assert report["model"] == model and report["n_participants"] == 8
        assert np.isfinite(est.score(small_study))
        if model == "accuracy":
            p = est.predict(small_study)
            assert np.all((p > 0) & (p < 1))
            assert "speed_deg_per_s" not in report
        else:
            assert report["speed_deg_per_s"]["same"]["mean"] > 0
    with pytest.raises(CogalignError, match="hierarchical"):
        est.person_slopes()
