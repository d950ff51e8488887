"""Fit a NumPyro model by NUTS, MAP (with a Laplace approximation) or SVI, in NumPyro or PyMC.

Whatever the backend and method, the result is one ArviZ ``InferenceData`` with the groups
``posterior``, ``log_likelihood`` (pointwise, computed at fit time, so :func:`arviz.loo` and
:func:`cogalign.bayes.compare` work at once), ``posterior_predictive``, ``observed_data`` and
``constant_data`` (and ``sample_stats`` for NUTS).

Data convention
---------------
A model is a plain NumPyro function called with keyword arguments. ``data`` holds them all:
array-like values (NumPy/JAX arrays, pandas Series, lists) are data; everything else (strings,
numbers, booleans, ``None``, tuples, dicts) is static configuration. The observation is the
keyword named by ``observed`` (``"y"`` by default), and the observed NumPyro site carries the
same name; the model must accept ``y=None`` and then sample it (that is what the posterior
predictive and :func:`cogalign.bayes.simulate` use).
"""

from __future__ import annotations

import functools
import json
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from cogalign.bayes.diagnostics import ConvergenceWarning, check_convergence
from cogalign.errors import CogalignError

__all__ = ["BACKENDS", "METHODS", "fit", "simulate", "split_data"]

BACKENDS = ("numpyro", "pymc")
METHODS = ("nuts", "map", "svi")
_SAMPLE_DIMS = ("chain", "draw")


# --------------------------------------------------------------------------- data plumbing


def _is_array(value: Any) -> bool:
    if isinstance(value, np.ndarray | list):
        return True
    if type(value).__module__.startswith(("jax", "jaxlib")):
        return True
    return hasattr(value, "to_numpy") and hasattr(value, "dtype")


