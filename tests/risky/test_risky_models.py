"""The NumPyro models: PyMC parity, likelihood oracles, parameter recovery."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

pytest.importorskip("numpyro")

from cogalign.bayes import fit  # noqa: E402
from cogalign.data.groups import participant_index  # noqa: E402
from cogalign.intertemporal.likelihoods import intertemporal_log_likelihood  # noqa: E402
from cogalign.intertemporal.models import intertemporal_model, intertemporal_params  # noqa: E402
from cogalign.intertemporal.simulate import simulate_intertemporal  # noqa: E402
from cogalign.risky.gambles import problem_arrays, rates_to_counts  # noqa: E402
from cogalign.risky.likelihoods import risky_rates_log_likelihood  # noqa: E402
from cogalign.risky.models import risky_params, risky_rates_model, risky_trials_model  # noqa: E402
from cogalign.risky.simulate import (  # noqa: E402
    random_problems,
    simulate_rates,
    simulate_risky_trials,
)


def _rates_data(n=40, seed=0, **config):
    table = simulate_rates(random_problems(n, seed=seed), "cpt", seed=seed)
    k, total = rates_to_counts(table)
    return table, {**problem_arrays(table), "n_choices": total, "y": k, **config}


def _trials_data(seed=0, **config):
    table = simulate_risky_trials(3, 12, "cpt", seed=seed)
    idx, ids = participant_index(table["participant_id"])
    y = (table["response"] == "B").to_numpy(dtype=np.int64)
    return {**problem_arrays(table), "participant": idx, "n_participants": len(ids), "y": y,
            **config}


def _it_data(model, hierarchical, seed=0):
    table = simulate_intertemporal(4, 10, model, seed=seed)
    data = {c: table[c].to_numpy(dtype=float) for c in ("x1", "t1", "x2", "t2")}
    data["y"] = table["response"].to_numpy(dtype=np.int64)
    data["model"] = model
    if hierarchical:
        idx, ids = participant_index(table["participant_id"])
        data.update(participant=idx, n_participants=len(ids))
    return data


FAMILIES = {
    "rates-cpt-prelec-betabinomial": (risky_rates_model, lambda: _rates_data(
        theory="cpt", weighting="prelec", likelihood="beta-binomial")[1]),
    "rates-pt-tk": (risky_rates_model, lambda: _rates_data(theory="pt")[1]),
    "trials-cpt-hierarchical": (risky_trials_model, lambda: _trials_data(theory="cpt")),
    "intertemporal-qh-hierarchical": (intertemporal_model,
                                      lambda: _it_data("quasi-hyperbolic", True)),
    "intertemporal-itch": (intertemporal_model, lambda: _it_data("itch", False)),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_numpyro_and_pymc_log_densities_agree(family):
    """Same priors, same likelihood: the log joint densities are equal at random points.

    (PyTensor's FAST_COMPILE mode skips the log-sigmoid stabilisation that the default mode
    applies, so points are kept where choice probabilities do not underflow.)
    """
    pytest.importorskip("pymc")
    import functools

    import jax
    from numpyro import handlers
    from numpyro.infer.util import log_density

    from cogalign.bayes import get_pymc_builder, split_data

    model, make = FAMILIES[family]
    data = make()
    arrays, static = split_data(data)
    bound = functools.partial(model, **static)
    rng = np.random.default_rng(1)
    with jax.enable_x64(True):
        tr = handlers.trace(handlers.seed(bound, 0)).get_trace(**arrays)
        latent = {k: v for k, v in tr.items() if v["type"] == "sample" and not v["is_observed"]}
        point = {}
        for name, site in latent.items():
            shape = np.shape(site["value"])
            loc = np.asarray(getattr(site["fn"], "loc", 0.0))  # near the prior centre
            value = loc + rng.normal(0, 0.4, size=shape)
            if name.startswith("b_xa"):  # per-unit-of-money coefficient: keep logits moderate
                value = value * 1e-3
            point[name] = np.abs(value) + 0.1 if name.endswith("_sigma") else value
        lp_numpyro = float(log_density(bound, (), arrays, point)[0])
    pm_model = get_pymc_builder(model)(**data)
    values = {}
    for v in pm_model.value_vars:
        base = v.name.replace("_log__", "")
        values[v.name] = np.log(point[base]) if v.name.endswith("_log__") else point[base]
    lp_pymc = float(pm_model.compile_logp(jacobian=False, mode="FAST_COMPILE")(values))
    assert lp_pymc == pytest.approx(lp_numpyro, rel=1e-7, abs=1e-8)


def test_stored_log_likelihood_matches_the_numpy_reference(cpt_fit, cpt_rates):
    table, idata = cpt_rates, cpt_fit.idata_
    post = idata.posterior
    for d in (0, 7):
        params = {p.name: float(post[p.name].values[0, d]) for p in risky_params("cpt")}
        ref = risky_rates_log_likelihood(table, "cpt", params)
        np.testing.assert_allclose(idata.log_likelihood["y"].values[0, d], ref, rtol=1e-7)
    it = simulate_intertemporal(6, 10, "itch", seed=4)
    data = {c: it[c].to_numpy(dtype=float) for c in ("x1", "t1", "x2", "t2")}
    data.update(y=it["response"].to_numpy(dtype=np.int64), model="itch")
    idata = fit(intertemporal_model, data, method="map", draws=10, seed=0)
    params = {p.name: float(idata.posterior[p.name].values[0, 3])
              for p in intertemporal_params("itch")}
    np.testing.assert_allclose(idata.log_likelihood["y"].values[0, 3],
                               intertemporal_log_likelihood(it, "itch", params), rtol=1e-9)


@pytest.mark.slow
def test_pymc_and_numpyro_map_agree_on_cpt():
    pytest.importorskip("pymc")
    _, data = _rates_data(n=300, seed=5, theory="cpt")
    kw = dict(method="map", draws=300, seed=0, posterior_predictive=False, log_likelihood=False)
    a = fit(risky_rates_model, data, **kw)
    b = fit(risky_rates_model, data, backend="pymc", **kw)
    ma, mb = json.loads(a.attrs["map_estimate"]), json.loads(b.attrs["map_estimate"])
    for name in ("alpha", "beta", "lam", "gamma_gain", "gamma_loss", "phi"):
        assert ma[name] == pytest.approx(mb[name], rel=2e-3, abs=2e-4), name
        sa, sb = float(a.posterior[name].std()), float(b.posterior[name].std())
        assert sa == pytest.approx(sb, rel=0.2), name
    assert a.attrs["map_logp"] == pytest.approx(b.attrs["map_logp"], abs=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("family", ["rates-eu", "intertemporal-hyperbolic-hierarchical"])
def test_pymc_and_numpyro_nuts_posteriors_agree(family):
    """Posterior means agree within Monte Carlo error (both default NUTS samplers)."""
    pytest.importorskip("pymc")
    import arviz as az

    if family == "rates-eu":  # (CPT's densities agree exactly: see the log-density test)
        _, data = _rates_data(n=150, seed=6, theory="eu")
        model, names = risky_rates_model, ["alpha", "phi"]
    else:
        table = simulate_intertemporal(12, 15, "hyperbolic", seed=7)
        idx, ids = participant_index(table["participant_id"])
        data = {c: table[c].to_numpy(dtype=float) for c in ("x1", "t1", "x2", "t2")}
        data.update(y=table["response"].to_numpy(dtype=np.int64), participant=idx,
                    n_participants=len(ids), model="hyperbolic")
        model, names = intertemporal_model, ["k_pop", "phi_pop", "k_sigma"]
    kw = dict(method="nuts", draws=500, tune=500, chains=2, seed=1, posterior_predictive=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = fit(model, data, **kw)
        b = fit(model, data, backend="pymc", **kw)
    for name in names:
        xa, xb = a.posterior[name], b.posterior[name]
        mcse = np.hypot(float(az.mcse(xa.to_dataset(), method="mean")[name]),
                        float(az.mcse(xb.to_dataset(), method="mean")[name]))
        diff = abs(float(xa.mean()) - float(xb.mean()))
        assert diff < 4 * mcse + 0.05 * float(xa.std()), name
    assert az.loo(a).elpd_loo == pytest.approx(az.loo(b).elpd_loo, abs=2.0)


def _twin_gradient_case(kind):
    if kind == "intertemporal-hyperbolic":
        table = simulate_intertemporal(3, 12, "hyperbolic", seed=0)
        data = {c: table[c].to_numpy(dtype=float) for c in ("x1", "t1", "x2", "t2")}
        data.update(y=table["response"].to_numpy(dtype=np.int64), model="hyperbolic")
        return intertemporal_model, data, "phi_raw"
    if kind == "trials-eu":
        table = simulate_risky_trials(2, 15, "eu", seed=1)
        y = (table["response"] == "B").to_numpy(dtype=np.int64)
        return risky_trials_model, {**problem_arrays(table), "y": y, "theory": "eu"}, "phi_raw"
    table, data = _rates_data(n=30, seed=2, theory="eu")
    return risky_rates_model, data, "phi_raw"


@pytest.mark.parametrize("kind", ["intertemporal-hyperbolic", "trials-eu", "rates-eu"])
def test_pymc_twins_stay_finite_at_extreme_logits(kind):
    """PyMC's Bernoulli(logit_p) has a NaN gradient for y=0 past logit 37 and its
    Binomial(logit_p) a -inf log-probability; the twins must match NumPyro's stable
    log-density and gradient there (large sensitivities, as in NUTS warm-up)."""
    pytest.importorskip("pymc")
    import functools

    import jax
    from numpyro.infer.util import log_density

    from cogalign.bayes import get_pymc_builder, split_data

    model, data, big = _twin_gradient_case(kind)
    arrays, static = split_data(data)
    bound = functools.partial(model, **static)
    pm_model = get_pymc_builder(model)(**data)
    names = [v.name for v in pm_model.value_vars]
    logp = pm_model.compile_logp(jacobian=False)
    dlogp = pm_model.compile_dlogp(jacobian=False)
    for value in (0.0, 6.0, 10.0):  # phi up to ~1e5 times its prior median
        point = {n: np.asarray(0.0) for n in names}
        point[big] = np.asarray(value)
        with jax.enable_x64(True):
            def lp(p):
                return log_density(bound, (), arrays, p)[0]

            jp = {n: jax.numpy.asarray(v) for n, v in point.items()}
            lp_np = float(lp(jp))
            grad_np = jax.grad(lp)(jp)
        lp_pm = float(logp(point))
        grad_pm = np.asarray(dlogp(point))
        assert np.isfinite(lp_pm) and np.all(np.isfinite(grad_pm)), (value, lp_pm, grad_pm)
        assert lp_pm == pytest.approx(lp_np, rel=1e-9)
        np.testing.assert_allclose(grad_pm, [float(grad_np[n]) for n in names], rtol=1e-7,
                                   atol=1e-9)
