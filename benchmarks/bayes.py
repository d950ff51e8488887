r"""NumPyro vs PyMC: effective samples per second on the same hierarchical models; choices13k.

Run (one thread per process; JAX with one host device, so both backends run their chains one
after the other on one core):

    XLA_FLAGS=--xla_force_host_platform_device_count=1 OMP_NUM_THREADS=1 \
        python benchmarks/bayes.py [--quick] [--json] [--skip-full | --full]

Models (identical priors and likelihoods in both backends, see cogalign.risky.models and
cogalign.intertemporal.models):

1. hierarchical cumulative prospect theory (non-centred, per-participant alpha, beta, lambda,
   gamma+, gamma-, phi) on simulated single trials over choices13k-style problems;
2. hierarchical hyperbolic discounting on Ericson et al. (2015) (real data when the dataset is
   on COGALIGN_DATA_PATH, else simulated data of the same design).

Each runs three times: NumPyro in double precision, NumPyro in single precision (JAX's
default; its posterior is checked against the double-precision one) and PyMC's default NUTS
(double precision). For each: compile time (NumPyro: tracing and XLA compilation of the whole
sampler, done ahead of time so the sampling clock starts after it; PyMC: building the
log-density and gradient function), sampling time (warm-up + draws) in wall-clock and in CPU
seconds of the process, the smallest bulk ESS over the population-level parameters, ESS per
second of each, mean leapfrog steps per draw, and the CPU cost of one log-density-and-gradient
evaluation. CPU seconds are what a loaded machine does not inflate: the ratios of ESS per CPU
second are the ones to quote when other processes share the cores. The goal stated in the
design: NumPyro at least 3x PyMC's default sampler.

Without ``--skip-full``, and with choices13k on COGALIGN_DATA_PATH, the full data set
(``--full`` runs only this part):

* a pooled CPT fit to all 11,759 unambiguous problems by NUTS (dense mass matrix, single
  precision, ``--full-draws``/``--full-tune`` per chain), with its wall time, bulk and tail
  ESS, r-hat and divergences, checked against the double-precision MAP + Laplace fit;
* the peak resident memory of ``cogalign fit risky --model cpt --dataset choices13k`` (run as a
  child process; the goal is under 2 GB).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")

#: Goals of the benchmark (issue: speed).
ESS_RATIO_GOAL = 3.0
FULL_MINUTES_GOAL = 10.0
PEAK_RSS_GOAL_MB = 2048.0


def _population_names(idata) -> list[str]:
    return [v for v in idata.posterior.data_vars if v.endswith(("_mu", "_sigma"))]


def _min_ess(idata) -> float:
    import arviz as az

    names = _population_names(idata)
    ess = az.ess(idata.posterior, var_names=names, method="bulk")
    return float(min(float(np.min(ess[n].values)) for n in names))


def _single_precision(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """float64 -> float32 and int64 -> int32: the arrays JAX uses without x64."""
    out = {}
    for k, v in arrays.items():
        if v.dtype == np.float64:
            v = v.astype(np.float32)
        elif v.dtype == np.int64:
            v = v.astype(np.int32)
        out[k] = v
    return out


_COMPILE_EVENTS = ("/jax/core/compile/jaxpr_trace_duration",
                   "/jax/core/compile/jaxpr_to_mlir_module_duration",
                   "/jax/core/compile/backend_compile_duration")


@contextlib.contextmanager
def _compile_seconds():
    """Sum the durations of JAX's tracing, lowering and XLA compilation events in the block."""
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


