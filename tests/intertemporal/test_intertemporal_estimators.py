"""The estimator: parameter recovery, missing responses, the MAP-of-a-hierarchy warning."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("numpyro")

from cogalign.errors import CogalignError  # noqa: E402
from cogalign.intertemporal import IntertemporalChoiceModel, simulate_intertemporal  # noqa: E402
from cogalign.intertemporal.simulate import DEFAULT_INTERTEMPORAL  # noqa: E402


def _z_ok(summary, truth, names, k=4.0):
    for name in names:
        row = summary.loc[name]
        assert abs(row["mean"] - truth[name]) < k * row["sd"] + 1e-3, (name, row.to_dict())


@pytest.mark.parametrize("model", ["exponential", "hyperbolic", "quasi-hyperbolic", "itch"])
def test_intertemporal_pooled_map_recovers(model):
    truth = dict(DEFAULT_INTERTEMPORAL)
    table = simulate_intertemporal(60, 25, model, sd=0.0, seed=6)
    est = IntertemporalChoiceModel(model, hierarchical=False, draws=200,
                                   fit_kwargs={"posterior_predictive": False,
                                               "log_likelihood": False}).fit(table)
    names = [n for n in est.summary_.index]
    _z_ok(est.summary_, truth, names, k=4.5)
    assert est.n_missing_ == 0 and est.method_ == "map"


def test_intertemporal_missing_responses_are_left_out():
    table = simulate_intertemporal(10, 10, "hyperbolic", seed=7)
    table.loc[[0, 5, 9], "response"] = pd.NA
    est = IntertemporalChoiceModel("hyperbolic", hierarchical=False, draws=50).fit(table)
    assert est.n_missing_ == 3 and est.n_obs_ == 97
    assert est.idata_.log_likelihood["y"].shape[-1] == 97
    assert 0 <= est.score(table) <= 1
    with pytest.raises(CogalignError, match="participant_id"):
        IntertemporalChoiceModel("hyperbolic").fit(table.drop(columns="participant_id"))


def test_map_of_a_hierarchical_model_warns():
    table = simulate_intertemporal(5, 10, "hyperbolic", seed=8)
    with pytest.warns(UserWarning, match="funnel"):
        IntertemporalChoiceModel("hyperbolic", method="map", draws=20).fit(table)


def test_fits_that_cannot_mean_anything_are_refused():
    table = simulate_intertemporal(2, 12, "hyperbolic", seed=1)
    no_answer = table.assign(response=pd.NA)
    with pytest.raises(CogalignError, match=r"0 answered trials \(24 without a response"):
        IntertemporalChoiceModel(hierarchical=False).fit(no_answer)
    with pytest.raises(CogalignError, match="5 answered trials; a fit needs at least 10"):
        IntertemporalChoiceModel(hierarchical=False).fit(table.head(5))
    with pytest.raises(CogalignError, match="every answered trial chose the later-larger"):
        IntertemporalChoiceModel(hierarchical=False).fit(table.assign(response=1))
    one_person = table[table["participant_id"] == table["participant_id"].iloc[0]]
    with pytest.raises(CogalignError, match="hierarchical fit needs at least 2 participants"):
        IntertemporalChoiceModel().fit(one_person.assign(response=[0, 1] * 6))
