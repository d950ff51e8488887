r"""A hierarchical Bayesian choice model of relative dissonance, against a distance-free one.

Person ``i`` takes the Pro side of a new issue with

.. math:: P(\text{Pro}) = \sigma(\beta_i + \kappa_i \, \delta),

where :math:`\delta` is the signed relative dissonance
(:func:`cogalign.beliefs.dissonance.signed_dissonance`, divided by its standard deviation in
the data: positive when Pro lies nearer the person's beliefs), :math:`\beta_i` the person's
bias towards Pro and :math:`\kappa_i` their sensitivity to dissonance. With
``distance=False`` the model drops :math:`\kappa` (the distance-free model); comparing the
two by PSIS-LOO asks whether the belief space's distances predict choices beyond each
person's bias.

Both parameters are partially pooled across people (non-centred, :mod:`cogalign.bayes.params`):
:math:`\beta_i = s_\beta (m_\beta + \tau_\beta z_i)` with
:math:`m \sim \mathcal{N}(0, 1)`, :math:`\tau \sim \text{Half-}\mathcal{N}(0.5)`,
:math:`z_i \sim \mathcal{N}(0, 1)`; prior scales 1 for the bias and 2 for the sensitivity
(weakly informative on the log-odds scale). ``participant=None`` fits one pooled value of
each. The PyMC twin is :func:`cogalign.beliefs.pymc_models.dissonance_choice_pymc`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from cogalign.bayes.params import Param, update_params
from cogalign.bayes.registry import pymc_version
from cogalign.beliefs.dissonance import signed_dissonance
from cogalign.errors import CogalignError

__all__ = ["choice_data", "compare_dissonance_models", "dissonance_choice_model",
           "dissonance_params"]

Priors = Mapping[str, Mapping[str, float]] | None


def dissonance_params(distance: bool = True, priors: Priors = None) -> list[Param]:
    """The parameters: ``bias`` (log-odds of Pro) and, with ``distance``, ``sensitivity``."""
    out = [Param("bias", loc=0.0, scale=1.0, description="log-odds of taking the Pro side")]
    if distance:
        out.append(Param("sensitivity", loc=0.0, scale=2.0,
                         description="change in log-odds of Pro per SD of signed dissonance"))
    return update_params(out, priors)


@pymc_version("cogalign.beliefs.pymc_models:dissonance_choice_pymc")
def dissonance_choice_model(delta: Any, participant: Any = None, y: Any = None, *,
                            n_participants: int | None = None, distance: bool = True,
                            priors: Priors = None) -> None:
    """NumPyro model of Pro/Con choices (``y``: 1 Pro, 0 Con) given signed dissonance ``delta``.

    Parameters
    ----------
    delta
        Scaled signed relative dissonance of each choice.
    participant
        0-based person index of each choice (with ``n_participants``).
    y
        Observed choices, or ``None`` to simulate.
    n_participants
        Number of people: per-person parameters, partially pooled; ``None``: pooled.
    distance
        Include the sensitivity to dissonance.
    priors
        Overrides of the prior settings (see :func:`dissonance_params`).
    """
    import numpyro
    import numpyro.distributions as dist

    from cogalign.bayes.params import sample_numpyro

    params = sample_numpyro(dissonance_params(distance, priors), n_participants)
    if n_participants is not None:
        params = {k: v[participant] for k, v in params.items()}
    eta = params["bias"]
    if distance:
        eta = eta + params["sensitivity"] * delta
    with numpyro.plate("choices", delta.shape[0]):
        numpyro.sample("y", dist.Bernoulli(logits=eta), obs=y)


def choice_data(frame: pd.DataFrame, *, n_people: int | None = None, seed: int = 0,
                distance: bool = True) -> dict[str, Any]:
    """The model's data from nearer-side predictions.

    From a table with ``participant_id``, ``stance``, ``d_pro`` and ``d_con``.

    Parameters
    ----------
    frame
        One row per choice.
    n_people
        Keep a random subset of this many people (all their choices).
    seed
        Seed of that subset.
    distance
        Passed to the model.

    Returns
    -------
    dict
        Keyword data for :func:`dissonance_choice_model`: ``delta``, ``participant``, ``y``,
        ``n_participants``, ``distance``; ``scale`` is the standard deviation ``delta`` was
        divided by (kept under the key ``_scale``, removed before fitting).
    """
    delta = signed_dissonance(frame["d_pro"].to_numpy(), frame["d_con"].to_numpy())
    ok = np.isfinite(delta)
    part = frame[ok]
    delta = delta[ok]
    if n_people is not None:
        people = pd.unique(part["participant_id"])
        if n_people < len(people):
            keep = np.random.default_rng(seed).choice(people, n_people, replace=False)
            sel = part["participant_id"].isin(keep).to_numpy()
            part, delta = part[sel], delta[sel]
    if len(part) == 0:
        raise CogalignError("no choices with finite distances to fit")
    scale = float(np.std(delta)) or 1.0
    index, _ = pd.factorize(part["participant_id"])
    return {"delta": delta / scale, "participant": index.astype(np.int64),
            "y": (part["stance"].to_numpy() > 0).astype(np.int64),
            "n_participants": int(index.max()) + 1, "distance": distance, "_scale": scale}


def compare_dissonance_models(
    frame: pd.DataFrame,
    *,
    n_people: int | None = 300,
    method: str = "nuts",
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    backend: str = "numpyro",
    seed: int = 0,
    **fit_kwargs: Any,
) -> dict[str, Any]:
    """Fit the dissonance model and the distance-free model; rank them by PSIS-LOO.

    Parameters
    ----------
    frame
        Nearer-side predictions with ``participant_id``, ``stance``, ``d_pro``, ``d_con``.
    n_people
        People to fit (a random subset; ``None``: all).
    method, draws, tune, chains, backend
        Passed to :func:`cogalign.bayes.fit`.
    seed
        Seed of the subset and the fits.
    **fit_kwargs
        Further settings of :func:`cogalign.bayes.fit` (e.g. ``num_steps`` for SVI).

    Returns
    -------
    dict
        ``comparison`` (:func:`cogalign.bayes.compare` table), ``fits`` (``{"dissonance":
        InferenceData, "distance-free": InferenceData}``), ``sensitivity`` (posterior mean and
        90% interval of the population sensitivity ``sensitivity_pop`` per SD of dissonance),
        ``scale``, ``n_choices``, ``n_people``.
    """
    from cogalign.bayes import compare, fit

    fits, scale, data = {}, 1.0, {}
    for name, distance in (("dissonance", True), ("distance-free", False)):
        data = choice_data(frame, n_people=n_people, seed=seed, distance=distance)
        scale = data.pop("_scale")
        fits[name] = fit(dissonance_choice_model, data, backend=backend, method=method,
                         draws=draws, tune=tune, chains=chains, seed=seed,
                         dims={"y": ["choice"]}, **fit_kwargs)
    table = compare(fits)
    post = fits["dissonance"].posterior
    name = "sensitivity_pop" if "sensitivity_pop" in post else "sensitivity"
    draws_ = np.asarray(post[name].values).ravel()
    return {"comparison": table, "fits": fits, "scale": scale,
            "sensitivity": {"mean": float(draws_.mean()), "low": float(np.quantile(draws_, 0.05)),
                            "high": float(np.quantile(draws_, 0.95))},
            "n_choices": int(len(data["y"])), "n_people": int(data["n_participants"])}
