r"""Parameters with weakly informative priors, stated once for NumPyro and PyMC.

A :class:`Param` is a model parameter with a prior stated on an unconstrained scale:

.. math::

    \eta \sim \mathcal{N}(\text{loc}, \text{scale}^2), \qquad
    \theta = g(\eta)

where :math:`g` maps the real line onto the parameter's range:

* ``low`` and ``high`` given: :math:`\theta = \text{low} + (\text{high}-\text{low})\,\sigma(\eta)`
  (scaled logistic, as in hBayesDM's bounded parameters);
* only ``low`` given: :math:`\theta = \text{low} + e^{\eta}` (log-normal above ``low``);
* neither: :math:`\theta = \eta`.

The raw value is sampled in standardised form, :math:`r \sim \mathcal{N}(0, 1)`,
:math:`\eta = \text{loc} + \text{scale}\,r`: every latent variable is standard Normal a
priori, which suits NUTS's step size, and zero is a starting point at the prior median.

Hierarchical (partially pooled) parameters use the non-centred parameterisation
(Papaspiliopoulos, Roberts & Skold 2007; Betancourt & Girolami 2015):

.. math::

    \eta_j = \text{loc} + \text{scale}\,(m + \tau z_j), \quad
    m \sim \mathcal{N}(0, 1), \quad
    \tau \sim \text{Half-}\mathcal{N}(\text{sd\_scale}^2), \quad
    z_j \sim \mathcal{N}(0, 1), \quad
    \theta_j = g(\eta_j),

so the population mean and standard deviation of :math:`\eta` are
:math:`\text{loc} + \text{scale}\,m` and :math:`\text{scale}\,\tau` (both in units of the
prior scale, which keeps NUTS's geometry the same whatever the parameter's units).

Site names are the same in both backends, so posteriors can be compared name by name:
``{name}_raw`` (:math:`r`, pooled), or ``{name}_mu`` (:math:`m`), ``{name}_sigma``
(:math:`\tau`), ``{name}_z`` (hierarchical); the parameter itself is the deterministic
``{name}`` and, for hierarchical parameters, ``{name}_pop`` is
:math:`g(\text{loc} + \text{scale}\,m)`, the population median.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

__all__ = [
    "Param",
    "expit",
    "sample_numpyro",
    "sample_pymc",
    "update_params",
]


def expit(x: Any, xp: Any = np) -> Any:
    """Logistic function :math:`1 / (1 + e^{-x})` in the array namespace ``xp``.

    ``xp`` is :mod:`numpy`, :mod:`jax.numpy` or :mod:`pytensor.tensor`.
    """
    name = getattr(xp, "__name__", "")
    if name.startswith("jax"):
        import jax

        return jax.nn.sigmoid(x)
    if name.startswith("pytensor"):
        return xp.sigmoid(x)
    from scipy.special import expit as _expit

    return _expit(x)


@dataclass(frozen=True)
class Param:
    r"""A parameter: its range and a Normal prior on the unconstrained scale.

    Parameters
    ----------
    name
        Site name (``alpha``, ``lam``, ...).
    low, high
        Range of the parameter; ``None`` for unbounded. See the module docstring for the map
        from the raw scale.
    loc, scale
        Mean and standard deviation of the Normal prior on the raw scale :math:`\eta`.
    sd_scale
        Scale of the Half-Normal prior on the population standard deviation :math:`\tau` of a
        hierarchical version (in units of ``scale``).
    description
        One line for tables and help text.
    """

    name: str
    low: float | None = None
    high: float | None = None
    loc: float = 0.0
    scale: float = 1.0
    sd_scale: float = 0.5
    description: str = ""

    def __post_init__(self) -> None:
        if self.high is not None and self.low is None:
            raise ValueError(f"{self.name}: an upper bound needs a lower bound")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"{self.name}: low={self.low} must be below high={self.high}")
        if self.scale <= 0 or self.sd_scale <= 0:
            raise ValueError(f"{self.name}: prior scales must be positive")

    @property
    def kind(self) -> str:
        """``"interval"``, ``"positive"`` (bounded below) or ``"real"``."""
        if self.low is not None and self.high is not None:
            return "interval"
        if self.low is not None:
            return "positive"
        return "real"

    def constrain(self, raw: Any, xp: Any = np) -> Any:
        r"""Map raw values :math:`\eta` to the parameter's range (namespace ``xp``)."""
        if self.kind == "interval":
            return self.low + (self.high - self.low) * expit(raw, xp)
        if self.kind == "positive":
            return self.low + xp.exp(raw)
        return raw

    def unconstrain(self, value: Any) -> np.ndarray:
        """Inverse of :meth:`constrain` (NumPy), e.g. to state true values on the raw scale."""
        value = np.asarray(value, dtype=float)
        if self.kind == "interval":
            u = (value - self.low) / (self.high - self.low)
            if np.any((u <= 0) | (u >= 1)):
                raise ValueError(f"{self.name}={value} is outside ({self.low}, {self.high})")
            return np.log(u) - np.log1p(-u)
        if self.kind == "positive":
            if np.any(value <= self.low):
                raise ValueError(f"{self.name}={value} is not above {self.low}")
            return np.log(value - self.low)
        return value

    @property
    def prior_median(self) -> float:
        r"""Prior median of the parameter, :math:`g(\text{loc})`."""
        return float(self.constrain(np.float64(self.loc)))

    def prior_interval(self, mass: float = 0.9) -> tuple[float, float]:
        """Central prior interval of the parameter holding ``mass`` of the prior."""
        from scipy.stats import norm

        z = norm.ppf(0.5 + mass / 2)
        lo = self.constrain(np.float64(self.loc - z * self.scale))
        hi = self.constrain(np.float64(self.loc + z * self.scale))
        return float(lo), float(hi)

    def describe(self) -> str:
        """Human-readable prior statement."""
        lo, hi = self.prior_interval()
        rng = {"interval": f"in ({self.low:g}, {self.high:g})", "positive": f"> {self.low:g}",
               "real": "real"}[self.kind]
        return (f"{self.name} {rng}: raw ~ Normal({self.loc:g}, {self.scale:g}); "
                f"prior median {self.prior_median:.3g}, 90% in [{lo:.3g}, {hi:.3g}]")


