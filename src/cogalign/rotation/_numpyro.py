"""The response-time distribution as a NumPyro distribution (imported by the models on use)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpyro.distributions as dist
from numpyro.distributions import constraints
from numpyro.distributions.util import promote_shapes

from cogalign.rotation.functions import rt_log_density

__all__ = ["ResponseTime"]


class ResponseTime(dist.Distribution):
    """Response times of one of the families, with a uniform contaminant.

    Shifted lognormal, shifted Wald or ex-Gaussian; the log density is
    :func:`cogalign.rotation.functions.rt_log_density`.
    """

    arg_constraints: dict = {}
    support = constraints.real
    pytree_aux_fields = ("family", "rt_max", "contaminated")

    def __init__(self, family: str, loc: Any, disp: Any, shift: Any = 0.0, p_contam: Any = 0.0,
                 rt_max: float = 30.0, tau: Any = None, *, validate_args: bool | None = None):
        self.family = family
        self.rt_max = float(rt_max)
        self.contaminated = not (isinstance(p_contam, int | float) and p_contam == 0)
        tau = 1.0 if tau is None else tau
        self.loc, self.disp, self.shift, self.p_contam, self.tau = promote_shapes(
            jnp.asarray(loc), jnp.asarray(disp), jnp.asarray(shift), jnp.asarray(p_contam),
            jnp.asarray(tau))
        batch_shape = jax.lax.broadcast_shapes(*(jnp.shape(v) for v in (
            self.loc, self.disp, self.shift, self.p_contam, self.tau)))
        super().__init__(batch_shape=batch_shape, validate_args=validate_args)

    def sample(self, key: Any, sample_shape: tuple = ()) -> Any:
        shape = sample_shape + self.batch_shape
        k_main, k_extra, k_pick, k_mix, k_unif = jax.random.split(key, 5)
        z = jax.random.normal(k_main, shape)
        if self.family == "lognormal":
            main = self.shift + self.loc * jnp.exp(self.disp * z)
        elif self.family == "wald":  # Michael, Schucany & Haas (1976)
            mu, lam, nu = self.loc, self.disp, z**2
            x = mu + mu**2 * nu / (2 * lam) - mu / (2 * lam) * jnp.sqrt(4 * mu * lam * nu + mu**2 * nu**2)
            pick = jax.random.uniform(k_pick, shape) <= mu / (mu + x)
            main = self.shift + jnp.where(pick, x, mu**2 / x)
        else:
            main = self.loc + self.disp * z + self.tau * jax.random.exponential(k_extra, shape)
        contam = jax.random.uniform(k_mix, shape) < self.p_contam
        return jnp.where(contam, jax.random.uniform(k_unif, shape) * self.rt_max, main)

    def log_prob(self, value: Any) -> Any:
        tau = self.tau if self.family == "exgaussian" else None
        p = self.p_contam if self.contaminated else 0.0
        return rt_log_density(value, self.family, self.loc, self.disp, self.shift, p,
                              self.rt_max, tau, jnp)
