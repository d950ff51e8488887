"""Estimators: parameter recovery for every fitting routine, predictions, scikit-learn protocol."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("numpyro")

from cogalign.bayes import recover, recovery_summary  # noqa: E402
from cogalign.errors import CogalignError  # noqa: E402
from cogalign.intertemporal.simulate import DEFAULT_INTERTEMPORAL  # noqa: E402
from cogalign.risky import (  # noqa: E402
    RiskyChoiceModel,
    random_problems,
    simulate_rates,
    simulate_risky_trials,
)
from cogalign.risky.simulate import DEFAULT_RISKY  # noqa: E402


def _z_ok(summary, truth, names, k=4.0):
    for name in names:
        row = summary.loc[name]
        assert abs(row["mean"] - truth[name]) < k * row["sd"] + 1e-3, (name, row.to_dict())


def test_cpt_on_rates_recovers_tk92(cpt_fit, cpt_rates):
    _z_ok(cpt_fit.summary_, DEFAULT_RISKY, ["alpha", "beta", "lam", "gamma_gain",
                                            "gamma_loss", "phi"])
    assert cpt_fit.method_ == "map" and cpt_fit.kind_ == "rates"
    assert cpt_fit.n_obs_ == 400 and cpt_fit.n_excluded_ == 0
    p = cpt_fit.predict_proba(cpt_rates)
    assert np.corrcoef(p, cpt_rates["p_b"])[0, 1] > 0.99
    assert cpt_fit.score(cpt_rates) > 0.8
    assert set(cpt_fit.params_) >= {"alpha", "lam", "phi"}
    assert "log_likelihood" in cpt_fit.idata_.groups()
    assert cpt_fit.loo().elpd_loo < 0


def test_sklearn_protocol(cpt_fit):
    params = cpt_fit.get_params()
    clone = type(cpt_fit)(**params)
    assert clone.get_params() == params
    assert "RiskyChoiceModel(" in repr(cpt_fit)
    with pytest.raises(AttributeError):
        RiskyChoiceModel().predict_proba(pd.DataFrame())


def test_eu_and_beta_binomial_recover():
    table = simulate_rates(random_problems(300, seed=3), "eu", {"alpha": 0.7, "phi": 0.2},
                           likelihood="beta-binomial", seed=4)
    est = RiskyChoiceModel("eu", likelihood="beta-binomial", draws=200,
                           fit_kwargs={"posterior_predictive": False,
                                       "log_likelihood": False}).fit(table)
    _z_ok(est.summary_, {"alpha": 0.7, "phi": 0.2, "kappa": 20.0}, ["alpha", "phi", "kappa"])


def test_ambiguous_rows_are_excluded_by_default(cpt_rates):
    t = cpt_rates.head(60).assign(ambiguous=[i % 4 == 0 for i in range(60)])
    est = RiskyChoiceModel("ev", draws=50, fit_kwargs={"posterior_predictive": False,
                                                       "log_likelihood": False}).fit(t)
    assert est.n_excluded_ == 15 and est.n_obs_ == 45
    assert est.predict(t).shape == (60,)


def test_pooled_trials_map_recovers():
    table = simulate_risky_trials(10, 60, "eu", {"alpha": 0.8, "phi": 0.2}, sd=0.0, seed=5)
    est = RiskyChoiceModel("eu", hierarchical=False, draws=200,
                           fit_kwargs={"posterior_predictive": False}).fit(table)
    assert est.method_ == "map" and est.kind_ == "trials"
    _z_ok(est.summary_, {"alpha": 0.8, "phi": 0.2}, ["alpha", "phi"])
    assert 0.5 < est.score(table) <= 1.0


def test_single_precision_gives_the_double_precision_estimates():
    table = simulate_risky_trials(10, 60, "eu", {"alpha": 0.8, "phi": 0.2}, sd=0.0, seed=5)
    fits = {p: RiskyChoiceModel("eu", hierarchical=False, draws=200, precision=p,
                                fit_kwargs={"posterior_predictive": False}).fit(table)
            for p in ("float64", "float32")}
    draws = {p: f.idata_.posterior["alpha"].values for p, f in fits.items()}
    assert draws["float32"].dtype == np.float32 and draws["float64"].dtype == np.float64
    for name in ("alpha", "phi"):
        assert fits["float32"].summary_.loc[name, "mean"] == pytest.approx(
            fits["float64"].summary_.loc[name, "mean"], rel=2e-3)
    with pytest.raises(CogalignError, match="NumPyro setting"):
        RiskyChoiceModel("eu", backend="pymc", precision="float32").fit(table)
    with pytest.raises(CogalignError, match="precision must be"):
        RiskyChoiceModel("eu", precision="half").fit(table)


@pytest.mark.slow
def test_hierarchical_trials_nuts_recovers_population():
    table = simulate_risky_trials(12, 60, "eu", {"alpha": 0.8, "phi": 0.2}, sd=0.2, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = RiskyChoiceModel("eu", draws=300, tune=300, chains=1, seed=1).fit(table)
    assert est.method_ == "nuts"
    _z_ok(est.summary_, {"alpha_pop": 0.8, "phi_pop": 0.2}, ["alpha_pop", "phi_pop"])
    assert est.idata_.posterior["alpha"].dims[-1] == "participant"
    new = table.assign(participant_id="someone-new").head(20)
    p = est.predict_proba(new)
    assert p.shape == (20,) and np.all((p > 0) & (p < 1))
    assert est.predict(table.head(3)).tolist()[0] in ("A", "B")
    assert 0.5 < est.score(table) <= 1.0


@pytest.mark.slow
def test_recovery_coverage_over_repeated_simulations():
    """Done-when check: true values fall in the 90% interval at about the nominal rate."""
    from cogalign.intertemporal.models import intertemporal_model, itch_autoscale_priors
    from cogalign.intertemporal.simulate import intertemporal_design
    from cogalign.risky.gambles import problem_arrays
    from cogalign.risky.models import risky_rates_model

    problems = random_problems(250, seed=21)
    arr = problem_arrays(problems)
    total = np.full(250, 80)
    tables = []
    for theory, names in (("ev", ["phi"]), ("eu", ["alpha", "phi"]),
                          ("pt", ["alpha", "beta", "lam", "gamma_gain", "gamma_loss", "phi"]),
                          ("cpt", ["alpha", "beta", "lam", "gamma_gain", "gamma_loss", "phi"])):
        truth = {n: DEFAULT_RISKY[n] for n in names}
        tables.append(recover(risky_rates_model, truth,
                              {**arr, "n_choices": total, "theory": theory}, n_sims=12,
                              seed=1, draws=400))
    design = intertemporal_design(1500, seed=2)
    data = {c: design[c].to_numpy() for c in ("x1", "t1", "x2", "t2")}
    for model, names in (("exponential", ["delta", "phi"]), ("hyperbolic", ["k", "phi"]),
                         ("quasi-hyperbolic", ["beta", "delta", "phi"]),
                         ("itch", ["b_i", "b_xa", "b_xr", "b_ta", "b_tr"])):
        truth = {n: DEFAULT_INTERTEMPORAL[n] for n in names}
        priors = itch_autoscale_priors(**data) if model == "itch" else None
        tables.append(recover(intertemporal_model, truth,
                              {**data, "model": model, "priors": priors},
                              n_sims=12, seed=3, draws=400))
    table = pd.concat(tables)
    summary = recovery_summary(table)
    # pooled over 8 models x 12 simulations x their parameters (~290 intervals)
    assert 0.83 <= table["covered"].mean() <= 0.96, summary
    assert (summary["coverage"] >= 0.5).all(), summary


def test_fits_that_cannot_mean_anything_are_refused(cpt_rates):
    from cogalign.errors import CogalignError

    with pytest.raises(CogalignError, match="1 choice-rate problems to model; a fit needs at least 10"):
        RiskyChoiceModel("ev").fit(cpt_rates.head(1))
    with pytest.raises(CogalignError, match="every problem has the same choice rate"):
        RiskyChoiceModel("ev").fit(cpt_rates.head(20).assign(b_rate=0.5))
    trials = simulate_risky_trials(2, 12, "ev", seed=1)
    with pytest.raises(CogalignError, match="4 answered trials; a fit needs at least 10"):
        RiskyChoiceModel("ev", hierarchical=False).fit(trials.head(4))
    with pytest.raises(CogalignError, match="every trial chose gamble B"):
        RiskyChoiceModel("ev", hierarchical=False).fit(trials.assign(response="B"))
    one = trials[trials["participant_id"] == trials["participant_id"].iloc[0]]
    with pytest.raises(CogalignError, match="hierarchical fit needs at least 2 participants"):
        RiskyChoiceModel("ev").fit(one.assign(response=["A", "B"] * 6))
