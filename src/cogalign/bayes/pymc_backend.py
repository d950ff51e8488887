"""The PyMC backend of :func:`cogalign.bayes.fit`: a model's PyMC version, fitted by NUTS, MAP or ADVI.

The PyMC version of a NumPyro model is registered with :func:`cogalign.bayes.register_pymc`.
MAP uses the same optimiser and Laplace step as the NumPyro backend
(:func:`cogalign.bayes.laplace.map_laplace`) on PyMC's compiled log density and gradient.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from cogalign.bayes.laplace import laplace_posterior, map_laplace

__all__ = ["fit_pymc"]


def fit_pymc(model, arrays, static, obs_names, s, nuts_sampler, cores, want_ll, want_pp):
    """Fit a model's PyMC twin by the settings ``s``: ArviZ data with the same groups."""
    import logging

    from cogalign.bayes.registry import get_pymc_builder

    builder = get_pymc_builder(model)
    pm_model = builder(**arrays, **static)
    attrs: dict[str, Any] = {}
    logger = logging.getLogger("pymc")
    level = logger.level
    if not s["progress"]:
        logger.setLevel(logging.WARNING)
    try:
        return _fit_pymc_inner(pm_model, obs_names, s, nuts_sampler, cores, want_ll, want_pp,
                               attrs)
    finally:
        logger.setLevel(level)


def _fit_pymc_inner(pm_model, obs_names, s, nuts_sampler, cores, want_ll, want_pp, attrs):
    import pymc as pm

    with pm_model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", message=".*dims.*")
        warnings.filterwarnings("ignore", message=".*could not link to a BLAS.*")
        if s["method"] == "nuts":
            idata = pm.sample(
                draws=s["draws"], tune=s["tune"], chains=s["chains"], cores=cores,
                random_seed=s["seed"], target_accept=s["target_accept"],
                progressbar=s["progress"], compute_convergence_checks=False,
                nuts_sampler=nuts_sampler,
                init="jitter+adapt_full" if s["dense_mass"] else "auto",
            )
            posterior = {k: idata.posterior[k].values for k in idata.posterior.data_vars}
            stats = {}
            st = idata.sample_stats
            for name in ("diverging", "n_steps", "tree_depth", "acceptance_rate", "energy", "lp"):
                if name in st:
                    stats[name] = st[name].values
            groups = {"posterior": posterior, "sample_stats": stats}
        elif s["method"] == "map":
            groups, attrs = _pymc_map(pm_model, s)
        else:
            approx = pm.fit(n=s["num_steps"], method="advi" if s["guide"] == "normal" else
                            "fullrank_advi", random_seed=s["seed"], progressbar=s["progress"],
                            obj_optimizer=pm.adam(learning_rate=s["learning_rate"]))
            draws_idata = approx.sample(s["draws"], random_seed=s["seed"] + 1)
            posterior = {k: draws_idata.posterior[k].values for k in draws_idata.posterior.data_vars}
            groups = {"posterior": posterior}
            hist = np.asarray(approx.hist)
            attrs = {"svi_final_loss": float(hist[-1])} if hist.size else {}
        import arviz as az

        tmp = az.from_dict(posterior=groups["posterior"])
        if want_ll:
            ll = pm.compute_log_likelihood(tmp, var_names=obs_names, extend_inferencedata=False,
                                           progressbar=False)
            ll = getattr(ll, "log_likelihood", ll)
            groups["log_likelihood"] = {k: ll[k].values for k in ll.data_vars}
        if want_pp:
            pp = pm.sample_posterior_predictive(tmp, var_names=obs_names, random_seed=s["seed"] + 7,
                                                progressbar=False, extend_inferencedata=False)
            pp = getattr(pp, "posterior_predictive", pp)
            groups["posterior_predictive"] = {k: pp[k].values for k in pp.data_vars}
    return groups, attrs


def _pymc_map(pm_model, s) -> tuple[dict, dict]:
    from pymc.blocking import DictToArrayBijection, RaveledVars

    value_vars = pm_model.value_vars
    logp = pm_model.compile_logp(jacobian=True)
    dlogp = pm_model.compile_dlogp(jacobian=True)
    ip0 = pm_model.initial_point(random_seed=s["seed"])
    ip0 = {v.name: ip0[v.name] for v in value_vars}
    info = DictToArrayBijection.map(ip0).point_map_info

    def to_point(x):
        return DictToArrayBijection.rmap(RaveledVars(np.asarray(x, dtype=float), info))

    def neg_log_density(x):
        p = to_point(x)
        return -float(logp(p)), -np.asarray(dlogp(p), dtype=float)

    laplace = map_laplace(neg_log_density, DictToArrayBijection.map(ip0).data,
                          draws=s["draws"], seed=s["seed"], n_restarts=s["n_restarts"],
                          maxiter=s["maxiter"])
    outs = pm_model.unobserved_value_vars
    fn = pm_model.compile_fn(outs, inputs=value_vars, on_unused_input="ignore", point_fn=False)
    rows = [fn(*[to_point(x)[v.name] for v in value_vars]) for x in laplace.points]
    names_free = {rv.name for rv in pm_model.free_RVs} | {d.name for d in pm_model.deterministics}
    values = {out.name: np.stack([np.asarray(r[j]) for r in rows])
              for j, out in enumerate(outs) if out.name in names_free}
    return laplace_posterior(values, laplace)
