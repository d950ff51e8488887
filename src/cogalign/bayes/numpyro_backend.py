"""The NumPyro backend of :func:`cogalign.bayes.fit`: NUTS, MAP with a Laplace approximation, SVI.

Jitted functions (the MAP objective, the constraining map, the pointwise log-likelihood and
posterior predictive) are cached by model and data shapes, so refitting the same model to new
data of the same shape compiles nothing.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from cogalign.bayes.laplace import laplace_posterior, map_laplace
from cogalign.errors import CogalignError

__all__ = ["add_predictions", "fit_numpyro", "site_names"]


def fit_numpyro(model, arrays, static, obs_names, s) -> tuple[dict, dict]:
    """Fit a NumPyro model by the settings ``s`` (NUTS, MAP + Laplace or SVI): draws and stats."""
    bound = functools.partial(model, **static) if static else model
    if s["method"] == "nuts":
        return _numpyro_nuts(bound, arrays, s)
    if s["method"] == "map":
        return _numpyro_map(model, bound, arrays, static, s)
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

    kernel = NUTS(bound, target_accept_prob=s["target_accept"], max_tree_depth=s["max_tree_depth"],
                  dense_mass=s["dense_mass"])
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




def _numpyro_map(model, bound, arrays, static, s) -> tuple[dict, dict]:
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree

    data = {k: jnp.asarray(v) for k, v in arrays.items()}
    template = _unconstrained_template(model, bound, arrays, static)
    vg, constrain, _ = _map_functions(model, bound, arrays, static, template)

    def neg_log_density(x):
        v, g = vg(jnp.asarray(x), data)
        return float(v), np.asarray(g, dtype=float)

    laplace = map_laplace(neg_log_density, np.asarray(ravel_pytree(template)[0], dtype=float),
                          draws=s["draws"], seed=s["seed"], n_restarts=s["n_restarts"],
                          maxiter=s["maxiter"])
    return laplace_posterior(constrain(jnp.asarray(laplace.points), data), laplace)


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
    names = site_names(bound, data)
    data_wo = {k: v for k, v in data.items() if k not in obs_names}
    if names["deterministic"]:
        dets = Predictive(bound, posterior_samples=latent, return_sites=names["deterministic"],
                          batch_ndims=1)(jax.random.PRNGKey(s["seed"] + 2), **data_wo)
        latent = {**latent, **dets}
    posterior = {k: np.asarray(v)[None] for k, v in latent.items()}
    attrs = {"svi_final_loss": float(losses[-1]), "_problems": problems}
    return {"posterior": posterior}, attrs


#: Draws x observations evaluated at once by :func:`add_predictions`: the model runs on
#: batches of draws (``jax.lax.map`` over vectorised batches), so memory stays bounded however
#: many draws and rows there are (a CPT fit to all of choices13k with 1,000 draws held several
#: GB of intermediate arrays when every draw ran at once).
PREDICTION_BUDGET = 50_000


def add_predictions(model, arrays, static, obs_names, groups, seed, want_ll, want_pp) -> dict:
    """Pointwise log-likelihood and posterior predictive draws of a NumPyro fit, by group."""
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
                    lambda: site_names(bound, data))
    flat = {k: jnp.asarray(np.asarray(v).reshape((n_chain * n_draw,) + v.shape[2:]))
            for k, v in post.items() if k in names["latent"]}
    shapes = tuple((k, v.shape) for k, v in sorted(flat.items()))
    n_rows = max(1, sum(int(np.size(arrays[o])) for o in obs_names))
    batch = int(min(n_chain * n_draw, max(1, PREDICTION_BUDGET // n_rows)))

    def build():
        def predictions(keys, smp, d, d_wo):
            def one_draw(args):
                key, draw = args
                one = {k: v[None] for k, v in draw.items()}
                ll = (np_log_likelihood(bound, one, batch_ndims=1, **d) if want_ll else {})
                pp = (Predictive(bound, posterior_samples=one, return_sites=list(obs_names),
                                 batch_ndims=1)(key, **d_wo) if want_pp else {})
                return ({k: v[0] for k, v in ll.items() if k in obs_names},
                        {k: v[0] for k, v in pp.items()})

            return jax.lax.map(one_draw, (keys, smp), batch_size=batch)

        return jax.jit(predictions)

    fn = _cached(_cache_key("predict", model, static, arrays,
                            (shapes, tuple(obs_names), want_ll, want_pp, batch)), build)
    keys = jax.random.split(jax.random.PRNGKey(seed + 7), n_chain * n_draw)
    ll, pp = fn(keys, flat, data, data_wo)
    if want_ll:
        groups["log_likelihood"] = _by_chain(ll, n_chain)
    if want_pp:
        groups["posterior_predictive"] = _by_chain(pp, n_chain)
    return groups


def site_names(bound: Callable, arrays: Mapping[str, Any]) -> dict[str, list[str]]:
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



def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value