def split_data(data: Mapping[str, Any] | None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Split model keyword arguments into array data and static configuration.

    Returns
    -------
    arrays, static
        ``arrays`` as NumPy arrays; ``static`` unchanged.
    """
    arrays: dict[str, np.ndarray] = {}
    static: dict[str, Any] = {}
    for key, value in (data or {}).items():
        if _is_array(value):
            arr = np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value)
            if arr.dtype == object:
                raise CogalignError(f"data '{key}' is not numeric (dtype object)")
            arrays[key] = arr
        else:
            static[key] = value
    return arrays, static


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _observed_names(observed: str | Sequence[str] | None) -> list[str]:
    if observed is None:
        return []
    return [observed] if isinstance(observed, str) else list(observed)


def _model_name(model: Callable) -> str:
    base = model
    while isinstance(base, functools.partial):
        base = base.func
    return getattr(base, "__name__", repr(base))


def _site_names(bound: Callable, arrays: Mapping[str, Any]) -> dict[str, list[str]]:
    """Names of latent, deterministic and observed sites of a model run on the data.

    The model is traced abstractly (:func:`jax.eval_shape`), so nothing is compiled or run.
    """
    import jax
    from numpyro import handlers

    found: dict[str, list[str]] = {"latent": [], "deterministic": [], "observed": []}

    def run(data):
        tr = handlers.trace(handlers.seed(bound, rng_seed=0)).get_trace(**data)
        for name, site in tr.items():
            if site["type"] == "sample":
                found["observed" if site["is_observed"] else "latent"].append(name)
            elif site["type"] == "deterministic":
                found["deterministic"].append(name)
        return 0.0

    jax.eval_shape(run, dict(arrays))
    return found


# --------------------------------------------------------------------------- public API


def fit(
    model: Callable,
    data: Mapping[str, Any] | None = None,
    *,
    backend: str = "numpyro",
    method: str = "nuts",
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 2,
    seed: int = 0,
    observed: str | Sequence[str] = "y",
    dims: Mapping[str, Sequence[str]] | None = None,
    coords: Mapping[str, Sequence[Any]] | None = None,
    target_accept: float = 0.8,
    max_tree_depth: int = 10,
    chain_method: str = "sequential",
    num_steps: int = 5000,
    learning_rate: float = 0.01,
    guide: str = "normal",
    n_restarts: int = 1,
    maxiter: int = 2000,
    log_likelihood: bool = True,
    posterior_predictive: bool = True,
    x64: bool = True,
    check: bool = True,
    progress: bool = False,
    nuts_sampler: str = "pymc",
    cores: int = 1,
) -> Any:
    """Fit a model and return ArviZ ``InferenceData``.

    Parameters
    ----------
    model
        A NumPyro model function (for ``backend="pymc"`` it must have a PyMC version, see
        :func:`cogalign.bayes.pymc_version`).
    data
        Keyword arguments of the model: array data, static settings and the observation
        (see the module docstring).
    backend
        ``"numpyro"`` (default) or ``"pymc"``.
    method
        ``"nuts"`` (No-U-Turn sampler; Hoffman & Gelman 2014), ``"map"`` (posterior mode in the
        unconstrained space by L-BFGS, then a Laplace approximation: draws from
        :math:`\\mathcal{N}(\\hat u, H^{-1})` with :math:`H` the Hessian of the negative log
        posterior at the mode :math:`\\hat u`, mapped to the constrained space), or ``"svi"``
        (stochastic variational inference with a mean-field or full-rank Normal guide).
    draws, tune, chains
        Posterior draws per chain, warm-up iterations per chain (NUTS) and chains (NUTS; MAP
        and SVI return one chain of ``draws``).
    seed
        Seed of every random choice (same seed, same numbers).
    observed
        Name(s) of the observed keyword/site.
    dims, coords
        ArviZ dimension names per variable (e.g. ``{"alpha": ["participant"], "y": ["obs"]}``)
        and their coordinates.
    target_accept, max_tree_depth, chain_method
        NUTS settings (``chain_method`` as in :class:`numpyro.infer.MCMC`).
    num_steps, learning_rate, guide
        SVI settings; ``guide`` is ``"normal"`` (mean-field) or ``"mvn"`` (full rank).
    n_restarts, maxiter
        MAP settings: optimiser starts (the first at zero on the unconstrained scale, the
        others uniform in (-2, 2); up to three more when none converged) and L-BFGS
        iterations per start. The Hessian is taken by
        central differences of the exact gradient.
    log_likelihood, posterior_predictive
        Store the pointwise log-likelihood / posterior predictive draws.
    x64
        Run NumPyro in double precision (as PyMC does); recommended for MAP.
    check
        Warn (:class:`~cogalign.bayes.ConvergenceWarning`) on r-hat, ESS, divergences, failed
        optimisation or an indefinite Hessian.
    progress
        Show progress bars.
    nuts_sampler, cores
        PyMC only: the NUTS implementation (``"pymc"``, ``"numpyro"``, ...) and the number of
        processes for chains.

    Returns
    -------
    arviz.InferenceData
        With ``attrs``: ``backend``, ``method``, ``model``, ``seconds`` (wall time of inference),
        and for MAP ``map_estimate`` (JSON of the mode of every variable) and ``map_logp``.

    Examples
    --------
    >>> import numpyro, numpyro.distributions as dist
    >>> def coin(n, y=None):
    ...     theta = numpyro.sample("theta", dist.Beta(1, 1))
    ...     numpyro.sample("y", dist.Binomial(n, theta), obs=y)
    >>> idata = fit(coin, {"n": np.array([10]), "y": np.array([7])}, method="map")  # doctest: +SKIP
    """
    if backend not in BACKENDS:
        raise CogalignError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if method not in METHODS:
        raise CogalignError(f"method must be one of {METHODS}, got {method!r}")
    if draws < 1 or chains < 1 or tune < 0:
        raise CogalignError("draws and chains must be at least 1 and tune at least 0")
    obs_names = _observed_names(observed)
    arrays, static = split_data(data)
    missing = [o for o in obs_names if o not in arrays]
    if missing:
        raise CogalignError(f"observed data {missing} not found among the data keys {sorted(arrays)}")
    settings = dict(
        method=method, draws=draws, tune=tune, chains=chains, seed=seed,
        target_accept=target_accept, max_tree_depth=max_tree_depth, chain_method=chain_method,
        num_steps=num_steps, learning_rate=learning_rate, guide=guide, n_restarts=n_restarts,
        maxiter=maxiter, progress=progress,
    )
    t0 = time.perf_counter()
    if backend == "numpyro":
        import jax

        with jax.enable_x64(x64):
            groups, attrs = _fit_numpyro(model, arrays, static, obs_names, settings)
            groups = _add_predictions(
                model, arrays, static, obs_names, groups, seed, log_likelihood, posterior_predictive
            )
    else:
        groups, attrs = _fit_pymc(
            model, arrays, static, obs_names, settings, nuts_sampler, cores,
            log_likelihood, posterior_predictive,
        )
    seconds = time.perf_counter() - t0
    groups["observed_data"] = {o: arrays[o] for o in obs_names}
    groups["constant_data"] = {k: v for k, v in arrays.items() if k not in obs_names}
    attrs.update(backend=backend, method=method, model=_model_name(model), seconds=seconds,
                 seed=seed)
    idata = _to_idata(groups, dims, coords, attrs)
    if check and method == "nuts":
        diag = check_convergence(idata, warn=True)
        idata.attrs["max_rhat"] = diag["max_rhat"]
        idata.attrs["min_ess_bulk"] = diag["min_ess_bulk"]
        idata.attrs["divergences"] = diag["divergences"]
    elif check:
        for problem in attrs.get("_problems", []):
            warnings.warn(problem, ConvergenceWarning, stacklevel=2)
    idata.attrs.pop("_problems", None)
    return idata


def _to_idata(groups: dict[str, dict], dims, coords, attrs: dict) -> Any:
    import arviz as az

    dims = {k: list(v) for k, v in (dims or {}).items()}
    coords = {k: list(v) for k, v in (coords or {}).items()}
    kwargs = {g: {k: np.asarray(v) for k, v in d.items()} for g, d in groups.items() if d}
    # only keep dims for variables that exist, with the right number of axes
    shapes: dict[str, int] = {}
    for g, d in kwargs.items():
        lead = 0 if g in ("observed_data", "constant_data") else 2
        for k, v in d.items():
            shapes[k] = v.ndim - lead
    use_dims = {k: v for k, v in dims.items() if k in shapes and shapes[k] == len(v)}
    used = {d for v in use_dims.values() for d in v}
    use_coords = {k: v for k, v in coords.items() if k in used}
    clean_attrs = {k: v for k, v in attrs.items() if not k.startswith("_")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        idata = az.from_dict(**kwargs, dims=use_dims, coords=use_coords, attrs=clean_attrs)
    idata.attrs.update(clean_attrs)
    return idata


# --------------------------------------------------------------------------- NumPyro


def _fit_numpyro(model, arrays, static, obs_names, s) -> tuple[dict, dict]:
    bound = functools.partial(model, **static) if static else model
    if s["method"] == "nuts":
        return _numpyro_nuts(bound, arrays, s)
    if s["method"] == "map":
        return _numpyro_map(model, bound, arrays, static, obs_names, s)
    return _numpyro_svi(bound, arrays, obs_names, s)


def _by_chain(samples: Mapping[str, Any], chains: int) -> dict[str, np.ndarray]:
    out = {}
    for k, v in samples.items():
        v = np.asarray(v)
        out[k] = v.reshape((chains, v.shape[0] // chains) + v.shape[1:])
    return out


def _numpyro_nuts(bound, arrays, s) -> tuple[dict, dict]:
    import jax
    from numpyro.infer import MCMC, NUTS

    kernel = NUTS(bound, target_accept_prob=s["target_accept"], max_tree_depth=s["max_tree_depth"])
    mcmc = MCMC(
        kernel, num_warmup=s["tune"], num_samples=s["draws"], num_chains=s["chains"],
        chain_method=s["chain_method"], progress_bar=s["progress"],
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*There are not enough devices.*")
        mcmc.run(
            jax.random.PRNGKey(s["seed"]),
            extra_fields=("diverging", "num_steps", "accept_prob", "energy", "potential_energy"),
            **arrays,
        )
    posterior = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    extra = mcmc.get_extra_fields(group_by_chain=True)
    stats = {
        "diverging": np.asarray(extra["diverging"]),
        "n_steps": np.asarray(extra["num_steps"]),
        "tree_depth": np.log2(np.asarray(extra["num_steps"]) + 1).astype(int),
        "acceptance_rate": np.asarray(extra["accept_prob"]),
        "energy": np.asarray(extra["energy"]),
        "lp": -np.asarray(extra["potential_energy"]),
    }
    return {"posterior": posterior, "sample_stats": stats}, {}


_JIT_CACHE: dict[Any, Any] = {}


def _cache_key(kind: str, model, static, arrays, extra=()) -> tuple:
    import jax

    base = (model.func, model.args, _freeze(model.keywords)) \
        if isinstance(model, functools.partial) else model
    return (
        kind,
        base,
        _freeze(static),
        tuple((k, np.shape(v), str(np.asarray(v).dtype)) for k, v in sorted(arrays.items())),
        extra,
        bool(jax.config.jax_enable_x64),
    )


def _cached(key: tuple, build: Callable[[], Any]) -> Any:
    """Jitted functions are reused across fits of the same model with same-shaped data."""
    if key not in _JIT_CACHE:
        if len(_JIT_CACHE) > 128:
            _JIT_CACHE.clear()
        _JIT_CACHE[key] = build()
    return _JIT_CACHE[key]


def _unconstrained_template(model, bound, arrays, static) -> dict[str, Any]:
    """Zeros shaped like the unconstrained latent sites (found by abstract tracing)."""
    import jax
    from numpyro import handlers
    from numpyro.infer.util import unconstrain_fn

    def build():
        def shapes(data):
            tr = handlers.trace(handlers.seed(bound, rng_seed=0)).get_trace(**data)
            values = {k: v["value"] for k, v in tr.items()
                      if v["type"] == "sample" and not v["is_observed"]}
            return unconstrain_fn(bound, (), data, values)

        out = jax.eval_shape(shapes, dict(arrays))
        return {k: np.zeros(v.shape, dtype=np.float64) for k, v in out.items()}

    return _cached(_cache_key("template", model, static, arrays), build)


def _map_functions(model, bound, arrays, static, template):
    """Jitted value-and-grad and constrain functions, cached by model and data shapes."""
    import jax
    from jax.flatten_util import ravel_pytree
    from numpyro.infer.util import constrain_fn, potential_energy

    _, unravel = ravel_pytree(template)
    extra = tuple((k, np.shape(v)) for k, v in sorted(template.items()))

    def build():
        def energy(u, data):
            return potential_energy(bound, (), data, unravel(u))

        def constrain(u, data):
            return constrain_fn(bound, (), data, unravel(u), return_deterministic=True)

        return (
            jax.jit(jax.value_and_grad(energy)),
            jax.jit(jax.vmap(constrain, in_axes=(0, None))),
            unravel,
        )

    return _cached(_cache_key("map", model, static, arrays, extra), build)


def _fd_hessian(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Hessian by central differences of an exact gradient (2d gradient calls).

    Cheaper than compiling forward-over-reverse differentiation of the model, and accurate to
    about 1e-7 relative in double precision.
    """
    d = x.size
    H = np.empty((d, d))
    for i in range(d):
        h = 1e-5 * max(1.0, abs(x[i]))
        e = np.zeros(d)
        e[i] = h
        H[:, i] = (grad(x + e) - grad(x - e)) / (2 * h)
    return 0.5 * (H + H.T)


def _converged(res: Any, gtol: float = 1e-3) -> bool:
    """An L-BFGS result counts as converged when scipy says so or the gradient is ~0."""
    if res is None or not np.isfinite(res.fun):
        return False
    return bool(res.success) or float(np.max(np.abs(res.jac))) < gtol


def _numpyro_map(model, bound, arrays, static, obs_names, s) -> tuple[dict, dict]:
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree
    from scipy.optimize import minimize

    data = {k: jnp.asarray(v) for k, v in arrays.items()}
    rng = np.random.default_rng(s["seed"])
    template = _unconstrained_template(model, bound, arrays, static)
    x_zero = np.asarray(ravel_pytree(template)[0], dtype=float)
    vg, constrain, unravel = _map_functions(model, bound, arrays, static, template)

    def fun(x):
        v, g = vg(jnp.asarray(x), data)
        return float(v), np.asarray(g, dtype=float)

    best = None
    problems: list[str] = []
    n_starts = max(1, s["n_restarts"])
    start = 0
    # first start at 0 on the unconstrained scale, others uniform in (-2, 2) as in Stan; up to
    # three more random starts when no start has converged
    while start < n_starts or (start < n_starts + 3 and not _converged(best)):
        x0 = x_zero if start == 0 else rng.uniform(-2.0, 2.0, size=x_zero.size)
        start += 1
        if not np.isfinite(fun(x0)[0]):
            continue
        res = minimize(fun, x0, jac=True, method="L-BFGS-B",
                       options={"maxiter": s["maxiter"], "maxfun": 4 * s["maxiter"]})
        if best is None or (np.isfinite(res.fun) and res.fun < best.fun):
            best = res
    if best is None or not np.isfinite(best.fun):
        raise CogalignError("MAP: no starting point with a finite log posterior was found")
    x_hat = best.x
    grad_norm = float(np.max(np.abs(best.jac))) if best.jac is not None else np.nan
    if not _converged(best):
        problems.append(f"MAP optimisation stopped before converging ({best.message}); "
                        f"largest gradient {grad_norm:.2g}: raise maxiter or n_restarts")
    H = _fd_hessian(lambda x: fun(x)[1], x_hat)
    evals, evecs = np.linalg.eigh(H)
    if not np.all(np.isfinite(evals)):
        raise CogalignError("MAP: the Hessian at the mode is not finite")
    floor = 1e-8 * max(1.0, float(np.max(np.abs(evals))))
    if np.min(evals) <= floor:
        problems.append(
            f"Laplace approximation: the Hessian at the mode is not positive definite "
            f"(smallest eigenvalue {np.min(evals):.3g}); some parameters are not identified "
            "and their intervals are unreliable"
        )
        evals = np.maximum(evals, floor)
    scale = evecs / np.sqrt(evals)  # columns: cov = scale @ scale.T
    z = rng.standard_normal((s["draws"], x_hat.size))
    u = x_hat[None, :] + z @ scale.T
    u = np.concatenate([x_hat[None, :], u], axis=0)
    cons = constrain(jnp.asarray(u), data)
    mode = {k: np.asarray(v[0]) for k, v in cons.items()}
    posterior = {k: np.asarray(v[1:])[None] for k, v in cons.items()}
    attrs = {
        "map_estimate": json.dumps({k: np.asarray(v).tolist() for k, v in mode.items()}),
        "map_logp": float(-best.fun),
        "map_converged": int(bool(best.success)),
        "laplace_min_eigenvalue": float(np.min(evals)),
        "_problems": problems,
    }
    return {"posterior": posterior}, attrs


def _numpyro_svi(bound, arrays, obs_names, s) -> tuple[dict, dict]:
    import jax
    import jax.numpy as jnp
    import numpyro.optim as optim
    from numpyro.infer import SVI, Predictive, Trace_ELBO
    from numpyro.infer.autoguide import AutoMultivariateNormal, AutoNormal
    from numpyro.infer.initialization import init_to_median

    data = {k: jnp.asarray(v) for k, v in arrays.items()}
    if s["guide"] == "normal":
        guide = AutoNormal(bound, init_loc_fn=init_to_median(num_samples=15), init_scale=0.1)
    elif s["guide"] == "mvn":
        guide = AutoMultivariateNormal(bound, init_loc_fn=init_to_median(num_samples=15),
                                       init_scale=0.1)
    else:
        raise CogalignError(f"guide must be 'normal' or 'mvn', got {s['guide']!r}")
    svi = SVI(bound, guide, optim.Adam(s["learning_rate"]), Trace_ELBO())
    result = svi.run(jax.random.PRNGKey(s["seed"]), s["num_steps"], progress_bar=s["progress"],
                     **data)
    losses = np.asarray(result.losses)
    problems = []
    if not np.all(np.isfinite(losses[-max(1, len(losses) // 10):])):
        raise CogalignError("SVI failed: the ELBO is not finite; lower learning_rate")
    window = max(1, len(losses) // 10)
    if len(losses) >= 4 * window:
        last, before = losses[-window:].mean(), losses[-2 * window:-window].mean()
        if abs(before - last) > 0.01 * max(1.0, abs(last)) and abs(before - last) > 1.0:
            problems.append(f"SVI has not converged: the mean loss still changed from {before:.4g} "
                            f"to {last:.4g} over the last {window} steps; raise num_steps")
    key = jax.random.PRNGKey(s["seed"] + 1)
    latent = guide.sample_posterior(key, result.params, sample_shape=(s["draws"],))
    names = _site_names(bound, data)
    data_wo = {k: v for k, v in data.items() if k not in obs_names}
    if names["deterministic"]:
        dets = Predictive(bound, posterior_samples=latent, return_sites=names["deterministic"],
                          batch_ndims=1)(jax.random.PRNGKey(s["seed"] + 2), **data_wo)
        latent = {**latent, **dets}
    posterior = {k: np.asarray(v)[None] for k, v in latent.items()}
    attrs = {"svi_final_loss": float(losses[-1]), "_problems": problems}
    return {"posterior": posterior}, attrs


def _add_predictions(model, arrays, static, obs_names, groups, seed, want_ll, want_pp) -> dict:
    import jax
    import jax.numpy as jnp
    from numpyro.infer import Predictive
    from numpyro.infer.util import log_likelihood as np_log_likelihood

    if not (want_ll or want_pp):
        return groups
    bound = functools.partial(model, **static) if static else model
    post = groups["posterior"]
    first = next(iter(post.values()))
    n_chain, n_draw = first.shape[:2]
    data = {k: jnp.asarray(v) for k, v in arrays.items()}
    data_wo = {k: v for k, v in data.items() if k not in obs_names}
    names = _cached(_cache_key("sites", model, static, arrays),
                    lambda: _site_names(bound, data))
    flat = {k: jnp.asarray(np.asarray(v).reshape((n_chain * n_draw,) + v.shape[2:]))
            for k, v in post.items() if k in names["latent"]}
    shapes = tuple((k, v.shape) for k, v in sorted(flat.items()))

    def build():
        def predictions(key, smp, d, d_wo):
            ll = (np_log_likelihood(bound, smp, batch_ndims=1, parallel=True, **d)
                  if want_ll else {})
            pp = (Predictive(bound, posterior_samples=smp, return_sites=list(obs_names),
                             batch_ndims=1, parallel=True)(key, **d_wo) if want_pp else {})
            return {k: v for k, v in ll.items() if k in obs_names}, pp

        return jax.jit(predictions)

    fn = _cached(_cache_key("predict", model, static, arrays,
                            (shapes, tuple(obs_names), want_ll, want_pp)), build)
    ll, pp = fn(jax.random.PRNGKey(seed + 7), flat, data, data_wo)
    if want_ll:
        groups["log_likelihood"] = _by_chain(ll, n_chain)
    if want_pp:
        groups["posterior_predictive"] = _by_chain(pp, n_chain)
    return groups


# --------------------------------------------------------------------------- PyMC


def _fit_pymc(model, arrays, static, obs_names, s, nuts_sampler, cores, want_ll, want_pp):

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
            )
            posterior = {k: idata.posterior[k].values for k in idata.posterior.data_vars}
            stats = {}
            st = idata.sample_stats
            for name in ("diverging", "n_steps", "tree_depth", "acceptance_rate", "energy", "lp"):
                if name in st:
                    stats[name] = st[name].values
            groups = {"posterior": posterior, "sample_stats": stats}
        elif s["method"] == "map":
            posterior, attrs = _pymc_map(pm_model, s)
            groups = {"posterior": posterior}
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
    from scipy.optimize import minimize

    value_vars = pm_model.value_vars
    logp = pm_model.compile_logp(jacobian=True)
    dlogp = pm_model.compile_dlogp(jacobian=True)
    ip0 = pm_model.initial_point(random_seed=s["seed"])
    ip0 = {v.name: ip0[v.name] for v in value_vars}
    info = DictToArrayBijection.map(ip0).point_map_info
    rng = np.random.default_rng(s["seed"])

    def to_point(x):
        return DictToArrayBijection.rmap(RaveledVars(np.asarray(x, dtype=float), info))

    def fun(x):
        p = to_point(x)
        return -float(logp(p)), -np.asarray(dlogp(p), dtype=float)

    best = None
    x_init = DictToArrayBijection.map(ip0).data
    for start in range(max(1, s["n_restarts"])):
        x0 = x_init if start == 0 else x_init + rng.uniform(-2, 2, size=x_init.size)
        res = minimize(fun, x0, jac=True, method="L-BFGS-B",
                       options={"maxiter": s["maxiter"], "maxfun": 4 * s["maxiter"]})
        if best is None or res.fun < best.fun:
            best = res
    problems = []
    grad_norm = float(np.max(np.abs(best.jac)))
    if not best.success and grad_norm > 1e-3:
        problems.append(f"MAP optimisation stopped before converging ({best.message}); "
                        f"largest gradient {grad_norm:.2g}")
    H = _fd_hessian(lambda x: fun(x)[1], best.x)
    evals, evecs = np.linalg.eigh(H)
    floor = 1e-8 * max(1.0, float(np.max(np.abs(evals))))
    if np.min(evals) <= floor:
        problems.append(f"Laplace approximation: the Hessian at the mode is not positive definite "
                        f"(smallest eigenvalue {np.min(evals):.3g})")
        evals = np.maximum(evals, floor)
    scale = evecs / np.sqrt(evals)
    u = best.x[None, :] + rng.standard_normal((s["draws"], best.x.size)) @ scale.T
    u = np.concatenate([best.x[None, :], u], axis=0)
    outs = pm_model.unobserved_value_vars
    fn = pm_model.compile_fn(outs, inputs=value_vars, on_unused_input="ignore", point_fn=False)
    keep = [o.name for o in outs]
    rows = [fn(*[to_point(x)[v.name] for v in value_vars]) for x in u]
    names_free = {rv.name for rv in pm_model.free_RVs} | {d.name for d in pm_model.deterministics}
    posterior = {}
    mode = {}
    for j, name in enumerate(keep):
        if name not in names_free:
            continue
        vals = np.stack([np.asarray(r[j]) for r in rows])
        mode[name] = vals[0]
        posterior[name] = vals[1:][None]
    attrs = {
        "map_estimate": json.dumps({k: np.asarray(v).tolist() for k, v in mode.items()}),
        "map_logp": float(-best.fun),
        "map_converged": int(bool(best.success)),
        "laplace_min_eigenvalue": float(np.min(evals)),
        "_problems": problems,
    }
    return posterior, attrs


# --------------------------------------------------------------------------- simulation


def simulate(
    model: Callable,
    params: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    *,
    seed: int = 0,
    observed: str | Sequence[str] = "y",
) -> dict[str, np.ndarray]:
    """Draw from a NumPyro model with some sites fixed.

    Parameters
    ----------
    model
        NumPyro model function.
    params
        Values of latent or deterministic sites to fix (e.g. ``{"alpha": 0.8}``); the rest are
        drawn from their priors.
    data
        Keyword arguments of the model; the observed keyword(s) are dropped so they are drawn.
    seed
        Random seed.
    observed
        Name(s) of the observed keyword/site.

    Returns
    -------
    dict
        Value of every sample and deterministic site, as NumPy arrays.
    """
    import jax
    from numpyro import handlers

    obs_names = _observed_names(observed)
    arrays, static = split_data(data)
    arrays = {k: v for k, v in arrays.items() if k not in obs_names}
    bound = functools.partial(model, **static) if static else model
    with jax.enable_x64(True):
        subs = {k: np.asarray(v) for k, v in (params or {}).items()}
        traced = handlers.trace(
            handlers.seed(handlers.substitute(bound, data=subs), rng_seed=seed)
        ).get_trace(**arrays)
        return {
            name: np.asarray(site["value"])
            for name, site in traced.items()
            if site["type"] in ("sample", "deterministic")
        }
