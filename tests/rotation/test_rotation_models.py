"""Bayesian models of mental rotation: backend parity, stored likelihood, parameter recovery."""

from __future__ import annotations

import functools

import numpy as np
import pytest

pytest.importorskip("numpyro")

from cogalign.bayes import recover, recovery_summary  # noqa: E402
from cogalign.rotation.data import model_data  # noqa: E402
from cogalign.rotation.functions import location, rt_log_density, sample_rt  # noqa: E402
from cogalign.rotation.models import accuracy_model, joint_model, rt_model  # noqa: E402

FAMILIES = {
    "linear-wald-hierarchical": (rt_model, dict(model="linear", family="wald")),
    "concave-lognormal-pooled": (rt_model, dict(model="concave", hierarchical=False)),
    "two-stage-hierarchical": (rt_model, dict(model="two-stage")),
    "accuracy-hierarchical": (accuracy_model, dict(model="accuracy")),
    "joint-hierarchical": (joint_model, dict(model="joint")),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_numpyro_and_pymc_log_densities_agree(family, small_study):
    """Same priors, same likelihood: the log joint densities are equal at a random point."""
    pytest.importorskip("pymc")
    import jax
    from numpyro import handlers
    from numpyro.infer.util import log_density

    from cogalign.bayes import get_pymc_builder, split_data

    fn, kw = FAMILIES[family]
    data, _ = model_data(small_study.loc[small_study["participant_id"].isin(["p1", "p2", "p3"])], **kw)
    arrays, static = split_data(data)
    bound = functools.partial(fn, **static)
    rng = np.random.default_rng(1)
    with jax.enable_x64(True):
        tr = handlers.trace(handlers.seed(bound, 0)).get_trace(**arrays)
        point = {}
        for name, site in tr.items():
            if site["type"] == "sample" and not site["is_observed"]:
                value = rng.normal(0, 0.4, size=np.shape(site["value"]))
                point[name] = np.abs(value) + 0.1 if name.endswith("_sigma") else value
        lp_numpyro = float(log_density(bound, (), arrays, point)[0])
    pm_model = get_pymc_builder(fn)(**data)
    values = {}
    for v in pm_model.value_vars:
        base = v.name.replace("_log__", "")
        values[v.name] = np.log(point[base]) if v.name.endswith("_log__") else point[base]
    lp_pymc = float(pm_model.compile_logp(jacobian=False, mode="FAST_COMPILE")(values))
    assert np.isfinite(lp_numpyro)
    assert lp_pymc == pytest.approx(lp_numpyro, rel=1e-7, abs=1e-6)


def test_rt_density_integrates_to_one_and_matches_its_sampler():
    from scipy.integrate import quad

    rng = np.random.default_rng(0)
    cases = [("lognormal", dict(loc=1.2, disp=0.4, shift=0.3)),
             ("wald", dict(loc=1.5, disp=6.0, shift=0.2)),
             ("exgaussian", dict(loc=1.4, disp=0.25, tau=0.5))]
    for family, kw in cases:
        for p in (0.0, 0.05):
            def density(y, family=family, p=p, kw=kw):
                return np.exp(rt_log_density(np.array([y]), family, p_contam=p, rt_max=8.0, **kw))[0]

            total = quad(density, -3.0, 30.0, limit=200, points=[0.3, 1.0, 2.0])[0]
            assert total == pytest.approx(1.0, abs=2e-4)
        draws = sample_rt(rng, family, size=20000, rt_max=8.0, p_contam=0.05, **kw)
        grid = np.linspace(0.05, 7.95, 400)
        cdf = np.cumsum(np.exp(rt_log_density(grid, family, p_contam=0.05, rt_max=8.0, **kw)))
        cdf = cdf * (grid[1] - grid[0])
        median = grid[np.searchsorted(cdf, 0.5)]
        assert np.median(draws) == pytest.approx(median, abs=0.03)


def test_stored_log_likelihood_matches_the_numpy_reference(linear_fit):
    idata = linear_fit.idata_
    post = idata.posterior
    const = idata.constant_data
    angle, mirror = const["angle"].values, const["mirror"].values
    who, min_rt = const["participant"].values, const["min_rt"].values
    y = idata.observed_data["y"].values
    for draw in (0, 77, 119):
        pick = {k: post[k].values[0, draw] for k in ("intercept", "slope", "shift_frac", "sigma",
                                                     "mirror_intercept", "mirror_slope",
                                                     "p_contam")}
        theta = {k: (v[who] if np.ndim(v) else v) for k, v in pick.items()}
        loc = location(angle, mirror, theta, "linear")
        ref = rt_log_density(y, "lognormal", loc, theta["sigma"], theta["shift_frac"] * min_rt[who],
                             theta["p_contam"], linear_fit.rt_max_)
        np.testing.assert_allclose(idata.log_likelihood["y"].values[0, draw], ref, rtol=1e-9)


def _design(n: int, seed: int, joint: bool = False) -> dict:
    rng = np.random.default_rng(seed)
    angle = rng.choice([0.0, 45.0, 90.0, 135.0, 180.0], size=n)
    mirror = rng.integers(0, 2, size=n).astype(float)
    out = {"angle": angle, "mirror": mirror, "participant": np.zeros(n, dtype=np.int64),
           "n_participants": None}
    if joint:
        out.update(min_rt=np.array([0.6]), rt_index=np.arange(0, n, 2), rt_max=10.0)
    return out


RECOVERY = {
    "linear": (rt_model, dict(shape="linear", family="lognormal", min_rt=np.array([0.6]),
                              rt_max=10.0),
               {"intercept": 0.9, "slope": 12.0, "shift_frac": 0.5, "sigma": 0.3,
                "mirror_intercept": 0.1, "mirror_slope": -0.3, "p_contam": 0.02}),
    "concave-wald": (rt_model, dict(shape="concave", family="wald", min_rt=np.array([0.6]),
                                    rt_max=10.0),
                     {"intercept": 0.9, "slope": 12.0, "shift_frac": 0.5, "lam": 10.0,
                      "gamma": 0.6, "mirror_intercept": 0.1, "mirror_slope": -0.3,
                      "p_contam": 0.02}),
    "two-stage": (rt_model, dict(shape="linear", family="exgaussian", min_rt=np.array([0.6]),
                                 rt_max=10.0),
                  {"intercept": 1.0, "slope": 10.0, "sigma": 0.2, "search": 0.4,
                   "search_slope": 0.3, "mirror_intercept": 0.1, "mirror_slope": -0.3,
                   "p_contam": 0.02}),
    "accuracy": (accuracy_model, {},
                 {"acc_intercept": 2.5, "acc_slope": -0.8, "mirror_acc": -0.3,
                  "mirror_acc_slope": 0.2}),
    "joint": (joint_model, {},
              {"intercept": 0.9, "slope": 12.0, "shift_frac": 0.5, "sigma": 0.3,
               "mirror_intercept": 0.1, "mirror_slope": -0.3, "p_contam": 0.02,
               "acc_intercept": 2.5, "kappa": 1.0, "mirror_acc": -0.3}),
}


@pytest.mark.parametrize("name", sorted(RECOVERY))
def test_parameter_recovery(name):
    """Data simulated from each model at known values; the MAP + Laplace fit covers them."""
    fn, extra, truth = RECOVERY[name]
    data = {**_design(1000 if name != "accuracy" else 3000, seed=len(name), joint=name == "joint"),
            **extra}
    observed = ("y", "correct") if name == "joint" else "y"
    table = recover(fn, truth, data, n_sims=2, interval=0.995, seed=1, observed=observed,
                    draws=400)
    summary = recovery_summary(table)
    assert summary["coverage"].min() == 1.0, summary
    key = "slope" if "slope" in truth else "acc_slope"
    assert summary.loc[key, "mean_sd"] < 0.2 * abs(truth[key])  # and the data inform it


def test_hierarchical_fit_recovers_people(linear_fit, small_study):
    """The estimator's NUTS fit: the population slope and each person's slope."""
    truth = small_study.attrs["truth"]
    true_slopes = np.array([p["slope"] for p in truth])
    assert linear_fit.idata_.attrs["divergences"] == 0
    pop = linear_fit.slope_["same"]
    assert pop["lower"] < 10.0 < pop["upper"] * 1.15  # population median of the simulation
    people = linear_fit.person_slopes()
    assert people.index.tolist() == [f"p{i}" for i in range(1, 9)]
    assert np.corrcoef(people["slope_mean"], true_slopes)[0, 1] > 0.5
    assert (people["speed_mean"] > 0).all()
