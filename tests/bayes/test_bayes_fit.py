"""cogalign.bayes: fit / compare / recover on models with known posteriors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("numpyro")
pytest.importorskip("arviz")

import numpyro  # noqa: E402
import numpyro.distributions as dist  # noqa: E402

from cogalign.bayes import (  # noqa: E402
    ConvergenceWarning,
    Param,
    compare,
    fit,
    pymc_version,
    recover,
    recovery_summary,
    sample_numpyro,
    simulate,
    summarize,
)
from cogalign.errors import CogalignError  # noqa: E402

SIGMA = 2.0
PRIOR_SD = 3.0


def normal_mean_pymc(n_obs, y=None):
    import pymc as pm

    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, PRIOR_SD)
        pm.Normal("y", mu, SIGMA, observed=y, shape=int(n_obs.shape[0]))
    return model


@pymc_version(normal_mean_pymc)
def normal_mean(n_obs, y=None):
    """y_i ~ N(mu, 2^2), mu ~ N(0, 3^2): the posterior is Normal, known exactly."""
    mu = numpyro.sample("mu", dist.Normal(0.0, PRIOR_SD))
    with numpyro.plate("obs", n_obs.shape[0]):
        numpyro.sample("y", dist.Normal(mu, SIGMA), obs=y)


def line(x, y=None, *, slope=True):
    a = numpyro.sample("a", dist.Normal(0.0, 5.0))
    b = numpyro.sample("b", dist.Normal(0.0, 5.0)) if slope else 0.0
    s = numpyro.sample("s", dist.HalfNormal(2.0))
    with numpyro.plate("obs", x.shape[0]):
        numpyro.sample("y", dist.Normal(a + b * x, s), obs=y)


def exact_posterior(y):
    prec = 1 / PRIOR_SD**2 + len(y) / SIGMA**2
    return (y.sum() / SIGMA**2) / prec, prec**-0.5


@pytest.fixture(scope="module")
def normal_data():
    rng = np.random.default_rng(0)
    y = rng.normal(1.5, SIGMA, size=25)
    return {"n_obs": np.zeros(25), "y": y}


@pytest.fixture(scope="module")
def nuts_fit(normal_data):
    return fit(normal_mean, normal_data, method="nuts", draws=1000, tune=300, seed=1,
               dims={"y": ["obs"]})


@pytest.mark.parametrize("method", ["map", "nuts", "svi"])
def test_numpyro_matches_exact_posterior(normal_data, method, request):
    if method == "nuts":
        idata = request.getfixturevalue("nuts_fit")
    else:
        idata = fit(normal_mean, normal_data, method=method, draws=1000, seed=1,
                    num_steps=3000, learning_rate=0.05, dims={"y": ["obs"]})
    mean, sd = exact_posterior(normal_data["y"])
    post = idata.posterior["mu"].values.ravel()
    assert abs(post.mean() - mean) < 0.12 * sd * (3 if method == "svi" else 1) + 0.02
    assert abs(post.std() - sd) < 0.15 * sd
    for group in ("posterior", "log_likelihood", "posterior_predictive", "observed_data",
                  "constant_data"):
        assert group in idata.groups()
    assert idata.log_likelihood["y"].shape[-1] == 25
    assert idata.log_likelihood["y"].dims[-1] == "obs"
    assert idata.attrs["backend"] == "numpyro" and idata.attrs["method"] == method


def test_map_mode_and_pointwise_loglik_are_exact(normal_data):
    from scipy.stats import norm

    idata = fit(normal_mean, normal_data, method="map", draws=200, seed=0)
    import json

    mode = json.loads(idata.attrs["map_estimate"])["mu"]
    mean, _ = exact_posterior(normal_data["y"])
    assert mode == pytest.approx(mean, abs=1e-6)
    mu = idata.posterior["mu"].values[0, :5]
    ll = idata.log_likelihood["y"].values[0, :5]
    expected = norm.logpdf(normal_data["y"][None, :], mu[:, None], SIGMA)
    np.testing.assert_allclose(ll, expected, rtol=1e-10)


def test_pymc_backend_agrees(normal_data):
    pytest.importorskip("pymc")
    a = fit(normal_mean, normal_data, method="map", draws=2000, seed=2)
    b = fit(normal_mean, normal_data, backend="pymc", method="map", draws=2000, seed=2)
    import json

    ma = json.loads(a.attrs["map_estimate"])["mu"]
    mb = json.loads(b.attrs["map_estimate"])["mu"]
    assert ma == pytest.approx(mb, abs=1e-5)
    assert float(a.posterior["mu"].std()) == pytest.approx(float(b.posterior["mu"].std()),
                                                           rel=0.1)
    np.testing.assert_allclose(a.log_likelihood["y"].shape, b.log_likelihood["y"].shape)
    assert b.attrs["backend"] == "pymc"


@pytest.mark.slow
def test_pymc_nuts_agrees_with_numpyro_nuts(normal_data):
    pytest.importorskip("pymc")
    a = fit(normal_mean, normal_data, method="nuts", draws=1000, tune=500, seed=3)
    b = fit(normal_mean, normal_data, backend="pymc", method="nuts", draws=1000, tune=500,
            seed=3)
    mean, sd = exact_posterior(normal_data["y"])
    for idata in (a, b):
        post = idata.posterior["mu"].values.ravel()
        assert abs(post.mean() - mean) < 0.15 * sd
        assert "diverging" in idata.sample_stats
    import arviz as az

    assert az.loo(b).elpd_loo == pytest.approx(az.loo(a).elpd_loo, abs=0.5)


def test_same_seed_same_numbers(normal_data):
    a = fit(normal_mean, normal_data, method="map", draws=50, seed=5)
    b = fit(normal_mean, normal_data, method="map", draws=50, seed=5)
    c = fit(normal_mean, normal_data, method="map", draws=50, seed=6)
    np.testing.assert_array_equal(a.posterior["mu"].values, b.posterior["mu"].values)
    assert not np.array_equal(a.posterior["mu"].values, c.posterior["mu"].values)


def test_compare_prefers_the_true_model():
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    y = 1.0 + 2.0 * x + rng.normal(0, 0.5, size=60)
    fits = {
        "slope": fit(line, {"x": x, "y": y, "slope": True}, method="map", draws=400),
        "flat": fit(line, {"x": x, "y": y, "slope": False}, method="map", draws=400),
    }
    table = compare(fits)
    assert list(table.index) == ["slope", "flat"]
    assert table.loc["flat", "elpd_diff"] > 10
    assert {"elpd_loo", "se", "weight", "n_bad_k", "n_obs"} <= set(table.columns)
    with pytest.raises(CogalignError, match="at least two"):
        compare({"one": fits["slope"]})


def test_compare_keeps_a_fit_with_non_finite_loo_unranked():
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    y = 1.0 + 2.0 * x + rng.normal(0, 0.5, size=60)
    fits = {name: fit(line, {"x": x, "y": y, "slope": slope}, method="map", draws=200)
            for name, slope in (("slope", True), ("flat", False), ("broken", True))}
    ll = fits["broken"].log_likelihood["y"].values.copy()
    ll[0, :5, 3] = np.nan
    fits["broken"].log_likelihood["y"].values = ll
    with pytest.warns(UserWarning, match=r"broken \(its pointwise log-likelihood holds 5 NaN"):
        table = compare(fits)
    assert list(table.index) == ["slope", "flat", "broken"]
    assert np.isnan(table.loc["broken", "rank"]) and table.loc["broken", "weight"] == 0
    assert table.loc["slope", "weight"] + table.loc["flat", "weight"] == pytest.approx(1.0)
    assert table.loc["broken", "problem"].startswith("its pointwise") and not table.loc[
        "slope", "problem"]
    with pytest.raises(CogalignError, match="finite PSIS-LOO"):
        compare({"slope": fits["slope"], "broken": fits["broken"]})


def test_summarize_reports_intervals(nuts_fit):
    table = summarize(nuts_fit, interval=0.9)
    assert set(["mean", "sd", "lower", "upper", "r_hat", "ess_bulk"]) <= set(table.columns)
    row = table.loc["mu"]
    assert row["lower"] < row["mean"] < row["upper"]


def test_convergence_problems_are_reported():
    import arviz as az

    from cogalign.bayes import check_convergence

    rng = np.random.default_rng(0)
    stuck = np.stack([rng.normal(0, 1, 50), rng.normal(3, 1, 50)])  # chains disagree
    idata = az.from_dict(posterior={"mu": stuck, "ok": rng.normal(size=(2, 50))},
                         sample_stats={"diverging": np.r_[np.zeros(97), np.ones(3)]
                                       .reshape(2, 50).astype(bool)})
    with pytest.warns(ConvergenceWarning) as record:
        diag = check_convergence(idata)
    text = " ".join(str(r.message) for r in record)
    assert "r-hat above 1.01" in text and "mu" in text
    assert "ESS below 200" in text and "3 divergent" in text
    assert diag["divergences"] == 3 and diag["max_rhat"] > 1.5
    clean = az.from_dict(posterior={"mu": rng.normal(size=(4, 1000))})
    assert check_convergence(clean, warn=False)["problems"] == []


def test_nuts_fit_records_diagnostics(nuts_fit):
    assert {"max_rhat", "min_ess_bulk", "divergences"} <= set(nuts_fit.attrs)
    assert nuts_fit.attrs["max_rhat"] < 1.05
    assert "diverging" in nuts_fit.sample_stats


def test_errors_are_clear(normal_data):
    with pytest.raises(CogalignError, match="backend"):
        fit(normal_mean, normal_data, backend="stan")
    with pytest.raises(CogalignError, match="method"):
        fit(normal_mean, normal_data, method="vi")
    with pytest.raises(CogalignError, match="observed data"):
        fit(normal_mean, {"n_obs": normal_data["n_obs"]})
    with pytest.raises(CogalignError, match="no PyMC version"):
        fit(line, {"x": np.zeros(3), "y": np.zeros(3)}, backend="pymc", method="map")


def test_simulate_fixes_sites():
    draws = simulate(normal_mean, {"mu": 100.0}, {"n_obs": np.zeros(500)}, seed=0)
    assert draws["y"].shape == (500,)
    assert abs(draws["y"].mean() - 100.0) < 0.5
    again = simulate(normal_mean, {"mu": 100.0}, {"n_obs": np.zeros(500)}, seed=0)
    np.testing.assert_array_equal(draws["y"], again["y"])


def test_recover_covers_at_the_nominal_rate():
    table = recover(normal_mean, {"mu": 1.0}, {"n_obs": np.zeros(20)}, n_sims=40,
                    interval=0.9, seed=0, draws=400)
    summary = recovery_summary(table)
    # the Laplace approximation is exact here: coverage ~ Binomial(40, 0.9) / 40
    assert 0.75 <= summary.loc["mu", "coverage"] <= 1.0
    assert abs(summary.loc["mu", "bias"]) < 0.2
    assert {"sim", "parameter", "true", "mean", "lower", "upper", "covered", "rank"} <= set(
        table.columns)


def test_recover_with_prior_draws_and_vector_parameters():
    P = [Param("theta", 0.0, 1.0, 0.0, 1.0)]

    def coins(n, y=None):
        theta = sample_numpyro(P, n_groups=3)["theta"]
        with numpyro.plate("obs", n.shape[0]):
            numpyro.sample("y", dist.Binomial(n, theta[np.arange(n.shape[0]) % 3]), obs=y)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = recover(coins, None, {"n": np.full(30, 20)}, n_sims=2, var_names=["theta"],
                        seed=1, draws=200)
    assert set(table["parameter"]) == {"theta[0]", "theta[1]", "theta[2]"}
    assert len(table) == 6


def test_loo_stays_finite_when_a_point_is_predicted_with_certainty():
    """One answer of the hierarchical quasi-hyperbolic fit on Ericson et al. (2015): the
    log-likelihood is 0 to float precision in most draws, ArviZ's Pareto fit divides by zero
    and its elpd_loo is NaN; plain importance sampling is exact enough there."""
    from pathlib import Path

    import arviz as az

    from cogalign.bayes import loo

    rng = np.random.default_rng(0)
    flat = np.load(Path(__file__).parent / "data" / "near_certain_loglik.npy")
    ll = rng.normal(-0.7, 0.2, size=flat.shape + (30,))
    ll[..., 11] = flat
    idata = az.from_dict(posterior={"m": np.zeros(flat.shape)}, log_likelihood={"y": ll})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = az.loo(idata, pointwise=True)
    assert np.isnan(float(raw.elpd_loo))  # the failure this guards against
    result = loo(idata)
    loo_i = np.asarray(result.loo_i)
    assert np.all(np.isfinite(loo_i))
    exact = np.log(flat.size) - np.log(np.sum(np.exp(-flat.ravel())))
    assert loo_i[11] == pytest.approx(exact, rel=1e-9)
    others = np.delete(np.asarray(raw.loo_i), 11)
    np.testing.assert_allclose(np.delete(loo_i, 11), others)
    assert float(result.elpd_loo) == pytest.approx(others.sum() + exact)
    assert float(result.se) == pytest.approx(np.sqrt(loo_i.size * np.var(loo_i)))
