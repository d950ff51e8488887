"""PyMC versions of the models in :mod:`cogalign.rotation.models`.

Same keyword arguments, site names, priors and likelihoods: the response-time density is the
very function :func:`cogalign.rotation.functions.rt_log_density` run on
:mod:`pytensor.tensor` inside a ``pm.CustomDist`` (whose random draws, for posterior
predictive checks, come from :func:`cogalign.rotation.functions.sample_rt`). The agreement of
the two backends is tested.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cogalign.rotation.models import Priors, accuracy_params, joint_params, rt_params

__all__ = ["accuracy_pymc", "joint_pymc", "rt_pymc"]


def _per_trial(values: dict[str, Any], person: list, participant: np.ndarray,
               hierarchical: bool) -> dict[str, Any]:
    if not hierarchical:
        return values
    names = {p.name for p in person}
    return {k: (v[participant] if k in names else v) for k, v in values.items()}


def _rt_dist(name, family, angle, mirror, participant, min_rt, theta, shape, rt_max,
             contaminant, y):
    import pymc as pm
    import pytensor.tensor as pt

    from cogalign.rotation.functions import location, rt_log_density, sample_rt, search_mean

    loc = location(angle, mirror, theta, shape, pt)
    if family == "exgaussian":
        disp, shift, tau = theta["sigma"], pt.zeros_like(loc), search_mean(angle, theta, pt)
    else:
        disp = theta["sigma"] if family == "lognormal" else theta["lam"]
        shift, tau = theta["shift_frac"] * np.asarray(min_rt)[participant], pt.ones_like(loc)
    p = theta["p_contam"] if contaminant else pt.zeros_like(loc)
    n = len(angle)

    def logp(value, loc, disp, shift, p, tau):
        return rt_log_density(value, family, loc, disp, shift, p if contaminant else 0.0,
                              rt_max, tau if family == "exgaussian" else None, pt)

    def random(loc, disp, shift, p, tau, rng=None, size=None):
        return sample_rt(rng, family, loc, disp, shift, p, rt_max,
                         tau if family == "exgaussian" else None, size=size)

    return pm.CustomDist(name, loc, disp, shift, p, tau, logp=logp, random=random, observed=y,
                         shape=(n,))


def rt_pymc(
    angle: Any, mirror: Any, participant: Any, min_rt: Any, y: Any = None, *,
    shape: str = "linear", family: str = "lognormal", n_participants: int | None = None,
    rt_max: float = 30.0, mirror_effects: bool = True, contaminant: bool = True,
    priors: Priors = None,
) -> Any:
    """PyMC twin of :func:`cogalign.rotation.models.rt_model`."""
    import pymc as pm

    from cogalign.bayes.params import sample_pymc

    angle, mirror = np.asarray(angle, dtype=float), np.asarray(mirror, dtype=float)
    participant = np.asarray(participant, dtype=np.int64)
    person, pooled = rt_params(shape, family, mirror_effects=mirror_effects,
                               contaminant=contaminant, priors=priors)
    with pm.Model() as model:
        values = {**sample_pymc(person, n_participants), **sample_pymc(pooled)}
        theta = _per_trial(values, person, participant, n_participants is not None)
        _rt_dist("y", family, angle, mirror, participant, min_rt, theta, shape, rt_max,
                 contaminant, y)
    return model


def accuracy_pymc(
    angle: Any, mirror: Any, participant: Any, y: Any = None, *,
    n_participants: int | None = None, mirror_effects: bool = True, priors: Priors = None,
) -> Any:
    """PyMC twin of :func:`cogalign.rotation.models.accuracy_model`."""
    import pymc as pm
    import pytensor.tensor as pt

    from cogalign.bayes.params import sample_pymc
    from cogalign.rotation.functions import accuracy_logit

    angle, mirror = np.asarray(angle, dtype=float), np.asarray(mirror, dtype=float)
    participant = np.asarray(participant, dtype=np.int64)
    person, pooled = accuracy_params(mirror_effects=mirror_effects, priors=priors)
    with pm.Model() as model:
        values = {**sample_pymc(person, n_participants), **sample_pymc(pooled)}
        theta = _per_trial(values, person, participant, n_participants is not None)
        _bernoulli_logit("y", accuracy_logit(angle, mirror, theta, pt), y, len(angle))
    return model


def _bernoulli_logit(name: str, eta: Any, y: Any, n: int) -> Any:
    """``y ~ Bernoulli(sigmoid(eta))`` written as NumPyro computes it (finite for any logit)."""
    import pymc as pm
    import pytensor.tensor as pt
    from scipy.special import expit

    def logp(value: Any, eta: Any) -> Any:
        return -value * pt.softplus(-eta) - (1.0 - value) * pt.softplus(eta)

    def random(eta: Any, rng: Any = None, size: Any = None) -> Any:
        return rng.binomial(1, expit(eta), size=size)

    return pm.CustomDist(name, eta, logp=logp, random=random, observed=y, shape=(n,),
                         dtype="int64")


def joint_pymc(
    angle: Any, mirror: Any, participant: Any, min_rt: Any, rt_index: Any, y: Any = None,
    correct: Any = None, *, family: str = "lognormal", n_participants: int | None = None,
    rt_max: float = 30.0, mirror_effects: bool = True, contaminant: bool = True,
    priors: Priors = None,
) -> Any:
    """PyMC twin of :func:`cogalign.rotation.models.joint_model`."""
    import pymc as pm
    import pytensor.tensor as pt

    from cogalign.bayes.params import sample_pymc
    from cogalign.rotation.functions import joint_accuracy_logit

    angle, mirror = np.asarray(angle, dtype=float), np.asarray(mirror, dtype=float)
    participant = np.asarray(participant, dtype=np.int64)
    rt_index = np.asarray(rt_index, dtype=np.int64)
    person, pooled = joint_params(family, mirror_effects=mirror_effects, priors=priors)
    if not contaminant:
        pooled = [p for p in pooled if p.name != "p_contam"]
    with pm.Model() as model:
        values = {**sample_pymc(person, n_participants), **sample_pymc(pooled)}
        theta = _per_trial(values, person, participant, n_participants is not None)
        _bernoulli_logit("correct", joint_accuracy_logit(angle, mirror, theta, pt), correct,
                         len(angle))
        sub = {k: (v[rt_index] if getattr(v, "ndim", 0) else v) for k, v in theta.items()}
        _rt_dist("y", family, angle[rt_index], mirror[rt_index], participant[rt_index], min_rt,
                 sub, "linear", rt_max, contaminant, y)
    return model
