"""The published data set: choices13k."""

from __future__ import annotations

import pytest

pytest.importorskip("numpyro")


@pytest.mark.realdata
@pytest.mark.slow
def test_choices13k_cpt_explains_about_half_the_variance(load_dataset):
    """Peterson et al. (2021) / Zhu et al. (2024): CPT explains ~51.5% of choice-rate variance."""
    from cogalign.risky import RiskyChoiceModel
    from cogalign.risky.gambles import select_ambiguous

    table = load_dataset("choices13k")
    assert len(table) == 14_568
    modelled = select_ambiguous(table, "exclude")
    assert len(modelled) == 11_759
    est = RiskyChoiceModel("cpt", draws=200, fit_kwargs={"posterior_predictive": False,
                                                         "log_likelihood": False})
    est.fit(table)
    assert est.n_excluded_ == 14_568 - 11_759
    r2 = est.score(modelled)
    assert 0.45 < r2 < 0.70
    s = est.summary_
    assert (s["sd"] > 0).all() and (s["lower"] < s["upper"]).all()
