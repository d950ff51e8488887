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


def _observed_names(observed: str | Sequence[str] | None) -> list[str]:
    if observed is None:
        return []
    return [observed] if isinstance(observed, str) else list(observed)


def _model_name(model: Callable) -> str:
    base = model
    while isinstance(base, functools.partial):
        base = base.func
    return getattr(base, "__name__", repr(base))


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
    dense_mass: bool = False,
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
    r"""Fit a model and return ArviZ ``InferenceData``.

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
        :math:`\mathcal{N}(\hat u, H^{-1})` with :math:`H` the Hessian of the negative log
        posterior at the mode :math:`\hat u`, mapped to the constrained space), or ``"svi"``
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
    dense_mass
        NUTS: adapt a full (dense) mass matrix during warm-up instead of a diagonal one
        (PyMC: ``init="jitter+adapt_full"``). For a few strongly correlated parameters (a
        pooled model fitted to many observations) it shortens the trajectories several-fold.
    num_steps, learning_rate, guide
        SVI settings; ``guide`` is ``"normal"`` (mean-field) or ``"mvn"`` (full rank).
    n_restarts, maxiter
        MAP settings, the same for both backends (:func:`cogalign.bayes.laplace.map_laplace`):
        optimiser starts (the first at the backend's initial point, zero on NumPyro's
        unconstrained scale; the others uniform in (-2, 2); up to three more when none
        converged) and L-BFGS iterations per start. The Hessian is taken by central
        differences of the exact gradient.
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
        dense_mass=dense_mass,
        num_steps=num_steps, learning_rate=learning_rate, guide=guide, n_restarts=n_restarts,
        maxiter=maxiter, progress=progress,
    )
    t0 = time.perf_counter()
    if backend == "numpyro":
        import jax

        from cogalign.bayes.numpyro_backend import add_predictions, fit_numpyro

        with jax.enable_x64(x64):
            groups, attrs = fit_numpyro(model, arrays, static, obs_names, settings)
            groups = add_predictions(
                model, arrays, static, obs_names, groups, seed, log_likelihood, posterior_predictive
            )
    else:
        from cogalign.bayes.pymc_backend import fit_pymc

        groups, attrs = fit_pymc(
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