def _numpyro(model, data, draws, tune, chains, seed, x64=True):
    """NumPyro's NUTS, chain after chain, with the sampler compiled before the clock starts.

    The warm-up and sampling loop of one chain is one ``lax.scan`` over ``NUTS.sample`` (what
    :class:`numpyro.infer.MCMC` runs), lowered and compiled ahead of time; every chain then runs
    the compiled program. Returns ``(idata, compile_s, sampling_s)``; ``idata.attrs`` also
    holds ``sampling_cpu_s`` (CPU seconds of the process while sampling) and ``mean_steps``.
    """
    import arviz as az
    import jax
    from numpyro.infer import NUTS

    from cogalign.bayes import split_data

    arrays, static = split_data(data)
    if not x64:
        arrays = _single_precision(arrays)
    bound = functools.partial(model, **static)
    with jax.enable_x64(x64):
        t0 = time.perf_counter()
        kernel = NUTS(bound)
        keys = jax.random.split(jax.random.PRNGKey(seed), chains)
        states = [kernel.init(keys[c], tune, model_kwargs=arrays) for c in range(chains)]

        def run_chain(state):
            def step(s, _):
                s = kernel.sample(s, (), arrays)
                return s, (s.z, s.num_steps, s.diverging)

            return jax.lax.scan(step, state, None, length=tune + draws)[1]

        compiled = jax.jit(run_chain).lower(states[0]).compile()
        constrain = jax.jit(jax.vmap(kernel.postprocess_fn((), arrays)))
        compile_s = time.perf_counter() - t0
        outs = []
        w0, c0 = time.perf_counter(), time.process_time()
        for state in states:
            outs.append(compiled(state))
            jax.block_until_ready(outs[-1])
        sampling_s = time.perf_counter() - w0
        sampling_cpu_s = time.process_time() - c0
        chains_out = [{k: np.asarray(v) for k, v in constrain(
            jax.tree_util.tree_map(lambda a: a[tune:], z)).items()} for z, _, _ in outs]
    posterior = {k: np.stack([c[k] for c in chains_out]) for k in chains_out[0]}
    steps = np.concatenate([np.asarray(n)[tune:] for _, n, _ in outs])
    divergences = int(sum(np.asarray(d)[tune:].sum() for _, _, d in outs))
    idata = az.from_dict(posterior=posterior)
    idata.attrs.update(sampling_cpu_s=sampling_cpu_s, mean_steps=float(steps.mean()),
                       divergences=divergences)
    return idata, compile_s, sampling_s


def _parallel_chains(chains: int) -> int:
    """Chains PyMC runs at once: all of them when JAX has a device per chain, else one.

    The NumPyro runs here go chain after chain on one device; PyMC gets the same, so neither
    backend uses more cores than the other.
    """
    import jax

    return chains if jax.local_device_count() >= chains else 1


def _pymc(model, data, draws, tune, chains, seed):
    """PyMC's default NUTS; sampling CPU time counts from the first draw's callback."""
    import pymc as pm

    from cogalign.bayes import get_pymc_builder

    builder = get_pymc_builder(model)
    t0 = time.perf_counter()
    pm_model = builder(**data)
    pm_model.logp_dlogp_function(ravel_inputs=True)  # what NUTS compiles
    compile_s = time.perf_counter() - t0
    cores = _parallel_chains(chains)
    first: dict[str, float] = {}

    def started(trace, draw) -> None:
        first.setdefault("cpu", time.process_time())

    with pm_model, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=cores,
                          random_seed=seed, progressbar=False, compute_convergence_checks=False,
                          callback=started if cores == 1 else None)
    cpu = time.process_time() - first["cpu"] if "cpu" in first else np.nan
    sampling_s = float(idata.sample_stats.attrs.get("sampling_time", np.nan))
    idata.attrs.update(sampling_cpu_s=cpu,
                       mean_steps=float(idata.sample_stats["n_steps"].values.mean()),
                       divergences=int(idata.sample_stats["diverging"].values.sum()))
    return idata, compile_s, sampling_s


def _cpu_microseconds(fn, n_calls: int) -> float:
    """CPU microseconds per call: the smallest mean over a few blocks of ``n_calls`` calls."""
    import jax

    best = np.inf
    for _ in range(5):
        c0 = time.process_time()
        for _ in range(n_calls):
            out = fn()
        jax.block_until_ready(out)
        best = min(best, (time.process_time() - c0) / n_calls)
    return best * 1e6