def update_params(
    params: Sequence[Param], priors: Mapping[str, Mapping[str, float]] | None
) -> list[Param]:
    """Return ``params`` with some fields replaced, e.g. ``{"alpha": {"loc": 0.5}}``.

    Raises
    ------
    ValueError
        For an unknown parameter or field name.
    """
    if not priors:
        return list(params)
    by_name = {p.name: p for p in params}
    unknown = set(priors) - set(by_name)
    if unknown:
        raise ValueError(f"priors given for unknown parameters {sorted(unknown)}; "
                         f"the model has {sorted(by_name)}")
    fields = {"low", "high", "loc", "scale", "sd_scale"}
    out = []
    for p in params:
        change = dict(priors.get(p.name, {}))
        bad = set(change) - fields
        if bad:
            raise ValueError(f"{p.name}: unknown prior fields {sorted(bad)}; use {sorted(fields)}")
        out.append(replace(p, **change))
    return out


def sample_numpyro(
    params: Sequence[Param], n_groups: int | None = None, group_dim: str = "participant"
) -> dict[str, Any]:
    r"""Sample every parameter inside a NumPyro model and return ``{name: value}``.

    Parameters
    ----------
    params
        The parameters.
    n_groups
        ``None``: one pooled value per parameter (site ``{name}_raw``). An int: one value per
        group, non-centred hierarchical (sites ``{name}_mu``, ``{name}_sigma``, ``{name}_z``).
    group_dim
        Name of the NumPyro plate over groups.

    Returns
    -------
    dict
        Constrained values: scalars, or arrays of shape ``(n_groups,)``.

        Raw sites are standard Normal: :math:`\eta = \text{loc} + \text{scale}\,r`.
    """
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    out: dict[str, Any] = {}
    if n_groups is None:
        for p in params:
            raw = numpyro.sample(f"{p.name}_raw", dist.Normal(0.0, 1.0))
            out[p.name] = numpyro.deterministic(p.name, p.constrain(p.loc + p.scale * raw, jnp))
        return out
    zs = {}
    mus, sigmas = {}, {}
    for p in params:
        m = numpyro.sample(f"{p.name}_mu", dist.Normal(0.0, 1.0))
        mus[p.name] = p.loc + p.scale * m
        sigmas[p.name] = numpyro.sample(f"{p.name}_sigma", dist.HalfNormal(p.sd_scale))
    with numpyro.plate(group_dim, n_groups):
        for p in params:
            zs[p.name] = numpyro.sample(f"{p.name}_z", dist.Normal(0.0, 1.0))
    for p in params:
        numpyro.deterministic(f"{p.name}_pop", p.constrain(mus[p.name], jnp))
        out[p.name] = numpyro.deterministic(
            p.name, p.constrain(mus[p.name] + p.scale * sigmas[p.name] * zs[p.name], jnp)
        )
    return out


def sample_pymc(params: Sequence[Param], n_groups: int | None = None) -> dict[str, Any]:
    """PyMC twin of :func:`sample_numpyro`; call inside a ``with pm.Model():`` block.

    Site names, priors and transforms are identical, so the two posteriors agree.
    """
    import pymc as pm
    import pytensor.tensor as pt

    out: dict[str, Any] = {}
    if n_groups is None:
        for p in params:
            raw = pm.Normal(f"{p.name}_raw", mu=0.0, sigma=1.0)
            out[p.name] = pm.Deterministic(p.name, p.constrain(p.loc + p.scale * raw, pt))
        return out
    mus, sigmas, zs = {}, {}, {}
    for p in params:
        m = pm.Normal(f"{p.name}_mu", mu=0.0, sigma=1.0)
        mus[p.name] = p.loc + p.scale * m
        sigmas[p.name] = pm.HalfNormal(f"{p.name}_sigma", sigma=p.sd_scale)
    for p in params:
        zs[p.name] = pm.Normal(f"{p.name}_z", mu=0.0, sigma=1.0, shape=n_groups)
    for p in params:
        pm.Deterministic(f"{p.name}_pop", p.constrain(mus[p.name], pt))
        out[p.name] = pm.Deterministic(
            p.name, p.constrain(mus[p.name] + p.scale * sigmas[p.name] * zs[p.name], pt)
        )
    return out


def logit(p: float) -> float:
    r""":math:`\log(p / (1 - p))` for a scalar, to state prior locations readably."""
    return math.log(p) - math.log1p(-p)
