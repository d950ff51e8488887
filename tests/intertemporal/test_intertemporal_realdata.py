"""The published data set: Ericson et al. (2015)."""

from __future__ import annotations

import pytest

pytest.importorskip("numpyro")


@pytest.mark.realdata
def test_ericson_missing_responses_are_left_out(load_dataset):
    from cogalign.intertemporal import IntertemporalChoiceModel

    table = load_dataset("ericson2015")
    assert len(table) == 23_500 and int(table["response"].isna().sum()) == 369
    est = IntertemporalChoiceModel("hyperbolic", hierarchical=False, draws=200,
                                   fit_kwargs={"posterior_predictive": False}).fit(table)
    assert est.n_missing_ == 369 and est.n_obs_ == 23_131
    assert est.idata_.log_likelihood["y"].shape[-1] == 23_131
    k = est.summary_.loc["k"]
    assert 0 < k["lower"] < k["upper"]
    assert 0.6 < est.score(table) < 0.9