def _gradient_microseconds(model, data, n_calls=200, numpyro_x64=True):
    """CPU microseconds per log-density-and-gradient call: JAX (jitted) and PyTensor (compiled).

    NUTS spends its time in these calls plus the sampler's own per-step work; when the
    gradient dominates, the backends' ESS per second can only differ by its ratio. (A jitted
    JAX call from Python also pays a dispatch cost that the compiled sampler does not.)
    """
    import jax
    from numpyro.infer.util import initialize_model

    from cogalign.bayes import get_pymc_builder, split_data

    arrays, static = split_data(data)
    if not numpyro_x64:
        arrays = _single_precision(arrays)
    bound = functools.partial(model, **static)
    with jax.enable_x64(numpyro_x64):
        info = initialize_model(jax.random.PRNGKey(0), bound, model_kwargs=arrays)
        grad = jax.jit(jax.value_and_grad(info.potential_fn))
        z = info.param_info.z
        jax.block_until_ready(grad(z))
        jax_us = _cpu_microseconds(lambda: grad(z), n_calls)
    pm_model = get_pymc_builder(model)(**data)
    fn = pm_model.logp_dlogp_function(ravel_inputs=True)
    fn.set_extra_values({})
    x = np.concatenate([np.ravel(v) for v in pm_model.initial_point().values()])
    fn(x)
    pymc_us = _cpu_microseconds(lambda: fn(x), n_calls)
    return {"numpyro": jax_us, "pymc": pymc_us}


def _agreement(a, b) -> float:
    """Largest |difference of posterior means| / its Monte Carlo standard error."""
    import arviz as az

    worst = 0.0
    for name in _population_names(a):
        mcse_a = az.mcse(a.posterior[[name]], method="mean")[name].values
        mcse_b = az.mcse(b.posterior[[name]], method="mean")[name].values
        diff = np.abs(a.posterior[name].values.mean(axis=(0, 1))
                      - b.posterior[name].values.mean(axis=(0, 1)))
        worst = max(worst, float(np.max(diff / np.hypot(mcse_a, mcse_b))))
    return worst


