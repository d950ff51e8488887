"""NumPyro vs PyMC: effective samples per second on the same hierarchical models.

Run:  python benchmarks/bayes.py [--quick] [--json]

Models (identical priors and likelihoods in both backends, see cogalign.risky.models and
cogalign.intertemporal.models):

1. hierarchical cumulative prospect theory (non-centred, per-participant alpha, beta, lambda,
   gamma+, gamma-, phi) on simulated single trials over choices13k-style problems;
2. hierarchical hyperbolic discounting on Ericson et al. (2015) (real data when the dataset is
   on COGALIGN_DATA_PATH, else simulated data of the same design);

plus a full choices13k CPT fit (MAP + Laplace, then NUTS) when the dataset is available.

For each backend: compile time (NumPyro: the seconds JAX reports spending on tracing and XLA
compilation during the run, from its ``jax.monitoring`` compile events - a second
``MCMC.run`` recompiles the sampler, so it cannot serve as a compile-free run; PyMC: building
the log-density and gradient function), sampling time (warm-up + draws, without compilation),
the smallest bulk ESS over the population-level parameters, ESS per second of sampling, and
the cost of one log-density-and-gradient evaluation in each backend (which bounds the ESS/s
ratio when the gradient dominates). The goal stated in the design: NumPyro at least 3x PyMC's
default sampler.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import warnings

import numpy as np

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")


def _population_names(idata) -> list[str]:
    return [v for v in idata.posterior.data_vars if v.endswith(("_mu", "_sigma"))]


def _min_ess(idata) -> float:
    import arviz as az

    names = _population_names(idata)
    ess = az.ess(idata.posterior, var_names=names, method="bulk")
    return float(min(float(np.min(ess[n].values)) for n in names))


_COMPILE_EVENTS = ("/jax/core/compile/jaxpr_trace_duration",
                   "/jax/core/compile/jaxpr_to_mlir_module_duration",
                   "/jax/core/compile/backend_compile_duration")


@contextlib.contextmanager
def _compile_seconds():
    """Sum the durations of JAX's tracing, lowering and XLA compilation events in the block.

    JAX records a trace event only for top-level traces, so the events do not nest.
    """
    import jax.monitoring as monitoring

    out = {"seconds": 0.0}

    def listener(event: str, duration: float, **kwargs) -> None:
        if event in _COMPILE_EVENTS:
            out["seconds"] += float(duration)

    monitoring.register_event_duration_secs_listener(listener)
    try:
        yield out
    finally:
        monitoring.unregister_event_duration_listener(listener)


def _numpyro(model, data, draws, tune, chains, seed):
    import jax
    from numpyro.infer import MCMC, NUTS

    from cogalign.bayes import split_data

    arrays, static = split_data(data)
    import functools

    bound = functools.partial(model, **static)
    method = "parallel" if _parallel_chains(chains) > 1 else "sequential"
    with jax.enable_x64(True), _compile_seconds() as compiled:
        mcmc = MCMC(NUTS(bound), num_warmup=tune, num_samples=draws, num_chains=chains,
                    chain_method=method, progress_bar=False)
        t0 = time.perf_counter()
        mcmc.run(jax.random.PRNGKey(seed), **arrays)
        # JAX dispatches asynchronously: wait for the draws before stopping the clock
        jax.block_until_ready(mcmc.get_samples(group_by_chain=True))
        total_s = time.perf_counter() - t0
    # every MCMC.run traces and compiles its sampler again (a second run is no compile-free
    # reference), so compile time is what JAX reports for tracing and compiling in this run
    compile_s = min(compiled["seconds"], total_s)
    sampling_s = total_s - compile_s
    import arviz as az

    idata = az.from_dict(posterior={k: np.asarray(v) for k, v in
                                    mcmc.get_samples(group_by_chain=True).items()})
    return idata, compile_s, sampling_s


def _parallel_chains(chains: int) -> int:
    """Chains run at once: all of them when JAX has a device per chain, else one at a time.

    Both backends run their chains the same way, so neither gets more cores than the other.
    """
    import jax

    return chains if jax.local_device_count() >= chains else 1


def _pymc(model, data, draws, tune, chains, seed):
    import pymc as pm

    from cogalign.bayes import get_pymc_builder

    builder = get_pymc_builder(model)
    t0 = time.perf_counter()
    pm_model = builder(**data)
    pm_model.logp_dlogp_function(ravel_inputs=True)  # what NUTS compiles
    compile_s = time.perf_counter() - t0
    with pm_model, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=_parallel_chains(chains),
                          random_seed=seed, progressbar=False, compute_convergence_checks=False)
    sampling_s = float(idata.sample_stats.attrs.get("sampling_time", np.nan))
    return idata, compile_s, sampling_s


def _gradient_microseconds(model, data, n_calls=200):
    """Microseconds per log-density-and-gradient call: JAX (jitted) and PyTensor (compiled).

    NUTS spends its time in these calls plus the sampler's own per-step work; when the
    gradient dominates, the backends' ESS per second can only differ by its ratio.
    """
    import functools

    import jax
    from numpyro.infer.util import initialize_model

    from cogalign.bayes import get_pymc_builder, split_data

    arrays, static = split_data(data)
    bound = functools.partial(model, **static)
    with jax.enable_x64(True):
        info = initialize_model(jax.random.PRNGKey(0), bound, model_kwargs=arrays)
        grad = jax.jit(jax.value_and_grad(info.potential_fn))
        z = info.param_info.z
        jax.block_until_ready(grad(z))
        t0 = time.perf_counter()
        for _ in range(n_calls):
            out = grad(z)
        jax.block_until_ready(out)
        jax_us = (time.perf_counter() - t0) / n_calls * 1e6
    pm_model = get_pymc_builder(model)(**data)
    fn = pm_model.logp_dlogp_function(ravel_inputs=True)
    fn.set_extra_values({})
    x = np.concatenate([np.ravel(v) for v in pm_model.initial_point().values()])
    fn(x)
    t0 = time.perf_counter()
    for _ in range(n_calls):
        fn(x)
    pymc_us = (time.perf_counter() - t0) / n_calls * 1e6
    return {"numpyro": jax_us, "pymc": pymc_us}


def _cpt_data(n_participants, n_trials, seed):
    from cogalign.data.groups import participant_index
    from cogalign.risky.gambles import problem_arrays
    from cogalign.risky.simulate import simulate_risky_trials

    table = simulate_risky_trials(n_participants, n_trials, "cpt", sd=0.3, seed=seed)
    idx, ids = participant_index(table["participant_id"])
    return {**problem_arrays(table, same_width=False), "participant": idx, "n_participants": len(ids),
            "y": (table["response"] == "B").to_numpy(dtype=np.int64), "theory": "cpt"}


def _hyperbolic_data(n_participants, seed):
    from cogalign.data.groups import participant_index

    source = "simulated"
    try:
        from cogalign.data import load

        table = load("ericson2015", download=False, progress=False)
        source = "ericson2015"
    except Exception:
        from cogalign.intertemporal.simulate import simulate_intertemporal

        table = simulate_intertemporal(n_participants or 940, 25, "hyperbolic", seed=seed)
    if n_participants is not None:
        keep = sorted(table["participant_id"].unique())[:n_participants]
        table = table[table["participant_id"].isin(keep)]
    table = table[table["response"].notna()]
    idx, ids = participant_index(table["participant_id"])
    data = {c: table[c].to_numpy(dtype=float) for c in ("x1", "t1", "x2", "t2")}
    data.update(y=table["response"].to_numpy(dtype=np.int64), participant=idx,
                n_participants=len(ids), model="hyperbolic")
    return data, source, len(ids), len(table)


def _full_choices13k(draws, tune, chains):
    from cogalign.data import load
    from cogalign.risky.estimators import RiskyChoiceModel

    try:
        table = load("choices13k", download=False, progress=False)
    except Exception as exc:  # dataset absent
        return {"skipped": str(exc).splitlines()[0]}
    out = {}
    for method in ("map", "nuts"):
        t0 = time.perf_counter()
        est = RiskyChoiceModel("cpt", method=method, draws=draws, tune=tune, chains=chains,
                               fit_kwargs={"posterior_predictive": False})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(table)
        out[method] = {"seconds": time.perf_counter() - t0, "n_problems": est.n_obs_,
                       "lam": est.params_["lam"], "alpha": est.params_["alpha"]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-full", action="store_true", help="skip the choices13k fit")
    args = parser.parse_args(argv)
    from cogalign.intertemporal.models import intertemporal_model
    from cogalign.risky.models import risky_trials_model

    if args.quick:
        args.draws, args.tune = 100, 100
        cpt = _cpt_data(8, 30, args.seed)
        hyp, source, n_p, n_t = _hyperbolic_data(40, args.seed)
    else:
        cpt = _cpt_data(12, 50, args.seed)
        hyp, source, n_p, n_t = _hyperbolic_data(100, args.seed)
    cases = [
        ("hierarchical CPT (simulated, "
         f"{cpt['n_participants']} x {len(cpt['y']) // cpt['n_participants']} trials)",
         risky_trials_model, cpt),
        (f"hierarchical hyperbolic ({source}, {n_p} people, {n_t} trials)",
         intertemporal_model, hyp),
    ]
    rows = []
    for label, model, data in cases:
        res = {}
        for backend, run in (("numpyro", _numpyro), ("pymc", _pymc)):
            idata, compile_s, sampling_s = run(model, data, args.draws, args.tune, args.chains,
                                               args.seed)
            ess = _min_ess(idata)
            res[backend] = {"compile_s": compile_s, "sampling_s": sampling_s,
                            "min_ess_bulk": ess, "ess_per_s": ess / sampling_s}
        grad_us = _gradient_microseconds(model, data)
        for backend in ("numpyro", "pymc"):
            res[backend]["gradient_us"] = grad_us[backend]
        rows.append({"model": label, **res,
                     "ratio_ess_per_s": res["numpyro"]["ess_per_s"] / res["pymc"]["ess_per_s"],
                     "ratio_gradient": grad_us["pymc"] / grad_us["numpyro"]})
    full = None if (args.quick or args.skip_full) else _full_choices13k(args.draws, args.tune,
                                                                        args.chains)
    payload = {"draws": args.draws, "tune": args.tune, "chains": args.chains, "cases": rows,
               "choices13k_cpt": full}
    if args.json:
        print(json.dumps(payload, indent=2))
        return 0
    print(f"{args.chains} chains x ({args.tune} warm-up + {args.draws} draws); "
          "ESS = smallest bulk ESS over population parameters")
    for r in rows:
        print(f"\n{r['model']}")
        print(f"  {'backend':<9}{'compile s':>11}{'sampling s':>12}{'min ESS':>10}{'ESS/s':>10}"
              f"{'gradient us':>13}")
        for b in ("numpyro", "pymc"):
            x = r[b]
            print(f"  {b:<9}{x['compile_s']:>11.1f}{x['sampling_s']:>12.1f}"
                  f"{x['min_ess_bulk']:>10.0f}{x['ess_per_s']:>10.2f}{x['gradient_us']:>13.0f}")
        print(f"  NumPyro / PyMC ESS per second: {r['ratio_ess_per_s']:.2f}x "
              f"(per gradient call: {r['ratio_gradient']:.2f}x)")
    if full:
        print(f"\nfull choices13k CPT fit: {json.dumps(full)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
