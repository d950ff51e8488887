"""NumPyro models of mental-rotation response times and accuracy, with their priors.

Each model is a plain NumPyro function of keyword data; the observation ``y`` is ``None`` to
simulate. Fit with :func:`cogalign.bayes.fit`; each has a PyMC twin in
:mod:`cogalign.rotation.pymc_models` with identical site names, priors and likelihood (the
math is :mod:`cogalign.rotation.functions`, shared by both).

* :func:`rt_model` - response times of correct trials. ``shape="linear"`` or
  ``"concave"`` with a shifted lognormal or shifted Wald likelihood, or the two-stage
  search-then-rotate model (``family="exgaussian"``); a uniform contaminant mixture; per-person
  intercept and slope (and shift) in a non-centred hierarchy; same vs mirror effects.
* :func:`accuracy_model` - hierarchical logistic regression of correct responses on angle.
* :func:`joint_model` - response times and accuracy together: one rotation slope per person
  drives both the time taken and the errors made (errors grow with rotation time).

Data (NumPy arrays, one entry per trial unless said): ``angle`` (degrees), ``mirror`` (1 for a
mirror pair), ``participant`` (0-based index), ``min_rt`` (per person: the fastest response,
which bounds the shift), ``y``; static: ``n_participants`` (``None`` pools everyone), ``rt_max``
(upper end of the contaminant), ``priors`` (overrides, see :func:`rt_params`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from cogalign.bayes.params import Param, logit, update_params
from cogalign.bayes.registry import pymc_version
from cogalign.rotation.functions import FAMILIES, SHAPES

__all__ = [
    "MODELS",
    "accuracy_model",
    "accuracy_params",
    "joint_model",
    "joint_params",
    "model_spec",
    "rt_model",
    "rt_params",
]

Priors = Mapping[str, Mapping[str, float]] | None

#: Model names: the response-time models, then accuracy and the joint model.
MODELS = ("linear", "concave", "two-stage", "accuracy", "joint")


def model_spec(model: str, family: str = "lognormal") -> tuple[str, str]:
    """``(shape, family)`` of a response-time model name.

    ``"two-stage"`` is the linear ex-Gaussian model; the others take ``family``
    (``"lognormal"`` or ``"wald"``).
    """
    if model == "two-stage":
        return "linear", "exgaussian"
    if model not in SHAPES:
        raise ValueError(f"response-time models are {SHAPES + ('two-stage',)}, got {model!r}")
    if family not in ("lognormal", "wald"):
        raise ValueError(f"family must be 'lognormal' or 'wald' for {model!r}, got {family!r}")
    return model, family


def rt_params(
    shape: str = "linear",
    family: str = "lognormal",
    *,
    mirror_effects: bool = True,
    contaminant: bool = True,
    priors: Priors = None,
) -> tuple[list[Param], list[Param]]:
    """The parameters of a response-time model: ``(per person, pooled)``.

    ====================  ===========  ===============================================
    parameter             range        default prior (median, 90% interval)
    ====================  ===========  ===============================================
    ``intercept``         > 0 s        1.0 (0.29, 3.4); per person
    ``slope``             > 0 ms/deg   8 (1.5, 41); per person; speed = 1000 / slope
    ``shift_frac``        (0, 1)       0.5 (0.16, 0.84); shift / fastest RT; per person
    ``sigma``             > 0          lognormal: 0.4 (0.18, 0.91) log units;
                                       ex-Gaussian: 0.3 s (0.087, 1.0)
    ``lam``               > 0 s        Wald shape: 8 (1.5, 41)
    ``search``            > 0 s        search stage mean at 0 deg: 0.5 (0.096, 2.6)
    ``search_slope``      real         log change of the search mean per 100 deg: 0 +- 0.82
    ``gamma``             (0, 1)       concave exponent: 0.7 (0.24, 0.95)
    ``mirror_intercept``  real         log ratio mirror / same: 0 +- 0.82
    ``mirror_slope``      real         as above, for the slope
    ``p_contam``          (0, 1)       contaminant share: 0.02 (0.004, 0.1)
    ====================  ===========  ===============================================

    Parameters
    ----------
    shape
        ``"linear"`` or ``"concave"``.
    family
        ``"lognormal"``, ``"wald"`` or ``"exgaussian"`` (two-stage).
    mirror_effects
        Add ``mirror_intercept`` and ``mirror_slope``.
    contaminant
        Add ``p_contam``.
    priors
        Overrides, e.g. ``{"slope": {"loc": 2.5, "scale": 0.5}}`` (raw-scale Normal).
    """
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    person = [
        Param("intercept", 0.0, None, 0.0, 0.75, description="location at 0 degrees (s)"),
        Param("slope", 0.0, None, math.log(8.0), 1.0, description="ms per degree"),
    ]
    if family != "exgaussian":
        person.append(Param("shift_frac", 0.0, 1.0, 0.0, 1.0,
                            description="non-decision time as a share of the fastest response"))
    pooled = []
    if family == "lognormal":
        pooled.append(Param("sigma", 0.0, None, math.log(0.4), 0.5, description="log-scale sd"))
    elif family == "wald":
        pooled.append(Param("lam", 0.0, None, math.log(8.0), 1.0, description="Wald shape (s)"))
    else:
        pooled += [
            Param("sigma", 0.0, None, math.log(0.3), 0.75, description="rotation-stage sd (s)"),
            Param("search", 0.0, None, math.log(0.5), 1.0, description="search-stage mean (s)"),
            Param("search_slope", None, None, 0.0, 0.5,
                  description="log change of the search mean per 100 degrees"),
        ]
    if shape == "concave":
        pooled.append(Param("gamma", 0.0, 1.0, logit(0.7), 1.0, description="concave exponent"))
    if mirror_effects:
        pooled += [
            Param("mirror_intercept", None, None, 0.0, 0.5, description="log ratio of intercepts"),
            Param("mirror_slope", None, None, 0.0, 0.5, description="log ratio of slopes"),
        ]
    if contaminant:
        pooled.append(Param("p_contam", 0.0, 1.0, logit(0.02), 1.0, description="contaminant share"))
    return _split(person, pooled, priors)


def accuracy_params(*, mirror_effects: bool = True, priors: Priors = None
                    ) -> tuple[list[Param], list[Param]]:
    """Parameters of the accuracy model: ``(per person, pooled)``.

    ``acc_intercept`` (log-odds at 0 degrees, Normal(2.5, 1.5)) and ``acc_slope`` (change per
    100 degrees, Normal(-0.5, 1)) per person; ``mirror_acc`` and ``mirror_acc_slope``
    (Normal(0, 1)) pooled.
    """
    person = [
        Param("acc_intercept", None, None, 2.5, 1.5, description="log-odds correct at 0 deg"),
        Param("acc_slope", None, None, -0.5, 1.0, description="log-odds change per 100 deg"),
    ]
    pooled = []
    if mirror_effects:
        pooled += [
            Param("mirror_acc", None, None, 0.0, 1.0, description="mirror change of log-odds"),
            Param("mirror_acc_slope", None, None, 0.0, 1.0,
                  description="mirror change of the slope per 100 deg"),
        ]
    return _split(person, pooled, priors)


def joint_params(family: str = "lognormal", *, mirror_effects: bool = True,
                 priors: Priors = None) -> tuple[list[Param], list[Param]]:
    """Parameters of the joint model.

    The linear RT model's, plus ``acc_intercept`` per person, ``kappa`` (log-odds of a correct
    response lost per second of rotation, > 0, median 0.5) and ``mirror_acc`` pooled.
    """
    person, pooled = rt_params("linear", family, mirror_effects=mirror_effects)
    person.append(Param("acc_intercept", None, None, 2.5, 1.5, description="log-odds correct at 0 deg"))
    pooled.append(Param("kappa", 0.0, None, math.log(0.5), 1.0,
                        description="log-odds lost per second of rotation"))
    if mirror_effects:
        pooled.append(Param("mirror_acc", None, None, 0.0, 1.0, description="mirror change of log-odds"))
    return _split(person, pooled, priors)


def _split(person: list[Param], pooled: list[Param], priors: Priors) -> tuple[list[Param], list[Param]]:
    both = update_params(person + pooled, priors)
    return both[: len(person)], both[len(person):]


def _per_trial(values: dict[str, Any], person: list[Param], participant: Any,
               hierarchical: bool) -> dict[str, Any]:
    if not hierarchical:
        return values
    return {k: (v[participant] if k in {p.name for p in person} else v) for k, v in values.items()}


def _rt_site(family, angle, mirror, participant, min_rt, theta, shape, rt_max, contaminant, y):
    import jax.numpy as jnp
    import numpyro

    from cogalign.rotation._numpyro import ResponseTime
    from cogalign.rotation.functions import location, search_mean

    loc = location(angle, mirror, theta, shape, jnp)
    if family == "exgaussian":
        disp, shift, tau = theta["sigma"], 0.0, search_mean(angle, theta, jnp)
    else:
        disp = theta["sigma"] if family == "lognormal" else theta["lam"]
        shift, tau = theta["shift_frac"] * min_rt[participant], None
    p = theta["p_contam"] if contaminant else 0.0
    with numpyro.plate("trial", angle.shape[0]):
        numpyro.sample("y", ResponseTime(family, loc, disp, shift, p, rt_max, tau), obs=y)


@pymc_version("cogalign.rotation.pymc_models:rt_pymc")
def rt_model(
    angle: Any, mirror: Any, participant: Any, min_rt: Any, y: Any = None, *,
    shape: str = "linear", family: str = "lognormal", n_participants: int | None = None,
    rt_max: float = 30.0, mirror_effects: bool = True, contaminant: bool = True,
    priors: Priors = None,
) -> None:
    """Response times (s) of correct trials.

    Parameters
    ----------
    angle, mirror, participant
        Per trial: angle (deg), 1 for mirror pairs, participant index.
    min_rt
        Per person (length ``n_participants``, or 1 pooled): fastest response (s).
    y
        Response times (``None`` to simulate).
    shape, family
        Rotation curve and likelihood (see :mod:`cogalign.rotation.functions`).
    n_participants
        ``None``: one parameter set; an int: per-person intercept, slope and shift.
    rt_max
        Upper end of the uniform contaminant (s).
    mirror_effects, contaminant, priors
        See :func:`rt_params`.
    """
    from cogalign.bayes.params import sample_numpyro

    person, pooled = rt_params(shape, family, mirror_effects=mirror_effects,
                               contaminant=contaminant, priors=priors)
    values = {**sample_numpyro(person, n_participants), **sample_numpyro(pooled)}
    theta = _per_trial(values, person, participant, n_participants is not None)
    _rt_site(family, angle, mirror, participant, min_rt, theta, shape, rt_max, contaminant, y)


@pymc_version("cogalign.rotation.pymc_models:accuracy_pymc")
def accuracy_model(
    angle: Any, mirror: Any, participant: Any, y: Any = None, *,
    n_participants: int | None = None, mirror_effects: bool = True, priors: Priors = None,
) -> None:
    """Correct (1) or wrong (0) responses: hierarchical logistic regression on angle.

    Parameters
    ----------
    angle, mirror, participant
        Per trial.
    y
        1 for a correct response (``None`` to simulate).
    n_participants, mirror_effects, priors
        See :func:`accuracy_params`.
    """
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    from cogalign.bayes.params import sample_numpyro
    from cogalign.rotation.functions import accuracy_logit

    person, pooled = accuracy_params(mirror_effects=mirror_effects, priors=priors)
    values = {**sample_numpyro(person, n_participants), **sample_numpyro(pooled)}
    theta = _per_trial(values, person, participant, n_participants is not None)
    eta = accuracy_logit(angle, mirror, theta, jnp)
    with numpyro.plate("trial", angle.shape[0]):
        numpyro.sample("y", dist.Bernoulli(logits=eta), obs=y)


@pymc_version("cogalign.rotation.pymc_models:joint_pymc")
def joint_model(
    angle: Any, mirror: Any, participant: Any, min_rt: Any, rt_index: Any, y: Any = None,
    correct: Any = None, *, family: str = "lognormal", n_participants: int | None = None,
    rt_max: float = 30.0, mirror_effects: bool = True, contaminant: bool = True,
    priors: Priors = None,
) -> None:
    """Response times of correct trials and the correctness of every trial, jointly.

    Parameters
    ----------
    angle, mirror, participant
        Per trial (every trial).
    min_rt
        Per person: fastest correct response (s).
    rt_index
        Positions of the correct trials among all trials (``y`` belongs to them).
    y
        Response times of the correct trials (``None`` to simulate).
    correct
        1 for a correct response, per trial (``None`` to simulate).
    family, n_participants, rt_max, mirror_effects, contaminant, priors
        As in :func:`rt_model`; see :func:`joint_params`.
    """
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    from cogalign.bayes.params import sample_numpyro
    from cogalign.rotation.functions import joint_accuracy_logit

    person, pooled = joint_params(family, mirror_effects=mirror_effects, priors=priors)
    if not contaminant:
        pooled = [p for p in pooled if p.name != "p_contam"]
    values = {**sample_numpyro(person, n_participants), **sample_numpyro(pooled)}
    theta = _per_trial(values, person, participant, n_participants is not None)
    eta = joint_accuracy_logit(angle, mirror, theta, jnp)
    with numpyro.plate("all_trials", angle.shape[0]):
        numpyro.sample("correct", dist.Bernoulli(logits=eta), obs=correct)
    sub = {k: (v[rt_index] if jnp.ndim(v) else v) for k, v in theta.items()}
    _rt_site(family, angle[rt_index], mirror[rt_index], participant[rt_index], min_rt, sub,
             "linear", rt_max, contaminant, y)