def _cpt_data(n_participants, n_trials, seed):
    from cogalign.data.groups import participant_index
    from cogalign.risky.gambles import problem_arrays
    from cogalign.risky.simulate import simulate_risky_trials

    table = simulate_risky_trials(n_participants, n_trials, "cpt", sd=0.3, seed=seed)
    idx, ids = participant_index(table["participant_id"])
    return {**problem_arrays(table, same_width=False), "participant": idx,
            "n_participants": len(ids),
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


def _case(model, data, args) -> dict:
    res: dict = {}
    fits = {}
    runs = (("numpyro", functools.partial(_numpyro, x64=True)),
            ("numpyro_f32", functools.partial(_numpyro, x64=False)),
            ("pymc", _pymc))
    for backend, run in runs:
        idata, compile_s, sampling_s = run(model, data, args.draws, args.tune, args.chains,
                                           args.seed)
        ess = _min_ess(idata)
        cpu = float(idata.attrs["sampling_cpu_s"])
        fits[backend] = idata
        res[backend] = {"compile_s": compile_s, "sampling_s": sampling_s, "sampling_cpu_s": cpu,
                        "min_ess_bulk": ess, "ess_per_s": ess / sampling_s,
                        "ess_per_cpu_s": ess / cpu, "mean_steps": idata.attrs["mean_steps"],
                        "divergences": idata.attrs["divergences"]}
    n_calls = 20 if args.quick else 200
    grad64 = _gradient_microseconds(model, data, n_calls)
    grad32 = _gradient_microseconds(model, data, n_calls, numpyro_x64=False)
    res["numpyro"]["gradient_us"] = grad64["numpyro"]
    res["numpyro_f32"]["gradient_us"] = grad32["numpyro"]
    res["pymc"]["gradient_us"] = min(grad64["pymc"], grad32["pymc"])
    for name in ("numpyro", "numpyro_f32"):
        res[f"ratio_{name}"] = {
            "ess_per_cpu_s": res[name]["ess_per_cpu_s"] / res["pymc"]["ess_per_cpu_s"],
            "ess_per_s": res[name]["ess_per_s"] / res["pymc"]["ess_per_s"],
            "gradient": res["pymc"]["gradient_us"] / res[name]["gradient_us"],
        }
    res["f32_vs_f64_max_z"] = _agreement(fits["numpyro_f32"], fits["numpyro"])
    res["f64_vs_pymc_max_z"] = _agreement(fits["numpyro"], fits["pymc"])
    return res


# --------------------------------------------------------------------------- choices13k


def _full_nuts(table, draws: int, tune: int, chains: int, seed: int) -> dict:
    """Pooled CPT on every unambiguous choices13k problem: NUTS (float32, dense mass) vs MAP."""
    import arviz as az

    from cogalign.risky.estimators import RiskyChoiceModel
    from cogalign.risky.models import risky_params

    names = [p.name for p in risky_params("cpt")]
    out: dict = {}
    t0 = time.perf_counter()
    ref = RiskyChoiceModel("cpt", method="map", draws=2000, seed=seed,
                           fit_kwargs={"posterior_predictive": False, "log_likelihood": False})
    ref.fit(table)
    out["map_seconds"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    est = RiskyChoiceModel("cpt", method="nuts", draws=draws, tune=tune, chains=chains,
                           seed=seed, fit_kwargs={"dense_mass": True, "x64": False,
                                                  "posterior_predictive": False})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(table)
    out["nuts_seconds"] = time.perf_counter() - t0
    post = est.idata_.posterior
    summary = az.summary(post, var_names=names, kind="diagnostics")
    stats = est.idata_.sample_stats
    out.update(
        n_problems=est.n_obs_, draws=draws, tune=tune, chains=chains,
        min_ess_bulk=float(summary["ess_bulk"].min()),
        min_ess_tail=float(summary["ess_tail"].min()),
        max_rhat=float(summary["r_hat"].max()),
        divergences=int(stats["diverging"].values.sum()),
        mean_steps=float(stats["n_steps"].values.mean()),
        sampler_seconds=float(est.idata_.attrs["seconds"]),
    )
    # the single-precision posterior against the double-precision MAP + Laplace one
    ref_post = ref.idata_.posterior
    out["params"] = {
        n: {"nuts_mean": float(post[n].mean()), "nuts_sd": float(post[n].std()),
            "map_mean": float(ref_post[n].mean()), "map_sd": float(ref_post[n].std())}
        for n in names
    }
    out["max_mean_diff_in_sd"] = max(
        abs(v["nuts_mean"] - v["map_mean"]) / v["map_sd"] for v in out["params"].values())
    return out


def _cli_peak_rss(args_cli: list[str]) -> dict:
    """Run ``cogalign`` in a child process; its peak resident set size comes from ``wait4``."""
    import tempfile

    cmd = [sys.executable, "-m", "cogalign.cli", *args_cli]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t0
        err.seek(0)
        message = err.read().decode(errors="replace")[-2000:]
    result = {"command": "cogalign " + " ".join(args_cli), "seconds": seconds,
              "peak_rss_mb": usage.ru_maxrss / 1024}  # Linux: kilobytes
    if proc.returncode != 0:
        result["error"] = message
    return result


def _full_choices13k(args) -> dict:
    from cogalign.data import load
    from cogalign.risky.gambles import select_ambiguous

    try:
        table = load("choices13k", download=False, progress=False)
    except Exception as exc:  # dataset absent
        return {"skipped": str(exc).splitlines()[0]}
    table = select_ambiguous(table, "exclude")
    out = {"nuts": _full_nuts(table, args.full_draws, args.full_tune, args.chains, args.seed)}
    out["cli_memory"] = _cli_peak_rss(["fit", "risky", "--model", "cpt", "--dataset",
                                       "choices13k", "--json"])
    return out


# --------------------------------------------------------------------------- report


def _settings() -> dict:
    import jax

    return {
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "xla_flags": os.environ.get("XLA_FLAGS"),
        "jax_devices": jax.local_device_count(),
    }


def _print_cases(payload: dict) -> None:
    print(f"{payload['chains']} chains x ({payload['tune']} warm-up + {payload['draws']} draws), "
          "run one after the other; ESS = smallest bulk ESS over population parameters; "
          "gradient = CPU us per log-density-and-gradient call")
    cols = (f"  {'backend':<13}{'compile s':>10}{'wall s':>9}{'CPU s':>8}{'min ESS':>9}"
            f"{'ESS/s':>8}{'ESS/CPU-s':>11}{'steps':>7}{'div':>5}{'gradient':>10}")
    for r in payload["cases"]:
        print(f"\n{r['model']}")
        print(cols)
        for b, label in (("numpyro", "numpyro f64"), ("numpyro_f32", "numpyro f32"),
                         ("pymc", "pymc f64")):
            x = r[b]
            print(f"  {label:<13}{x['compile_s']:>10.1f}{x['sampling_s']:>9.1f}"
                  f"{x['sampling_cpu_s']:>8.1f}{x['min_ess_bulk']:>9.0f}{x['ess_per_s']:>8.2f}"
                  f"{x['ess_per_cpu_s']:>11.2f}{x['mean_steps']:>7.1f}{x['divergences']:>5d}"
                  f"{x['gradient_us']:>10.0f}")
        for b, label in (("numpyro", "float64"), ("numpyro_f32", "float32")):
            q = r[f"ratio_{b}"]
            ok = "goal met" if q["ess_per_cpu_s"] >= ESS_RATIO_GOAL else "below goal"
            print(f"  NumPyro {label} / PyMC: ESS per CPU second {q['ess_per_cpu_s']:.2f}x "
                  f"({ok}: {ESS_RATIO_GOAL:g}x), per wall second {q['ess_per_s']:.2f}x, "
                  f"per gradient call {q['gradient']:.2f}x")
        print(f"  posterior means, largest |difference| / MCSE: float32 vs float64 "
              f"{r['f32_vs_f64_max_z']:.2f}, NumPyro float64 vs PyMC {r['f64_vs_pymc_max_z']:.2f}")


def _print_full(full: dict) -> None:
    if "skipped" in full:
        print(f"\nchoices13k: skipped ({full['skipped']})")
        return
    n = full["nuts"]
    minutes = n["nuts_seconds"] / 60
    print(f"\nchoices13k, pooled CPT on {n['n_problems']} problems: NUTS (float32, dense mass, "
          f"{n['chains']} chains x ({n['tune']} warm-up + {n['draws']} draws))")
    print(f"  fit {n['nuts_seconds']:.0f} s ({minutes:.1f} min, sampler {n['sampler_seconds']:.0f}"
          f" s; {'goal met' if minutes < FULL_MINUTES_GOAL else 'over'}: under "
          f"{FULL_MINUTES_GOAL:g} min), min bulk ESS {n['min_ess_bulk']:.0f}, min tail ESS "
          f"{n['min_ess_tail']:.0f}, max r-hat {n['max_rhat']:.3f}, divergences "
          f"{n['divergences']}, {n['mean_steps']:.1f} leapfrog steps per draw")
    print(f"  MAP + Laplace (float64): {n['map_seconds']:.0f} s; largest |NUTS mean - MAP mean| "
          f"= {n['max_mean_diff_in_sd']:.2f} posterior sd")
    for name, v in n["params"].items():
        print(f"    {name:<11} NUTS {v['nuts_mean']:.4f} ({v['nuts_sd']:.4f})   "
              f"MAP {v['map_mean']:.4f} ({v['map_sd']:.4f})")
    m = full["cli_memory"]
    if "error" in m:
        print(f"  {m['command']}: failed\n{m['error']}")
    else:
        ok = "goal met" if m["peak_rss_mb"] < PEAK_RSS_GOAL_MB else "over"
        print(f"  {m['command']}: peak resident memory {m['peak_rss_mb']:.0f} MB ({ok}: under "
              f"{PEAK_RSS_GOAL_MB:.0f} MB), {m['seconds']:.0f} s")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks chosen on the command line and print their table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--skip-full", action="store_true", help="skip the choices13k part")
    which.add_argument("--full", action="store_true", help="only the choices13k part")
    parser.add_argument("--full-draws", type=int, default=500,
                        help="NUTS draws per chain on choices13k")
    parser.add_argument("--full-tune", type=int, default=500,
                        help="NUTS warm-up per chain on choices13k")
    args = parser.parse_args(argv)
    from cogalign.intertemporal.models import intertemporal_model
    from cogalign.risky.models import risky_trials_model

    settings = _settings()
    rows = []
    if not args.full:
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
        rows = [{"model": label, **_case(model, data, args)} for label, model, data in cases]
    full = None if (args.quick or args.skip_full) else _full_choices13k(args)
    settings["load_average_end"] = os.getloadavg()
    payload = {"settings": settings, "draws": args.draws, "tune": args.tune,
               "chains": args.chains, "cases": rows, "choices13k": full}
    if args.json:
        print(json.dumps(payload, indent=2))
        return 0
    print(f"load average {settings['load_average'][0]:.2f} at the start, "
          f"{settings['load_average_end'][0]:.2f} at the end; {settings['cpus']} CPUs; "
          f"OMP_NUM_THREADS={settings['omp_num_threads']}; XLA_FLAGS={settings['xla_flags']}; "
          f"JAX devices {settings['jax_devices']}")
    if rows:
        _print_cases(payload)
    if full:
        _print_full(full)
    return 0


if __name__ == "__main__":
    sys.exit(main())
